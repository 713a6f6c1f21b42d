"""Counters the tests read: requests per method, faults per kind, 429s, errors, webhooks."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """Thread-safe request/fault counters of one sandbox (``Sandbox.stats``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()  # HTTP requests by top-level method (or "fileService.php")
        self.calls: Counter[str] = Counter()  # every executed call, including MultiService/wrapRequest inner ones
        self.faults: Counter[str] = Counter()  # injected faults by kind
        self.http_status: Counter[int] = Counter()
        self.rpc_errors: Counter[int] = Counter()  # error.code of RPC-level failures sent
        self.rate_limited = 0  # 429s sent by the rate limiter (not injected ones)
        self.webhooks_sent = 0
        self.webhooks_failed = 0

    def bump(self, counter: str, key: Any, n: int = 1) -> None:
        """Add ``n`` to ``self.<counter>[key]``."""
        with self._lock:
            getattr(self, counter)[key] += n

    def add(self, attr: str, n: int = 1) -> None:
        """Add ``n`` to an int attribute."""
        with self._lock:
            setattr(self, attr, getattr(self, attr) + n)

    def count(self, method: str) -> int:
        """Requests of a method given in full or by suffix (``"CandidateService.getListEx"``)."""
        with self._lock:
            return sum(n for name, n in self.requests.items() if name == method or name.endswith("." + method))

    def call_count(self, method: str) -> int:
        """Executed calls (inner ones included) of a method given in full or by suffix."""
        with self._lock:
            return sum(n for name, n in self.calls.items() if name == method or name.endswith("." + method))

    @property
    def faults_total(self) -> int:
        """All injected faults."""
        with self._lock:
            return sum(self.faults.values())

    def snapshot(self) -> dict[str, Any]:
        """A plain-dict copy of every counter."""
        with self._lock:
            return {
                "requests": dict(self.requests),
                "calls": dict(self.calls),
                "faults": dict(self.faults),
                "http_status": dict(self.http_status),
                "rpc_errors": dict(self.rpc_errors),
                "rate_limited": self.rate_limited,
                "webhooks_sent": self.webhooks_sent,
                "webhooks_failed": self.webhooks_failed,
            }

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            for c in (self.requests, self.calls, self.faults, self.http_status, self.rpc_errors):
                c.clear()
            self.rate_limited = self.webhooks_sent = self.webhooks_failed = 0
