"""Custom-field definitions and integration fields (Kombo's general endpoints), paged; PATCH switches one.

``/integrations/{id}/…`` take the integration from the path (the key must grant it); the short
``/custom-fields`` and ``/integration-fields`` take it from ``X-Integration-Id``. What the lists
hold and what a switch changes: :mod:`unimap.fieldcatalogue`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from unimap.errors import InputInvalid, IntegrationNotFound
from unimap.fieldcatalogue import custom_field_definitions, integration_fields, set_passthrough

from .handlers import authenticate, endpoint, json_body, ok, scoped, state_of

MAX_PAGE = 250
QUERY = ("cursor", "page_size")


async def _integration(request: Request) -> tuple[Any, str]:
    """The app state and the integration: the path's (granted to the key) or ``X-Integration-Id``'s."""

    if "integration_id" not in request.path_params:
        return await scoped(request)
    key = await authenticate(request)
    integration_id = request.path_params["integration_id"]
    state = state_of(request)
    if not key.grants(integration_id):
        raise IntegrationNotFound(f"no integration {integration_id!r} for this API key")
    await run_in_threadpool(state.service.store.integration, integration_id)
    return state, integration_id


def _page(request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of ``items`` (``cursor`` is the offset, ``page_size`` at most 250); other parameters are refused."""
    unknown = sorted(k for k in request.query_params if k not in QUERY)
    if unknown:
        raise InputInvalid(
            f"unknown query parameter(s) {', '.join(unknown)} for this endpoint (known: {', '.join(QUERY)})",
            fields=unknown,
        )
    size_text = request.query_params.get("page_size") or "100"
    if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE:
        raise InputInvalid(f"page_size must be an integer from 1 to {MAX_PAGE}", fields=["page_size"])
    cursor = request.query_params.get("cursor") or "0"
    if not cursor.isdigit():
        raise InputInvalid("cursor: use the `next` of the previous page", fields=["cursor"])
    start, size = int(cursor), int(size_text)
    chunk = items[start : start + size]
    return {"results": chunk, "next": str(start + size) if start + size < len(items) else None}


def list_handler(read: Callable[[Any, str], list[dict[str, Any]]], name: str) -> Any:
    """A paged list of ``read(service, integration_id)``."""

    async def handler(request: Request) -> Response:

        state, integration_id = await _integration(request)
        items = await run_in_threadpool(read, state.service, integration_id)
        return ok(_page(request, items))

    handler.__name__ = name
    return handler


async def patch_integration_field(request: Request) -> Response:
    """``PATCH …/integration-fields/{integration_field_id}`` with ``{enable_passthrough}``."""

    state, integration_id = await _integration(request)
    body = await json_body(request)
    enabled = body.get("enable_passthrough")
    if enabled is None:  # Kombo's "leave as it is"
        found = await run_in_threadpool(integration_fields, state.service, integration_id)
        wanted = [f for f in found if f["id"] == request.path_params["integration_field_id"]]
        if not wanted:
            raise InputInvalid("integration_field_id: no such integration field", fields=["integration_field_id"])
        return ok(wanted[0])
    if not isinstance(enabled, bool):
        raise InputInvalid("enable_passthrough: true, false or null", fields=["enable_passthrough"])
    field = await run_in_threadpool(
        set_passthrough, state.service, integration_id, request.path_params["integration_field_id"], enabled
    )
    return ok(field)


def routes() -> list[Route]:
    """The routes of this module (below ``/v1``)."""

    custom = endpoint(list_handler(custom_field_definitions, "list_custom_fields"))
    fields = endpoint(list_handler(integration_fields, "list_integration_fields"))
    patch = endpoint(patch_integration_field)
    return [
        Route("/custom-fields", custom, methods=["GET"]),
        Route("/integrations/{integration_id}/custom-fields", custom, methods=["GET"]),
        Route("/integration-fields", fields, methods=["GET"]),
        Route("/integrations/{integration_id}/integration-fields", fields, methods=["GET"]),
        Route("/integrations/{integration_id}/integration-fields/{integration_field_id}", patch, methods=["PATCH"]),
    ]
