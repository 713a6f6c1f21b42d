"""§9.12 consistency, determinism, sizes, and the tenant helpers (edits, hard and soft deletes)."""

from __future__ import annotations

from collections import Counter

import pytest

from unimap_connectors.greenhouse.sandbox import Sandbox, generate, parse_size

from .conftest import Api


def test_same_seed_same_tenant_other_seed_other_tenant() -> None:
    assert generate(7, "small").digest() == generate(7, "small").digest()
    assert generate(7, "small").digest() != generate(8, "small").digest()
    assert generate(7, 40).digest() != generate(7, 41).digest()


def test_sizes() -> None:
    assert parse_size("small") == 250 and parse_size("medium") == 3000 and parse_size("large") == 100_000
    assert parse_size("17") == 17 and parse_size(5) == 5
    for bad in ("huge", 0, "-1", 10**7):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_small_has_at_least_two_pages_of_candidates_and_applications(greenhouse_sandbox: Sandbox) -> None:
    counts = greenhouse_sandbox.tenant.counts()
    assert 200 < counts["candidates"] < 1000 and counts["applications"] > 200


def test_consistency_rules(api: Api) -> None:
    stages = {s["id"]: s for s in api.all("job_interview_stages")}
    jobs = {j["id"]: j for j in api.all("jobs")}
    apps = api.all("applications")
    history = api.all("application_stages")
    details = api.all("rejection_details")
    by_app = Counter(h["application_id"] for h in history if h["current"])
    detail_apps = Counter(d["application_id"] for d in details)
    statuses = Counter(a["status"] for a in apps)
    assert statuses["in_process"] and statuses["rejected"] and statuses["hired"] and statuses["converted"]
    assert any(a["prospect"] for a in apps) and any(a["prospect"] and a["job_id"] is None for a in apps)
    for app in apps:
        if app["job_id"] is not None:
            assert not jobs[app["job_id"]]["is_template"]
        if app["prospect"]:
            assert app["job_interview_stage_id"] is None and by_app[app["id"]] == 0
            continue
        stage = stages[app["job_interview_stage_id"]]
        assert stage["job_id"] == app["job_id"] and stage["name"] == app["stage_name"]
        assert app["stage_id"] == app["job_interview_stage_id"]
        if app["status"] == "in_process":
            assert by_app[app["id"]] == 1
        else:
            assert by_app[app["id"]] == 0
        if app["status"] == "rejected":
            assert app["rejected_at"] and app["rejection_reason_id"] and detail_apps[app["id"]] == 1
        else:
            assert app["rejected_at"] is None and detail_apps[app["id"]] == 0
        if app["status"] == "hired":
            assert app["stage_name"] == "Offer"
    for h in history:
        assert (h["exited_at"] is None) == h["current"]
    # stages: Application Review first, Offer last among active ones
    per_job: dict[int, list[dict]] = {}
    for s in stages.values():
        if s["active"]:
            per_job.setdefault(s["job_id"], []).append(s)
    for rows in per_job.values():
        rows.sort(key=lambda s: s["sort_order"])
        assert rows[0]["name"] == "Application Review" and rows[0]["sort_order"] == 0
        assert rows[-1]["name"] == "Offer"
    # candidate tags are the names of the applied tags
    tag_names = {t["id"]: t["name"] for t in api.all("candidate_tags")}
    applied: dict[int, set[str]] = {}
    for row in api.all("applied_candidate_tags"):
        applied.setdefault(row["candidate_id"], set()).add(tag_names[row["candidate_tag_id"]])
    for cand in api.all("candidates"):
        assert set(cand["tags"]) == applied.get(cand["id"], set())
    # attachments hang off an application of their candidate
    app_cand = {a["id"]: a["candidate_id"] for a in apps}
    for att in api.all("attachments"):
        assert app_cand[att["application_id"]] == att["candidate_id"]
    # jobs and openings
    openings = api.all("openings")
    for job in jobs.values():
        mine = [o for o in openings if o["job_id"] == job["id"]]
        if job["status"] == "closed":
            assert mine and not any(o["open"] for o in mine) and job["closed_at"]
        if job["status"] == "open":
            assert any(o["open"] for o in mine)
    for o in openings:
        assert o["open"] == (o["closed_at"] is None)


def test_edit_candidate_bumps_timestamps(api: Api) -> None:
    t = api.sb.tenant
    cand = api.rows("candidates", per_page=1)[0]
    t.edit_candidate(cand["id"], company="Initech")
    after = api.rows("candidates", ids=str(cand["id"]))[0]
    assert after["company"] == "Initech" and after["updated_at"] > cand["updated_at"]
    assert after["last_activity_at"] > cand["last_activity_at"]
    with pytest.raises(ValueError):
        t.edit_candidate(cand["id"], id=5)


def test_hard_deletes_cascade(api: Api) -> None:
    t = api.sb.tenant
    app = next(a for a in api.all("applications") if api.rows("attachments", application_ids=str(a["id"])))
    t.hard_delete_application(app["id"])
    assert api.rows("applications", ids=str(app["id"])) == []
    assert api.rows("attachments", application_ids=str(app["id"])) == []
    assert api.rows("application_stages", application_ids=str(app["id"])) == []
    cand_id = app["candidate_id"]
    others = api.rows("applications", candidate_ids=str(cand_id))
    t.hard_delete_candidate(cand_id)
    assert api.rows("candidates", ids=str(cand_id)) == []
    assert api.rows("applications", candidate_ids=str(cand_id)) == []
    for other in others:
        assert api.rows("rejection_details", application_ids=str(other["id"])) == []
    assert api.rows("applied_candidate_tags", candidate_ids=str(cand_id)) == []


def test_soft_deletes(api: Api) -> None:
    t = api.sb.tenant
    user = next(u for u in api.all("users") if not u["deactivated"] and u["id"] != t.site_admin_id)
    t.deactivate_user(user["id"])
    assert api.rows("users", ids=str(user["id"]))[0]["deactivated"] is True
    post = api.rows("job_posts", per_page=1)[0]
    t.delete_job_post(post["id"])
    assert api.rows("job_posts", ids=str(post["id"])) == []
    hidden = api.rows("job_posts", ids=str(post["id"]), active="false")
    assert hidden[0]["active"] is False and hidden[0]["updated_at"] > post["updated_at"]
    stage = api.rows("job_interview_stages", per_page=1)[0]
    t.deactivate_stage(stage["id"])
    assert api.rows("job_interview_stages", ids=str(stage["id"]))[0]["active"] is False
    job = next(j for j in api.all("jobs") if j["status"] == "open")
    for opening in api.rows("openings", job_ids=str(job["id"])):
        if opening["open"]:
            t.close_opening(opening["id"])
    assert api.rows("jobs", ids=str(job["id"]))[0]["status"] == "closed"


def test_counts_and_stats(api: Api) -> None:
    counts = api.sb.tenant.counts()
    assert counts["candidates"] == api.sb.tenant.count("candidates") == len(api.all("candidates"))
    assert api.sb.stats.count("GET /v3/candidates") >= 1
    assert api.sb.stats.token_requests["client_credentials"] == 1
