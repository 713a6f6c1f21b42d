"""Seeded, reproducible fault injection for ``/v3`` requests.

Spec grammar (comma-separated ``key=value``)::

    5xx=P | 500=P | 502=P | 503=P | malformed=P | hang=P[:SECONDS] | burst429=P[:N]
    | token_expiry=SECONDS | seed=INT | only=ROUTE("|"ROUTE)*

``P`` is a probability per request; one seeded draw per request picks among the kinds (their sum
must be at most 1), so the same spec, seed and request order give the same faults.
``token_expiry=S`` makes every access token expire S seconds after it was issued (early expiry
mid-sync). ``only`` limits random faults to routes such as ``/v3/candidates``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

KINDS = ("500", "502", "503", "5xx", "malformed", "hang", "burst429")
FORCED = ("500", "502", "503", "429", "malformed", "hang")


@dataclass(frozen=True)
class Fault:
    """One fault for one request."""

    kind: str  # 500 | 502 | 503 | 429 | malformed | hang
    delay: float = 0.0


@dataclass
class FaultSpec:
    """A parsed fault configuration."""

    rates: dict[str, float] = field(default_factory=dict)
    hang_seconds: float = 30.0
    burst_length: int = 3
    token_expiry: float | None = None
    seed: int = 0
    only: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str | FaultSpec | dict[str, Any] | None) -> FaultSpec:
        """A spec from its string (or a dict of the same keys); None or "" = no faults."""
        if spec is None or spec == "":
            return cls()
        if isinstance(spec, FaultSpec):
            return spec
        if isinstance(spec, dict):
            spec = ",".join(f"{k}={v}" for k, v in spec.items())
        out = cls()
        for entry in (e.strip() for e in str(spec).split(",")):
            if not entry:
                continue
            key, sep, value = entry.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not sep:
                raise ValueError(f"fault entry {entry!r} is not key=value")
            try:
                if key == "seed":
                    out.seed = int(value)
                elif key == "only":
                    out.only = tuple(r.strip() for r in value.split("|") if r.strip())
                elif key == "token_expiry":
                    out.token_expiry = float(value)
                    if out.token_expiry <= 0:
                        raise ValueError("token_expiry must be positive")
                elif key in ("hang", "burst429"):
                    prob, _, extra = value.partition(":")
                    out.rates[key] = _prob(key, prob)
                    if extra and key == "hang":
                        out.hang_seconds = float(extra)
                    elif extra:
                        out.burst_length = int(extra)
                elif key in KINDS:
                    out.rates[key] = _prob(key, value)
                else:
                    raise ValueError(
                        f"unknown fault kind {key!r} (known: {', '.join(KINDS)}, token_expiry, seed, only)"
                    )
            except ValueError as exc:
                if "fault" in str(exc) or "token_expiry" in str(exc):
                    raise
                raise ValueError(f"bad value in fault entry {entry!r}") from None
        total = sum(out.rates.values())
        if total > 1 + 1e-9:
            raise ValueError(f"fault probabilities add up to {total:g} > 1")
        return out

    def __str__(self) -> str:
        parts = []
        for kind in KINDS:
            if kind in self.rates:
                extra = (
                    f":{self.hang_seconds:g}"
                    if kind == "hang"
                    else (f":{self.burst_length}" if kind == "burst429" else "")
                )
                parts.append(f"{kind}={self.rates[kind]:g}{extra}")
        if self.token_expiry is not None:
            parts.append(f"token_expiry={self.token_expiry:g}")
        if self.only:
            parts.append("only=" + "|".join(self.only))
        parts.append(f"seed={self.seed}")
        return ",".join(parts)


def _prob(key: str, value: str) -> float:
    p = float(value)
    if not 0 <= p <= 1:
        raise ValueError(f"fault probability {key}={value} is not within 0..1")
    return p


class FaultInjector:
    """Decides per request whether and how to fail it."""

    def __init__(self, spec: str | FaultSpec | None = None) -> None:
        self._lock = threading.Lock()
        self._forced: list[list[Any]] = []  # [route, skip, remaining, kind, delay]
        self._burst = 0
        self.set_spec(spec)

    def set_spec(self, spec: str | FaultSpec | None) -> FaultSpec:
        """Replace the random faults (re-seeded); forced faults stay queued."""
        parsed = FaultSpec.parse(spec)
        with self._lock:
            self.spec = parsed
            self._rng = random.Random(parsed.seed)
            self._burst = 0
        return parsed

    def fail_next(self, route: str, n: int = 1, kind: str = "500", delay: float | None = None, after: int = 0) -> None:
        """Fail ``n`` requests of ``route`` (e.g. ``/v3/candidates`` or ``*``) after skipping ``after``."""
        if kind not in FORCED:
            raise ValueError(f"unknown fault kind {kind!r} (known: {', '.join(FORCED)})")
        if n < 1 or after < 0:
            raise ValueError("n must be >= 1 and after >= 0")
        with self._lock:
            self._forced.append([route, after, n, kind, self.spec.hang_seconds if delay is None else delay])

    def clear(self) -> None:
        """Drop forced faults and a running burst."""
        with self._lock:
            self._forced.clear()
            self._burst = 0

    def decide(self, route: str) -> Fault | None:
        """The fault for this request, if any."""
        with self._lock:
            for entry in self._forced:
                if entry[0] in ("*", route):
                    if entry[1] > 0:
                        entry[1] -= 1
                        break
                    entry[2] -= 1
                    if entry[2] <= 0:
                        self._forced.remove(entry)
                    return Fault(entry[3], entry[4] if entry[3] == "hang" else 0.0)
            if self._burst > 0:
                self._burst -= 1
                return Fault("429")
            spec = self.spec
            if not spec.rates or (spec.only and route not in spec.only):
                return None
            u = self._rng.random()
            edge = 0.0
            for kind in KINDS:
                p = spec.rates.get(kind, 0.0)
                if p <= 0:
                    continue
                if u < edge + p:
                    if kind == "5xx":
                        return Fault(("500", "502", "503")[min(2, int((u - edge) / p * 3))])
                    if kind == "hang":
                        return Fault("hang", spec.hang_seconds)
                    if kind == "burst429":
                        self._burst = max(0, spec.burst_length - 1)
                        return Fault("429")
                    return Fault(kind)
                edge += p
            return None
