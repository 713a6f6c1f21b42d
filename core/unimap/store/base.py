"""The store interface and its value types."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import orjson

from unimap.errors import ConfigError

DEFAULT_STORE_URL = "sqlite:///unimap.db"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@dataclass
class Integration:
    """A connected vendor account: connector, base URL, secret credentials and setting overrides."""

    id: str
    connector: str
    name: str | None = None
    base_url: str | None = None
    credentials: dict[str, Any] = field(default_factory=dict, repr=False)
    settings: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None

    def public(self) -> dict[str, Any]:
        """The integration without its credentials (safe to print or serve)."""
        return {
            "id": self.id,
            "connector": self.connector,
            "name": self.name,
            "base_url": self.base_url,
            "settings": self.settings,
            "created_at": self.created_at,
        }


@dataclass
class RecordPage:
    """One page of a listing: unified records and the opaque cursor of the next page (or ``None``)."""

    results: list[dict[str, Any]]
    next: str | None


@dataclass(slots=True)
class StoredRecord:
    """A record as stored, unparsed: its unified JSON text, engine columns and ``remote_data`` (UTF-8 bytes).

    ``fields`` holds the top-level unified fields a listing asked the store to extract (as text).
    Related records read for nested objects (``stored_by``) come without ``remote_data`` (``None``).
    """

    id: str
    remote_id: str | None
    hash: str
    data: bytes
    changed_at: str
    remote_deleted_at: str | None
    remote_data: bytes | None
    fields: dict[str, Any]

    @classmethod
    def related(cls, row: Sequence[Any], names: Sequence[str]) -> StoredRecord:
        """A ``stored_by`` row: id, remote id, hash, data, changed_at, remote_deleted_at, then ``names``' values."""
        return cls(row[0], row[1], row[2], row[3], row[4], row[5], None, dict(zip(names, row[6:], strict=True)))

    def parsed(self) -> dict[str, Any]:
        """The record as a dict, the way the store's readers return it."""
        record: dict[str, Any] = orjson.loads(self.data)
        record["changed_at"] = self.changed_at
        record["remote_deleted_at"] = self.remote_deleted_at
        record["remote_data"] = orjson.loads(self.remote_data) if self.remote_data else None
        return record


@dataclass
class StoredPage:
    """One page of a listing as stored records, and the opaque cursor of the next page (or ``None``)."""

    records: list[StoredRecord]
    next: str | None


class StoredPages:
    """:meth:`page` of a store that implements ``stored_page``: the same page, its records parsed."""

    stored_page: Callable[..., StoredPage]

    def page(
        self,
        integration_id: str,
        model: str,
        *,
        where: list[str],
        params: list[Any],
        cursor: str | None,
        page_size: int,
    ) -> RecordPage:
        """A page of records matching SQL conditions on alias ``r`` (built by :mod:`unimap.query`)."""
        stored = self.stored_page(integration_id, model, where=where, params=params, cursor=cursor, page_size=page_size)
        return RecordPage([r.parsed() for r in stored.records], stored.next)


@dataclass
class UpsertResult:
    """What writing one page did."""

    created: int = 0
    changed: int = 0
    unchanged: int = 0
    restored: int = 0


class Cursor(Protocol):
    """The result of :meth:`Connection.execute`: rows addressable by column name."""

    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What ``store.transaction()`` yields and ``store.db`` is: SQL with ``?`` placeholders.

    The sync engine passes it back as ``db=``; the API key table is read and written through it.
    """

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Cursor: ...


@runtime_checkable
class Store(Protocol):
    """What the sync engine, the actions, the service, the API and the CLI need from a store."""

    #: a stable, secret-free name of the store (a file path, or ``/postgresql/host:port/db``)
    path: str

    @property
    def db(self) -> Connection: ...

    # plumbing
    def close(self) -> None: ...

    def transaction(self) -> AbstractContextManager[Any]: ...

    def schema_version(self) -> int: ...

    # integrations
    def save_integration(self, integration: Integration) -> Integration: ...

    def integration(self, integration_id: str) -> Integration: ...

    def integrations(self) -> list[Integration]: ...

    def delete_integration(self, integration_id: str) -> None: ...

    # writing records (inside ``transaction()``, its object passed as ``db``)
    def upsert(
        self,
        integration_id: str,
        model: str,
        rows: Iterable[tuple[dict[str, Any], str | None]],
        *,
        seen_sync: int | None,
        now: str,
        db: Any,
    ) -> UpsertResult: ...

    def mark_deleted(self, integration_id: str, model: str, ids: Iterable[str], *, now: str, db: Any) -> int: ...

    def mark_seen(self, integration_id: str, model: str, remote_ids: list[str], sync_id: int) -> None: ...

    def unseen(self, integration_id: str, model: str, sync_id: int) -> list[tuple[str, str]]: ...

    def children(self, integration_id: str, model: str, parents: list[str]) -> list[tuple[str, str]]: ...

    def children_of_model(self, integration_id: str, model: str) -> list[tuple[str, str]]: ...

    # checkpoints and sync runs
    def checkpoint(self, integration_id: str, model: str) -> dict[str, Any]: ...

    def set_checkpoint(
        self, integration_id: str, model: str, *, cursor: str | None, run: dict[str, Any] | None, db: Any
    ) -> None: ...

    def start_sync(self, integration_id: str, kind: str) -> int: ...

    def finish_sync(self, sync_id: int, status: str, stats: dict[str, Any], kind: str | None = None) -> None: ...

    def syncs(self, integration_id: str, limit: int = 20) -> list[dict[str, Any]]: ...

    def has_finished_sync(self, integration_id: str) -> bool: ...

    # tracking ("sync only created applications")
    def track(self, integration_id: str, model: str, remote_id: str) -> None: ...

    def tracked(self, integration_id: str, model: str) -> set[str]: ...

    # pending attachments
    def add_pending_attachment(
        self, integration_id: str, target: dict[str, Any], attachment: dict[str, Any], error: str | None
    ) -> int: ...

    def pending_attachments(self, integration_id: str) -> list[dict[str, Any]]: ...

    def finish_pending_attachment(self, pending_id: int) -> None: ...

    # reading
    def get(
        self, integration_id: str, model: str, *, id: str | None = None, remote_id: str | None = None
    ) -> dict[str, Any] | None: ...

    def by_ids(
        self, integration_id: str, model: str, ids: Iterable[str], *, fields: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]: ...

    def by_field(
        self,
        integration_id: str,
        model: str,
        field: str,
        values: Iterable[str],
        *,
        include_deleted: bool = False,
        fields: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]: ...

    def stored_by(
        self,
        integration_id: str,
        model: str,
        key: str,
        values: Iterable[str],
        *,
        fields: Sequence[str] = (),
        include_deleted: bool = True,
    ) -> list[StoredRecord]: ...

    def all(self, integration_id: str, model: str, *, include_deleted: bool = False) -> list[dict[str, Any]]: ...

    def count(self, integration_id: str, model: str, *, include_deleted: bool = False) -> int: ...

    def page(
        self,
        integration_id: str,
        model: str,
        *,
        where: list[str],
        params: list[Any],
        cursor: str | None,
        page_size: int,
    ) -> RecordPage: ...

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
    ) -> StoredPage: ...

    # sync schedules (the workers' periodic syncs; ``None`` = the default)
    def schedule(self, integration_id: str) -> dict[str, float | None]: ...

    def set_schedule(self, integration_id: str, *, delta_every: float | None, full_every: float | None) -> None: ...

    # store copy: every table's rows, in order, and writing them back
    def dump(self, table: str) -> Iterator[dict[str, Any]]: ...

    def load(self, table: str, rows: Iterable[dict[str, Any]]) -> int: ...


def model_literal(model: str) -> str:
    """``model`` as an SQL string literal (so the planner can use the per-model partial indexes)."""
    if not re.fullmatch(r"\w+", model):
        raise ConfigError(f"invalid model name {model!r}")
    return f"'{model}'"


def field_names(fields: Iterable[str]) -> list[str]:
    """Top-level unified field names safe to put in a JSON path."""
    names = list(fields)
    for name in names:
        if not re.fullmatch(r"\w+", name):
            raise ConfigError(f"invalid field name {name!r}")
    return names


def redact_url(url: str) -> str:
    """``url`` without the password (safe to print or log)."""
    return re.sub(r"(//[^/:@]*):[^/@]*@", r"\1:***@", str(url))


def is_postgres_url(url: str | None) -> bool:
    """Whether ``url`` names a PostgreSQL store."""
    return bool(url) and str(url).startswith(POSTGRES_SCHEMES)


def open_store(url: str | None = None) -> Any:
    """Open the store at ``url`` (default ``sqlite:///unimap.db``), creating and migrating it.

    ``sqlite:///path.db``, ``sqlite:///:memory:``, or ``postgresql://user@host:port/db`` (also ``postgres://``).
    """
    url = url or DEFAULT_STORE_URL
    if url.startswith("sqlite://"):
        from unimap.store.sqlite import SQLiteStore

        path = url[len("sqlite://") :]
        path = path[1:] if path.startswith("/") else path
        return SQLiteStore(path or ":memory:")
    if is_postgres_url(url):
        try:
            from unimap.store.postgres import PostgresStore
        except ImportError as exc:
            raise ConfigError(
                f"PostgreSQL stores need the postgres extra: pip install 'unimap[postgres]' ({exc})"
            ) from None
        return PostgresStore(url)
    raise ConfigError(
        f"unsupported store URL {redact_url(url)!r}; use sqlite:///path/to/file.db, "
        "sqlite:///:memory: or postgresql://user@host:port/database"
    )
