"""Retries and write-safety over REST and JSON-RPC: reads are retried, writes with an unknown outcome never are."""

from __future__ import annotations

import httpx
import pytest

from unimap.errors import RemoteUnavailable
from unimap.transport import Request

from .conftest import REST, RPC, Vendor, make_client, rpc_result


def test_get_timeout_is_retried(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.ReadTimeout("slow"), httpx.Response(200, json={"ok": 1}))
    client = make_client(REST, vendor)
    assert client.send(Request("GET", "/x")).body == {"ok": 1}
    assert client.stats.retries == 1
    assert client.stats.by_method["GET /x"] == 2


def test_post_timeout_is_not_repeated(vendor: Vendor) -> None:
    vendor.on("POST", "/v3/candidates", httpx.ReadTimeout("slow"), httpx.Response(201, json={"id": 1}))
    with pytest.raises(RemoteUnavailable, match="outcome is unknown"):
        make_client(REST, vendor).send(Request("POST", "/v3/candidates", json={"a": 1}, write=True))
    assert len(vendor.requests) == 1


@pytest.mark.parametrize("answer", [httpx.Response(500), httpx.Response(200, text="<html>oops</html>")])
def test_write_with_a_500_or_garbled_answer_is_not_repeated(vendor: Vendor, answer: httpx.Response) -> None:
    vendor.on("POST", "/v3/notes", answer, httpx.Response(201, json={}))
    with pytest.raises(RemoteUnavailable, match="not repeated"):
        make_client(REST, vendor).send(Request("POST", "/v3/notes", json={}, write=True))
    assert len(vendor.requests) == 1


@pytest.mark.parametrize("answer", [httpx.Response(503), httpx.ConnectError("refused")])
def test_write_the_vendor_surely_did_not_run_is_retried(vendor: Vendor, answer: object) -> None:
    vendor.on("POST", "/v3/notes", answer, httpx.Response(201, json={"id": 9}))
    assert make_client(REST, vendor).send(Request("POST", "/v3/notes", json={}, write=True)).body == {"id": 9}
    assert len(vendor.requests) == 2


def test_get_retries_run_out(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.Response(502))
    with pytest.raises(RemoteUnavailable, match="after 3 attempt"):
        make_client(REST, vendor).send(Request("GET", "/x"))
    assert len(vendor.requests) == 3


def test_backoff_sleeps_between_attempts(vendor: Vendor) -> None:
    slept: list[float] = []
    vendor.on("GET", "/x", httpx.Response(500), httpx.Response(500), httpx.Response(200, json=[]))
    spec = {**REST, "retry": {"max_attempts": 3, "initial_backoff_seconds": 1, "max_backoff_seconds": 2}}
    make_client(spec, vendor, sleep=slept.append).send(Request("GET", "/x"))
    assert len(slept) == 2
    assert 0.5 <= slept[0] <= 1 and 1 <= slept[1] <= 2


def test_no_retry_on_timeout_when_switched_off(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.ReadTimeout("slow"), httpx.Response(200, json={}))
    spec = {**REST, "retry": {"max_attempts": 3, "retry_on_timeout": False}}
    with pytest.raises(RemoteUnavailable):
        make_client(spec, vendor).send(Request("GET", "/x"))
    assert len(vendor.requests) == 1


def test_jsonrpc_write_methods_decide_write_safety_by_default(vendor: Vendor) -> None:
    vendor.on("POST", "/rpc", httpx.ReadTimeout("slow"), rpc_result("uid-1"))
    spec = {**RPC, "retry": {**RPC["retry"], "write_methods": [r"\.add$"]}}
    with pytest.raises(RemoteUnavailable, match="not repeated"):
        make_client(spec, vendor).call("Svc.add", [{}])
    assert make_client(spec, vendor).call("Svc.get", []) == "uid-1"  # a read: answered by the next response
    forced = Vendor().on("POST", "/rpc", httpx.ReadTimeout("slow"), rpc_result("x"))
    with pytest.raises(RemoteUnavailable):
        make_client(spec, forced).call("Svc.get", [], write=True)
    assert len(forced.requests) == 1


def test_jsonrpc_garbled_answers_are_retried_for_reads(vendor: Vendor) -> None:
    vendor.on(
        "POST",
        "/rpc",
        httpx.Response(200, text="not json"),
        httpx.Response(200, json=[1]),
        httpx.Response(200, json={"jsonrpc": "2.0", "id": 3}),
        rpc_result({"ok": True}),
    )
    client = make_client({**RPC, "retry": {"max_attempts": 4, "initial_backoff_seconds": 0}}, vendor)
    assert client.call("Svc.get", []) == {"ok": True}
    assert client.stats.retries == 3
    assert [b["id"] for b in vendor.bodies()] == [1, 2, 3, 4]


def test_rest_accepts_an_empty_body(vendor: Vendor) -> None:
    vendor.on("DELETE", "/v3/x/1", httpx.Response(204))
    response = make_client(REST, vendor).send(Request("DELETE", "/v3/x/1", write=True))
    assert (response.status, response.body) == (204, None)


def test_rest_text_body_when_the_request_allows_it(vendor: Vendor) -> None:
    vendor.on("GET", "/health", httpx.Response(200, text="OK"))
    assert make_client(REST, vendor).send(Request("GET", "/health", allow_text=True)).body == "OK"


def test_form_and_multipart_bodies(vendor: Vendor) -> None:
    from urllib.parse import parse_qs

    vendor.on("POST", "/form", httpx.Response(200, json={}))
    vendor.on("POST", "/upload", httpx.Response(201, json={"id": 1}))
    client = make_client(REST, vendor)
    client.send(Request("POST", "/form", form={"n": 3, "flag": True, "skip": None}))
    assert parse_qs(vendor.requests[0].content.decode()) == {"n": ["3"], "flag": ["true"]}
    client.send(
        Request(
            "POST",
            "/upload",
            form={"type": "resume", "n": 1},
            files={"file": ("cv.pdf", b"%PDF", "application/pdf")},
            write=True,
        )
    )
    body = vendor.requests[1].content
    assert b'name="type"\r\n\r\nresume' in body and b'name="n"\r\n\r\n1' in body
    assert b'filename="cv.pdf"' in body and b"%PDF" in body


def test_query_lists_repeat_and_none_is_dropped(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.Response(200, json=[]))
    make_client(REST, vendor).send(Request("GET", "/x", query={"ids": [1, 2], "skip": None, "on": False}))
    assert vendor.paths() == ["GET /x?ids=1&ids=2&on=false"]


def test_call_is_for_jsonrpc_only(vendor: Vendor) -> None:
    from unimap.errors import ConfigError

    with pytest.raises(ConfigError, match="JSON-RPC"):
        make_client(REST, vendor).call("Svc.get", [])
