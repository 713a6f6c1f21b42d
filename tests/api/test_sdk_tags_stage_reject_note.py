"""Kombo's SDK against ``unimap serve`` for an OTYS integration: tags, rejection reasons and the
tag/stage/reject/note actions parse as typed responses and change the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombo import errors as kerrors

from .conftest import A, Live, start_live


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One private server with integration A only (these tests write to its sandbox)."""
    running = start_live(Path(tmp_path_factory.mktemp("sdk15")), integrations=(A,))
    yield running
    running.close()


def test_tags_and_rejection_reasons_parse_and_page(own: Live) -> None:
    kombo, um = own.kombo(), own.service
    for call, model in ((kombo.ats.get_tags, "tag"), (kombo.ats.get_rejection_reasons, "rejection_reason")):
        expected = {r["id"]: r["name"] for r in um.export(model, A)}
        assert len(expected) >= 2, model
        page: Any = call(page_size=1)
        got: dict[str, Any] = {}
        while page is not None:
            for item in page.result.data.results:
                assert item.remote_id and item.remote_deleted_at is None and item.changed_at is not None
                got[item.id] = item.name
            page = page.next()
        assert got == expected, model


def test_every_new_action_answers_empty_data_and_changes_otys(own: Live) -> None:
    kombo, um, tenant = own.kombo(), own.service, own.sandboxes[A].tenant
    cand = next(c for c in um.export("candidate", A) if not c["tags"])
    added = kombo.ats.add_candidate_tag(candidate_id=cand["id"], tag={"name": "SDK tag"})
    assert added.STATUS == "success" and [w.message for w in added.warnings] == [
        "Tag 'SDK tag' did not exist in OTYS and was created."
    ]
    assert [t["tag"] for t in tenant.get("CandidateService", cand["remote_id"])["Tags"]] == ["SDK tag"]
    removed = kombo.ats.remove_candidate_tag(candidate_id=cand["id"], tag={"name": "sdk TAG"})
    assert removed.STATUS == "success" and removed.warnings == []
    assert tenant.get("CandidateService", cand["remote_id"])["Tags"] == []

    app = next(a for a in um.export("application", A) if a["outcome"] == "PENDING")
    stage = next(s for s in um.export("application_stage", A) if s["id"] != app["current_stage_id"])
    moved = kombo.ats.move_application_to_stage(application_id=app["id"], stage_id=stage["id"])
    assert moved.STATUS == "success" and moved.warnings == []
    assert str(tenant.get("ProcedureService", app["remote_id"])["ProcedureStatus1"]["uid"]) == stage["remote_id"]

    reason = next(iter(um.export("rejection_reason", A)))
    rejected = kombo.ats.reject_application(application_id=app["id"], rejection_reason_id=reason["id"], note="SDK")
    assert rejected.STATUS == "success"
    assert str(tenant.get("ProcedureService", app["remote_id"])["ProcedureStatus2"]["uid"]) == reason["remote_id"]
    noted = kombo.ats.add_application_note(application_id=app["id"], content="From the SDK", content_type="PLAIN_TEXT")
    assert noted.STATUS == "success" and noted.warnings == []
    mine = [r["remark"] for r in tenant.records("ProcedureRemarkService") if r["procedureUid"] == app["remote_id"]]
    assert sorted(mine) == ["From the SDK", "SDK"]


def test_bad_ids_answer_input_invalid(own: Live) -> None:
    kombo, um = own.kombo(), own.service
    app = next(iter(um.export("application", A)))
    with pytest.raises(kerrors.KomboAtsError) as caught:
        kombo.ats.reject_application(application_id=app["id"], rejection_reason_id="NoSuchReasonAtAll")
    assert caught.value.data.error.code == "PLATFORM.INPUT_INVALID"
    assert "rejection_reason_id" in caught.value.data.error.message
    with pytest.raises(kerrors.KomboAtsError) as caught:
        kombo.ats.move_application_to_stage(application_id="NoSuchApplication", stage_id="x")
    assert caught.value.data.error.code == "PLATFORM.INPUT_INVALID"
    assert "application_id" in caught.value.data.error.message
