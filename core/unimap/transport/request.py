"""The vendor-agnostic request and response values every transport, auth and paginator share."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

__all__ = ["UNSET", "Request", "Response", "Unset"]


class Unset:
    """The type of :data:`UNSET`: "no JSON body" (``None`` is a JSON ``null``)."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> Unset:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Unset:
        return self


UNSET: Final = Unset()


@dataclass
class Request:
    """One vendor request before auth, rate limiting and retries are applied.

    ``method`` is the HTTP method (REST) or the RPC method (JSON-RPC). ``path`` is joined to the
    transport's ``base_url`` or, when absolute, followed as given (own scheme and host only).
    ``write`` marks a call that changes vendor data: when its outcome is unknown it is never repeated.
    """

    method: str
    path: str = ""
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = UNSET
    form: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    params: list[Any] | None = None
    write: bool = False
    label: str = ""
    #: spec error rules of this request (checked before the connector's)
    errors: list[Any] = field(default_factory=list)
    #: accept a body that is not JSON (returned as text) instead of treating it as garbled
    allow_text: bool = False

    def replace(self, **changes: Any) -> Request:
        """A copy with ``changes`` (dicts copied, so the copy can be edited safely)."""
        copied = dataclasses.replace(
            self,
            query=dict(self.query),
            headers=dict(self.headers),
            form=dict(self.form) if self.form is not None else None,
            params=list(self.params) if self.params is not None else None,
        )
        return dataclasses.replace(copied, **changes) if changes else copied

    @property
    def name(self) -> str:
        """The label, or ``METHOD path`` / the RPC method when there is none."""
        if self.label:
            return self.label
        return f"{self.method} {self.path}".strip() if self.path else self.method


@dataclass
class Response:
    """A vendor response: status, headers, the parsed body (JSON-RPC: the ``result``) and the URL."""

    status: int
    headers: httpx.Headers
    body: Any
    url: str
    content: bytes = b""
    #: the request this answers, as the caller built it (before auth: no secrets in it)
    request: Request | None = field(default=None, repr=False, compare=False)

    def view(self) -> dict[str, Any]:
        """What response expressions see: ``{body, headers (lower-case names), status}``."""
        return {"body": self.body, "headers": {k.lower(): v for k, v in self.headers.items()}, "status": self.status}
