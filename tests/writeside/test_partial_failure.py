"""An action that fails half-way leaves what OTYS already stored; running it again never duplicates."""

from __future__ import annotations

from typing import Any

import pytest

from unimap.errors import ApplicationAlreadyExists, UnimapError

from .conftest import PDF, Env, attachment

EMAIL = "half@example.com"


def payload(env: Env) -> dict[str, Any]:
    return {"job_id": env.job()["id"], "candidate": {"first_name": "Hal", "last_name": "Fway", "email_address": EMAIL}}


def fail_first_run(env: Env, kind: str) -> dict[str, Any]:
    env.sb.fail_next("ProcedureService.add", 1, kind)
    with pytest.raises(UnimapError) as failure:
        env.run("create_application", payload(env))
    assert failure.value.code is not None and failure.value.code.startswith("REMOTE.")
    [candidate] = env.candidates_by_email(EMAIL)
    return candidate


def test_a_refused_procedure_write_is_completed_by_running_the_action_again(env: Env) -> None:
    candidate = fail_first_run(env, "error")  # OTYS did not run the call
    assert env.procedures(candidate["uid"]) == []
    result = env.run("create_application", payload(env))
    [again] = env.candidates_by_email(EMAIL)  # matched by e-mail: still one candidate
    assert again["uid"] == candidate["uid"]
    [procedure] = env.procedures(candidate["uid"])
    assert result.data["remote_id"] == procedure["uid"]


def test_a_lost_answer_is_not_written_twice(env: Env) -> None:
    candidate = fail_first_run(env, "malformed")  # OTYS ran the call, its answer was garbled
    result = env.run("create_application", payload(env))  # the same call again completes it
    assert len(env.candidates_by_email(EMAIL)) == 1
    [procedure] = env.procedures(candidate["uid"])
    assert result.data["remote_id"] == procedure["uid"]
    with pytest.raises(ApplicationAlreadyExists):  # a third, ordinary repeat is a duplicate again
        env.run("create_application", payload(env))
    assert len(env.procedures(candidate["uid"])) == 1


def test_a_lost_answer_keeps_the_attachments_until_the_repeat_attaches_them(env: Env) -> None:
    cv = attachment("cv.pdf", "CV", PDF)
    body = {**payload(env), "attachments": [cv]}
    env.sb.fail_next("ProcedureService.add", 1, "malformed")
    with pytest.raises(UnimapError, match="outcome is unknown"):
        env.run("create_application", body)
    [candidate] = env.candidates_by_email(EMAIL)
    assert env.documents(candidate["uid"]) == []
    kept = env.um.store.pending_attachments(env.integration_id)
    assert [row["attachment"]["name"] for row in kept] == ["cv.pdf"], "the CV is kept, not lost"
    attached, warnings = env.retry_pending()
    assert attached == 0 and "send the same action again" in warnings[0]
    result = env.run("create_application", body)
    [procedure] = env.procedures(candidate["uid"])
    [document] = env.documents(candidate["uid"])
    assert (result.data["remote_id"], document["applicationUid"]) == (procedure["uid"], procedure["uid"])
    assert env.content(document) == PDF
    assert env.um.store.pending_attachments(env.integration_id) == []
