"""add / update / updateEx / delete, modified stamps and service write rules (checklist 15, 16, 19, 22)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from unimap_connectors.otys.sandbox import SandboxSettings
from unimap_connectors.otys.sandbox.timefmt import Clockface

from .conftest import FakeClock, P, Rpc

AMS = Clockface("Europe/Amsterdam", "%Y-%m-%d %H:%M:%S")
HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def clocked(otys_sandbox_factory, make_rpc) -> tuple[Rpc, FakeClock]:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    return make_rpc(otys_sandbox_factory(settings=SandboxSettings(clock=clock))), clock


def test_add_returns_a_new_uid_and_stamps_entry_and_modified(clocked: tuple[Rpc, FakeClock]) -> None:
    rpc, clock = clocked
    before = rpc.sb.tenant.count("CandidateService")
    uid = rpc.svc(
        "CandidateService.add",
        {
            "Person": {
                "firstName": "Jane",
                "lastName": "Doe",
                "emailPrimary": "jane@example.com",
                "PhoneNumbers": {"1": {"type": "primary", "phoneNumber": "0612345678"}},
                "AddressPrimary": {"city": "Utrecht", "postcode": "3511AA", "countryCode": "NL"},
            },
            "source": "website",
            "portalId": 1,
            "UtmTags": {"utm_source": "google"},
        },
    )
    assert isinstance(uid, str) and HEX32.fullmatch(uid)
    assert rpc.sb.tenant.count("CandidateService") == before + 1
    rec = rpc.svc("CandidateService.getDetail", uid)
    stamp = AMS.format(clock.t)
    assert rec["entryDateTime"] == rec["lastModified"] == stamp == "2026-01-01 01:00:00"
    assert rec["Person"]["AddressPrimary"] == {
        "address": None,
        "city": "Utrecht",
        "postcode": "3511AA",
        "stateCode": None,
        "countryCode": "NL",
        "country": None,
    }
    assert rec["UtmTags"]["utm_source"] == "google" and rec["UtmTags"]["utm_medium"] is None
    assert rec["internalId"] == max(r["internalId"] for r in rpc.sb.tenant.records("CandidateService"))
    assert rec["statusId"] == 1 and rec["status"] == "Active"
    assert rec == rpc.sb.tenant.get("CandidateService", uid)


def test_update_merges_partially_and_stamps_modified(clocked: tuple[Rpc, FakeClock]) -> None:
    rpc, clock = clocked
    old = rpc.sb.tenant.records("CandidateService")[3]
    clock.advance(3600 * 24 * 200)  # summer: Amsterdam is UTC+2
    rpc.login()  # the 14-hour session is long gone
    assert (
        rpc.svc("CandidateService.update", old["uid"], {"Person": {"firstName": "Gewijzigd"}, "statusId": "2"}) is True
    )
    new = rpc.sb.tenant.get("CandidateService", old["uid"])
    assert new["Person"]["firstName"] == "Gewijzigd"
    assert new["Person"]["lastName"] == old["Person"]["lastName"]
    assert new["Person"]["PhoneNumbers"] == old["Person"]["PhoneNumbers"]
    assert new["statusId"] == 2 and new["status"] == "Passive"
    assert new["entryDateTime"] == old["entryDateTime"]
    assert new["lastModified"] == AMS.format(clock.t) == "2026-07-20 02:00:00"
    # read-only fields are ignored
    rpc.svc(
        "CandidateService.update", old["uid"], {"uid": "x", "entryDateTime": "2000-01-01 00:00:00", "internalId": 1}
    )
    again = rpc.sb.tenant.get("CandidateService", old["uid"])
    assert (again["uid"], again["entryDateTime"], again["internalId"]) == (
        old["uid"],
        old["entryDateTime"],
        old["internalId"],
    )


def test_update_then_incremental_filter_sees_the_change(clocked: tuple[Rpc, FakeClock]) -> None:
    rpc, _clock = clocked
    since = "2025-12-31T23:00:00.000Z"
    cond = {"type": "COND", "field": "lastModified", "op": "GE", "param": since}
    assert rpc.svc("CandidateService.getListEx", {"condition": cond, "getTotalCount": True})["totalCount"] == 0
    uid = rpc.sb.tenant.uids("CandidateService")[5]
    rpc.svc("CandidateService.update", uid, {"source": "LinkedIn"})
    rows = rpc.svc("CandidateService.getListEx", {"condition": cond, "what": {"uid": 1}})["listOutput"]
    assert rows == [{"uid": uid}]


def test_update_ex_phone_numbers_add_and_delete(rpc: Rpc) -> None:
    uid = rpc.svc(
        "CandidateService.add",
        {
            "Person": {
                "lastName": "Bakker",
                "PhoneNumbers": {
                    "1": {"type": "primary", "phoneNumber": "020-1234567"},
                    "2": {"type": "mobile", "phoneNumber": "06-11111111"},
                },
            }
        },
    )
    # replace the whole set: DELETE [] then the new keyed entries
    got = rpc.svc(
        "CandidateService.updateEx",
        uid,
        {"Person": {"PhoneNumbers": {"DELETE": [], "2": {"type": "mobile", "phoneNumber": "+31 6 22222222"}}}},
    )
    assert got == uid
    phones = rpc.sb.tenant.get("CandidateService", uid)["Person"]["PhoneNumbers"]
    assert phones == {"2": {"type": "mobile", "phoneNumber": "+31 6 22222222"}}
    rpc.svc(
        "CandidateService.updateEx",
        uid,
        {"Person": {"PhoneNumbers": {"ADD": [{"type": "work", "phoneNumber": "030-7654321"}]}}},
    )
    phones = rpc.sb.tenant.get("CandidateService", uid)["Person"]["PhoneNumbers"]
    assert phones == {
        "2": {"type": "mobile", "phoneNumber": "+31 6 22222222"},
        "3": {"type": "work", "phoneNumber": "030-7654321"},
    }  # ADD puts a phone in its type's slot
    rpc.svc("CandidateService.updateEx", uid, {"Person": {"PhoneNumbers": {"DELETE": ["2"]}}})
    assert list(rpc.sb.tenant.get("CandidateService", uid)["Person"]["PhoneNumbers"]) == ["3"]
    # plain update merges by key and refuses actions
    rpc.svc("CandidateService.update", uid, {"Person": {"PhoneNumbers": {"5": {"type": "fax", "phoneNumber": "1"}}}})
    assert set(rpc.sb.tenant.get("CandidateService", uid)["Person"]["PhoneNumbers"]) == {"3", "5"}
    err = rpc.svc_error("CandidateService.update", uid, {"Person": {"PhoneNumbers": {"DELETE": []}}})
    assert err["code"] == 302
    err = rpc.svc_error("CandidateService.update", uid, {"Person": {"PhoneNumbers": {"1": {"type": "pager"}}}})
    assert err["code"] == 302
    # a second phone of a taken type cannot be ADDed: the slot must be DELETEd first
    err = rpc.svc_error(
        "CandidateService.updateEx",
        uid,
        {"Person": {"PhoneNumbers": {"ADD": [{"type": "work", "phoneNumber": "030-1111111"}]}}},
    )
    assert err["code"] == 302 and "slot 3" in err["message"]
    rpc.svc(
        "CandidateService.updateEx",
        uid,
        {"Person": {"PhoneNumbers": {"ADD": [{"type": "mobile", "phoneNumber": "06-33333333"}]}}},
    )
    assert rpc.sb.tenant.get("CandidateService", uid)["Person"]["PhoneNumbers"]["2"]["type"] == "mobile"


def test_update_ex_lists(rpc: Rpc) -> None:
    uid = rpc.svc(
        "CandidateService.add",
        {
            "Person": {"lastName": "Smit"},
            "Tags": [{"uid": 1, "tag": "Talentpool"}],
            "EmploymentHistory": [{"employer": "A", "startDate": "2020-01-01"}],
        },
    )
    rpc.svc(
        "CandidateService.updateEx",
        uid,
        {"Tags": {"ADD": [{"tag": "Nieuw"}]}, "EmploymentHistory": {"ADD": [{"employer": "B", "current": "true"}]}},
    )
    rec = rpc.sb.tenant.get("CandidateService", uid)
    # a tag named but not in the catalogue joins it: its uid is the catalogue's next (8 are seeded)
    assert rec["Tags"] == [{"uid": 1, "tag": "Talentpool"}, {"uid": 9, "tag": "Nieuw"}]
    assert [(e["employer"], e["current"]) for e in rec["EmploymentHistory"]] == [("A", None), ("B", True)]
    rpc.svc("CandidateService.updateEx", uid, {"Tags": {"DELETE": [1]}, "EmploymentHistory": {"DELETE": [0]}})
    rec = rpc.sb.tenant.get("CandidateService", uid)
    assert rec["Tags"] == [{"uid": 9, "tag": "Nieuw"}]
    assert [e["employer"] for e in rec["EmploymentHistory"]] == ["B"]
    rpc.svc("CandidateService.update", uid, {"Tags": []})
    assert rpc.sb.tenant.get("CandidateService", uid)["Tags"] == []


def test_hard_delete_makes_records_vanish(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = make_rpc(otys_sandbox_factory(preset="hard-delete"))
    procs = rpc.sb.tenant.records("ProcedureService")
    cand = procs[0]["candidateUid"]
    assert rpc.svc("CandidateService.delete", cand) is True
    assert rpc.svc_error("CandidateService.getDetail", cand)["code"] == 301
    listed = rpc.list_all("CandidateService", {"what": {"uid": 1}})
    assert cand not in {r["uid"] for r in listed}
    # its procedures and documents went with it
    cond = {"type": "COND", "field": "candidateUid", "op": "EQ", "param": cand}
    assert rpc.svc("ProcedureService.getListEx", {"condition": cond})["listOutput"] == []
    assert rpc.svc("AttachedDocumentsService.getListEx", {"condition": cond})["listOutput"] == []
    assert rpc.svc_error("CandidateService.delete", cand)["code"] == 301


@pytest.mark.parametrize("method", ["update", "updateEx"])
def test_write_to_unknown_uid(rpc: Rpc, method: str) -> None:
    assert rpc.svc_error(f"CandidateService.{method}", "0" * 32, {"source": "x"})["code"] == 301


@pytest.mark.parametrize(
    "data",
    [
        {"Person": {"lastName": "X"}, "favouriteColour": "blue"},
        {"Person": {"lastName": "X", "shoeSize": 44}},
    ],
)
def test_unknown_write_field_is_abstract_field(rpc: Rpc, data: dict[str, Any]) -> None:
    err = rpc.svc_error("CandidateService.add", data)
    assert "Abstract_field" in err["message"]


def test_lenient_writes_setting(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = make_rpc(otys_sandbox_factory(settings=SandboxSettings(strict_writes=False)))
    uid = rpc.svc("CandidateService.add", {"Person": {"lastName": "X"}, "favouriteColour": "blue"})
    assert "favouriteColour" not in rpc.sb.tenant.get("CandidateService", uid)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"Person": {"gender": "female"}},
        {"Person": {"lastName": "X", "birthdate": "12-03-1990"}},
        {"Person": {"lastName": "X"}, "statusId": 99},
        {"Person": {"lastName": "X"}, "portalId": "abc"},
        {"Person": {"lastName": "X"}, "Tags": "Talentpool"},
        {"Person": "Jan"},
    ],
)
def test_invalid_candidate_data(rpc: Rpc, data: dict[str, Any]) -> None:
    assert rpc.svc_error("CandidateService.add", data)["code"] == 302


def test_apply_flow_shape_from_the_otys_plugin(rpc: Rpc) -> None:
    data = {
        "pointOfEntry": "web",
        "source": "website",
        "originSiteId": 1,
        "statusId": -1,
        "portalId": "1",
        "UtmTags": {"utm_source": "indeed"},
        "acceptTerms": "true",
        "acceptTermsTs": "2024/10/31 02:05:04",
        "acceptTermsIp": "127.0.0.1",
        "Person": {
            "languageCode": "nl",
            "firstName": "Jane",
            "lastName": "Doe",
            "emailPrimary": "j@x.nl",
            "PhoneNumbers": {"1": {"type": "primary", "phoneNumber": "0612345678"}},
            "AddressPrimary": {"city": "Utrecht", "postcode": "3511AA", "countryCode": "NL"},
        },
    }
    uid = rpc.svc("CandidateService.add", data)
    rec = rpc.sb.tenant.get("CandidateService", uid)
    assert rec["statusId"] == 5 and rec["status"] == "New (website)"  # -1 = the web default status
    assert rec["acceptTerms"] is True and rec["portalId"] == 1


def test_reject_status_minus_one_setting(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = make_rpc(otys_sandbox_factory(settings=SandboxSettings(reject_status_minus_one=True)))
    data = {"statusId": -1, "Person": {"lastName": "Doe"}}
    assert rpc.svc_error("CandidateService.add", data)["code"] == 302
    del data["statusId"]  # the OTYS plugin retries without it
    assert HEX32.fullmatch(rpc.svc("CandidateService.add", data))


def test_set_gdpr_due_date_partner(clocked: tuple[Rpc, FakeClock]) -> None:
    rpc, clock = clocked
    uid = rpc.sb.tenant.uids("CandidateService")[0]
    assert rpc.svc("CandidateService.setGdprDueDatePartner", uid, "2027-03-01", "otherYes", False, False) is True
    rec = rpc.sb.tenant.get("CandidateService", uid)
    assert (rec["gdprDueDate"], rec["gdprReason"]) == ("2027-03-01", "otherYes")
    assert rec["lastModified"] == AMS.format(clock.t)
    assert rpc.svc("CandidateService.setGdprDueDatePartner", uid, "2026-02-01", "cron", False, False) is True
    assert rpc.sb.tenant.get("CandidateService", uid)["gdprReason"] == "cron"
    assert rpc.svc_error("CandidateService.setGdprDueDatePartner", "0" * 32, "2026-02-01", "cron")["code"] == 301


def test_gdpr_writes_can_be_disabled(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = make_rpc(otys_sandbox_factory(settings=SandboxSettings(gdpr_writes_enabled=False)))
    uid = rpc.sb.tenant.uids("CandidateService")[0]
    assert rpc.svc_error("CandidateService.setGdprDueDatePartner", uid, "2027-03-01", "otherYes")["code"] == 303
    assert rpc.svc("CsmService.getValue", ["SE2995"], 4711) == {"SE2995": {"value": "0"}}


# -- procedures ---------------------------------------------------------------------------


def test_procedure_add_with_axis_prefixed_status_uids(rpc: Rpc) -> None:
    cand = rpc.sb.tenant.uids("CandidateService")[0]
    vac = rpc.sb.tenant.uids("VacancyService")[0]
    data = {
        "candidateUid": cand,
        "vacancyUid": vac,
        "ProcedureStatus1": {"uid": "1_3"},
        "ProcedureStatus2": {"uid": "2_1"},
        "ProcedureStatus3": {"uid": "3_4"},
        "UtmTags": {"utm_source": "x"},
        "KillerQuestions": [{"answer": "Ja", "questionId": "q1"}],
    }
    uid = rpc.svc("ProcedureService.add", data)
    assert HEX32.fullmatch(uid)
    rec = rpc.svc("ProcedureService.getDetail", uid)
    assert rec["ProcedureStatus1"] == {"uid": 3, "status": "First interview"}
    assert rec["ProcedureStatus2"] == {"uid": 1, "status": "Active"}
    assert rec["ProcedureStatus3"] == {"uid": 4, "status": "Contract signed"}
    # duplicates are allowed: the same pair again
    uid2 = rpc.svc("ProcedureService.add", {"candidateUid": cand, "vacancyUid": vac})
    assert uid2 != uid
    rec2 = rpc.sb.tenant.get("ProcedureService", uid2)
    assert rec2["ProcedureStatus1"] == {"uid": 1, "status": "New"}  # automaticallySelectEvent 1
    both = {
        "type": "AND",
        "items": [
            {"type": "COND", "field": "candidateUid", "op": "EQ", "param": cand},
            {"type": "COND", "field": "vacancyUid", "op": "EQ", "param": vac},
        ],
    }
    found = rpc.svc("ProcedureService.getListEx", {"condition": both, "what": {"uid": 1}})["listOutput"]
    assert {uid, uid2} <= {r["uid"] for r in found}


def test_procedure_filters_match_the_raw_data(rpc: Rpc) -> None:
    procs = rpc.sb.tenant.records("ProcedureService")
    vac = procs[0]["vacancyUid"]
    expected = sorted(p["uid"] for p in procs if p["vacancyUid"] == vac)
    got = rpc.svc(
        "ProcedureService.getListEx",
        {"what": {"uid": 1}, "condition": {"type": "COND", "field": "vacancyUid", "op": "EQ", "param": vac.upper()}},
    )["listOutput"]
    assert sorted(r["uid"] for r in got) == expected


def test_procedure_status_update(clocked: tuple[Rpc, FakeClock]) -> None:
    rpc, clock = clocked
    uid = rpc.sb.tenant.uids("ProcedureService")[0]
    before = rpc.sb.tenant.get("ProcedureService", uid)
    assert rpc.svc("ProcedureService.update", uid, {"ProcedureStatus1": {"uid": "1_6"}, "ProcedureStatus2": 4}) is True
    after = rpc.sb.tenant.get("ProcedureService", uid)
    assert after["ProcedureStatus1"] == {"uid": 6, "status": "Placed"}
    assert after["ProcedureStatus2"] == {"uid": 4, "status": "Hired"}
    assert after["ProcedureStatus3"] == before["ProcedureStatus3"]
    assert after["lastModified"] == AMS.format(clock.t)


@pytest.mark.parametrize(
    "data",
    [
        {"vacancyUid": "VAC"},
        {"candidateUid": "CAND"},
        {"candidateUid": "CAND", "vacancyUid": "0" * 32},
        {"candidateUid": "CAND", "vacancyUid": "VAC", "ProcedureStatus1": {"uid": "1_99"}},
        {"candidateUid": "CAND", "vacancyUid": "VAC", "ProcedureStatus1": {"uid": "2_1"}},
        {"candidateUid": "CAND", "vacancyUid": "VAC", "ProcedureStatus2": {"uid": "one"}},
    ],
)
def test_invalid_procedures(rpc: Rpc, data: dict[str, Any]) -> None:
    cand = rpc.sb.tenant.uids("CandidateService")[0]
    vac = rpc.sb.tenant.uids("VacancyService")[0]
    data = {k: (cand if v == "CAND" else vac if v == "VAC" else v) for k, v in data.items()}
    assert rpc.svc_error("ProcedureService.add", data)["code"] == 302


def test_vacancy_writes_derive_display_fields(rpc: Rpc) -> None:
    user = rpc.sb.tenant.records("UserService")[2]
    uid = rpc.svc(
        "VacancyService.add",
        {
            "title": "Bakker (m/v/x)",
            "userId": user["uid"],
            "statusId": 1,
            "published": True,
            "categoryId": 9,
            "slug": {"1": "bakker"},
            "textField_description": {"title": "Omschrijving", "text": "<p>Brood</p>"},
        },
    )
    rec = rpc.sb.tenant.get("VacancyService", uid)
    p = user["Person"]
    assert rec["user"] == " ".join(x for x in (p["firstName"], p["infix"], p["lastName"]) if x)
    assert rec["userEmail"] == p["emailPrimary"]
    assert (rec["status"], rec["publicationStatus"], rec["category"]) == ("Open", "Published", "Horeca")
    assert rec["textField_requirements"] == {"title": None, "text": None}
    assert rpc.svc_error("VacancyService.update", uid, {"userId": 987654})["code"] == 302
    assert rpc.svc_error("VacancyService.add", {"statusId": 1})["code"] == 302


def test_mutations_from_the_tenant_handle(clocked: tuple[Rpc, FakeClock]) -> None:
    rpc, clock = clocked
    t = rpc.sb.tenant
    uid = t.uids("CandidateService")[0]
    t.update("CandidateService", uid, {"Person": {"lastName": "Bewerkt"}})
    assert rpc.svc("CandidateService.getDetail", uid, {"Person": {"lastName": 1}, "lastModified": 1}) == {
        "Person": {"lastName": "Bewerkt"},
        "lastModified": AMS.format(clock.t),
    }
    t.update("CandidateService", uid, {"source": "Indeed"}, at="2025-12-24 18:00:00")
    assert t.get("CandidateService", uid)["lastModified"] == "2025-12-24 18:00:00"
    t.touch("CandidateService", uid, at=clock.t + 60)
    assert t.get("CandidateService", uid)["lastModified"] == AMS.format(clock.t + 60)
    new = t.add("CandidateService", {"Person": {"firstName": "Via", "lastName": "UI"}})
    assert rpc.svc("CandidateService.getDetail", new, {"Person": {"firstName": 1}}) == {"Person": {"firstName": "Via"}}
    t.delete("CandidateService", new, hard=True)
    assert rpc.svc_error("CandidateService.getDetail", new)["code"] == 301
    with pytest.raises(KeyError):
        t.get("CandidateService", new)
    with pytest.raises(KeyError):
        t.records("NoSuchService")
    # the copies handed out are not the stored records
    rec = t.get("CandidateService", uid)
    rec["Person"]["lastName"] = "changed in the test"
    assert t.get("CandidateService", uid)["Person"]["lastName"] == "Bewerkt"


def test_write_error_leaves_the_record_untouched(rpc: Rpc) -> None:
    uid = rpc.sb.tenant.uids("CandidateService")[0]
    before = rpc.sb.tenant.get("CandidateService", uid)
    assert (
        rpc.error(P + "CandidateService.update", rpc.sid, uid, {"Person": {"firstName": "X"}, "statusId": 42})["code"]
        == 302
    )
    assert rpc.sb.tenant.get("CandidateService", uid) == before
