"""§7 / §9.20: signed webhooks to registered loopback URLs."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from .conftest import Api


class _Receiver:
    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    r = _Receiver()
    yield r
    r.close()


def test_signed_delivery_on_stage_change(api: Api, receiver: _Receiver) -> None:
    created = api.post(
        "/v3/webhooks",
        {
            "name": "stages",
            "endpoint_url": receiver.url,
            "event_action_type": "candidate_stage_change",
            "secret_key": "s3cret",
        },
    )
    assert created.status_code == 201 and "secret_key" not in created.json()
    assert [w["id"] for w in api.rows("webhooks")] == [created.json()["id"]]
    app = api.rows("applications", status="active", prospect="false", per_page=1)[0]
    assert api.post(f"/v3/applications/{app['id']}/move", {}).status_code == 200
    assert api.sb.wait_webhooks()
    assert len(receiver.got) == 1
    headers, body = receiver.got[0]
    expected = "sha256 " + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["signature"] == expected and headers["greenhouse-event-id"]
    payload = json.loads(body)
    assert payload["action"] == "candidate_stage_change"
    assert payload["payload"]["application"]["id"] == app["id"]
    assert payload["payload"]["application"]["status"] == "active"
    assert payload["payload"]["application"]["current_stage"]["name"] != app["stage_name"]


def test_candidate_events_and_retries(api: Api, receiver: _Receiver) -> None:
    api.sb.add_webhook(receiver.url, "delete_candidate", secret_key="k")
    api.post(
        "/v3/webhooks",
        {
            "name": "n",
            "endpoint_url": receiver.url,
            "event_action_type": "new_candidate_application",
            "secret_key": "k",
            "max_attempts": 2,
        },
    )
    receiver.status = 500
    job = next(j for j in api.all("jobs") if j["status"] == "open" and not j["is_template"])
    api.post("/v3/candidates", {"first_name": "A", "last_name": "B", "application": {"job_id": job["id"]}})
    assert api.sb.wait_webhooks()
    assert len(receiver.got) == 2 and api.sb.stats.webhooks_failed == 2  # two attempts
    receiver.status = 200
    cid = api.rows("candidates", per_page=1)[0]["id"]
    api.sb.tenant.hard_delete_candidate(cid)
    assert api.sb.wait_webhooks()
    assert json.loads(receiver.got[-1][1])["payload"]["candidate"]["id"] == cid


def test_webhook_validation(api: Api) -> None:
    resp = api.post(
        "/v3/webhooks",
        {"name": "x", "endpoint_url": "https://example.com/hook", "event_action_type": "teapot", "secret_key": "k"},
    )
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json()["errors"]}
    assert fields == {"endpoint_url", "event_action_type"}
    hook = api.sb.add_webhook("http://127.0.0.1:9/x", "update_candidate")
    assert api.delete(f"/v3/webhooks/{hook['id']}").status_code == 200
    assert api.delete(f"/v3/webhooks/{hook['id']}").status_code == 404
