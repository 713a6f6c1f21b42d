"""JSON-RPC envelope and HTTP behaviour of /jservice.php (checklist 1, 2, 27-29)."""

from __future__ import annotations

import httpx
import pytest

from .conftest import P, Rpc


def test_success_envelope_echoes_id(rpc: Rpc) -> None:
    for rid in (1, 42, "abc", None):
        resp = rpc.post({"jsonrpc": "2.0", "method": "check", "params": [rpc.sid], "id": rid})
        body = resp.json()
        assert resp.status_code == 200
        assert body["jsonrpc"] == "2.0"
        assert body["id"] == rid
        assert isinstance(body["result"], dict)
        assert "error" not in body


def test_rpc_errors_are_http_200_with_code_and_message(rpc: Rpc) -> None:
    resp = rpc.raw(P + "CandidateService.getDetail", [rpc.sid, "0" * 32], rid=9)
    assert resp.status_code == 200
    body = resp.json()
    assert body["id"] == 9
    assert set(body) == {"jsonrpc", "error", "id"}
    assert isinstance(body["error"]["code"], int)
    assert "not found" in body["error"]["message"]


def test_unknown_method(rpc: Rpc) -> None:
    err = rpc.error(P + "CandidateService.frobnicate", rpc.sid)
    assert err["code"] == -32601
    assert "Method not found" in err["message"]
    assert rpc.error(P + "NoSuchService.getListEx", rpc.sid)["code"] == -32601
    # services are only reachable with their Otys.Services. prefix
    assert rpc.error("CandidateService.getListEx", rpc.sid)["code"] == -32601


def test_parse_error_and_invalid_request(rpc: Rpc) -> None:
    resp = rpc.post(b"{not json")
    assert resp.status_code == 200
    assert resp.json()["error"]["code"] == -32700
    assert resp.json()["id"] is None
    resp = rpc.post({"jsonrpc": "2.0", "params": [], "id": 3})
    assert resp.json()["error"]["code"] == -32600
    assert resp.json()["id"] == 3
    resp = rpc.post([1, 2])
    assert resp.json()["error"]["code"] == -32600


def test_params_must_be_a_positional_array(rpc: Rpc) -> None:
    resp = rpc.post(
        {"jsonrpc": "2.0", "method": P + "CandidateService.getListEx", "params": {"session": rpc.sid}, "id": 1}
    )
    assert resp.json()["error"]["code"] == -32602


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("CandidateService.getDetail", []),  # uid missing
        ("CandidateService.getDetail", ["a", {}, None, "extra"]),  # too many
        ("CandidateService.update", ["uid-only"]),
        ("CandidateService.add", [{"Person": {"lastName": "X"}}, "extra"]),
        ("CandidateService.add", ["not an object"]),
        ("CandidateService.getDetail", [{"uid": 1}]),  # uid of the wrong type
        ("CandidateService.getListEx", ["options must be an object"]),
        ("CandidateService.getListEx", [{"limit": "many"}]),
        ("CandidateService.getListEx", [{"offset": -1}]),
        ("CandidateService.setGdprDueDatePartner", ["x", "31-12-2025", "cron"]),
        ("CandidateService.setGdprDueDatePartner", ["x", "2025-12-31", "maybe"]),
    ],
)
def test_wrong_param_count_or_type(rpc: Rpc, method: str, params: list) -> None:
    err = rpc.svc_error(method, *params)
    assert err["code"] == -32602, err


def test_other_paths_and_verbs(rpc: Rpc, http: httpx.Client) -> None:
    resp = http.post(rpc.sb.base_url + "/nope.php", json={})
    assert resp.status_code == 404
    resp = http.get(rpc.sb.jservice_url)
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "POST"
    # the query string (OTYS Go! adds ?remark=<method>) is ignored
    resp = http.post(
        rpc.sb.jservice_url + "?remark=check", json={"jsonrpc": "2.0", "method": "check", "params": [rpc.sid], "id": 1}
    )
    assert resp.json()["result"]["clientId"] == rpc.sb.settings.client_id


def test_keep_alive_connection_serves_many_requests(rpc: Rpc) -> None:
    for _ in range(30):
        assert rpc.svc("CandidateService.getListEx", {"limit": 1})["listOutput"]
    assert rpc.sb.stats.count("CandidateService.getListEx") == 30


def test_unicode_survives_the_round_trip(rpc: Rpc) -> None:
    uid = rpc.svc("CandidateService.add", {"Person": {"firstName": "Zoë", "lastName": "Łukasiewicz-Ağca 🚲"}})
    person = rpc.svc("CandidateService.getDetail", uid, {"Person": {"firstName": 1, "lastName": 1}})["Person"]
    assert person == {"firstName": "Zoë", "lastName": "Łukasiewicz-Ağca 🚲"}


def test_stats_count_requests_and_calls(rpc: Rpc) -> None:
    rpc.svc("UserService.getList")
    rpc.svc("UserService.getList")
    rpc.result(P + "MultiService.execute", [{"method": P + "UserService.getList", "args": [rpc.sid]}])
    stats = rpc.sb.stats
    assert stats.count("UserService.getList") == 2
    assert stats.call_count("UserService.getList") == 3
    assert stats.requests["loginByUid"] == 1
    assert stats.snapshot()["http_status"][200] >= 4
