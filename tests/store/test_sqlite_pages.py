"""A new SQLite store uses 8 KB database pages; an existing store keeps its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from unimap.store.base import Integration
from unimap.store.sqlite import PAGE_SIZE, SQLiteStore


def _page_size(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA page_size").fetchone()[0])


def test_a_new_store_has_large_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    new = SQLiteStore(str(tmp_path / "new.db"))
    new.save_integration(Integration("otys:a", "otys", "a", None, {}, {}))
    new.close()
    assert PAGE_SIZE == 8192 and _page_size(tmp_path / "new.db") == PAGE_SIZE

    old_path = tmp_path / "old.db"
    with sqlite3.connect(old_path) as db:  # a store made before: 4 KB pages, with content
        db.execute("PRAGMA page_size=4096")
        db.execute("CREATE TABLE keep (x INTEGER)")
    old = SQLiteStore(str(old_path))
    old.save_integration(Integration("otys:b", "otys", "b", None, {}, {}))
    assert old.integration("otys:b").name == "b"
    old.close()
    assert _page_size(old_path) == 4096
