"""Request limits: a per-key rate limit and a per-integration cap on concurrent actions."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .errors import ApiError


class RateLimiter:
    """At most ``limit`` requests per key in any sliding ``window`` seconds (``limit`` 0 = off)."""

    def __init__(self, limit: int = 0, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count one request of ``key``; 429 PLATFORM.RATE_LIMIT_EXCEEDED when over the limit."""
        if self.limit <= 0:
            return
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                wait = max(1, math.ceil(hits[0] + self.window - now))
                raise ApiError(
                    "PLATFORM.RATE_LIMIT_EXCEEDED",
                    f"more than {self.limit} requests in {self.window:g} s; retry in {wait} s",
                    headers={"Retry-After": str(wait), "RateLimit-Limit": str(self.limit)},
                )
            hits.append(now)


class ConcurrencyLimiter:
    """At most ``limit`` actions in flight per integration (Kombo's default is 30)."""

    def __init__(self, limit: int = 30) -> None:
        self.limit = limit
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, integration_id: str) -> Iterator[int]:
        """Hold one slot for the duration of an action; yields the slots left.

        429 PLATFORM.CONCURRENCY_LIMIT_EXCEEDED (``Retry-After: 1``) when none is free.
        """
        with self._lock:
            running = self._running.get(integration_id, 0)
            if running >= self.limit:
                raise ApiError(
                    "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED",
                    f"{self.limit} actions are already running for this integration; retry shortly",
                    headers={"Retry-After": "1", "Concurrency-Remaining": "0"},
                )
            self._running[integration_id] = running + 1
            left = self.limit - running - 1
        try:
            yield left
        finally:
            with self._lock:
                self._running[integration_id] -= 1
                if not self._running[integration_id]:
                    del self._running[integration_id]
