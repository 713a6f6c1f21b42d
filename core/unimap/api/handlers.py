"""What every handler shares: the app state, Kombo's success envelope, keys, scoping and JSON bodies.

The route modules (``app``, ``attachments``, ``fields``, ``integrations``, ``webhooks``) build on
these; this module imports none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from unimap.errors import InputInvalid, UnimapError
from unimap.jsoninput import parse_json

from .auth import ApiKey, KeyStore, bearer_token, granted_integration, hash_key
from .errors import ApiError, OrjsonResponse, error_response, unexpected_error_handler
from .limits import ConcurrencyLimiter, RateLimiter
from .listing import mapped_fields
from .pagecache import PageCache, default_budget
from .scheduler import SyncScheduler

__all__ = [
    "MAX_BODY",
    "ApiState",
    "Handler",
    "authenticate",
    "caller_integration",
    "endpoint",
    "json_body",
    "ok",
    "render",
    "scoped",
    "state_of",
]

log = logging.getLogger("unimap.api")
MAX_BODY = 64 * 1024 * 1024
MAX_GRANTS = 10_000
Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class ApiState:
    """Everything the handlers share: the service, keys, scheduler, limits and the page cache."""

    service: Any
    keys: KeyStore
    scheduler: SyncScheduler
    rate: RateLimiter
    concurrency: ConcurrencyLimiter
    environment_id: str
    owns_service: bool = False
    pages: PageCache = field(default_factory=lambda: PageCache(default_budget()))
    #: (key hash, integration id) → (store generation, key, integration): grants seen at that generation
    grants: dict[tuple[str, str | None], tuple[Hashable, ApiKey, Any]] = field(default_factory=dict)
    _mapped: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    def mapped(self, connector: str) -> dict[str, set[str]]:
        """Fields the connector maps, per model (cached)."""
        if connector not in self._mapped:
            self._mapped[connector] = mapped_fields(self.service.engine.connector(connector))
        return self._mapped[connector]


def state_of(request: Request) -> ApiState:
    """The shared state of the app serving ``request``."""
    return request.app.state.api


def ok(data: Any, *, warnings: list[str] | None = None, headers: dict[str, str] | None = None) -> OrjsonResponse:
    """Kombo's success envelope (``warnings`` only where the endpoint has them)."""
    body: dict[str, Any] = {"status": "success", "data": data}
    if warnings is not None:
        body["warnings"] = [{"message": w} for w in warnings]
    return OrjsonResponse(body, headers=headers)


def render(data: Any) -> bytes:
    """A success envelope as JSON bytes (records may be ``orjson.Fragment``: copied as they are)."""
    return orjson.dumps({"status": "success", "data": data}, option=orjson.OPT_NON_STR_KEYS)


def endpoint(handler: Handler) -> Handler:
    """Turn every error of a handler into Kombo's JSON envelope."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except UnimapError as exc:
            return error_response(request, exc)
        except HTTPException:
            raise
        except Exception as exc:
            return await unexpected_error_handler(request, exc)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


async def authenticate(request: Request) -> ApiKey:
    """The caller's key (401 otherwise), counted against the rate limit."""
    state = state_of(request)
    token = bearer_token(request.headers.get("authorization"))
    key = await run_in_threadpool(state.keys.verify, token)
    state.rate.check(key.id)
    return key


def caller_integration(state: ApiState, token: str, integration_id: str | None, generation: Hashable = None) -> Any:
    """The integration a caller's key selected (blocking: the key and integration are read from the store).

    Given the store's ``generation`` (read before this call), a grant found is remembered until the
    generation moves: no key, revocation or integration changed meanwhile, so it still holds.
    """
    remembered = state.grants.get((hash_key(token), integration_id)) if generation is not None else None
    if remembered is not None and remembered[0] == generation:
        state.rate.check(remembered[1].id)
        return remembered[2]
    key = state.keys.verify(token)
    state.rate.check(key.id)
    integration = granted_integration(key, integration_id, state.service.store)
    if generation is not None:
        if len(state.grants) >= MAX_GRANTS:
            state.grants.clear()
        state.grants[(hash_key(token), integration_id)] = (generation, key, integration)
    return integration


async def scoped(request: Request) -> tuple[ApiState, str]:
    """The app state and the integration the caller's key selected (the preamble of ATS endpoints; one hand-off)."""
    state = state_of(request)
    token = bearer_token(request.headers.get("authorization"))
    chosen = await run_in_threadpool(caller_integration, state, token, request.headers.get("x-integration-id"))
    return state, str(chosen.id)


async def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object body."""
    declared = request.headers.get("content-length") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        if required:
            raise InputInvalid("a JSON request body is required", fields=["(body)"])
        return {}
    return parse_json(raw, "(body)", expect=dict)


def _too_large() -> ApiError:
    return ApiError("PLATFORM.INPUT_INVALID", f"the request body is larger than {MAX_BODY // 2**20} MiB", status=413)
