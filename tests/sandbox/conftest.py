"""Helpers for the OTYS sandbox tests: a tiny JSON-RPC client over httpx and a fake clock.

The ``otys_sandbox`` / ``otys_sandbox_factory`` fixtures come from
``unimap_connectors.otys.sandbox.pytest_plugin``, registered in the root ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from unimap_connectors.otys.sandbox.server import Sandbox

P = "Otys.Services."


class FakeClock:
    """A settable wall clock for SandboxSettings.clock / .monotonic."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class Rpc:
    """Calls one sandbox's /jservice.php and keeps a session."""

    def __init__(self, sb: Sandbox, client: httpx.Client) -> None:
        self.sb = sb
        self.client = client
        self.sid: str | None = None
        self._id = 0

    def post(self, body: Any, **kw: Any) -> httpx.Response:
        if isinstance(body, (bytes, str)):
            return self.client.post(self.sb.jservice_url, content=body, **kw)
        return self.client.post(self.sb.jservice_url, json=body, **kw)

    def raw(self, method: str, params: list[Any], rid: Any = None, **kw: Any) -> httpx.Response:
        self._id += 1
        return self.post(
            {"jsonrpc": "2.0", "method": method, "params": params, "id": self._id if rid is None else rid}, **kw
        )

    def call(self, method: str, *params: Any) -> dict[str, Any]:
        resp = self.raw(method, list(params))
        assert resp.status_code == 200, resp.text
        return resp.json()

    def result(self, method: str, *params: Any) -> Any:
        env = self.call(method, *params)
        assert "error" not in env, env
        return env["result"]

    def error(self, method: str, *params: Any) -> dict[str, Any]:
        env = self.call(method, *params)
        assert "error" in env and "result" not in env, env
        assert isinstance(env["error"]["code"], int)
        return env["error"]

    def login(self) -> str:
        self.sid = self.result("loginByUid", self.sb.api_key)
        return self.sid

    def svc(self, method: str, *params: Any) -> Any:
        """Result of ``Otys.Services.<method>`` with the session first."""
        return self.result(P + method, self.sid, *params)

    def svc_error(self, method: str, *params: Any) -> dict[str, Any]:
        return self.error(P + method, self.sid, *params)

    def list_all(self, service: str, options: dict[str, Any], page: int = 200) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            got = self.svc(f"{service}.getListEx", {**options, "limit": page, "offset": offset})["listOutput"]
            rows.extend(got)
            if len(got) < page:
                return rows
            offset += page


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One client for the whole run (building an httpx client costs ~0.2 s of TLS set-up)."""
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def make_rpc(http: httpx.Client):  # type: ignore[no-untyped-def]
    def make(sb: Sandbox, login: bool = True) -> Rpc:
        rpc = Rpc(sb, http)
        if login:
            rpc.login()
        return rpc

    return make


@pytest.fixture
def rpc(otys_sandbox: Sandbox, make_rpc) -> Rpc:  # type: ignore[no-untyped-def]
    """A logged-in client of the default small sandbox."""
    return make_rpc(otys_sandbox)
