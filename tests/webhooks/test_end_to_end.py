"""A change in a sandbox reaches a subscriber within 5 s, signed: vendor webhook in → delta sync → data-changed out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from greenhouse.helpers import connect

from unimap.api import ApiServer, create_app
from unimap.api.auth import KeyStore
from unimap.service import Unimap
from unimap.webhooks import SIGNATURE_HEADER, verify
from unimap.webhooks.store import WebhookStore
from unimap_connectors.greenhouse.sandbox import Sandbox as GreenhouseSandbox
from unimap_connectors.otys.sandbox import Sandbox as OtysSandbox

from .conftest import Receiver

pytestmark = pytest.mark.usefixtures("loopback_allowed")


@dataclass
class Served:
    """A synced integration behind a live ``unimap serve`` with an all-integrations key."""

    service: Unimap
    server: ApiServer
    integration_id: str
    key: str

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=30)

    def subscribe(self, url: str) -> str:
        """Subscribe ``url`` through the API; its secret."""
        with self.api() as http:
            answer = http.post("/webhooks", json={"url": url, "integration_id": self.integration_id})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["data"]["secret"])

    def inbound_url(self) -> str:
        return f"{self.server.url}/integrations/{self.integration_id}/vendor-webhooks"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[Unimap, str], Served]]:
    started: list[Served] = []

    def start(service: Unimap, integration_id: str) -> Served:
        assert service.sync(integration_id, full=True).ok
        key, _ = KeyStore(service.store).create(["*"], "hooks")
        app = create_app(service, delta_every=0, full_every=0, webhook_tick=0.05)
        served = Served(service, ApiServer(app).start(), integration_id, key)
        started.append(served)
        return served

    yield start
    for s in started:
        s.server.stop()
        s.service.close()


def _event_within(receiver: Receiver, seconds: float) -> tuple[dict[str, str], dict[str, Any], bytes]:
    assert receiver.wait(1, seconds), f"no data-changed event within {seconds} s (got {receiver.got})"
    headers, body = receiver.delivered()[0]
    return headers, json.loads(body), body


def test_greenhouse_change_reaches_the_subscriber(
    tmp_path: Path, serve: Callable[[Unimap, str], Served], make_receiver: Callable[..., Receiver]
) -> None:
    sb = GreenhouseSandbox(seed=1, size=20, rate_limit=None).start()
    try:
        um = Unimap(f"sqlite:///{tmp_path / 'gh.db'}")
        iid = connect(um, sb, "greenhouse:hooks")
        served = serve(um, iid)
        receiver, flaky = make_receiver(), make_receiver(fail_first=3)
        secret = served.subscribe(receiver.url)
        flaky_secret = served.subscribe(flaky.url)
        inbound = WebhookStore(um.store).set_inbound_secret(iid)
        sb.add_webhook(served.inbound_url(), "update_candidate", secret_key=inbound)
        candidate = sb.tenant.rows("candidates")[0]

        started = time.monotonic()
        sb.tenant.edit_candidate(candidate["id"], first_name="Webhooked")
        headers, event, body = _event_within(receiver, 5.0)
        assert time.monotonic() - started < 5.0
        assert verify(secret, headers[SIGNATURE_HEADER.lower()], body)
        assert event["type"] == "data-changed"
        assert event["data"]["integration_id"] == iid and event["data"]["integration_tool"] == "greenhouse"
        assert event["data"]["changed_models"] == [{"name": "ats_candidates"}]  # only the webhook's model synced
        stored = um.store.get(iid, "candidate", remote_id=str(candidate["id"]))
        assert stored is not None and stored["first_name"] == "Webhooked"
        # the receiver that failed three times gets the same event later, from serve's delivery loop
        late_headers, late_event, late_body = _event_within(flaky, 5.0)
        assert [status for *_, status in flaky.got] == [500, 500, 500, 200]
        assert late_event == event and verify(flaky_secret, late_headers[SIGNATURE_HEADER.lower()], late_body)
        with served.api() as http:
            subs = http.get("/webhooks").json()["data"]["results"]
            flaky_id = next(s["id"] for s in subs if s["url"] == flaky.url)
            log = http.get(f"/webhooks/{flaky_id}/deliveries").json()["data"]["results"]
        assert [a["status"] for a in log[0]["log"]] == [500, 500, 500, 200] and log[0]["status"] == "delivered"
    finally:
        sb.stop()


def test_otys_change_reaches_the_subscriber(
    tmp_path: Path, serve: Callable[[Unimap, str], Served], make_receiver: Callable[..., Receiver]
) -> None:
    sb = OtysSandbox(seed=1, size=20, rate_limit=0).start()
    try:
        um = Unimap(f"sqlite:///{tmp_path / 'otys.db'}")
        iid = um.connect("otys", {"api_key": sb.api_key}, base_url=sb.base_url, integration_id="otys:hooks").id
        served = serve(um, iid)
        receiver = make_receiver()
        secret = served.subscribe(receiver.url)
        token = WebhookStore(um.store).set_inbound_secret(iid)
        session = sb.new_session()

        def rpc(method: str, *params: Any) -> Any:
            body = {"jsonrpc": "2.0", "id": 1, "method": f"Otys.Services.{method}", "params": [session, *params]}
            answer = httpx.post(sb.jservice_url, json=body, timeout=10).json()
            assert "error" not in answer, answer
            return answer["result"]

        rpc(
            "WebhooksService.add",
            {"serviceCall": "CandidateService.update", "webhookUrl": f"{served.inbound_url()}?token={token}"},
        )
        uid = um.store.all(iid, "candidate")[0]["remote_id"]

        started = time.monotonic()
        rpc("CandidateService.update", uid, {"Person": {"firstName": "Webhooked"}})
        headers, event, body = _event_within(receiver, 5.0)
        assert time.monotonic() - started < 5.0
        assert verify(secret, headers[SIGNATURE_HEADER.lower()], body)
        assert event["data"]["integration_tool"] == "otys"
        assert event["data"]["changed_models"] == [{"name": "ats_candidates"}]
        assert um.store.get(iid, "candidate", remote_id=uid)["first_name"] == "Webhooked"
    finally:
        sb.stop()


def test_vendor_webhooks_need_a_valid_signature(tmp_path: Path, serve: Callable[[Unimap, str], Served]) -> None:
    sb = GreenhouseSandbox(seed=1, size=20, rate_limit=None).start()
    try:
        um = Unimap(f"sqlite:///{tmp_path / 'gh.db'}")
        iid = connect(um, sb, "greenhouse:sig")
        served = serve(um, iid)
        body = b'{"action":"update_candidate","payload":{}}'
        unsigned = httpx.post(served.inbound_url(), content=body, timeout=10)
        assert unsigned.status_code == 401  # no inbound secret set yet
        secret = WebhookStore(um.store).set_inbound_secret(iid)
        import hashlib
        import hmac

        good = "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        bad = httpx.post(served.inbound_url(), content=body + b" ", headers={"Signature": good}, timeout=10)
        assert bad.status_code == 401 and bad.json()["error"]["code"] == "PLATFORM.AUTHENTICATION_INVALID"
        unknown = httpx.post(
            f"{served.server.url}/integrations/greenhouse:nope/vendor-webhooks",
            content=body,
            headers={"Signature": good},
        )
        assert unknown.status_code == 401
        ok = httpx.post(served.inbound_url(), content=body, headers={"Signature": good}, timeout=10)
        assert ok.status_code == 200 and ok.json()["data"] == {
            "event": "update_candidate",
            "models": ["candidate"],
            "sync": "started",
        }
        other = b'{"action":"interview_deleted","payload":{}}'
        sig = "sha256 " + hmac.new(secret.encode(), other, hashlib.sha256).hexdigest()
        ignored = httpx.post(served.inbound_url(), content=other, headers={"Signature": sig}, timeout=10)
        assert ignored.json()["data"] == {"event": "interview_deleted", "models": [], "sync": "ignored"}
        served.server.app.state.api.scheduler.wait_idle(10)
    finally:
        sb.stop()
