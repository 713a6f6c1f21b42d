"""Every store behaviour, on both backends (``store_url`` is parametrised: sqlite and postgres)."""

from __future__ import annotations

import inspect
import threading

import pytest
from readside.helpers import connect, tenant_counts

from unimap.api.auth import KeyStore
from unimap.errors import ConfigError, InputInvalid, IntegrationNotFound, StoreError
from unimap.service import Unimap
from unimap.store import Integration, Store, open_store
from unimap.store.base import Store as StoreProtocol
from unimap.store.migrations import LATEST, MIGRATIONS, PG_MIGRATIONS
from unimap.store.postgres import PostgresStore
from unimap.store.sqlite import SQLiteStore

IID = "otys:store"


def _record(rid: str, name: str = "Ann", **extra):  # type: ignore[no-untyped-def]
    return {
        "id": rid,
        "remote_id": rid.upper(),
        "name": name,
        **extra,
        "remote_data": {"zeta": 1, "alpha": {"b": 2, "a": 1}},
    }


@pytest.fixture
def store(store_url):  # type: ignore[no-untyped-def]
    s = open_store(store_url)
    s.save_integration(Integration(IID, "otys", credentials={"api_key": "k"}))
    yield s
    s.close()


def test_both_backends_implement_the_whole_protocol():
    wanted = {
        n for n, v in vars(StoreProtocol).items() if not n.startswith("_") and (callable(v) or isinstance(v, property))
    }
    assert {"upsert", "transaction", "page", "dump", "load", "schedule", "db"} <= wanted
    for cls in (SQLiteStore, PostgresStore):
        missing = sorted(n for n in wanted - {"db"} if not hasattr(cls, n))  # db: an attribute on SQLite
        assert not missing, f"{cls.__name__} lacks {missing}"
        for name in wanted - {"db"}:
            proto = inspect.signature(getattr(StoreProtocol, name))
            mine = inspect.signature(getattr(cls, name))
            assert list(proto.parameters) == list(mine.parameters), (cls.__name__, name)


def test_a_synced_tenant_is_held_and_the_store_is_a_Store(make_sandbox, store_url):
    sb = make_sandbox()
    store = open_store(store_url)
    assert isinstance(store, Store)
    assert store.schema_version() == LATEST
    with Unimap(store=store) as um:
        iid = connect(um, sb)
        report = um.sync(iid, full=True)
        assert report.ok, report.as_dict()
        assert {m: um.store.count(iid, m) for m in tenant_counts(sb)} == tenant_counts(sb)
        again = um.sync(iid)
        assert again.ok and again.kind == "delta"
        assert all(m.created == 0 and m.changed == 0 for m in again.models.values())


def test_migrations_run_once_and_the_store_reopens(store_url):
    first = open_store(store_url)
    first.save_integration(Integration("otys:abc", "otys", credentials={"api_key": "s3cret"}))
    versions = [
        r["version"] for r in first.db.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    ]
    assert versions == [v for v, _ in MIGRATIONS] == [v for v, _ in PG_MIGRATIONS]
    first.close()
    again = open_store(store_url)
    assert again.integration("otys:abc").credentials == {"api_key": "s3cret"}
    assert len(again.db.execute("SELECT version FROM schema_version").fetchall()) == len(MIGRATIONS)
    again.close()


def test_a_newer_store_is_refused(store_url):
    store = open_store(store_url)
    with store.transaction() as db:
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST + 1,))
    store.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(store_url)


def test_integrations_round_trip_and_delete(store):
    assert [i.id for i in store.integrations()] == [IID]
    store.save_integration(
        Integration(
            IID,
            "otys",
            name="renamed",
            base_url="http://127.0.0.1:1",
            credentials={"api_key": "k2"},
            settings={"x": [1, {"b": 1, "a": 2}]},
        )
    )
    got = store.integration(IID)
    assert (got.name, got.base_url, got.credentials, got.settings) == (
        "renamed",
        "http://127.0.0.1:1",
        {"api_key": "k2"},
        {"x": [1, {"b": 1, "a": 2}]},
    )
    with store.transaction() as db:
        store.upsert(IID, "user", [(_record("u1"), None)], seen_sync=None, now="2024-01-01T00:00:00.000Z", db=db)
    store.delete_integration(IID)
    with pytest.raises(IntegrationNotFound):
        store.integration(IID)
    assert store.count(IID, "user", include_deleted=True) == 0


def test_upsert_moves_changed_at_only_on_change_and_keeps_key_order(store):
    t1, t2, t3, t4 = (f"2024-01-0{i}T00:00:00.000Z" for i in range(1, 5))
    with store.transaction() as db:
        first = store.upsert(IID, "user", [(_record("u1"), None), (_record("u2"), None)], seen_sync=None, now=t1, db=db)
    assert (first.created, first.changed) == (2, 0)
    with store.transaction() as db:
        same = store.upsert(IID, "user", [(_record("u1"), None)], seen_sync=None, now=t2, db=db)
        changed = store.upsert(IID, "user", [(_record("u2", "Bob"), None)], seen_sync=None, now=t2, db=db)
    assert (same.unchanged, changed.changed) == (1, 1)
    u1, u2 = store.get(IID, "user", id="u1"), store.get(IID, "user", remote_id="U2")
    assert u1["changed_at"] == t1 and u2["changed_at"] == t2 and u2["name"] == "Bob"
    assert list(u1) == ["id", "remote_id", "name", "changed_at", "remote_deleted_at", "remote_data"]
    assert list(u1["remote_data"]) == ["zeta", "alpha"] and list(u1["remote_data"]["alpha"]) == ["b", "a"]
    with store.transaction() as db:
        assert store.mark_deleted(IID, "user", ["u1", "nope"], now=t3, db=db) == 1
        assert store.mark_deleted(IID, "user", ["u1"], now=t3, db=db) == 0
    assert store.get(IID, "user", id="u1")["remote_deleted_at"] == t3
    assert store.count(IID, "user") == 1 and store.count(IID, "user", include_deleted=True) == 2
    with store.transaction() as db:
        back = store.upsert(IID, "user", [(_record("u1"), None)], seen_sync=None, now=t4, db=db)
    assert back.restored == 1
    assert store.get(IID, "user", id="u1")["remote_deleted_at"] is None
    assert store.get(IID, "user", id="u1")["changed_at"] == t4
    assert [r["id"] for r in store.all(IID, "user")] == ["u1", "u2"]  # insertion order


def test_odd_text_round_trips_exactly(store):
    odd = {
        "id": "u\u00e9",
        "remote_id": "1",
        "name": "nul\x00 and 'quote' %s ? \\u0000 \U0001f600",
        "remote_data": {"k": "nul\x00", "z": 1.5, "a": [None, True, {"y": 1, "b": 2}]},
    }
    with store.transaction() as db:
        store.upsert(IID, "user", [(odd, None)], seen_sync=None, now="2024-01-01T00:00:00.000Z", db=db)
    got = store.get(IID, "user", id="u\u00e9")
    assert {k: got[k] for k in odd} == odd and list(got["remote_data"]["a"][2]) == ["y", "b"]
    assert [r["id"] for r in store.by_field(IID, "user", "name", [odd["name"].replace("\x00", "")])] in (
        [],
        ["u\u00e9"],
    )  # JSONB keeps no NULs: PostgreSQL filters see the name without them


def test_a_failed_transaction_leaves_nothing(store):
    with pytest.raises(RuntimeError), store.transaction() as db:
        store.upsert(IID, "user", [(_record("u1"), None)], seen_sync=None, now="2024-01-01T00:00:00.000Z", db=db)
        store.set_checkpoint(IID, "user", cursor="c", run={"offset": 5}, db=db)
        raise RuntimeError("boom")
    assert store.get(IID, "user", id="u1") is None
    assert store.checkpoint(IID, "user") == {"cursor": None, "run": None}


def test_reads_inside_a_transaction_see_its_writes_and_others_do_not(store):
    now = "2024-01-01T00:00:00.000Z"
    seen_elsewhere: list[object] = []
    with store.transaction() as db:
        store.upsert(IID, "job_hiring_team_member", [(_record("m1"), "J1")], seen_sync=None, now=now, db=db)
        assert store.children(IID, "job_hiring_team_member", ["J1"]) == [("m1", "J1")]
        other = threading.Thread(
            target=lambda: seen_elsewhere.append(store.get(IID, "job_hiring_team_member", id="m1"))
        )
        other.start()
        pg = isinstance(store, PostgresStore)
        other.join(20 if pg else 0)  # SQLite's one connection makes the other thread wait for the commit
        if pg:
            assert seen_elsewhere == [None]
    other.join(20)
    assert len(seen_elsewhere) == 1
    assert store.children(IID, "job_hiring_team_member", ["J1", "J2"]) == [("m1", "J1")]


def test_seen_unseen_and_children(store):
    now = "2024-01-01T00:00:00.000Z"
    with store.transaction() as db:
        store.upsert(IID, "candidate", [(_record(f"c{i}"), None) for i in range(4)], seen_sync=7, now=now, db=db)
        store.upsert(IID, "candidate", [(_record("c9"), None)], seen_sync=None, now=now, db=db)
    assert store.unseen(IID, "candidate", 7) == [("c9", "C9")]
    store.mark_seen(IID, "candidate", ["C9"], 7)
    assert store.unseen(IID, "candidate", 7) == []
    assert sorted(store.unseen(IID, "candidate", 8)) == sorted((f"c{i}", f"C{i}") for i in (0, 1, 2, 3, 9))


def test_checkpoints_and_sync_runs(store):
    with store.transaction() as db:
        store.set_checkpoint(IID, "user", cursor="2024", run={"kind": "full", "offset": 200}, db=db)
    assert store.checkpoint(IID, "user") == {"cursor": "2024", "run": {"kind": "full", "offset": 200}}
    first = store.start_sync(IID, "full")
    second = store.start_sync(IID, "delta")  # the first one's process died
    assert second > first
    store.finish_sync(second, "success", {"requests": 3, "models": {}}, kind="full")
    rows = store.syncs(IID)
    assert [(r["id"], r["status"], r["kind"]) for r in rows] == [
        (second, "success", "full"),
        (first, "interrupted", "full"),
    ]
    assert rows[0]["stats"] == {"requests": 3, "models": {}} and rows[0]["finished_at"]
    assert store.has_finished_sync(IID) and not store.has_finished_sync("otys:other")


def test_tracking_and_pending_attachments(store):
    store.track(IID, "application", "17")
    store.track(IID, "application", "17")
    assert store.tracked(IID, "application") == {"17"}
    pid = store.add_pending_attachment(IID, {"model": "candidate", "id": "c1"}, {"name": "cv.pdf"}, "timeout")
    assert [(p["id"], p["target"], p["attachment"], p["error"]) for p in store.pending_attachments(IID)] == [
        (pid, {"model": "candidate", "id": "c1"}, {"name": "cv.pdf"}, "timeout")
    ]
    store.finish_pending_attachment(pid)
    assert store.pending_attachments(IID) == []


def test_schedules(store):
    assert store.schedule(IID) == {"delta_every": None, "full_every": None}
    store.set_schedule(IID, delta_every=60, full_every=0)
    assert store.schedule(IID) == {"delta_every": 60, "full_every": 0}
    with pytest.raises(IntegrationNotFound):
        store.set_schedule("otys:none", delta_every=1, full_every=1)


def test_api_keys_work_through_the_stores_sql(store):
    keys = KeyStore(store)
    key, record = keys.create([IID], name="ci")
    assert keys.verify(key).id == record.id
    assert [k.id for k in keys.list()] == [record.id]
    assert keys.revoke(record.id).revoked_at
    with pytest.raises(Exception, match="invalid or revoked"):
        keys.verify(key)


def test_cursor_paging_and_bad_cursors(store):
    now = "2024-01-01T00:00:00.000Z"
    with store.transaction() as db:
        store.upsert(IID, "user", [(_record(f"u{i:02d}"), None) for i in range(23)], seen_sync=None, now=now, db=db)
    seen, cursor = [], None
    while True:
        page = store.page(IID, "user", where=["r.remote_deleted_at IS NULL"], params=[], cursor=cursor, page_size=5)
        seen += [r["id"] for r in page.results]
        if not page.next:
            break
        cursor = page.next
    assert seen == [f"u{i:02d}" for i in range(23)]
    with pytest.raises(InputInvalid):
        store.page(IID, "user", where=[], params=[], cursor="garbage!", page_size=5)


def test_bad_store_urls_are_one_line_config_errors():
    with pytest.raises(ConfigError) as bad:
        open_store("mysql://user:hunter2@localhost/unimap")
    assert "hunter2" not in str(bad.value)


def test_an_unreachable_postgres_url_is_one_line_without_the_password():
    with pytest.raises(ConfigError) as exc:
        open_store("postgresql://someone:hunter2@127.0.0.1:1/nowhere")
    text = str(exc.value)
    assert "hunter2" not in text and "\n" not in text and "127.0.0.1:1" in text
