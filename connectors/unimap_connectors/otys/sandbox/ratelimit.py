"""Per-API-key rate limit with a fixed window, reported in OTYS's ``X-Orl-*`` headers.

Fixed window: a key's window opens at its first request after the previous window ended and
lasts ``window`` seconds; at most ``limit`` requests are admitted in it. Rejected requests
(HTTP 429) do not count. Counting is under one lock, so it is exact at any request rate.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """Outcome of one request against the limiter."""

    allowed: bool
    remaining: int
    reset_in: float  # seconds until the window ends
    limit: int | None

    def headers(self, unlimited_remaining: int) -> dict[str, str]:
        """The ``X-Orl-*`` headers (and ``Retry-After`` when blocked)."""
        if self.limit is None:
            return {
                "X-Orl-Requests-Remaining": str(unlimited_remaining),
                "X-Orl-Remaining-Timeframe": "60",
                "X-Orl-Limit-Blocked": "0",
            }
        timeframe = max(1, math.ceil(self.reset_in))
        out = {
            "X-Orl-Requests-Remaining": str(self.remaining),
            "X-Orl-Remaining-Timeframe": str(timeframe),
            "X-Orl-Limit-Blocked": "0" if self.allowed else "1",
        }
        if not self.allowed:
            out["Retry-After"] = str(timeframe)
        return out


class RateLimiter:
    """Counts requests per key in fixed windows."""

    def __init__(self, limit: int | None, window: float = 60.0, clock: Callable[[], float] | None = None) -> None:
        import time

        self.window = window
        self.clock = clock or time.monotonic
        self._limit = limit or None
        self._windows: dict[str, list[float]] = {}  # key -> [window start, admitted count]
        self._lock = threading.Lock()

    @property
    def limit(self) -> int | None:
        """Requests per window, or ``None`` when off."""
        return self._limit

    def set_limit(self, limit: int | None) -> None:
        """Change the limit (0/None = off); current windows keep their counts."""
        with self._lock:
            self._limit = limit or None

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()

    def _window(self, key: str, now: float) -> list[float]:
        win = self._windows.get(key)
        if win is None or now - win[0] >= self.window:
            win = [now, 0]
            self._windows[key] = win
        return win

    def hit(self, key: str, cost: int = 1) -> Decision:
        """Admit or reject one request of ``key`` that uses ``cost`` units (all or nothing)."""
        return self._decide(key, count=True, cost=max(1, cost))

    def peek(self, key: str) -> Decision:
        """The current state of ``key`` without counting a request."""
        return self._decide(key, count=False)

    def _decide(self, key: str, *, count: bool, cost: int = 1) -> Decision:
        with self._lock:
            limit = self._limit
            if limit is None:
                return Decision(True, 0, self.window, None)
            now = self.clock()
            win = self._window(key, now)
            reset_in = win[0] + self.window - now
            if not count:
                return Decision(True, int(max(0, limit - win[1])), reset_in, limit)
            if win[1] + cost <= limit:
                win[1] += cost
                return Decision(True, int(limit - win[1]), reset_in, limit)
            return Decision(False, 0, reset_in, limit)
