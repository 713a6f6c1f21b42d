"""``DELETE /integrations/{integration_id}``: remove an integration, its data, grants and queued syncs."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from unimap.errors import IntegrationNotFound
from unimap.removal import SyncStillRunning, remove_integration

from .errors import ApiError
from .handlers import authenticate, endpoint, ok, state_of


async def delete_integration(request: Request) -> Response:
    """Delete the integration (Kombo answers ``data: {}``); a sync that does not stop in time is a 409."""

    state = state_of(request)
    key = await authenticate(request)
    integration_id = request.path_params["integration_id"]
    if not key.grants(integration_id):
        raise IntegrationNotFound(f"no integration {integration_id!r} for this API key")
    try:
        await run_in_threadpool(remove_integration, state.service, integration_id, scheduler=state.scheduler)
    except SyncStillRunning as exc:
        raise ApiError(None, exc.message, status=409) from None
    return ok({})


def routes() -> list[Route]:
    """The routes of this module (below ``/v1``)."""

    return [Route("/integrations/{integration_id}", endpoint(delete_integration), methods=["DELETE"])]
