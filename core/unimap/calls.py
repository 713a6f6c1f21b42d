"""Vendor calls as plain values, shared by the transport, the hooks and the logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class VendorCall:
    """One request to a vendor API, before it is sent.

    ``method`` is the RPC method for JSON-RPC transports and the path for REST ones;
    ``params`` are the RPC params (without the session, which the transport injects) or
    the JSON body. Hooks may change ``params`` and ``headers`` in ``unimap_before_call``.
    """

    connector: str
    method: str
    params: Any = None
    http_method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    integration_id: str | None = None
    attempt: int = 1


@dataclass
class VendorResponse:
    """What a vendor answered to a :class:`VendorCall` (``data`` is the parsed result)."""

    status: int
    data: Any
    headers: dict[str, str] = field(default_factory=dict)
    url: str = ""
    elapsed: float = 0.0
