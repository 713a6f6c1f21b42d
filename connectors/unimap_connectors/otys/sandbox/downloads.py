"""``GET /fileService.php?ouid=…&sessionId=…``: a stored file's bytes (the sandbox's document download).

No observed OTYS source downloads documents (otys-api.md §5.6 lists it as open); the sandbox serves
them on the upload endpoint, the session in ``sessionId`` as on upload. An invalid session answers
403 with the OTYS access-denied message (so a client logs in again), an unknown file 404.
Generated documents have no content: their bytes are made from the file uid, ``size`` long and
the same on every request.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import parse_qsl, quote

from .app import App, Response, dump
from .errors import RpcError

METHOD = "fileService.php"


def placeholder_bytes(meta: dict[str, Any]) -> bytes:
    """Deterministic content for a generated file: a short text head, then digest bytes up to ``size``."""
    head = f"%sandbox file {meta['ouid']} {meta.get('name')}\n".encode()
    size = max(int(meta.get("size") or 0), len(head))
    out = bytearray(head)
    block = hashlib.sha256(str(meta["ouid"]).encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def file_bytes(app: App, ouid: str) -> tuple[dict[str, Any], bytes] | None:
    """Metadata and bytes of file ``ouid``, or ``None`` when there is none."""
    try:
        meta = app.tenant.file(ouid)
    except KeyError:
        return None
    content = meta.get("content")
    return meta, content if isinstance(content, bytes) else placeholder_bytes(meta)


def download(app: App, query: str) -> Response:
    """The file named by ``ouid``, for a live ``sessionId``."""
    params = dict(parse_qsl(query))
    sid = params.get("sessionId")
    key = app.sessions.api_key_of(sid) or "anonymous"
    app.stats.bump("requests", METHOD)

    def run() -> Response:
        app.stats.bump("calls", METHOD)
        try:
            app.sessions.require(sid)
        except RpcError as exc:
            return Response(403, dump({"error": {"message": exc.message}}))
        found = file_bytes(app, params.get("ouid") or "")
        if found is None:
            return Response(404, dump({"error": {"message": f"no file {params.get('ouid')!r}"}}))
        meta, content = found
        name = str(meta.get("name") or "file")
        disposition = f"attachment; filename*=UTF-8''{quote(name)}"
        mime = str(meta.get("mimeType") or meta.get("type") or "application/octet-stream")
        return Response(200, content, mime, {"Content-Disposition": disposition})

    return app._pipeline(METHOD, key, run, upload=True, rid=None)
