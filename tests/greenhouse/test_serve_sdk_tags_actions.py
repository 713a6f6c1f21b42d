"""Kombo's own SDK against ``unimap serve`` with a Greenhouse integration: tags, rejection reasons and the
tag, stage, reject and note actions. Typed responses must parse; the sandbox must change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kombo import Kombo
from kombo.errors import KomboAtsError

from unimap.service import Unimap
from unimap_connectors.greenhouse.sandbox import Sandbox

from .helpers import serve_synced
from .test_serve_sdk import walk


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Kombo, Unimap, str, Sandbox]]:
    with serve_synced(tmp_path_factory.mktemp("gh-serve-tags"), "greenhouse:serve-tags", seed=4) as running:
        yield running


@pytest.mark.parametrize(("method", "model"), [("get_tags", "tag"), ("get_rejection_reasons", "rejection_reason")])
def test_tags_and_reasons_parse_and_page(served: Any, method: str, model: str) -> None:
    kombo, um, iid, sb = served
    expected = list(um.export(model, iid))
    resource = "candidate_tags" if model == "tag" else "rejection_reasons"
    assert len(expected) == sb.tenant.count(resource) >= 3
    got, pages = walk(getattr(kombo.ats, method), page_size=4)
    assert [(r.id, r.remote_id, r.name) for r in got] == [(r["id"], r["remote_id"], r["name"]) for r in expected]
    assert pages == -(-len(expected) // 4)
    assert all(r.remote_deleted_at is None and r.changed_at is not None for r in got)


def test_candidate_tag_ids_are_served_tag_ids(served: Any) -> None:
    kombo = served[0]
    tag_ids = {t.id for t in walk(kombo.ats.get_tags, page_size=100)[0]}
    candidates, _ = walk(kombo.ats.get_candidates, page_size=250)
    on_candidates = {tag.id for c in candidates for tag in c.tags}
    assert on_candidates and on_candidates <= tag_ids


def test_every_new_action_parses_and_changes_the_sandbox(served: Any) -> None:
    kombo, um, iid, sb = served
    t = sb.tenant
    cand = next(c for c in um.export("candidate", iid) if not any(x["name"] == "relocation" for x in c["tags"]))
    added = kombo.ats.add_candidate_tag(candidate_id=cand["id"], tag={"name": "relocation"})
    assert added.STATUS == "success" and added.warnings == []
    assert "relocation" in t.get("candidates", int(cand["remote_id"]))["tags"]
    removed = kombo.ats.remove_candidate_tag(candidate_id=cand["id"], tag={"name": "relocation"})
    assert removed.STATUS == "success" and removed.warnings == []
    assert "relocation" not in t.get("candidates", int(cand["remote_id"]))["tags"]
    again = kombo.ats.remove_candidate_tag(candidate_id=cand["id"], tag={"name": "relocation"})
    assert [w.message for w in again.warnings] == [
        f'Candidate {cand["remote_id"]} does not have the tag "relocation"; nothing was removed.'
    ]

    jobs = {j["id"]: j for j in um.export("job", iid)}

    def other_stages(a: dict[str, Any]) -> list[dict[str, Any]]:
        stages = jobs[a["job_id"]]["stages"] if a["job_id"] in jobs else []
        return [s for s in stages if s["status"] == "ACTIVE" and s["id"] != a["current_stage_id"]]

    app = next(a for a in um.export("application", iid) if a["outcome"] == "PENDING" and other_stages(a))
    stage = other_stages(app)[0]
    moved = kombo.ats.move_application_to_stage(application_id=app["id"], stage_id=stage["id"])
    assert moved.STATUS == "success" and moved.warnings == []
    assert t.get("applications", int(app["remote_id"]))["job_interview_stage_id"] == int(stage["remote_id"])

    noted = kombo.ats.add_application_note(
        application_id=app["id"], content="Met at the meetup", content_type="PLAIN_TEXT"
    )
    assert noted.STATUS == "success"
    assert t.rows("notes", application_id=int(app["remote_id"]))[-1]["body"] == "Met at the meetup"

    reason = next(iter(um.export("rejection_reason", iid)))
    rejected = kombo.ats.reject_application(application_id=app["id"], rejection_reason_id=reason["id"], note="No visa")
    assert rejected.STATUS == "success" and rejected.warnings == []
    row = t.get("applications", int(app["remote_id"]))
    assert (row["status"], row["rejection_reason_id"]) == ("rejected", int(reason["remote_id"]))


def test_bad_ids_are_kombo_input_errors(served: Any) -> None:
    kombo, um, iid, _ = served
    app = next(a for a in um.export("application", iid) if a["outcome"] == "PENDING")
    calls = [
        ("stage_id", lambda: kombo.ats.move_application_to_stage(application_id=app["id"], stage_id="nope")),
        (
            "rejection_reason_id",
            lambda: kombo.ats.reject_application(application_id=app["id"], rejection_reason_id="nope"),
        ),
        (
            "application_id",
            lambda: kombo.ats.add_application_note(
                application_id="remote:99999999", content="x", content_type="PLAIN_TEXT"
            ),
        ),
    ]
    for field, call in calls:
        with pytest.raises(KomboAtsError) as err:
            call()
        assert err.value.data.error.code == "PLATFORM.INPUT_INVALID", field
        assert field in err.value.data.error.message
