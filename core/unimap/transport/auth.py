"""Authentication components: where a credential goes on each request, and how it is obtained or renewed.

An :class:`Auth` never performs HTTP itself: it asks its :class:`AuthHost` (the vendor client) to
log in or fetch a token, so retries, rate limits, stats and redaction apply to those calls too.
"""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from unimap.errors import AuthenticationInvalid, ConfigError, RemoteError
from unimap.transport.request import Request, Response

__all__ = [
    "ApiKeyAuth",
    "Auth",
    "AuthHost",
    "BasicAuth",
    "BearerAuth",
    "NoAuth",
    "OAuth2ClientCredentials",
    "SessionAuth",
]

#: a session refused this many times within one call gives up (it may expire again mid-retries)
MAX_RELOGINS = 3
OAUTH_REFUSALS = frozenset(
    {
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "invalid_scope",
        "access_denied",
        "unsupported_grant_type",
    }
)


class AuthHost(Protocol):
    """What an auth component may use of the client that owns it."""

    connector: str
    hook: Any

    @property
    def credentials(self) -> Mapping[str, Any]: ...

    @property
    def settings(self) -> Mapping[str, Any]: ...

    def login_call(self, method: str, params: list[Any]) -> Any:
        """An unauthenticated call (retried; a refusal raises ``AuthenticationInvalid``); its result."""

    def call_once(self, method: str, params: list[Any]) -> Any:
        """One unauthenticated call, not retried (for logging out)."""

    def fetch(self, request: Request) -> Response:
        """An unauthenticated request to any host (a token endpoint), retried; 4xx answers are returned."""

    def bump(self, counter: str) -> None:
        """Increment one of the client's stats counters."""

    def redact(self, text: str) -> str:
        """``text`` with every secret the client knows replaced by ``***``."""


def _context(host: AuthHost) -> dict[str, Any]:
    return {"credentials": dict(host.credentials), "settings": dict(host.settings)}


class Auth:
    """No authentication; the base of every auth component.

    ``apply`` returns the request with the credential in place and a token naming the credential
    used; ``refresh(host, used)`` after the vendor refused ``used`` (the client retries at most
    ``max_refreshes`` times per call). ``relogin_on``: JSON-RPC error messages meaning "refused".
    """

    type = "none"
    max_refreshes = 0
    relogin_on: tuple[str, ...] = ()

    def apply(self, request: Request, host: AuthHost) -> tuple[Request, Any]:
        """``request`` with the credential injected, and what was used (for :meth:`refresh`)."""
        return request, None

    def refresh(self, host: AuthHost, used: Any) -> None:
        """Forget ``used`` so that the next :meth:`apply` obtains a new credential."""
        raise AuthenticationInvalid(f"{host.connector}: the vendor refused the credentials")

    def authenticate(self, host: AuthHost) -> bool:
        """Obtain the credential now (session login, token fetch); whether there was anything to check."""
        return False

    def close(self, host: AuthHost) -> None:
        """Give back what was obtained (log out), best effort."""

    def secrets(self) -> list[str]:
        """Secret values this component holds now (tokens, sessions)."""
        return []


class NoAuth(Auth):
    """``type: none``: requests go out as they are."""


def _render(template: Any, data: Mapping[str, Any], what: str, host: AuthHost, *, required: bool = True) -> str:
    value = template.render(data) if template is not None else ""
    if required and not value:
        raise AuthenticationInvalid(f"{host.connector}: the integration has no {what} (auth template gave nothing)")
    return str(value)


class BasicAuth(Auth):
    """``type: basic``: HTTP Basic with ``username`` and ``password`` templates."""

    type = "basic"

    def __init__(self, username: Any, password: Any) -> None:
        self.username = username
        self.password = password
        self._last: list[str] = []

    def apply(self, request: Request, host: AuthHost) -> tuple[Request, Any]:
        data = _context(host)
        user = _render(self.username, data, "username", host)
        password = _render(self.password, data, "password", host, required=False)
        self._last = [password] if password else []
        out = request.replace()
        out.headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return out, None

    def secrets(self) -> list[str]:
        return list(self._last)


class BearerAuth(Auth):
    """``type: bearer``: ``Authorization: Bearer <token>`` from a template."""

    type = "bearer"

    def __init__(self, token: Any, header: str = "Authorization", scheme: str = "Bearer") -> None:
        self.token = token
        self.header = header
        self.scheme = scheme
        self._last: str | None = None

    def apply(self, request: Request, host: AuthHost) -> tuple[Request, Any]:
        token = _render(self.token, _context(host), "token", host)
        self._last = token
        out = request.replace()
        out.headers[self.header] = f"{self.scheme} {token}" if self.scheme else token
        return out, None

    def secrets(self) -> list[str]:
        return [self._last] if self._last else []


class ApiKeyAuth(Auth):
    """``type: api_key``: a key in a header or a query parameter."""

    type = "api_key"

    def __init__(self, name: str, value: Any, placement: str = "header") -> None:
        if placement not in ("header", "query"):
            raise ConfigError(f"auth api_key: `in` must be header or query, not {placement!r}")
        self.name = name
        self.value = value
        self.placement = placement
        self._last: str | None = None

    def apply(self, request: Request, host: AuthHost) -> tuple[Request, Any]:
        value = _render(self.value, _context(host), f"{self.name} key", host)
        self._last = value
        out = request.replace()
        if self.placement == "header":
            out.headers[self.name] = value
        else:
            out.query[self.name] = value
        return out, None

    def secrets(self) -> list[str]:
        return [self._last] if self._last else []


def _expiry(value: Any, now: float, *, absolute: bool) -> float | None:
    """Seconds-since-epoch expiry from ``expires_in`` (seconds) or ``expires_at`` (RFC 3339 or epoch)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if absolute else now + float(value)
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        return number if absolute else now + number
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")).timestamp()
    except ValueError:
        return None


class OAuth2ClientCredentials(Auth):
    """``type: oauth2_client_credentials``: a bearer token minted at ``token_url``, renewed before it expires.

    The client authenticates with HTTP Basic (``client_auth: basic``) or form fields (``body``);
    ``extra`` adds form fields (e.g. ``sub``). A 401 refreshes the token once.
    """

    type = "oauth2_client_credentials"
    max_refreshes = 1

    def __init__(
        self,
        token_url: Any,
        client_id: Any,
        client_secret: Any,
        *,
        client_auth: str = "basic",
        scope: Any = None,
        extra: Mapping[str, Any] | None = None,
        access_token: Any = None,
        expires_in: Any = None,
        expires_at: Any = None,
        refresh_margin_seconds: float = 60.0,
        header: str = "Authorization",
        scheme: str = "Bearer",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if client_auth not in ("basic", "body"):
            raise ConfigError(f"auth oauth2_client_credentials: client_auth must be basic or body, not {client_auth!r}")
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.client_auth = client_auth
        self.scope = scope
        self.extra = dict(extra or {})
        self.access_token = access_token
        self.expires_in = expires_in
        self.expires_at = expires_at
        self.margin = float(refresh_margin_seconds)
        self.header = header
        self.scheme = scheme
        self.clock = clock
        self._token: str | None = None
        self._expires: float | None = None
        self._secret: str | None = None
        self._lock = threading.Lock()
        self.fetched = 0

    def _fresh(self) -> bool:
        if self._token is None:
            return False
        return self._expires is None or self.clock() < self._expires - self.margin

    def token(self, host: AuthHost) -> str:
        """The current token; fetched when there is none or it is about to expire."""
        with self._lock:
            if not self._fresh():
                self._token, self._expires = self._fetch(host)
            assert self._token is not None
            return self._token

    def _fetch(self, host: AuthHost) -> tuple[str, float | None]:
        data = _context(host)
        client_id = _render(self.client_id, data, "client id", host)
        secret = _render(self.client_secret, data, "client secret", host)
        self._secret = secret
        url = _render(self.token_url, data, "token URL", host)
        form: dict[str, Any] = {"grant_type": "client_credentials"}
        scope = self.scope
        if scope:
            form["scope"] = " ".join(scope) if isinstance(scope, list) else str(scope)
        for name, expression in self.extra.items():
            value = expression.search(data)
            if value not in (None, ""):
                form[name] = value if isinstance(value, str) else str(value)
        headers = {"Accept": "application/json"}
        if self.client_auth == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        else:
            form.update(client_id=client_id, client_secret=secret)
        response = host.fetch(Request("POST", url, form=form, headers=headers, label="oauth2 token", allow_text=True))
        self.fetched += 1
        body = response.body if isinstance(response.body, dict) else {}
        if response.status >= 400 or not isinstance(response.body, dict):
            error = str(body.get("error") or f"HTTP {response.status}")
            description = body.get("error_description")
            detail = host.redact(f"{error}: {description}" if description else error)
            if error in OAUTH_REFUSALS or response.status in (400, 401, 403):
                raise AuthenticationInvalid(
                    f"{host.connector}: the token request was refused ({detail})",
                    call="oauth2 token",
                    status=response.status,
                )
            raise RemoteError(
                f"{host.connector}: the token request failed ({detail})", call="oauth2 token", status=response.status
            )
        view = response.view()["body"]
        token = self.access_token.search(view) if self.access_token is not None else body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthenticationInvalid(
                f"{host.connector}: the token response has no access token", call="oauth2 token"
            )
        now = self.clock()
        at = self.expires_at.search(view) if self.expires_at is not None else body.get("expires_at")
        expires = _expiry(at, now, absolute=True)
        if expires is None:
            seconds = self.expires_in.search(view) if self.expires_in is not None else body.get("expires_in")
            expires = _expiry(seconds, now, absolute=False)
        return token, expires

    def apply(self, request: Request, host: AuthHost) -> tuple[Request, Any]:
        token = self.token(host)
        out = request.replace()
        out.headers[self.header] = f"{self.scheme} {token}" if self.scheme else token
        return out, token

    def refresh(self, host: AuthHost, used: Any) -> None:
        with self._lock:
            if used is None or used == self._token:
                self._token, self._expires = None, None
        host.bump("relogins")

    def authenticate(self, host: AuthHost) -> bool:
        self.token(host)
        return True

    def secrets(self) -> list[str]:
        return [s for s in (self._token, self._secret) if s]


class SessionAuth(Auth):
    """``type: session_login`` and ``type: hook``: log in once, inject the session into every request.

    The login runs declaratively (``login: {method, params}``, ``session`` over its result) or through
    the ``unimap_authenticate`` hook (``type: hook``, and the classic ``login_method``/``credential``
    keys, which the built-in plugin serves). ``inject`` places the session: ``params_index`` (JSON-RPC
    params), ``header`` (with ``prefix``), ``query``, or ``form`` (requests with a form or files).
    """

    max_refreshes = MAX_RELOGINS

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        kind: str = "session_login",
        login_params: Any = None,
        session: Any = None,
        logout_params: Any = None,
    ) -> None:
        self.config = dict(config)
        self.type = kind
        login = config.get("login")
        self.login_method = login.get("method") if isinstance(login, Mapping) else config.get("login_method")
        self.declarative = isinstance(login, Mapping)
        if kind == "session_login" and not self.login_method:
            raise ConfigError("auth session_login needs `login: {method, params}` (or `login_method`)")
        self.login_params = login_params
        self.session_expr = session
        logout = config.get("logout", config.get("logout_method"))
        self.logout_method = logout.get("method") if isinstance(logout, Mapping) else logout
        self.logout_params = logout_params
        inject = config.get("inject")
        if inject is None:
            inject = {"params_index": int(config.get("session_param", 0)), "form": "sessionId"}
        self.inject = dict(inject)
        self.unauthenticated = frozenset(config.get("unauthenticated_methods", ()))
        if self.login_method:
            self.unauthenticated |= {self.login_method}
        self.relogin_on = tuple(config.get("relogin_on", ()))
        self.lifetime = float(config.get("lifetime_seconds", config.get("session_lifetime_seconds", 0)) or 0)
        self.clock: Callable[[], float] = time.monotonic
        self._session: str | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    @property
    def current(self) -> str | None:
        """The session held now, if any."""
        return self._session

    def session(self, host: AuthHost, *, refused: str | None = None) -> str:
        """The current session; logs in when there is none, it is old, or it is the ``refused`` one."""
        with self._lock:
            stale = self.lifetime and self.clock() - self._at > self.lifetime
            if (refused is not None and refused == self._session) or self._session is None or stale:
                if self._session is not None:
                    host.bump("relogins")
                self._session = self._login(host)
                self._at = self.clock()
            return self._session

    def _login(self, host: AuthHost) -> str:
        if self.declarative:
            params = self.login_params.search(_context(host)) if self.login_params is not None else []
            result = host.login_call(str(self.login_method), list(params) if isinstance(params, list) else [params])
            session = self.session_expr.search(result) if self.session_expr is not None else result
            if not isinstance(session, str | int) or isinstance(session, bool) or session == "":
                raise AuthenticationInvalid(f"{host.connector}: {self.login_method} did not return a session")
            return str(session)
        auth = dict(self.config)
        if host.hook is None:
            from unimap.default_plugins.auth import unimap_authenticate

            found = unimap_authenticate(host.connector, auth, dict(host.credentials), host.login_call)
        else:
            found = host.hook.unimap_authenticate(
                connector=host.connector, auth=auth, credentials=dict(host.credentials), login=host.login_call
            )
        if not found:
            raise AuthenticationInvalid(
                f"{host.connector}: no plugin could authenticate (auth type {self.config.get('type')!r})"
            )
        return str(found)

    def needs_session(self, request: Request) -> bool:
        """Whether ``request`` carries the session (all but the unauthenticated methods, labels or paths)."""
        names = self.unauthenticated
        return not (
            request.method in names
            or (request.label and request.label in names)
            or (request.path and request.path in names)
        )

    def apply(self, request: Request, host: AuthHost) -> tuple[Request, Any]:
        if not self.needs_session(request):
            return request, None
        session = self.session(host)
        out = request.replace()
        if "params_index" in self.inject and out.params is not None and (out.files is None and out.form is None):
            out.params.insert(int(self.inject["params_index"]), session)
        if "form" in self.inject and (out.files is not None or out.form is not None):
            out.form = {**(out.form or {}), str(self.inject["form"]): session}
        if "header" in self.inject:
            out.headers[str(self.inject["header"])] = str(self.inject.get("prefix", "")) + session
        if "query" in self.inject:
            out.query[str(self.inject["query"])] = session
        return out, session

    def refresh(self, host: AuthHost, used: Any) -> None:
        self.session(host, refused=used if used is not None else self._session)

    def authenticate(self, host: AuthHost) -> bool:
        self.session(host)
        return True

    def close(self, host: AuthHost) -> None:
        session, self._session = self._session, None
        if session and self.logout_method:
            data = {**_context(host), "session": session}
            params = self.logout_params.search(data) if self.logout_params is not None else [session]
            with contextlib.suppress(Exception):  # logging out is a courtesy
                host.call_once(str(self.logout_method), list(params) if isinstance(params, list) else [params])

    def secrets(self) -> list[str]:
        return [self._session] if self._session else []
