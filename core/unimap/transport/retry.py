"""Retry policy: which failures are retried and how long to wait between attempts."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; ``Retry-After`` overrides the computed wait.

    Calls to ``write_methods`` are retried only when the vendor surely did not run them
    (429, 502–504, a refused connection); a timeout, a 500 or a garbled answer leaves their
    outcome unknown, and a retry could write twice.
    """

    max_attempts: int = 6
    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    retry_on_status: frozenset[int] = field(default_factory=lambda: frozenset({429, 500, 502, 503, 504}))
    retry_on_timeout: bool = True
    retry_on_malformed: bool = True
    write_methods: tuple[str, ...] = ()

    @classmethod
    def from_spec(cls, spec: dict[str, Any] | None) -> RetryPolicy:
        """Build from a connector spec's ``retry`` block."""
        spec = spec or {}
        defaults = cls()
        return cls(
            max_attempts=int(spec.get("max_attempts", defaults.max_attempts)),
            initial_backoff=float(spec.get("initial_backoff_seconds", defaults.initial_backoff)),
            max_backoff=float(spec.get("max_backoff_seconds", defaults.max_backoff)),
            retry_on_status=frozenset(spec.get("retry_on_status", defaults.retry_on_status)),
            retry_on_timeout=bool(spec.get("retry_on_timeout", True)),
            retry_on_malformed=bool(spec.get("retry_on_malformed", True)),
            write_methods=tuple(spec.get("write_methods", ())),
        )

    def is_write(self, method: str) -> bool:
        """Whether ``method`` changes vendor data (matches one of ``write_methods``)."""
        return any(re.search(pattern, method) for pattern in self.write_methods)

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_backoff, self.initial_backoff * (2 ** (attempt - 1)))
        return (rng or random).uniform(ceiling / 2, ceiling)
