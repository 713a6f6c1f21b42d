"""The call hooks over REST: once per attempt, may edit headers and the JSON body, never see credentials."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from unimap.calls import VendorCall, VendorResponse
from unimap.hookspecs import hookimpl
from unimap.plugins import make_manager
from unimap.transport import RateLimiter, Request

from .conftest import REST, RPC, Vendor, make_client, rpc_result


class Watch:
    def __init__(self) -> None:
        self.before: list[tuple[str, str, int, Any, dict[str, str]]] = []
        self.after: list[tuple[int, Any]] = []

    @hookimpl
    def unimap_before_call(self, call: VendorCall) -> None:
        self.before.append((call.http_method, call.method, call.attempt, call.params, dict(call.headers)))
        call.headers["X-Trace"] = "t-1"
        if isinstance(call.params, dict):
            call.params = {**call.params, "traced": True}

    @hookimpl
    def unimap_after_call(self, call: VendorCall, response: VendorResponse) -> None:
        self.after.append((response.status, response.data))
        response.data = {"wrapped": response.data}


def test_rest_hooks_see_the_call_without_credentials(vendor: Vendor) -> None:
    vendor.on("POST", "/v3/notes", httpx.Response(503), httpx.Response(201, json={"id": 5}))
    watch = Watch()
    spec = {**REST, "auth": {"type": "bearer", "token": "{credentials.token}"}}
    client = make_client(spec, vendor, {"token": "tok-secret"}, hook=make_manager([watch], entry_points=False).hook)
    response = client.send(Request("POST", "/v3/notes", json={"body": "hi"}, headers={"X-A": "1"}))
    assert response.body == {"wrapped": {"id": 5}}
    assert [b[:3] for b in watch.before] == [("POST", "/v3/notes", 1), ("POST", "/v3/notes", 2)]
    assert watch.before[0][3] == {"body": "hi"}
    assert all("tok-secret" not in repr(b) for b in watch.before)
    assert watch.after == [(201, {"id": 5})]
    sent = vendor.requests[-1]
    assert sent.headers["X-Trace"] == "t-1" and sent.headers["X-A"] == "1"
    assert sent.headers["Authorization"] == "Bearer tok-secret"
    assert json.loads(sent.content) == {"body": "hi", "traced": True}


def test_authenticate_logs_in_a_session(vendor: Vendor) -> None:
    vendor.on("POST", "/rpc", rpc_result("SID-1"))
    auth = {"type": "session_login", "login": {"method": "login", "params": "[credentials.key]"}}
    client = make_client({**RPC, "auth": auth}, vendor, {"key": "k-1234"})
    client.authenticate()
    assert [b["method"] for b in vendor.bodies()] == ["login"]
    assert client.session() == "SID-1"
    assert "SID-1" in client.secrets


def test_concurrency_bounds_requests_in_flight() -> None:
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(request: httpx.Request) -> httpx.Response:
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.02)
        with lock:
            active["now"] -= 1
        return httpx.Response(200, json={})

    client = make_client({**REST, "rate_limit": {"concurrency": 2}}, slow)
    assert isinstance(client.limiter, RateLimiter)
    threads = [threading.Thread(target=lambda: client.send(Request("GET", "/x"))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert active["max"] == 2
    assert client.stats.requests == 6
