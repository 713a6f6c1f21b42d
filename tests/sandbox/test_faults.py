"""Fault injection: spec grammar, every kind, fail_next, reproducibility, counters (checklist 3, 30)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from unimap_connectors.otys.sandbox.faults import FaultSpec

from .conftest import P, Rpc


def test_spec_round_trip_and_validation() -> None:
    spec = FaultSpec.parse("5xx=0.05,malformed=0.05,hang=0.01:2.0,upload=1.0,burst429=0.01:3,seed=7")
    assert spec.rates == {"5xx": 0.05, "malformed": 0.05, "hang": 0.01, "burst429": 0.01}
    assert (spec.upload, spec.hang_seconds, spec.burst_length, spec.seed) == (1.0, 2.0, 3, 7)
    assert FaultSpec.parse(str(spec)) == spec
    assert FaultSpec.parse("only=CandidateService.getListEx|loginByUid,500=0.1").only == (
        "CandidateService.getListEx",
        "loginByUid",
    )
    assert FaultSpec.parse(None) == FaultSpec.parse("") == FaultSpec()
    for bad in ("5xx=2", "teapot=0.1", "500", "500=0.6,502=0.6", "hang=x", "seed=abc"):
        with pytest.raises(ValueError):
            FaultSpec.parse(bad)


def _statuses(rpc: Rpc, n: int, method: str = "check") -> list[int]:
    return [rpc.raw(method, [rpc.sid]).status_code for _ in range(n)]


def test_5xx_faults(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = make_rpc(otys_sandbox_factory())
    rpc.sb.set_faults("5xx=1.0,seed=3")
    codes = _statuses(rpc, 60)
    assert set(codes) == {500, 502, 503}
    assert rpc.sb.stats.faults["500"] + rpc.sb.stats.faults["502"] + rpc.sb.stats.faults["503"] == 60
    resp = rpc.raw("check", [rpc.sid])
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "X-Orl-Requests-Remaining" in resp.headers
    rpc.sb.set_faults("503=1")
    assert set(_statuses(rpc, 5)) == {503}
    rpc.sb.set_faults(None)
    assert set(_statuses(rpc, 5)) == {200}


def test_fraction_and_reproducibility(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(2):
        rpc = make_rpc(otys_sandbox_factory(faults="500=0.3,seed=11"))
        runs.append(_statuses(rpc, 200))
    assert runs[0] == runs[1]
    failures = runs[0].count(500)
    assert 30 <= failures <= 90  # 30% of 200, generously bounded
    other = make_rpc(otys_sandbox_factory(faults="500=0.3,seed=12"))
    assert _statuses(other, 200) != runs[0]


def test_malformed_body_after_the_call_ran(rpc: Rpc) -> None:
    rpc.sb.set_faults("malformed=1")
    before = rpc.sb.tenant.count("CandidateService")
    resp = rpc.raw(P + "CandidateService.add", [rpc.sid, {"Person": {"lastName": "Kapot"}}])
    assert resp.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.content)
    assert rpc.sb.tenant.count("CandidateService") == before + 1
    assert rpc.sb.stats.faults["malformed"] == 1


def test_rpc_error_fault(rpc: Rpc) -> None:
    rpc.sb.set_faults("error=1")
    resp = rpc.raw(P + "UserService.getList", [rpc.sid])
    assert resp.status_code == 200
    assert resp.json()["error"]["code"] == 500


def test_hang_past_the_client_timeout(rpc: Rpc) -> None:
    rpc.sb.set_faults("hang=1:1.0")
    with httpx.Client(timeout=0.2) as quick, pytest.raises(httpx.ReadTimeout):
        quick.post(rpc.sb.jservice_url, json={"jsonrpc": "2.0", "method": "check", "params": [rpc.sid], "id": 1})
    assert rpc.sb.stats.faults["hang"] == 1
    rpc.sb.set_faults(None)
    assert rpc.raw("check", [rpc.sid]).status_code == 200


def test_hang_then_answer(rpc: Rpc) -> None:
    rpc.sb.fail_next("UserService.getList", kind="hang", delay=0.05)
    resp = rpc.raw(P + "UserService.getList", [rpc.sid])
    assert resp.status_code == 200 and isinstance(resp.json()["result"], list)
    assert rpc.sb.stats.faults["hang"] == 1


def test_upload_only_faults(rpc: Rpc) -> None:
    rpc.sb.set_faults("upload=1.0")
    resp = rpc.client.post(rpc.sb.file_url, data={"sessionId": rpc.sid}, files={"file": ("cv.pdf", b"%PDF")})
    assert resp.status_code == 500
    assert rpc.raw("check", [rpc.sid]).status_code == 200
    assert rpc.svc("UserService.getList")
    assert rpc.sb.stats.faults == {"upload": 1}
    assert all(f["name"] != "cv.pdf" for f in rpc.sb.tenant.files.values())  # the failed upload stored nothing


def test_burst_of_429s(rpc: Rpc) -> None:
    rpc.sb.set_faults("burst429=1:3,seed=1")
    resp = rpc.raw("check", [rpc.sid])
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "1" and resp.headers["X-Orl-Limit-Blocked"] == "1"
    assert _statuses(rpc, 2) == [429, 429]
    rpc.sb.set_faults(None)
    assert _statuses(rpc, 1) == [200]
    assert rpc.sb.stats.faults["429"] == 3
    assert rpc.sb.stats.rate_limited == 0  # injected, not the limiter


@pytest.mark.parametrize(
    ("kind", "status"), [("500", 500), ("502", 502), ("503", 503), ("429", 429), ("error", 200), ("malformed", 200)]
)
def test_fail_next_targets_one_method(rpc: Rpc, kind: str, status: int) -> None:
    rpc.sb.fail_next("CandidateService.getListEx", n=2, kind=kind)
    assert rpc.raw("check", [rpc.sid]).status_code == 200  # other methods unaffected
    bodies: list[Any] = []
    for _ in range(2):
        resp = rpc.raw(P + "CandidateService.getListEx", [rpc.sid, {"limit": 1}])
        assert resp.status_code == status
        bodies.append(resp.content)
    ok = rpc.raw(P + "CandidateService.getListEx", [rpc.sid, {"limit": 1}])
    assert ok.status_code == 200 and "result" in ok.json()
    if kind == "error":
        assert all("error" in json.loads(b) for b in bodies)
    assert rpc.sb.stats.faults[kind] == 2


def test_fail_next_login_and_upload(rpc: Rpc) -> None:
    rpc.sb.fail_next("loginByUid", kind="503")
    assert rpc.raw("loginByUid", [rpc.sb.api_key]).status_code == 503
    assert rpc.raw("loginByUid", [rpc.sb.api_key]).status_code == 200
    rpc.sb.fail_next("fileService", kind="502")
    resp = rpc.client.post(rpc.sb.file_url, data={"sessionId": rpc.sid}, files={"file": ("a.txt", b"x")})
    assert resp.status_code == 502
    with pytest.raises(ValueError):
        rpc.sb.fail_next("check", kind="teapot")


def test_fail_next_inside_multiservice_fails_only_that_entry(rpc: Rpc) -> None:
    rpc.sb.fail_next("ProcedureStatus2Service.getList", kind="500")
    out = rpc.result(
        P + "MultiService.execute",
        [
            {"method": P + "ProcedureStatus1Service.getList", "args": [rpc.sid]},
            {"method": P + "ProcedureStatus2Service.getList", "args": [rpc.sid]},
            {"method": P + "ProcedureStatus3Service.getList", "args": [rpc.sid]},
        ],
    )
    assert [e["status"] for e in out] == ["success", "error", "success"]
    assert "Injected fault" in out[1]["message"]
    assert rpc.sb.stats.faults["500"] == 1


def test_only_restricts_random_faults(rpc: Rpc) -> None:
    rpc.sb.set_faults("500=1,only=CandidateService.getListEx")
    assert rpc.raw("check", [rpc.sid]).status_code == 200
    assert rpc.raw(P + "CandidateService.getListEx", [rpc.sid]).status_code == 500
