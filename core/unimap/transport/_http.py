"""Shared HTTP helpers of the transports: URL resolution, body decoding, error mapping."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from unimap.errors import (
    AuthenticationInvalid,
    RemoteError,
    RemoteInputInvalid,
    RemoteRateLimited,
    RemoteUnavailable,
)
from unimap.transport._signals import Relogin, Retry
from unimap.transport.errorrules import ErrorRule, extract_message
from unimap.transport.request import Request, Response
from unimap.transport.retry import RetryPolicy

__all__ = ["HttpCall", "ParseContext", "decode", "http_error", "plain_response", "raise_for_rule", "resolve_url"]

_BY_CODE: dict[str, type[RemoteError]] = {
    AuthenticationInvalid.code or "": AuthenticationInvalid,
    RemoteRateLimited.code or "": RemoteRateLimited,
    RemoteUnavailable.code or "": RemoteUnavailable,
}


@dataclass
class HttpCall:
    """What to hand to ``httpx.Client.build_request``."""

    method: str
    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParseContext:
    """What a transport needs to judge a response: the retry policy, re-login messages, redaction."""

    policy: RetryPolicy
    relogin_on: Sequence[str] = ()
    redact: Callable[[str], str] = lambda text: text
    rules: Sequence[ErrorRule] = ()


def resolve_url(base_url: str, path: str, *, label: str = "request") -> str:
    """``path`` joined to ``base_url``; an absolute URL (or ``//host``) must be on the same scheme and host."""
    if not path:
        return base_url
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        own = urlsplit(base_url)
        if (parts.scheme.lower(), parts.netloc.lower()) != (own.scheme.lower(), own.netloc.lower()):
            raise RemoteInputInvalid(
                f"{label}: {parts.netloc or path} is not this integration's host ({own.netloc})", call=label
            )
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def decode(response: httpx.Response) -> tuple[Any, bool]:
    """The body as JSON (``None`` when empty) and whether it was JSON; otherwise its text."""
    content = response.content
    if not content.strip():
        return None, True
    try:
        return orjson.loads(content), True
    except ValueError:
        return response.text, False


def raise_for_rule(
    rule: ErrorRule, view: dict[str, Any], fallback: str, *, call: str, status: int | None, redact: Callable[[str], str]
) -> None:
    """Act on a matched error rule: a retry or re-login signal, or the error it names."""
    text = redact(rule.describe(view) or fallback)
    if rule.retry:
        raise Retry(text, sent=False, kind="rule")
    if rule.relogin:
        raise Relogin(text)
    cls = _BY_CODE.get(rule.code or "", RemoteInputInvalid)
    raise cls(f"{call}: {text}", call=call, status=status, code=rule.code)


def plain_response(
    response: httpx.Response, request: Request, ctx: ParseContext, *, relogin_statuses: Sequence[int] = ()
) -> Response:
    """A raw answer (passthrough, token endpoints): retried on 5xx, returned as it is otherwise."""
    status = response.status_code
    if status in relogin_statuses:
        raise Relogin(f"HTTP {status}")
    if status in ctx.policy.retry_on_status or status >= 500:
        raise Retry(f"HTTP {status}", sent=status not in (502, 503, 504))
    body, _ = decode(response)
    return Response(status, response.headers, body, str(response.url), response.content)


def http_error(status: int, body: Any, *, call: str, redact: Callable[[str], str]) -> RemoteError:
    """The error for an HTTP error status (the message taken from the body)."""
    message = extract_message(body)
    text = f"{call}: HTTP {status}" + (f": {redact(message)}" if message else "")
    if 400 <= status < 500:
        return RemoteInputInvalid(text, call=call, status=status)
    return RemoteError(text, call=call, status=status)
