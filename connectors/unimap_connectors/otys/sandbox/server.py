"""The HTTP server and the ``Sandbox`` object tests and the CLI start.

Loopback only. ``ThreadingHTTPServer`` with HTTP/1.1 keep-alive; ``stop()`` shuts the accept
loop, closes every open connection, joins every handler thread and the webhook worker, so
nothing is left behind (threads, sockets, the port).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import downloads
from .app import App, Response, dump
from .faults import FaultInjector, FaultSpec
from .generator import TenantData, generate, parse_size
from .presets import resolve as resolve_preset
from .ratelimit import RateLimiter
from .services import Engine
from .sessions import SessionStore
from .settings import SandboxSettings
from .stats import Stats
from .store import Tenant
from .webhooks import WebhookDispatcher, is_loopback_host

log = logging.getLogger(__name__)
_UNSET: Any = object()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OTYS-Sandbox/1.0"
    sys_version = ""
    timeout = 300  # idle keep-alive connections are closed after this
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _body(self) -> bytes | None:
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
        length = self.headers.get("Content-Length")
        if length is None:
            return None
        return self.rfile.read(int(length))

    def do_POST(self) -> None:
        app = self.server.app
        path = urlsplit(self.path).path
        body = self._body()
        if body is None:
            self._send(Response(411, b'{"error":"Content-Length required"}'))
            return
        if path == "/jservice.php":
            self._send(app.jservice(body))
        elif path == "/fileService.php":
            self._send(app.upload(self.headers.get("Content-Type", ""), body))
        else:
            self._send(Response(404, dump({"error": f"no such endpoint: {path}"})))

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/fileService.php" and parts.query:  # a document download (downloads.py)
            self._send(downloads.download(self.server.app, parts.query))
        elif path in ("/jservice.php", "/fileService.php"):
            self._send(Response(405, dump({"error": "use POST"}), headers={"Allow": "POST"}))
        else:
            self._send(Response(404, dump({"error": f"no such endpoint: {path}"})))

    def _send(self, resp: Response) -> None:
        self.server.stats.bump("http_status", resp.status)
        if "X-Orl-Requests-Remaining" not in resp.headers:
            resp.headers.update(self.server.app.plain_headers())
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(resp.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, stats: Stats) -> None:
        self.app = app
        self.stats = stats
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
        import sys

        exc = sys.exc_info()[1]
        if self.stopping or isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        log.exception("OTYS sandbox: error while handling a request from %s", client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class Sandbox:
    """A local OTYS Web Services server over one generated tenant.

    Use as a context manager (``with Sandbox(seed=1) as sb:``) or call ``start()``/``stop()``.
    ``preset`` names a tenant variant (presets.py; None = ``default``) and ``settings`` overlays
    it with its own non-default choices; ``rate_limit`` (default 350/min; 0 or None = off) and
    ``session_lifetime`` override both; ``faults`` is a fault SPEC string (see faults.py).
    """

    def __init__(
        self,
        seed: int = 1,
        size: str | int = "small",
        rate_limit: int | None = _UNSET,
        faults: str | FaultSpec | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: SandboxSettings | None = None,
        *,
        session_lifetime: float | None = None,
        tenant_data: TenantData | None = None,
        preset: str | None = None,
    ) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"the OTYS sandbox only listens on loopback addresses, not {host!r}")
        settings = resolve_preset(preset, settings)
        self.preset = preset or "default"
        if rate_limit is not _UNSET:
            settings.rate_limit = rate_limit or None
        if session_lifetime is not None:
            settings.session_lifetime = float(session_lifetime)
        self.settings = settings
        self.seed = seed
        self.size = parse_size(size)
        self.host = host
        self.port = port
        data = tenant_data or generate(seed, size, settings)
        self.tenant = Tenant(data, settings)
        self.api_key = data.api_key
        self.stats = Stats()
        self.sessions = SessionStore(settings, {data.api_key})
        self._stop = threading.Event()
        self.faults = FaultInjector(
            faults, hang_seconds=settings.hang_seconds, burst_length=settings.burst_length, stats=self.stats
        )
        self.limiter = RateLimiter(settings.rate_limit, settings.rate_window, settings.monotonic)
        self.webhooks = WebhookDispatcher(self.tenant, self.stats, settings.webhook_timeout, settings.webhooks_enabled)
        self.engine = Engine(self.tenant, self.sessions, settings, self.stats, self.faults, self.webhooks)
        self.app = App(
            engine=self.engine,
            tenant=self.tenant,
            sessions=self.sessions,
            limiter=self.limiter,
            faults=self.faults,
            stats=self.stats,
            settings=settings,
            stop=self._stop,
        )
        self.tenant.listeners.append(self._on_tenant_change)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind the port and serve in a background thread."""
        if self._server is not None:
            return self
        self._stop.clear()
        cls = _Server6 if ":" in self.host else _Server
        self._server = cls((self.host, self.port), self.app, self.stats)
        self.port = self._server.server_address[1]
        self.webhooks.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"otys-sandbox-{self.port}",
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

    # -- addresses -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` (jservice at ``+ "/jservice.php"``)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def jservice_url(self) -> str:
        """The JSON-RPC endpoint."""
        return self.base_url + "/jservice.php"

    @property
    def file_url(self) -> str:
        """The upload endpoint."""
        return self.base_url + "/fileService.php"

    # -- test controls -------------------------------------------------------------------

    def expire_sessions(self) -> int:
        """Expire every session now ("please login again"); returns how many were alive."""
        return self.sessions.expire_all()

    def new_session(self) -> str:
        """A session id made without an HTTP round trip (not counted, not rate limited)."""
        return self.sessions.login(self.api_key)

    def fail_next(self, method: str, n: int = 1, kind: str = "500", delay: float | None = None) -> None:
        """Make the next ``n`` requests of ``method`` fail with ``kind``.

        ``method`` is a full or suffix name (``"CandidateService.getListEx"``, ``"loginByUid"``,
        ``"fileService"``); kinds: 500, 502, 503, 429, error, malformed, hang (``delay`` seconds).
        Inside MultiService/wrapRequest a matching inner call fails as an error entry.
        """
        self.faults.fail_next(method, n, kind, delay)

    def set_rate_limit(self, limit: int | None) -> None:
        """Requests per window per API key (0/None = off)."""
        self.settings.rate_limit = limit or None
        self.limiter.set_limit(limit)

    def reset_rate_limit(self) -> None:
        """Start fresh windows for every API key."""
        self.limiter.reset()

    def set_faults(self, spec: str | FaultSpec | None) -> FaultSpec:
        """Replace the random fault spec (re-seeded); returns the parsed spec."""
        return self.faults.set_spec(spec)

    def wait_webhooks(self, timeout: float = 5.0) -> bool:
        """Wait until queued webhook deliveries were attempted."""
        return self.webhooks.wait_idle(timeout)

    def _on_tenant_change(self, service: str, action: str, uid: Any, data: Any) -> None:
        args: list[Any] = {"add": ["<ui>", data], "update": ["<ui>", uid, data], "delete": ["<ui>", uid]}[action]
        with self.tenant.lock:
            self.webhooks.notify(f"{service}.{action}", args, True if action != "add" else uid)
