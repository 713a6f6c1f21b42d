"""Removing an integration and its field switches, on both backends (``store_url``: sqlite and postgres)."""

from __future__ import annotations

from typing import Any

import pytest

from unimap.api.auth import KeyStore
from unimap.errors import IntegrationNotFound
from unimap.store.base import Integration, open_store
from unimap.store.integration_rows import field_settings, purge_integration, set_field_setting
from unimap.timeutil import utc_now
from unimap.webhooks.events import data_changed_event
from unimap.webhooks.store import WebhookStore

GONE, KEPT = "otys:gone", "otys:kept"


def _fill(store: Any, integration_id: str) -> None:
    store.save_integration(Integration(integration_id, "otys", settings={}))
    record = {"id": f"{integration_id}-1", "remote_id": "R1", "name": "Ann", "remote_data": {"a": 1}}
    with store.transaction() as db:
        store.upsert(integration_id, "candidate", [(record, None)], seen_sync=None, now=utc_now(), db=db)
        store.set_checkpoint(integration_id, "candidate", cursor="c", run=None, db=db)
    store.finish_sync(store.start_sync(integration_id, "full"), "success", {})
    store.track(integration_id, "candidate", "R1")
    store.add_pending_attachment(integration_id, {"candidate_remote_id": "R1"}, {"name": "cv.pdf"}, "boom")
    store.set_schedule(integration_id, delta_every=60, full_every=None)
    set_field_setting(store, integration_id, "field-1", True)
    hooks = WebhookStore(store)
    hooks.add("https://hooks.example/" + integration_id, integration_id)
    hooks.enqueue(integration_id, data_changed_event(integration_id, "otys", ["candidate"], "ev-" + integration_id))
    hooks.set_inbound_secret(integration_id)


def _counts(store: Any, integration_id: str) -> dict[str, int]:
    out = {}
    for table in (
        "records",
        "checkpoints",
        "syncs",
        "tracked",
        "pending_attachments",
        "sync_schedules",
        "integration_field_settings",
        "webhook_subscriptions",
        "webhook_deliveries",
        "webhook_inbound",
    ):
        row = store.db.execute(
            f"SELECT COUNT(*) AS n FROM {table} WHERE integration_id = ?", (integration_id,)
        ).fetchone()
        out[table] = int(row["n"])
    return out


def test_purge_removes_every_row_of_one_integration_and_keeps_the_other(store_url: str) -> None:
    store = open_store(store_url)
    try:
        _fill(store, GONE)
        _fill(store, KEPT)
        keys = KeyStore(store)
        only_gone = keys.create([GONE], "only")[1]
        both = keys.create([GONE, KEPT], "both")[1]
        everything = keys.create(["*"], "all")[1]
        kept_before = _counts(store, KEPT)
        assert all(kept_before.values())
        removed = purge_integration(store, GONE)
        assert removed["records"] == 1 and removed["integrations"] == 1 and removed["api_key_grants"] == 2
        assert all(n == 0 for n in _counts(store, GONE).values())
        assert _counts(store, KEPT) == kept_before
        assert [i.id for i in store.integrations()] == [KEPT]
        listed = {k.id: k for k in keys.list()}
        assert listed[only_gone.id].integrations == [] and listed[only_gone.id].revoked_at is not None
        assert listed[both.id].integrations == [KEPT] and listed[both.id].revoked_at is None
        assert listed[everything.id].integrations == ["*"]
        assert field_settings(store, KEPT) == {"field-1": True}
        with pytest.raises(IntegrationNotFound):
            purge_integration(store, GONE)
    finally:
        store.close()


def test_field_switches_overwrite(store_url: str) -> None:
    store = open_store(store_url)
    try:
        store.save_integration(Integration(KEPT, "otys"))
        set_field_setting(store, KEPT, "f", True)
        set_field_setting(store, KEPT, "f", False)
        set_field_setting(store, KEPT, "g", True)
        assert field_settings(store, KEPT) == {"f": False, "g": True}
    finally:
        store.close()
