"""Webhook endpoints (unimap extensions): subscriptions to ``data-changed`` events, and vendor webhooks in.

- ``POST /webhooks`` ``{url, integration_id?}`` registers a receiver and answers its secret, once;
  ``GET /webhooks`` lists the caller's; ``DELETE /webhooks/{id}`` removes one;
  ``GET /webhooks/{id}/deliveries`` is its delivery log. A subscription for one integration needs
  a key granted that integration; one for every integration needs an all-integrations key.
- ``POST /integrations/{id}/vendor-webhooks`` takes the vendor's own webhook: no API key, but the
  connector's signature scheme must verify with the integration's inbound secret; the event's
  models are then delta-synced through the scheduler (right away, or after the running sync).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from unimap.errors import InputInvalid, IntegrationNotFound
from unimap.webhooks.inbound import decode_body, inbound_spec
from unimap.webhooks.policy import UrlPolicy
from unimap.webhooks.store import Subscription, WebhookStore

from .auth import ALL_INTEGRATIONS, ApiKey
from .errors import ApiError
from .handlers import authenticate, endpoint, json_body, ok, state_of

MAX_VENDOR_BODY = 1024 * 1024


def _visible(key: ApiKey, sub: Subscription) -> bool:
    if sub.integration_id is None:
        return ALL_INTEGRATIONS in key.integrations
    return key.grants(sub.integration_id)


def _not_found(sub_id: str) -> ApiError:
    return ApiError("PLATFORM.INPUT_INVALID", f"no webhook subscription {sub_id!r} for this API key", status=404)


@endpoint
async def create_webhook(request: Request) -> Response:
    """``POST /webhooks``: subscribe ``url`` to ``data-changed`` events (of ``integration_id``, else all)."""
    state = state_of(request)
    key = await authenticate(request)
    body = await json_body(request)
    url, integration_id = body.get("url"), body.get("integration_id")
    if not isinstance(url, str) or not url:
        raise InputInvalid("url: the receiver's http(s) URL is required", fields=["url"])
    if integration_id is not None and not isinstance(integration_id, str):
        raise InputInvalid("integration_id: a string or null is required", fields=["integration_id"])
    if integration_id is None and ALL_INTEGRATIONS not in key.integrations:
        raise InputInvalid(
            "integration_id: give the integration to subscribe to (only an all-integrations key may subscribe to all)",
            fields=["integration_id"],
        )
    if integration_id is not None and not key.grants(integration_id):
        raise IntegrationNotFound(f"no integration {integration_id!r} for this API key")

    def add() -> dict[str, Any]:
        UrlPolicy.from_env().check(url)
        sub, secret = WebhookStore(state.service.store).add(url, integration_id)
        return {**sub.public(), "secret": secret}

    return ok(await run_in_threadpool(add))


@endpoint
async def list_webhooks(request: Request) -> Response:
    """``GET /webhooks``: the subscriptions the caller's key reaches (never their secrets)."""
    state = state_of(request)
    key = await authenticate(request)
    subs = await run_in_threadpool(WebhookStore(state.service.store).subscriptions)
    return ok({"results": [s.public() for s in subs if _visible(key, s)]})


async def _own(request: Request) -> tuple[WebhookStore, Subscription]:
    state = state_of(request)
    key = await authenticate(request)
    hooks = WebhookStore(state.service.store)
    sub_id = request.path_params["webhook_id"]
    subs = await run_in_threadpool(hooks.subscriptions)
    found = next((s for s in subs if s.id == sub_id and _visible(key, s)), None)
    if found is None:
        raise _not_found(sub_id)
    return hooks, found


@endpoint
async def delete_webhook(request: Request) -> Response:
    """``DELETE /webhooks/{webhook_id}``: remove a subscription (its pending events are cancelled)."""
    hooks, sub = await _own(request)
    await run_in_threadpool(hooks.remove, sub.id)
    return ok({})


@endpoint
async def webhook_deliveries(request: Request) -> Response:
    """``GET /webhooks/{webhook_id}/deliveries``: the latest deliveries with their attempts."""
    hooks, sub = await _own(request)
    raw = request.query_params.get("limit") or "50"
    if not raw.isdigit() or not 1 <= int(raw) <= 500:
        raise InputInvalid("limit must be an integer from 1 to 500", fields=["limit"])
    found = await run_in_threadpool(lambda: hooks.deliveries(subscription_id=sub.id, limit=int(raw)))
    return ok({"results": [d.public() for d in found]})


# -- vendor webhooks in ------------------------------------------------------------------------------


class Refresher:
    """Delta syncs asked for by vendor webhooks: now, or once more after the sync that is running."""

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler
        self._pending: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def request(self, integration_id: str, models: list[str]) -> str:
        """``started`` (a sync of ``models`` began) or ``queued`` (it runs after the current one)."""
        job, already = self.scheduler.request(integration_id, "delta", reason="vendor-webhook", models=models)
        if not already:
            return "started"
        if type(self.scheduler).__name__ == "QueueScheduler":  # a queued job runs after the running one
            return "queued"
        with self._lock:
            first = integration_id not in self._pending
            self._pending.setdefault(integration_id, set()).update(models)
        if first:  # the running sync may have passed these models already: run again when it ends
            threading.Thread(target=self._after, args=(integration_id, job), daemon=True).start()
        return "queued"

    def _after(self, integration_id: str, job: Any) -> None:
        job.done.wait(3600)
        with self._lock:
            models = sorted(self._pending.pop(integration_id, set()))
        if models:
            self.request(integration_id, models)


_REFRESHERS: weakref.WeakKeyDictionary[Any, Refresher] = weakref.WeakKeyDictionary()
_REFRESHERS_LOCK = threading.Lock()


def refresher(scheduler: Any) -> Refresher:
    """The one :class:`Refresher` of ``scheduler``."""
    with _REFRESHERS_LOCK:
        if scheduler not in _REFRESHERS:
            _REFRESHERS[scheduler] = Refresher(scheduler)
        return _REFRESHERS[scheduler]


def _unverified() -> ApiError:
    return ApiError("PLATFORM.AUTHENTICATION_INVALID", "the webhook's signature does not verify for this integration")


@endpoint
async def vendor_webhook(request: Request) -> Response:
    """``POST /integrations/{integration_id}/vendor-webhooks``: a verified vendor webhook starts a delta sync."""
    state = state_of(request)
    integration_id = request.path_params["integration_id"]
    body = await request.body()
    if len(body) > MAX_VENDOR_BODY:
        raise ApiError("PLATFORM.INPUT_INVALID", "the webhook body is larger than 1 MiB", status=413)
    headers = {k.lower(): v for k, v in request.headers.items()}
    query = dict(request.query_params)

    def verify() -> tuple[str | None, list[str]]:
        service = state.service
        try:
            integration = service.store.integration(integration_id)
        except IntegrationNotFound:
            raise _unverified() from None  # the same answer as a bad signature: ids are not probed
        spec = inbound_spec(service.engine, integration.connector)
        secret = WebhookStore(service.store).inbound_secret(integration_id)
        if spec is None or secret is None or not spec.signature.verify(secret, headers, query, body):
            raise _unverified()
        return spec.models(decode_body(body))

    event, models = await run_in_threadpool(verify)
    sync = "ignored"
    if models:
        sync = await run_in_threadpool(refresher(state.scheduler).request, integration_id, models)
    return ok({"event": event, "models": models, "sync": sync})


def webhook_routes() -> list[Route]:
    """The webhook routes below ``/v1``."""
    return [
        Route("/webhooks", create_webhook, methods=["POST"]),
        Route("/webhooks", list_webhooks, methods=["GET"]),
        Route("/webhooks/{webhook_id}", delete_webhook, methods=["DELETE"]),
        Route("/webhooks/{webhook_id}/deliveries", webhook_deliveries, methods=["GET"]),
        Route("/integrations/{integration_id}/vendor-webhooks", vendor_webhook, methods=["POST"]),
    ]


def webhook_paths(success: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """The OpenAPI paths of :func:`webhook_routes` (``success`` wraps a data schema in the envelope)."""

    def op(op_id: str, summary: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"operationId": op_id, "summary": summary, "tags": ["General"], "responses": success(data), **extra}

    fields: dict[str, Any] = {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "integration_id": {"type": ["string", "null"]},
        "created_at": {"type": "string"},
    }
    listing = {"type": "object", "required": ["results"], "properties": {"results": {"type": "array"}}}
    path_id = [{"name": "webhook_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["url"],
                    "properties": {"url": {"type": "string"}, "integration_id": {"type": ["string", "null"]}},
                }
            }
        },
    }
    created = {
        "type": "object",
        "required": [*fields, "secret"],
        "properties": {**fields, "secret": {"type": "string"}},
    }
    return {
        "/webhooks": {
            "post": op(
                "create_webhook",
                "Subscribe a URL to data-changed events; answers its secret once (unimap extension)",
                created,
                requestBody=body,
            ),
            "get": op("list_webhooks", "The key's webhook subscriptions (unimap extension)", listing),
        },
        "/webhooks/{webhook_id}": {
            "delete": op(
                "delete_webhook",
                "Remove a webhook subscription (unimap extension)",
                {"type": "object"},
                parameters=path_id,
            ),
        },
        "/webhooks/{webhook_id}/deliveries": {
            "get": op(
                "list_webhook_deliveries",
                "A subscription's delivery log (unimap extension)",
                listing,
                parameters=[
                    *path_id,
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
                    },
                ],
            ),
        },
        "/integrations/{integration_id}/vendor-webhooks": {
            "post": op(
                "vendor_webhook",
                "The vendor's own webhook, verified by its signature; starts a delta sync (unimap extension)",
                {"type": "object", "required": ["event", "models", "sync"]},
                security=[],
                parameters=[{"name": "integration_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                requestBody={"required": True, "content": {"application/json": {"schema": {}}}},
            ),
        },
    }
