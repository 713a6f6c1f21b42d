"""Fixtures for the Greenhouse sandbox tests: the sandbox fixtures, an HTTP client and a fake clock.

``pytest_plugins`` is only honoured in the root conftest, so the plugin's two fixtures are
imported here instead (same effect for this folder).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from unimap_connectors.greenhouse.sandbox import Sandbox
from unimap_connectors.greenhouse.sandbox.pytest_plugin import (  # noqa: F401  (fixtures)
    greenhouse_sandbox,
    greenhouse_sandbox_factory,
)


class FakeClock:
    """A settable wall clock (epoch seconds) for ``Sandbox(clock=...)``."""

    def __init__(self, start: float = 1_796_000_000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class Api:
    """A bearer-authenticated client of one sandbox."""

    def __init__(self, sb: Sandbox, http: httpx.Client, token: str | None = None) -> None:
        self.sb = sb
        self.http = http
        self.token = token or self.fetch_token()

    def fetch_token(self, sub: int | None = None) -> str:
        c = self.sb.credentials
        resp = self.http.post(
            self.sb.token_url,
            auth=(c.client_id, c.client_secret),
            data={"grant_type": "client_credentials", "sub": str(sub or c.user_id)},
        )
        assert resp.status_code == 200, resp.text
        return resp.json()["access_token"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, params: Any = None, **kw: Any) -> httpx.Response:
        url = path if path.startswith("http") else self.sb.base_url + path
        return self.http.get(url, params=params, headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.http.post(self.sb.base_url + path, json=json, headers=self.headers, **kw)

    def delete(self, path: str) -> httpx.Response:
        return self.http.delete(self.sb.base_url + path, headers=self.headers)

    def rows(self, resource: str, **params: Any) -> list[dict[str, Any]]:
        resp = self.get(f"/v3/{resource}", params=params or None)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def all(self, resource: str, **params: Any) -> list[dict[str, Any]]:
        """Every row, following Link headers."""
        out: list[dict[str, Any]] = []
        resp = self.get(f"/v3/{resource}", params={"per_page": 500, **params})
        while True:
            assert resp.status_code == 200, resp.text
            out.extend(resp.json())
            link = resp.headers.get("link")
            if not link:
                return out
            resp = self.get(link.split(">")[0][1:])


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One HTTP client for the whole run (loopback only)."""
    with httpx.Client(timeout=20) as client:
        yield client


@pytest.fixture
def make_api(http: httpx.Client) -> Callable[..., Api]:
    def make(sb: Sandbox, token: str | None = None) -> Api:
        return Api(sb, http, token)

    return make


@pytest.fixture
def api(greenhouse_sandbox: Sandbox, make_api: Callable[..., Api]) -> Api:  # noqa: F811
    """A client of the default small sandbox with a Site Admin token."""
    return make_api(greenhouse_sandbox)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
