"""Vendor clients: JSON-RPC with session login, retries, rate limiting and hook calls.

Secrets (credentials, session ids) never reach logs, errors or hooks' ``call.params``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

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
from unimap.transport.ratelimit import RateLimiter
from unimap.transport.retry import RetryPolicy

log = logging.getLogger("unimap.transport")
MAX_RATE_LIMITED = 30  # 429s tolerated for one call before giving up
MAX_RELOGINS = 3  # sessions refused for one call before giving up (a session may expire again mid-retries)


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


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None, *, sent: bool = True) -> None:
        self.reason = reason
        self.wait = wait
        self.sent = sent  # whether the vendor may have run the call


class _Relogin(Exception):
    pass


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


class VendorClient:
    """A JSON-RPC vendor client configured by a connector spec (``transport``, ``auth``, limits).

    ``call(method, params)`` returns the RPC ``result``; the session is inserted at
    ``auth.session_param`` for every method not listed in ``auth.unauthenticated_methods``.
    """

    def __init__(self, connector: str, spec: dict[str, Any], credentials: dict[str, Any], *,
                 base_url: str | None = None, hook: Any = None, transport: httpx.BaseTransport | None = None,
                 requests_per_minute: float | None = None, integration_id: str | None = None,
                 timeout: float | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.connector = connector
        self.spec = spec
        self.transport_spec = spec["transport"]
        if self.transport_spec["type"] != "jsonrpc":
            raise ConfigError(f"{connector}: transport {self.transport_spec['type']!r} is not supported yet")
        self.auth = spec.get("auth") or {"type": "none"}
        self._credentials = dict(credentials)
        self.base_url = (base_url or self.transport_spec["base_url"]).rstrip("/")
        self.url = self.base_url + self.transport_spec.get("path", "")
        self.hook = hook
        self.integration_id = integration_id
        self.retry = RetryPolicy.from_spec(spec.get("retry"))
        limits = spec.get("rate_limit") or {}
        rpm = limits.get("requests_per_minute", 0) if requests_per_minute is None else requests_per_minute
        self.limiter = RateLimiter(rpm, pause_below=int(limits.get("pause_below", 0)), sleep=sleep)
        self._remaining_header = limits.get("remaining_header")
        self._reset_header = limits.get("reset_header")
        self.timeout = timeout or float(self.transport_spec.get("timeout_seconds", 30))
        self._sleep = sleep
        self._http = httpx.Client(transport=transport, timeout=self.timeout, follow_redirects=False,
                                  headers={"Accept": "application/json", "User-Agent": "unimap"})
        self._session: str | None = None
        self._session_at = 0.0
        self._session_lock = threading.Lock()
        self._local = threading.local()
        self._ids = 0
        self.stats = CallStats()

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Log out (best effort) and close the HTTP connection pool."""
        logout = self.auth.get("logout_method")
        if self._session and logout:
            try:
                self._post_rpc(logout, [self._session])
            except Exception:  # logging out is a courtesy
                log.debug("logout failed", exc_info=False)
        self._session = None
        self._http.close()

    def __enter__(self) -> VendorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def secrets(self) -> list[str]:
        """Every secret value this client holds (for redaction)."""
        values = [str(v) for v in self._credentials.values() if v]
        return [*values, self._session] if self._session else values

    # -- sessions ----------------------------------------------------------------------------

    def _needs_session(self, method: str) -> bool:
        return self.auth.get("type") in ("session_login", "hook") and \
            method not in self.auth.get("unauthenticated_methods", [])

    def session(self, *, refused: str | None = None) -> str:
        """The current session; logs in when there is none, it is old, or it is the ``refused`` one."""
        with self._session_lock:
            lifetime = float(self.auth.get("session_lifetime_seconds", 0) or 0)
            stale = lifetime and time.monotonic() - self._session_at > lifetime
            if (refused is not None and refused == self._session) or self._session is None or stale:
                if self._session is not None:
                    self.stats.bump("relogins")
                self._session = self._login()
                self._session_at = time.monotonic()
            return self._session

    def _login(self) -> str:
        def login(method: str, params: list[Any]) -> Any:
            try:
                return self._exchange(method, lambda: self._post_rpc(method, params), retry_relogin=False)
            except RemoteInputInvalid as exc:
                raise AuthenticationInvalid(f"{self.connector}: login refused ({exc.message.split(': ', 1)[-1]})",
                                            call=method) from None

        if self.hook is None:
            from unimap.default_plugins.auth import unimap_authenticate

            session = unimap_authenticate(self.connector, self.auth, self._credentials, login)
        else:
            session = self.hook.unimap_authenticate(connector=self.connector, auth=self.auth,
                                                    credentials=self._credentials, login=login)
        if not session:
            raise AuthenticationInvalid(f"{self.connector}: no plugin could authenticate (auth type "
                                        f"{self.auth.get('type')!r})")
        return session

    def _use_session(self) -> str:
        session = self.session()
        self._local.session = session
        return session

    @property
    def _used_session(self) -> str | None:
        return getattr(self._local, "session", None)

    def _relogin_trigger(self, message: str) -> bool:
        return any(trigger in message for trigger in self.auth.get("relogin_on", []))

    # -- calls -------------------------------------------------------------------------------

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        """Call RPC ``method`` with ``params`` (no session); return its ``result``."""
        params = list(params or [])
        call = VendorCall(self.connector, method, params, integration_id=self.integration_id)

        def send() -> httpx.Response:
            if self.hook is not None:
                self.hook.unimap_before_call(call=call)
            full = list(call.params)
            if self._needs_session(method):
                full.insert(int(self.auth.get("session_param", 0)), self._use_session())
            return self._post_rpc(method, full, call.headers)

        result = self._exchange(method, send, call=call)
        return result

    def _post_rpc(self, method: str, params: list[Any], headers: dict[str, str] | None = None) -> httpx.Response:
        self._ids += 1
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": self._ids}
        return self._http.post(self.url, json=body, headers=headers or None)

    def _exchange(self, method: str, send: Callable[[], httpx.Response], *, call: VendorCall | None = None,
                  retry_relogin: bool = True, parse: Callable[[httpx.Response], Any] | None = None) -> Any:
        attempt, limited, relogins = 0, 0, 0
        parse = parse or (lambda response: self._parse_rpc(response, method))
        while True:
            attempt += 1
            if call is not None:
                call.attempt = attempt
            self.limiter.acquire()
            started = time.monotonic()
            try:
                try:
                    response = send()
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    raise _Retry(f"connection failed ({type(exc).__name__})", sent=False) from None
                except httpx.TimeoutException:
                    raise _Retry("timed out") from None
                except httpx.TransportError as exc:
                    raise _Retry(f"connection failed ({type(exc).__name__})") from None
                finally:
                    self.stats.count(method)
                self._observe(response)
                if response.status_code == 429:
                    limited += 1
                    self.stats.bump("rate_limited")
                    retry_after = _int(response.headers.get("Retry-After"))
                    wait = float(retry_after) if retry_after is not None and retry_after >= 0 else 1.0
                    self.limiter.block_for(wait)
                    if limited > MAX_RATE_LIMITED:
                        raise RemoteRateLimited(f"{method}: rate limited {limited} times", call=method, status=429,
                                                retry_after=wait)
                    attempt -= 1  # waiting out a 429 does not use up an attempt
                    continue
                if response.status_code in self.retry.retry_on_status or response.status_code >= 500:
                    raise _Retry(f"HTTP {response.status_code}", sent=response.status_code not in (502, 503, 504))
                if response.status_code >= 400:
                    raise RemoteError(f"{method}: HTTP {response.status_code}", call=method,
                                      status=response.status_code)
                data = parse(response)
                if call is not None and self.hook is not None:
                    vendor = VendorResponse(response.status_code, data, dict(response.headers), str(response.url),
                                            time.monotonic() - started)
                    self.hook.unimap_after_call(call=call, response=vendor)
                    data = vendor.data
                return data
            except _Relogin:
                if relogins >= MAX_RELOGINS or not retry_relogin:
                    raise AuthenticationInvalid(f"{method}: the session was refused again after logging in",
                                                call=method) from None
                relogins += 1
                attempt -= 1
                self.session(refused=self._used_session)
            except _Retry as retry:
                if retry.sent and self.retry.is_write(method):
                    raise RemoteUnavailable(f"{method}: {retry.reason}; the outcome is unknown (the vendor may have "
                                            f"applied it), so the write was not repeated", call=method) from None
                if attempt >= self.retry.max_attempts or not self._retryable(retry.reason):
                    raise RemoteUnavailable(f"{method}: {retry.reason} after {attempt} attempt(s)",
                                            call=method) from None
                self.stats.bump("retries")
                self._sleep(retry.wait if retry.wait is not None else self.retry.backoff(attempt))

    def _retryable(self, reason: str) -> bool:
        if reason in ("timed out",) or reason.startswith("connection"):
            return self.retry.retry_on_timeout
        if reason.startswith("malformed"):
            return self.retry.retry_on_malformed
        return True

    def _observe(self, response: httpx.Response) -> None:
        if self._remaining_header and self._reset_header:
            remaining = _int(response.headers.get(self._remaining_header))
            reset = _int(response.headers.get(self._reset_header))
            self.limiter.observe(remaining, float(reset) if reset is not None else None)

    def _parse_rpc(self, response: httpx.Response, method: str) -> Any:
        try:
            body = orjson.loads(response.content)
        except ValueError:
            raise _Retry("malformed response body (not JSON)") from None
        if not isinstance(body, dict):
            raise _Retry("malformed response body (not a JSON-RPC object)")
        error = body.get("error")
        if error:
            message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
            if self._relogin_trigger(message):
                raise _Relogin()
            raise RemoteInputInvalid(f"{method}: {self._redact(message)}", call=method)
        if "result" not in body:
            raise _Retry("malformed response body (no result)")
        return body["result"]

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    # -- files and passthrough -------------------------------------------------------------

    def upload(self, filename: str, content: bytes, content_type: str) -> dict[str, Any]:
        """Upload a file through the transport's ``upload_path``; return the vendor's file record."""
        path = self.transport_spec.get("upload_path")
        if not path:
            raise ConfigError(f"{self.connector}: the transport has no upload_path")
        method = "upload"

        def send() -> httpx.Response:
            files = {"file": (filename, content, content_type)}
            return self._http.post(self.base_url + path, files=files, data={"sessionId": self._use_session()})

        def parse(response: httpx.Response) -> Any:
            try:
                body = orjson.loads(response.content)
            except ValueError:
                raise _Retry("malformed response body (not JSON)") from None
            if isinstance(body, dict) and body.get("error"):
                message = str(body["error"].get("message", body["error"])) if isinstance(body["error"], dict) \
                    else str(body["error"])
                if self._relogin_trigger(message):
                    raise _Relogin()
                raise RemoteInputInvalid(f"upload: {self._redact(message)}")
            if not isinstance(body, list) or not body or not isinstance(body[0], dict):
                raise _Retry("malformed response body (no file record)")
            return body[0]

        return self._exchange(method, send, parse=parse)

    def passthrough(self, method: str, params: list[Any] | None = None, *, path: str | None = None) -> dict[str, Any]:
        """A raw RPC call with the session injected; Kombo's passthrough shape ``{url, status, headers, data}``.

        Only this integration's own host is reachable: an absolute ``path`` naming
        another host is refused.
        """
        target = self.url
        if path:
            parts = urlsplit(path)
            if parts.scheme or parts.netloc:
                own = urlsplit(self.base_url)
                if (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
                    raise RemoteInputInvalid(f"passthrough: {parts.netloc or path} is not this integration's host "
                                             f"({own.netloc})")
                target = path
            else:
                target = self.base_url + "/" + path.lstrip("/")
        holder: dict[str, Any] = {}

        def send() -> httpx.Response:
            full = list(params or [])
            if self._needs_session(method):
                full.insert(int(self.auth.get("session_param", 0)), self._use_session())
            self._ids += 1
            return self._http.post(target, json={"jsonrpc": "2.0", "method": method, "params": full, "id": self._ids})

        def parse(response: httpx.Response) -> Any:
            try:
                body = orjson.loads(response.content)
            except ValueError:
                body = response.text
            if isinstance(body, dict) and isinstance(body.get("error"), dict) and \
                    self._relogin_trigger(str(body["error"].get("message", ""))):
                raise _Relogin()
            holder["response"] = response
            return body

        data = self._exchange(method, send, parse=parse)
        response = holder["response"]
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("set-cookie",)}
        return {"url": str(response.url), "status": response.status_code, "headers": headers, "data": data}


def open_client(engine: Any, connector: str, credentials: dict[str, Any], **options: Any) -> VendorClient:
    """A client for ``connector`` as its spec describes, with the engine's hooks."""
    specs = engine.connector(connector)
    return VendorClient(connector, specs.data, credentials, hook=engine.hook, **options)
