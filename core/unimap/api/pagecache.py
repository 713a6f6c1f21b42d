"""Rendered list pages kept per process until the store changes (``UNIMAP_PAGE_CACHE_MB``, 0 = off).

A page is keyed by the integration, the model, the query and the store's *generation*: a value
that changes whenever anything is written to the store (a sync, an action, a settings change, by
this process or any other): SQLite's ``data_version`` and ``total_changes``, PostgreSQL's trigger-kept
``store_generation`` (see :mod:`unimap.store.migrations`). The generation is read before the page is
built, so a page is never kept under a generation newer than what it shows. A store without a
generation is never cached, so a page served from here is always the page the store would give now.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

__all__ = ["PageCache", "default_budget"]


def default_budget() -> int:
    """The cache size in bytes from ``UNIMAP_PAGE_CACHE_MB`` (default 32 MiB; 0 turns caching off)."""
    raw = os.environ.get("UNIMAP_PAGE_CACHE_MB", "32").strip()
    try:
        megabytes = float(raw)
    except ValueError:
        raise ValueError(f"UNIMAP_PAGE_CACHE_MB must be a number of MiB (0 = off), not {raw!r}") from None
    return max(0, int(megabytes * 2**20))


class PageCache:
    """A least-recently-used map of page bytes, bounded by their total size; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def generation(store: Any) -> Hashable | None:
        """The store's current generation, or None when it has none (or caching is off)."""
        read = getattr(store, "generation", None)
        return read() if callable(read) else None

    def get(self, key: Hashable) -> bytes | None:
        """The page stored under ``key`` (marked as just used), or None."""
        with self._lock:
            body = self._pages.get(key)
            if body is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        """Keep ``body`` under ``key``, dropping the least recently used pages beyond the budget."""
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._pages[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self._size -= len(dropped)
