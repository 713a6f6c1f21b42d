"""Every write action through the unmodified Kombo SDK, its effect checked in the sandbox tenant."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kombo import errors as kerrors

from .conftest import A, Live, NoWaitUnimap

CV = b"%PDF-1.4 a tiny CV"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A server of its own: these tests write to the tenant."""
    from .conftest import start_live

    running = start_live(tmp_path_factory.mktemp("actions"), integrations=(A,))
    yield running
    running.close()


def open_jobs(live: Live) -> list[dict[str, Any]]:
    return [j for j in live.service.export("job", A) if j["status"] == "OPEN"]


def tenant(live: Live) -> Any:
    return live.sandboxes[A].tenant


def documents_of(live: Live, candidate_remote_id: str) -> list[dict[str, Any]]:
    return [d for d in tenant(live).records("AttachedDocumentsService") if d["candidateUid"] == candidate_remote_id]


def candidate_payload(email: str, **extra: Any) -> dict[str, Any]:
    return {"first_name": "Bo", "last_name": "Ek", "email_address": email, **extra}


def test_create_application_writes_candidate_procedure_and_files(shop: Live) -> None:
    job = open_jobs(shop)[0]
    users = list(shop.service.export("user", A))
    before = tenant(shop).count("ProcedureService")
    response = shop.kombo().ats.create_application(
        job_id=job["id"],
        candidate=candidate_payload(
            "bo.ek@example.com",
            phone_number="+31612345678",
            company="Acme",
            title="Dev",
            location={"country": "NL", "city": "Utrecht"},
        ),
        attachments=[
            {"name": "CV.pdf", "type": "CV", "content_type": "application/pdf", "data": base64.b64encode(CV).decode()}
        ],
        sourced_by={"user_id": users[1]["id"]},
        gdpr_consent={"given": True},
    )
    assert response.warnings == [] or all(w.message for w in response.warnings)
    created = response.data
    assert created.job_id == job["id"]
    assert created.outcome == "PENDING"
    assert created.candidate is not None and created.candidate.first_name == "Bo"
    assert created.current_stage is not None and created.current_stage.id == created.current_stage_id

    assert tenant(shop).count("ProcedureService") == before + 1
    procedure = tenant(shop).get("ProcedureService", created.remote_id)
    assert procedure["vacancyUid"] == job["remote_id"]
    candidate = tenant(shop).get("CandidateService", procedure["candidateUid"])
    assert candidate["Person"]["emailPrimary"] == "bo.ek@example.com"
    assert created.candidate.remote_id == candidate["uid"]
    [cv] = [d for d in documents_of(shop, candidate["uid"]) if d["fileName"] == "CV.pdf"]
    assert tenant(shop).file(cv["fileUid"])["content"] == CV

    listed = shop.kombo().ats.get_applications(ids=[created.id]).result.data.results
    assert [a.id for a in listed] == [created.id]
    assert listed[0].candidate is not None and listed[0].candidate.id == created.candidate_id


def test_create_application_with_a_remote_job_id(shop: Live) -> None:
    job = open_jobs(shop)[1]
    response = shop.kombo().ats.create_application(
        job_id=f"remote:{job['remote_id']}", candidate=candidate_payload("remote.path@example.com")
    )
    procedure = tenant(shop).get("ProcedureService", response.data.remote_id)
    assert procedure["vacancyUid"] == job["remote_id"]
    assert response.data.job is not None and response.data.job.id == job["id"]


def test_create_candidate(shop: Live) -> None:
    job = open_jobs(shop)[2]
    response = shop.kombo().ats.create_candidate(
        candidate=candidate_payload(
            "cand@example.com", additional_email_addresses=[{"type": "WORK", "email_address": "cand.work@example.com"}]
        ),
        application={"job_id": job["id"]},
    )
    created = response.data
    assert response.warnings is not None
    record = tenant(shop).get("CandidateService", created.remote_id)
    assert record["Person"]["emailPrimary"] == "cand@example.com"
    assert [a.job.id for a in created.applications if a.job] == [job["id"]]
    procedures = [p for p in tenant(shop).records("ProcedureService") if p["candidateUid"] == created.remote_id]
    assert [p["vacancyUid"] for p in procedures] == [job["remote_id"]]


def _application(shop: Live, email: str) -> Any:
    job = open_jobs(shop)[3]
    return shop.kombo().ats.create_application(job_id=job["id"], candidate=candidate_payload(email)).data


def test_add_attachments_to_application_and_candidate(shop: Live) -> None:
    application = _application(shop, "attach@example.com")
    k = shop.kombo()
    letter = base64.b64encode(b"Dear team").decode()
    first = k.ats.add_application_attachment(
        application_id=application.id,
        attachment={"name": "Letter.txt", "type": "COVER_LETTER", "content_type": "text/plain", "data": letter},
    )
    second = k.ats.add_candidate_attachment(
        candidate_id=application.candidate_id,
        attachment={
            "name": "Other.txt",
            "type": "OTHER",
            "content_type": "text/plain",
            "data": base64.b64encode(b"x").decode(),
        },
    )
    assert first.warnings == [] and second.warnings == []
    docs = {d["fileName"]: d for d in documents_of(shop, application.candidate.remote_id)}
    assert docs["Letter.txt"]["applicationUid"] == application.remote_id
    assert tenant(shop).file(docs["Letter.txt"]["fileUid"])["content"] == b"Dear team"
    assert docs["Other.txt"]["applicationUid"] in (None, "")


def test_add_result_links_to_application_and_candidate(shop: Live) -> None:
    application = _application(shop, "links@example.com")
    k = shop.kombo()
    k.ats.add_application_result_link(
        application_id=application.id,
        label="Assessment",
        url="https://assess.example/r/1",
        details={"custom_field_name_prefix": "Acme:", "attributes": [{"key": "Score", "value": "97%"}]},
    )
    k.ats.add_candidate_result_link(
        candidate_id=application.candidate_id, label="Profile test", url="https://assess.example/r/2"
    )
    docs = {d["fileName"]: d for d in documents_of(shop, application.candidate.remote_id)}
    page = tenant(shop).file(docs["Assessment.html"]["fileUid"])["content"].decode()
    assert "https://assess.example/r/1" in page and "Acme:Score" in page and "97%" in page
    assert docs["Assessment.html"]["applicationUid"] == application.remote_id
    assert "https://assess.example/r/2" in tenant(shop).file(docs["Profile test.html"]["fileUid"])["content"].decode()


def test_action_responses_carry_concurrency_remaining(shop: Live) -> None:
    application = _application(shop, "headers@example.com")
    with shop.http() as http:
        response = http.post(
            f"/ats/applications/{application.id}/result-links", json={"label": "L", "url": "https://x.example/l"}
        )
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": {}, "warnings": []}
    assert response.headers["Concurrency-Remaining"] == "29"


def test_duplicate_application_is_refused(shop: Live) -> None:
    job = open_jobs(shop)[0]
    k = shop.kombo()
    k.ats.create_application(job_id=job["id"], candidate=candidate_payload("twice@example.com"))
    with pytest.raises(kerrors.KomboAtsError) as caught:
        k.ats.create_application(job_id=job["id"], candidate=candidate_payload("twice@example.com"))
    assert caught.value.data.error.code == "ATS.APPLICATION_ALREADY_EXISTS"
    assert caught.value.raw_response.status_code == 409


def test_closed_job_is_refused(shop: Live) -> None:
    job = open_jobs(shop)[-1]
    tenant(shop).update("VacancyService", job["remote_id"], {"statusId": 4})  # Closed
    before = tenant(shop).count("CandidateService")
    with pytest.raises(kerrors.KomboAtsError) as caught:
        shop.kombo().ats.create_application(job_id=job["id"], candidate=candidate_payload("late@example.com"))
    assert caught.value.data.error.code == "ATS.JOB_CLOSED"
    assert caught.value.raw_response.status_code == 409
    assert tenant(shop).count("CandidateService") == before


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/ats/jobs/{job}/applications", {"candidate": {"first_name": "A", "last_name": "B"}}, "email_address"),
        ("/ats/jobs/{job}/applications", {"candidate": candidate_payload("x@example.com"), "colour": 1}, "colour"),
        ("/ats/jobs/NoSuchJob/applications", {"candidate": candidate_payload("x@example.com")}, "job"),
        ("/ats/candidates", {"candidate": candidate_payload("x@example.com")}, "application"),
        (
            "/ats/applications/NoSuchApp/attachments",
            {"attachment": {"name": "a.txt", "type": "CV", "data": "aGk=", "content_type": "text/plain"}},
            "NoSuchApp",
        ),
        ("/ats/candidates/NoSuchCand/result-links", {"label": "L", "url": "https://x.example"}, "NoSuchCand"),
    ],
)
def test_invalid_action_input_is_a_400(shop: Live, path: str, body: dict[str, Any], field: str) -> None:
    with shop.http() as http:
        response = http.post(path.format(job=open_jobs(shop)[0]["id"]), json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "PLATFORM.INPUT_INVALID"
    assert field in error["message"]


@pytest.mark.parametrize("content", [b"", b"{not json", b"[1, 2]"])
def test_action_body_must_be_a_json_object(shop: Live, content: bytes) -> None:
    with shop.http() as http:
        response = http.post("/ats/candidates", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"


def test_concurrency_limit_is_a_429(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A,), max_concurrent_actions=0)
    with pytest.raises(kerrors.KomboAtsError) as caught:
        live.kombo().ats.create_application(
            job_id=open_jobs(live)[0]["id"], candidate=candidate_payload("busy@example.com")
        )
    assert caught.value.data.error.code == "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED"
    assert caught.value.raw_response.status_code == 429
    assert caught.value.raw_response.headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    "method, kind, code, status",
    [
        ("CandidateService.getListEx", "503", "REMOTE.SERVICE_UNAVAILABLE", 503),
        ("CandidateService.getListEx", "429", "REMOTE.RATE_LIMIT_EXCEEDED", 429),
        ("CandidateService.getListEx", "error", "REMOTE.SERVICE_UNAVAILABLE", 503),  # "try again": transient
    ],
)
def test_remote_failures_keep_their_codes(
    make_live: Callable[..., Live], method: str, kind: str, code: str, status: int
) -> None:
    live = make_live(integrations=(A,), service_cls=NoWaitUnimap)
    live.sandboxes[A].fail_next(method, 50, kind)
    with pytest.raises(kerrors.KomboAtsError) as caught:
        live.kombo().ats.create_application(
            job_id=open_jobs(live)[0]["id"], candidate=candidate_payload("down@example.com")
        )
    assert caught.value.data.error.code == code
    assert caught.value.raw_response.status_code == status
    if status == 429:
        assert int(caught.value.raw_response.headers["Retry-After"]) >= 1
