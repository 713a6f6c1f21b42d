"""The store interface and its value types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from unimap.errors import ConfigError

DEFAULT_STORE_URL = "sqlite:///unimap.db"


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
        return {"id": self.id, "connector": self.connector, "name": self.name, "base_url": self.base_url,
                "settings": self.settings, "created_at": self.created_at}


@dataclass
class RecordPage:
    """One page of a listing: unified records and the opaque cursor of the next page (or ``None``)."""

    results: list[dict[str, Any]]
    next: str | None


@dataclass
class UpsertResult:
    """What writing one page did."""

    created: int = 0
    changed: int = 0
    unchanged: int = 0
    restored: int = 0


class Store(Protocol):
    """What the sync engine, the actions and the API need from a store."""

    def close(self) -> None: ...


def open_store(url: str | None = None) -> Any:
    """Open the store at ``url`` (default ``sqlite:///unimap.db``), creating and migrating it."""
    url = url or DEFAULT_STORE_URL
    if url.startswith("sqlite://"):
        from unimap.store.sqlite import SQLiteStore

        path = url[len("sqlite://"):]
        path = path[1:] if path.startswith("/") else path
        return SQLiteStore(path or ":memory:")
    raise ConfigError(f"unsupported store URL {url!r}; use sqlite:///path/to/file.db or sqlite:///:memory:")
