"""The threaded HTTP server and the ``Sandbox`` object tests and the CLI start.

Loopback only; HTTP/1.1 keep-alive. ``stop()`` shuts the accept loop, closes open connections and
joins the serving and webhook threads, so no thread, socket or port is left behind.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .app import App, Response, dump
from .auth import Auth, Credentials
from .faults import FaultInjector, FaultSpec
from .generator import TenantData, generate, parse_size
from .ratelimit import RateLimiter
from .stats import Stats
from .tenant import Tenant
from .webhooks import Webhooks, is_loopback

log = logging.getLogger(__name__)
_UNSET: Any = object()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Greenhouse-Sandbox/1.0"
    sys_version = ""
    timeout = 300
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: no tokens in logs
        return

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            resp = self.server.app.handle(self.command, self.path, headers, body)
        except Exception:
            log.exception("Greenhouse sandbox: error while handling %s", self.command)
            resp = Response(500, dump({"message": "Internal Server Error"}))
        self._send(resp)

    do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _serve

    def _send(self, resp: Response) -> None:
        self.server.app.stats.bump("http_status", resp.status)
        self.send_response(resp.status)
        if resp.body or resp.status != 302:
            self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = False  # a busy port must fail loudly
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self.stopping = False
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Unblock every handler thread by shutting its socket."""
        with self._conns_lock:
            conns = list(self._conns)
        for sock in conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if self.stopping or isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        log.exception("Greenhouse sandbox: error while handling a request")


class _Server6(_Server):
    address_family = socket.AF_INET6


class Sandbox:
    """A local Greenhouse Harvest v3 server (API host and auth host in one) over one generated tenant.

    ``rate_limit`` is requests per ``rate_window`` seconds per OAuth client (default 50 per 30 s;
    None/0 = off). ``faults`` is a fault spec string (see faults.py). ``order`` is ``id_desc``
    (default) or ``id_asc``. ``clock`` (epoch seconds) drives tokens, cursors, windows and
    timestamps of writes.
    """

    def __init__(
        self,
        seed: int = 1,
        size: str | int = "small",
        rate_limit: int | None = 50,
        faults: str | FaultSpec | None = None,
        order: str = "id_desc",
        token_ttl_seconds: float = 3600,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_window: float = 30.0,
        cursor_ttl_seconds: float | None = 24 * 3600,
        transition_sunset: int | None = None,
        clock: Callable[[], float] | None = None,
        tenant_data: TenantData | None = None,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the Greenhouse sandbox only listens on loopback addresses, not {host!r}")
        if order not in ("id_desc", "id_asc"):
            raise ValueError("order must be id_desc or id_asc")
        if transition_sunset not in (None, 401, 404):
            raise ValueError("transition_sunset must be None, 401 or 404")
        self.seed = seed
        self.size = parse_size(size)
        self.host = host
        self.port = port
        self.order = order
        self.clock = clock or time.time
        data = tenant_data or generate(seed, self.size)
        self.tenant = Tenant(data, self.clock)
        self.stats = Stats()
        self.auth = Auth(self.tenant, data.secret, self.clock, token_ttl_seconds)
        self.auth.transition_status = transition_sunset
        self.faults = FaultInjector(faults)
        self.auth.expire_every = self.faults.spec.token_expiry
        self.limiter = RateLimiter(rate_limit, rate_window, self.clock)
        self.webhooks = Webhooks(self.tenant, self.stats)
        self._stop = threading.Event()
        self.app = App(
            self.tenant,
            self.auth,
            self.limiter,
            self.faults,
            self.stats,
            self.webhooks,
            order=order,
            cursor_ttl=cursor_ttl_seconds,
            clock=self.clock,
            stop=self._stop,
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind the port and serve in a background thread (raises OSError when the port is busy)."""
        if self._server is not None:
            return self
        self._stop.clear()
        cls = _Server6 if ":" in self.host else _Server
        self._server = cls((self.host, self.port), self.app)
        self.port = self._server.server_address[1]
        self.app.base_url = self.base_url
        self.webhooks.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"greenhouse-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; joins every thread and closes every socket (idempotent)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stop.set()
        server.stopping = True
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self.webhooks.stop()
        self._server = self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._server is not None

    # -- addresses and credentials -------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the API host (``/v3/...``, ``/auth/token``)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def token_url(self) -> str:
        """The auth host's token endpoint (``{base_url}/token``)."""
        return self.base_url + "/token"

    @property
    def authorize_url(self) -> str:
        """The auth host's consent endpoint (``{base_url}/authorize``)."""
        return self.base_url + "/authorize"

    @property
    def credentials(self) -> Credentials:
        """The custom OAuth client (client_credentials) and a Site Admin ``user_id`` for ``sub``."""
        return Credentials(self.auth.custom.client_id, self.auth.custom.client_secret, self.tenant.site_admin_id)

    @property
    def partner_credentials(self) -> Credentials:
        """The partner OAuth client (authorization_code + refresh_token) and a Site Admin."""
        return Credentials(self.auth.partner.client_id, self.auth.partner.client_secret, self.tenant.site_admin_id)

    @property
    def api_key(self) -> str:
        """The legacy v1/v2 Harvest key accepted by ``POST /auth/token`` (until sunset)."""
        return self.auth.api_key

    def connect_command(self) -> str:
        """The ``unimap connect greenhouse …`` line for this sandbox."""
        c = self.credentials
        return (
            f"unimap connect greenhouse --base-url {self.base_url} --setting token_url={self.token_url} "
            f"--credential client_id={c.client_id} --credential client_secret={c.client_secret} "
            f"--credential user_id={c.user_id}"
        )

    # -- test controls -------------------------------------------------------------------

    def issue_token(self, user_id: int | None = None, ttl: float | None = None) -> str:
        """An access token for the custom client without an HTTP round trip (not counted)."""
        uid = self.tenant.site_admin_id if user_id is None else user_id
        return self.auth.mint(self.auth.custom, uid, ttl=ttl)[0]

    def issue_auth_code(
        self,
        user_id: int | None = None,
        redirect_uri: str = "http://127.0.0.1/callback",
        scopes: set[str] | None = None,
    ) -> str:
        """An authorization code for the partner client (valid 60 s), as if the user had consented."""
        return self.auth.issue_code(user_id, redirect_uri, scopes)

    def expire_tokens(self) -> None:
        """Expire every access token issued so far (401 on their next use)."""
        self.auth.expire_all()

    def set_token_expiry(self, seconds: float | None) -> None:
        """Early-expiry fault: tokens die ``seconds`` after issue (None = only at their ``expires_at``)."""
        self.auth.expire_every = seconds

    def remove_scope(self, scope: str, partner: bool = False) -> None:
        """Take a scope away from the client; live tokens lose it at once."""
        (self.auth.partner if partner else self.auth.custom).scopes.discard(scope)

    def add_scope(self, scope: str, partner: bool = False) -> None:
        """Give a scope (back) to the client."""
        (self.auth.partner if partner else self.auth.custom).scopes.add(scope)

    def set_transition_sunset(self, status: int | None) -> None:
        """``POST /auth/token`` answers ``status`` (401 or 404) from now on; None re-enables it."""
        self.auth.transition_status = status

    def fail_next(self, route: str, n: int = 1, kind: str = "500", delay: float | None = None, after: int = 0) -> None:
        """Fail ``n`` requests of ``route`` (``"/v3/candidates"``, ``"*"``) after ``after`` good ones.

        Kinds: 500, 502, 503, 429, malformed (200 with a truncated body), hang (``delay`` seconds).
        """
        self.faults.fail_next(route, n, kind, delay, after)

    def set_faults(self, spec: str | FaultSpec | None) -> FaultSpec:
        """Replace the random fault spec (re-seeded)."""
        parsed = self.faults.set_spec(spec)
        self.auth.expire_every = parsed.token_expiry
        return parsed

    def set_rate_limit(self, limit: int | None, window: float | None = None) -> None:
        """Requests per window per client (None/0 = off); counts restart."""
        self.limiter.set_limit(limit, window)

    def add_webhook(
        self, endpoint_url: str, event: str, secret_key: str = "sandbox-secret", name: str | None = None
    ) -> dict[str, Any]:
        """Register a webhook for the custom client (as ``POST /v3/webhooks`` would)."""
        return self.webhooks.create(
            self.auth.custom.client_id,
            {"name": name or event, "endpoint_url": endpoint_url, "event_action_type": event, "secret_key": secret_key},
        )

    def wait_webhooks(self, timeout: float = 5.0) -> bool:
        """Wait until queued webhook deliveries were attempted."""
        return self.webhooks.wait_idle(timeout)

    def digest(self) -> str:
        """SHA-256 of the tenant's current rows."""
        return self.tenant.digest()
