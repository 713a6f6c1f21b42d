"""Counters tests read: requests per route, token requests, statuses, faults, rate-limit rejections."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """Thread-safe counters of one sandbox (``Sandbox.stats``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()  # "GET /v3/candidates", "POST /token", …
        self.token_requests: Counter[str] = Counter()  # by grant type ("transition" for /auth/token)
        self.http_status: Counter[int] = Counter()
        self.faults: Counter[str] = Counter()
        self.rate_limited = 0
        self.webhooks_sent = 0
        self.webhooks_failed = 0

    def bump(self, counter: str, key: Any, n: int = 1) -> None:
        """Add ``n`` to ``self.<counter>[key]``."""
        with self._lock:
            getattr(self, counter)[key] += n

    def add(self, attr: str, n: int = 1) -> None:
        """Add ``n`` to an integer attribute."""
        with self._lock:
            setattr(self, attr, getattr(self, attr) + n)

    def count(self, route: str) -> int:
        """Requests of a route such as ``"GET /v3/candidates"`` (or just ``"/v3/candidates"``: any method)."""
        with self._lock:
            return sum(n for name, n in self.requests.items() if name == route or name.split(" ", 1)[1] == route)

    @property
    def token_total(self) -> int:
        """Token requests of every grant."""
        with self._lock:
            return sum(self.token_requests.values())

    def snapshot(self) -> dict[str, Any]:
        """A plain-dict copy of every counter."""
        with self._lock:
            return {
                "requests": dict(self.requests),
                "token_requests": dict(self.token_requests),
                "http_status": dict(self.http_status),
                "faults": dict(self.faults),
                "rate_limited": self.rate_limited,
                "webhooks_sent": self.webhooks_sent,
                "webhooks_failed": self.webhooks_failed,
            }

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            for c in (self.requests, self.token_requests, self.http_status, self.faults):
                c.clear()
            self.rate_limited = self.webhooks_sent = self.webhooks_failed = 0
