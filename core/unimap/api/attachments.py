"""Reading attachments on demand, and the signed download links their ``data_url`` points at.

``GET /ats/candidates/{id}/attachments`` and ``/ats/applications/{id}/attachments`` ask the vendor
(the connector's read specs) and answer Kombo's shape. Each ``data_url`` is
``/v1/ats/attachments/{attachment id}/download?token=…``: valid 7 days like Kombo's, usable
without an API key, and streamed from the vendor when fetched (never held in memory whole).

The token is ``base64url({"i": integration, "r": remote id, "e": expiry}) . hex(HMAC-SHA256)``
over the attachment id and that payload, keyed by ``UNIMAP_DOWNLOAD_SECRET`` (else a key derived
from ``UNIMAP_SECRET_KEY``; else a random key per process, so links end with a restart). A
changed byte, another attachment's id or a past expiry is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from functools import cache
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from unimap import ids
from unimap.reads import list_attachments, open_attachment

from .errors import ApiError
from .handlers import endpoint, ok, scoped, state_of

log = logging.getLogger("unimap.api")
TTL_SECONDS = 7 * 24 * 3600
SECRET_VAR = "UNIMAP_DOWNLOAD_SECRET"


@cache
def _process_key() -> bytes:
    log.warning("no %s or UNIMAP_SECRET_KEY: attachment links end when this process stops", SECRET_VAR)
    return secrets.token_bytes(32)


def signing_key(environ: Any = None) -> bytes:
    """The HMAC key of download links."""
    env = os.environ if environ is None else environ
    given = env.get(SECRET_VAR) or ""
    if given:
        return hashlib.sha256(b"unimap download v1\x00" + given.encode()).digest()
    master = env.get("UNIMAP_SECRET_KEY") or ""
    if master:
        return hashlib.sha256(b"unimap download key from secret key v1\x00" + master.encode()).digest()
    return _process_key()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mac(key: bytes, attachment_id: str, payload: str) -> str:
    return hmac.new(key, f"{attachment_id}\x1f{payload}".encode(), hashlib.sha256).hexdigest()


def make_token(integration_id: str, remote_id: str, *, now: float | None = None, key: bytes | None = None) -> str:
    """A download token for attachment ``remote_id`` of ``integration_id``, valid :data:`TTL_SECONDS`."""
    expires = int((time.time() if now is None else now) + TTL_SECONDS)
    payload = _b64(json.dumps({"i": integration_id, "r": remote_id, "e": expires}, separators=(",", ":")).encode())
    attachment_id = ids.unified_id(integration_id, "attachment", remote_id)
    return f"{payload}.{_mac(key or signing_key(), attachment_id, payload)}"


def read_token(
    attachment_id: str, token: str, *, now: float | None = None, key: bytes | None = None
) -> tuple[str, str]:
    """``(integration id, remote id)`` of a valid token for ``attachment_id``; 403 otherwise."""
    refused = ApiError("PLATFORM.AUTHENTICATION_INVALID", "the download link is invalid or has expired", status=403)
    payload, _, mac = token.partition(".")
    if not payload or not mac or not hmac.compare_digest(_mac(key or signing_key(), attachment_id, payload), mac):
        raise refused
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        integration_id, remote_id, expires = str(data["i"]), str(data["r"]), int(data["e"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise refused from None
    if (time.time() if now is None else now) >= expires:
        raise refused
    if ids.unified_id(integration_id, "attachment", remote_id) != attachment_id:
        raise refused
    return integration_id, remote_id


def _download_url(request: Request, integration_id: str, remote_id: str) -> str:
    attachment_id = ids.unified_id(integration_id, "attachment", remote_id)
    base = str(request.url.replace(query="")).split("/ats/", 1)[0]  # …/v1, as the caller reached it
    return f"{base}/ats/attachments/{attachment_id}/download?token={make_token(integration_id, remote_id)}"


def owner_handler(owner: str) -> Any:
    """``GET /ats/<owner>s/{id}/attachments``: the vendor's files, with signed ``data_url``s."""

    async def handler(request: Request) -> Response:

        state, integration_id = await scoped(request)
        owner_id = request.path_params[f"{owner}_id"]
        found = await run_in_threadpool(list_attachments, state.service, integration_id, owner, owner_id)
        results = []
        for item in found.results:
            results.append({**item, "data_url": _download_url(request, integration_id, item["remote_id"])})
        return ok({"results": results}, warnings=list(found.warnings))

    handler.__name__ = f"list_{owner}_attachments"
    return handler


def _disposition(stream: Any) -> str:
    if stream.disposition:
        return str(stream.disposition)
    name = stream.file_name or "attachment"
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


async def download(request: Request) -> Response:
    """``GET /ats/attachments/{attachment_id}/download?token=…``: the file, streamed from the vendor."""

    state = state_of(request)
    integration_id, remote_id = read_token(request.path_params["attachment_id"], request.query_params.get("token", ""))
    stream = await run_in_threadpool(open_attachment, state.service, integration_id, remote_id)

    def body() -> Iterator[bytes]:
        try:
            yield from stream.chunks
        finally:
            stream.close()

    headers = {"Content-Disposition": _disposition(stream), "Cache-Control": "private, no-store"}
    if stream.length and stream.length.isdigit():
        headers["Content-Length"] = stream.length
    return StreamingResponse(body(), media_type=stream.content_type, headers=headers)


def routes() -> list[Route]:
    """The routes of this module (below ``/v1``)."""

    return [
        Route("/ats/candidates/{candidate_id}/attachments", endpoint(owner_handler("candidate")), methods=["GET"]),
        Route(
            "/ats/applications/{application_id}/attachments", endpoint(owner_handler("application")), methods=["GET"]
        ),
        Route("/ats/attachments/{attachment_id}/download", endpoint(download), methods=["GET"]),
    ]
