"""Internal control-flow signals between transports, auth and the client's retry loop."""

from __future__ import annotations

__all__ = ["Relogin", "Retry"]


class Retry(Exception):
    """The attempt failed transiently. ``sent``: the vendor may have run the call (a write is then not repeated).

    ``kind`` is ``timeout``, ``connection``, ``malformed``, ``status`` or ``rule``.
    """

    def __init__(self, reason: str, wait: float | None = None, *, sent: bool = True, kind: str = "status") -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.sent = sent
        self.kind = kind


class Relogin(Exception):
    """The vendor refused the credential used (session expired, token revoked): refresh it and try again."""

    def __init__(self, reason: str = "refused") -> None:
        super().__init__(reason)
        self.reason = reason
