"""Rows that belong to one integration, on either store dialect: removing them all, and field settings.

:func:`purge_integration` deletes every row of an integration in one transaction: each table with
an ``integration_id`` column (found in the database itself, so tables added by later migrations
go too), the integration, and its id from every API key's grants (a key left with no grant is
revoked). :func:`field_settings`/:func:`set_field_setting` keep the per-integration switches of
``PATCH /integrations/{id}/integration-fields/{field_id}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from unimap.timeutil import utc_now

__all__ = ["field_settings", "purge_integration", "set_field_setting"]

Run = Callable[[str, tuple[Any, ...]], Any]


def _is_postgres(store: Any) -> bool:
    return type(store).__name__ == "PostgresStore"


def _runner(store: Any, db: Any) -> Run:
    """``run(sql with ? placeholders, params)`` on the transaction ``db`` of either dialect."""
    if _is_postgres(store):
        conn = db.conn
        return lambda sql, params: conn.execute(sql.replace("?", "%s"), params)
    return lambda sql, params: db.execute(sql, params)


def _integration_tables(store: Any, run: Run) -> list[str]:
    """Every table of the store with an ``integration_id`` column."""
    if _is_postgres(store):
        rows = run(
            "SELECT table_name AS name FROM information_schema.columns "
            "WHERE column_name = 'integration_id' AND table_schema = current_schema() ORDER BY table_name",
            (),
        ).fetchall()
        return [str(r["name"]) for r in rows]
    names = [r[0] for r in run("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", ()).fetchall()]
    out = []
    for name in names:
        columns = {r[1] for r in run(f"PRAGMA table_info({name})", ()).fetchall()}
        if "integration_id" in columns:
            out.append(name)
    return out


def purge_integration(store: Any, integration_id: str) -> dict[str, int]:
    """Delete the integration and every row of it; returns the rows removed per table.

    Raises :class:`~unimap.errors.IntegrationNotFound` when there is no such integration.
    """
    store.integration(integration_id)  # raises IntegrationNotFound
    removed: dict[str, int] = {}
    with store.transaction() as db:
        run = _runner(store, db)
        for table in _integration_tables(store, run):
            removed[table] = int(run(f"DELETE FROM {table} WHERE integration_id = ?", (integration_id,)).rowcount)
        grants = revoked = 0
        rows = run("SELECT id, integrations, revoked_at FROM api_keys", ()).fetchall()
        for row in rows:
            granted = json.loads(row["integrations"] or "[]")
            if integration_id not in granted:
                continue
            left = [i for i in granted if i != integration_id]
            grants += 1
            if not left and row["revoked_at"] is None:
                revoked += 1
                run(
                    "UPDATE api_keys SET integrations = ?, revoked_at = ? WHERE id = ?",
                    (json.dumps(left), utc_now(), row["id"]),
                )
            else:
                run("UPDATE api_keys SET integrations = ? WHERE id = ?", (json.dumps(left), row["id"]))
        removed["api_key_grants"] = grants
        removed["api_keys_revoked"] = revoked
        removed["integrations"] = int(run("DELETE FROM integrations WHERE id = ?", (integration_id,)).rowcount)
    return removed


def field_settings(store: Any, integration_id: str) -> dict[str, bool]:
    """``field id → passthrough enabled`` of the fields the integration switched."""
    with store.transaction() as db:
        rows = (
            _runner(store, db)(
                "SELECT field_id, passthrough_enabled FROM integration_field_settings WHERE integration_id = ?",
                (integration_id,),
            )
        ).fetchall()
    return {str(r["field_id"]): bool(r["passthrough_enabled"]) for r in rows}


def set_field_setting(store: Any, integration_id: str, field_id: str, enabled: bool) -> None:
    """Switch one integration field on or off for the integration."""
    with store.transaction() as db:
        _runner(store, db)(
            "INSERT INTO integration_field_settings (integration_id, field_id, passthrough_enabled, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (integration_id, field_id) DO UPDATE SET "
            "passthrough_enabled = excluded.passthrough_enabled, updated_at = excluded.updated_at",
            (integration_id, field_id, int(enabled), utc_now()),
        )
