"""Tags and rejection reasons: the tenant's catalogues synced, their edits and deletions seen."""

from __future__ import annotations

from typing import Any

from .helpers import Synced, rejection_statuses


def live(env: Synced, model: str) -> dict[str, dict[str, Any]]:
    return {r["remote_id"]: r for r in env.export(model)}


def test_tags_are_the_tenant_tag_list(synced: Synced) -> None:
    tags = live(synced, "tag")
    assert {rid: t["name"] for rid, t in tags.items()} == synced.sb.tenant.tags.options()
    assert all(t["remote_deleted_at"] is None and t["changed_at"] for t in tags.values())
    ids = {t["id"]: rid for rid, t in tags.items()}
    carried = 0
    for candidate in synced.export("candidate"):
        remote = synced.sb.tenant.get("CandidateService", candidate["remote_id"])
        assert [t["remote_id"] for t in candidate["tags"]] == [str(t["uid"]) for t in remote["Tags"]]
        for tag in candidate["tags"]:  # a candidate's tag is the tag model's record, by id
            assert ids[tag["id"]] == tag["remote_id"] and tags[tag["remote_id"]]["name"] == tag["name"]
            carried += 1
    assert carried > 0


def test_rejection_reasons_are_the_declined_outcome_statuses(synced: Synced) -> None:
    reasons = live(synced, "rejection_reason")
    expected = {str(r["uid"]): r["status"] for r in rejection_statuses(synced.sb)}
    assert expected and {rid: r["name"] for rid, r in reasons.items()} == expected
    names = {r["name"] for r in reasons.values()}
    rejected = [a for a in synced.export("application") if a["outcome"] == "DECLINED"]
    assert rejected and all(a["rejection_reason_name"] in names for a in rejected)


def test_every_sync_sees_tag_edits_and_deletions(make_synced: Any) -> None:
    env = make_synced()
    tenant = env.sb.tenant
    before = live(env, "tag")
    tenant.rename_tag(1, "Talent pool")
    new_uid = tenant.add_tag("Zoekt parttime")
    tenant.delete_tag(7)
    report = env.um.sync(env.integration_id)  # a delta sync: the small list is read in full anyway
    assert report.ok, report.as_dict()
    stats = report.models["tag"]
    assert (stats.created, stats.changed, stats.deleted) == (1, 1, 1)
    after = live(env, "tag")
    assert after["1"]["name"] == "Talent pool" and after["1"]["id"] == before["1"]["id"]
    assert after[str(new_uid)]["name"] == "Zoekt parttime"
    assert "7" not in after
    [gone] = [t for t in env.export("tag", include_deleted=True) if t["remote_id"] == "7"]
    assert gone["remote_deleted_at"] is not None and gone["name"] == before["7"]["name"]


def test_rejection_reasons_follow_the_catalogue_and_the_outcome_map(make_synced: Any) -> None:
    env = make_synced()
    tenant = env.sb.tenant
    [rejected, withdrawn] = sorted(rejection_statuses(env.sb), key=lambda r: r["uid"])
    # which statuses are rejections is the tenant's outcome_map: one edit of the setting
    outcome_map = {rejected["status"]: "DECLINED", "Rejected: no fit": "DECLINED", withdrawn["status"]: "DECLINED"}
    env.um.configure(env.integration_id, {"outcome_map": outcome_map})
    tenant.update("ProcedureStatus2Service", rejected["uid"], {"status": "Rejected: no fit"})
    tenant.delete("ProcedureStatus2Service", withdrawn["uid"])
    report = env.um.sync(env.integration_id)
    assert report.ok, report.as_dict()
    stats = report.models["rejection_reason"]
    assert (stats.changed, stats.deleted) == (1, 1)
    reasons = live(env, "rejection_reason")
    assert {rid: r["name"] for rid, r in reasons.items()} == {str(rejected["uid"]): "Rejected: no fit"}
    env.um.configure(env.integration_id, {"outcome_map": {"Rejected: no fit": "DECLINED", "On hold": "DECLINED"}})
    assert env.um.sync(env.integration_id).ok
    assert sorted(r["name"] for r in env.export("rejection_reason")) == ["On hold", "Rejected: no fit"]
