"""Presets and tenant variants: dates, modified field, 200-row limit, MultiService cost, GDPR delete, batches."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from unimap_connectors.otys.sandbox import Sandbox, SandboxSettings, generate
from unimap_connectors.otys.sandbox.presets import PRESETS, preset, resolve

from .conftest import P, Rpc

#: TenantData.digest() of the generator before presets existed; the "today" preset must keep them
TODAY_DIGESTS = {
    (1, "small"): "cff91d4df1234f629df28ad986462ba8692ff031a741f609249c21d9fe5b38c4",
    (7, "small"): "6246cdb428dbc0722a8198e749f912ce18c648b9ef8eb123c3e945d2c3c81e92",
    (3, 450): "34f34141b1fd4ccb13296580ed9291b4b7d3859b49d5fc481ba3d5f588aaf3be",
}
ZONED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")


@pytest.mark.parametrize(("seed", "size"), list(TODAY_DIGESTS))
def test_today_preset_generates_byte_identical_data(seed: int, size: str | int) -> None:
    assert generate(seed, size, preset("today")).digest() == TODAY_DIGESTS[(seed, size)]


def test_default_preset_only_adds_fields() -> None:
    today, default = generate(1, "small", preset("today")), generate(1, "small")
    for service, rows in today.records.items():
        for old, new in zip(rows, default.records[service], strict=True):
            assert {k: new[k] for k in old if k != "Person"} == {k: v for k, v in old.items() if k != "Person"}
            if "Person" in old:
                assert {k: new["Person"][k] for k in old["Person"]} == old["Person"]
    assert default.records["CandidateService"][0]["EducationHistory"] is not None


def test_presets_and_overlay() -> None:
    assert set(PRESETS) >= {"default", "today", "pessimistic", "pessimistic-modified"}
    with pytest.raises(KeyError, match="unknown OTYS sandbox preset"):
        preset("optimistic")
    mixed = resolve("pessimistic", SandboxSettings(delete_mode="hard", max_upload_bytes=10))
    assert (mixed.delete_mode, mixed.max_upload_bytes, mixed.limit_behaviour) == ("hard", 10, "cap")
    assert resolve(None, None) == SandboxSettings()
    with pytest.raises(KeyError):
        Sandbox(preset="nope")


@pytest.fixture
def pessimistic(otys_sandbox_factory, make_rpc) -> Rpc:  # type: ignore[no-untyped-def]
    return make_rpc(otys_sandbox_factory(preset="pessimistic"))


def test_pessimistic_dates_carry_a_zone_and_compare_as_instants(pessimistic: Rpc) -> None:
    rows = pessimistic.svc(
        "VacancyService.getListEx", {"what": {"uid": 1, "lastModified": 1, "entryDateTime": 1}, "limit": 5}
    )["listOutput"]
    assert all(ZONED.fullmatch(r["lastModified"]) and r["lastModified"].endswith("+00:00") for r in rows)
    stamp = rows[0]["lastModified"].replace("+00:00", ".000Z")
    cond = {"type": "COND", "field": "lastModified", "op": "GE", "param": stamp}
    got = pessimistic.svc("VacancyService.getListEx", {"what": {"uid": 1}, "condition": cond, "limit": 200})
    assert rows[0]["uid"] in {r["uid"] for r in got["listOutput"]}


@pytest.mark.parametrize("service", ["CandidateService", "ProcedureService"])
def test_pessimistic_has_no_modified_field_on_candidates_and_procedures(pessimistic: Rpc, service: str) -> None:
    err = pessimistic.svc_error(f"{service}.getListEx", {"what": {"uid": 1, "lastModified": 1}})
    assert "Abstract_field" in err["message"] and "lastModified" in err["message"]
    cond = {"type": "COND", "field": "lastModified", "op": "GE", "param": "2025-01-01T00:00:00.000Z"}
    assert "Abstract_field" in pessimistic.svc_error(f"{service}.getListEx", {"condition": cond})["message"]
    assert (
        "Abstract_field" in pessimistic.svc_error(f"{service}.getListEx", {"sort": {"lastModified": "ASC"}})["message"]
    )
    row = pessimistic.svc(f"{service}.getListEx", {"limit": 1})["listOutput"][0]
    assert "lastModified" not in row and "entryDateTime" in row
    assert all("lastModified" not in r for r in pessimistic.sb.tenant.records(service))


def test_limit_above_200_is_an_error_today_and_truncated_in_pessimistic(
    otys_sandbox_factory,
    make_rpc,  # type: ignore[no-untyped-def]
    pessimistic: Rpc,
) -> None:
    today = make_rpc(otys_sandbox_factory(preset="today", size=450))
    assert today.svc_error("CandidateService.getListEx", {"limit": 500})["code"] == 205
    big = make_rpc(otys_sandbox_factory(preset="pessimistic", size=450))
    got = big.svc("CandidateService.getListEx", {"what": {"uid": 1}, "limit": 500, "getTotalCount": True})
    assert len(got["listOutput"]) == 200 and got["totalCount"] == 450
    assert (
        len(
            big.svc("CandidateService.getListEx", {"what": {"uid": 1}, "limit": 500, "excludeLimitCheck": True})[
                "listOutput"
            ]
        )
        == 450
    )


def _multi(rpc: Rpc, n: int) -> httpx.Response:
    calls = [{"method": P + "CandidateService.getListEx", "args": [rpc.sid, {"limit": 1}]} for _ in range(n)]
    return rpc.raw(P + "MultiService.execute", [calls])


def test_multiservice_entries_count_one_by_one(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    per_entry = make_rpc(otys_sandbox_factory(preset="multi-per-entry", rate_limit=10))  # login = 1
    resp = _multi(per_entry, 4)
    assert resp.status_code == 200 and resp.headers["X-Orl-Requests-Remaining"] == "5"
    assert _multi(per_entry, 6).status_code == 429  # 6 > 5 left: all or nothing
    assert _multi(per_entry, 5).status_code == 200
    one = make_rpc(otys_sandbox_factory(preset="today", rate_limit=10))
    assert _multi(one, 4).headers["X-Orl-Requests-Remaining"] == "8"


def test_gdpr_delete_anonymises_and_keeps_the_record(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = make_rpc(otys_sandbox_factory())  # default preset: anonymise
    docs = rpc.sb.tenant.records("AttachedDocumentsService")
    uid = docs[0]["candidateUid"]
    procs = [p["uid"] for p in rpc.sb.tenant.records("ProcedureService") if p["candidateUid"] == uid]
    before = rpc.sb.tenant.get("CandidateService", uid)
    assert rpc.svc("CandidateService.delete", uid) is True
    after = rpc.svc("CandidateService.getDetail", uid)
    person = after["Person"]
    assert person["lastName"] == "Geanonimiseerd" and person["firstName"] is None
    assert person["emailPrimary"] is None and person["PhoneNumbers"] == {} and person["birthdate"] is None
    assert set(person["AddressPrimary"].values()) == {None}
    assert after["EducationHistory"] == [] and after["extraInfo1"] is None
    assert (after["entryDateTime"], after["statusId"], after["source"]) == (
        before["entryDateTime"],
        before["statusId"],
        before["source"],
    )
    assert after["lastModified"] != before["lastModified"]
    cond = {"type": "COND", "field": "candidateUid", "op": "EQ", "param": uid}
    assert [p["uid"] for p in rpc.svc("ProcedureService.getListEx", {"condition": cond})["listOutput"]] == procs
    assert rpc.svc("AttachedDocumentsService.getListEx", {"condition": cond})["listOutput"] == []
    hard = make_rpc(otys_sandbox_factory(preset="hard-delete"))
    assert hard.svc("CandidateService.delete", uid) is True
    assert hard.svc_error("CandidateService.getDetail", uid)["code"] == 301


def test_tenant_handle_delete_follows_the_setting_unless_told(otys_sandbox) -> None:  # type: ignore[no-untyped-def]
    t = otys_sandbox.tenant
    first, second, third = t.uids("CandidateService")[:3]
    t.delete("CandidateService", first)
    assert t.get("CandidateService", first)["Person"]["lastName"] == "Geanonimiseerd"
    t.delete("CandidateService", second, hard=True)
    with pytest.raises(KeyError):
        t.get("CandidateService", second)
    t.anonymise_candidate(third, at="2025-12-01 03:00:00")
    assert t.get("CandidateService", third)["lastModified"] == "2025-12-01 03:00:00"


def test_batch_arrays_are_refused_or_answered(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = make_rpc(otys_sandbox_factory())
    body: list[Any] = [
        {"jsonrpc": "2.0", "method": "check", "params": [rpc.sid], "id": 7},
        {"jsonrpc": "2.0", "method": "nope", "params": [], "id": 8},
    ]
    env = rpc.post(body).json()
    assert env["error"]["code"] == -32600 and "MultiService" in env["error"]["message"]
    answering = make_rpc(otys_sandbox_factory(settings=SandboxSettings(batch_requests="answer")))
    body[0]["params"] = [answering.sid]
    got = answering.post(body).json()
    assert [e["id"] for e in got] == [7, 8]
    assert got[0]["result"]["clientId"] == 4711 and got[1]["error"]["code"] == -32601
    assert answering.post([]).json()["error"]["code"] == -32600
    notification = [{"jsonrpc": "2.0", "method": "check", "params": [answering.sid]}]
    assert answering.post(notification).status_code == 204


def test_unknown_list_options_and_params_are_refused_by_name(rpc: Rpc) -> None:
    err = rpc.svc_error("CandidateService.getListEx", {"limit": 1, "groupBy": "statusId"})
    assert err["code"] == -32602 and "groupBy" in err["message"]
    assert "fields" in rpc.svc_error("UserService.getList", {"fields": ["uid"]})["message"]
    uid = rpc.sb.tenant.uids("CandidateService")[0]
    assert rpc.svc("CandidateService.getDetail", uid, {"uid": 1}, None) == {"uid": uid}  # S3's trailing null
    assert rpc.svc_error("CandidateService.getDetail", uid, {"uid": 1}, {"x": 1})["code"] == -32602
    err = rpc.svc_error("CandidateService.setGdprDueDatePartner", uid, "2026-01-01", "cron", True, False)
    assert "param 5" in err["message"]
    assert rpc.svc("CandidateService.setGdprDueDatePartner", uid, "2026-01-01", "cron", False, False) is True
    assert rpc.svc_error("CsmService.getValue", ["DB103"], 999)["code"] == 302
    assert rpc.svc("CsmService.getValue", ["DB103"], 4711) == {"DB103": {"value": "sandbox"}}
    # S1 sends the root option totalCount next to getTotalCount
    assert rpc.svc("CandidateService.getListEx", {"limit": 1, "totalCount": 1})["totalCount"] == 50


def test_webhook_ids_agree_and_service_calls_have_no_prefix(rpc: Rpc) -> None:
    url = "http://127.0.0.1:9/hook"
    uid = rpc.svc(
        "WebhooksService.add", {"serviceCall": "VacancyService.update", "webhookUrl": url, "klantGlobal": True}
    )
    listed = rpc.svc("WebhooksService.getList")
    assert isinstance(uid, int) and [h["uid"] for h in listed] == [uid]
    assert listed[0]["serviceCall"] == "VacancyService.update"
    err = rpc.svc_error(
        "WebhooksService.add", {"serviceCall": "Otys.Services.VacancyService.update", "webhookUrl": url}
    )
    assert err["code"] == 302 and "'VacancyService.update'" in err["message"]
    assert rpc.svc("WebhooksService.update", uid, {"klantGlobal": False}) is True
    assert rpc.svc("WebhooksService.getList")[0]["klantGlobal"] is False
    assert rpc.svc("WebhooksService.delete", str(uid)) is True
