"""Client-side rate limiting: a sliding window that also obeys the vendor's rate-limit headers."""

from __future__ import annotations

import contextlib
import email.utils
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from unimap.errors import ConfigError

__all__ = ["RateLimiter", "parse_retry_after"]

RESET_MODES = ("seconds", "epoch", "http_date")
#: a reset "in seconds" above this is an epoch timestamp (2001-09-09), whatever the spec says
EPOCH_FLOOR = 1e9
#: the longest pause a vendor header can impose at once (a wrong header must not stall a sync for days)
MAX_PAUSE = 3600.0


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def _http_date(value: str, wall: Callable[[], float]) -> float | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.timestamp() - wall()


def parse_retry_after(value: str | None, wall: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta seconds or an HTTP date; ``None`` when absent or bad."""
    if value is None:
        return None
    seconds = _number(value)
    if seconds is None:
        seconds = _http_date(value, wall)
    return None if seconds is None else min(MAX_PAUSE, max(0.0, seconds))


class RateLimiter:
    """At most ``requests`` starts in any ``window_seconds`` (``per_minute`` for the classic one-minute window).

    Thread-safe. The vendor's headers refine it (:meth:`observe_headers`): few requests ``remaining``
    pauses until the window ``reset``s, a ``limit`` header teaches the window size, ``Retry-After``
    blocks every request. ``budget`` is a seam for a shared budget (e.g. in a database): a function
    returning the seconds to wait before the next request (0 to go). ``concurrency`` bounds the
    requests in flight (:meth:`slot`). ``per_minute`` 0 disables the client-side window.
    """

    def __init__(
        self,
        per_minute: float = 0,
        *,
        pause_below: int = 0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        requests: float | None = None,
        window_seconds: float = 60.0,
        remaining_header: str | None = None,
        limit_header: str | None = None,
        reset_header: str | None = None,
        reset: str = "seconds",
        retry_after: bool = True,
        concurrency: int | None = None,
        budget: Callable[[], float] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if reset not in RESET_MODES:
            raise ConfigError(f"rate_limit.reset must be one of {', '.join(RESET_MODES)}, not {reset!r}")
        if window_seconds <= 0:
            raise ConfigError("rate_limit.window_seconds must be positive")
        self.window = float(window_seconds)
        self.requests = float(requests) if requests is not None else float(per_minute) * self.window / 60.0
        self.pause_below = pause_below
        self.remaining_header = remaining_header
        self.limit_header = limit_header
        self.reset_header = reset_header
        self.reset_mode = reset
        self.retry_after = retry_after
        self.concurrency = concurrency
        self.budget = budget
        self._clock = clock
        self._sleep = sleep
        self._wall = wall
        self._starts: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(concurrency) if concurrency else None
        self.waited = 0.0

    @classmethod
    def from_spec(
        cls,
        spec: Mapping[str, Any] | None,
        *,
        requests_per_minute: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        budget: Callable[[], float] | None = None,
    ) -> RateLimiter:
        """Build from a connector's ``rate_limit`` block (``requests_per_minute`` overrides its budget)."""
        spec = spec or {}
        requests = spec.get("requests")
        window = float(spec.get("window_seconds", 60))
        per_minute = float(spec.get("requests_per_minute", 0) or 0)
        if requests_per_minute is not None:
            per_minute, requests, window = float(requests_per_minute), None, 60.0
        concurrency = spec.get("concurrency")
        return cls(
            per_minute,
            pause_below=int(spec.get("pause_below", 0) or 0),
            clock=clock,
            sleep=sleep,
            requests=float(requests) if requests is not None else None,
            window_seconds=window,
            remaining_header=spec.get("remaining_header"),
            limit_header=spec.get("limit_header"),
            reset_header=spec.get("reset_header"),
            reset=str(spec.get("reset", "seconds")),
            retry_after=bool(spec.get("retry_after", True)),
            concurrency=int(concurrency) if concurrency else None,
            budget=budget,
            wall=wall,
        )

    @property
    def per_minute(self) -> float:
        """The client-side budget in requests per minute (0: none)."""
        return self.requests * 60.0 / self.window

    @per_minute.setter
    def per_minute(self, value: float) -> None:
        self.requests = float(value) * self.window / 60.0

    def acquire(self) -> None:
        """Block until one more request may start."""
        while True:
            with self._lock:
                now = self._clock()
                wait = max(0.0, self._blocked_until - now)
                if not wait and self.requests > 0:
                    while self._starts and now - self._starts[0] >= self.window:
                        self._starts.popleft()
                    if len(self._starts) >= self.requests:
                        wait = self.window - (now - self._starts[0])
                if wait <= 0 and self.budget is not None:
                    wait = max(0.0, float(self.budget()))
                if wait <= 0:
                    if self.requests > 0:
                        self._starts.append(now)
                    return
            self.waited += wait
            self._sleep(min(wait, 1.0))

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the ``concurrency`` slots while a request is in flight."""
        if self._slots is None:
            yield
            return
        with self._slots:
            yield

    def block_for(self, seconds: float) -> None:
        """No request may start for ``seconds`` (e.g. after a 429 with ``Retry-After``)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + max(0.0, seconds))

    def observe(self, remaining: int | None, reset_seconds: float | None) -> None:
        """Apply the vendor's view: pause until its window resets when few requests remain."""
        if remaining is not None and reset_seconds is not None and remaining <= self.pause_below:
            self.block_for(reset_seconds)

    def reset_seconds(self, value: str | None) -> float | None:
        """Seconds until the vendor's window resets, from a reset header value read as ``reset``."""
        if value is None:
            return None
        if self.reset_mode == "http_date":
            seconds = _http_date(value, self._wall)
        else:
            number = _number(value)
            if number is None:
                return None
            epoch = self.reset_mode == "epoch" or number > EPOCH_FLOOR  # "seconds" that are clearly a timestamp
            seconds = number - self._wall() if epoch else number
        return None if seconds is None else min(MAX_PAUSE, max(0.0, seconds))

    def observe_headers(self, headers: Mapping[str, str], status: int) -> float | None:
        """Read the vendor's rate-limit headers (names case-insensitive); return a ``Retry-After`` wait, if any."""
        lower = {k.lower(): v for k, v in headers.items()}

        def get(name: str | None) -> str | None:
            return lower.get(name.lower()) if name else None

        limit = _number(get(self.limit_header))
        if limit is not None and limit > 0:
            with self._lock:
                self.requests = limit  # the vendor's own ceiling per window
        remaining = _number(get(self.remaining_header))
        if remaining is not None and remaining <= self.pause_below:
            reset = self.reset_seconds(get(self.reset_header))
            if reset is None and not self.reset_header:
                reset = self.window if (self.limit_header or self.requests) else None
            if reset is not None:
                self.block_for(reset)
        wait = parse_retry_after(get("Retry-After"), self._wall) if self.retry_after else None
        if wait is not None and status in (429, 503):
            self.block_for(wait)
        return wait
