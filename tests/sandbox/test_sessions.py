"""loginByUid / check / logout and session expiry (checklist 5-8, 27)."""

from __future__ import annotations

import re

from unimap_connectors.otys.sandbox import SandboxSettings

from .conftest import FakeClock, P, Rpc

FIRST = "Access denied; please login first"
AGAIN = "Access denied; please login again"


def test_login_returns_opaque_26_char_session(rpc: Rpc) -> None:
    sid = rpc.result("loginByUid", rpc.sb.api_key)
    assert re.fullmatch(r"[a-z0-9]{26}", sid)
    assert sid != rpc.sid  # every login is a new session
    # extra params (OTYS Go! sends [uid, null, null, "phoenix"]) are ignored
    assert re.fullmatch(r"[a-z0-9]{26}", rpc.result("loginByUid", rpc.sb.api_key, None, None, "phoenix"))


def test_bad_api_key_is_an_error(rpc: Rpc) -> None:
    for key in ("wrong", "", None, 12345):
        err = rpc.error("loginByUid", key)
        assert err["code"] == 103
    assert rpc.error("loginByUid")["code"] == -32602


def test_check_describes_the_api_user(rpc: Rpc) -> None:
    info = rpc.result("check", rpc.sid)
    s = rpc.sb.settings
    assert info == {
        "id": 1,
        "clientId": s.client_id,
        "client": s.client_name,
        "partnerId": s.partner_id,
        "defaultContentLanguage": "nl",
    }
    assert rpc.result("check", "nosuchsession0000000000000") is False
    assert rpc.result("check") is False


def test_missing_or_unknown_session_says_login_first(rpc: Rpc) -> None:
    for params in ([], [None], [""], ["abcdefghijklmnopqrstuvwxyz"], [42]):
        err = rpc.error(P + "CandidateService.getListEx", *params)
        assert err["message"] == FIRST
        assert err["code"] == 101


def test_logout_ends_the_session(rpc: Rpc) -> None:
    assert rpc.svc("CandidateService.getListEx", {"limit": 1})
    assert rpc.result("logout", rpc.sid) is True
    err = rpc.error(P + "CandidateService.getListEx", rpc.sid, {"limit": 1})
    assert err["message"] == AGAIN
    assert err["code"] == 102
    assert rpc.result("check", rpc.sid) is False
    assert rpc.result("logout", "unknown") is True


def test_expire_all_sessions_mid_use(rpc: Rpc) -> None:
    other = rpc.result("loginByUid", rpc.sb.api_key)
    page1 = rpc.svc("CandidateService.getListEx", {"limit": 10, "offset": 0})
    assert len(page1["listOutput"]) == 10
    assert rpc.sb.expire_sessions() == 2
    for sid in (rpc.sid, other):
        assert rpc.error(P + "CandidateService.getListEx", sid, {"limit": 10, "offset": 10})["message"] == AGAIN
    rpc.login()  # a client re-logs in and carries on
    page2 = rpc.svc("CandidateService.getListEx", {"limit": 10, "offset": 10})
    assert {r["uid"] for r in page1["listOutput"]}.isdisjoint(r["uid"] for r in page2["listOutput"])


def test_session_lifetime_is_configurable(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    sb = otys_sandbox_factory(settings=SandboxSettings(clock=clock), session_lifetime=600)
    rpc = make_rpc(sb)
    clock.advance(599)
    assert rpc.svc("UserService.getList")
    clock.advance(1)
    assert rpc.error(P + "UserService.getList", rpc.sid)["message"] == AGAIN
    assert rpc.result("check", rpc.sid) is False


def test_default_lifetime_is_14_hours(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    sb = otys_sandbox_factory(settings=SandboxSettings(clock=clock))
    rpc = make_rpc(sb)
    clock.advance(14 * 3600 - 1)
    assert rpc.svc("UserService.getList")
    clock.advance(1)
    assert rpc.error(P + "UserService.getList", rpc.sid)["message"] == AGAIN
