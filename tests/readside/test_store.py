"""The SQLite store: memory and file stores, recorded migrations, private files."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from unimap.errors import ConfigError, StoreError
from unimap.service import Unimap
from unimap.store import Integration, open_store
from unimap.store.migrations import LATEST, MIGRATIONS

from .helpers import connect, tenant_counts


def _versions(path) -> list[int]:
    db = sqlite3.connect(path)
    try:
        return [r[0] for r in db.execute("SELECT version FROM schema_version ORDER BY version")]
    finally:
        db.close()


def test_memory_store_holds_a_synced_tenant(make_sandbox):
    sb = make_sandbox()
    store = open_store("sqlite:///:memory:")
    assert store.schema_version() == LATEST
    with Unimap(store=store) as um:
        iid = connect(um, sb)
        assert um.sync(iid, full=True).ok
        assert {m: um.store.count(iid, m) for m in tenant_counts(sb)} == tenant_counts(sb)


def test_file_store_is_private_migrated_once_and_reopens(tmp_path):
    path = tmp_path / "nested" / "dir" / "unimap.db"
    old_umask = os.umask(0)  # even a permissive umask must not expose the credentials
    try:
        store = open_store(f"sqlite:///{path}")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    store.save_integration(Integration("otys:abc", "otys", credentials={"api_key": "s3cret"}))
    for suffix in ("-wal", "-shm"):  # SQLite's side files carry the same data
        side = path.with_name(path.name + suffix)
        assert side.exists() and stat.S_IMODE(side.stat().st_mode) == 0o600, suffix
    assert store.schema_version() == LATEST
    store.close()
    assert _versions(path) == [v for v, _ in MIGRATIONS]

    again = open_store(f"sqlite:///{path}")
    assert again.integration("otys:abc").credentials == {"api_key": "s3cret"}
    again.close()
    assert _versions(path) == [v for v, _ in MIGRATIONS]  # nothing ran twice
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_older_store_is_migrated_forward(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    version, script = MIGRATIONS[0]
    db.executescript(script)
    db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    db.execute("INSERT INTO integrations (id, connector, created_at) VALUES ('otys:old', 'otys', '2024-01-01')")
    db.commit()
    db.close()
    store = open_store(f"sqlite:///{path}")
    assert store.schema_version() == LATEST > version
    assert store.integration("otys:old").connector == "otys"
    store.close()
    assert _versions(path) == [v for v, _ in MIGRATIONS]


def test_a_newer_store_is_refused(tmp_path):
    path = tmp_path / "new.db"
    open_store(f"sqlite:///{path}").close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST + 1,))
    db.commit()
    db.close()
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{path}")


def test_store_urls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = open_store("sqlite:///relative.db")
    relative.close()
    assert (tmp_path / "relative.db").exists()
    with pytest.raises(ConfigError):
        open_store("mysql://localhost/unimap")
