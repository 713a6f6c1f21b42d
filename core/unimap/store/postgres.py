"""The PostgreSQL store: psycopg 3 with a connection pool, JSONB records, versioned migrations, per-page transactions.

Open it with ``open_store("postgresql://user@host:5432/database")``. It behaves like the SQLite store
(same tables, same ``changed_at`` semantics, cursors paging by a monotonically increasing row id),
and any number of processes may share it. Unified records are kept as JSONB for filters and as their
exact JSON text for reading back, so exports are byte-identical to SQLite's (``remote_data`` keeps
the vendor's key order).

Reads made by a thread inside its own ``transaction()`` see that transaction's writes (as on SQLite,
where one connection serves both).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import urlsplit

import orjson
import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool, PoolTimeout

from unimap.errors import ConfigError, IntegrationNotFound, StoreError
from unimap.secrets import seal, unseal
from unimap.store.base import (
    Integration,
    StoredPage,
    StoredPages,
    StoredRecord,
    UpsertResult,
    field_names,
    model_literal,
    redact_url,
)
from unimap.store.migrations import LATEST, PG_MIGRATIONS, TABLES
from unimap.store.rows import decode_cursor, dumps_text, encode_cursor, stored_row
from unimap.timeutil import utc_now

MIGRATION_LOCK = 0x756E696D6170  # "unimap": one migrating process at a time
RECORD_COLUMNS = (
    "r.rid, r.integration_id, r.model, r.id, r.remote_id, r.parent_remote_id, r.data_json::text AS "
    "data_json, r.remote_data::text AS remote_data, r.hash, r.changed_at, r.remote_deleted_at, "
    "r.created_at, r.seen_sync"
)

PICKED_COLUMNS = "r.id, r.data_json::text AS data_json, r.changed_at, r.remote_deleted_at"

#: a JSON column's exact text as UTF-8 bytes (``bytea``, read in binary: no decoding and re-encoding in Python)
_TEXT_BYTES = "convert_to({}::text, 'UTF8')"

_JSON_EACH = re.compile(r"json_each\(([\w.]+), '\$\.(\w+)'\) (\w+)")
_JSON_EXTRACT = re.compile(r"json_extract\(([\w.]+), '\$\.(\w+)'\)")


class TextArray(str):
    """A ``text[]`` literal, sent as a ``text[]`` parameter (a constant the planner sees, unlike ``%s::text[]``)."""


class _TextArrayDumper(psycopg.adapt.Dumper):
    oid = psycopg.postgres.types["text"].array_oid

    def dump(self, obj: Any) -> bytes:
        return str(obj).encode()


psycopg.adapters.register_dumper(TextArray, _TextArrayDumper)


def text_array(values: Iterable[str]) -> TextArray:
    """``values`` as one ``text[]`` parameter (cheaper to send than a list, element by element)."""
    return TextArray("{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}")


def _one(cursor: Any) -> dict[str, Any]:
    """The one row a statement returns (rows are dicts: the pool's row factory)."""
    row = cursor.fetchone()
    if row is None:
        raise StoreError("the database returned no row")
    return cast(dict[str, Any], row)


def _no_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_no_nul(k): _no_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nul(v) for v in value]
    return value


def queryable(text: str) -> str:
    """JSON text JSONB accepts: NUL characters (which JSONB refuses) left out of the queryable copy only."""
    return dumps_text(_no_nul(orjson.loads(text))) if "\\u0000" in text else text


def translate(sql: str) -> str:
    """SQLite SQL with ``?`` placeholders (as :mod:`unimap.query` and the API key table write it) for PostgreSQL."""
    sql = sql.replace("%", "%%")
    sql = _JSON_EACH.sub(
        lambda m: (
            f"jsonb_array_elements(CASE WHEN jsonb_typeof({m[1]}->'{m[2]}') = 'array' "
            f"THEN {m[1]}->'{m[2]}' ELSE '[]'::jsonb END) {m[3]}"
        ),
        sql,
    )
    sql = _JSON_EXTRACT.sub(lambda m: f"({m[1]}->>'{m[2]}')", sql)
    sql = re.sub(r"\binstr\(", "strpos(", sql)
    sql = re.sub(r"\bINSERT OR IGNORE INTO\b(.*)$", r"INSERT INTO\1 ON CONFLICT DO NOTHING", sql, flags=re.S)
    return sql.replace("?", "%s")


class _Result:
    """Rows fetched eagerly (the connection went back to the pool)."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return list(self._rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class PgConnection:
    """One pooled connection in a transaction; ``execute`` takes SQLite-style SQL (``?``), ``conn`` is psycopg's."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(translate(sql), tuple(params))


class _AutoCommit:
    """``store.db``: each statement on a pooled connection (or the thread's open transaction)."""

    def __init__(self, store: PostgresStore) -> None:
        self._store = store

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        with self._store._conn() as conn:
            cur = conn.execute(translate(sql), tuple(params))
            rows = cur.fetchall() if cur.description else []
            return _Result(rows, cur.rowcount)


def _where(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or 5432
    return f"/postgresql/{host}:{port}/{parts.path.lstrip('/') or parts.username or 'postgres'}"


class PostgresStore(StoredPages):
    """A store in one PostgreSQL database, shared by threads (a pool) and processes (the server)."""

    def __init__(self, url: str, *, max_connections: int = 10, connect_timeout: float = 5.0) -> None:
        self.url = url
        self.safe_url = redact_url(url)
        self.path = _where(url)
        self._local = threading.local()
        try:  # a clear one-line error for a bad or unreachable URL, before the pool retries in the background
            psycopg.connect(url, connect_timeout=max(1, int(connect_timeout))).close()
        except (psycopg.Error, ValueError) as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"cannot open store {self.safe_url}: {message}") from None
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            open=False,
            name="unimap-store",
            kwargs={"autocommit": True, "row_factory": dict_row},
        )
        try:
            self.pool.open(wait=True, timeout=connect_timeout)
            self._migrate()
        except (psycopg.Error, PoolTimeout) as exc:
            self.pool.close()
            raise StoreError(f"cannot open store {self.safe_url}: {str(exc).strip().splitlines()[0]}") from None

    # -- plumbing ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close every pooled connection."""
        self.pool.close()

    @property
    def db(self) -> _AutoCommit:
        """Statements outside a write transaction (SQLite-style SQL)."""
        return _AutoCommit(self)

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        tx: PgConnection | None = getattr(self._local, "tx", None)
        if tx is not None:
            yield tx.conn
            return
        with self.pool.connection() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[PgConnection]:
        """A write transaction: everything inside commits together or not at all."""
        outer: PgConnection | None = getattr(self._local, "tx", None)
        if outer is not None:  # nested: a savepoint on the same connection
            with outer.conn.transaction():
                yield outer
            return
        with self.pool.connection() as conn, conn.transaction():
            self._local.tx = PgConnection(conn)
            try:
                yield self._local.tx
            finally:
                self._local.tx = None

    def generation(self) -> int | None:
        """A number that grows with every committed write to the store's tables, by any process (a cache key).

        Read before the data it keys (each later statement sees at least what this one saw); ``None``
        inside this thread's open transaction, whose own writes have not moved it yet.
        """
        if getattr(self._local, "tx", None) is not None:
            return None
        with self.pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            row = cur.execute("SELECT n FROM store_generation").fetchone()
        return int(row[0]) if row else None

    @staticmethod
    def _raw(db: Any) -> psycopg.Connection[Any]:
        return db.conn if isinstance(db, PgConnection) else db

    def _migrate(self) -> None:
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = _one(conn.execute("SELECT MAX(version) AS v FROM schema_version"))["v"] or 0
            if current > LATEST:
                raise StoreError(
                    f"store {self.safe_url} has schema version {current}, newer than this unimap ({LATEST})"
                )
            for version, script in PG_MIGRATIONS:
                if version > current:
                    conn.execute(script.encode())
                    conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))

    def schema_version(self) -> int:
        """The applied migration version."""
        with self._conn() as conn:
            return int(_one(conn.execute("SELECT MAX(version) AS v FROM schema_version"))["v"])

    # -- integrations -------------------------------------------------------------------------

    def save_integration(self, integration: Integration) -> Integration:
        """Insert or replace an integration."""
        integration.created_at = integration.created_at or utc_now()
        with self.transaction() as db:
            db.conn.execute(
                "INSERT INTO integrations (id, connector, name, base_url, credentials, settings, created_at) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (id) DO UPDATE SET connector=excluded.connector, "
                "name=excluded.name, base_url=excluded.base_url, credentials=excluded.credentials, "
                "settings=excluded.settings",
                (
                    integration.id,
                    integration.connector,
                    integration.name,
                    integration.base_url,
                    seal(integration.credentials),
                    dumps_text(integration.settings),
                    integration.created_at,
                ),
            )
        return integration

    def integration(self, integration_id: str) -> Integration:
        """The integration ``integration_id``; :class:`IntegrationNotFound` if there is none."""
        with self._conn() as conn:
            row = conn.execute("SELECT * FROM integrations WHERE id = %s", (integration_id,)).fetchone()
        if row is None:
            raise IntegrationNotFound(f"no integration {integration_id!r} in this store")
        return Integration(
            row["id"],
            row["connector"],
            row["name"],
            row["base_url"],
            unseal(row["credentials"]),
            orjson.loads(row["settings"]),
            row["created_at"],
        )

    def integrations(self) -> list[Integration]:
        """Every integration, oldest first."""
        with self._conn() as conn:
            ids = [r["id"] for r in conn.execute("SELECT id FROM integrations ORDER BY created_at, id")]
        return [self.integration(i) for i in ids]

    def delete_integration(self, integration_id: str) -> None:
        """Remove an integration and everything synced for it."""
        with self.transaction() as db:
            for table in ("records", "checkpoints", "syncs", "tracked", "pending_attachments", "sync_schedules"):
                db.conn.execute(f"DELETE FROM {table} WHERE integration_id = %s", (integration_id,))
            db.conn.execute("DELETE FROM integrations WHERE id = %s", (integration_id,))

    # -- writing records ----------------------------------------------------------------------

    def upsert(
        self,
        integration_id: str,
        model: str,
        rows: Iterable[tuple[dict[str, Any], str | None]],
        *,
        seen_sync: int | None,
        now: str,
        db: Any,
    ) -> UpsertResult:
        """Write mapped records (with ``remote_data``) inside transaction ``db``.

        ``changed_at`` moves only when the unified content changes or a deleted record returns.
        """
        conn = self._raw(db)
        result = UpsertResult()
        rows = list(rows)
        if not rows:
            return result
        ids = [r[0]["id"] for r in rows]
        existing = {
            r["id"]: r
            for r in conn.execute(
                "SELECT id, hash, remote_deleted_at FROM records WHERE integration_id=%s AND model=%s AND id = ANY(%s)",
                (integration_id, model, ids),
            )
        }
        inserts, changes, touches = [], [], []
        for record, parent in rows:
            digest, data, raw = stored_row(record)
            old = existing.get(record["id"])
            if old is None:
                result.created += 1
                inserts.append(
                    (
                        integration_id,
                        model,
                        record["id"],
                        record.get("remote_id"),
                        parent,
                        queryable(data),
                        data,
                        raw,
                        digest,
                        now,
                        now,
                        seen_sync,
                    )
                )
            elif old["hash"] != digest or old["remote_deleted_at"] is not None:
                result.changed += old["hash"] != digest
                result.restored += old["remote_deleted_at"] is not None
                changes.append(
                    (queryable(data), data, raw, digest, now, parent, seen_sync, integration_id, model, record["id"])
                )
            else:
                result.unchanged += 1
                touches.append((raw, seen_sync, integration_id, model, record["id"]))
        with conn.cursor() as cur:
            if inserts:  # a concurrent writer (an action during a sync) may have inserted the same id meanwhile
                cur.executemany(
                    "INSERT INTO records (integration_id, model, id, remote_id, parent_remote_id, data, data_json, "
                    "remote_data, hash, changed_at, remote_deleted_at, created_at, seen_sync) "
                    "VALUES (%s,%s,%s,%s,%s,%s::jsonb,%s::json,%s::json,%s,%s,NULL,%s,%s) "
                    "ON CONFLICT (integration_id, model, id) DO UPDATE SET data=excluded.data, "
                    "data_json=excluded.data_json, remote_data=excluded.remote_data, hash=excluded.hash, "
                    "changed_at=CASE WHEN records.hash = excluded.hash AND records.remote_deleted_at IS NULL THEN "
                    "records.changed_at ELSE excluded.changed_at END, remote_deleted_at=NULL, "
                    "parent_remote_id=excluded.parent_remote_id, "
                    "seen_sync=COALESCE(excluded.seen_sync, records.seen_sync)",
                    inserts,
                )
            if changes:
                cur.executemany(
                    "UPDATE records SET data=%s::jsonb, data_json=%s::json, remote_data=%s::json, hash=%s, "
                    "changed_at=%s, remote_deleted_at=NULL, parent_remote_id=%s, seen_sync=COALESCE(%s, seen_sync) "
                    "WHERE integration_id=%s AND model=%s AND id=%s",
                    changes,
                )
            if touches:
                cur.executemany(
                    "UPDATE records SET remote_data=%s::json, seen_sync=COALESCE(%s, seen_sync) WHERE "
                    "integration_id=%s AND model=%s AND id=%s",
                    touches,
                )
        return result

    def mark_deleted(self, integration_id: str, model: str, ids: Iterable[str], *, now: str, db: Any) -> int:
        """Set ``remote_deleted_at`` (and ``changed_at``) on records not yet marked deleted."""
        ids = list(ids)
        if not ids:
            return 0
        cur = self._raw(db).execute(
            "UPDATE records SET remote_deleted_at=%s, changed_at=%s WHERE integration_id=%s AND model=%s AND "
            "remote_deleted_at IS NULL AND id = ANY(%s)",
            (now, now, integration_id, model, ids),
        )
        return int(cur.rowcount)

    def mark_seen(self, integration_id: str, model: str, remote_ids: list[str], sync_id: int) -> None:
        """Count records as seen by full sync ``sync_id`` (e.g. ones it had to leave out as invalid)."""
        if not remote_ids:
            return
        with self.transaction() as db:
            db.conn.execute(
                "UPDATE records SET seen_sync=%s WHERE integration_id=%s AND model=%s AND remote_id = ANY(%s)",
                (sync_id, integration_id, model, list(remote_ids)),
            )

    def unseen(self, integration_id: str, model: str, sync_id: int) -> list[tuple[str, str]]:
        """``(id, remote_id)`` of live records a full sync ``sync_id`` has not seen."""
        with self._conn() as conn:
            return [
                (r["id"], r["remote_id"])
                for r in conn.execute(
                    "SELECT id, remote_id FROM records WHERE integration_id=%s AND model=%s AND "
                    "remote_deleted_at IS NULL AND (seen_sync IS NULL OR seen_sync <> %s) ORDER BY rid",
                    (integration_id, model, sync_id),
                )
            ]

    def children_of_model(self, integration_id: str, model: str) -> list[tuple[str, str]]:
        """``(id, parent_remote_id)`` of every live record of ``model`` that belongs to a parent."""
        with self._conn() as conn:
            return [
                (r["id"], r["parent_remote_id"])
                for r in conn.execute(
                    "SELECT id, parent_remote_id FROM records WHERE integration_id=%s AND model=%s AND "
                    "remote_deleted_at IS NULL AND parent_remote_id IS NOT NULL ORDER BY rid",
                    (integration_id, model),
                )
            ]

    def children(self, integration_id: str, model: str, parents: list[str]) -> list[tuple[str, str]]:
        """``(id, parent_remote_id)`` of live derived records of the given parents."""
        if not parents:
            return []
        with self._conn() as conn:
            return [
                (r["id"], r["parent_remote_id"])
                for r in conn.execute(
                    "SELECT id, parent_remote_id FROM records WHERE integration_id=%s AND model=%s AND "
                    "remote_deleted_at IS NULL AND parent_remote_id = ANY(%s) ORDER BY rid",
                    (integration_id, model, list(parents)),
                )
            ]

    # -- checkpoints and sync runs ----------------------------------------------------------------

    def checkpoint(self, integration_id: str, model: str) -> dict[str, Any]:
        """The model's checkpoint: ``cursor`` (last delta position) and ``run`` (an unfinished run)."""
        with self._conn() as conn:
            row = conn.execute(
                "SELECT cursor, run FROM checkpoints WHERE integration_id=%s AND model=%s", (integration_id, model)
            ).fetchone()
        if row is None:
            return {"cursor": None, "run": None}
        return {"cursor": row["cursor"], "run": orjson.loads(row["run"]) if row["run"] else None}

    def set_checkpoint(
        self, integration_id: str, model: str, *, cursor: str | None, run: dict[str, Any] | None, db: Any
    ) -> None:
        """Save a checkpoint inside transaction ``db``."""
        self._raw(db).execute(
            "INSERT INTO checkpoints (integration_id, model, cursor, run) VALUES (%s,%s,%s,%s) ON CONFLICT "
            "(integration_id, model) DO UPDATE SET cursor=excluded.cursor, run=excluded.run",
            (integration_id, model, cursor, dumps_text(run) if run is not None else None),
        )

    def start_sync(self, integration_id: str, kind: str) -> int:
        """Record a sync run; returns its id. Runs left "running" by a killed process become "interrupted"."""
        with self.transaction() as db:
            db.conn.execute(
                "UPDATE syncs SET status='interrupted', finished_at=%s WHERE integration_id=%s AND status='running'",
                (utc_now(), integration_id),
            )
            row = _one(
                db.conn.execute(
                    "INSERT INTO syncs (integration_id, kind, status, started_at) VALUES (%s,%s,%s,%s) RETURNING id",
                    (integration_id, kind, "running", utc_now()),
                )
            )
            return int(row["id"])

    def finish_sync(self, sync_id: int, status: str, stats: dict[str, Any], kind: str | None = None) -> None:
        """Close a sync run with its status, statistics and (if it changed) its kind."""
        with self.transaction() as db:
            db.conn.execute(
                "UPDATE syncs SET status=%s, finished_at=%s, stats=%s, kind=COALESCE(%s, kind) WHERE id=%s",
                (status, utc_now(), dumps_text(stats), kind, sync_id),
            )

    def syncs(self, integration_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The latest sync runs of an integration, newest first."""
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT * FROM syncs WHERE integration_id=%s ORDER BY id DESC LIMIT %s", (integration_id, limit)
            ).fetchall()
        return [{**r, "stats": orjson.loads(r["stats"]) if r["stats"] else None} for r in rows]

    def has_finished_sync(self, integration_id: str) -> bool:
        """Whether a sync of the integration ever finished successfully."""
        with self._conn() as conn:
            return (
                conn.execute(
                    "SELECT 1 FROM syncs WHERE integration_id=%s AND status='success' LIMIT 1", (integration_id,)
                ).fetchone()
                is not None
            )

    # -- sync schedules ----------------------------------------------------------------------------

    def schedule(self, integration_id: str) -> dict[str, float | None]:
        """The integration's sync intervals in seconds (``None``: the default; 0: off)."""
        with self._conn() as conn:
            row = conn.execute(
                "SELECT delta_every, full_every FROM sync_schedules WHERE integration_id=%s", (integration_id,)
            ).fetchone()
        return (
            {"delta_every": row["delta_every"], "full_every": row["full_every"]}
            if row
            else {"delta_every": None, "full_every": None}
        )

    def set_schedule(self, integration_id: str, *, delta_every: float | None, full_every: float | None) -> None:
        """Store the integration's sync intervals (``None``: back to the default)."""
        self.integration(integration_id)
        with self.transaction() as db:
            db.conn.execute(
                "INSERT INTO sync_schedules (integration_id, delta_every, full_every) VALUES (%s,%s,%s) "
                "ON CONFLICT (integration_id) DO UPDATE SET delta_every=excluded.delta_every, "
                "full_every=excluded.full_every",
                (integration_id, delta_every, full_every),
            )

    # -- tracking ------------------------------------------------------------------------------

    def track(self, integration_id: str, model: str, remote_id: str) -> None:
        """Remember that ``remote_id`` was created through unimap (for 'sync only created applications')."""
        with self.transaction() as db:
            db.conn.execute(
                "INSERT INTO tracked (integration_id, model, remote_id, created_at) VALUES (%s,%s,%s,%s) "
                "ON CONFLICT DO NOTHING",
                (integration_id, model, str(remote_id), utc_now()),
            )

    def tracked(self, integration_id: str, model: str) -> set[str]:
        """Remote ids of ``model`` created through unimap."""
        with self._conn() as conn:
            return {
                r["remote_id"]
                for r in conn.execute(
                    "SELECT remote_id FROM tracked WHERE integration_id=%s AND model=%s", (integration_id, model)
                )
            }

    # -- pending attachments ----------------------------------------------------------------------

    def add_pending_attachment(
        self, integration_id: str, target: dict[str, Any], attachment: dict[str, Any], error: str | None
    ) -> int:
        """Remember an attachment that could not be attached (content included) for a later retry."""
        with self.transaction() as db:
            row = _one(
                db.conn.execute(
                    "INSERT INTO pending_attachments (integration_id, target, attachment, error, "
                    "created_at) VALUES (%s,%s,%s,%s,%s) RETURNING id",
                    (integration_id, dumps_text(target), dumps_text(attachment), error, utc_now()),
                )
            )
            return int(row["id"])

    def pending_attachments(self, integration_id: str) -> list[dict[str, Any]]:
        """Attachments still waiting to be attached, oldest first."""
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT * FROM pending_attachments WHERE integration_id=%s AND done_at IS NULL ORDER BY id",
                (integration_id,),
            ).fetchall()
        return [
            {
                "id": r["id"],
                "target": orjson.loads(r["target"]),
                "attachment": orjson.loads(r["attachment"]),
                "error": r["error"],
                "created_at": r["created_at"],
            }
            for r in rows
        ]

    def finish_pending_attachment(self, pending_id: int) -> None:
        """Mark a pending attachment as attached."""
        with self.transaction() as db:
            db.conn.execute("UPDATE pending_attachments SET done_at=%s WHERE id=%s", (utc_now(), pending_id))

    # -- reading ---------------------------------------------------------------------------------

    @staticmethod
    def _row(row: dict[str, Any]) -> dict[str, Any]:
        record: dict[str, Any] = orjson.loads(row["data_json"])
        record["changed_at"] = row["changed_at"]
        record["remote_deleted_at"] = row["remote_deleted_at"]
        record["remote_data"] = orjson.loads(row["remote_data"]) if row["remote_data"] else None
        return record

    @classmethod
    def _read(cls, row: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
        """A whole record, or (``fields`` named: what the caller reads) one without its ``remote_data``."""
        if fields is None:
            return cls._row(row)
        record: dict[str, Any] = orjson.loads(row["data_json"])  # the exact text, not JSONB's copy
        record["changed_at"] = row["changed_at"]
        record["remote_deleted_at"] = row["remote_deleted_at"]
        return record

    def _records(self, where: str, params: Sequence[Any], *, fields: Sequence[str] | None = None) -> list[Any]:
        columns = RECORD_COLUMNS if fields is None else PICKED_COLUMNS  # no remote_data read
        with self._conn() as conn:
            return conn.execute(
                f"SELECT {columns} FROM records r WHERE {where} ORDER BY r.rid", tuple(params)
            ).fetchall()

    def get(
        self, integration_id: str, model: str, *, id: str | None = None, remote_id: str | None = None
    ) -> dict[str, Any] | None:
        """One record by unified id or remote id (deleted ones included)."""
        column, value = ("id", id) if id is not None else ("remote_id", remote_id)
        rows = self._records(f"r.integration_id=%s AND r.model=%s AND r.{column}=%s", (integration_id, model, value))
        return self._row(rows[0]) if rows else None

    def by_ids(
        self, integration_id: str, model: str, ids: Iterable[str], *, fields: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Records by unified id (for nested objects; ``fields``: what the caller reads, ``remote_data`` not read)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self._records(
            f"r.integration_id=%s AND r.model={model_literal(model)} AND r.id = ANY(%s)",
            (integration_id, wanted),
            fields=fields,
        )
        return {r["id"]: self._read(r, fields) for r in rows}

    def by_field(
        self,
        integration_id: str,
        model: str,
        field: str,
        values: Iterable[str],
        *,
        include_deleted: bool = False,
        fields: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Records whose unified ``field`` is one of ``values`` (e.g. applications by candidate_id)."""
        wanted = sorted(set(values))
        if not wanted or not re.fullmatch(r"\w+", field):
            return []
        deleted = "" if include_deleted else " AND r.remote_deleted_at IS NULL"
        rows = self._records(
            f"r.integration_id=%s AND r.model={model_literal(model)} AND (r.data->>'{field}') = ANY(%s){deleted}",
            (integration_id, wanted),
            fields=fields,
        )
        return [self._read(r, fields) for r in rows]

    def stored_by(
        self,
        integration_id: str,
        model: str,
        key: str,
        values: Iterable[str],
        *,
        fields: Sequence[str] = (),
        include_deleted: bool = True,
    ) -> list[StoredRecord]:
        """Records whose ``key`` (``id``, or a unified field such as ``candidate_id``) is one of ``values``, as
        stored text in row order, with the top-level ``fields`` extracted by SQL and no ``remote_data``."""
        wanted = sorted(set(values))
        if not wanted:
            return []
        names = field_names(fields)
        (name,) = field_names([key])
        match = "r.id" if name == "id" else f"(r.data->>'{name}')"
        extract = "".join(f", r.data->>'{n}'" for n in names)
        deleted = "" if include_deleted else " AND r.remote_deleted_at IS NULL"
        sql = (
            f"SELECT r.id, r.remote_id, r.hash, {_TEXT_BYTES.format('r.data_json')}, r.changed_at, "
            f"r.remote_deleted_at{extract} FROM records r WHERE r.integration_id = %s "
            f"AND r.model = {model_literal(model)} AND {match} = ANY(%s){deleted} ORDER BY r.rid"
        )
        with self._conn() as conn, conn.cursor(row_factory=tuple_row, binary=True) as cur:
            rows = cur.execute(sql, (integration_id, text_array(wanted))).fetchall()
        return [StoredRecord.related(r, names) for r in rows]

    def all(self, integration_id: str, model: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every record of a (small) model, in insertion order."""
        deleted = "" if include_deleted else " AND r.remote_deleted_at IS NULL"
        return [
            self._row(r) for r in self._records(f"r.integration_id=%s AND r.model=%s{deleted}", (integration_id, model))
        ]

    def count(self, integration_id: str, model: str, *, include_deleted: bool = False) -> int:
        """How many records of ``model`` the store holds."""
        deleted = "" if include_deleted else " AND remote_deleted_at IS NULL"
        with self._conn() as conn:
            return int(
                _one(
                    conn.execute(
                        f"SELECT COUNT(*) AS n FROM records WHERE integration_id=%s AND model=%s{deleted}",
                        (integration_id, model),
                    )
                )["n"]
            )

    def stored_page(
        self,
        integration_id: str,
        model: str,
        *,
        where: list[str],
        params: list[Any],
        cursor: str | None,
        page_size: int,
        fields: Sequence[str] = (),
    ) -> StoredPage:
        """:meth:`page` as stored text, unparsed, with the top-level ``fields`` extracted by SQL."""
        after = decode_cursor(cursor) if cursor else 0
        names = field_names(fields)
        extract = "".join(f", r.data->>'{name}'" for name in names)
        literal = model_literal(model)
        clauses = [
            "r.integration_id = %s",
            f"r.model = {literal}",
            # rid > after, as a range of records_page (the planner otherwise walks the primary key past other models)
            f"(r.integration_id, r.model, r.rid) > (%s, {literal}, %s)",
            *(translate(w) for w in where),
        ]
        sql = (
            f"SELECT r.rid, r.id, r.remote_id, r.hash, {_TEXT_BYTES.format('r.data_json')}, r.changed_at, "
            f"r.remote_deleted_at, {_TEXT_BYTES.format('r.remote_data')}{extract} FROM records r "
            f"WHERE {' AND '.join(clauses)} ORDER BY r.rid LIMIT %s"
        )
        with self._conn() as conn, conn.cursor(row_factory=tuple_row, binary=True) as cur:
            rows = cur.execute(sql, (integration_id, integration_id, after, *params, page_size + 1)).fetchall()
        more = len(rows) > page_size
        rows = rows[:page_size]
        records = [
            StoredRecord(
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                dict(zip(names, r[8:], strict=True)),
            )
            for r in rows
        ]
        return StoredPage(records, encode_cursor(rows[-1][0]) if more else None)

    # -- store copy --------------------------------------------------------------------------------

    def dump(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of ``table`` in SQLite's column shape (JSON as text), in insertion order."""
        if table not in TABLES:
            raise StoreError(f"no table {table!r} to copy")
        if table == "records":
            select = (
                "SELECT integration_id, model, id, remote_id, parent_remote_id, data_json::text AS data, "
                "remote_data::text AS remote_data, hash, changed_at, remote_deleted_at, created_at, seen_sync "
                "FROM records ORDER BY rid"
            )
        else:
            order = {
                "integrations": "created_at, id",
                "api_keys": "created_at, id",
                "syncs": "id",
                "pending_attachments": "id",
            }.get(table, "1")
            select = f"SELECT * FROM {table} ORDER BY {order}"
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(name=f"dump_{table}") as cur:
            cur.itersize = 2000
            cur.execute(select)
            yield from cur

    def load(self, table: str, rows: Iterable[dict[str, Any]]) -> int:
        """Insert rows shaped like :meth:`dump`'s into ``table``; returns how many."""
        if table not in TABLES:
            raise StoreError(f"no table {table!r} to copy")
        count = 0
        with self.transaction() as db, db.conn.cursor() as cur:
            batch: list[dict[str, Any]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 2000:
                    count += self._load_batch(cur, table, batch)
                    batch = []
            count += self._load_batch(cur, table, batch)
            if table == "records":  # the planner's figures for what was just copied in
                cur.execute("ANALYZE records")
            if table in ("syncs", "pending_attachments"):  # explicit ids: move the identity past them
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
                )
        return count

    @staticmethod
    def _load_batch(cur: psycopg.Cursor[Any], table: str, batch: list[dict[str, Any]]) -> int:
        if not batch:
            return 0
        columns = [c for c in batch[0] if c != "rowid"]
        if table == "records":
            names = [*columns, "data_json"]
            marks = ["%s::jsonb" if c == "data" else "%s::json" if c == "remote_data" else "%s" for c in columns]
            marks.append("%s::json")
            values = [(*(queryable(r[c]) if c == "data" else r[c] for c in columns), r["data"]) for r in batch]
        else:
            names, marks = columns, ["%s"] * len(columns)
            values = [tuple(r[c] for c in columns) for r in batch]
        cur.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(marks)})", values)
        return len(batch)
