"""Running the app with uvicorn: in the foreground (``unimap serve``) or in a thread (tests, benchmarks).

``serve(..., workers=N)`` runs N worker processes on one listening socket (uvicorn's supervisor,
which restarts a worker that dies); each builds its own app from the options in ``UNIMAP_SERVE``
(see :func:`app_from_environment`) and opens its own store connection (SQLite in WAL mode reads
concurrently; PostgreSQL pools per process).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from typing import Any

import uvicorn

SERVE_ENV = "UNIMAP_SERVE"  # the app options of ``serve --workers N``, JSON, for the worker processes


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket (port 0 = a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY on these
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


class ApiServer:
    """uvicorn serving ``app`` on a loopback port in a background thread.

    >>> with ApiServer(create_app(service)) as server:  # doctest: +SKIP
    ...     server.url   # http://127.0.0.1:PORT/v1
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning") -> None:
        self.app = app
        self.host = host
        self.port = port
        self.config = uvicorn.Config(
            app, host=host, port=port, log_level=log_level, lifespan="on", access_log=False, timeout_graceful_shutdown=5
        )
        self.server = uvicorn.Server(self.config)
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The API base URL, ``http://HOST:PORT/v1``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def start(self, timeout: float = 30.0) -> ApiServer:
        """Bind, serve in a thread, and wait until the app has started."""
        self._socket = bind(self.host, self.port)
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self._socket]}, name=f"unimap-api-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut down (lifespan shutdown included) and join the thread."""
        if self._thread is None:
            return
        self.server.should_exit = True
        self._thread.join()
        self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(app: Any, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "info") -> None:
    """Serve ``app`` in the foreground until interrupted (Ctrl-C or SIGTERM)."""
    uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on", timeout_graceful_shutdown=10)
    ).run()


def serve_workers(
    options: dict[str, Any], host: str = "127.0.0.1", port: int = 8000, *, workers: int, log_level: str = "info"
) -> None:
    """Serve ``create_app(**options)`` from ``workers`` processes in the foreground until interrupted."""
    os.environ[SERVE_ENV] = json.dumps({**options, "shared": True})
    uvicorn.run(
        f"{__name__}:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )


def app_from_environment() -> Any:
    """The app of one worker process: ``create_app`` with the options ``serve_workers`` left in ``UNIMAP_SERVE``."""
    from unimap.api.app import create_app

    options = json.loads(os.environ[SERVE_ENV])
    return create_app(options.pop("store_url"), **options)
