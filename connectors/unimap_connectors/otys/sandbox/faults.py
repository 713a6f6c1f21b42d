"""Seeded, reproducible fault injection.

Spec grammar (comma-separated ``key=value``; see docs/otys-sandbox.md)::

    spec    := entry ("," entry)*
    entry   := "5xx=" P | "500=" P | "502=" P | "503=" P | "error=" P | "malformed=" P
             | "hang=" P [":" SECONDS] | "burst429=" P [":" N] | "upload=" P
             | "seed=" INT | "only=" METHOD ("|" METHOD)*

``P`` is a probability per request. One random draw per request decides among the
per-request kinds (their probabilities must add up to at most 1); uploads get a second draw for
``upload``. The same spec, seed and request order give the same faults.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from .stats import Stats

#: per-request kinds in the order their probability intervals are laid out
RANDOM_KINDS = ("500", "502", "503", "5xx", "error", "malformed", "hang", "burst429")
#: kinds accepted by ``fail_next``
FORCED_KINDS = ("500", "502", "503", "429", "error", "malformed", "hang")


@dataclass(frozen=True)
class Fault:
    """One fault to apply to one request."""

    kind: str  # "500" | "502" | "503" | "429" | "error" | "malformed" | "hang" | "upload"
    delay: float = 0.0

    @property
    def status(self) -> int | None:
        """HTTP status this fault answers with (None: the request goes on)."""
        if self.kind in ("500", "502", "503", "429"):
            return int(self.kind)
        if self.kind == "upload":
            return 500
        return None


@dataclass
class FaultSpec:
    """Parsed fault configuration."""

    rates: dict[str, float] = field(default_factory=dict)
    upload: float = 0.0
    hang_seconds: float | None = None
    burst_length: int | None = None
    seed: int = 0
    only: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str | FaultSpec | dict[str, Any] | None) -> FaultSpec:
        """A spec from its string (or dict of the same keys); ``None``/"" = no faults."""
        if spec is None or spec == "":
            return cls()
        if isinstance(spec, FaultSpec):
            return spec
        if isinstance(spec, dict):
            spec = ",".join(f"{k}={v}" for k, v in spec.items())
        out = cls()
        for raw in str(spec).split(","):
            entry = raw.strip()
            if not entry:
                continue
            key, sep, value = entry.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not sep:
                raise ValueError(f"fault spec entry {entry!r} is not key=value")
            if key == "seed":
                out.seed = int(value)
            elif key == "only":
                out.only = tuple(m.strip() for m in value.split("|") if m.strip())
            elif key == "upload":
                out.upload = _prob(key, value)
            elif key in ("hang", "burst429"):
                prob, _, extra = value.partition(":")
                out.rates[key] = _prob(key, prob)
                if extra:
                    if key == "hang":
                        out.hang_seconds = float(extra)
                    else:
                        out.burst_length = int(extra)
            elif key in RANDOM_KINDS:
                out.rates[key] = _prob(key, value)
            else:
                raise ValueError(f"unknown fault kind {key!r} (known: {', '.join((*RANDOM_KINDS, 'upload'))})")
        total = sum(out.rates.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault probabilities add up to {total:g} > 1")
        return out

    def __str__(self) -> str:
        parts = []
        for kind in RANDOM_KINDS:
            if kind in self.rates:
                text = f"{kind}={self.rates[kind]:g}"
                if kind == "hang" and self.hang_seconds is not None:
                    text += f":{self.hang_seconds:g}"
                if kind == "burst429" and self.burst_length is not None:
                    text += f":{self.burst_length}"
                parts.append(text)
        if self.upload:
            parts.append(f"upload={self.upload:g}")
        if self.only:
            parts.append("only=" + "|".join(self.only))
        parts.append(f"seed={self.seed}")
        return ",".join(parts)


def _prob(key: str, value: str) -> float:
    p = float(value)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"fault probability {key}={value} is not within 0..1")
    return p


def method_matches(pattern: str, method: str) -> bool:
    """``pattern`` names ``method`` in full, by suffix, or as ``fileService`` for uploads."""
    if pattern in ("fileService", "fileService.php"):
        return method == "fileService.php"
    return method == pattern or method.endswith("." + pattern)


class FaultInjector:
    """Decides, per request, whether and how to fail it."""

    def __init__(self, spec: str | FaultSpec | None, *, hang_seconds: float, burst_length: int, stats: Stats) -> None:
        self.default_hang = hang_seconds
        self.default_burst = burst_length
        self.stats = stats
        self._lock = threading.Lock()
        self._forced: list[list[Any]] = []  # [pattern, remaining, kind, delay]
        self._burst = 0
        self.set_spec(spec)

    def set_spec(self, spec: str | FaultSpec | None) -> FaultSpec:
        """Replace the random faults (re-seeding them); forced faults stay queued."""
        parsed = FaultSpec.parse(spec)
        with self._lock:
            self.spec = parsed
            self._rng = random.Random(parsed.seed)
            self._burst = 0
        return parsed

    def fail_next(self, method: str, n: int = 1, kind: str = "500", delay: float | None = None) -> None:
        """Make the next ``n`` requests of ``method`` fail with ``kind``."""
        kind = str(kind)
        if kind not in FORCED_KINDS:
            raise ValueError(f"unknown fault kind {kind!r} (known: {', '.join(FORCED_KINDS)})")
        if n < 1:
            raise ValueError("n must be at least 1")
        with self._lock:
            self._forced.append([method, n, kind, self.default_hang if delay is None else delay])

    def clear(self) -> None:
        """Drop queued forced faults and any running burst."""
        with self._lock:
            self._forced.clear()
            self._burst = 0

    def _take_forced(self, method: str) -> Fault | None:
        for entry in self._forced:
            if method_matches(entry[0], method):
                entry[1] -= 1
                if entry[1] <= 0:
                    self._forced.remove(entry)
                return Fault(entry[2], entry[3] if entry[2] == "hang" else 0.0)
        return None

    def decide(self, method: str, *, upload: bool = False) -> Fault | None:
        """The fault for this request, if any (counted in ``stats.faults``)."""
        fault = self._decide(method, upload)
        if fault is not None:
            self.stats.bump("faults", fault.kind)
        return fault

    def _decide(self, method: str, upload: bool) -> Fault | None:
        with self._lock:
            forced = self._take_forced(method)
            if forced is not None:
                return forced
            if self._burst > 0:
                self._burst -= 1
                return Fault("429")
            spec = self.spec
            if upload and spec.upload > 0 and self._rng.random() < spec.upload:
                return Fault("upload")
            if not spec.rates:
                return None
            if spec.only and not any(method_matches(p, method) for p in spec.only):
                return None
            u = self._rng.random()
            edge = 0.0
            for kind in RANDOM_KINDS:
                p = spec.rates.get(kind, 0.0)
                if p <= 0:
                    continue
                if u < edge + p:
                    if kind == "5xx":
                        return Fault(("500", "502", "503")[min(2, int((u - edge) / p * 3))])
                    if kind == "hang":
                        return Fault("hang", spec.hang_seconds if spec.hang_seconds is not None else self.default_hang)
                    if kind == "burst429":
                        length = spec.burst_length if spec.burst_length is not None else self.default_burst
                        self._burst = max(0, length - 1)
                        return Fault("429")
                    return Fault(kind)
                edge += p
            return None

    def forced_inner(self, method: str) -> Fault | None:
        """A queued forced fault for an inner (MultiService/wrapRequest) call, counted."""
        with self._lock:
            fault = self._take_forced(method)
        if fault is not None:
            self.stats.bump("faults", fault.kind)
        return fault
