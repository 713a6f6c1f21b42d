"""An action that fails half-way leaves what OTYS already stored; running it again never duplicates."""

from __future__ import annotations

from typing import Any

import pytest

from unimap.errors import ApplicationAlreadyExists, UnimapError

from .conftest import Env

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
    with pytest.raises(ApplicationAlreadyExists):
        env.run("create_application", payload(env))
    assert len(env.candidates_by_email(EMAIL)) == 1
    assert len(env.procedures(candidate["uid"])) == 1
