"""The vendor client: one connector's transport, auth, rate limit and retries behind ``send``.

Secrets (credentials, tokens, session ids) never reach logs, errors or hooks' ``call.params``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from unimap.calls import VendorCall, VendorResponse
from unimap.errors import (
    AuthenticationInvalid,
    ConfigError,
    RemoteError,
    RemoteInputInvalid,
    RemoteRateLimited,
    RemoteUnavailable,
)
from unimap.expressions import FunctionRegistry
from unimap.registry import BuildEnv, ComponentRegistry
from unimap.transport._http import HttpCall, ParseContext, resolve_url
from unimap.transport._signals import Relogin, Retry
from unimap.transport.auth import Auth, OAuth2ClientCredentials, SessionAuth
from unimap.transport.errorrules import parse_rules
from unimap.transport.jsonrpc import JsonRpcTransport
from unimap.transport.ratelimit import RateLimiter
from unimap.transport.request import UNSET, Request, Response
from unimap.transport.rest import METHODS, RestTransport, build_plain
from unimap.transport.retry import RetryPolicy

__all__ = ["CallStats", "VendorClient", "default_functions", "default_registry", "open_client"]

log = logging.getLogger("unimap.transport")
MAX_RATE_LIMITED = 30  # 429s tolerated for one call before giving up


class _Redactor(logging.Filter):
    """Redacts the secrets of every open client from httpx's own log lines (which carry full URLs)."""

    def __init__(self) -> None:
        super().__init__()
        self.clients: weakref.WeakSet[VendorClient] = weakref.WeakSet()

    def filter(self, record: logging.LogRecord) -> bool:
        clients = list(self.clients)
        if clients:
            message = record.getMessage()
            for client in clients:
                message = client.redact(message)
            record.msg, record.args = message, ()
        return True


_REDACTOR = _Redactor()
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_REDACTOR)

_defaults: dict[str, Any] = {}
_defaults_lock = threading.Lock()


def default_functions() -> FunctionRegistry:
    """A function registry with unimap's built-in functions (shared, built once)."""
    with _defaults_lock:
        if "functions" not in _defaults:
            from unimap.default_plugins.functions import unimap_register_functions

            functions = FunctionRegistry()
            unimap_register_functions(register=functions.register)
            _defaults["functions"] = functions
        return _defaults["functions"]


def default_registry() -> ComponentRegistry:
    """A component registry with the built-in transport components (shared, built once)."""
    with _defaults_lock:
        if "registry" not in _defaults:
            from unimap.transport.components import register_builtin_components

            registry = ComponentRegistry()
            register_builtin_components(registry)
            _defaults["registry"] = registry
        return _defaults["registry"]


@dataclass
class CallStats:
    """Counters of one client: requests per method, retries, re-logins, 429s and time waited."""

    requests: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    relogins: int = 0
    rate_limited: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, method: str) -> None:
        """Record one request."""
        with self._lock:
            self.requests += 1
            self.by_method[method] += 1

    def bump(self, name: str) -> None:
        """Increment one of the other counters."""
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)


Transport = JsonRpcTransport | RestTransport
Parse = Callable[[httpx.Response, Request], Response]


class VendorClient:
    """A vendor client configured by a connector spec (``transport``, ``auth``, ``rate_limit``, ``retry``).

    ``send(Request)`` is the one way out: auth applied, rate limit, retries, error mapping and the
    ``unimap_before_call``/``unimap_after_call`` hooks. ``call(method, params)`` is the JSON-RPC
    convenience returning the RPC ``result``.
    """

    def __init__(
        self,
        connector: str,
        spec: dict[str, Any],
        credentials: dict[str, Any],
        *,
        base_url: str | None = None,
        hook: Any = None,
        transport: httpx.BaseTransport | None = None,
        requests_per_minute: float | None = None,
        integration_id: str | None = None,
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        settings: dict[str, Any] | None = None,
        functions: FunctionRegistry | None = None,
        registry: ComponentRegistry | None = None,
        budget: Callable[[], float] | None = None,
    ) -> None:
        self.connector = connector
        self.spec = spec
        self.transport_spec: dict[str, Any] = dict(spec["transport"])
        self._credentials = dict(credentials)
        self._settings = dict(settings if settings is not None else spec.get("settings") or {})
        self.hook = hook
        self.integration_id = integration_id
        self.functions = functions or default_functions()
        self.registry = registry or default_registry()
        self._sleep = sleep
        options = {"connector": connector, "sleep": sleep, "requests_per_minute": requests_per_minute, "budget": budget}
        self.env = BuildEnv(self.functions, hook, self.registry, options=options)
        built = self.registry.build("transport", self.transport_spec, env=self.env)
        if not isinstance(built, JsonRpcTransport | RestTransport):
            raise ConfigError(f"{connector}: transport {self.transport_spec.get('type')!r} has no HTTP runtime")
        self.transport: Transport = built
        self.kind = built.type
        self.auth_spec: dict[str, Any] = dict(spec.get("auth") or {"type": "none"})
        self.auth: Auth = self.registry.build("auth", self.auth_spec, env=self.env)
        self.retry = RetryPolicy.from_spec(spec.get("retry"))
        limits = dict(spec.get("rate_limit") or {})
        limits.setdefault("type", "window")
        self.limiter: RateLimiter = self.registry.build("rate_limit", limits, env=self.env)
        self.rules = parse_rules(spec.get("errors"), self.env)
        context = self._context()
        template = built.base_url
        own = template.render(context) if hasattr(template, "render") else str(template)
        self.base_url = (base_url or own).rstrip("/")
        if not self.base_url:
            raise ConfigError(f"{connector}: the transport has no base_url")
        self.url = built.endpoint(self.base_url)
        self.timeout = timeout or float(self.transport_spec.get("timeout_seconds", 30))
        headers = {"Accept": "application/json", "User-Agent": "unimap"}
        if isinstance(built, RestTransport):
            headers.update(built.default_headers(context))
        self._http = httpx.Client(transport=transport, timeout=self.timeout, follow_redirects=False, headers=headers)
        self.stats = CallStats()
        _REDACTOR.clients.add(self)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Log out (best effort) and close the HTTP connection pool."""
        try:
            self.auth.close(self)
        finally:
            self._http.close()
            _REDACTOR.clients.discard(self)

    def __enter__(self) -> VendorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what auth components see (AuthHost) --------------------------------------------------

    @property
    def credentials(self) -> Mapping[str, Any]:
        """The integration's credentials."""
        return self._credentials

    @property
    def settings(self) -> Mapping[str, Any]:
        """The connector's settings merged with the integration's."""
        return self._settings

    def _context(self) -> dict[str, Any]:
        return {"settings": dict(self._settings), "credentials": dict(self._credentials)}

    def bump(self, counter: str) -> None:
        """Increment one of the stats counters."""
        self.stats.bump(counter)

    def login_call(self, method: str, params: list[Any]) -> Any:
        """An unauthenticated login call, retried when transient; a refusal is :class:`AuthenticationInvalid`."""
        if isinstance(self.transport, JsonRpcTransport):
            request = Request(method, params=list(params), label=method)
        else:
            body = params[0] if len(params) == 1 else list(params)
            request = Request("POST", method, json=body, label=f"POST {method}")
        try:
            return self._exchange(request, authenticated=False, relogin=False).body
        except RemoteInputInvalid as exc:
            raise AuthenticationInvalid(
                f"{self.connector}: login refused ({exc.message.split(': ', 1)[-1]})", call=method
            ) from None

    def call_once(self, method: str, params: list[Any]) -> Any:
        """One unauthenticated JSON-RPC call, not retried and not checked (logging out)."""
        if not isinstance(self.transport, JsonRpcTransport):
            return None
        built = self.transport.build(Request(method, params=list(params), label=method), self.base_url)
        return self._http.send(self._http.build_request(built.method, built.url, **built.kwargs))

    def fetch(self, request: Request) -> Response:
        """An unauthenticated request to any URL (a token endpoint): retried, 4xx answers returned."""
        return self._exchange(request, authenticated=False, relogin=False, raw=True, any_host=True)

    # -- secrets -------------------------------------------------------------------------------

    @property
    def secrets(self) -> list[str]:
        """Every secret value this client holds (for redaction)."""
        values = [str(v) for v in self._credentials.values() if v and isinstance(v, str | int | float)]
        return [*values, *self.auth.secrets()]

    def redact(self, text: str) -> str:
        """``text`` with every secret of this client replaced by ``***``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    _redact = redact

    # -- sessions and credentials ---------------------------------------------------------------

    def session(self, *, refused: str | None = None) -> str:
        """The current session (logging in when needed); for OAuth2, the current token."""
        if isinstance(self.auth, SessionAuth):
            return self.auth.session(self, refused=refused)
        if isinstance(self.auth, OAuth2ClientCredentials):
            if refused is not None:
                self.auth.refresh(self, refused)
            return self.auth.token(self)
        raise ConfigError(f"{self.connector}: auth type {self.auth_spec.get('type')!r} has no session")

    def authenticate(self) -> None:
        """Check the credentials now: log in, fetch a token, or send the spec's ``auth.check`` request."""
        self.auth.authenticate(self)
        check = self.auth_spec.get("check")  # e.g. a list call that needs the permissions a sync needs
        if isinstance(check, Mapping):
            template = self.registry.build("request", {**check, "type": self.kind}, env=self.env)
            self.send(template.build(self._context() | {"input": {}}))

    # -- calls -----------------------------------------------------------------------------------

    def call(self, method: str, params: list[Any] | None = None, *, write: bool | None = None) -> Any:
        """Call RPC ``method`` with ``params`` (the session is injected); return its ``result``."""
        if not isinstance(self.transport, JsonRpcTransport):
            raise ConfigError(f"{self.connector}: call() is for JSON-RPC connectors; send a Request instead")
        params = list(params or [])
        is_write = self.retry.is_write(method) if write is None else write
        return self.send(Request(method, params=params, write=is_write, label=method)).body

    def send(self, request: Request) -> Response:
        """Send ``request`` with auth, rate limit, retries, error mapping and the call hooks."""
        if (
            isinstance(self.transport, JsonRpcTransport)
            and request.params is None
            and request.files is None
            and request.form is None
        ):
            request = request.replace(params=[])
        params = (
            request.params
            if isinstance(self.transport, JsonRpcTransport)
            else (request.json if request.json is not UNSET else None)
        )
        call = VendorCall(
            self.connector,
            request.method if isinstance(self.transport, JsonRpcTransport) else request.path,
            params,
            http_method="POST" if isinstance(self.transport, JsonRpcTransport) else request.method.upper(),
            headers=dict(request.headers),
            integration_id=self.integration_id,
        )
        return self._exchange(request, call=call)

    def _from_call(self, request: Request, call: VendorCall) -> Request:
        out = request.replace(headers=dict(call.headers))
        if isinstance(self.transport, JsonRpcTransport):
            if out.params is not None:
                out.params = list(call.params or [])
        elif out.json is not UNSET:
            out.json = call.params
        return out

    def _parse_context(self) -> ParseContext:
        return ParseContext(self.retry, self.auth.relogin_on, self._redact, self.rules)

    def _build(self, request: Request, any_host: bool) -> HttpCall:
        if any_host:
            return build_plain(request)
        return self.transport.build(request, self.base_url)

    def _exchange(
        self,
        request: Request,
        *,
        call: VendorCall | None = None,
        authenticated: bool = True,
        relogin: bool = True,
        raw: bool = False,
        any_host: bool = False,
        parse: Parse | None = None,
    ) -> Response:
        name = request.name
        ctx = self._parse_context()
        attempt, limited, refreshes = 0, 0, 0
        while True:
            attempt += 1
            if call is not None:
                call.attempt = attempt
            self.limiter.acquire()
            started = time.monotonic()
            used: Any = None
            retry_after: float | None = None
            try:
                outgoing = request
                if call is not None and self.hook is not None:
                    self.hook.unimap_before_call(call=call)
                    outgoing = self._from_call(request, call)
                if authenticated:
                    outgoing, used = self.auth.apply(outgoing, self)
                built = self._build(outgoing, any_host)
                http_request = self._http.build_request(built.method, built.url, **built.kwargs)
                try:
                    with self.limiter.slot():
                        response = self._http.send(http_request)
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    raise Retry(f"connection failed ({type(exc).__name__})", sent=False, kind="connection") from None
                except httpx.TimeoutException:
                    raise Retry("timed out", kind="timeout") from None
                except httpx.TransportError as exc:
                    raise Retry(f"connection failed ({type(exc).__name__})", kind="connection") from None
                finally:
                    self.stats.count(name)
                retry_after = self.limiter.observe_headers(response.headers, response.status_code)
                if response.status_code == 429:
                    limited += 1
                    self.stats.bump("rate_limited")
                    wait = retry_after if retry_after is not None else 1.0
                    self.limiter.block_for(wait)
                    if limited > MAX_RATE_LIMITED:
                        raise RemoteRateLimited(
                            f"{name}: rate limited {limited} times", call=name, status=429, retry_after=wait
                        )
                    attempt -= 1  # waiting out a 429 does not use up an attempt
                    continue
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("%s: HTTP %d (attempt %d)", self.redact(name), response.status_code, attempt)
                if parse is not None:
                    parsed = parse(response, outgoing)
                else:
                    parsed = (
                        self.transport.parse(response, outgoing, ctx, raw=raw)
                        if not any_host
                        else RestTransport.parse_plain(response, outgoing, ctx)
                    )
                parsed.request = request
                if call is not None and self.hook is not None:
                    vendor = VendorResponse(
                        parsed.status, parsed.body, dict(parsed.headers), parsed.url, time.monotonic() - started
                    )
                    self.hook.unimap_after_call(call=call, response=vendor)
                    parsed.body = vendor.data
                return parsed
            except Relogin as refused:
                if not authenticated or not relogin or refreshes >= self.auth.max_refreshes:
                    if isinstance(self.auth, SessionAuth) or not authenticated:
                        message = f"{name}: the session was refused again after logging in"
                    else:
                        message = f"{name}: the vendor refused the credentials ({self._redact(refused.reason)})"
                    raise AuthenticationInvalid(message, call=name) from None
                refreshes += 1
                attempt -= 1
                self.auth.refresh(self, used)
            except Retry as retry:
                reason = self._redact(retry.reason)
                if retry.sent and request.write:
                    raise RemoteUnavailable(
                        f"{name}: {reason}; the outcome is unknown (the vendor may have "
                        f"applied it), so the write was not repeated",
                        call=name,
                    ) from None
                if attempt >= self.retry.max_attempts or not self._retryable(retry.kind):
                    raise RemoteUnavailable(f"{name}: {reason} after {attempt} attempt(s)", call=name) from None
                self.stats.bump("retries")
                log.info(
                    "%s: %s; retrying (attempt %d of %d)",
                    self.redact(name),
                    reason,
                    attempt + 1,
                    self.retry.max_attempts,
                )
                pause = retry.wait if retry.wait is not None else retry_after  # a 503's Retry-After
                self._sleep(pause if pause is not None else self.retry.backoff(attempt))

    def _retryable(self, kind: str) -> bool:
        if kind in ("timeout", "connection"):
            return self.retry.retry_on_timeout
        if kind == "malformed":
            return self.retry.retry_on_malformed
        return True

    # -- files and passthrough -------------------------------------------------------------

    def upload(self, filename: str, content: bytes, content_type: str) -> dict[str, Any]:
        """Upload a file through the transport's ``upload_path``; return the vendor's file record."""
        path = self.transport_spec.get("upload_path")
        if not path:
            raise ConfigError(f"{self.connector}: the transport has no upload_path")
        request = Request(
            "upload",
            path=path,
            files={"file": (filename, content, content_type)},
            form={},
            write=True,  # an upload whose answer is lost may have stored the file: never repeated
            label="upload",
        )
        ctx = self._parse_context()

        def parse(response: httpx.Response, sent: Request) -> Response:
            status = response.status_code
            if status in self.retry.retry_on_status or status >= 500:
                raise Retry(f"HTTP {status}", sent=status not in (502, 503, 504))
            if status >= 400:
                raise RemoteError(f"upload: HTTP {status}", call="upload", status=status)
            try:
                body = orjson.loads(response.content)
            except ValueError:
                raise Retry("malformed response body (not JSON)", kind="malformed") from None
            if isinstance(body, dict) and body.get("error"):
                error = body["error"]
                message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
                if any(trigger in message for trigger in ctx.relogin_on):
                    raise Relogin(message)
                raise RemoteInputInvalid(f"upload: {self._redact(message)}")
            if not isinstance(body, list) or not body or not isinstance(body[0], dict):
                raise Retry("malformed response body (no file record)", kind="malformed")
            return Response(status, response.headers, body[0], str(response.url), response.content)

        record: dict[str, Any] = self._exchange(request, parse=parse).body
        return record

    @contextlib.contextmanager
    def stream(
        self, request: Request, *, session_query: str | None = None, session_header: str | None = None
    ) -> Iterator[httpx.Response]:
        """A GET on the vendor's host with the auth applied, its body left unread (a file download).

        ``session_query``/``session_header`` place the session or token there instead of where the
        auth usually puts it. A refused credential is renewed once; the status is the caller's to check.
        """
        for attempt in (1, 2):
            self.limiter.acquire()
            if session_query or session_header:
                secret = self.session()
                outgoing = request.replace()
                if session_query:
                    outgoing.query[session_query] = secret
                if session_header:
                    outgoing.headers[session_header] = secret
            else:
                outgoing, _ = self.auth.apply(request, self)
            url = resolve_url(self.base_url, outgoing.path, label=request.name)
            built = build_plain(outgoing, url)
            try:
                with self.limiter.slot():
                    http_request = self._http.build_request(built.method, built.url, **built.kwargs)
                    response = self._http.send(http_request, stream=True)
            except httpx.HTTPError as exc:
                raise RemoteUnavailable(
                    f"{request.name}: connection failed ({type(exc).__name__})", call=request.name
                ) from None
            finally:
                self.stats.count(request.name)
            if response.status_code in (401, 403) and attempt == 1:
                response.close()
                self.auth.refresh(self, self.session() if (session_query or session_header) else None)
                continue
            try:
                yield response
            finally:
                response.close()
            return

    def passthrough(
        self,
        method: str,
        params: Any = None,
        *,
        path: str | None = None,
        http_method: str | None = None,
        body: Any = None,
        query: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A raw vendor call with the auth injected; Kombo's passthrough shape ``{url, status, headers, data}``.

        JSON-RPC: ``method`` and ``params``, or a whole envelope ``body`` forwarded as sent (its ``id`` kept).
        REST: ``http_method`` (or ``method``, when it is an HTTP method) on ``path`` with ``query`` and a
        JSON ``body``. Only this integration's own host is reachable: another host is refused.
        """
        if path:
            resolve_url(self.base_url, path, label="passthrough")
        if isinstance(self.transport, JsonRpcTransport):
            if isinstance(body, Mapping):
                envelope = dict(body)
                method = str(envelope.get("method", method))
                sent = envelope.get("params")
                request = Request(
                    method,
                    path=path or "",
                    json=envelope,
                    params=list(sent) if isinstance(sent, list) else None,
                    label=method,
                    write=True,  # a raw call may change anything: never repeated when its outcome is unknown
                    query=dict(query or {}),
                )
            else:
                request = Request(
                    method,
                    path=path or "",
                    params=list(params or []),
                    label=method,
                    write=True,  # a raw call may change anything: never repeated when its outcome is unknown
                    query=dict(query or {}),
                )
        else:
            verb = (http_method or (method if method.upper() in METHODS else "GET")).upper()
            target = path or (method if method.upper() not in METHODS else "")
            payload = body if body is not None else (params if params is not None else UNSET)
            request = Request(
                verb,
                target,
                query=dict(query or {}),
                json=payload,
                write=verb not in ("GET", "HEAD"),
                label=f"{verb} {target}",
                allow_text=True,
            )
        response = self._exchange(request, raw=True)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("set-cookie",)}
        return {"url": response.url, "status": response.status, "headers": headers, "data": response.body}


def open_client(engine: Any, connector: str, credentials: dict[str, Any], **options: Any) -> VendorClient:
    """A client for ``connector`` as its spec describes, with the engine's hooks and functions."""
    specs = engine.connector(connector)
    options.setdefault("functions", getattr(engine, "functions", None))
    options.setdefault("settings", engine.settings(connector) if hasattr(engine, "settings") else None)
    return VendorClient(connector, specs.data, credentials, hook=engine.hook, **options)
