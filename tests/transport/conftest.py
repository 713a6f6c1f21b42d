"""Helpers for transport unit tests: a scripted vendor behind ``httpx.MockTransport`` and a client factory."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from unimap.transport import VendorClient

BASE = "http://vendor.test"
Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Vendor:
    """Routes ``(METHOD, path)`` to handlers (or queued responses) and records every request."""

    routes: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, *responses: Any) -> Vendor:
        """Answer ``method path`` with ``responses`` in turn (the last repeats): Responses, handlers, exceptions."""
        self.routes.setdefault((method.upper(), path), []).extend(responses)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx.Response(404, json={"message": f"no route {request.method} {request.url.path}"})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)  # type: ignore[no-any-return]
        assert isinstance(answer, httpx.Response)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    def paths(self) -> list[str]:
        """``METHOD path?query`` of every request."""
        return [f"{r.method} {r.url.raw_path.decode()}" for r in self.requests]

    def bodies(self) -> list[Any]:
        """JSON bodies of every request."""
        return [json.loads(r.content) if r.content else None for r in self.requests]


class Clock:
    """A fake clock that moves when something sleeps."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


REST: dict[str, Any] = {
    "transport": {"type": "rest", "base_url": BASE},
    "retry": {"max_attempts": 3, "initial_backoff_seconds": 0},
}
RPC: dict[str, Any] = {
    "transport": {"type": "jsonrpc", "base_url": BASE, "path": "/rpc"},
    "retry": {"max_attempts": 3, "initial_backoff_seconds": 0},
}


@pytest.fixture
def vendor() -> Vendor:
    return Vendor()


def make_client(
    spec: dict[str, Any], vendor: Handler, credentials: dict[str, Any] | None = None, **options: Any
) -> VendorClient:
    """A client for ``spec`` whose requests go to ``vendor``, never to the network, and that never sleeps."""
    options.setdefault("sleep", lambda seconds: None)
    return VendorClient(
        "acme", spec, credentials if credentials is not None else {}, transport=httpx.MockTransport(vendor), **options
    )


def rpc_result(result: Any) -> Handler:
    """A JSON-RPC handler answering ``result`` with the request's id."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})

    return answer


def rpc_error(message: str, code: int = -32000) -> Handler:
    """A JSON-RPC handler answering an error."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(
            200, json={"jsonrpc": "2.0", "id": body["id"], "error": {"code": code, "message": message}}
        )

    return answer
