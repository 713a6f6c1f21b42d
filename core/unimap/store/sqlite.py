"""The SQLite store: one file (or memory), WAL, migrations, and per-page transactions."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from unimap.errors import IntegrationNotFound, StoreError
from unimap.secrets import seal, unseal
from unimap.store.base import (
    Integration,
    StoredPage,
    StoredPages,
    StoredRecord,
    UpsertResult,
    field_names,
    model_literal,
)
from unimap.store.migrations import LATEST, MIGRATIONS
from unimap.store.rows import (
    decode_cursor,
    dumps_text,
    encode_cursor,
    stored_row,
)
from unimap.timeutil import utc_now

__all__ = ["SQLiteStore"]

#: bytes per database page of a new store: a record row (data and remote_data) is often 1-3 KB,
#: which leaves most of a 4 KB page empty; 8 KB pages about halve what a committed page writes
PAGE_SIZE = 8192
_OWNER = "_owner"  # key of a running sync's stats that names its process


def _start_ticks(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, Linux), to tell a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _process_identity() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": _start_ticks(os.getpid())}


def _process_gone(owner: Any) -> bool:
    """Whether the process that ran a sync is certainly dead (only decidable on the same host)."""
    if not isinstance(owner, dict) or owner.get("host") != socket.gethostname():
        return False
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    except OSError:
        return False
    start = _start_ticks(pid)
    return owner.get("start") is not None and start is not None and start != owner["start"]


def _owner_only(path: str) -> None:
    """Make the store file (and its WAL/shared-memory files) readable by the owner only, even if it existed."""
    for candidate in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        try:
            if Path(candidate).is_file() and (os.stat(candidate).st_mode & 0o077):
                os.chmod(candidate, 0o600)
        except OSError:  # not ours to change (e.g. a read-only mount): SQLite reports real problems
            continue


class SQLiteStore(StoredPages):
    """A store in one SQLite database; safe to share between threads (one lock, one connection)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                fresh = not Path(path).exists()
                if fresh:  # credentials live here: readable by the owner only
                    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
                    os.close(fd)
                _owner_only(path)
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            self.db.row_factory = sqlite3.Row
            # only a new (empty) database takes it; existing stores keep theirs
            self.db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            if path != ":memory:":
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {path}: {exc}") from None

    # -- plumbing ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: everything inside commits together or not at all."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def generation(self) -> tuple[int, int]:
        """A value that changes whenever the store changes: any other connection's commit moves
        ``PRAGMA data_version``, this connection's writes move ``total_changes`` (a cache key)."""
        with self._lock:
            version = int(self.db.execute("PRAGMA data_version").fetchone()[0])
            return version, self.db.total_changes

    def _migrate(self) -> None:
        with self._lock:
            self.db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self.db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            if current > LATEST:
                raise StoreError(f"store {self.path} has schema version {current}, newer than this unimap ({LATEST})")
            for version, script in MIGRATIONS:
                if version <= current:
                    continue
                with self.transaction() as db:
                    for statement in script.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    def schema_version(self) -> int:
        """The applied migration version."""
        return int(self.db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    # -- integrations -------------------------------------------------------------------------

    def save_integration(self, integration: Integration) -> Integration:
        """Insert or replace an integration."""
        integration.created_at = integration.created_at or utc_now()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO integrations (id, connector, name, base_url, credentials, settings, created_at) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET connector=excluded.connector, "
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
        with self._lock:
            row = self.db.execute("SELECT * FROM integrations WHERE id = ?", (integration_id,)).fetchone()
        if row is None:
            raise IntegrationNotFound(f"no integration {integration_id!r} in this store")
        return Integration(
            row["id"],
            row["connector"],
            row["name"],
            row["base_url"],
            unseal(row["credentials"]),
            json.loads(row["settings"]),
            row["created_at"],
        )

    def integrations(self) -> list[Integration]:
        """Every integration, oldest first."""
        with self._lock:
            ids = [r[0] for r in self.db.execute("SELECT id FROM integrations ORDER BY created_at, id")]
        return [self.integration(i) for i in ids]

    def delete_integration(self, integration_id: str) -> None:
        """Remove an integration and everything synced for it."""
        with self.transaction() as db:
            for table in ("records", "checkpoints", "syncs", "tracked", "pending_attachments"):
                db.execute(f"DELETE FROM {table} WHERE integration_id = ?", (integration_id,))
            db.execute("DELETE FROM integrations WHERE id = ?", (integration_id,))

    # -- writing records ----------------------------------------------------------------------

    def upsert(
        self,
        integration_id: str,
        model: str,
        rows: Iterable[tuple[dict[str, Any], str | None]],
        *,
        seen_sync: int | None,
        now: str,
        db: sqlite3.Connection,
    ) -> UpsertResult:
        """Write mapped records (with ``remote_data``) inside transaction ``db``.

        ``changed_at`` moves only when the unified content changes or a deleted record returns.
        """
        result = UpsertResult()
        rows = list(rows)
        if not rows:
            return result
        existing: dict[str, sqlite3.Row] = {}
        ids = [r[0]["id"] for r in rows]
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for row in db.execute(
                f"SELECT id, hash, remote_deleted_at FROM records WHERE integration_id=? AND "
                f"model=? AND id IN ({marks})",
                (integration_id, model, *chunk),
            ):
                existing[row["id"]] = row
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
                changes.append((data, raw, digest, now, parent, seen_sync, integration_id, model, record["id"]))
            else:
                result.unchanged += 1
                touches.append((raw, seen_sync, integration_id, model, record["id"]))
        db.executemany(
            "INSERT INTO records (integration_id, model, id, remote_id, parent_remote_id, data, "
            "remote_data, hash, changed_at, remote_deleted_at, created_at, seen_sync) "
            "VALUES (?,?,?,?,?,?,?,?,?,NULL,?,?)",
            inserts,
        )
        db.executemany(
            "UPDATE records SET data=?, remote_data=?, hash=?, changed_at=?, remote_deleted_at=NULL, "
            "parent_remote_id=?, seen_sync=COALESCE(?, seen_sync) WHERE integration_id=? AND model=? "
            "AND id=?",
            changes,
        )
        db.executemany(
            "UPDATE records SET remote_data=?, seen_sync=COALESCE(?, seen_sync) WHERE "
            "integration_id=? AND model=? AND id=?",
            touches,
        )
        return result

    def mark_deleted(
        self, integration_id: str, model: str, ids: Iterable[str], *, now: str, db: sqlite3.Connection
    ) -> int:
        """Set ``remote_deleted_at`` (and ``changed_at``) on records not yet marked deleted."""
        count = 0
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            count += db.execute(
                f"UPDATE records SET remote_deleted_at=?, changed_at=? WHERE integration_id=? AND "
                f"model=? AND remote_deleted_at IS NULL AND id IN ({marks})",
                (now, now, integration_id, model, *chunk),
            ).rowcount
        return count

    def mark_seen(self, integration_id: str, model: str, remote_ids: list[str], sync_id: int) -> None:
        """Count records as seen by full sync ``sync_id`` (e.g. ones it had to leave out as invalid)."""
        with self.transaction() as db:
            for chunk in _chunks(remote_ids, 500):
                db.execute(
                    f"UPDATE records SET seen_sync=? WHERE integration_id=? AND model=? AND remote_id IN "
                    f"({','.join('?' * len(chunk))})",
                    (sync_id, integration_id, model, *chunk),
                )

    def unseen(self, integration_id: str, model: str, sync_id: int) -> list[tuple[str, str]]:
        """``(id, remote_id)`` of live records a full sync ``sync_id`` has not seen."""
        with self._lock:
            return [
                (r[0], r[1])
                for r in self.db.execute(
                    "SELECT id, remote_id FROM records WHERE integration_id=? AND model=? AND "
                    "remote_deleted_at IS NULL AND (seen_sync IS NULL OR seen_sync <> ?)",
                    (integration_id, model, sync_id),
                )
            ]

    def children(self, integration_id: str, model: str, parents: list[str]) -> list[tuple[str, str]]:
        """``(id, parent_remote_id)`` of live derived records of the given parents."""
        out: list[tuple[str, str]] = []
        with self._lock:
            for chunk in _chunks(parents, 500):
                marks = ",".join("?" * len(chunk))
                out.extend(
                    (r[0], r[1])
                    for r in self.db.execute(
                        f"SELECT id, parent_remote_id FROM records WHERE integration_id=? AND model=? AND "
                        f"remote_deleted_at IS NULL AND parent_remote_id IN ({marks})",
                        (integration_id, model, *chunk),
                    )
                )
        return out

    def children_of_model(self, integration_id: str, model: str) -> list[tuple[str, str]]:
        """``(id, parent_remote_id)`` of every live record of ``model`` that belongs to a parent."""
        with self._lock:
            return [
                (r[0], r[1])
                for r in self.db.execute(
                    "SELECT id, parent_remote_id FROM records WHERE integration_id=? AND model=? AND "
                    "remote_deleted_at IS NULL AND parent_remote_id IS NOT NULL",
                    (integration_id, model),
                )
            ]

    # -- checkpoints and sync runs ----------------------------------------------------------------

    def checkpoint(self, integration_id: str, model: str) -> dict[str, Any]:
        """The model's checkpoint: ``cursor`` (last delta position) and ``run`` (an unfinished run)."""
        with self._lock:
            row = self.db.execute(
                "SELECT cursor, run FROM checkpoints WHERE integration_id=? AND model=?", (integration_id, model)
            ).fetchone()
        if row is None:
            return {"cursor": None, "run": None}
        return {"cursor": row["cursor"], "run": json.loads(row["run"]) if row["run"] else None}

    def set_checkpoint(
        self, integration_id: str, model: str, *, cursor: str | None, run: dict[str, Any] | None, db: sqlite3.Connection
    ) -> None:
        """Save a checkpoint inside transaction ``db``."""
        db.execute(
            "INSERT INTO checkpoints (integration_id, model, cursor, run) VALUES (?,?,?,?) ON CONFLICT"
            "(integration_id, model) DO UPDATE SET cursor=excluded.cursor, run=excluded.run",
            (integration_id, model, cursor, dumps_text(run) if run is not None else None),
        )

    def start_sync(self, integration_id: str, kind: str) -> int:
        """Record a sync run; returns its id. Runs left "running" by a killed process become "interrupted".

        The run remembers its process (host, pid, start time) until it finishes, so :meth:`syncs` can
        show a run whose process died (SIGKILL, power loss) as interrupted without waiting for the next run.
        """
        owner = dumps_text({_OWNER: _process_identity()})
        with self.transaction() as db:
            db.execute(
                "UPDATE syncs SET status='interrupted', finished_at=? WHERE integration_id=? AND status='running'",
                (utc_now(), integration_id),
            )
            return int(
                db.execute(
                    "INSERT INTO syncs (integration_id, kind, status, started_at, stats) VALUES (?,?,?,?,?)",
                    (integration_id, kind, "running", utc_now(), owner),
                ).lastrowid
                or 0
            )

    def finish_sync(self, sync_id: int, status: str, stats: dict[str, Any], kind: str | None = None) -> None:
        """Close a sync run with its status, statistics and (if it changed) its kind."""
        with self.transaction() as db:
            db.execute(
                "UPDATE syncs SET status=?, finished_at=?, stats=?, kind=COALESCE(?, kind) WHERE id=?",
                (status, utc_now(), dumps_text(stats), kind, sync_id),
            )

    def syncs(self, integration_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The latest sync runs of an integration, newest first; a run whose process is gone is "interrupted"."""
        with self._lock:
            rows = self.db.execute(
                "SELECT * FROM syncs WHERE integration_id=? ORDER BY id DESC LIMIT ?", (integration_id, limit)
            ).fetchall()
            result = []
            for r in rows:
                run = dict(r)
                stats = json.loads(r["stats"]) if r["stats"] else None
                owner = stats.pop(_OWNER, None) if isinstance(stats, dict) else None
                if run["status"] == "running" and owner is not None and _process_gone(owner):
                    now = utc_now()
                    self.db.execute(
                        "UPDATE syncs SET status='interrupted', finished_at=? WHERE id=? AND status='running'",
                        (now, run["id"]),
                    )
                    run.update(status="interrupted", finished_at=now)
                if owner is not None and not stats:
                    stats = None  # a running run has no statistics yet
                run["stats"] = stats
                result.append(run)
        return result

    def has_finished_sync(self, integration_id: str) -> bool:
        """Whether a sync of the integration ever finished successfully."""
        with self._lock:
            return (
                self.db.execute(
                    "SELECT 1 FROM syncs WHERE integration_id=? AND status='success' LIMIT 1", (integration_id,)
                ).fetchone()
                is not None
            )

    # -- tracking ------------------------------------------------------------------------------

    def track(self, integration_id: str, model: str, remote_id: str) -> None:
        """Remember that ``remote_id`` was created through unimap (for 'sync only created applications')."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO tracked (integration_id, model, remote_id, created_at) VALUES (?,?,?,?)",
                (integration_id, model, str(remote_id), utc_now()),
            )

    def tracked(self, integration_id: str, model: str) -> set[str]:
        """Remote ids of ``model`` created through unimap."""
        with self._lock:
            return {
                r[0]
                for r in self.db.execute(
                    "SELECT remote_id FROM tracked WHERE integration_id=? AND model=?", (integration_id, model)
                )
            }

    # -- pending attachments ----------------------------------------------------------------------

    def add_pending_attachment(
        self, integration_id: str, target: dict[str, Any], attachment: dict[str, Any], error: str | None
    ) -> int:
        """Remember an attachment that could not be attached (content included) for a later retry."""
        with self.transaction() as db:
            return int(
                db.execute(
                    "INSERT INTO pending_attachments (integration_id, target, attachment, error, "
                    "created_at) VALUES (?,?,?,?,?)",
                    (integration_id, dumps_text(target), dumps_text(attachment), error, utc_now()),
                ).lastrowid
                or 0
            )

    def pending_attachments(self, integration_id: str) -> list[dict[str, Any]]:
        """Attachments still waiting to be attached, oldest first."""
        with self._lock:
            rows = self.db.execute(
                "SELECT * FROM pending_attachments WHERE integration_id=? AND done_at IS NULL ORDER BY id",
                (integration_id,),
            ).fetchall()
        return [
            {
                "id": r["id"],
                "target": json.loads(r["target"]),
                "attachment": json.loads(r["attachment"]),
                "error": r["error"],
                "created_at": r["created_at"],
            }
            for r in rows
        ]

    def finish_pending_attachment(self, pending_id: int) -> None:
        """Mark a pending attachment as attached."""
        with self.transaction() as db:
            db.execute("UPDATE pending_attachments SET done_at=? WHERE id=?", (utc_now(), pending_id))

    # -- reading ---------------------------------------------------------------------------------

    def _row(self, row: sqlite3.Row) -> dict[str, Any]:
        record: dict[str, Any] = orjson.loads(row["data"])
        record["changed_at"] = row["changed_at"]
        record["remote_deleted_at"] = row["remote_deleted_at"]
        record["remote_data"] = orjson.loads(row["remote_data"]) if row["remote_data"] else None
        return record

    def _read(self, row: sqlite3.Row, fields: Sequence[str] | None) -> dict[str, Any]:
        """A whole record, or (``fields`` named) one without its ``remote_data``."""
        if fields is None:
            return self._row(row)
        record: dict[str, Any] = orjson.loads(row["data"])
        record["changed_at"] = row["changed_at"]
        record["remote_deleted_at"] = row["remote_deleted_at"]
        return record

    def get(
        self, integration_id: str, model: str, *, id: str | None = None, remote_id: str | None = None
    ) -> dict[str, Any] | None:
        """One record by unified id or remote id (deleted ones included)."""
        column, value = ("id", id) if id is not None else ("remote_id", remote_id)
        with self._lock:
            row = self.db.execute(
                f"SELECT * FROM records WHERE integration_id=? AND model=? AND {column}=?",
                (integration_id, model, value),
            ).fetchone()
        return self._row(row) if row else None

    def by_ids(
        self, integration_id: str, model: str, ids: Iterable[str], *, fields: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Records by unified id (for nested objects; ``fields``: what the caller reads, see :func:`_picked`)."""
        out: dict[str, dict[str, Any]] = {}
        with self._lock:
            for chunk in _chunks(sorted(set(ids)), 500):
                marks = ",".join("?" * len(chunk))
                for row in self.db.execute(
                    f"SELECT {_picked(fields)} FROM records WHERE integration_id=? AND "
                    f"model={model_literal(model)} AND id IN ({marks})",
                    (integration_id, *chunk),
                ):
                    out[row["id"]] = self._read(row, fields)
        return out

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
        out: list[dict[str, Any]] = []
        deleted = "" if include_deleted else " AND remote_deleted_at IS NULL"
        (name,) = field_names([field])
        with self._lock:
            for chunk in _chunks(sorted(set(values)), 500):
                marks = ",".join("?" * len(chunk))
                out.extend(
                    self._read(r, fields)
                    for r in self.db.execute(
                        f"SELECT {_picked(fields)} FROM records WHERE integration_id=? AND "
                        f"model={model_literal(model)} AND "
                        f"json_extract(data, '$.{name}') IN ({marks}){deleted} ORDER BY +rowid",  # +: field index
                        (integration_id, *chunk),
                    )
                )
        return out

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
        names = field_names(fields)
        (name,) = field_names([key])
        match = "id" if name == "id" else f"json_extract(data, '$.{name}')"
        extract = "".join(f", json_extract(data, '$.{n}')" for n in names)
        deleted = "" if include_deleted else " AND remote_deleted_at IS NULL"
        rows: list[Any] = []
        with self._lock:
            cur = self.db.cursor()
            cur.row_factory = None
            for chunk in _chunks(sorted(set(values)), 500):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    cur.execute(
                        f"SELECT id, remote_id, hash, CAST(data AS BLOB), changed_at, remote_deleted_at{extract} "
                        f"FROM records WHERE integration_id=? AND model={model_literal(model)} AND {match} "
                        f"IN ({marks}){deleted} ORDER BY +rowid",  # +: the field's index, not the rowid order
                        (integration_id, *chunk),
                    ).fetchall()
                )
        return [StoredRecord.related(r, names) for r in rows]

    def all(self, integration_id: str, model: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every record of a (small) model, in insertion order."""
        deleted = "" if include_deleted else " AND remote_deleted_at IS NULL"
        with self._lock:
            return [
                self._row(r)
                for r in self.db.execute(
                    f"SELECT * FROM records WHERE integration_id=? AND model=?{deleted} ORDER BY rowid",
                    (integration_id, model),
                )
            ]

    def count(self, integration_id: str, model: str, *, include_deleted: bool = False) -> int:
        """How many records of ``model`` the store holds."""
        deleted = "" if include_deleted else " AND remote_deleted_at IS NULL"
        with self._lock:
            return int(
                self.db.execute(
                    f"SELECT COUNT(*) FROM records WHERE integration_id=? AND model=?{deleted}", (integration_id, model)
                ).fetchone()[0]
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
        extract = "".join(f", json_extract(r.data, '$.{name}')" for name in names)
        clauses = ["r.integration_id = ?", f"r.model = {model_literal(model)}", "r.rowid > ?", *where]
        sql = (
            "SELECT r.rowid, r.id, r.remote_id, r.hash, CAST(r.data AS BLOB), r.changed_at, r.remote_deleted_at, "
            f"CAST(r.remote_data AS BLOB){extract} FROM records r WHERE {' AND '.join(clauses)} "
            "ORDER BY r.rowid LIMIT ?"
        )
        with self._lock:
            cur = self.db.cursor()
            cur.row_factory = None
            rows = cur.execute(sql, (integration_id, after, *params, page_size + 1)).fetchall()
        more = len(rows) > page_size
        rows = rows[:page_size]
        records = [
            StoredRecord(r[1], r[2], r[3], r[4], r[5], r[6], r[7], dict(zip(names, r[8:], strict=True))) for r in rows
        ]
        return StoredPage(records, encode_cursor(rows[-1][0]) if more else None)

    # -- sync schedules and store copy (additions for the workers and ``unimap store copy``) ------------

    def schedule(self, integration_id: str) -> dict[str, float | None]:
        """The integration's sync intervals in seconds (``None``: the default; 0: off)."""
        with self._lock:
            row = self.db.execute(
                "SELECT delta_every, full_every FROM sync_schedules WHERE integration_id=?", (integration_id,)
            ).fetchone()
        return {"delta_every": row[0], "full_every": row[1]} if row else {"delta_every": None, "full_every": None}

    def set_schedule(self, integration_id: str, *, delta_every: float | None, full_every: float | None) -> None:
        """Store the integration's sync intervals (``None``: back to the default)."""
        self.integration(integration_id)
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sync_schedules (integration_id, delta_every, full_every) VALUES (?,?,?) "
                "ON CONFLICT(integration_id) DO UPDATE SET delta_every=excluded.delta_every, "
                "full_every=excluded.full_every",
                (integration_id, delta_every, full_every),
            )

    def dump(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of ``table`` (JSON as text), in insertion order (records without their rowid)."""
        from unimap.store.migrations import TABLES

        if table not in TABLES:
            raise StoreError(f"no table {table!r} to copy")
        order = {"integrations": "created_at, id", "api_keys": "created_at, id"}.get(table, "rowid")
        columns = (
            "*"
            if table != "records"
            else (
                "integration_id, model, id, remote_id, parent_remote_id, data, "
                "remote_data, hash, changed_at, remote_deleted_at, created_at, "
                "seen_sync"
            )
        )
        with self._lock:
            for row in self.db.execute(f"SELECT {columns} FROM {table} ORDER BY {order}"):
                yield dict(row)

    def load(self, table: str, rows: Iterable[dict[str, Any]]) -> int:
        """Insert rows shaped like :meth:`dump`'s into ``table``; returns how many."""
        from unimap.store.migrations import TABLES

        if table not in TABLES:
            raise StoreError(f"no table {table!r} to copy")
        count = 0
        with self.transaction() as db:
            for row in rows:
                columns = [c for c in row if c != "rowid"]
                db.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})",
                    [row[c] for c in columns],
                )
                count += 1
        return count


def _picked(fields: Sequence[str] | None) -> str:
    """The columns of a read: every one, or, when the caller names the ``fields`` it reads, all but ``remote_data``.

    (Parsing the record's text in Python beats building a JSON object of the fields in SQL.)
    """
    return "*" if fields is None else "rowid, id, data, changed_at, remote_deleted_at"


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
