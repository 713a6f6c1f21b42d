"""``unimap webhooks …`` and the /v1/webhooks endpoints: secrets shown once, keys scope subscriptions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from unimap.api import ApiServer, create_app
from unimap.api.auth import KeyStore
from unimap.cli.main import _register_commands, cli
from unimap.store import Integration, open_store
from unimap.webhooks import SIGNATURE_HEADER, verify
from unimap.webhooks.store import WebhookStore

from .conftest import Receiver

_register_commands()


def run(*args: str) -> Result:
    """``unimap ARGS`` in-process, on a terminal wide enough that tables never wrap."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"COLUMNS": "200"})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'hooks.db'}"
    s = open_store(url)
    for iid in ("otys:A", "otys:B"):
        s.save_integration(Integration(iid, "otys", None, None, {"api_key": "k"}, {}))
    s.close()
    yield url


def test_cli_add_list_remove_and_deliveries(
    store: str, make_receiver: Callable[..., Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = make_receiver(fail_first=1)
    refused = run("webhooks", "add", receiver.url, "--store", store)
    assert refused.exit_code == 1 and "UNIMAP_WEBHOOK_ALLOW" in refused.output
    monkeypatch.setenv("UNIMAP_WEBHOOK_ALLOW", "127.0.0.1")
    added = run("webhooks", "add", receiver.url, "--integration", "otys:A", "--store", store)
    assert added.exit_code == 0, added.output
    secret = added.stdout.splitlines()[0]
    assert secret.startswith("whsec_")
    listed = run("webhooks", "list", "--json", "--store", store)
    (sub,) = json.loads(listed.stdout)
    assert sub["url"] == receiver.url and sub["integration_id"] == "otys:A" and secret not in listed.stdout

    s = open_store(store)
    try:
        from unimap.webhooks.events import data_changed_event

        WebhookStore(s).enqueue("otys:A", data_changed_event("otys:A", "otys", ["candidate"], "ev"))
        WebhookStore(s).enqueue("otys:B", data_changed_event("otys:B", "otys", ["candidate"], "ev2"))  # no subscriber
    finally:
        s.close()
    first = run("webhooks", "retry", "--store", store)
    assert first.exit_code == 1 and "0 delivered, 1 not" in first.stdout
    table = run("webhooks", "deliveries", "--store", store)
    assert "pending" in table.stdout and "500" in table.stdout and "ats_candidates" in table.stdout
    second = run("webhooks", "retry", "--store", store)
    assert second.exit_code == 0 and "1 delivered" in second.stdout
    (delivery,) = json.loads(run("webhooks", "deliveries", "--json", "--store", store).stdout)
    assert [a["status"] for a in delivery["log"]] == [500, 200] and delivery["status"] == "delivered"
    headers, body = receiver.delivered()[0]
    assert verify(secret, headers[SIGNATURE_HEADER.lower()], body)
    removed = run("webhooks", "remove", sub["id"], "--store", store)
    assert removed.exit_code == 0 and run("webhooks", "list", "--json", "--store", store).stdout.strip() == "[]"
    assert run("webhooks", "remove", sub["id"], "--store", store).exit_code == 1


def test_cli_inbound_prints_the_url_to_register(store: str) -> None:
    first = run(
        "webhooks", "inbound", "--integration", "otys:A", "--base-url", "http://127.0.0.1:8000/v1", "--store", store
    )
    assert first.exit_code == 0, first.output
    (line,) = first.stdout.splitlines()  # the token scheme carries the secret in the URL: no secret line
    assert line.startswith("url: http://127.0.0.1:8000/v1/integrations/otys:A/vendor-webhooks?token=")
    again = run("webhooks", "inbound", "--integration", "otys:A", "--store", store)
    assert again.stdout.split("token=")[1] == first.stdout.split("token=")[1]  # kept until --rotate
    rotated = run("webhooks", "inbound", "--integration", "otys:A", "--rotate", "--store", store)
    assert rotated.stdout.split("token=")[1] != first.stdout.split("token=")[1]


def test_api_keys_scope_subscriptions(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIMAP_WEBHOOK_ALLOW", "127.0.0.1")
    from unimap.service import Unimap

    service = Unimap(store)
    keys = KeyStore(service.store)
    a, _ = keys.create(["otys:A"], "a")
    every, _ = keys.create(["*"], "all")
    with ApiServer(create_app(service, delta_every=0, full_every=0, webhook_tick=0)) as server:

        def call(key: str, method: str, path: str, **kw: object) -> httpx.Response:
            return httpx.request(method, server.url + path, headers={"Authorization": f"Bearer {key}"}, **kw)  # type: ignore[arg-type]

        url = "http://127.0.0.1:9/hook"
        assert call(a, "POST", "/webhooks", json={"url": url}).status_code == 400  # all integrations: not key a
        assert call(a, "POST", "/webhooks", json={"url": url, "integration_id": "otys:B"}).status_code == 404
        monkeypatch.delenv("UNIMAP_WEBHOOK_ALLOW")
        private = call(a, "POST", "/webhooks", json={"url": url, "integration_id": "otys:A"})
        assert private.status_code == 400 and "private or local" in private.json()["error"]["message"]
        monkeypatch.setenv("UNIMAP_WEBHOOK_ALLOW", "127.0.0.1")
        mine = call(a, "POST", "/webhooks", json={"url": url, "integration_id": "otys:A"}).json()["data"]
        assert mine["secret"].startswith("whsec_") and mine["integration_id"] == "otys:A"
        wide = call(every, "POST", "/webhooks", json={"url": url}).json()["data"]
        assert wide["integration_id"] is None
        seen_by_a = call(a, "GET", "/webhooks").json()["data"]["results"]
        assert [s["id"] for s in seen_by_a] == [mine["id"]] and "secret" not in seen_by_a[0]
        assert len(call(every, "GET", "/webhooks").json()["data"]["results"]) == 2
        assert call(a, "DELETE", f"/webhooks/{wide['id']}").status_code == 404
        assert call(a, "DELETE", f"/webhooks/{mine['id']}").json() == {"status": "success", "data": {}}
        assert call("uk_x_y", "GET", "/webhooks").status_code == 401
    service.close()
