"""Bad inputs are refused with the right code, name the problem, and write nothing to OTYS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from unimap.errors import UnimapError

from .conftest import PDF, Env, attachment, b64

CAND = {"first_name": "Bo", "last_name": "Ek", "email_address": "bo@example.com"}
CV = attachment("Resume.pdf", "CV", PDF)
MISSING_UID = "0" * 32

Build = Callable[[Env], tuple[str, dict[str, Any]]]


def app(**extra: Any) -> Build:
    def build(env: Env) -> tuple[str, dict[str, Any]]:
        return "create_application", {"job_id": env.job()["id"], "candidate": dict(CAND), **extra}

    return build


def without(key: str) -> Build:
    def build(env: Env) -> tuple[str, dict[str, Any]]:
        return "create_application", {
            "job_id": env.job()["id"],
            "candidate": {k: v for k, v in CAND.items() if k != key},
        }

    return build


def fixed(action: str, payload: dict[str, Any]) -> Build:
    return lambda env: (action, payload)


def first_candidate(action: str, **extra: Any) -> Build:
    return lambda env: (action, {"candidate_id": env.records("candidate")[0]["id"], **extra})


CASES: dict[str, tuple[Build, str, list[str]]] = {
    # name: (payload builder, code, fragments the message must contain)
    "missing first_name": (without("first_name"), "PLATFORM.INPUT_INVALID", ["candidate.first_name", "required"]),
    "missing last_name": (without("last_name"), "PLATFORM.INPUT_INVALID", ["candidate.last_name", "required"]),
    "missing email": (without("email_address"), "PLATFORM.INPUT_INVALID", ["candidate.email_address", "required"]),
    "missing candidate": (
        fixed("create_application", {"job_id": "remote:1"}),
        "PLATFORM.INPUT_INVALID",
        ["candidate", "required"],
    ),
    "missing job_id": (
        fixed("create_application", {"candidate": CAND}),
        "PLATFORM.INPUT_INVALID",
        ["job_id", "required"],
    ),
    "create_candidate without application": (
        fixed("create_candidate", {"candidate": CAND}),
        "PLATFORM.INPUT_INVALID",
        ["application", "required"],
    ),
    "invalid e-mail": (
        lambda env: (
            "create_application",
            {"job_id": env.job()["id"], "candidate": {**CAND, "email_address": "bo-at-example.com"}},
        ),
        "PLATFORM.INPUT_INVALID",
        ["candidate.email_address", "bo-at-example.com"],
    ),
    "lower-case country": (
        app(candidate={**CAND, "location": {"country": "nl"}}),
        "PLATFORM.INPUT_INVALID",
        ["candidate.location.country"],
    ),
    "unknown attachment type": (
        app(attachments=[{**CV, "type": "PHOTO"}]),
        "PLATFORM.INPUT_INVALID",
        ["attachments[0].type"],
    ),
    "both data and data_url": (
        app(attachments=[CV, {**CV, "data_url": "https://files.example/cv.pdf"}]),
        "PLATFORM.INPUT_INVALID",
        ["attachments[1]", "data_url", "data"],
    ),
    "neither data nor data_url": (
        app(attachments=[{"name": "a.pdf", "type": "CV"}]),
        "PLATFORM.INPUT_INVALID",
        ["attachments[0]"],
    ),
    "invalid base64": (
        app(attachments=[CV, {**CV, "data": "not base64!!"}]),
        "PLATFORM.INPUT_INVALID",
        ["attachments[1].data"],
    ),
    "unknown job (unimap id)": (
        fixed("create_application", {"job_id": "NoSuchJob", "candidate": CAND}),
        "PLATFORM.INPUT_INVALID",
        ["job_id", "NoSuchJob"],
    ),
    "unknown job (remote id)": (
        fixed("create_application", {"job_id": f"remote:{MISSING_UID}", "candidate": CAND}),
        "PLATFORM.INPUT_INVALID",
        ["job", MISSING_UID, "not found"],
    ),
    "unknown job in create_candidate": (
        fixed("create_candidate", {"candidate": CAND, "application": {"job_id": "NoSuchJob"}}),
        "PLATFORM.INPUT_INVALID",
        ["application.job_id", "NoSuchJob"],
    ),
    "unknown stage (unimap id)": (app(stage_id="NoSuchStage"), "PLATFORM.INPUT_INVALID", ["stage_id", "NoSuchStage"]),
    "unknown stage (remote id)": (app(stage_id="remote:42"), "PLATFORM.INPUT_INVALID", ["stage_id", "42"]),
    "unknown candidate (unimap id)": (
        fixed("add_candidate_attachment", {"candidate_id": "NoSuchCand", "attachment": CV}),
        "PLATFORM.INPUT_INVALID",
        ["candidate_id", "NoSuchCand"],
    ),
    "unknown candidate (remote id)": (
        fixed("add_candidate_attachment", {"candidate_id": f"remote:{MISSING_UID}", "attachment": CV}),
        "PLATFORM.INPUT_INVALID",
        ["candidate", MISSING_UID, "not found"],
    ),
    "unknown candidate for a result link": (
        fixed(
            "add_candidate_result_link",
            {"candidate_id": f"remote:{MISSING_UID}", "label": "R", "url": "https://tests.example/r"},
        ),
        "PLATFORM.INPUT_INVALID",
        ["candidate", "not found"],
    ),
    "unknown application": (
        fixed("add_application_attachment", {"application_id": f"remote:{MISSING_UID}", "attachment": CV}),
        "PLATFORM.INPUT_INVALID",
        ["procedure", MISSING_UID, "not found"],
    ),
    "unknown application (unimap id)": (
        fixed(
            "add_application_result_link",
            {"application_id": "NoSuchApp", "label": "R", "url": "https://tests.example/r"},
        ),
        "PLATFORM.INPUT_INVALID",
        ["application_id", "NoSuchApp"],
    ),
    "result link without url": (
        first_candidate("add_candidate_result_link", label="R"),
        "PLATFORM.INPUT_INVALID",
        ["url", "required"],
    ),
    "result link details without attributes": (
        first_candidate(
            "add_candidate_result_link",
            label="R",
            url="https://tests.example/r",
            details={"custom_field_name_prefix": "A:"},
        ),
        "PLATFORM.INPUT_INVALID",
        ["details.attributes"],
    ),
    "attachment action without attachment": (
        first_candidate("add_candidate_attachment"),
        "PLATFORM.INPUT_INVALID",
        ["attachment", "required"],
    ),
    "oversized base64 attachment": (
        app(attachments=[{**CV, "data": b64(b"x" * 64)}]),
        "PLATFORM.INPUT_INVALID",
        ["attachments[0].data", "larger than 32 bytes"],
    ),
}


@pytest.fixture
def env(shared_env: Env) -> Iterator[Env]:
    """Bad inputs write nothing, so the cases share one environment; settings are reset after each."""
    yield shared_env
    shared_env.configure(max_attachment_bytes=None)


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_without_writes(env: Env, case: str) -> None:
    build, code, fragments = CASES[case]
    if case == "oversized base64 attachment":
        env.configure(max_attachment_bytes=32)
    action, payload = build(env)
    candidates_before = env.sb.tenant.count("CandidateService")
    env.sb.stats.reset()
    with pytest.raises(UnimapError) as caught:
        env.run(action, payload)
    error = caught.value
    assert error.code == code, error
    for fragment in fragments:
        assert fragment in error.message, (fragment, error.message)
    assert "\n" not in error.message
    assert env.writes() == {}
    assert not [m for m in env.sb.stats.calls if m.endswith((".add", ".update", ".updateEx", "Partner"))]
    assert env.sb.tenant.count("CandidateService") == candidates_before
    envelope = error.to_envelope()
    assert envelope["status"] == "error" and envelope["error"]["code"] == code


def test_schema_problems_are_reported_before_any_vendor_call(env: Env) -> None:
    env.sb.stats.reset()
    with pytest.raises(UnimapError) as caught:
        env.run(
            "create_application",
            {
                "job_id": "remote:1",
                "candidate": {"first_name": "A"},
                "attachments": [{**CV, "data_url": "https://files.example/x"}],
            },
        )
    # every problem at once, each named
    assert set(caught.value.fields) >= {"candidate.last_name", "candidate.email_address", "attachments[0].data_url"}
    assert sum(env.sb.stats.requests.values()) == 0


def test_unknown_action(env: Env) -> None:
    with pytest.raises(UnimapError) as caught:
        env.run("delete_candidate", {})
    assert caught.value.code == "INTEGRATION.ACTION_NOT_AVAILABLE"
