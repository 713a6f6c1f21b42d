"""Passthrough: JSON-RPC envelopes forwarded as sent, REST with auth injected, never another host."""

from __future__ import annotations

import httpx
import pytest

from unimap.errors import RemoteInputInvalid

from .conftest import BASE, REST, RPC, Vendor, make_client, rpc_result

SESSION = {"type": "session_login", "login_method": "login", "credential": "key", "unauthenticated_methods": ["login"]}


def test_jsonrpc_body_is_forwarded_as_sent_with_the_session(vendor: Vendor) -> None:
    vendor.on("POST", "/rpc", rpc_result("SID"), rpc_result({"a": 1}))
    client = make_client({**RPC, "auth": SESSION}, vendor, {"key": "k-1234"})
    envelope = {"jsonrpc": "2.0", "method": "Svc.get", "params": ["u1"], "id": "caller-7"}
    out = client.passthrough("Svc.get", body=envelope)
    assert vendor.bodies()[1] == {"jsonrpc": "2.0", "method": "Svc.get", "params": ["SID", "u1"], "id": "caller-7"}
    assert out["status"] == 200
    assert out["data"] == {"jsonrpc": "2.0", "id": "caller-7", "result": {"a": 1}}
    assert out["url"] == BASE + "/rpc"
    assert envelope["params"] == ["u1"]  # the caller's body is not changed


def test_jsonrpc_method_and_params_and_raw_errors(vendor: Vendor) -> None:
    vendor.on(
        "POST",
        "/rpc",
        lambda r: httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "error": {"code": 1, "message": "not found"}}),
    )
    out = make_client(RPC, vendor).passthrough("Svc.get", ["x"])
    assert out["data"]["error"]["message"] == "not found"
    assert vendor.bodies() == [{"jsonrpc": "2.0", "method": "Svc.get", "params": ["x"], "id": 1}]


def test_rest_passthrough_injects_the_bearer_and_returns_errors_raw(vendor: Vendor) -> None:
    vendor.on("GET", "/v3/jobs", httpx.Response(200, json=[{"id": 1}], headers={"Set-Cookie": "a=b", "X-T": "1"}))
    vendor.on("POST", "/v3/notes", httpx.Response(422, json={"errors": ["no"]}))
    client = make_client(
        {**REST, "auth": {"type": "bearer", "token": "{credentials.token}"}}, vendor, {"token": "tok-1"}
    )
    out = client.passthrough("GET", path="/v3/jobs", query={"per_page": 1})
    assert out == {"url": BASE + "/v3/jobs?per_page=1", "status": 200, "headers": out["headers"], "data": [{"id": 1}]}
    assert "set-cookie" not in {k.lower() for k in out["headers"]}
    assert vendor.requests[0].headers["Authorization"] == "Bearer tok-1"
    out = client.passthrough("POST", path="/v3/notes", body={"body": "hi"})
    assert (out["status"], out["data"]) == (422, {"errors": ["no"]})
    assert vendor.bodies()[1] == {"body": "hi"}
    out = client.passthrough("ignored", path="/v3/jobs", http_method="get")
    assert out["status"] == 200


@pytest.mark.parametrize("spec", [REST, RPC])
@pytest.mark.parametrize(
    "path", ["https://evil.test/x", "//evil.test/x", "https://vendor.test/x", "http://vendor.test@evil.test/x"]
)
def test_another_host_is_refused_before_anything_is_sent(vendor: Vendor, spec: dict, path: str) -> None:
    with pytest.raises(RemoteInputInvalid, match="not this integration's host"):
        make_client(spec, vendor).passthrough("GET", path=path)
    assert vendor.requests == []


def test_own_host_by_absolute_url(vendor: Vendor) -> None:
    vendor.on("GET", "/v3/x", httpx.Response(200, json={}))
    assert make_client(REST, vendor).passthrough("GET", path=BASE + "/v3/x")["status"] == 200
