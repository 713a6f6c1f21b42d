"""The OTYS connector against tenant variants: anonymised and edited candidates, zones, per-tenant settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from unimap.service import Unimap
from unimap_connectors.otys.sandbox import Sandbox

from .helpers import Synced, connect, snapshot


def _fresh_snapshot(sb: Sandbox, path: Path, integration_id: str) -> dict[str, dict[str, object]]:
    """What a brand-new store holds after one full sync of ``sb`` as it is now (same integration id)."""
    with Unimap(f"sqlite:///{path}") as um:
        iid = connect(um, sb, integration_id)
        report = um.sync(iid, full=True)
        assert report.ok, report.as_dict()
        return snapshot(um, iid)


def test_full_and_delta_sync_of_anonymised_and_edited_candidates_match_the_tenant(
    make_synced: Callable[..., Synced], tmp_path: Path
) -> None:
    env = make_synced()
    sb = env.sb
    uids = sb.tenant.uids("CandidateService")
    gone, forgotten, edited = uids[3], uids[11], uids[20:23]
    sb.tenant.delete("CandidateService", gone)  # the preset decides: anonymised or removed
    sb.tenant.anonymise_candidate(forgotten)  # the nightly GDPR run, whatever the preset
    for n, uid in enumerate(edited):
        sb.tenant.update("CandidateService", uid, {"Person": {"firstName": f"Bewerkt{n}"}})
    for model in ("candidate", "application"):
        report = env.um.sync(env.integration_id, models=[model])
        assert report.ok, report.as_dict()
    live = {c["remote_id"]: c for c in env.export("candidate")}
    tenant = {c["uid"]: c for c in sb.tenant.records("CandidateService")}
    assert set(tenant) <= set(live)  # a hard delete is only seen by the next full sync
    assert live[forgotten]["last_name"] == sb.settings.anonymised_last_name
    assert live[forgotten]["first_name"] is None and live[forgotten]["email_addresses"] == []
    for n, uid in enumerate(edited):
        assert live[uid]["first_name"] == f"Bewerkt{n}"
    # a full sync then leaves the store exactly as a fresh store synced from scratch
    report = env.um.sync(env.integration_id, full=True)
    assert report.ok, report.as_dict()
    kept = snapshot(env.um, env.integration_id)
    fresh = _fresh_snapshot(sb, tmp_path / "fresh.db", env.integration_id)
    for model, records in fresh.items():
        alive = {rid: rec for rid, rec in kept[model].items() if not rec.get("remote_deleted_at")}
        assert set(alive) == set(records), model
        for rid, rec in records.items():
            assert {k: v for k, v in alive[rid].items() if k not in ("id", "remote_deleted_at")} == {
                k: v for k, v in rec.items() if k not in ("id", "remote_deleted_at")
            }, (model, rid)


def _stamps(sb: Sandbox, tmp_path: Path, name: str, **settings: object) -> dict[str, dict[str, object]]:
    """remote_created_at/remote_updated_at of every candidate, application and user after a full sync."""
    with Unimap(f"sqlite:///{tmp_path / name}") as um:
        iid = connect(um, sb, f"otys:{name}", **settings)
        report = um.sync(iid, full=True)
        assert report.ok, report.as_dict()
        return {
            f"{model}:{r['remote_id']}": (r.get("remote_created_at"), r.get("remote_updated_at"))
            for model in ("candidate", "application", "user", "job")
            for r in um.export(model, iid)
        }


def test_the_timezone_setting_reads_zone_less_dates_of_another_zone(
    otys_sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    today = _stamps(otys_sandbox_factory(preset="today"), tmp_path, "today.db")
    utc = otys_sandbox_factory(preset="utc-naive")
    assert (
        utc.tenant.records("CandidateService")[0]["entryDateTime"]
        != otys_sandbox_factory(preset="today").tenant.records("CandidateService")[0]["entryDateTime"]
    )
    assert _stamps(utc, tmp_path, "utc.db", timezone="UTC") == today
    # with the connector's default zone every instant is off by the Amsterdam offset: the setting makes it right
    wrong = _stamps(utc, tmp_path, "utc-wrong.db", timezone="Europe/Amsterdam")
    same = [key for key in today if today[key] != (None, None) and wrong[key] == today[key]]
    assert not same, [(k, today[k]) for k in same[:5]]


def test_zoned_dates_need_no_setting(otys_sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> None:
    today = _stamps(otys_sandbox_factory(preset="today"), tmp_path, "today.db")
    zoned = otys_sandbox_factory(preset="zoned")
    assert zoned.tenant.records("CandidateService")[0]["entryDateTime"][-6:] in ("+01:00", "+02:00")
    assert _stamps(zoned, tmp_path, "zoned.db") == today
