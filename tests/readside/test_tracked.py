"""Kombo's "sync only created applications": only tracked candidates and applications are listed."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from unimap.service import SYNC_ONLY_CREATED

from .helpers import preset_connector_settings, tenant_counts


def _ids(records):
    return {r["id"] for r in records}


def test_only_tracked_rows_are_listed_and_still_refreshed(make_synced):
    env = make_synced()
    sb, um, iid = env.sb, env.um, env.integration_id
    candidates = env.export("candidate")
    applications = env.export("application")
    busy = next(c for c in candidates if len(c["applications"]) >= 2)
    mine = busy["applications"][0]
    other = next(a for a in applications if a["candidate_id"] != busy["id"])

    um.configure(iid, {SYNC_ONLY_CREATED: True})
    # nothing created through unimap yet: empty lists, other models untouched
    assert env.export("candidate") == [] and env.export("application") == []
    assert env.export("candidate", include_deleted=True) == []
    assert len(env.export("job")) == tenant_counts(sb)["job"]
    assert len(env.export("user")) == tenant_counts(sb)["user"]

    um.store.track(iid, "candidate", busy["remote_id"])
    um.store.track(iid, "application", mine["remote_id"])
    um.store.track(iid, "application", other["remote_id"])  # its candidate is not tracked
    assert _ids(env.export("candidate")) == {busy["id"]}
    assert _ids(env.export("application")) == {mine["id"], other["id"]}
    assert _ids(env.export("candidate", remote_ids=[c["remote_id"] for c in candidates])) == {busy["id"]}
    page = um.list_records("application", iid, page_size=1)
    assert len(page.results) == 1 and page.next
    assert len(um.list_records("application", iid, cursor=page.next, page_size=1).results) == 1
    # a tracked candidate lists only its tracked applications
    listed = env.export("candidate")[0]
    assert [a["id"] for a in listed["applications"]] == [mine["id"]]

    # OTYS moves the tracked application on and edits an untracked one: sync refreshes the tracked row
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.002)
    stages = {s["name"]: s for s in env.export("application_stage")}
    target = stages["Placed"] if mine["current_stage"]["name"] != "Placed" else stages["New"]
    sb.tenant.update("ProcedureService", mine["remote_id"], {"ProcedureStatus1": {"uid": int(target["remote_id"])}})
    untracked = busy["applications"][1]
    sb.tenant.update(
        "ProcedureService", untracked["remote_id"], {"ProcedureStatus1": {"uid": int(target["remote_id"])}}
    )
    report = um.sync(iid)
    assert report.ok and report.models["application"].changed == 2  # the store mirrors everything
    refreshed = {a["id"]: a for a in env.export("application")}
    assert set(refreshed) == {mine["id"], other["id"]}
    assert refreshed[mine["id"]]["current_stage_id"] == target["id"]
    assert refreshed[mine["id"]]["outcome"] == ("HIRED" if target["name"] == "Placed" else "PENDING")
    assert _ids(env.export("application", updated_after=since)) == {mine["id"]}
    assert _ids(env.export("candidate", updated_after=since)) == {busy["id"]}

    # an untracked application's change alone does not surface the tracked candidate
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.002)
    sb.tenant.update("ProcedureService", untracked["remote_id"], {"ProcedureStatus1": {"uid": 1}})
    assert um.sync(iid).models["application"].changed == 1
    assert env.export("candidate", updated_after=since) == []
    # nor does having applied to a job through an untracked application
    expected = {busy["id"]} if untracked["job"]["id"] == mine["job"]["id"] else set()
    assert _ids(env.export("candidate", job_ids=untracked["job"]["id"])) == expected
    assert _ids(env.export("candidate", job_ids=mine["job"]["id"])) == {busy["id"]}

    # switching the mode off lists everything again
    um.configure(iid, {SYNC_ONLY_CREATED: None})
    assert len(env.export("candidate")) == tenant_counts(sb)["candidate"]
    assert len(env.export("application")) == tenant_counts(sb)["application"]


def test_the_setting_is_accepted_when_connecting(make_sandbox, tmp_path):
    from unimap.service import Unimap

    sb = make_sandbox()
    with Unimap(f"sqlite:///{tmp_path / 'tracked.db'}") as um:
        integration = um.connect(
            "otys",
            {"api_key": sb.api_key},
            base_url=sb.base_url,
            settings={SYNC_ONLY_CREATED: True, **preset_connector_settings(sb.preset)},
        )
        assert um.sync(integration.id, full=True).ok
        assert um.store.count(integration.id, "application") == tenant_counts(sb)["application"]
        assert um.list_records("application", integration.id).results == []
        assert um.list_records("candidate", integration.id).results == []
        assert len(um.list_records("job", integration.id).results) == tenant_counts(sb)["job"]
