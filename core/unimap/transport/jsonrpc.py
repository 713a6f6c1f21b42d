"""The JSON-RPC 2.0 transport: positional params in a ``{jsonrpc, method, params, id}`` envelope."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import httpx
import orjson

from unimap.errors import RemoteError, RemoteInputInvalid
from unimap.transport._http import HttpCall, ParseContext, decode, plain_response, raise_for_rule, resolve_url
from unimap.transport._signals import Relogin, Retry
from unimap.transport.errorrules import ErrorRule, match_rule
from unimap.transport.request import Request, Response

__all__ = ["JsonRpcTransport"]


class JsonRpcTransport:
    """``type: jsonrpc``: every call is a POST of a JSON-RPC envelope to ``base_url`` + ``path``.

    A request with ``files`` or a ``form`` (an upload) goes as multipart to its own ``path``. RPC errors
    become :class:`RemoteInputInvalid` unless an error rule says otherwise (e.g. ``retry: true`` for
    "temporarily unavailable"); a message listed in the auth's ``relogin_on`` logs in again.
    ``error_status_ok: false`` reads a JSON-RPC error envelope sent with an HTTP error status as the RPC error.
    """

    type = "jsonrpc"

    def __init__(
        self,
        base_url: Any,
        *,
        path: str = "",
        timeout_seconds: float = 30.0,
        error_status_ok: bool = True,
        errors: Sequence[ErrorRule] = (),
        upload_path: str | None = None,
    ) -> None:
        self.base_url = base_url  # text, or a template over {settings, credentials}
        self.path = path
        self.timeout_seconds = timeout_seconds
        self.error_status_ok = error_status_ok
        self.errors = list(errors)
        self.upload_path = upload_path
        self._ids = 0
        self._id_lock = threading.Lock()

    def endpoint(self, base_url: str) -> str:
        """The RPC endpoint URL."""
        return base_url.rstrip("/") + self.path

    def next_id(self) -> int:
        """The next request id (1, 2, 3, … per client)."""
        with self._id_lock:
            self._ids += 1
            return self._ids

    def build(self, request: Request, base_url: str) -> HttpCall:
        """The HTTP request for ``request``."""
        headers = dict(request.headers) or None
        if request.files is not None or (request.form is not None and request.params is None):
            url = resolve_url(base_url, request.path, label=request.name)
            kwargs: dict[str, Any] = {"data": request.form or {}, "headers": headers}
            if request.files is not None:
                kwargs["files"] = request.files
            return HttpCall("POST", url, kwargs)
        url = resolve_url(base_url, request.path, label=request.name) if request.path else self.endpoint(base_url)
        if isinstance(request.json, dict):  # an envelope forwarded as it was sent (passthrough)
            body = dict(request.json)
            if request.params is not None:
                body["params"] = request.params
        else:
            body = {
                "jsonrpc": "2.0",
                "method": request.method,
                "params": list(request.params or []),
                "id": self.next_id(),
            }
        kwargs = {"json": body, "headers": headers}
        if request.query:
            kwargs["params"] = {k: v for k, v in request.query.items() if v is not None}
        return HttpCall("POST", url, kwargs)

    def _rpc_error(
        self, error: Any, body: dict[str, Any], response: httpx.Response, request: Request, ctx: ParseContext
    ) -> RemoteError:
        message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
        if any(trigger in message for trigger in ctx.relogin_on):
            raise Relogin(message)
        view = {
            "status": response.status_code,
            "headers": {k.lower(): v for k, v in response.headers.items()},
            "body": body,
            "error": error if isinstance(error, dict) else {"message": message},
        }
        rule = match_rule([*request.errors, *self.errors, *ctx.rules], view)
        if rule is not None:
            raise_for_rule(rule, view, message, call=request.name, status=None, redact=ctx.redact)
        return RemoteInputInvalid(f"{request.name}: {ctx.redact(message)}", call=request.name)

    def _envelope_error(self, response: httpx.Response) -> tuple[Any, dict[str, Any]] | None:
        try:
            body = orjson.loads(response.content)
        except ValueError:
            return None
        if isinstance(body, dict) and body.get("error"):
            return body["error"], body
        return None

    def parse(self, response: httpx.Response, request: Request, ctx: ParseContext, *, raw: bool = False) -> Response:
        """The RPC ``result`` of ``response`` (``raw``: the whole body, errors included, for passthrough)."""
        status = response.status_code
        if status >= 400 and not self.error_status_ok and not raw:
            found = self._envelope_error(response)
            if found is not None:
                raise self._rpc_error(found[0], found[1], response, request, ctx)
        if raw:
            out = plain_response(response, request, ctx)
            if status >= 400:
                raise RemoteError(f"{request.name}: HTTP {status}", call=request.name, status=status)
            body = out.body
            if (
                isinstance(body, dict)
                and isinstance(body.get("error"), dict)
                and any(t in str(body["error"].get("message", "")) for t in ctx.relogin_on)
            ):
                raise Relogin(str(body["error"].get("message")))
            return out
        if status in ctx.policy.retry_on_status or status >= 500:
            raise Retry(f"HTTP {status}", sent=status not in (502, 503, 504))
        if status in (401, 403):
            raise Relogin(f"HTTP {status}")
        if status >= 400:
            raise RemoteError(f"{request.name}: HTTP {status}", call=request.name, status=status)
        body, is_json = decode(response)
        if not is_json or body is None:
            raise Retry("malformed response body (not JSON)", kind="malformed")
        if not isinstance(body, dict):
            raise Retry("malformed response body (not a JSON-RPC object)", kind="malformed")
        error = body.get("error")
        if error:
            raise self._rpc_error(error, body, response, request, ctx)
        if "result" not in body:
            raise Retry("malformed response body (no result)", kind="malformed")
        return Response(status, response.headers, body["result"], str(response.url), response.content)
