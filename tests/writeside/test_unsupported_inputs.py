"""Input OTYS cannot store is not dropped silently: each kind comes back as a warning."""

from __future__ import annotations

import pytest

from .conftest import Env

CANDIDATE = {"first_name": "Una", "last_name": "Supported", "email_address": "una@example.com"}


@pytest.mark.parametrize(
    ("extra", "candidate_extra", "phrase"),
    [
        ({}, {"social_links": [{"url": "https://www.linkedin.com/in/una"}]}, "social_links"),
        ({}, {"additional_phone_numbers": [{"type": "WORK", "phone_number": "+31201234567"}]}, "Additional e-mail"),
        ({"sourced_by": {"user_id": "remote:1"}}, {}, "sourced_by"),
        ({"remote_fields": {"otys": {"x": 1}}}, {}, "remote_fields"),
    ],
)
def test_unsupported_input_becomes_a_warning(env: Env, extra: dict, candidate_extra: dict, phrase: str) -> None:
    result = env.run(
        "create_application", {"job_id": env.job()["id"], "candidate": {**CANDIDATE, **candidate_extra}, **extra}
    )
    assert any(phrase in w for w in result.warnings), result.warnings


def test_plain_input_has_no_such_warning(env: Env) -> None:
    result = env.run("create_application", {"job_id": env.job()["id"], "candidate": dict(CANDIDATE)})
    assert result.warnings == []
