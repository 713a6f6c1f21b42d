"""Webhook tests: a loopback receiver that records POSTs (and can fail the first few), and PostgreSQL stores."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from store.pg import make_pg_url, make_store_url, pg_url, store_url  # noqa: F401  (fixtures)


class Receiver:
    """A loopback HTTP server: answers ``fail_first`` POSTs with 500, then 200; records every POST."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.got: list[tuple[dict[str, str], bytes, int]] = []
        self._cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer._cond:
                    status = 500 if len(outer.got) < outer.fail_first else 200
                    outer.got.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
                    outer._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def delivered(self) -> list[tuple[dict[str, str], bytes]]:
        """The POSTs answered 200."""
        with self._cond:
            return [(h, b) for h, b, s in self.got if s == 200]

    def wait(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` POSTs were answered 200."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while sum(1 for *_, s in self.got if s == 200) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def make_receiver() -> Iterator[Callable[..., Receiver]]:
    """``make(fail_first=0)``: a started loopback receiver, stopped at teardown."""
    made: list[Receiver] = []

    def make(fail_first: int = 0) -> Receiver:
        made.append(Receiver(fail_first))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let unimap call loopback receivers; retry after 0.05 s, 0.1 s, 0.2 s… (fast tests)."""
    monkeypatch.setenv("UNIMAP_WEBHOOK_ALLOW", "127.0.0.1")
    monkeypatch.setenv("UNIMAP_WEBHOOK_RETRY_SECONDS", "0.05")
    monkeypatch.setenv("UNIMAP_WEBHOOK_TIMEOUT", "3")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from store.pg import deselect_without_server

    deselect_without_server(config, items)
