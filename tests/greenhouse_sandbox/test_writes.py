"""§9.13–9.17: creating candidates, applications, attachments, notes, tags; move and reject; deletes."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from .conftest import Api


def _job(api: Api, **want: Any) -> dict[str, Any]:
    return next(j for j in api.all("jobs") if not j["is_template"] and all(j[k] == v for k, v in want.items()))


def _stages(api: Api, job_id: int) -> list[dict[str, Any]]:
    return sorted(
        (s for s in api.rows("job_interview_stages", job_ids=str(job_id)) if s["active"]), key=lambda s: s["sort_order"]
    )


def _errors(resp: Any) -> dict[str | None, str]:
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["message"] == "Validation error"
    return {e["field"]: e["message"] for e in body["errors"]}


def test_create_candidate_with_application(api: Api) -> None:
    job = _job(api, status="open")
    body = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "company": "Navy",
        "time_zone": "eastern time (us & canada)",
        "email_addresses": [{"value": "grace@example.com", "type": "work"}],
        "phone_numbers": [{"value": "+1 555 0100", "type": "mobile"}],
        "tags": ["referral", "brand new tag"],
        "custom_fields": [{"name_key": "work_authorization", "value": "Citizen"}],
        "application": {"job_id": job["id"]},
    }
    resp = api.post("/v3/candidates", body)
    assert resp.status_code == 201, resp.text
    out = resp.json()
    cand, app = out["candidate"], out["application"]
    assert cand["first_name"] == "Grace" and cand["tags"] == ["referral", "brand new tag"]
    assert cand["custom_fields"]["work_authorization"]["value"] == "Citizen"
    first = _stages(api, job["id"])[0]
    assert first["sort_order"] == 0 and first["name"] == "Application Review"
    assert app["candidate_id"] == cand["id"] and app["job_interview_stage_id"] == first["id"]
    assert app["status"] == "in_process" and app["stage_name"] == "Application Review"
    # visible through the lists
    assert api.rows("candidates", email="GRACE@example.com")[0]["id"] == cand["id"]
    stages = api.rows("application_stages", application_ids=str(app["id"]))
    assert len(stages) == 1 and stages[0]["current"] and stages[0]["exited_at"] is None
    tags = {t["name"] for t in api.all("candidate_tags")}
    assert "brand new tag" in tags
    assert len(api.rows("applied_candidate_tags", candidate_ids=str(cand["id"]))) == 2


def test_create_candidate_without_application(api: Api) -> None:
    resp = api.post("/v3/candidates", {"first_name": "A", "last_name": "B"})
    assert resp.status_code == 201 and resp.json()["application"] is None


def test_create_candidate_initial_stage(api: Api) -> None:
    job = _job(api, status="open")
    stage = _stages(api, job["id"])[2]
    resp = api.post(
        "/v3/candidates",
        {"first_name": "A", "last_name": "B", "application": {"job_id": job["id"], "initial_stage_id": stage["id"]}},
    )
    assert resp.json()["application"]["job_interview_stage_id"] == stage["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"last_name": "B"}, "first_name"),
        ({"first_name": "", "last_name": "B"}, "first_name"),
        ({"first_name": "A"}, "last_name"),
        ({"first_name": "A" * 256, "last_name": "B"}, "first_name"),
        ({"first_name": "A", "last_name": "B", "is_private": True}, "is_private"),
        (
            {"first_name": "A", "last_name": "B", "email_addresses": [{"value": "a@b.c", "type": "home"}]},
            "email_addresses[0].type",
        ),
        (
            {"first_name": "A", "last_name": "B", "phone_numbers": [{"value": "1", "type": "personal"}]},
            "phone_numbers[0].type",
        ),
        ({"first_name": "A", "last_name": "B", "time_zone": "Europe/Amsterdam"}, "time_zone"),
        ({"first_name": "A", "last_name": "B", "application": {"job_id": 1}}, "application.job_id"),
        (
            {"first_name": "A", "last_name": "B", "custom_fields": [{"name_key": "skills", "value": ["Cobol"]}]},
            "custom_fields[0].value",
        ),
    ],
)
def test_create_candidate_validation(api: Api, body: dict[str, Any], field: str) -> None:
    assert field in _errors(api.post("/v3/candidates", body))


def test_create_candidate_template_job_and_foreign_stage(api: Api) -> None:
    template = next(j for j in api.all("jobs") if j["is_template"])
    errs = _errors(
        api.post("/v3/candidates", {"first_name": "A", "last_name": "B", "application": {"job_id": template["id"]}})
    )
    assert "template" in errs["application.job_id"]
    job, other = [j for j in api.all("jobs") if not j["is_template"]][:2]
    foreign = _stages(api, other["id"])[1]
    errs = _errors(
        api.post(
            "/v3/candidates",
            {
                "first_name": "A",
                "last_name": "B",
                "application": {"job_id": job["id"], "initial_stage_id": foreign["id"]},
            },
        )
    )
    assert "application.initial_stage_id" in errs
    before = api.sb.tenant.count("candidates")
    assert api.sb.tenant.count("candidates") == before  # nothing half-written


def test_create_application_and_duplicate(api: Api) -> None:
    cand = api.post("/v3/candidates", {"first_name": "A", "last_name": "B"}).json()["candidate"]
    job = _job(api, status="open")
    resp = api.post("/v3/applications", {"candidate_id": cand["id"], "job_id": job["id"]})
    assert resp.status_code == 201
    assert resp.json()["job_interview_stage_id"] == _stages(api, job["id"])[0]["id"]
    dup = _errors(api.post("/v3/applications", {"candidate_id": cand["id"], "job_id": job["id"]}))
    assert "already has an application" in dup["job_id"]
    prospect = api.post("/v3/applications", {"candidate_id": cand["id"], "prospect": True, "job_ids": [job["id"]]})
    assert prospect.status_code == 201
    assert prospect.json()["prospect"] is True and prospect.json()["prospective_job_ids"] == [job["id"]]
    assert prospect.json()["job_interview_stage_id"] is None
    assert "candidate_id" in _errors(api.post("/v3/applications", {"candidate_id": 1, "job_id": job["id"]}))
    assert "job_id" in _errors(api.post("/v3/applications", {"candidate_id": cand["id"]}))


def test_create_attachment_content_url_and_resume_demotion(api: Api) -> None:
    app = api.rows("applications", status="active", per_page=1)[0]
    old = [a for a in api.all("attachments", candidate_ids=str(app["candidate_id"])) if a["type"] == "resume"]
    content = b"%PDF-1.4 my new resume"
    resp = api.post(
        "/v3/attachments",
        {
            "application_id": app["id"],
            "filename": "cv.pdf",
            "type": "resume",
            "content": base64.b64encode(content).decode(),
            "visibility": "admin_only",
        },
    )
    assert resp.status_code == 201, resp.text
    att = resp.json()
    assert set(att) == {"id", "application_id", "candidate_id", "type", "filename", "url", "created_at", "updated_at"}
    assert att["candidate_id"] == app["candidate_id"] and att["type"] == "resume"
    downloaded = api.http.get(att["url"])
    assert downloaded.status_code == 200 and downloaded.content == content
    assert "expires=" in att["url"] and "signature=" in att["url"]
    expires = int(att["url"].split("expires=")[1].split("&")[0])
    assert abs(expires - (api.sb.clock() + 7 * 24 * 3600)) < 5
    assert api.http.get(att["url"].replace("signature=", "signature=0")).status_code == 403
    now = {a["id"]: a for a in api.all("attachments", candidate_ids=str(app["candidate_id"]))}
    for a in old:
        assert now[a["id"]]["type"] == "other"
    by_url = api.post(
        "/v3/attachments",
        {
            "application_id": app["id"],
            "filename": "cover.pdf",
            "type": "cover_letter",
            "url": "https://files.example/cover.pdf",
        },
    )
    assert by_url.status_code == 201
    assert api.http.get(by_url.json()["url"]).content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({}, None),  # neither content nor url
        ({"content": "aGk=", "url": "https://x.example/a.pdf"}, None),
        ({"content": "not base64!!"}, "content"),
        ({"url": "ftp://x.example/a.pdf"}, "url"),
        ({"content": "aGk=", "filename": "virus.exe"}, "filename"),
        ({"content": "aGk=", "type": "take_home_test", "filename": "answer.html"}, "filename"),
        ({"content": "aGk=", "type": "photo"}, "type"),
        ({"content": "aGk=", "content_type": "application/pdf"}, "content_type"),
        ({"content": "aGk=", "application_id": 1}, "application_id"),
    ],
)
def test_create_attachment_validation(api: Api, extra: dict[str, Any], field: str | None) -> None:
    app = api.rows("applications", per_page=1)[0]
    body = {"application_id": app["id"], "filename": "cv.pdf", "type": "resume", **extra}
    assert field in _errors(api.post("/v3/attachments", body))


def test_create_note(api: Api) -> None:
    app = api.rows("applications", per_page=1)[0]
    resp = api.post(
        "/v3/notes",
        {
            "candidate_id": app["candidate_id"],
            "application_id": app["id"],
            "body": "Result: https://x.example/r/1",
            "note_type": "NOTE",
            "visibility": "admin_only",
        },
    )
    assert resp.status_code == 201
    note = resp.json()
    assert note["visibility"] == "admin_only_visible" and note["type"] == "NOTE"
    assert note["user_id"] == api.sb.credentials.user_id  # the caller by default
    assert note["id"] in {n["id"] for n in api.rows("notes", candidate_ids=str(app["candidate_id"]))}
    email = api.post(
        "/v3/notes",
        {
            "candidate_id": app["candidate_id"],
            "body": "hi",
            "note_type": "EMAIL",
            "visibility": "public",
            "subject": "Hello",
            "email_from": ["a@x.example"],
            "email_to": ["b@x.example"],
            "email_cc": [],
        },
    )
    assert email.status_code == 201 and email.json()["visibility"] == "publicly_visible"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"body": None}, "body"),
        ({"note_type": None}, "note_type"),
        ({"note_type": "MEMO"}, "note_type"),
        ({"visibility": "admin_only_visible"}, "visibility"),
        ({"visibility": None}, "visibility"),
        ({"note_type": "EMAIL"}, "subject"),
        ({"email_to": ["x@y.example"]}, "email_to"),
        ({"candidate_id": None}, "candidate_id"),
    ],
)
def test_create_note_validation(api: Api, extra: dict[str, Any], field: str) -> None:
    app = api.rows("applications", per_page=1)[0]
    body = {"candidate_id": app["candidate_id"], "body": "x", "note_type": "NOTE", "visibility": "private", **extra}
    body = {k: v for k, v in body.items() if v is not None}
    assert field in _errors(api.post("/v3/notes", body))


def test_note_application_must_belong_to_candidate(api: Api) -> None:
    a, b = [x for x in api.all("applications")][:2]
    other = next(x for x in api.all("applications") if x["candidate_id"] != a["candidate_id"])
    errs = _errors(
        api.post(
            "/v3/notes",
            {
                "candidate_id": a["candidate_id"],
                "application_id": other["id"],
                "body": "x",
                "note_type": "NOTE",
                "visibility": "private",
            },
        )
    )
    assert "application_id" in errs
    assert b


def test_move_and_advance(api: Api) -> None:
    app = next(
        a for a in api.all("applications", status="active", prospect="false") if a["stage_name"] == "Application Review"
    )
    stages = _stages(api, app["job_id"])
    adv = api.post(f"/v3/applications/{app['id']}/move", {})
    assert adv.status_code == 200 and adv.json()["job_interview_stage_id"] == stages[1]["id"]
    moved = api.post(f"/v3/applications/{app['id']}/move", {"to_stage_id": stages[-1]["id"]})
    assert moved.json()["stage_name"] == "Offer"
    assert "last stage" in str(_errors(api.post(f"/v3/applications/{app['id']}/move", {})))
    rows = api.rows("application_stages", application_ids=str(app["id"]))
    current = [r for r in rows if r["current"]]
    assert len(current) == 1 and current[0]["job_interview_stage_id"] == stages[-1]["id"]
    assert all(r["exited_at"] for r in rows if not r["current"])
    other = next(a for a in api.all("applications") if a["job_id"] and a["job_id"] != app["job_id"])
    foreign = _stages(api, other["job_id"])[1]
    assert "to_stage_id" in _errors(api.post(f"/v3/applications/{app['id']}/move", {"to_stage_id": foreign["id"]}))
    to_job = api.post(f"/v3/applications/{app['id']}/move", {"to_job_id": other["job_id"]})
    assert to_job.status_code == 200 and to_job.json()["job_id"] == other["job_id"]
    assert to_job.json()["job_interview_stage_id"] == _stages(api, other["job_id"])[0]["id"]
    assert api.post("/v3/applications/1/move", {}).status_code == 404


def test_reject(api: Api) -> None:
    app = api.rows("applications", status="active", prospect="false", per_page=1)[0]
    reason = api.rows("rejection_reasons", per_page=1)[0]
    assert "rejection_reason_id" in _errors(api.post(f"/v3/applications/{app['id']}/reject", {}))
    resp = api.post(
        f"/v3/applications/{app['id']}/reject", {"rejection_reason_id": reason["id"], "notes": "Not this time"}
    )
    assert resp.status_code == 200
    out = resp.json()
    assert out["status"] == "rejected" and out["rejected_at"] and out["rejection_reason_id"] == reason["id"]
    details = api.rows("rejection_details", application_ids=str(app["id"]))
    assert len(details) == 1 and details[0]["rejection_reason_id"] == reason["id"]
    note = api.rows("notes", ids=str(details[0]["rejection_note_id"]))[0]
    assert note["body"] == "Not this time"
    assert not api.rows("application_stages", application_ids=str(app["id"]), current="true")
    again = _errors(api.post(f"/v3/applications/{app['id']}/reject", {"rejection_reason_id": reason["id"]}))
    assert None in again
    assert api.post("/v3/applications/1/reject", {"rejection_reason_id": reason["id"]}).status_code == 404


def test_applied_tags_add_and_delete(api: Api) -> None:
    cand = api.post("/v3/candidates", {"first_name": "A", "last_name": "B"}).json()["candidate"]
    tag = next(t for t in api.all("candidate_tags") if t["name"] == "campus")
    resp = api.post("/v3/applied_candidate_tags", {"candidate_id": cand["id"], "candidate_tag_id": tag["id"]})
    assert resp.status_code == 201
    assert api.rows("candidates", ids=str(cand["id"]))[0]["tags"] == ["campus"]
    assert "candidate_tag_id" in _errors(
        api.post("/v3/applied_candidate_tags", {"candidate_id": cand["id"], "candidate_tag_id": tag["id"]})
    )
    gone = api.delete(f"/v3/applied_candidate_tags/{resp.json()['id']}")
    assert gone.status_code == 200 and "deleted successfully" in gone.json()["message"]
    assert api.rows("candidates", ids=str(cand["id"]))[0]["tags"] == []
    assert api.delete(f"/v3/applied_candidate_tags/{resp.json()['id']}").status_code == 404


def test_writes_bump_updated_at_and_last_activity(api: Api) -> None:
    app = api.rows("applications", status="active", prospect="false", per_page=1)[0]
    cand = api.rows("candidates", ids=str(app["candidate_id"]))[0]
    api.post("/v3/notes", {"candidate_id": cand["id"], "body": "x", "note_type": "NOTE", "visibility": "public"})
    after = api.rows("candidates", ids=str(cand["id"]))[0]
    assert after["updated_at"] > cand["updated_at"] and after["last_activity_at"] > cand["last_activity_at"]
    api.post(f"/v3/applications/{app['id']}/move", {})
    app2 = api.rows("applications", ids=str(app["id"]))[0]
    cand2 = api.rows("candidates", ids=str(cand["id"]))[0]
    assert app2["updated_at"] > app["updated_at"] and app2["last_activity_at"] > app["last_activity_at"]
    assert cand2["updated_at"] > after["updated_at"]
    # an incremental window picks the change up
    since = api.rows("candidates", updated_at=f"gte|{after['updated_at']}")
    assert cand["id"] in {c["id"] for c in since}


def test_deletes_over_http(api: Api) -> None:
    app = api.rows("applications", per_page=1)[0]
    resp = api.delete(f"/v3/applications/{app['id']}")
    assert resp.status_code == 200 and resp.json() == {"message": f"Application {app['id']} deleted successfully"}
    assert api.rows("applications", ids=str(app["id"])) == []
    assert api.rows("application_stages", application_ids=str(app["id"])) == []
    cand = api.rows("candidates", per_page=1)[0]
    assert api.delete(f"/v3/candidates/{cand['id']}").status_code == 200
    assert api.rows("applications", candidate_ids=str(cand["id"])) == []
    assert api.delete(f"/v3/candidates/{cand['id']}").status_code == 404


def test_malformed_body(api: Api) -> None:
    resp = api.http.post(api.sb.base_url + "/v3/candidates", content=b"{nope", headers=api.headers)
    assert resp.status_code == 400
    assert api.post("/v3/candidates", [1, 2]).status_code == 422
