"""``unimap store copy SRC DST``: every table of one store into another (SQLite ⇄ PostgreSQL), counts verified."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unimap.errors import StoreError
from unimap.store.base import open_store, redact_url
from unimap.store.migrations import TABLES


def _count(store: Any, table: str) -> int:
    row = store.db.execute(f"SELECT COUNT(*) AS n FROM {table}").fetchone()
    return int(row["n"])


def _record_counts(store: Any) -> dict[tuple[str, str, bool], int]:
    rows = store.db.execute(
        "SELECT integration_id AS i, model AS m, remote_deleted_at IS NULL AS live, COUNT(*) AS n "
        "FROM records GROUP BY integration_id, model, remote_deleted_at IS NULL"
    ).fetchall()
    return {(r["i"], r["m"], bool(r["live"])): int(r["n"]) for r in rows}


def copy_store(
    source_url: str, target_url: str, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy integrations, API keys, records, checkpoints, sync history, tracking, pending attachments and
    schedules from ``source_url`` into the empty store ``target_url``; returns rows per table.

    Raises :class:`StoreError` when the target is not empty or a count differs after the copy.
    """
    if source_url == target_url:
        raise StoreError("the source and the target are the same store")
    source = open_store(source_url)
    try:
        target = open_store(target_url)
        try:
            busy = [t for t in TABLES if _count(target, t)]
            if busy:
                raise StoreError(
                    f"the target store {redact_url(target_url)} is not empty ({', '.join(busy)}); copy into a new store"
                )
            copied: dict[str, int] = {}
            for table in TABLES:
                copied[table] = target.load(table, source.dump(table))
                if progress:
                    progress(table, copied[table])
            wrong = [
                f"{t}: {_count(source, t)} → {_count(target, t)}"
                for t in TABLES
                if _count(source, t) != _count(target, t) or copied[t] != _count(source, t)
            ]
            if not wrong and _record_counts(source) != _record_counts(target):
                wrong.append("records per integration and model differ")
            if wrong:
                raise StoreError(f"the copy does not match its source: {'; '.join(wrong)}")
            return copied
        finally:
            target.close()
    finally:
        source.close()
