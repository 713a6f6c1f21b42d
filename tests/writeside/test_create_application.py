"""create_application against the sandbox: tenant state, de-duplication, stages, refusals, response shape."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest

from unimap import unified
from unimap.errors import ApplicationAlreadyExists, InputInvalid, JobClosed
from unimap_connectors.otys.sandbox import SandboxSettings

from .conftest import LETTER, NOTES, PDF, Env, attachment

CANDIDATE = {
    "first_name": "Bo",
    "last_name": "Ek",
    "email_address": "bo.ek@example.com",
    "company": "Acme B.V.",
    "title": "Backend developer",
    "phone_number": "+31612345678",
    "location": {"country": "NL", "city": "Delft", "zip_code": "2611 AA", "street_1": "Markt 1"},
    "gender": "FEMALE",
    "availability_date": "2026-09-01T00:00:00Z",
}
SHORT_STAGE_KEYS = {"id", "name", "remote_id", "index"}


def payload(job: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"job_id": job["id"], "candidate": dict(CANDIDATE), **extra}


def assert_kombo_application_shape(data: dict[str, Any]) -> None:
    """The create-application response: Kombo's Application with a short current_stage and a full candidate.

    The shipped application schema describes GET /ats/applications (long current_stage, short candidate,
    interviews/offers), so the two nested objects are checked on their own and then swapped for the GET
    form before validating the rest.
    """
    assert "interviews" not in data and "offers" not in data
    stage = data["current_stage"]
    assert set(stage) == SHORT_STAGE_KEYS
    candidate = data["candidate"]
    assert "applications" not in candidate
    unified.validator("models", "candidate").validate({**candidate, "applications": []})
    short_candidate_keys = unified.schema("models", "application")["$defs"]["candidate"]["properties"]
    rest = copy.deepcopy(data)
    rest["current_stage"] = {**stage, "status": "ACTIVE", "custom_fields": {}}
    rest["candidate"] = {k: v for k, v in candidate.items() if k in short_candidate_keys}
    rest.update(interviews=[], offers=[])
    unified.validator("models", "application").validate(rest)


def test_new_candidate_full_write(env: Env) -> None:
    job = env.job()
    candidates_before = env.sb.tenant.count("CandidateService")
    result = env.run(
        "create_application",
        payload(
            job,
            source={"name": "Acme Jobs"},
            gdpr_consent={"given": True, "expires_at": "2028-03-31T00:00:00Z"},
            attachments=[
                attachment("Resume.pdf", "CV", PDF),
                attachment("Letter.txt", "COVER_LETTER", LETTER, "text/plain"),
                attachment("Notes.txt", "OTHER", NOTES, "text/plain"),
            ],
        ),
    )
    assert result.warnings == []

    # exactly one new candidate, with the input's fields
    assert env.sb.tenant.count("CandidateService") == candidates_before + 1
    [cand] = env.candidates_by_email("bo.ek@example.com")
    person = cand["Person"]
    assert (person["firstName"], person["lastName"], person["gender"]) == ("Bo", "Ek", "female")
    assert [p["phoneNumber"] for p in person["PhoneNumbers"].values()] == ["+31612345678"]
    address = person["AddressPrimary"]
    assert (address["city"], address["postcode"], address["address"], address["countryCode"]) == (
        "Delft",
        "2611 AA",
        "Markt 1",
        "NL",
    )
    assert cand["availableAt"] == "2026-09-01"
    assert [(e["employer"], e["function"]) for e in cand["EmploymentHistory"]] == [("Acme B.V.", "Backend developer")]
    assert cand["source"] == "Acme Jobs"
    assert (cand["gdprDueDate"], cand["gdprReason"]) == ("2028-03-31", "otherYes")

    # one procedure on the job, in the tenant's default stage (automaticallySelectEvent 1 = "New")
    [procedure] = env.procedures(cand["uid"])
    assert procedure["vacancyUid"] == job["remote_id"]
    assert procedure["ProcedureStatus1"] == {"uid": 1, "status": "New"}

    # every attachment once, on the candidate and linked to the procedure, with the mapped type
    docs = sorted(env.documents(cand["uid"]), key=lambda d: d["subject"])
    assert [(d["subject"], d["typeId"], d["applicationUid"]) for d in docs] == [
        ("Letter.txt", "202", procedure["uid"]),
        ("Notes.txt", "201", procedure["uid"]),
        ("Resume.pdf", "1", procedure["uid"]),
    ]
    assert [env.content(d) for d in docs] == [LETTER, NOTES, PDF]
    assert docs[2]["mimeType"] == "application/pdf"

    # the response is the stored application, ids matching the tenant
    data = result.data
    assert data["remote_id"] == procedure["uid"]
    assert data["job_id"] == job["id"]
    assert data["job"] == {"id": job["id"], "name": job["name"], "remote_id": job["remote_id"]}
    assert data["candidate"]["remote_id"] == cand["uid"]
    assert data["candidate_id"] == data["candidate"]["id"]
    assert data["candidate"]["source"] == "Acme Jobs"
    assert data["current_stage"]["name"] == "New"
    assert data["current_stage_id"] == data["current_stage"]["id"] == env.stage("New")["id"]
    assert data["outcome"] == "PENDING"
    assert_kombo_application_shape(data)
    assert result.envelope()["status"] == "success"


def test_response_shape_check_can_fail(env: Env) -> None:
    """The shape helper above rejects a response missing an SDK-required key."""
    data = env.run("create_application", payload(env.job())).data
    broken = copy.deepcopy(data)
    del broken["candidate"]["tags"]
    with pytest.raises(Exception, match="tags"):
        assert_kombo_application_shape(broken)


def test_minimal_candidate_is_accepted(env: Env) -> None:
    job = env.job(index=1)
    result = env.run(
        "create_application",
        {
            "job_id": f"remote:{job['remote_id']}",
            "candidate": {"first_name": "Al", "last_name": "Ba", "email_address": "al.ba@example.com"},
        },
    )
    [cand] = env.candidates_by_email("al.ba@example.com")
    assert cand["Person"]["PhoneNumbers"] == {} and cand["EmploymentHistory"] == []
    assert cand["source"] is None  # no input source and no default_source setting
    assert cand["gdprDueDate"] is None
    assert [p["vacancyUid"] for p in env.procedures(cand["uid"])] == [job["remote_id"]]
    assert result.data["job_id"] == job["id"]
    assert_kombo_application_shape(result.data)


@pytest.mark.parametrize("how", ["unimap id", "remote id"])
def test_given_stage_is_used(env: Env, how: str) -> None:
    stage = env.stage("First interview")
    job = env.job()
    index = next(s["index"] for s in job["stages"] if s["id"] == stage["id"])
    stage_id = stage["id"] if how == "unimap id" else f"remote:{stage['remote_id']}"
    result = env.run("create_application", payload(job, stage_id=stage_id))
    [cand] = env.candidates_by_email(CANDIDATE["email_address"])
    [procedure] = env.procedures(cand["uid"])
    assert procedure["ProcedureStatus1"] == {"uid": int(stage["remote_id"]), "status": "First interview"}
    assert result.data["current_stage"] == {
        "id": stage["id"],
        "name": "First interview",
        "remote_id": stage["remote_id"],
        "index": index,
    }


def test_existing_candidate_gets_the_application_and_keeps_its_source(env: Env) -> None:
    existing = next(
        c
        for c in env.sb.tenant.records("CandidateService")
        if c["source"] and c["Person"]["emailPrimary"] and env.procedures(c["uid"])
    )
    job = env.open_job_without(existing["uid"])
    procedures_before = len(env.procedures(existing["uid"]))
    result = env.run(
        "create_application",
        {
            "job_id": job["id"],
            "source": {"name": "Acme Jobs"},
            "candidate": {
                "first_name": "Someone",
                "last_name": "Else",
                "email_address": existing["Person"]["emailPrimary"],
            },
        },
    )

    assert "CandidateService.add" not in str(env.writes())
    assert len(env.candidates_by_email(existing["Person"]["emailPrimary"])) == 1
    after = env.sb.tenant.get("CandidateService", existing["uid"])
    assert after["source"] == existing["source"] != "Acme Jobs"
    assert after["portalId"] == existing["portalId"]
    assert after["Person"]["firstName"] == existing["Person"]["firstName"]  # not overwritten either
    procedures = env.procedures(existing["uid"])
    assert len(procedures) == procedures_before + 1
    assert job["remote_id"] in {p["vacancyUid"] for p in procedures}
    assert result.data["candidate"]["remote_id"] == existing["uid"]
    assert result.data["candidate"]["source"] == existing["source"]


def test_e_mail_matching_ignores_case(env: Env) -> None:
    """The sandbox's EQ is case-insensitive (unverified for OTYS, see docs/connect-otys.md)."""
    first = env.run("create_application", payload(env.job()))
    second = env.run(
        "create_application",
        {"job_id": env.job(index=1)["id"], "candidate": {**CANDIDATE, "email_address": "BO.EK@Example.COM"}},
    )
    assert second.data["candidate_id"] == first.data["candidate_id"]
    assert env.sb.stats.count("CandidateService.add") == 1


def test_second_application_to_the_same_job_is_refused(env: Env) -> None:
    job = env.job()
    first = env.run("create_application", payload(job))
    env.sb.stats.reset()
    with pytest.raises(ApplicationAlreadyExists) as caught:
        env.run("create_application", payload(job, attachments=[attachment("Resume.pdf", "CV", PDF)]))
    assert caught.value.code == "ATS.APPLICATION_ALREADY_EXISTS"
    assert first.data["remote_id"] in caught.value.message
    assert env.writes() == {}
    [cand] = env.candidates_by_email(CANDIDATE["email_address"])
    assert len(env.procedures(cand["uid"])) == 1
    assert env.documents(cand["uid"]) == []


def test_existing_procedure_from_the_tenant_is_a_duplicate(env: Env) -> None:
    proc = next(
        p
        for p in env.sb.tenant.records("ProcedureService")
        if env.sb.tenant.get("CandidateService", p["candidateUid"])["Person"]["emailPrimary"]
    )
    email = env.sb.tenant.get("CandidateService", proc["candidateUid"])["Person"]["emailPrimary"]
    with pytest.raises(ApplicationAlreadyExists):
        env.run(
            "create_application",
            {
                "job_id": f"remote:{proc['vacancyUid']}",
                "candidate": {"first_name": "X", "last_name": "Y", "email_address": email},
            },
        )
    assert env.writes() == {}


@pytest.mark.parametrize("status_id", [3, 4], ids=["Filled", "Closed"])
def test_closed_job_is_refused(env: Env, status_id: int) -> None:
    job = env.job()
    env.sb.tenant.update("VacancyService", job["remote_id"], {"statusId": status_id})
    env.sb.stats.reset()
    candidates_before = env.sb.tenant.count("CandidateService")
    with pytest.raises(JobClosed) as caught:
        env.run("create_application", payload(job))
    assert caught.value.code == "ATS.JOB_CLOSED"
    assert job["remote_id"] in caught.value.message
    assert env.writes() == {}
    assert env.sb.tenant.count("CandidateService") == candidates_before


def test_a_draft_job_still_takes_applications(env: Env) -> None:
    """Only the statuses in closed_job_statuses refuse; DRAFT ("On hold"/"Draft") is not among them."""
    job = env.job("DRAFT")
    env.run("create_application", payload(job))
    [cand] = env.candidates_by_email(CANDIDATE["email_address"])
    assert [p["vacancyUid"] for p in env.procedures(cand["uid"])] == [job["remote_id"]]


def test_closed_statuses_are_a_setting(env: Env) -> None:
    env.configure(closed_job_statuses=["CLOSED", "DRAFT"])
    with pytest.raises(JobClosed):
        env.run("create_application", payload(env.job("DRAFT")))
    assert env.writes() == {}


def test_unknown_remote_stage_is_refused_before_any_write(env: Env) -> None:
    with pytest.raises(InputInvalid, match="stage_id") as caught:
        env.run("create_application", payload(env.job(), stage_id="remote:99"))
    assert caught.value.code == "PLATFORM.INPUT_INVALID"
    assert env.writes() == {}
    assert env.candidates_by_email(CANDIDATE["email_address"]) == []


# -- source ---------------------------------------------------------------------------------------


def test_default_source_setting_is_written_when_input_has_none(make_env: Any) -> None:
    env = make_env(integration_settings={"default_source": "Acme Jobs (Prod)"})
    result = env.run("create_application", payload(env.job()))
    [cand] = env.candidates_by_email(CANDIDATE["email_address"])
    assert cand["source"] == "Acme Jobs (Prod)"
    assert cand["portalId"] is None
    assert result.data["candidate"]["source"] == "Acme Jobs (Prod)"


def test_input_source_wins_over_default_source(make_env: Any) -> None:
    env = make_env(integration_settings={"default_source": "Acme Jobs (Prod)"})
    env.run("create_application", payload(env.job(), source={"name": "Board X"}))
    [cand] = env.candidates_by_email(CANDIDATE["email_address"])
    assert cand["source"] == "Board X"


def test_source_matching_a_referrer_portal_sets_the_portal(env: Env) -> None:
    env.run("create_application", payload(env.job(), source={"name": "linkedin"}))
    [cand] = env.candidates_by_email(CANDIDATE["email_address"])
    assert (cand["source"], cand["portalId"]) == ("linkedin", 2)


def test_source_id_that_is_no_portal_warns(env: Env) -> None:
    result = env.run("create_application", payload(env.job(), source={"id": "999", "name": "Board X"}))
    [cand] = env.candidates_by_email(CANDIDATE["email_address"])
    assert (cand["source"], cand["portalId"]) == ("Board X", None)
    assert len(result.warnings) == 1 and "999" in result.warnings[0]


# -- GDPR -----------------------------------------------------------------------------------------


def test_gdpr_consent_without_expiry_uses_the_tenant_period(env: Env) -> None:
    env.run("create_application", payload(env.job(), gdpr_consent={"given": True}))
    [cand] = env.candidates_by_email(CANDIDATE["email_address"])
    due = date.fromisoformat(cand["gdprDueDate"])
    # the sandbox tenant's SE2999 is 24 months; allow for the day boundary
    assert date.today() + timedelta(days=725) <= due <= date.today() + timedelta(days=735)
    assert cand["gdprReason"] == "otherYes"


def test_gdpr_consent_declined_uses_the_declined_days(env: Env) -> None:
    env.run("create_application", payload(env.job(), gdpr_consent={"given": False}))
    [cand] = env.candidates_by_email(CANDIDATE["email_address"])
    due = date.fromisoformat(cand["gdprDueDate"])
    assert date.today() + timedelta(days=29) <= due <= date.today() + timedelta(days=31)  # SE2997 = 30 days
    assert cand["gdprReason"] == "cron"


def test_gdpr_switched_off_in_the_tenant_is_a_warning(make_env: Any) -> None:
    env = make_env(settings=SandboxSettings(gdpr_writes_enabled=False))
    result = env.run("create_application", payload(env.job(), gdpr_consent={"given": True}))
    assert env.sb.stats.count("setGdprDueDatePartner") == 0
    [cand] = env.candidates_by_email(CANDIDATE["email_address"])
    assert cand["gdprDueDate"] is None
    assert len(env.procedures(cand["uid"])) == 1  # the application itself went through
    [warning] = result.warnings
    assert "GDPR" in warning and "SE2995" in warning and "docs/connect-otys.md" in warning
    assert result.envelope()["warnings"] == [{"message": warning}]


def test_no_gdpr_consent_writes_nothing(env: Env) -> None:
    env.run("create_application", payload(env.job()))
    assert env.sb.stats.count("setGdprDueDatePartner") == 0
    assert env.sb.stats.count("CsmService.getValue") == 0
