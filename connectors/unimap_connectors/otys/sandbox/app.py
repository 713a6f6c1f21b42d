"""The request pipeline shared by both endpoints: rate limit, faults, engine, serialisation.

Order per request: count it -> draw the fault -> (injected 429 | rate limiter) -> HTTP-level
fault (5xx / RPC error / hang) -> run -> garble the body for a ``malformed`` fault. Every
response carries the ``X-Orl-*`` headers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import multipart
from .errors import RpcError, invalid_params, validation
from .faults import Fault, FaultInjector
from .ratelimit import RateLimiter
from .services import Engine
from .sessions import SessionStore
from .settings import SandboxSettings
from .stats import Stats
from .store import Tenant

JSON = "application/json; charset=utf-8"
_PHP_WARNING = (
    b"<br />\n<b>Warning</b>:  Unexpected output in <b>/var/www/ows/jservice.php</b> on line <b>412</b><br />\n"
)
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class Response:
    """What the HTTP layer sends."""

    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def dump(obj: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(obj, separators=(",", ":")).encode()


class App:
    """Turns request bodies into responses for /jservice.php and /fileService.php."""

    def __init__(
        self,
        *,
        engine: Engine,
        tenant: Tenant,
        sessions: SessionStore,
        limiter: RateLimiter,
        faults: FaultInjector,
        stats: Stats,
        settings: SandboxSettings,
        stop: threading.Event,
    ) -> None:
        self.engine = engine
        self.tenant = tenant
        self.sessions = sessions
        self.limiter = limiter
        self.faults = faults
        self.stats = stats
        self.settings = settings
        self.stop = stop

    # -- endpoints -----------------------------------------------------------------------

    def jservice(self, body: bytes) -> Response:
        """POST /jservice.php."""
        try:
            request: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            request = None
            method = "<parse error>"
        else:
            method = request.get("method") if isinstance(request, dict) else None
            method = method if isinstance(method, str) else "<invalid request>"
        batch = isinstance(request, list)
        if batch:
            method = "<batch>"
        self.stats.bump("requests", method)
        key = self._api_key(request[0] if batch and request else request)

        def run() -> Response:
            if request is None:
                err = RpcError("parse_error", "Parse error: the request body is not valid JSON")
                return Response(200, dump(self.engine.error_envelope(err, None)))
            if batch:
                return self._batch(request)
            return Response(200, dump(self.engine.handle(request)))

        return self._pipeline(
            method,
            key,
            run,
            upload=False,
            rid=request.get("id") if isinstance(request, dict) else None,
            cost=self._cost(request),
        )

    def _batch(self, requests: list[Any]) -> Response:
        """A JSON-RPC 2.0 batch: refused (``batch_requests: refuse``) or answered entry by entry."""
        if self.settings.batch_requests != "answer" or not requests:
            why = (
                ("an empty batch" if requests else "a batch")
                if self.settings.batch_requests == "answer"
                else "batch arrays (use Otys.Services.MultiService.execute)"
            )
            err = RpcError("invalid_request", f"Invalid Request: {why} is not supported")
            return Response(200, dump(self.engine.error_envelope(err, None)))
        answers = []
        for entry in requests:
            envelope = self.engine.handle(entry)
            if not (isinstance(entry, dict) and "id" not in entry and "result" in envelope):
                answers.append(envelope)  # notifications (no id) that succeed get no answer
        return Response(200, dump(answers)) if answers else Response(204, b"")

    def _cost(self, request: Any) -> int:
        """Rate-limit units of a request: one, or one per MultiService entry / batch entry (setting)."""
        if not self.settings.multi_counts_entries:
            return 1
        if isinstance(request, list):
            return max(1, sum(self._cost(entry) for entry in request))
        if isinstance(request, dict) and request.get("method") == "Otys.Services.MultiService.execute":
            params = request.get("params")
            calls = params[0] if isinstance(params, list) and params else None
            if isinstance(calls, (list, dict)):
                return max(1, len(calls))
        return 1

    def upload(self, content_type: str, body: bytes) -> Response:
        """POST /fileService.php (multipart ``file`` + ``sessionId``)."""
        method = "fileService.php"
        self.stats.bump("requests", method)
        try:
            parts: dict[str, multipart.Part] | None = multipart.parse(content_type, body)
        except ValueError:
            parts = None
        sid = None
        if parts and "sessionId" in parts:  # sent raw (the OTYS plugin labels the part application/json)
            sid = parts["sessionId"].data.decode("utf-8", "replace").strip().strip('"')
        key = self.sessions.api_key_of(sid) or "anonymous"

        def run() -> Response:
            self.stats.bump("calls", method)
            try:
                if parts is None:
                    raise invalid_params("expected multipart/form-data with 'file' and 'sessionId' parts")
                self.sessions.require(sid)
                file = parts.get("file")
                if file is None or file.filename is None:
                    raise invalid_params("missing 'file' part with a filename")
                if len(file.data) > self.settings.max_upload_bytes:
                    raise validation(f"file larger than {self.settings.max_upload_bytes} bytes")
                meta = self.tenant.add_file(file.filename, file.data, file.content_type)
            except RpcError as exc:
                return Response(200, dump(self.engine.error_envelope(exc, None)))
            public = {k: v for k, v in meta.items() if k != "content"}
            return Response(200, dump([public]))

        return self._pipeline(method, key, run, upload=True, rid=None)

    # -- pipeline ------------------------------------------------------------------------

    def _pipeline(
        self, method: str, key: str, run: Callable[[], Response], *, upload: bool, rid: Any, cost: int = 1
    ) -> Response:
        fault = self.faults.decide(method, upload=upload)
        unlimited = self.settings.unlimited_remaining
        if fault is not None and fault.kind == "429":
            headers = self.limiter.peek(key).headers(unlimited)
            headers.update({"X-Orl-Limit-Blocked": "1", "Retry-After": str(self.settings.injected_retry_after)})
            return self._too_many(rid, headers, self.settings.injected_retry_after)
        decision = self.limiter.hit(key, cost)
        headers = decision.headers(unlimited)
        if not decision.allowed:
            self.stats.add("rate_limited")
            return self._too_many(rid, headers, int(headers.get("Retry-After", "1")))
        resp = self._apply(fault, run, rid)
        resp.headers.update(headers)
        return resp

    def _apply(self, fault: Fault | None, run: Callable[[], Response], rid: Any) -> Response:
        if fault is None:
            return run()
        status = fault.status
        if status is not None:
            reason = _REASONS.get(status, "Error")
            page = (
                f"<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}"
                f"</h1></center><hr><center>nginx</center></body></html>\n"
            ).encode()
            return Response(status, page, "text/html; charset=utf-8")
        if fault.kind == "error":
            err = RpcError("injected", "Injected fault: internal error, please try again")
            return Response(200, dump(self.engine.error_envelope(err, rid)))
        if fault.kind == "hang":
            self.stop.wait(fault.delay)
            return run()
        resp = run()  # malformed: the call ran, its answer is broken
        resp.body = _PHP_WARNING + resp.body[: max(1, len(resp.body) // 2)]
        return resp

    def plain_headers(self) -> dict[str, str]:
        """``X-Orl-*`` headers for answers outside the pipeline (404, 405, 411), not counted."""
        return self.limiter.peek("anonymous").headers(self.settings.unlimited_remaining)

    def _too_many(self, rid: Any, headers: dict[str, str], retry_after: int) -> Response:
        err = RpcError("rate_limited", f"Too many requests; retry after {retry_after} seconds")
        return Response(429, dump(self.engine.error_envelope(err, rid)), JSON, headers)

    def _api_key(self, request: Any) -> str:
        """The API key a request counts against (``anonymous`` when it has no known session)."""
        sid: Any = None
        if isinstance(request, dict):
            method, params = request.get("method"), request.get("params")
            first = params[0] if isinstance(params, list) and params else None
            if method == "loginByUid":
                return first if isinstance(first, str) and first in self.sessions.api_keys else "anonymous"
            if method == "Otys.Services.MultiService.execute":
                calls = first.values() if isinstance(first, dict) else first if isinstance(first, list) else []
                for entry in calls:
                    args = entry.get("args") if isinstance(entry, dict) else None
                    if isinstance(args, list) and args:
                        sid = args[0]
                        break
            elif method == "Otys.Services.LanguageService.wrapRequest":
                inner = params[1] if isinstance(params, list) and len(params) > 1 else None
                inner_params = inner.get("params") if isinstance(inner, dict) else None
                sid = inner_params[0] if isinstance(inner_params, list) and inner_params else None
            else:
                sid = first
        return self.sessions.api_key_of(sid) or "anonymous"
