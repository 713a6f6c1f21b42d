"""create_candidate (Kombo's older endpoint): the candidate with its one application."""

from __future__ import annotations

import pytest

from unimap import unified
from unimap.errors import ApplicationAlreadyExists, JobClosed

from .conftest import PDF, Env, attachment


def body(job_id: str, **application: str) -> dict:
    return {
        "candidate": {
            "first_name": "Cy",
            "last_name": "Do",
            "email_address": "cy.do@example.com",
            "phone_number": "0612345678",
        },
        "application": {"job_id": job_id, **application},
        "attachments": [attachment("CV Cy.pdf", "CV", PDF)],
        "source": {"name": "Acme Jobs"},
    }


def test_returns_the_candidate_with_its_application(env: Env) -> None:
    job = env.job()
    result = env.run("create_candidate", body(job["id"]))
    data = result.data
    unified.validator("models", "candidate").validate(data)

    [cand] = env.candidates_by_email("cy.do@example.com")
    [procedure] = env.procedures(cand["uid"])
    assert data["remote_id"] == cand["uid"]
    assert (data["first_name"], data["last_name"], data["source"]) == ("Cy", "Do", "Acme Jobs")
    assert data["email_addresses"] == [{"email_address": "cy.do@example.com", "type": None}]
    [application] = data["applications"]
    assert application["remote_id"] == procedure["uid"]
    assert application["job"] == {"id": job["id"], "name": job["name"], "remote_id": job["remote_id"]}
    assert application["current_stage"]["name"] == "New"
    assert set(application["current_stage"]) == {"id", "name", "remote_id", "index"}
    assert application["outcome"] == "PENDING"

    assert procedure["vacancyUid"] == job["remote_id"]
    assert cand["source"] == "Acme Jobs"
    [doc] = env.documents(cand["uid"])
    assert (doc["subject"], doc["typeId"], doc["applicationUid"]) == ("CV Cy.pdf", "1", procedure["uid"])


def test_candidate_shape_check_can_fail(env: Env) -> None:
    data = env.run("create_candidate", body(env.job()["id"])).data
    del data["applications"][0]["job"]
    with pytest.raises(Exception, match="job"):
        unified.validator("models", "candidate").validate(data)


def test_stage_of_the_application(env: Env) -> None:
    stage = env.stage("Screening")
    result = env.run("create_candidate", body(f"remote:{env.job()['remote_id']}", stage_id=stage["id"]))
    [cand] = env.candidates_by_email("cy.do@example.com")
    [procedure] = env.procedures(cand["uid"])
    assert procedure["ProcedureStatus1"]["uid"] == int(stage["remote_id"])
    assert result.data["applications"][0]["current_stage"]["id"] == stage["id"]


def test_existing_candidate_and_duplicate(env: Env) -> None:
    job = env.job()
    first = env.run("create_candidate", body(job["id"]))
    other = env.job(index=1)
    second = env.run("create_candidate", {**body(other["id"]), "source": {"name": "Elsewhere"}})
    assert second.data["id"] == first.data["id"]
    assert second.data["source"] == "Acme Jobs"
    assert sorted(a["job"]["id"] for a in second.data["applications"]) == sorted([job["id"], other["id"]])
    env.sb.stats.reset()
    with pytest.raises(ApplicationAlreadyExists):
        env.run("create_candidate", body(job["id"]))
    assert env.writes() == {}


def test_closed_job(env: Env) -> None:
    job = env.job()
    env.sb.tenant.update("VacancyService", job["remote_id"], {"statusId": 4})
    env.sb.stats.reset()
    with pytest.raises(JobClosed):
        env.run("create_candidate", body(job["id"]))
    assert env.writes() == {}
