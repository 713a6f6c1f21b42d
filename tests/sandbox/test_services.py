"""Entity services, catalogues, uploads, MultiService, wrapRequest, webhooks (checklist 4, 13, 17-26)."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from unimap_connectors.otys.sandbox.schema import build_schemas, vacancy_extended
from unimap_connectors.otys.sandbox.settings import SandboxSettings

from .conftest import P, Rpc

HEX32 = re.compile(r"[0-9a-f]{32}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_user_service(rpc: Rpc) -> None:
    users = rpc.svc("UserService.getList", {"what": None})
    raw = rpc.sb.tenant.records("UserService")
    assert [u["uid"] for u in users] == [u["uid"] for u in raw]
    for u in raw:
        assert isinstance(u["uid"], int)
        assert u["blocked"] in ("0", "1")
        assert set(u["Person"]) == {"firstName", "infix", "lastName", "emailPrimary"}
        assert DATETIME.fullmatch(u["entryDateTime"]) and DATETIME.fullmatch(u["lastModified"])
    listed = rpc.svc("UserService.getListEx", {"what": {"uid": 1, "lastModified": 1}, "getTotalCount": True})
    assert listed["totalCount"] == len(raw)
    assert rpc.svc("UserService.getDetail", raw[0]["uid"], {"Person": {"lastName": 1}}) == {
        "Person": {"lastName": "Koppeling"}
    }


def test_vacancy_records_have_every_documented_field(rpc: Rpc) -> None:
    fields = set(build_schemas(SandboxSettings())["VacancyService"].fields)
    expected = {
        "uid",
        "internalId",
        "title",
        "referenceNr",
        "status",
        "statusId",
        "published",
        "publicationStatus",
        "publicationStatusId",
        "publicationStartDate",
        "publicationEndDate",
        "entryDateTime",
        "lastModified",
        "user",
        "userId",
        "userId2",
        "userId3",
        "userEmail",
        "relation",
        "relationId",
        "location",
        "locationAddress",
        "locationCity",
        "locationPostcode",
        "locationState",
        "locationCountry",
        "locationCountryCode",
        "salaryCurrency",
        "salaryValue",
        "salaryMin",
        "salaryMax",
        "salaryUnit",
        "hours",
        "category",
        "categoryId",
        "slug",
        "textField_description",
        "textField_requirements",
        "textField_companyProfile",
        "textField_salary",
        "textField_summary",
        *(f"extraInfo{n}" for n in range(1, 6)),
    }
    assert fields == expected | set(vacancy_extended())
    for rec in rpc.sb.tenant.records("VacancyService"):
        assert set(rec) == fields
        assert HEX32.fullmatch(rec["uid"])
        assert isinstance(rec["published"], bool)
        assert rec["publicationStartDate"] is None or DATE.fullmatch(rec["publicationStartDate"])
        assert all(isinstance(k, str) for k in rec["slug"])
        assert set(rec["textField_description"]) == {"title", "text"}
    detail = rpc.svc("VacancyService.getDetail", rec["uid"], {"textField_description": 1, "slug": 1})
    assert detail == {"textField_description": rec["textField_description"], "slug": rec["slug"]}


def test_option_lists_and_extra_field_labels(rpc: Rpc) -> None:
    opts = rpc.svc("VacancyService.getOptionLists", ["publishedWebsites", "statusId"])
    assert opts["publishedWebsites"] == {"1": "Werken bij Sandbox", "2": "Sandbox Careers (EN)"}
    assert opts["statusId"]["1"] == "Open"
    assert rpc.svc("CandidateService.getOptionLists", ["Person.languageCode"])["cmsLanguages"]["nl"] == "Nederlands"
    assert "Abstract_field" in rpc.svc_error("VacancyService.getOptionLists", ["nope"])["message"]
    nl = rpc.svc("VacancyService.getExtraFieldsList", "nl")
    assert nl[0] == {"fieldnum": 1, "name": "Afdeling"} and len(nl) == 5
    en = rpc.svc("VacancyService.getExtraFieldsList", "en")
    assert [f["fieldnum"] for f in en] == [1, 2, 3, 4, 5] and en[0]["name"] == "Department"
    assert rpc.svc("CandidateService.getExtraFieldsList", "en")[0] == {"fieldnum": 1, "name": "Driving licence"}
    assert rpc.svc("CandidateService.getExtraFieldsList")[0]["name"] == "Rijbewijs"  # tenant default language


def test_procedure_status_catalogues(rpc: Rpc) -> None:
    for axis, first in ((1, "New"), (2, "Active"), (3, "-")):
        rows = rpc.svc(
            f"ProcedureStatus{axis}Service.getList",
            {
                "what": {"uid": 1, "code": 1, "status": 1, "automaticallySelectEvent": 1, "lastModified": 1},
                "limit": 1000,
                "excludeLimitCheck": True,
            },
        )
        assert rows[0]["status"] == first and rows[0]["automaticallySelectEvent"] == 1
        assert all(isinstance(r["uid"], int) for r in rows)
        assert sum(1 for r in rows if r["automaticallySelectEvent"] == 1) == 1
    stages = [r["status"] for r in rpc.svc("ProcedureStatus1Service.getList")]
    assert stages == ["New", "Screening", "First interview", "Second interview", "Offer", "Placed"]
    outcomes = {r["status"] for r in rpc.svc("ProcedureStatus2Service.getList")}
    assert {"Rejected by client", "Withdrawn by candidate", "Hired"} <= outcomes


def test_portals_websites_and_csm(rpc: Rpc) -> None:
    portals = rpc.svc(
        "ReferrerPortalService.getListEx", {"what": {"uid": 1, "portal": 1, "domain": 1, "utmTags": {"utm_source": 1}}}
    )["listOutput"]
    assert {"uid": 2, "portal": "LinkedIn", "domain": "linkedin.com", "utmTags": {"utm_source": "linkedin"}} in portals
    sources = {r["portalId"] for r in rpc.sb.tenant.records("CandidateService")} - {None}
    assert sources <= {p["uid"] for p in portals}
    sites = rpc.svc("WebsiteService.getList", {"what": {"uid": 1, "siteId": 1, "website": 1}})
    assert sites[0] == {"uid": 1, "siteId": 1, "website": "Werken bij Sandbox"}
    values = rpc.svc("CsmService.getValue", ["DB103", "SE2995", "SE3004", "SE3348", "SE2997", "SE2999", "XX1"], 4711)
    assert values == {
        "DB103": {"value": "sandbox"},
        "SE2995": {"value": "1"},
        "SE3004": {"value": "1"},
        "SE3348": {"value": "1"},
        "SE2997": {"value": "30"},
        "SE2999": {"value": "24"},
        "XX1": {"value": None},
    }


# -- files and documents ------------------------------------------------------------------


def upload(rpc: Rpc, content: bytes = b"%PDF-1.4 fake", name: str = "CV Zoë.pdf", sid: Any = "SESSION") -> Any:
    data = {"sessionId": rpc.sid if sid == "SESSION" else sid} if sid is not None else {}
    resp = rpc.client.post(rpc.sb.file_url, data=data, files={"file": (name, content, "application/pdf")})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_file_upload_and_attach(rpc: Rpc) -> None:
    got = upload(rpc)
    assert isinstance(got, list)
    meta = got[0]
    assert HEX32.fullmatch(meta["ouid"]) and meta["name"] == "CV Zoë.pdf" and meta["size"] == 13
    assert rpc.sb.tenant.file(meta["ouid"])["content"] == b"%PDF-1.4 fake"
    cand = rpc.sb.tenant.uids("CandidateService")[1]
    doc = rpc.svc(
        "AttachedDocumentsService.add",
        {
            "subject": "CV",
            "typeId": "1",
            "private": "false",
            "customerRightsLevel": 1,
            "alwaysOnTop": "false",
            "description": "",
            "candidateUid": cand,
            "fileUid": meta["ouid"],
        },
    )
    assert HEX32.fullmatch(doc)
    listed = rpc.svc(
        "AttachedDocumentsService.getListEx",
        {
            "condition": {"type": "COND", "field": "candidateUid", "op": "EQ", "param": cand},
            "what": {"uid": 1, "fileUid": 1, "fileName": 1, "typeId": 1, "type": 1, "private": 1},
        },
    )["listOutput"]
    assert {
        "uid": doc,
        "fileUid": meta["ouid"],
        "fileName": "CV Zoë.pdf",
        "typeId": "1",
        "type": "CV",
        "private": False,
    } in listed
    letter = upload(rpc, b"Beste lezer", "brief.txt")[0]["ouid"]
    rpc.svc("AttachedDocumentsService.add", {"typeId": "202", "candidateUid": cand, "fileUid": letter})
    types = {d["type"] for d in rpc.sb.tenant.records("AttachedDocumentsService") if d["candidateUid"] == cand}
    assert {"CV", "Cover letter"} <= types


@pytest.mark.parametrize(
    "change", [{"fileUid": "0" * 32}, {"candidateUid": "0" * 32}, {"typeId": "7"}, {"fileUid": None}]
)
def test_attach_validates_references(rpc: Rpc, change: dict[str, Any]) -> None:
    ouid = upload(rpc)[0]["ouid"]
    data = {"typeId": "1", "candidateUid": rpc.sb.tenant.uids("CandidateService")[0], "fileUid": ouid, **change}
    assert rpc.svc_error("AttachedDocumentsService.add", data)["code"] == 302


def test_upload_needs_a_session_and_a_file(rpc: Rpc) -> None:
    assert upload(rpc, sid=None)["error"]["message"] == "Access denied; please login first"
    assert upload(rpc, sid="unknownsession")["error"]["message"] == "Access denied; please login first"
    rpc.sb.expire_sessions()
    assert upload(rpc)["error"]["message"] == "Access denied; please login again"
    rpc.login()
    resp = rpc.client.post(rpc.sb.file_url, data={"sessionId": rpc.sid})
    assert resp.json()["error"]["code"] == -32602
    resp = rpc.client.post(rpc.sb.file_url, content=b"not multipart", headers={"Content-Type": "text/plain"})
    assert resp.json()["error"]["code"] == -32602
    assert rpc.sb.stats.count("fileService.php") == 5


# -- envelopes ----------------------------------------------------------------------------


def test_multiservice_list_with_partial_failure(rpc: Rpc) -> None:
    calls = [
        {"method": P + "ProcedureStatus1Service.getList", "args": [rpc.sid, {"what": {"uid": 1}}]},
        {"method": P + "CandidateService.getDetail", "args": [rpc.sid, "0" * 32]},
        {"method": P + "NoService.nothing", "args": [rpc.sid]},
        {"method": P + "UserService.getList", "args": ["bad-session"]},
        {"method": P + "CandidateService.getListEx", "args": [rpc.sid, {"limit": 1, "what": {"uid": 1}}]},
        "not an object",
    ]
    out = rpc.result(P + "MultiService.execute", calls)
    assert [e["status"] for e in out] == ["success", "error", "error", "error", "success", "error"]
    assert out[0]["data"] == [{"uid": u} for u in range(1, 7)]
    assert "not found" in out[1]["message"]
    assert "Method not found" in out[2]["message"]
    assert out[3]["message"] == "Access denied; please login first"
    assert len(out[4]["data"]["listOutput"]) == 1


def test_multiservice_keyed_map(rpc: Rpc) -> None:
    calls = {
        "stages": {"method": P + "ProcedureStatus1Service.getList", "args": [rpc.sid]},
        "outcomes": {"method": P + "ProcedureStatus2Service.getList", "args": [rpc.sid]},
        "oops": {"method": P + "CandidateService.add", "args": [rpc.sid, {}]},
    }
    out = rpc.result(P + "MultiService.execute", calls)
    assert set(out) == {"stages", "outcomes", "oops"}
    assert out["stages"]["status"] == out["outcomes"]["status"] == "success"
    assert out["oops"]["status"] == "error" and out["oops"]["message"].startswith("Validation failed")
    assert rpc.error(P + "MultiService.execute", "nope")["code"] == -32602


def test_language_wrap_request(rpc: Rpc) -> None:
    inner = {"jsonrpc": "2.0", "method": P + "VacancyService.getExtraFieldsList", "params": [rpc.sid], "id": 1}
    assert rpc.result(P + "LanguageService.wrapRequest", "en", inner)[0]["name"] == "Department"
    assert rpc.result(P + "LanguageService.wrapRequest", "nl", inner)[0]["name"] == "Afdeling"
    inner = {
        "jsonrpc": "2.0",
        "method": P + "CandidateService.getListEx",
        "params": [rpc.sid, {"limit": 2, "what": {"uid": 1}}],
        "id": 1,
    }
    assert len(rpc.result(P + "LanguageService.wrapRequest", "nl", inner)["listOutput"]) == 2
    inner["params"] = ["wrong"]
    assert rpc.error(P + "LanguageService.wrapRequest", "nl", inner)["message"].startswith("Access denied")
    assert rpc.error(P + "LanguageService.wrapRequest", "nl")["code"] == -32602


# -- webhooks -----------------------------------------------------------------------------


class _Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        got = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def test_webhooks_fire_after_matching_calls(rpc: Rpc) -> None:
    receiver = _Receiver()
    try:
        hook = rpc.svc(
            "WebhooksService.add",
            {"serviceCall": "CandidateService.update", "webhookUrl": receiver.url, "klantGlobal": True},
        )
        listed = rpc.svc("WebhooksService.getList")
        assert listed[0]["uid"] == int(hook) and listed[0]["webhookUrl"] == receiver.url
        assert listed[0]["serviceCall"] == "CandidateService.update" and listed[0]["klantid"] == 4711
        uid = rpc.sb.tenant.uids("CandidateService")[0]
        rpc.svc("CandidateService.update", uid, {"source": "Werk.nl"})
        rpc.svc("CandidateService.getDetail", uid)  # not subscribed: no delivery
        rpc.sb.tenant.update("CandidateService", uid, {"source": "Indeed"})  # a recruiter's edit fires too
        assert rpc.sb.wait_webhooks()
        assert len(receiver.bodies) == 2
        first = receiver.bodies[0]
        assert first["request"] == {
            "method": P + "CandidateService.update",
            "args": [rpc.sid, uid, {"source": "Werk.nl"}],
        }
        assert first["result"] == {"status": "success", "data": True}
        assert receiver.bodies[1]["request"]["args"][1:] == [uid, {"source": "Indeed"}]
        assert rpc.sb.stats.webhooks_sent == 2
        assert rpc.svc("WebhooksService.getLogs", 10)[0][0]["status"] == 204
        assert rpc.svc("WebhooksService.delete", hook) is True
        assert rpc.svc("WebhooksService.getList") == []
    finally:
        receiver.close()


@pytest.mark.parametrize(
    "url", ["http://example.com/hook", "https://127.0.0.1/hook", "http://10.0.0.1/x", "ftp://localhost/x", 5]
)
def test_webhooks_only_accept_loopback_http(rpc: Rpc, url: Any) -> None:
    err = rpc.svc_error("WebhooksService.add", {"serviceCall": "VacancyService.update", "webhookUrl": url})
    assert err["code"] == 302


def test_unreachable_webhook_is_counted_not_fatal(rpc: Rpc, http: httpx.Client) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rpc.svc("WebhooksService.add", {"serviceCall": "VacancyService.update", "webhookUrl": f"http://127.0.0.1:{port}/"})
    uid = rpc.sb.tenant.uids("VacancyService")[0]
    assert rpc.svc("VacancyService.update", uid, {"hours": 36}) is True
    assert rpc.sb.wait_webhooks()
    assert rpc.sb.stats.webhooks_failed == 1
