"""data-changed out: the event, its signature, the URL policy, the durable queue and its retries.

The queue tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from unimap.errors import ConfigError, InputInvalid
from unimap.store import Integration, open_store
from unimap.sync import ModelReport, SyncReport
from unimap.webhooks import KOMBO_MODEL_NAMES, SIGNATURE_HEADER, changed_models, data_changed_event, sign, verify
from unimap.webhooks.delivery import Deliverer, DeliverySettings, after_sync
from unimap.webhooks.policy import UrlPolicy, parse_allow, safe_url
from unimap.webhooks.store import WebhookStore

from .conftest import Receiver

IID = "otys:hooks"


def _report(**changes: dict[str, int]) -> SyncReport:
    report = SyncReport(IID, 1, "delta")
    for model, counts in changes.items():
        report.models[model] = ModelReport(model, **counts)
    return report


def test_event_lists_changed_models_by_kombo_name() -> None:
    report = _report(
        candidate={"fetched": 3, "changed": 1},
        job={"fetched": 2, "unchanged": 2},
        job_hiring_team_member={"fetched": 1, "deleted": 1},
        application={"fetched": 1, "restored": 1},
    )
    assert changed_models(report) == ["candidate", "job_hiring_team_member", "application"]
    event = data_changed_event(IID, "otys", changed_models(report), "ev1")
    assert event == {
        "id": "ev1",
        "type": "data-changed",
        "data": {
            "integration_id": IID,
            "integration_tool": "otys",
            "integration_category": "ATS",
            "changed_models": [
                {"name": "ats_candidates"},
                {"name": "ats_join_jobs_users"},
                {"name": "ats_applications"},
            ],
        },
    }
    assert KOMBO_MODEL_NAMES["tag"] == "ats_tags" and KOMBO_MODEL_NAMES["rejection_reason"] == "ats_rejection_reasons"


def test_signature_verifies_only_the_signed_body_and_recent_times() -> None:
    header = sign("s3cret", b'{"a":1}', timestamp=1_000)
    assert header.startswith("t=1000,v1=")
    assert verify("s3cret", header, b'{"a":1}', now=1_010)
    assert not verify("s3cret", header, b'{"a":2}', now=1_010)
    assert not verify("other", header, b'{"a":1}', now=1_010)
    assert not verify("s3cret", header, b'{"a":1}', now=2_000)  # a replay long after
    assert not verify("s3cret", "v1=abc", b'{"a":1}', now=1_010)


def test_url_policy_refuses_private_addresses_unless_allowed() -> None:
    # hosts other than loopback are names resolved in-process, so no test URL can reach them
    names = {"inside.test": "10.1.2.3", "home.test": "192.168.0.1", "metadata.test": "169.254.169.254"}

    def resolver(host: str, port: int) -> list[str]:
        return [names[host]]

    strict = UrlPolicy(resolver=resolver)
    for url in ("http://127.0.0.1:9/x", "http://[::1]/x", "http://inside.test/x", "http://metadata.test/"):
        with pytest.raises(InputInvalid, match="private or local address"):
            strict.check(url)
    with pytest.raises(InputInvalid, match="http\\(s\\) URL"):
        strict.check("ftp://127.0.0.1/x")
    rebinding = UrlPolicy(allowed=parse_allow("10.0.0.0/8")[1], resolver=lambda host, port: ["10.0.0.1", "127.0.0.1"])
    with pytest.raises(InputInvalid, match=r"resolves to 127\.0\.0\.1"):
        rebinding.check("http://receiver.test/x")  # every address is checked, not the first
    from_env = UrlPolicy.from_env({"UNIMAP_WEBHOOK_ALLOW": "127.0.0.1, 10.0.0.0/8"})
    allowed = UrlPolicy(from_env.allow_everything, from_env.allowed, resolver=resolver)
    assert str(allowed.check("http://127.0.0.1:9/x")) == "127.0.0.1"
    assert str(allowed.check("http://inside.test/x")) == "10.1.2.3"
    with pytest.raises(InputInvalid):
        allowed.check("http://home.test/x")
    assert parse_allow("private") == (True, ())
    with pytest.raises(ConfigError, match="UNIMAP_WEBHOOK_ALLOW: 'nope'"):
        parse_allow("nope")
    assert safe_url("https://u:p@hooks.test:8443/in?token=abc") == "https://hooks.test:8443/in?…"


def _store(url: str) -> object:
    store = open_store(url)
    store.save_integration(Integration(IID, "otys", "Hooks", None, {}, {}))
    return store


@pytest.mark.usefixtures("loopback_allowed")
def test_a_receiver_that_fails_three_times_gets_the_event_later(
    store_url: str, make_receiver: Callable[..., Receiver]
) -> None:
    receiver = make_receiver(fail_first=3)
    store = _store(store_url)
    try:
        hooks = WebhookStore(store)
        sub, secret = hooks.add(receiver.url, IID)
        queued = after_sync(store, store.integration(IID), _report(candidate={"fetched": 1, "created": 1}))
        assert len(queued) == 1 and len(receiver.got) == 1  # the first attempt right after the sync
        deliverer = Deliverer(store)
        deadline = time.monotonic() + 5
        while not receiver.delivered() and time.monotonic() < deadline:
            deliverer.deliver_due()  # what serve's loop and `unimap webhooks retry` do
            time.sleep(0.02)
        assert [s for *_, s in receiver.got] == [500, 500, 500, 200]
        (delivery,) = hooks.deliveries()
        assert delivery.status == "delivered" and delivery.attempts == 4
        assert [a["status"] for a in delivery.log] == [500, 500, 500, 200]
        assert [a["error"] for a in delivery.log] == ["HTTP 500"] * 3 + [None]
        headers, body = receiver.delivered()[0]
        assert verify(secret, headers[SIGNATURE_HEADER.lower()], body)
        assert json.loads(body)["data"]["changed_models"] == [{"name": "ats_candidates"}]
        assert headers["x-unimap-event-id"] == json.loads(body)["id"]
        assert {h["x-unimap-event-id"] for h, *_ in receiver.got} == {delivery.event_id}  # the same event each time
        assert secret not in json.dumps(delivery.public()) and sub.id == delivery.subscription_id
    finally:
        store.close()  # type: ignore[attr-defined]


@pytest.mark.usefixtures("loopback_allowed")
def test_backoff_grows_and_gives_up_after_max_attempts(
    store_url: str, make_receiver: Callable[..., Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIMAP_WEBHOOK_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("UNIMAP_WEBHOOK_RETRY_SECONDS", "60")
    receiver = make_receiver(fail_first=10)
    store = _store(store_url)
    try:
        hooks = WebhookStore(store)
        hooks.add(receiver.url, IID)
        after_sync(store, store.integration(IID), _report(job={"fetched": 1, "changed": 1}))
        (delivery,) = hooks.deliveries()
        assert delivery.status == "pending" and delivery.next_attempt_at is not None
        assert Deliverer(store).deliver_due() == []  # not due for another minute
        hooks.retry_now()
        assert len(Deliverer(store).deliver_due()) == 1
        (delivery,) = hooks.deliveries()
        assert delivery.status == "failed" and delivery.next_attempt_at is None and delivery.attempts == 2
        settings = DeliverySettings(retry_seconds=30)
        assert [settings.backoff(n) for n in (1, 2, 3)] == [30, 60, 120] and settings.backoff(40) == 6 * 3600
        assert hooks.retry_now([delivery.id]) == 1  # a failed one can be retried by id
        assert hooks.deliveries()[0].status == "pending"
    finally:
        store.close()  # type: ignore[attr-defined]


def test_delivery_rechecks_the_address_and_unchanged_syncs_send_nothing(
    tmp_path: object, make_receiver: Callable[..., Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIMAP_WEBHOOK_ALLOW", "127.0.0.1")
    receiver = make_receiver()
    store = _store(f"sqlite:///{tmp_path}/s.db")
    try:
        hooks = WebhookStore(store)
        hooks.add(receiver.url)  # every integration
        assert after_sync(store, store.integration(IID), _report(user={"fetched": 5, "unchanged": 5})) == []
        monkeypatch.delenv("UNIMAP_WEBHOOK_ALLOW")  # the operator no longer allows loopback
        after_sync(store, store.integration(IID), _report(user={"fetched": 1, "created": 1}))
        (delivery,) = hooks.deliveries()
        assert receiver.got == [] and delivery.status == "pending"
        assert "private or local address" in (delivery.last_error or "")
        hooks.remove(delivery.subscription_id)
        assert hooks.deliveries()[0].status == "cancelled"
    finally:
        store.close()  # type: ignore[attr-defined]


def test_key_rotation_reseals_webhook_secrets(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from unimap import secrets

    old, new = secrets.generate_key(), secrets.generate_key()
    monkeypatch.setenv("UNIMAP_SECRET_KEY", old)
    store = _store(f"sqlite:///{tmp_path}/r.db")
    try:
        hooks = WebhookStore(store)
        sub, secret = hooks.add("http://127.0.0.1:9/x", IID)
        inbound = hooks.set_inbound_secret(IID)
        (row,) = hooks._read("SELECT secret FROM webhook_subscriptions")
        assert row["secret"].startswith(secrets.PREFIX) and secret not in row["secret"]  # encrypted at rest
        monkeypatch.setenv("UNIMAP_SECRET_KEY", new)
        monkeypatch.setenv("UNIMAP_SECRET_KEY_OLD", old)
        secrets.rotate(store)
        monkeypatch.delenv("UNIMAP_SECRET_KEY_OLD")  # the old key is gone: everything still reads
        assert hooks.secret(sub.id) == secret and hooks.inbound_secret(IID) == inbound
    finally:
        store.close()  # type: ignore[attr-defined]
