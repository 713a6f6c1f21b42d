"""Tags, stage moves, rejections and notes: what each action writes to OTYS, and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from unimap.errors import UnimapError

from .conftest import Env

EMPTY = {"status": "success", "data": {}, "warnings": []}


def tagless_candidate(env: Env) -> dict[str, Any]:
    """A synced candidate whose OTYS record carries no tag."""
    return next(
        c for c in env.records("candidate") if not env.sb.tenant.get("CandidateService", c["remote_id"])["Tags"]
    )


def tags_of(env: Env, candidate: dict[str, Any]) -> list[dict[str, Any]]:
    return env.sb.tenant.get("CandidateService", candidate["remote_id"])["Tags"]


def procedure(env: Env, application: dict[str, Any]) -> dict[str, Any]:
    return env.sb.tenant.get("ProcedureService", application["remote_id"])


def remarks(env: Env, application: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in env.sb.tenant.records("ProcedureRemarkService") if r["procedureUid"] == application["remote_id"]]


def refused(env: Env, action: str, payload: dict[str, Any]) -> UnimapError:
    env.sb.stats.reset()
    with pytest.raises(UnimapError) as caught:
        env.run(action, payload)
    assert env.writes() == {}, "a refused action wrote to OTYS"
    return caught.value


def test_add_and_remove_a_known_tag(env: Env) -> None:
    cand = tagless_candidate(env)
    result = env.run("add_candidate_tag", {"candidate_id": cand["id"], "tag": {"name": "  topkandidaat "}})
    assert result.envelope() == EMPTY
    assert tags_of(env, cand) == [{"uid": 6, "tag": "Topkandidaat"}]  # the catalogue's tag, matched by name
    env.sb.stats.reset()
    again = env.run("add_candidate_tag", {"candidate_id": cand["id"], "tag": {"name": "Topkandidaat"}})
    assert again.envelope() == EMPTY and env.writes() == {}  # already carried: nothing written
    assert len(tags_of(env, cand)) == 1

    env.sync()  # the delta sync shows the tag on the candidate, with the tag model's id
    tag_ids = {t["remote_id"]: t["id"] for t in env.records("tag")}
    [synced] = [c for c in env.records("candidate") if c["id"] == cand["id"]]
    assert synced["tags"] == [{"id": tag_ids["6"], "remote_id": "6", "name": "Topkandidaat"}]

    removed = env.run("remove_candidate_tag", {"candidate_id": cand["id"], "tag": {"name": "TOPKANDIDAAT"}})
    assert removed.envelope() == EMPTY
    assert tags_of(env, cand) == []


def test_a_new_tag_name_is_created_and_synced(env: Env) -> None:
    cand = tagless_candidate(env)
    result = env.run("add_candidate_tag", {"candidate_id": cand["id"], "tag": {"name": "Spreekt Fries"}})
    assert result.warnings == ["Tag 'Spreekt Fries' did not exist in OTYS and was created."]
    uid = env.sb.tenant.tags.find("Spreekt Fries")
    assert uid is not None and tags_of(env, cand) == [{"uid": uid, "tag": "Spreekt Fries"}]
    env.sync()
    assert {t["name"] for t in env.records("tag")} >= {"Spreekt Fries", "Talentpool"}


def test_tag_creation_can_be_switched_off(env: Env) -> None:
    env.configure(tag_create=False)
    cand = tagless_candidate(env)
    error = refused(env, "add_candidate_tag", {"candidate_id": cand["id"], "tag": {"name": "Bestaat niet"}})
    assert error.code == "PLATFORM.INPUT_INVALID" and "tag.name" in error.message and "tag_create" in error.message
    assert env.sb.tenant.tags.find("Bestaat niet") is None


def test_removing_a_tag_the_candidate_lacks_succeeds_and_keeps_its_tags(env: Env) -> None:
    cand = next(c for c in env.records("candidate") if len(c["tags"]) >= 2)
    before = tags_of(env, cand)
    env.sb.stats.reset()
    result = env.run("remove_candidate_tag", {"candidate_id": cand["id"], "tag": {"name": "Geen idee"}})
    assert result.envelope()["data"] == {} and result.warnings == [
        "The candidate has no tag 'Geen idee'; nothing was changed."
    ]
    assert env.writes() == {} and tags_of(env, cand) == before


def test_move_application_stage(env: Env) -> None:
    app = next(a for a in env.records("application") if a["current_stage"]["name"] != "Offer")
    offer = env.stage("Offer")
    result = env.run("move_application_stage", {"application_id": app["id"], "stage_id": offer["id"]})
    assert result.envelope() == EMPTY
    assert procedure(env, app)["ProcedureStatus1"] == {"uid": int(offer["remote_id"]), "status": "Offer"}
    env.sync()
    [synced] = [a for a in env.records("application") if a["id"] == app["id"]]
    assert synced["current_stage_id"] == offer["id"]
    env.sb.stats.reset()
    env.run("move_application_stage", {"application_id": app["id"], "stage_id": offer["id"]})
    assert env.writes() == {}  # already there


def test_reject_application_with_a_note(env: Env) -> None:
    app = next(a for a in env.records("application") if a["outcome"] == "PENDING")
    reason = next(r for r in env.records("rejection_reason") if r["name"] == "Rejected by client")
    payload = {"application_id": app["id"], "rejection_reason_id": reason["id"], "note": "Position filled"}
    result = env.run("reject_application", payload)
    assert result.envelope() == EMPTY
    assert procedure(env, app)["ProcedureStatus2"] == {"uid": int(reason["remote_id"]), "status": "Rejected by client"}
    [remark] = remarks(env, app)
    assert remark["remark"] == "Position filled" and remark["userId"] == env.sb.tenant.api_user_uid
    env.sync()
    [synced] = [a for a in env.records("application") if a["id"] == app["id"]]
    assert (synced["outcome"], synced["rejection_reason_name"]) == ("DECLINED", "Rejected by client")


def test_add_application_note(env: Env) -> None:
    app = env.records("application")[0]
    result = env.run(
        "add_application_note",
        {"application_id": app["id"], "content": "Called, no answer.", "content_type": "PLAIN_TEXT"},
    )
    assert result.envelope() == EMPTY
    [remark] = remarks(env, app)
    cand_uid = procedure(env, app)["candidateUid"]
    assert (remark["remark"], remark["candidateUid"]) == ("Called, no answer.", cand_uid)
    assert remark["entryDateTime"]


def test_without_a_note_method_notes_are_not_available(env: Env) -> None:
    env.configure(note_method="")  # None would only drop the override
    app = env.records("application")[0]
    error = refused(
        env, "add_application_note", {"application_id": app["id"], "content": "x", "content_type": "PLAIN_TEXT"}
    )
    assert error.code == "INTEGRATION.ACTION_NOT_AVAILABLE"
    reason = env.records("rejection_reason")[0]
    result = env.run(
        "reject_application", {"application_id": app["id"], "rejection_reason_id": reason["id"], "note": "n"}
    )
    assert any("note_method" in w for w in result.warnings) and remarks(env, app) == []


def test_bad_inputs_name_the_field(env: Env) -> None:
    app = env.records("application")[0]
    cand = env.records("candidate")[0]
    reason = env.records("rejection_reason")[0]
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("move_application_stage", {"application_id": app["id"], "stage_id": "NoSuchStage1234567890abc"}, "stage_id"),
        ("move_application_stage", {"application_id": app["id"], "stage_id": "remote:99"}, "stage_id"),
        (
            "reject_application",
            {"application_id": app["id"], "rejection_reason_id": "NoSuchReason1234567890ab"},
            "rejection_reason_id",
        ),
        ("reject_application", {"application_id": app["id"], "rejection_reason_id": "remote:1"}, "rejection_reason_id"),
        (
            "reject_application",
            {"application_id": "NoSuchApp1234567890abcde", "rejection_reason_id": reason["id"]},
            "application_id",
        ),
        (
            "add_application_note",
            {"application_id": "remote:" + "0" * 32, "content": "x", "content_type": "PLAIN_TEXT"},
            "application_id",
        ),
        (
            "add_application_note",
            {"application_id": app["id"], "content": "   ", "content_type": "PLAIN_TEXT"},
            "content",
        ),
        ("add_candidate_tag", {"candidate_id": "remote:" + "0" * 32, "tag": {"name": "Talentpool"}}, "candidate_id"),
        ("remove_candidate_tag", {"candidate_id": cand["id"], "tag": {"name": " "}}, "tag.name"),
    ]
    for action, payload, field in cases:
        error = refused(env, action, payload)
        assert error.code == "PLATFORM.INPUT_INVALID", (action, payload, error)
        assert field in error.message, (action, payload, error.message)


def test_a_stage_gone_from_otys_is_refused(env: Env) -> None:
    app = env.records("application")[0]
    stage = env.stage("Second interview")
    env.sb.tenant.delete("ProcedureStatus1Service", int(stage["remote_id"]))
    error = refused(env, "move_application_stage", {"application_id": app["id"], "stage_id": stage["id"]})
    assert error.code == "PLATFORM.INPUT_INVALID" and error.message.startswith("stage_id:")
