"""The REST transport: HTTP methods, paths under ``base_url``, JSON or form bodies, status-based errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from unimap.transport._http import (
    HttpCall,
    ParseContext,
    decode,
    http_error,
    plain_response,
    raise_for_rule,
    resolve_url,
)
from unimap.transport._signals import Relogin, Retry
from unimap.transport.errorrules import ErrorRule, extract_message, match_rule
from unimap.transport.request import UNSET, Request, Response

__all__ = ["RestTransport"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return [_query_value(v) for v in value if v is not None]
    if isinstance(value, dict):
        import orjson

        return orjson.dumps(value).decode()
    return value


def _form_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return [_form_value(v) for v in value if v is not None]
    if isinstance(value, dict):
        import orjson

        return orjson.dumps(value).decode()
    return value if isinstance(value, str | bytes) else str(value)


def _form(form: Mapping[str, Any] | None) -> dict[str, Any]:
    """Form fields as text (``None`` left out), as both url-encoded and multipart bodies accept them."""
    return {k: _form_value(v) for k, v in (form or {}).items() if v is not None}


class RestTransport:
    """``type: rest``: ``Request.method`` is the HTTP method, ``path`` joins ``base_url`` (or is an own-host URL).

    Query values of ``None`` are left out and lists go as repeated parameters. 401/403 refresh the
    credential once, then :class:`AuthenticationInvalid`; other 4xx are :class:`RemoteInputInvalid`
    with the vendor's message; 5xx and ``retry_on_status`` are retried (a write only when surely not run).
    """

    type = "rest"

    def __init__(
        self,
        base_url: Any,
        *,
        headers: Mapping[str, Any] | None = None,
        timeout_seconds: float = 30.0,
        errors: Sequence[ErrorRule] = (),
    ) -> None:
        self.base_url = base_url  # text, or a template over {settings, credentials}
        self.headers = dict(headers or {})  # name → compiled expression over {settings}
        self.timeout_seconds = timeout_seconds
        self.errors = list(errors)

    def endpoint(self, base_url: str) -> str:
        """The base URL requests are joined to."""
        return base_url.rstrip("/")

    def default_headers(self, context: Mapping[str, Any]) -> dict[str, str]:
        """The transport's ``headers``, evaluated over ``context`` (``{settings}``); ``null`` ones left out."""
        out: dict[str, str] = {}
        for name, expression in self.headers.items():
            value = expression.search(dict(context))
            if value is not None:
                out[name] = value if isinstance(value, str) else str(value)
        return out

    def build(self, request: Request, base_url: str) -> HttpCall:
        """The HTTP request for ``request``."""
        return build_plain(request, resolve_url(base_url, request.path, label=request.name))

    @staticmethod
    def parse_plain(response: httpx.Response, request: Request, ctx: ParseContext) -> Response:
        """A raw answer from any host (token endpoints): 5xx retried, everything else returned."""
        return plain_response(response, request, ctx)

    def parse(self, response: httpx.Response, request: Request, ctx: ParseContext, *, raw: bool = False) -> Response:
        """The parsed response; errors and transient failures raised."""
        if raw:
            return plain_response(response, request, ctx, relogin_statuses=(401,))
        status = response.status_code
        body, is_json = decode(response)
        view = {"status": status, "headers": {k.lower(): v for k, v in response.headers.items()}, "body": body}
        rule = match_rule([*request.errors, *self.errors, *ctx.rules], view)
        if rule is not None:
            fallback = extract_message(body) or f"HTTP {status}"
            raise_for_rule(rule, view, fallback, call=request.name, status=status, redact=ctx.redact)
        if status in (401, 403):
            message = extract_message(body)
            raise Relogin(f"HTTP {status}" + (f": {ctx.redact(message)}" if message else ""))
        if status in ctx.policy.retry_on_status or status >= 500:
            raise Retry(f"HTTP {status}", sent=status not in (502, 503, 504))
        if status >= 300:
            raise http_error(status, body, call=request.name, redact=ctx.redact)
        if not is_json and not request.allow_text:
            raise Retry("malformed response body (not JSON)", kind="malformed")
        return Response(status, response.headers, body, str(response.url), response.content)


def build_plain(request: Request, url: str | None = None) -> HttpCall:
    """The HTTP request for a REST-shaped ``request`` sent to ``url`` (default: its ``path`` as given)."""
    method = request.method.upper()
    url = request.path if url is None else url
    kwargs: dict[str, Any] = {}
    query = {k: _query_value(v) for k, v in request.query.items() if v is not None}
    if query:
        kwargs["params"] = query
    if request.headers:
        kwargs["headers"] = dict(request.headers)
    if request.files is not None:
        kwargs["files"] = request.files
        kwargs["data"] = _form(request.form)
    elif request.form is not None:
        kwargs["data"] = _form(request.form)
    elif request.json is not UNSET:
        kwargs["json"] = request.json
    return HttpCall(method, url, kwargs)
