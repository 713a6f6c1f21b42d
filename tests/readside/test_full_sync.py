"""A full sync of a sandbox tenant: counts, schema-valid records, request budget, change tracking."""

from __future__ import annotations

import json
import math

import httpx

from unimap import unified
from unimap.service import Unimap

from .helpers import (
    MODELS,
    PAGE,
    SERVICES,
    change_marks,
    connect,
    preset_connector_settings,
    snapshot,
    strip_volatile,
    tenant_counts,
)


def test_full_sync_counts_equal_the_tenant(synced):
    counts = tenant_counts(synced.sb)
    assert all(counts[m] > 0 for m in MODELS), counts
    for model in MODELS:
        stored = synced.export(model)
        assert len(stored) == counts[model], model
        assert len({r["remote_id"] for r in stored}) == counts[model], model
        assert synced.report.models[model].created == counts[model]
        assert synced.report.models[model].error is None
    remote = {r["uid"] for r in synced.sb.tenant.records("CandidateService")}
    assert {r["remote_id"] for r in synced.export("candidate")} == remote


UNSEEDED = ("tag", "rejection_reason")  # models beyond the seed: no coverage list, every field is mapped


def test_every_record_validates_and_carries_every_seed_field(synced):
    for model in MODELS:
        validator = unified.validator("models", model)
        seeds = synced.um.engine.connector("otys").data["coverage"].get(model, [])
        assert seeds or model in UNSEEDED, model
        records = synced.export(model, include_deleted=True)
        assert records, model
        for record in records:
            errors = sorted(validator.iter_errors(record), key=str)
            assert not errors, f"{model} {record['id']}: {errors[0].message} at {list(errors[0].absolute_path)}"
            missing = [f for f in seeds if f not in record]
            assert not missing, f"{model} {record['id']} lacks seed fields {missing}"
            assert record["remote_deleted_at"] is None
            assert record["changed_at"]


def test_nested_objects_are_assembled_and_consistent(synced):
    jobs = {j["id"]: j for j in synced.export("job")}
    stages = synced.export("application_stage")
    applications = synced.export("application")
    candidates = {c["id"]: c for c in synced.export("candidate")}
    members = synced.export("job_hiring_team_member")
    for job in jobs.values():
        assert [s["id"] for s in job["stages"]] == [s["id"] for s in stages]
        team = {m["user_id"] for m in members if m["job_id"] == job["id"]}
        assert {h["id"] for h in job["hiring_team"]} == team
    assert any(j["hiring_team"] for j in jobs.values())
    by_candidate: dict[str, set[str]] = {}
    for app in applications:
        assert app["candidate"]["id"] == app["candidate_id"]
        assert app["job"]["id"] == app["job_id"] and app["job"]["name"] == jobs[app["job_id"]]["name"]
        assert app["current_stage"]["id"] == app["current_stage_id"]
        by_candidate.setdefault(app["candidate_id"], set()).add(app["id"])
    for cid, candidate in candidates.items():
        assert {a["id"] for a in candidate["applications"]} == by_candidate.get(cid, set())


def test_requests_per_full_sync_stay_within_the_page_budget(make_sandbox, tmp_path):
    sb = make_sandbox(size=450)  # several pages of candidates and applications
    counts = tenant_counts(sb)
    assert counts["application"] > 2 * PAGE and counts["candidate"] > 2 * PAGE
    with Unimap(f"sqlite:///{tmp_path / 'budget.db'}") as um:
        iid = connect(um, sb)
        sb.stats.reset()
        report = um.sync(iid, full=True)
    assert report.ok
    budget = 0
    for model, service in SERVICES.items():
        pages = math.ceil(counts[model] / PAGE)
        assert max(1, pages) <= report.models[model].requests <= pages + 1, (model, report.models[model], pages)
        assert report.models[model].fetched == counts[model]
        assert (
            sb.stats.count(f"{service}.getListEx") + sb.stats.count(f"{service}.getList")
            == report.models[model].requests
        )
        budget += pages
    assert report.models["job_hiring_team_member"].requests == 0  # derived from vacancies, no call
    assert sum(r.requests for r in report.models.values()) <= report.requests
    assert report.requests <= budget + 2 * len(MODELS)
    served = sum(n for method, n in sb.stats.requests.items() if method != "logout")
    assert served == report.requests  # the report counts what the server saw


def _deltas(sb) -> bool:
    """Whether the sandbox's preset lets the connector run delta syncs of candidates."""
    return preset_connector_settings(sb.preset).get("last_modified_filter", True) is not False


def test_second_sync_without_changes_moves_no_changed_at(make_synced):
    env = make_synced()
    before = change_marks(env.um, env.integration_id)
    delta = env.um.sync(env.integration_id)
    assert change_marks(env.um, env.integration_id) == before
    assert all(r.changed == r.created == r.deleted == r.restored == 0 for r in delta.models.values())
    assert delta.models["candidate"].kind == ("delta" if _deltas(env.sb) else "full")
    full = env.um.sync(env.integration_id, full=True)
    assert change_marks(env.um, env.integration_id) == before
    assert all(r.changed == r.created == r.deleted == r.restored == 0 for r in full.models.values())


def test_edits_are_picked_up_by_delta_and_deletions_by_the_next_full_sync(make_synced):
    env = make_synced()
    sb, um, iid = env.sb, env.um, env.integration_id
    uids = sb.tenant.uids("CandidateService")
    edited, deleted = uids[:10], uids[20:25]
    by_remote = {c["remote_id"]: c["id"] for c in env.export("candidate")}
    doomed_apps = {a["id"] for a in env.export("application") if a["candidate"]["remote_id"] in deleted}
    assert doomed_apps  # deleting a candidate also deletes its procedures in OTYS
    before = change_marks(um, iid)

    for i, uid in enumerate(edited):
        sb.tenant.update("CandidateService", uid, {"Person": {"firstName": f"Edited{i}"}})
    for uid in deleted:
        sb.tenant.delete("CandidateService", uid, hard=True)

    delta = um.sync(iid)
    after_delta = change_marks(um, iid)
    moved = {key for key in before if after_delta[key] != before[key]}
    gone = {("candidate", by_remote[u]) for u in deleted} | {("application", a) for a in doomed_apps}
    names = {c["remote_id"]: c["first_name"] for c in env.export("candidate", include_deleted=True)}
    assert [names[u] for u in edited] == [f"Edited{i}" for i in range(10)]
    assert delta.models["candidate"].changed == 10
    if not _deltas(sb):  # a tenant without lastModified: every sync is full and sees the deletions at once
        assert delta.models["candidate"].kind == "full"
        assert moved == {("candidate", by_remote[u]) for u in edited} | gone
        assert all(after_delta[key][1] is not None for key in gone)
        return
    assert moved == {("candidate", by_remote[u]) for u in edited}
    assert delta.models["candidate"].kind == "delta"
    assert delta.models["candidate"].deleted == 0  # a delta sync cannot see deletions

    full = um.sync(iid, full=True)
    after_full = change_marks(um, iid)
    moved = {key for key in after_delta if after_full[key] != after_delta[key]}
    assert moved == gone
    assert all(after_full[key][1] is not None for key in gone)
    assert full.models["candidate"].deleted == 5
    assert full.models["application"].deleted == len(doomed_apps)

    live = {c["id"] for c in env.export("candidate")}
    everything = {c["id"]: c for c in env.export("candidate", include_deleted=True)}
    assert live == set(everything) - {by_remote[u] for u in deleted}
    assert {by_remote[u] for u in deleted} <= set(everything)
    assert all(everything[by_remote[u]]["remote_deleted_at"] for u in deleted)
    assert len(everything) == len(uids)


def test_a_deleted_record_that_returns_is_undeleted(make_synced):
    env = make_synced()
    sb, um, iid = env.sb, env.um, env.integration_id
    uid = sb.tenant.uids("UserService")[-1]
    kept = sb.tenant.get("UserService", uid)
    user_id = next(u["id"] for u in env.export("user") if u["remote_id"] == str(uid))
    # an unlinked user: deleting it leaves no vacancy pointing at a missing user
    for vacancy in sb.tenant.records("VacancyService"):
        for slot in ("userId", "userId2", "userId3"):
            if vacancy.get(slot) == uid:
                sb.tenant.update("VacancyService", vacancy["uid"], {slot: None})
    sb.tenant.delete("UserService", uid)
    um.sync(iid, full=True)
    assert user_id not in {u["id"] for u in env.export("user")}
    gone = um.store.get(iid, "user", id=user_id)
    assert gone["remote_deleted_at"] is not None

    # it comes back (e.g. restored from the OTYS recycle bin): the sandbox has no restore call,
    # so put the very record back into its collection
    with sb.tenant.lock:
        sb.tenant.collection("UserService").put(kept, new=True)
    report = um.sync(iid, full=True)
    back = um.store.get(iid, "user", id=user_id)
    assert back["remote_deleted_at"] is None
    assert back["changed_at"] > gone["changed_at"]
    assert report.models["user"].restored == 1
    assert user_id in {u["id"] for u in env.export("user")}


def test_two_fresh_stores_export_identical_ids(synced, make_sandbox, tmp_path):
    sb = make_sandbox(seed=1, size="small")
    with Unimap(f"sqlite:///{tmp_path / 'second.db'}") as other:
        iid = connect(other, sb, synced.integration_id)
        assert other.sync(iid, full=True).ok
        for model in MODELS:
            first = [r["id"] for r in synced.export(model)]
            second = [r["id"] for r in other.export(model, iid)]
            assert sorted(first) == sorted(second), model
            mine = {r["id"]: strip_volatile(r) for r in other.export(model, iid)}
            assert mine == {r["id"]: strip_volatile(r) for r in synced.export(model)}, model
        assert snapshot(other, iid).keys() == set(MODELS)


class _DeleteBeforePage(httpx.HTTPTransport):
    """Real HTTP, but deletes a record in the tenant just before the second list page is requested.

    With offset paging the deletion would shift every later row one place up and the sync would
    skip one record; OTYS sources page by the last uid seen (``keyset``), so nothing shifts.
    """

    def __init__(self, sb, method: str, service: str, uid) -> None:
        super().__init__()
        self.sb, self.method, self.service, self.uid = sb, method, service, uid
        self.fired = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"null")
        params = body.get("params") if isinstance(body, dict) else None
        later_page = (
            isinstance(params, list)
            and len(params) > 1
            and isinstance(params[1], dict)
            and "'GT'" in repr(params[1].get("condition"))
        )
        if not self.fired and body.get("method") == self.method and later_page:
            self.fired = True
            self.sb.tenant.delete(self.service, self.uid, hard=True)
        return super().handle_request(request)


def test_a_record_deleted_between_pages_shifts_no_page(make_synced):
    env = make_synced(size=450)
    sb, um, iid = env.sb, env.um, env.integration_id
    uids = sb.tenant.uids("ProcedureService")
    before = change_marks(um, iid)
    hook = _DeleteBeforePage(sb, "Otys.Services.ProcedureService.getListEx", "ProcedureService", uids[5])
    report = um.sync(iid, full=True, transport=hook)
    assert hook.fired and report.ok
    assert report.models["application"].deleted == 0
    assert report.models["application"].fetched == len(uids), "no record was skipped by a shifted page"
    assert um.store.get(iid, "application", remote_id=uids[PAGE])["remote_deleted_at"] is None
    assert change_marks(um, iid) == before
    # the deleted one was read on page 0 this time; the next full sync marks it, and only it
    report = um.sync(iid, full=True)
    gone = ("application", um.store.get(iid, "application", remote_id=uids[5])["id"])
    after = change_marks(um, iid)
    assert {k for k in before if after[k] != before[k]} == {gone}
    assert report.models["application"].deleted == 1


def test_a_deleted_vacancy_takes_its_hiring_team_and_procedures_along(make_synced):
    env = make_synced()
    sb, um, iid = env.sb, env.um, env.integration_id
    job = next(j for j in env.export("job") if j["hiring_team"])
    apps = {a["id"] for a in env.export("application") if a["job_id"] == job["id"]}
    members = {m["id"] for m in env.export("job_hiring_team_member") if m["job_id"] == job["id"]}
    assert apps and members
    sb.tenant.delete("VacancyService", job["remote_id"])
    report = um.sync(iid, full=True)
    assert report.models["job"].deleted == 1
    assert report.models["job_hiring_team_member"].deleted == len(members)
    assert report.models["application"].deleted == len(apps)
    for model, ids in (("job", {job["id"]}), ("job_hiring_team_member", members), ("application", apps)):
        live = {r["id"] for r in env.export(model)}
        every = {r["id"]: r for r in env.export(model, include_deleted=True)}
        assert not ids & live and ids <= set(every), model
        assert all(every[i]["remote_deleted_at"] for i in ids), model


def test_hiring_team_changes_reach_the_store_in_a_delta_sync(make_synced):
    env = make_synced()
    sb, um, iid = env.sb, env.um, env.integration_id
    vacancy = next(v for v in sb.tenant.records("VacancyService") if v.get("userId2") is not None)
    job = next(j for j in env.export("job") if j["remote_id"] == vacancy["uid"])
    removed = next(
        m
        for m in env.export("job_hiring_team_member")
        if m["job_id"] == job["id"] and m["remote_id"].endswith(f":{vacancy['userId2']}")
    )
    sb.tenant.update("VacancyService", vacancy["uid"], {"userId2": None})
    report = um.sync(iid)
    assert report.models["job"].kind == "delta"
    assert report.models["job_hiring_team_member"].deleted == 1
    assert um.store.get(iid, "job_hiring_team_member", id=removed["id"])["remote_deleted_at"]
    team = next(j for j in env.export("job") if j["id"] == job["id"])["hiring_team"]
    assert removed["user_id"] not in {h["id"] for h in team}


def test_records_created_in_otys_arrive_with_a_delta_sync(make_synced):
    env = make_synced()
    sb, um, iid = env.sb, env.um, env.integration_id
    vacancy = sb.tenant.uids("VacancyService")[0]
    uid = sb.tenant.add(
        "CandidateService",
        {"Person": {"firstName": "Nieuw", "lastName": "Kandidaat", "emailPrimary": "nieuw@example.com"}},
    )
    procedure = sb.tenant.add("ProcedureService", {"candidateUid": uid, "vacancyUid": vacancy})
    report = um.sync(iid)
    assert report.models["candidate"].created == 1 and report.models["application"].created == 1
    candidate = env.export("candidate", remote_ids=[uid])[0]
    assert candidate["email_addresses"] == [{"email_address": "nieuw@example.com", "type": None}]
    assert [a["remote_id"] for a in candidate["applications"]] == [procedure]
    assert len(env.export("candidate")) == sb.tenant.count("CandidateService")
