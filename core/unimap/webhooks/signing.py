"""The signature of outgoing webhooks: ``X-Unimap-Signature: t=<unix seconds>,v1=<hex>``.

``v1`` is HMAC-SHA256 with the subscription's secret over ``"<t>.<raw body>"``. A receiver
recomputes it, compares in constant time and refuses a ``t`` too far from its clock (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Unimap-Signature"
TOLERANCE = 300.0  # seconds a receiver accepts between ``t`` and its clock


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``X-Unimap-Signature`` value for ``body`` (``timestamp``: now by default)."""
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={stamp},v1={_mac(secret, stamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None, tolerance: float = TOLERANCE) -> bool:
    """Whether ``header`` is a valid signature of ``body`` made within ``tolerance`` seconds of ``now``."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance:
        return False
    return hmac.compare_digest(given, _mac(secret, int(stamp), body))
