"""Rows a mapping process prepared (hash and texts computed there) store exactly like mapped records."""

from __future__ import annotations

from typing import Any

from unimap.store import Integration, open_store
from unimap.store.rows import PreparedRecord, prepared, prepared_record, stored_row
from unimap.sync import Syncer


def _record(rid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"k{rid}",
        "remote_id": rid,
        "first_name": "Ann",
        "tags": [{"id": "t1", "name": "a"}],
        "remote_data": {"Otys.Services.CandidateService.getListEx": {"uid": rid, "Person": {"firstName": "Ann"}}},
        **extra,
    }


def test_a_prepared_record_is_stored_as_the_record_it_came_from(store_url: str) -> None:
    plain = [(_record("1"), None), (_record("2", first_name=None), "p")]
    ready = [(prepared_record(prepared(r)), parent) for r, parent in plain]
    assert all(isinstance(r, PreparedRecord) and set(r) == {"id", "remote_id"} for r, _ in ready)
    assert [stored_row(r) for r, _ in ready] == [stored_row(r) for r, _ in plain]
    store = open_store(store_url)
    try:
        for iid, rows in (("otys:plain", plain), ("otys:ready", ready)):
            store.save_integration(Integration(iid, "otys", "x", None, {}, {}))
            with store.transaction() as db:
                result = store.upsert(iid, "candidate", rows, seen_sync=1, now="2026-01-01T00:00:00.000Z", db=db)
            assert (result.created, result.changed) == (2, 0)
        assert store.all("otys:ready", "candidate") == store.all("otys:plain", "candidate")
        with store.transaction() as db:  # unchanged content: the hash computed in a worker matches
            again = store.upsert("otys:ready", "candidate", plain, seen_sync=2, now="2026-01-02T00:00:00.000Z", db=db)
        assert (again.unchanged, again.changed) == (2, 0)
    finally:
        store.close()


def test_prepared_duplicates_merge_like_the_records() -> None:
    first = _record("1", emails=["a"])
    second = _record("1", emails=["b", "a"], first_name="Bo")
    second["remote_data"] = {"Otys.Services.CandidateService.getDetail": {"uid": "1"}}
    plain = Syncer._merge([(first, None), (second, None)])
    ready = Syncer._merge([(prepared_record(prepared(r)), None) for r in (first, second)])
    assert ready == plain
    assert plain[0][0]["emails"] == ["a", "b"] and len(plain[0][0]["remote_data"]) == 2
    assert prepared_record(prepared(first)).full() == first
