"""Listings from stored text, on both backends: spliced records equal parsed ones, byte for byte."""

from __future__ import annotations

import sqlite3

import orjson
import pytest

from unimap.assemble import Assembler
from unimap.splice import render
from unimap.store import Integration, open_store
from unimap.store.base import StoredRecord
from unimap.store.migrations import MIGRATIONS

IID = "otys:stored"
NOW = "2024-01-01T00:00:00.000Z"


@pytest.fixture
def store(store_url):  # type: ignore[no-untyped-def]
    s = open_store(store_url)
    s.save_integration(Integration(IID, "otys", credentials={"api_key": "k"}))
    yield s
    s.close()


def _write(store, model, records):  # type: ignore[no-untyped-def]
    with store.transaction() as db:
        store.upsert(IID, model, [(r, None) for r in records], seen_sync=None, now=NOW, db=db)


def test_stored_page_is_the_page_unparsed_with_extracted_fields(store) -> None:  # type: ignore[no-untyped-def]
    apps = [
        {"id": f"a{i}", "remote_id": f"A{i}", "candidate_id": f"c{i % 2}", "job_id": None, "remote_data": {"z": i}}
        for i in range(5)
    ]
    _write(store, "application", apps)
    where = ["r.remote_deleted_at IS NULL"]
    first = store.stored_page(IID, "application", where=where, params=[], cursor=None, page_size=3, fields=["job_id"])
    assert [r.id for r in first.records] == ["a0", "a1", "a2"] and first.next
    assert first.records[1].fields == {"job_id": None} and first.records[1].remote_id == "A1"
    assert orjson.loads(first.records[1].data)["candidate_id"] == "c1"
    assert first.records[1].remote_data == b'{"z":1}'
    rest = store.stored_page(IID, "application", where=where, params=[], cursor=first.next, page_size=3)
    assert [r.id for r in rest.records] == ["a3", "a4"] and rest.next is None
    page = store.page(IID, "application", where=where, params=[], cursor=None, page_size=5)
    assert [r.parsed() for r in first.records + rest.records] == page.results


def test_remote_data_given_as_bytes_is_stored_as_those_bytes(store) -> None:  # type: ignore[no-untyped-def]
    raw = b'{"b": 1,   "a": [1, 2]}'
    _write(store, "user", [{"id": "u1", "remote_id": "U1", "remote_data": raw}])
    _write(store, "user", [{"id": "u2", "remote_id": "U2", "remote_data": orjson.Fragment(raw)}])
    page = store.stored_page(IID, "user", where=[], params=[], cursor=None, page_size=5)
    assert [r.remote_data for r in page.records] == [raw, raw]
    assert store.get(IID, "user", id="u1")["remote_data"] == {"b": 1, "a": [1, 2]}
    with store.transaction() as db:  # the change check hashes the unified content only
        again = store.upsert(
            IID, "user", [({"id": "u1", "remote_id": "U1", "remote_data": b"{}"}, None)], seen_sync=None, now=NOW, db=db
        )
    assert again.unchanged == 1 and store.get(IID, "user", id="u1")["remote_data"] == {}


def test_related_reads_without_remote_data_keep_every_field(store) -> None:  # type: ignore[no-untyped-def]
    _write(store, "job", [{"id": "j1", "remote_id": "J1", "name": "Dev", "remote_data": {"big": "x" * 100}}])
    full = store.by_ids(IID, "job", ["j1"])["j1"]
    light = store.by_ids(IID, "job", ["j1"], fields=["id", "name"])["j1"]
    assert "remote_data" not in light and {k: v for k, v in full.items() if k != "remote_data"} == light
    assert store.by_field(IID, "job", "name", ["Dev"], fields=["id"]) == [light]


def _stored(data: dict[str, object], remote: bytes | None = b'{"v":1}') -> StoredRecord:
    text = orjson.dumps(data)
    return StoredRecord(str(data.get("id")), None, text.hex()[:32], text, NOW, None, remote, {})


def _via_dict(record: StoredRecord, additions: list[tuple[str, object, bool]]) -> bytes:
    out = record.parsed()
    for key, value, replace in additions:
        if replace:
            out[key] = value
        else:
            out.setdefault(key, value)
    return orjson.dumps(out)


@pytest.mark.parametrize(
    "data",
    [
        {"id": "c1", "name": "Ann"},  # nothing to decide: appended
        {"id": "c2", "tags": [{"name": "kept"}]},  # a default the record has: kept where it is
        {"id": "c3", "custom_fields": {"tags": 1, "applications": 2}},  # the keys only nested: appended
        {"id": "c4", "applications": "stale", "x": 1},  # a replaced key at the top: replaced in place
        {},  # no key at all
    ],
)
def test_spliced_records_equal_parsed_and_dumped_ones(data: dict[str, object]) -> None:
    additions = [("applications", [{"id": "a", "n": None}], True), ("tags", [], False)]
    for remote in (b'{"v":1}', None):
        record = _stored(data, remote)
        assert orjson.dumps(render(record, additions)) == _via_dict(record, additions)


def test_every_model_has_the_fields_its_additions_read() -> None:
    assert set(Assembler.FIELDS) <= {"user", "job", "candidate", "application", "application_stage"}


def test_an_older_store_migrates_to_the_indexes_listings_use(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, script in MIGRATIONS[:3]:
        db.executescript(script)
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    db.execute(
        "INSERT INTO records (integration_id, model, id, data, remote_data, hash, changed_at, created_at) "
        "VALUES (?, 'application', 'a1', '{\"id\":\"a1\",\"candidate_id\":\"c1\"}', 'null', 'h', ?, ?)",
        (IID, NOW, NOW),
    )
    db.commit()
    db.close()
    store = open_store(f"sqlite:///{path}")
    try:
        indexes = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"records_page", "records_application_candidate", "records_member_job"} <= indexes
        assert not {"records_seen", "records_candidate", "records_job"} & indexes
        assert [r["id"] for r in store.by_field(IID, "application", "candidate_id", ["c1"])] == ["a1"]
        plan = " ".join(
            str(r[3])
            for r in store.db.execute(
                "EXPLAIN QUERY PLAN SELECT r.rowid FROM records r WHERE r.integration_id = ? AND "
                "r.model = 'candidate' AND r.rowid > ? AND r.remote_deleted_at IS NULL ORDER BY r.rowid LIMIT 101",
                (IID, 0),
            )
        )
        assert "records_page" in plan and "TEMP B-TREE" not in plan  # a page never sorts the whole model
    finally:
        store.close()


def test_stored_text_with_spaces_is_spliced_without_duplicate_keys() -> None:
    text = b'{"id": "c6", "tags": ["x"], "name": "tags"}'
    record = StoredRecord("c6", None, "h-spaced", text, NOW, None, None, {})
    additions = [("applications", [], True), ("tags", [], False)]
    out = orjson.dumps(render(record, additions))
    expected = orjson.loads(_via_dict(record, additions))
    assert orjson.loads(out) == expected and list(orjson.loads(out)) == list(expected)  # same keys, same order
    assert out.count(b'"tags":') == 1
