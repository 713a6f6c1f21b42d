"""A candidate listing's nested applications as JSON text equal the nested dicts, on both backends."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from unimap.assemble import Assembler
from unimap.store import Integration, open_store

IID = "otys:nested"
NOW = "2024-01-01T00:00:00.000Z"


@pytest.fixture
def store(store_url):  # type: ignore[no-untyped-def]
    s = open_store(store_url)
    s.save_integration(Integration(IID, "otys", credentials={"api_key": "k"}))
    yield s
    s.close()


def _write(store: Any, model: str, records: list[dict[str, Any]], now: str = NOW) -> None:
    with store.transaction() as db:
        store.upsert(IID, model, [(r, None) for r in records], seen_sync=None, now=now, db=db)


def _application(n: int, candidate: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"a{n}",
        "remote_id": f"ra{n}",
        "candidate_id": candidate,
        "job_id": "j1",
        "current_stage_id": "s1",
        "outcome": "PENDING",
        "rejection_reason_name": None,
        "remote_url": 'https://example.invalid/"quoted"\n\u00e9',
        "remote_created_at": "2024-01-01T00:00:00.000Z",
        "custom_fields": {"applications": [1, 2]},  # the key's name inside the text: not a top-level key
        "remote_data": {"raw": n},
        **extra,
    }


def _both(store: Any, candidates: list[str], **options: Any) -> tuple[bytes, bytes]:
    light = [{"id": c, "remote_id": f"r{c}"} for c in candidates]
    as_json = Assembler(store, IID, **options).additions("candidate", light, as_json=True)
    as_dicts = Assembler(store, IID, **options).additions("candidate", light)
    return orjson.dumps(as_json), orjson.dumps(as_dicts)


def test_nested_applications_as_json_text_equal_the_dicts(store) -> None:  # type: ignore[no-untyped-def]
    _write(store, "application_stage", [{"id": "s1", "remote_id": "rs1", "name": "Screen"}])
    _write(store, "job", [{"id": "j1", "remote_id": "rj1", "name": "Teacher", "description": "x" * 500}])
    _write(store, "job", [{"id": "j2", "remote_id": "rj2", "name": None}])
    _write(
        store,
        "application",
        [
            _application(1, "c1"),
            _application(2, "c1", job_id="j2", current_stage_id="gone"),
            _application(3, "c2", job_id=None, current_stage_id=None),
            _application(4, "c2", job_id="missing"),
            _application(5, "c3"),
        ],
    )
    with store.transaction() as db:
        store.mark_deleted(IID, "application", ["a5"], now=NOW, db=db)
        store.mark_deleted(IID, "job", ["j2"], now=NOW, db=db)  # a deleted job is still nested
    as_json, as_dicts = _both(store, ["c1", "c2", "c3", "c4"])
    assert as_json == as_dicts
    nested = orjson.loads(as_json)
    assert [a["id"] for a in nested[0][0][1]] == ["a1", "a2"] and nested[2][0][1] == []
    assert nested[0][0][1][1]["job"] == {"id": "j2", "name": None, "remote_id": "rj2"}

    _write(store, "application", [_application(1, "c1", outcome="HIRED")], now="2024-02-02T00:00:00.000Z")
    as_json, as_dicts = _both(store, ["c1"])  # a changed record is rendered anew, not taken from before
    assert as_json == as_dicts and orjson.loads(as_json)[0][0][1][0]["outcome"] == "HIRED"


def test_only_tracked_applications_are_nested_when_asked(store) -> None:  # type: ignore[no-untyped-def]
    _write(store, "application", [_application(1, "c1"), _application(2, "c1")])
    store.track(IID, "application", "ra2")
    as_json, as_dicts = _both(store, ["c1"], tracked_only=True)
    assert as_json == as_dicts
    assert [a["id"] for a in orjson.loads(as_json)[0][0][1]] == ["a2"]
