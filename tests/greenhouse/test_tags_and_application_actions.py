"""Greenhouse tags and rejection reasons (synced read models) and the tag, stage, reject and note actions.

Everything runs against the Greenhouse sandbox on 127.0.0.1; the connector under test is YAML only.
"""

from __future__ import annotations

from typing import Any

import pytest

from unimap.errors import UnimapError

from .helpers import Synced, tenant_counts

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _writes(s: Synced) -> int:
    """Harvest write requests the sandbox has answered so far (token requests are not writes)."""
    requests = s.sb.stats.snapshot()["requests"].items()
    return sum(v for k, v in requests if k.split(" ", 1)[0] in WRITES and k.split(" ", 1)[1].startswith("/v3/"))


def _requests(s: Synced, route: str) -> int:
    return s.sb.stats.snapshot()["requests"].get(route, 0)


def _action(s: Synced, name: str, payload: dict[str, Any]) -> Any:
    return s.um.action(name, payload, s.integration_id)


def _refused(s: Synced, name: str, payload: dict[str, Any]) -> UnimapError:
    """The action's error; nothing was written before it."""
    before = _writes(s)
    with pytest.raises(UnimapError) as err:
        _action(s, name, payload)
    assert _writes(s) == before, f"{name} wrote before refusing"
    return err.value


def _by_remote(s: Synced, model: str, **options: Any) -> dict[str, dict[str, Any]]:
    return {r["remote_id"]: r for r in s.export(model, **options)}


def _delta(s: Synced) -> Any:
    report = s.um.sync(s.integration_id)
    assert report.ok and report.kind == "delta", report.as_dict()
    return report


def _candidate_without(s: Synced, tag: str) -> dict[str, Any]:
    return next(c for c in s.sb.tenant.rows("candidates") if tag not in c["tags"])


def _candidate_with_a_tag(s: Synced) -> dict[str, Any]:
    return next(c for c in s.sb.tenant.rows("candidates") if c["tags"])


def _movable(s: Synced) -> tuple[dict[str, Any], dict[str, Any]]:
    """An active, synced application and an active stage of its job it is not in."""
    t = s.sb.tenant
    synced = {r["remote_id"] for r in s.export("application")}
    for app in t.rows("applications", status="in_process", prospect=False):
        if str(app["id"]) not in synced:
            continue
        others = [
            st
            for st in t.rows("job_interview_stages", job_id=app["job_id"])
            if st["active"] and st["id"] != app["job_interview_stage_id"]
        ]
        if others:
            return app, others[-1]
    raise AssertionError("no movable application in the tenant")


def _kombo_id(s: Synced, model: str, remote_id: int) -> str:
    return str(_by_remote(s, model)[str(remote_id)]["id"])


# -- read models -------------------------------------------------------------------------------------


def test_tags_and_reasons_are_the_tenant_rows_in_kombo_shape(synced: Synced) -> None:
    t = synced.sb.tenant
    counts = tenant_counts(synced.sb)
    tags = synced.export("tag")
    reasons = synced.export("rejection_reason")
    assert len(tags) == counts["tag"] == t.count("candidate_tags") > 0
    assert len(reasons) == counts["rejection_reason"] == t.count("rejection_reasons") > 0
    assert {(r["remote_id"], r["name"]) for r in tags} == {(str(r["id"]), r["name"]) for r in t.rows("candidate_tags")}
    assert {(r["remote_id"], r["name"]) for r in reasons} == {
        (str(r["id"]), r["name"]) for r in t.rows("rejection_reasons")
    }
    for record in (*tags, *reasons):
        assert set(record) == {"id", "remote_id", "name", "remote_data", "changed_at", "remote_deleted_at"}
        assert record["remote_deleted_at"] is None


def test_candidate_tags_carry_the_ids_of_the_tag_model(synced: Synced) -> None:
    tags = {r["id"]: r for r in synced.export("tag")}
    tenant = {str(c["id"]): c for c in synced.sb.tenant.rows("candidates")}
    seen = 0
    for cand in synced.export("candidate"):
        assert [tag["name"] for tag in cand["tags"]] == tenant[cand["remote_id"]]["tags"]
        for tag in cand["tags"]:
            assert tag["id"] in tags, tag
            assert (tags[tag["id"]]["name"], tags[tag["id"]]["remote_id"]) == (tag["name"], tag["remote_id"])
            seen += 1
    assert seen > 10


def test_rejected_applications_name_a_synced_reason(synced: Synced) -> None:
    names = {r["name"] for r in synced.export("rejection_reason")}
    rejected = [a for a in synced.export("application") if a["outcome"] == "DECLINED"]
    assert rejected
    assert all(a["rejection_reason_name"] in names for a in rejected)


def test_delta_sees_new_and_edited_tags_and_reasons(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    tag = t.rows("candidate_tags")[2]
    reason = t.rows("rejection_reasons")[1]
    t.edit("candidate_tags", tag["id"], name="renamed tag")
    t.edit("rejection_reasons", reason["id"], name="Renamed reason")
    new = t.insert("candidate_tags", {"name": "brand new"})
    report = _delta(s)
    assert (report.models["tag"].created, report.models["tag"].changed) == (1, 1)
    assert (report.models["rejection_reason"].created, report.models["rejection_reason"].changed) == (0, 1)
    tags = _by_remote(s, "tag")
    assert tags[str(tag["id"])]["name"] == "renamed tag"
    assert tags[str(new["id"])]["name"] == "brand new"
    assert _by_remote(s, "rejection_reason")[str(reason["id"])]["name"] == "Renamed reason"
    quiet = _delta(s)
    assert all(quiet.models[m].created == quiet.models[m].changed == 0 for m in ("tag", "rejection_reason"))


def test_full_sync_marks_deleted_tags_and_reasons(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    reason = t.insert("rejection_reasons", {"name": "Unused reason", "type": {"id": 3, "key": "NONE_SPECIFIED"}})
    assert _delta(s).models["rejection_reason"].created == 1  # every generated reason is in use: add one
    tag = next(g for g in t.rows("candidate_tags") if t.rows("applied_candidate_tags", candidate_tag_id=g["id"]))
    holders = {str(r["candidate_id"]) for r in t.rows("applied_candidate_tags", candidate_tag_id=tag["id"])}
    t.delete_tag(tag["id"])
    t.remove("rejection_reasons", reason["id"])
    delta = _delta(s)
    assert delta.models["tag"].deleted == delta.models["rejection_reason"].deleted == 0  # deltas see no deletes
    full = s.um.sync(s.integration_id, full=True)
    assert full.ok, full.as_dict()
    assert (full.models["tag"].deleted, full.models["rejection_reason"].deleted) == (1, 1)
    gone_tags = [r["remote_id"] for r in s.export("tag", include_deleted=True) if r["remote_deleted_at"]]
    gone_reasons = [
        r["remote_id"] for r in s.export("rejection_reason", include_deleted=True) if r["remote_deleted_at"]
    ]
    assert (gone_tags, gone_reasons) == ([str(tag["id"])], [str(reason["id"])])
    candidates = _by_remote(s, "candidate")
    assert all(tag["name"] not in [x["name"] for x in candidates[c]["tags"]] for c in holders)
    assert len(s.export("tag")) == tenant_counts(s.sb)["tag"]


# -- tag actions -------------------------------------------------------------------------------------


def test_add_an_existing_tag(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    cand = _candidate_without(s, "campus")
    tag = next(g for g in t.rows("candidate_tags") if g["name"] == "campus")
    tags_before = t.count("candidate_tags")
    result = _action(
        s, "add_candidate_tag", {"candidate_id": _kombo_id(s, "candidate", cand["id"]), "tag": {"name": "Campus"}}
    )
    assert (result.data, result.warnings) == ({}, [])
    assert t.count("candidate_tags") == tags_before  # found ignoring case, not created again
    assert "campus" in t.get("candidates", cand["id"])["tags"]
    assert t.rows("applied_candidate_tags", candidate_id=cand["id"], candidate_tag_id=tag["id"])
    _delta(s)
    synced = _by_remote(s, "candidate")[str(cand["id"])]
    assert {"id": _kombo_id(s, "tag", tag["id"]), "name": "campus", "remote_id": str(tag["id"])} in synced["tags"]


def test_add_a_new_tag_creates_it(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    cand = _candidate_without(s, "Speaks Klingon")
    result = _action(
        s,
        "add_candidate_tag",
        {"candidate_id": _kombo_id(s, "candidate", cand["id"]), "tag": {"name": " Speaks Klingon "}},
    )
    assert result.data == {}
    created = t.rows("candidate_tags", name="Speaks Klingon")
    assert len(created) == 1
    assert result.warnings == [f'Greenhouse had no tag "Speaks Klingon"; it was created (tag {created[0]["id"]}).']
    assert t.get("candidates", cand["id"])["tags"][-1] == "Speaks Klingon"
    report = _delta(s)
    assert report.models["tag"].created == 1
    tag_id = _kombo_id(s, "tag", created[0]["id"])
    assert tag_id in [x["id"] for x in _by_remote(s, "candidate")[str(cand["id"])]["tags"]]


def test_adding_a_tag_the_candidate_has_changes_nothing(make_synced: Any) -> None:
    s = make_synced()
    cand = _candidate_with_a_tag(s)
    before = _writes(s)
    name = cand["tags"][0].upper()
    result = _action(s, "add_candidate_tag", {"candidate_id": f"remote:{cand['id']}", "tag": {"name": name}})
    assert result.data == {}
    assert result.warnings == [f'Candidate {cand["id"]} already has the tag "{name}"; nothing was changed.']
    assert _writes(s) == before


def test_case_sensitive_names_make_a_new_tag(make_synced: Any) -> None:
    s = make_synced(settings={"tag_names_case_sensitive": True})
    t = s.sb.tenant
    cand = _candidate_without(s, "referral")
    _action(s, "add_candidate_tag", {"candidate_id": f"remote:{cand['id']}", "tag": {"name": "REFERRAL-X"}})
    assert t.rows("candidate_tags", name="REFERRAL-X")


def test_unknown_tag_without_creating_is_refused(make_synced: Any) -> None:
    s = make_synced(settings={"create_missing_tags": False})
    cand = _candidate_with_a_tag(s)
    err = _refused(s, "add_candidate_tag", {"candidate_id": f"remote:{cand['id']}", "tag": {"name": "no such tag"}})
    assert err.code == "PLATFORM.INPUT_INVALID" and getattr(err, "fields", None) == ["tag"]
    assert "no such tag" in str(err)


def test_remove_a_tag(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    cand = _candidate_with_a_tag(s)
    name = cand["tags"][0]
    tag = t.rows("candidate_tags", name=name)[0]
    result = _action(
        s, "remove_candidate_tag", {"candidate_id": _kombo_id(s, "candidate", cand["id"]), "tag": {"name": name}}
    )
    assert (result.data, result.warnings) == ({}, [])
    assert name not in t.get("candidates", cand["id"])["tags"]
    assert not t.rows("applied_candidate_tags", candidate_id=cand["id"], candidate_tag_id=tag["id"])
    assert t.get("candidate_tags", tag["id"]) is not None  # the tag itself stays
    _delta(s)
    assert name not in [x["name"] for x in _by_remote(s, "candidate")[str(cand["id"])]["tags"]]


def test_removing_a_tag_the_candidate_lacks_succeeds(make_synced: Any) -> None:
    s = make_synced()
    cand = _candidate_without(s, "boomerang")
    before = _writes(s)
    for name in ("boomerang", "never heard of it"):
        result = _action(s, "remove_candidate_tag", {"candidate_id": f"remote:{cand['id']}", "tag": {"name": name}})
        assert result.data == {}
        assert result.warnings == [f'Candidate {cand["id"]} does not have the tag "{name}"; nothing was removed.']
    assert _writes(s) == before


# -- application actions -----------------------------------------------------------------------------


def test_move_to_a_stage(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    app, stage = _movable(s)
    payload = {
        "application_id": _kombo_id(s, "application", app["id"]),
        "stage_id": _kombo_id(s, "application_stage", stage["id"]),
    }
    result = _action(s, "move_application_stage", payload)
    assert (result.data, result.warnings) == ({}, [])
    row = t.get("applications", app["id"])
    assert (row["job_interview_stage_id"], row["stage_name"]) == (stage["id"], stage["name"])
    current = t.rows("application_stages", application_id=app["id"], current=True)
    assert [r["job_interview_stage_id"] for r in current] == [stage["id"]]
    _delta(s)
    assert _by_remote(s, "application")[str(app["id"])]["current_stage_id"] == payload["stage_id"]
    moves = _requests(s, "POST /v3/applications/{id}/move")
    again = _action(s, "move_application_stage", payload)
    assert again.data == {}
    assert again.warnings == [f'Application {app["id"]} is already in stage "{stage["name"]}"; nothing was changed.']
    assert _requests(s, "POST /v3/applications/{id}/move") == moves


def test_reject_with_a_reason_and_a_note(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    app, _ = _movable(s)
    reason = t.rows("rejection_reasons")[3]
    payload = {
        "application_id": _kombo_id(s, "application", app["id"]),
        "rejection_reason_id": _kombo_id(s, "rejection_reason", reason["id"]),
        "note": "Went with an internal candidate",
    }
    result = _action(s, "reject_application", payload)
    assert (result.data, result.warnings) == ({}, [])
    row = t.get("applications", app["id"])
    assert (row["status"], row["rejection_reason_id"]) == ("rejected", reason["id"])
    (details,) = t.rows("rejection_details", application_id=app["id"])
    note = t.get("notes", details["rejection_note_id"])
    assert note["body"] == "Went with an internal candidate"
    _delta(s)
    synced = _by_remote(s, "application")[str(app["id"])]
    assert (synced["outcome"], synced["rejection_reason_name"]) == ("DECLINED", reason["name"])
    again = _action(s, "reject_application", payload)
    assert again.data == {}
    assert again.warnings == [
        f"Application {app['id']} was already rejected (reason {reason['id']}); nothing was changed.",
        "The note was not written, as the application was not rejected again.",
    ]


def test_reject_note_as_a_separate_note(make_synced: Any) -> None:
    s = make_synced(settings={"reject_note_field": None})
    t = s.sb.tenant
    app, _ = _movable(s)
    reason = t.rows("rejection_reasons")[0]
    result = _action(
        s,
        "reject_application",
        {"application_id": f"remote:{app['id']}", "rejection_reason_id": f"remote:{reason['id']}", "note": "Too far"},
    )
    assert (result.data, result.warnings) == ({}, [])
    (details,) = t.rows("rejection_details", application_id=app["id"])
    assert details["rejection_note_id"] is None
    note = t.rows("notes", application_id=app["id"])[-1]
    assert (note["body"], note["candidate_id"], note["visibility"]) == (
        "Too far",
        app["candidate_id"],
        "admin_only_visible",
    )


def test_add_an_application_note(make_synced: Any) -> None:
    s = make_synced(settings={"note_visibility": "private"})
    t = s.sb.tenant
    app = s.export("application")[5]
    result = _action(
        s,
        "add_application_note",
        {
            "application_id": app["id"],
            "content": "Strong on systems design.\nSecond line.",
            "content_type": "PLAIN_TEXT",
        },
    )
    assert (result.data, result.warnings) == ({}, [])
    note = t.rows("notes")[-1]
    assert note["body"] == "Strong on systems design.\nSecond line."
    assert (note["application_id"], note["candidate_id"]) == (int(app["remote_id"]), int(app["candidate"]["remote_id"]))
    assert (note["type"], note["visibility"]) == ("NOTE", "privately_visible")


def test_bad_input_names_the_field(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    app, stage = _movable(s)
    app_id = _kombo_id(s, "application", app["id"])
    foreign = next(st for st in t.rows("job_interview_stages") if st["job_id"] != app["job_id"] and st["active"])
    rejected = next(a for a in t.rows("applications", status="rejected", prospect=False))
    reason = _kombo_id(s, "rejection_reason", t.rows("rejection_reasons")[0]["id"])
    cases = [
        ("move_application_stage", {"application_id": app_id, "stage_id": "no-such-stage"}, "stage_id"),
        ("move_application_stage", {"application_id": app_id, "stage_id": f"remote:{foreign['id']}"}, "stage_id"),
        ("move_application_stage", {"application_id": app_id, "stage_id": "remote:99999999"}, "stage_id"),
        (
            "move_application_stage",
            {"application_id": "remote:99999999", "stage_id": f"remote:{stage['id']}"},
            "application_id",
        ),
        (
            "move_application_stage",
            {"application_id": f"remote:{rejected['id']}", "stage_id": f"remote:{stage['id']}"},
            "application_id",
        ),
        (
            "reject_application",
            {"application_id": app_id, "rejection_reason_id": "no-such-reason"},
            "rejection_reason_id",
        ),
        (
            "reject_application",
            {"application_id": app_id, "rejection_reason_id": "remote:99999999"},
            "rejection_reason_id",
        ),
        ("reject_application", {"application_id": "remote:99999999", "rejection_reason_id": reason}, "application_id"),
        ("reject_application", {"application_id": "remote:12x", "rejection_reason_id": reason}, "application_id"),
        (
            "add_application_note",
            {"application_id": "remote:99999999", "content": "x", "content_type": "PLAIN_TEXT"},
            "application_id",
        ),
        (
            "add_application_note",
            {"application_id": "nope", "content": "x", "content_type": "PLAIN_TEXT"},
            "application_id",
        ),
        ("add_application_note", {"application_id": app_id, "content": "   ", "content_type": "PLAIN_TEXT"}, "content"),
        ("add_candidate_tag", {"candidate_id": "remote:99999999", "tag": {"name": "x"}}, "candidate_id"),
        ("add_candidate_tag", {"candidate_id": f"remote:{app['candidate_id']}", "tag": {"name": "  "}}, "tag"),
        ("remove_candidate_tag", {"candidate_id": "remote:99999999", "tag": {"name": "x"}}, "candidate_id"),
    ]
    for name, payload, field in cases:
        err = _refused(s, name, payload)
        assert err.code == "PLATFORM.INPUT_INVALID", (name, payload, err)
        assert getattr(err, "fields", None) == [field], (name, payload, err)
        assert str(err).split(":")[0].split(".")[0] == field, (name, payload, str(err))
    hired = next(a for a in t.rows("applications", status="hired", prospect=False))
    err = _refused(s, "reject_application", {"application_id": f"remote:{hired['id']}", "rejection_reason_id": reason})
    assert getattr(err, "fields", None) == ["application_id"] and "hired" in str(err)
    assert t.get("applications", app["id"])["job_interview_stage_id"] == app["job_interview_stage_id"]
