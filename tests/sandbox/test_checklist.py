"""The simulator checklist of the OTYS reference (§7), item by item, as one probe per item."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from unimap_connectors.otys.sandbox import Sandbox, SandboxSettings

from .conftest import FakeClock, P, Rpc

#: the verbatim CandidateService.add payload of the reference (§5.1), from OTYS's own plugin
VERBATIM_ADD = {
    "pointOfEntry": "web",
    "source": "website",
    "originSiteId": 1,
    "statusId": -1,
    "currencyId": 1,
    "portalId": "<referrerPortalUid>",
    "UtmTags": {},
    "acceptTerms": "true",
    "acceptTermsTs": "2024/10/31 02:05:04",
    "acceptTermsIp": "1.2.3.4",
    "Person": {
        "languageCode": "nl",
        "firstName": "Jane",
        "lastName": "Doe",
        "emailPrimary": "jane@example.com",
        "PhoneNumbers": {"1": {"type": "primary", "phoneNumber": "0612345678"}},
        "AddressPrimary": {"city": "Utrecht", "postcode": "3511AA", "countryCode": "NL"},
    },
}
#: the ``what`` of the OTYS plugin's vacancy list (VacanciesListModel), 103 fields
PLUGIN_VACANCY_WHAT = (
    "uid internalId title location relation category status userEmail photoFileName textField_description "
    "textField_companyProfile textField_requirements textField_salary textField_companyCulture textField_summary "
    + " ".join(f"textField_extra{n}" for n in range(1, 11))
    + " applyCount PhotoGallery referenceNr externalReferenceNr entryDateTime lastModified salaryCurrency "
    "salaryValue salaryUnit salaryMin salaryMax publicationStartDate publicationEndDate publicationFirstDate "
    "publicationStatus publicationStatusId showEmployer blockScanners removeApplyButton categoryId "
    "alternativeCategories statusId user userInitials userId userPhoneMobile createdByUser locationAddress "
    "locationCity locationCityId locationPostcode locationState locationCountry locationCountryCode "
    "applyCountToday matchCriteriaNames "
    + " ".join(f"matchCriteria_{n}" for n in range(1, 19))
    + " locationLatitude locationLongitude applyUrls customApplyUrl customDetailUrl hoursType hoursUnit hours "
    "housTotal tariffUnit tariff currencyId assignmentType responsibleCustomerOfficeContactPersonName "
    "responsibleCustomerOfficeName responsibleWorkplaceName responsibleWorkplaceContactPersonName "
    "responsibleContact workPlaceAddress workPlacePostalCode workPlaceCity workPlacePhone workPlaceFax slug"
).split()


def _portal(rpc: Rpc) -> dict[str, Any]:
    portal = rpc.svc("ReferrerPortalService.getListEx", {"limit": 1})["listOutput"][0]["uid"]
    return {**VERBATIM_ADD, "portalId": portal}


# -- transport -------------------------------------------------------------------------------------


def test_01_jsonrpc_post_with_id_echoed(rpc: Rpc) -> None:
    env = rpc.raw("check", [rpc.sid], rid="abc").json()
    assert env["jsonrpc"] == "2.0" and env["id"] == "abc" and env["result"]["clientId"] == 4711


def test_02_rpc_failures_are_http_200_with_error_object(rpc: Rpc) -> None:
    resp = rpc.raw(P + "CandidateService.getDetail", [rpc.sid, "0" * 32], rid=9)
    body = resp.json()
    assert resp.status_code == 200 and set(body) == {"jsonrpc", "error", "id"} and body["id"] == 9
    assert isinstance(body["error"]["code"], int) and body["error"]["message"]
    assert rpc.post(b"{not json").status_code == 200
    assert rpc.client.get(rpc.sb.jservice_url).status_code == 405


def test_03_rate_limit_headers_on_every_response(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = make_rpc(otys_sandbox_factory(rate_limit=3))
    resp = rpc.raw("check", [rpc.sid])
    assert all(
        resp.headers.get(h) for h in ("X-Orl-Requests-Remaining", "X-Orl-Remaining-Timeframe", "X-Orl-Limit-Blocked")
    )
    rpc.sb.fail_next("check", kind="429")
    assert rpc.raw("check", [rpc.sid]).status_code == 429


def test_04_file_upload(rpc: Rpc) -> None:
    files = {"file": ("cv.pdf", b"%PDF-1.4", "application/pdf"), "sessionId": (None, rpc.sid)}
    got = rpc.client.post(rpc.sb.file_url, files=files).json()
    assert got[0]["name"] == "cv.pdf" and len(got[0]["ouid"]) == 32
    bad = rpc.client.post(rpc.sb.file_url, files={**files, "sessionId": (None, "nope")}).json()
    assert bad["error"]["message"] == "Access denied; please login first"


# -- sessions ----------------------------------------------------------------------------------------


def test_05_login_by_uid(rpc: Rpc) -> None:
    assert isinstance(rpc.result("loginByUid", rpc.sb.api_key, None, None, "phoenix"), str)
    assert rpc.error("loginByUid", "bad-key")["code"] == 103


def test_06_check(rpc: Rpc) -> None:
    info = rpc.result("check", rpc.sid)
    assert set(info) == {"id", "clientId", "client", "partnerId", "defaultContentLanguage"}
    assert rpc.result("check", "dead") is False


def test_07_logout(rpc: Rpc) -> None:
    assert rpc.result("logout", rpc.sid) is True
    assert rpc.svc_error("UserService.getList")["message"] == "Access denied; please login again"


def test_08_session_expiry(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    rpc = make_rpc(otys_sandbox_factory(settings=SandboxSettings(clock=clock), session_lifetime=60))
    assert rpc.svc("UserService.getList", {"limit": 1})
    clock.advance(61)
    assert rpc.svc_error("UserService.getList")["message"] == "Access denied; please login again"
    assert rpc.error(P + "UserService.getList", None)["message"] == "Access denied; please login first"


# -- generic engine ----------------------------------------------------------------------------------


def test_09_get_list_ex(rpc: Rpc) -> None:
    got = rpc.svc(
        "CandidateService.getListEx",
        {
            "what": {"uid": 1, "Person": {"lastName": 1}},
            "limit": 3,
            "offset": 1,
            "getTotalCount": True,
            "excludeLimitCheck": True,
        },
    )
    assert set(got) == {"listOutput", "totalCount"} and len(got["listOutput"]) == 3
    assert set(got["listOutput"][0]) == {"uid", "Person"} and set(got["listOutput"][0]["Person"]) == {"lastName"}
    assert "totalCount" not in rpc.svc("CandidateService.getListEx", {"limit": 1})
    assert rpc.svc("CandidateService.getListEx", {"what": {"Person": True}, "limit": 1})["listOutput"][0]["Person"]
    assert rpc.svc_error("CandidateService.getListEx", {"limit": 201})["code"] == 205


def test_10_conditions(rpc: Rpc) -> None:
    cond = {
        "type": "OR",
        "items": [
            {
                "type": "AND",
                "items": [
                    {"type": "COND", "field": "Person.lastName", "op": "LIKE", "param": "%a%"},
                    {"type": "COND", "field": "statusId", "op": "NE", "param": [4]},
                ],
            },
            {"type": "COND", "field": "entryDateTime", "op": "LT", "param": "2023-06-30T22:00:00.000Z"},
        ],
    }
    got = rpc.svc("CandidateService.getListEx", {"condition": cond, "what": {"uid": 1}, "getTotalCount": 1})
    assert 0 < got["totalCount"] < 50
    for op in ("EQ", "GT", "GE", "LE"):
        rpc.svc(
            "CandidateService.getListEx", {"condition": {"type": "COND", "field": "statusId", "op": op, "param": 1}}
        )
    assert rpc.svc("CandidateService.getListEx", {"condition": None, "getTotalCount": 1})["totalCount"] == 50


def test_11_multi_key_sort_with_uid_tie_break(rpc: Rpc) -> None:
    rows = rpc.svc(
        "CandidateService.getListEx", {"what": {"uid": 1, "statusId": 1}, "limit": 50, "sort": {"statusId": "DESC"}}
    )["listOutput"]
    assert rows == sorted(rows, key=lambda r: (-r["statusId"], r["uid"]))


def test_12_unknown_field_is_abstract_field(rpc: Rpc) -> None:
    assert "Abstract_field" in rpc.svc_error("CandidateService.getListEx", {"what": {"shoeSize": 1}})["message"]
    cond = {"type": "COND", "field": "shoeSize", "op": "EQ", "param": 1}
    assert "Abstract_field" in rpc.svc_error("CandidateService.getListEx", {"condition": cond})["message"]


def test_13_get_list_bare_array(rpc: Rpc) -> None:
    for service in ("UserService", "ProcedureStatus1Service", "WebhooksService"):
        assert isinstance(rpc.svc(f"{service}.getList"), list)


def test_14_get_detail(rpc: Rpc) -> None:
    uid = rpc.sb.tenant.uids("VacancyService")[0]
    assert rpc.svc("VacancyService.getDetail", uid)["uid"] == uid
    assert rpc.svc("VacancyService.getDetail", uid, {"title": 1}).keys() == {"title"}
    assert rpc.svc_error("VacancyService.getDetail", "f" * 32)["code"] == 301


def test_15_add_update_update_ex_delete(rpc: Rpc) -> None:
    uid = rpc.svc("CandidateService.add", {"Person": {"lastName": "Proef"}})
    assert isinstance(uid, str)
    assert rpc.svc("CandidateService.update", uid, {"source": "x"}) is True
    assert rpc.svc("CandidateService.updateEx", uid, {"source": "y"}) == uid
    proc = rpc.svc("ProcedureService.add", {"candidateUid": uid, "vacancyUid": rpc.sb.tenant.uids("VacancyService")[0]})
    assert rpc.svc("ProcedureService.delete", proc) is True
    assert rpc.svc_error("ProcedureService.getDetail", proc)["code"] == 301


def test_16_server_stamps(rpc: Rpc) -> None:
    uid = rpc.svc("CandidateService.add", {"Person": {"lastName": "Stempel"}})
    rec = rpc.svc("CandidateService.getDetail", uid, {"entryDateTime": 1, "lastModified": 1})
    assert rec["entryDateTime"] and rec["lastModified"]


def test_17_multiservice(rpc: Rpc) -> None:
    calls = [
        {"method": P + "UserService.getList", "args": [rpc.sid, {"limit": 1}]},
        {"method": P + "CandidateService.getDetail", "args": [rpc.sid, "0" * 32]},
    ]
    got = rpc.result(P + "MultiService.execute", calls)
    assert got[0]["status"] == "success" and got[1]["status"] == "error" and got[1]["message"]
    keyed = rpc.result(P + "MultiService.execute", {"a": calls[0]})
    assert keyed["a"]["status"] == "success"


def test_18_language_wrapper(rpc: Rpc) -> None:
    inner = {"jsonrpc": "2.0", "method": P + "VacancyService.getExtraFieldsList", "params": [rpc.sid], "id": 1}
    assert rpc.result(P + "LanguageService.wrapRequest", "en", inner)[0]["name"] == "Department"


# -- entities ----------------------------------------------------------------------------------------


def test_19_candidate_service_accepts_the_verbatim_add_payload(rpc: Rpc, otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    uid = rpc.svc("CandidateService.add", _portal(rpc))
    rec = rpc.sb.tenant.get("CandidateService", uid)
    assert (rec["statusId"], rec["currencyId"], rec["acceptTerms"]) == (5, 1, True)
    assert rec["Person"]["AddressPrimary"]["city"] == "Utrecht"
    strict = make_rpc(otys_sandbox_factory(settings=SandboxSettings(reject_status_minus_one=True)))
    assert strict.svc_error("CandidateService.add", _portal(strict))["code"] == 302
    retry = {k: v for k, v in _portal(strict).items() if k != "statusId"}
    assert isinstance(strict.svc("CandidateService.add", retry), str)  # the plugin's retry without statusId
    phones = rpc.svc(
        "CandidateService.updateEx",
        uid,
        {"Person": {"PhoneNumbers": {"DELETE": [], "ADD": [{"type": "mobile", "phoneNumber": "0611111111"}]}}},
    )
    assert phones == uid and list(rpc.sb.tenant.get("CandidateService", uid)["Person"]["PhoneNumbers"]) == ["2"]
    assert rpc.svc("CandidateService.setGdprDueDatePartner", uid, "2026-06-01", "otherYes", False, False) is True
    assert rpc.svc("CandidateService.delete", uid) is True
    collections = rpc.svc(
        "CandidateService.getDetail",
        rpc.sb.tenant.uids("CandidateService")[0],
        {
            "Addresses": 1,
            "ExtraPhoneNumbers": 1,
            "Emails": 1,
            "EducationHistory": 1,
            "LanguageSkills": 1,
            "ComputerSkills": 1,
            "SoftSkills": 1,
            "Hobbies": 1,
            "References": 1,
            "BankAccounts": 1,
            "HrmItems": 1,
            "ConfigurableOrganisationUnits": 1,
            "UtmTags": 1,
            "availableAt": 1,
            "extraInfo1": 1,
        },
    )
    assert all(
        isinstance(collections[k], list) for k in collections if k not in ("UtmTags", "availableAt", "extraInfo1")
    )


def test_20_vacancy_service_takes_the_plugins_full_list_what(rpc: Rpc) -> None:
    assert len(PLUGIN_VACANCY_WHAT) == 103
    got = rpc.svc("VacancyService.getListEx", {"what": dict.fromkeys(PLUGIN_VACANCY_WHAT, 1), "limit": 3})
    assert all(set(row) == set(PLUGIN_VACANCY_WHAT) for row in got["listOutput"])
    assert "publishedWebsites" in rpc.svc("VacancyService.getOptionLists", ["publishedWebsites"])


def test_21_user_service(rpc: Rpc) -> None:
    users = rpc.svc("UserService.getList", {"what": {"uid": 1, "blocked": 1, "Person": {"firstName": 1}}})
    assert users[0]["uid"] == 1 and rpc.svc("UserService.getDetail", 1, {"uid": 1}) == {"uid": 1}
    assert rpc.svc("UserService.getListEx", {"limit": 1})["listOutput"]


def test_22_procedure_service(rpc: Rpc) -> None:
    cand, vac = rpc.sb.tenant.uids("CandidateService")[0], rpc.sb.tenant.uids("VacancyService")[0]
    data = {"candidateUid": cand, "vacancyUid": vac, "ProcedureStatus1": {"uid": "1_2"}}
    first, second = rpc.svc("ProcedureService.add", data), rpc.svc("ProcedureService.add", data)
    assert first != second
    assert rpc.svc("ProcedureService.getDetail", first, {"ProcedureStatus1": 1}) == {
        "ProcedureStatus1": {"uid": 2, "status": "Screening"}
    }
    assert rpc.svc("ProcedureService.update", first, {"ProcedureStatus1": {"uid": "1_3"}}) is True
    cond = {
        "type": "AND",
        "items": [
            {"type": "COND", "field": "candidateUid", "op": "EQ", "param": cand},
            {"type": "COND", "field": "vacancyUid", "op": "EQ", "param": vac},
        ],
    }
    assert len(rpc.svc("ProcedureService.getListEx", {"condition": cond})["listOutput"]) >= 2


def test_23_status_catalogues(rpc: Rpc) -> None:
    for axis in (1, 2, 3):
        rows = rpc.svc(
            f"ProcedureStatus{axis}Service.getList",
            {"what": {"uid": 1, "code": 1, "automaticallySelectEvent": 1}, "limit": 1000, "excludeLimitCheck": True},
        )
        assert rows and {"uid", "code", "automaticallySelectEvent"} == set(rows[0])


def test_24_attached_documents(rpc: Rpc) -> None:
    files = {"file": ("cv.pdf", b"%PDF-1.4", "application/pdf"), "sessionId": (None, rpc.sid)}
    ouid = rpc.client.post(rpc.sb.file_url, files=files).json()[0]["ouid"]
    cand = rpc.sb.tenant.uids("CandidateService")[0]
    doc = {"subject": "CV", "typeId": "1", "private": "false", "candidateUid": cand, "fileUid": ouid}
    assert isinstance(rpc.svc("AttachedDocumentsService.add", doc), str)
    assert rpc.svc_error("AttachedDocumentsService.add", {**doc, "fileUid": "0" * 32})["code"] == 302
    assert rpc.svc_error("AttachedDocumentsService.add", {**doc, "candidateUid": "0" * 32})["code"] == 302


def test_25_portals_websites_csm(rpc: Rpc) -> None:
    assert rpc.svc("ReferrerPortalService.getListEx", {})["listOutput"]
    assert rpc.svc("WebsiteService.getList", {"what": {"uid": 1, "siteId": 1, "website": 1}})
    codes = ["DB103", "SE2995", "SE3004", "SE3348", "SE2997", "SE2999"]
    assert all(v["value"] is not None for v in rpc.svc("CsmService.getValue", codes, 4711).values())


def test_26_webhooks(rpc: Rpc, otys_sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    got: list[Any] = []

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        hook = rpc.svc(
            "WebhooksService.add", {"serviceCall": "VacancyService.update", "webhookUrl": url, "klantGlobal": True}
        )
        assert [h["uid"] for h in rpc.svc("WebhooksService.getList")] == [hook]
        vac = rpc.sb.tenant.uids("VacancyService")[0]
        rpc.svc("VacancyService.update", vac, {"title": "Nieuw"})
        assert rpc.sb.wait_webhooks()
        assert got[0]["request"]["method"] == P + "VacancyService.update" and got[0]["request"]["args"][1] == vac
        assert rpc.svc("WebhooksService.delete", hook) is True
    finally:
        server.shutdown()
        server.server_close()


# -- error cases -------------------------------------------------------------------------------------


def test_27_auth_errors(rpc: Rpc) -> None:
    assert rpc.error("loginByUid", "bad")["code"] == 103
    assert rpc.error(P + "UserService.getList")["code"] == 101
    rpc.sb.expire_sessions()
    assert rpc.svc_error("UserService.getList")["code"] == 102


def test_28_unknown_method_and_bad_params(rpc: Rpc) -> None:
    assert "Method not found" in rpc.svc_error("CandidateService.teleport")["message"]
    assert rpc.svc_error("CandidateService.getDetail")["code"] == -32602
    assert rpc.svc_error("CandidateService.getListEx", "not-an-object")["code"] == -32602


def test_29_unknown_uid_field_operator(rpc: Rpc) -> None:
    for method, args in (("getDetail", ["0" * 32]), ("update", ["0" * 32, {}]), ("delete", ["0" * 32])):
        assert rpc.svc_error(f"CandidateService.{method}", *args)["code"] == 301
    cond = {"type": "COND", "field": "statusId", "op": "BETWEEN", "param": 1}
    assert rpc.svc_error("CandidateService.getListEx", {"condition": cond})["code"] == 202


def test_30_limit_burst_and_failing_multiservice_entry(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = make_rpc(otys_sandbox_factory(rate_limit=4))
    assert rpc.svc_error("CandidateService.getListEx", {"limit": 500})["code"] == 205
    statuses = [rpc.raw("check", [rpc.sid]).status_code for _ in range(4)]
    assert statuses[-1] == 429
    rpc.sb.set_rate_limit(None)
    rpc.sb.fail_next("UserService.getList", kind="error")
    got = rpc.result(
        P + "MultiService.execute",
        [
            {"method": P + "UserService.getList", "args": [rpc.sid]},
            {"method": P + "UserService.getList", "args": [rpc.sid]},
        ],
    )
    assert [e["status"] for e in got] == ["error", "success"]


@pytest.mark.parametrize("preset", ["today", "pessimistic"])
def test_the_verbatim_payload_and_plugin_what_under_every_suite_preset(
    preset: str, otys_sandbox_factory: Callable[..., Sandbox], make_rpc
) -> None:  # type: ignore[no-untyped-def]
    rpc = make_rpc(otys_sandbox_factory(preset=preset))
    assert isinstance(rpc.svc("CandidateService.add", _portal(rpc)), str)
    assert rpc.svc("VacancyService.getListEx", {"what": dict.fromkeys(PLUGIN_VACANCY_WHAT, 1), "limit": 1})
