"""Fixed-window rate limit per OAuth client, reported in ``X-RateLimit-*`` headers.

A client's window opens at its first request after the previous window ended and lasts
``window`` seconds; at most ``limit`` requests are admitted in it. Rejected requests do not count.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """The outcome of one request."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # wall-clock epoch seconds when the window ends
    retry_after: int

    def headers(self) -> dict[str, str]:
        """``X-RateLimit-Limit``/``-Remaining`` always; ``Retry-After``/``X-RateLimit-Reset`` on 429."""
        out = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after)
            out["X-RateLimit-Reset"] = str(math.ceil(self.reset_at))
        return out


class RateLimiter:
    """Counts requests per key in fixed windows (``limit=None`` = off)."""

    def __init__(self, limit: int | None = 50, window: float = 30.0, clock: Callable[[], float] | None = None) -> None:
        self.limit = limit or None
        self.window = window
        self.clock = clock or time.time
        self._windows: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def set_limit(self, limit: int | None, window: float | None = None) -> None:
        """Change the limit (0/None = off) and optionally the window; counts restart."""
        with self._lock:
            self.limit = limit or None
            if window is not None:
                self.window = window
            self._windows.clear()

    def hit(self, key: str) -> Decision | None:
        """Admit or reject one request; None when limiting is off."""
        with self._lock:
            limit = self.limit
            if limit is None:
                return None
            now = self.clock()
            win = self._windows.get(key)
            if win is None or now - win[0] >= self.window:
                win = self._windows[key] = [now, 0]
            reset_at = win[0] + self.window
            retry = max(1, math.ceil(reset_at - now))
            if win[1] < limit:
                win[1] += 1
                return Decision(True, limit, int(limit - win[1]), reset_at, retry)
            return Decision(False, limit, 0, reset_at, retry)
