"""Client-side rate limiting: a sliding one-minute budget that also obeys the vendor's headers."""

from __future__ import annotations

import threading
import time
from collections import deque


class RateLimiter:
    """At most ``per_minute`` request starts in any 60 s; pauses when the vendor says so.

    Thread-safe. ``per_minute`` 0 disables the client-side budget (vendor signals still apply).
    """

    def __init__(self, per_minute: float, *, pause_below: int = 0, clock=time.monotonic, sleep=time.sleep) -> None:
        self.per_minute = per_minute
        self.pause_below = pause_below
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> None:
        """Block until one more request may start."""
        while True:
            with self._lock:
                now = self._clock()
                wait = max(0.0, self._blocked_until - now)
                if not wait and self.per_minute > 0:
                    while self._starts and now - self._starts[0] >= 60.0:
                        self._starts.popleft()
                    if len(self._starts) >= self.per_minute:
                        wait = 60.0 - (now - self._starts[0])
                if wait <= 0:
                    if self.per_minute > 0:
                        self._starts.append(now)
                    return
            self.waited += wait
            self._sleep(min(wait, 1.0))

    def block_for(self, seconds: float) -> None:
        """No request may start for ``seconds`` (e.g. after a 429 with ``Retry-After``)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + max(0.0, seconds))

    def observe(self, remaining: int | None, reset_seconds: float | None) -> None:
        """Apply the vendor's view: pause until its window resets when few requests remain."""
        if remaining is not None and reset_seconds is not None and remaining <= self.pause_below:
            self.block_for(reset_seconds)
