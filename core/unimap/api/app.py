"""The ASGI app (Starlette) under ``/v1``: Kombo's ATS lists and actions, passthrough, syncs, keys.

Handlers are thin: authenticate, pick the integration, check the input, then run the blocking
work (store reads, vendor calls) in the thread pool and wrap the result in Kombo's envelope.
Every response is rendered by orjson; a list page is one thread hand-off (key, integration and
page read together) whose records are spliced from their stored JSON text.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from unimap import ids
from unimap.errors import InputInvalid, IntegrationNotFound, SyncPending, UnimapError
from unimap.query import ListQuery
from unimap.webhooks.delivery import DeliveryLoop

from . import attachments, fields, integrations
from .auth import KeyStore, bearer_token
from .describe import integration_details, sync_status
from .errors import ApiError, OrjsonResponse, http_error_handler, unexpected_error_handler
from .handlers import (
    ApiState,
    Handler,
    authenticate,
    caller_integration,
    endpoint,
    json_body,
    ok,
    render,
    scoped,
    state_of,
)
from .limits import ConcurrencyLimiter, RateLimiter
from .listing import ENDPOINTS, parse_list_query
from .openapi import ACTION_PATHS, openapi_document
from .pagecache import PageCache, default_budget
from .scheduler import SyncScheduler


def _query(request: Request) -> dict[str, str]:
    """Query parameters; a repeated one is read as a comma list."""
    return {k: ",".join(request.query_params.getlist(k)) for k in request.query_params}


# -- ATS lists -------------------------------------------------------------------------------


def list_handler(model: str) -> Handler:
    """``GET /ats/<model>``: one page with Kombo's filters."""

    async def handler(request: Request) -> Response:
        state = state_of(request)
        query = _query(request)
        token = bearer_token(request.headers.get("authorization"))
        wanted_integration = request.headers.get("x-integration-id")

        def page() -> bytes:  # everything blocking in one thread hand-off
            # the generation first: everything read after it is at least as new as what it says
            generation = state.pages.generation(state.service.store) if state.pages.max_bytes else None
            integration = caller_integration(state, token, wanted_integration, generation)
            integration_id = integration.id
            connector = integration.connector
            if model not in state.service.engine.connector(connector).models:
                raise ApiError(
                    "INTEGRATION.MODEL_NOT_AVAILABLE",
                    f"the {connector} connector does not serve {model} records (GET {request.url.path})",
                    status=404,
                )
            wanted = parse_list_query(model, query, state.mapped(connector))
            key = (integration_id, model, tuple(sorted(query.items())), generation)
            if generation is not None and (cached := state.pages.get(key)) is not None:
                return cached
            if not state.service.store.has_finished_sync(integration_id):
                raise SyncPending(
                    f"the first sync of {integration_id} has not finished yet; poll "
                    f"GET /v1/integrations/{integration_id} or wait and retry"
                )
            if wanted.empty:  # still refuse values that would be invalid
                ListQuery(model, filters={k: wanted.kwargs[k] for k in wanted.unsupported}).conditions(integration_id)
                return render({"next": None, "results": []})
            result = state.service.list_fragments(model, integration, **wanted.kwargs)
            body = render({"next": result.next, "results": result.results})
            if generation is not None:
                state.pages.put(key, body)
            return body

        return Response(await run_in_threadpool(page), media_type="application/json")

    handler.__name__ = f"list_{model}"
    return endpoint(handler)


# -- ATS actions -----------------------------------------------------------------------------


def action_handler(action: str, id_param: str | None) -> Handler:
    """``POST`` of a write action; the path id (if any) goes into the action input."""

    async def handler(request: Request) -> Response:
        state, integration_id = await scoped(request)
        payload = await json_body(request)
        if id_param:
            payload[id_param] = request.path_params[id_param]
        with state.concurrency.slot(integration_id) as left:
            result = await run_in_threadpool(state.service.action, action, payload, integration_id)
        return ok(result.data, warnings=list(result.warnings), headers={"Concurrency-Remaining": str(left)})

    handler.__name__ = action
    return endpoint(handler)


# -- general endpoints --------------------------------------------------------------------------


_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _passthrough_api(specs: Any) -> str:
    """The ``api`` id of a connector's passthrough (``passthrough.api``, else by transport)."""
    declared = (specs.data.get("passthrough") or {}).get("api")
    return str(declared or ("json-rpc" if specs.transport == "jsonrpc" else "rest"))


def _passthrough_path(body: dict[str, Any]) -> str:
    path = body.get("path")
    if not isinstance(path, str):
        raise InputInvalid("path: a string is required, e.g. /jservice.php or /v3/candidates", fields=["path"])
    if "://" in path or path.startswith("//"):
        raise InputInvalid("path: give a path on the integration's own host, not a URL", fields=["path"])
    return path


@endpoint
async def passthrough(request: Request) -> Response:
    """``POST /passthrough/{tool}/{api}``: a raw vendor request with the stored auth.

    JSON-RPC connectors take the JSON-RPC request in ``data`` and forward it as sent (the
    session is inserted into its params); REST connectors send ``method`` on ``path`` with
    ``params`` as the query and ``data`` as the JSON body.
    """
    state, integration_id = await scoped(request)
    body = await json_body(request)
    tool, api = request.path_params["tool"], request.path_params["api"]
    connector = (await run_in_threadpool(state.service.store.integration, integration_id)).connector
    specs = state.service.engine.connector(connector)
    expected = _passthrough_api(specs)
    if tool != connector or api != expected:
        raise InputInvalid(
            f"passthrough API {tool}/{api} is not available for this integration (use {connector}/{expected})",
            fields=["tool", "api"],
        )
    method, path, data = body.get("method"), _passthrough_path(body), body.get("data")
    if specs.transport == "jsonrpc":
        if method != "POST":
            raise InputInvalid("method: JSON-RPC calls are POSTs", fields=["method"])
        if not isinstance(data, dict) or not isinstance(data.get("method"), str) or not data["method"]:
            raise InputInvalid("data: the JSON-RPC request {method, params} is required", fields=["data.method"])
        params = data.get("params", [])
        if not isinstance(params, list):
            raise InputInvalid(
                "data.params: a JSON array is required (the session is inserted as params[0])", fields=["data.params"]
            )
        result = await run_in_threadpool(
            partial(
                state.service.passthrough,
                data["method"],
                params,
                integration_id,
                path=path if path.strip("/") else None,
                body=data,
            )
        )
        return ok(result, warnings=[])
    if method not in _HTTP_METHODS:
        raise InputInvalid(f"method: one of {', '.join(_HTTP_METHODS)} is required", fields=["method"])
    query = body.get("params") or {}
    if not isinstance(query, dict) or not all(isinstance(v, str | int | float | bool) for v in query.values()):
        raise InputInvalid("params: an object of query parameters is required", fields=["params"])
    result = await run_in_threadpool(
        partial(
            state.service.passthrough,
            path,
            None,
            integration_id,
            path=path,
            http_method=method,
            body=data,
            query=dict(query),
        )
    )
    return ok(result, warnings=[])


@endpoint
async def force_sync(request: Request) -> Response:
    """``POST /force-sync``: start a sync of the integration unless one is running."""
    state, integration_id = await scoped(request)
    body = await json_body(request, required=False)
    kind = str(body.get("type") or "FULL")
    if kind not in ("FULL", "DELTA"):
        raise InputInvalid(f"type: {kind!r} is not FULL or DELTA", fields=["type"])
    job, already = await run_in_threadpool(
        state.scheduler.request, integration_id, kind.lower(), reason="force-sync", wait_started=10.0
    )
    if job.sync_id is None and job.done.is_set():
        raise UnimapError(f"the sync could not start: {job.error}")
    return ok({"already_queued": already, "sync_id": str(job.sync_id or "pending"), "type": job.type})


@endpoint
async def check_api_key(request: Request) -> Response:
    """``GET /check-api-key``."""
    await authenticate(request)
    return ok({"environment_id": state_of(request).environment_id})


@endpoint
async def get_integration(request: Request) -> Response:
    """``GET /integrations/{integration_id}``: Kombo's integration object plus sync status."""
    state = state_of(request)
    key = await authenticate(request)
    integration_id = request.path_params["integration_id"]
    if not key.grants(integration_id):
        raise IntegrationNotFound(f"no integration {integration_id!r} for this API key")
    try:
        data = await run_in_threadpool(integration_details, state.service, state.scheduler, integration_id)
    except IntegrationNotFound:
        raise IntegrationNotFound(f"no integration {integration_id!r} for this API key") from None
    return ok(data)


@endpoint
async def list_syncs(request: Request) -> Response:
    """``GET /syncs``: the integration's latest syncs and the running one (unimap extension)."""
    state, integration_id = await scoped(request)
    raw = request.query_params.get("limit") or "10"
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise InputInvalid("limit must be an integer from 1 to 100", fields=["limit"])
    data = await run_in_threadpool(sync_status, state.service, state.scheduler, integration_id, int(raw))
    return ok(data)


async def openapi(request: Request) -> Response:
    """``GET /openapi.json`` (no key needed)."""
    return OrjsonResponse(openapi_document())


# -- the app ------------------------------------------------------------------------------------


def routes() -> list[Route]:
    """Every route below ``/v1``."""
    out = [Route(f"/ats/{segment}", list_handler(model), methods=["GET"]) for segment, model in ENDPOINTS.items()]
    out += [
        Route(path, action_handler(action, id_param), methods=[method])
        for action, (method, path, id_param) in ACTION_PATHS.items()
    ]
    out += [
        Route("/passthrough/{tool}/{api}", passthrough, methods=["POST"]),
        Route("/force-sync", force_sync, methods=["POST"]),
        Route("/check-api-key", check_api_key, methods=["GET"]),
        Route("/integrations/{integration_id}", get_integration, methods=["GET"]),
        Route("/syncs", list_syncs, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
    from .webhooks import webhook_routes  # webhook subscriptions and vendor webhooks in (imports this module)

    out += webhook_routes()
    for module in (attachments, fields, integrations):  # each registers its own routes
        out += module.routes()
    return out


def environment_id(store: Any) -> str:
    """A stable id of this store (what ``check-api-key`` reports)."""
    path = getattr(store, "path", ":memory:")
    where = path if path == ":memory:" else os.path.abspath(path)
    return ids.unified_id("unimap", "environment", where)


def create_app(
    service: Any = None,
    *,
    delta_every: float = 300,
    full_every: float = 86400,
    rate_limit: int = 0,
    max_concurrent_actions: int = 30,
    scheduler_tick: float = 1.0,
    sync_options: dict[str, Any] | None = None,
    webhook_tick: float = 1.0,
    shared: bool = False,
    page_cache_mb: float | None = None,
) -> Starlette:
    """The ASGI app over ``service`` (a :class:`~unimap.service.Unimap`, or a store URL to open one).

    The sync schedule and the webhook delivery loop (every ``webhook_tick`` s; 0 = off) start and
    stop with the app's lifespan; ``shared``: other processes serve the same store (``unimap serve
    --workers N``), so they take turns running the schedule. ``page_cache_mb`` bounds the rendered
    list pages kept until the store changes (default ``UNIMAP_PAGE_CACHE_MB`` or 32; 0 = off).
    """
    owns = not hasattr(service, "store")
    if owns:
        from unimap.service import Unimap

        service = Unimap(service)
    scheduler = SyncScheduler(
        service,
        delta_every=delta_every,
        full_every=full_every,
        tick=scheduler_tick,
        sync_options=sync_options,
        shared=shared,
    )
    state = ApiState(
        service,
        KeyStore(service.store),
        scheduler,
        RateLimiter(rate_limit),
        ConcurrencyLimiter(max_concurrent_actions),
        environment_id(service.store),
        owns,
        PageCache(default_budget() if page_cache_mb is None else max(0, int(page_cache_mb * 2**20))),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        scheduler.start()
        deliveries = DeliveryLoop(service.store, webhook_tick).start() if webhook_tick > 0 else None
        try:
            yield
        finally:
            if deliveries is not None:
                await run_in_threadpool(deliveries.stop)
            await run_in_threadpool(scheduler.stop)
            if state.owns_service:
                service.close()

    app = Starlette(
        routes=[Mount("/v1", routes=routes())],
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error_handler, Exception: unexpected_error_handler},
    )
    app.state.api = state
    return app


__all__ = ["ApiError", "ApiState", "create_app"]
