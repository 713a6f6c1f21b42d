"""Kombo's error envelope over HTTP: which status each code gets, and JSON bodies for every failure."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from unimap.errors import RemoteRateLimited, UnimapError

log = logging.getLogger("unimap.api")


class OrjsonResponse(JSONResponse):
    """A JSON response rendered by orjson (compact UTF-8, as Starlette's, and fast)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


# Kombo's closed code sets (SDK 1.4.0): the ATS scope, and the general scope (PLATFORM.* only).
PLATFORM_CODES = frozenset(
    {
        "PLATFORM.RATE_LIMIT_EXCEEDED",
        "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED",
        "PLATFORM.INTEGRATION_NOT_FOUND",
        "PLATFORM.INPUT_INVALID",
        "PLATFORM.UNKNOWN_ERROR",
        "PLATFORM.IP_NOT_WHITELISTED",
        "PLATFORM.AUTHENTICATION_INVALID",
        "PLATFORM.TASK_TIMED_OUT",
    }
)
ATS_CODES = PLATFORM_CODES | frozenset(
    {
        "INTEGRATION.PERMISSION_MISSING",
        "INTEGRATION.AUTHENTICATION_INVALID",
        "INTEGRATION.QA_FAILED",
        "INTEGRATION.SETUP_SYNC_PENDING",
        "INTEGRATION.SETUP_INCOMPLETE",
        "INTEGRATION.INACTIVE",
        "INTEGRATION.MODEL_NOT_AVAILABLE",
        "INTEGRATION.MODEL_DISABLED",
        "INTEGRATION.ACTION_NOT_AVAILABLE",
        "INTEGRATION.ACTION_DISABLED",
        "REMOTE.SERVICE_UNAVAILABLE",
        "REMOTE.RATE_LIMIT_EXCEEDED",
        "REMOTE.INPUT_INVALID",
        "REMOTE.UNKNOWN_HTTP_ERROR",
        "ATS.JOB_CLOSED",
        "ATS.APPLICATION_ALREADY_EXISTS",
    }
)

STATUS: dict[str, int] = {
    "PLATFORM.INPUT_INVALID": 400,
    "PLATFORM.AUTHENTICATION_INVALID": 401,
    "PLATFORM.IP_NOT_WHITELISTED": 403,
    "PLATFORM.INTEGRATION_NOT_FOUND": 404,
    "PLATFORM.RATE_LIMIT_EXCEEDED": 429,
    "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED": 429,
    "PLATFORM.UNKNOWN_ERROR": 500,
    "PLATFORM.TASK_TIMED_OUT": 504,
    "INTEGRATION.PERMISSION_MISSING": 403,
    "INTEGRATION.AUTHENTICATION_INVALID": 403,
    "INTEGRATION.INACTIVE": 403,
    "INTEGRATION.MODEL_DISABLED": 403,
    "INTEGRATION.ACTION_DISABLED": 403,
    "INTEGRATION.MODEL_NOT_AVAILABLE": 404,
    "INTEGRATION.ACTION_NOT_AVAILABLE": 404,
    "INTEGRATION.QA_FAILED": 409,
    "INTEGRATION.SETUP_SYNC_PENDING": 409,
    "INTEGRATION.SETUP_INCOMPLETE": 409,
    "ATS.JOB_CLOSED": 409,
    "ATS.APPLICATION_ALREADY_EXISTS": 409,
    "REMOTE.INPUT_INVALID": 422,
    "REMOTE.RATE_LIMIT_EXCEEDED": 429,
    "REMOTE.UNKNOWN_HTTP_ERROR": 502,
    "REMOTE.SERVICE_UNAVAILABLE": 503,
}
TITLES: dict[str, str] = {
    "PLATFORM.INPUT_INVALID": "The input is invalid.",
    "PLATFORM.AUTHENTICATION_INVALID": "The API key is invalid.",
    "PLATFORM.INTEGRATION_NOT_FOUND": "The integration was not found.",
    "PLATFORM.RATE_LIMIT_EXCEEDED": "Rate limit exceeded.",
    "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED": "Too many concurrent requests.",
    "PLATFORM.UNKNOWN_ERROR": "An unexpected error occurred.",
    "INTEGRATION.MODEL_NOT_AVAILABLE": "The model is not available for this integration.",
    "INTEGRATION.ACTION_NOT_AVAILABLE": "The action is not available for this integration.",
    "REMOTE.SERVICE_UNAVAILABLE": "The remote system is unavailable.",
    "REMOTE.RATE_LIMIT_EXCEEDED": "The remote system is rate limiting.",
    "REMOTE.INPUT_INVALID": "The remote system rejected the input.",
    "REMOTE.UNKNOWN_HTTP_ERROR": "The remote system answered with an error.",
}


#: Kombo ATS endpoints unimap has no unified model or action for (kombo-unified.md §8): they answer
#: INTEGRATION.MODEL_NOT_AVAILABLE / ACTION_NOT_AVAILABLE (404) instead of a bare "no endpoint".
UNSERVED: dict[tuple[str, str], tuple[str, str]] = {
    **{
        ("GET", path): ("INTEGRATION.MODEL_NOT_AVAILABLE", what)
        for path, what in {
            "/ats/notes": "notes",
            "/ats/attachments": "attachments",
            "/ats/interviews": "interviews",
            "/ats/offers": "offers",
            "/ats/roles": "roles",
            "/ats/scorecards": "scorecards",
        }.items()
    },
    ("POST", "/ats/applications/{application_id}/interviews"): (
        "INTEGRATION.ACTION_NOT_AVAILABLE",
        "scheduling an interview",
    ),
    ("PATCH", "/ats/applications/{application_id}/interviews/{interview_id}"): (
        "INTEGRATION.ACTION_NOT_AVAILABLE",
        "changing an interview",
    ),
    ("POST", "/ats/import-tracked-application"): (
        "INTEGRATION.ACTION_NOT_AVAILABLE",
        "importing a tracked application",
    ),
    ("GET", "/ats/actions/{action}"): ("INTEGRATION.ACTION_NOT_AVAILABLE", "describing an action's limits"),
}
_UNSERVED = [
    (method, re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(path)) + "/?$"), code, what)
    for (method, path), (code, what) in UNSERVED.items()
]


def unserved(method: str, path: str) -> tuple[str, str] | None:
    """``(code, what)`` when ``method path`` (below ``/v1``) is a Kombo endpoint unimap does not serve."""
    for wanted, pattern, code, what in _UNSERVED:
        if wanted == method and pattern.match(path):
            return code, what
    return None


class ApiError(UnimapError):
    """An error raised by the HTTP layer itself (auth, limits, routing), with extra response headers."""

    def __init__(
        self, code: str | None, message: str, *, status: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, code=code, title=TITLES.get(code or ""))
        if code is None:
            self.code = None
        self.status = status
        self.headers = dict(headers or {})


def status_for(code: str | None) -> int:
    """The HTTP status of an error code (500 for codes without one)."""
    return STATUS.get(code or "", 500)


def envelope(code: str | None, message: str, title: str | None = None, *, general: bool = False) -> dict[str, Any]:
    """Kombo's error body; on general-scope endpoints (``general``) only PLATFORM codes are allowed."""
    allowed = PLATFORM_CODES if general else ATS_CODES
    if code is not None and code not in allowed:
        message = f"[{code}] {message}"
        code = None
    return {
        "status": "error",
        "error": {"code": code, "title": title or TITLES.get(code or ""), "message": message, "log_url": None},
    }


def is_general(request: Request) -> bool:
    """Whether the endpoint uses Kombo's general error scope (everything outside ``/ats``)."""
    return not request.url.path.split("/v1", 1)[-1].startswith("/ats/")


def error_response(request: Request, exc: UnimapError) -> OrjsonResponse:
    """The JSON error response for a unimap error."""
    code = exc.code if exc.code is not None or isinstance(exc, ApiError) else "PLATFORM.UNKNOWN_ERROR"
    status = getattr(exc, "status", None) if isinstance(exc, ApiError) else None
    status = status or status_for(code)
    headers = dict(getattr(exc, "headers", {}) or {})
    if isinstance(exc, RemoteRateLimited) or status == 429:
        wait = getattr(exc, "retry_after", None)
        headers.setdefault("Retry-After", str(max(1, math.ceil(wait)) if wait else 1))
    if status >= 500:
        log.warning("%s %s: %s: %s", request.method, request.url.path, code, exc.message)
    body = envelope(code, exc.message, exc.title, general=is_general(request))
    return OrjsonResponse(body, status_code=status, headers=headers)


async def http_error_handler(request: Request, exc: Exception) -> OrjsonResponse:
    """Routing failures (404, 405, 413…) as Kombo envelopes instead of plain text."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        found = unserved(request.method, request.url.path.split("/v1", 1)[-1])
        if found is not None:
            code, what = found
            message = f"{what} is not available for any unimap connector ({request.method} {request.url.path})"
            return OrjsonResponse(envelope(code, message), status_code=404)
    kombo_code: str | None = "PLATFORM.INPUT_INVALID" if exc.status_code in (400, 413, 422) else None
    message = {
        404: f"no endpoint {request.method} {request.url.path}",
        405: f"{request.method} is not allowed on {request.url.path}",
    }.get(exc.status_code, str(exc.detail))
    body = envelope(kombo_code, message, general=is_general(request))
    return OrjsonResponse(body, status_code=exc.status_code, headers=dict(exc.headers or {}))


async def unexpected_error_handler(request: Request, exc: Exception) -> OrjsonResponse:
    """Anything unforeseen: logged with its traceback, answered as PLATFORM.UNKNOWN_ERROR."""
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    body = envelope("PLATFORM.UNKNOWN_ERROR", f"internal error ({type(exc).__name__})", general=is_general(request))
    return OrjsonResponse(body, status_code=500)
