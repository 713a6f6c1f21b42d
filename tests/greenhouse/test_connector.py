"""End-to-end tests of the YAML-only Greenhouse connector against the Greenhouse sandbox (127.0.0.1 only).

Read side: counts, idempotence, deltas, hard deletes, the request budget, per-job stages, schema
validity and recovery from faults. Write side: every action, its Kombo errors and warnings.
"""

from __future__ import annotations

import ast
import base64
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from unimap import unified
from unimap.errors import UnimapError
from unimap.service import Unimap

from .helpers import MODELS, PAGE, Sleeps, Synced, connect, snapshot, templates, tenant_counts, tenant_rows

CONNECTOR = Path(__file__).resolve().parents[2] / "mappings" / "greenhouse"
PDF = base64.b64encode(b"%PDF-1.4\n% a CV\n%%EOF\n").decode()
#: the list endpoint behind each model (the hiring team reads two)
ENDPOINTS = {
    "user": ["/v3/users"],
    "job": ["/v3/jobs"],
    "application_stage": ["/v3/job_interview_stages"],
    "candidate": ["/v3/candidates"],
    "application": ["/v3/applications"],
    "job_hiring_team_member": ["/v3/job_owners", "/v3/job_hiring_managers"],
    "tag": ["/v3/candidate_tags"],
    "rejection_reason": ["/v3/rejection_reasons"],
}
LOOKUPS = {
    "/v3/departments": "departments",
    "/v3/offices": "offices",
    "/v3/sources": "sources",
    "/v3/rejection_reasons": "rejection_reasons",
    "/v3/candidate_tags": "candidate_tags",
    "/v3/job_posts": "job_posts",
    "/v3/custom_fields": "custom_fields",
}


def live(synced: Synced, model: str) -> list[dict[str, Any]]:
    return synced.export(model)


# -- the spec itself ---------------------------------------------------------------------------------


def test_no_python_for_greenhouse_outside_the_sandbox() -> None:
    package = CONNECTOR.parents[1] / "connectors" / "unimap_connectors" / "greenhouse"
    stray = [
        p for p in package.rglob("*.py") if "sandbox" not in p.relative_to(package).parts and p.name != "__init__.py"
    ]
    assert stray == []
    body = ast.parse((package / "__init__.py").read_text()).body
    assert all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)  # no code
    assert not list(CONNECTOR.rglob("*.py"))
    assert "plugin:" not in (CONNECTOR / "connector.yaml").read_text()


def test_lint_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "unimap", "lint", str(CONNECTOR)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No problems found" in result.stdout


# -- read side ---------------------------------------------------------------------------------------


def test_full_sync_counts_equal_the_tenant(synced: Synced) -> None:
    expected = tenant_counts(synced.sb)
    for model in MODELS:
        stats = synced.report.models[model]
        assert stats.status == "ok", (model, stats)
        assert stats.skipped == 0 and not stats.warnings, (model, stats.warnings)
        assert len(live(synced, model)) == expected[model], model


def test_records_are_the_tenant_rows(synced: Synced) -> None:
    rows = tenant_rows(synced.sb)
    for model in ("user", "job", "application_stage", "candidate", "application"):
        assert {r["remote_id"] for r in live(synced, model)} == {str(r["id"]) for r in rows[model]}, model
    members = {f"{r['job_id']}:{r['user_id']}" for r in rows["job_hiring_team_member"]}
    assert {r["remote_id"] for r in live(synced, "job_hiring_team_member")} == members


def test_every_record_validates_against_the_unified_schema(synced: Synced) -> None:
    for model in MODELS:
        validator = unified.validator("models", model)
        for record in live(synced, model):
            errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
            assert not errors, (model, record["remote_id"], [e.message for e in errors[:3]])


def test_each_job_lists_only_its_own_stages_in_plan_order(synced: Synced) -> None:
    tenant_stages: dict[int, list[dict[str, Any]]] = {}
    for stage in synced.sb.tenant.rows("job_interview_stages"):
        tenant_stages.setdefault(stage["job_id"], []).append(stage)
    jobs = live(synced, "job")
    assert jobs
    for job in jobs:
        own = sorted(tenant_stages[int(job["remote_id"])], key=lambda s: (s["sort_order"], s["id"]))
        assert [s["remote_id"] for s in job["stages"]] == [str(s["id"]) for s in own], job["remote_id"]
        assert [s["index"] for s in job["stages"]] == list(range(len(own)))
        assert [s["status"] for s in job["stages"]] == ["ACTIVE" if s["active"] else "INACTIVE" for s in own]


def test_field_mapping(synced: Synced) -> None:
    t = synced.sb.tenant
    users = {u["remote_id"]: u for u in live(synced, "user")}
    for row in t.rows("users"):
        if row["_service"]:
            assert str(row["id"]) not in users
            continue
        user = users[str(row["id"])]
        assert user["status"] == ("INACTIVE" if row["deactivated"] else "ACTIVE")
        assert user["email"] == row["primary_email"]
    jobs = {j["remote_id"]: j for j in live(synced, "job")}
    departments = {d["id"]: d["name"] for d in t.rows("departments")}
    for row in t.rows("jobs"):
        if row["is_template"]:
            assert str(row["id"]) not in jobs
            continue
        job = jobs[str(row["id"])]
        assert job["status"] == row["status"].upper()
        assert job["department"] == departments[row["department_id"]]
        assert job["job_code"] == row["requisition_id"]
        assert job["location"] is not None
        posts = [p for p in t.rows("job_posts", job_id=row["id"]) if p["active"] and not p["internal"]]
        if row["confidential"]:
            assert job["visibility"] == "CONFIDENTIAL"
        elif posts and posts[0]["live"]:
            assert job["visibility"] == "PUBLIC" and job["post_url"] == posts[0]["public_url"]
        else:
            assert job["visibility"] == "INTERNAL"
        if posts:
            assert job["description"] == posts[0]["content"]
        assert job["employment_type"] in ("FULL_TIME", "PART_TIME", "CONTRACT", "INTERNSHIP")
        assert job["custom_fields"]["cost_center"] == row["custom_fields"]["cost_center"]["value"]
    candidates = {c["remote_id"]: c for c in live(synced, "candidate")}
    tag_ids = {r["name"]: str(r["id"]) for r in t.rows("candidate_tags")}
    for row in t.rows("candidates"):
        cand = candidates[str(row["id"])]
        assert [e["email_address"] for e in cand["email_addresses"]] == [e["value"] for e in row["email_addresses"]]
        assert all(e["type"] in ("PERSONAL", "WORK", "OTHER") for e in cand["email_addresses"])
        assert len(cand["phone_numbers"]) == len(row["phone_numbers"])
        assert {tg["name"] for tg in cand["tags"]} == set(row["tags"])
        assert all(tg["remote_id"] == tag_ids[tg["name"]] for tg in cand["tags"])
        links = [s["value"] for s in row["social_media_addresses"]] + [w["value"] for w in row["website_addresses"]]
        assert [s["link"] for s in cand["social_media"]] == links
        assert cand["location"] == ({"raw": row["addresses"][0]["value"]} if row["addresses"] else None)
        assert cand["confidential"] is row["private"]
        assert set(cand["custom_fields"]) == set(row["custom_fields"])
    reasons = {r["id"]: r["name"] for r in t.rows("rejection_reasons")}
    apps = {a["remote_id"]: a for a in live(synced, "application")}
    stage_ids = {s["remote_id"]: s["id"] for s in live(synced, "application_stage")}
    outcomes = {"in_process": "PENDING", "hired": "HIRED", "rejected": "DECLINED"}
    for row in t.rows("applications"):
        if row["prospect"]:
            assert str(row["id"]) not in apps
            continue
        app = apps[str(row["id"])]
        assert app["outcome"] == outcomes[row["status"]]
        assert app["rejection_reason_name"] == (
            reasons[row["rejection_reason_id"]] if row["status"] == "rejected" else None
        )
        assert app["current_stage_id"] == stage_ids[str(row["job_interview_stage_id"])]
        assert app["current_stage"]["name"] == row["stage_name"]
        assert app["remote_created_at"] == row["created_at"]
        assert app["candidate"]["remote_id"] == str(row["candidate_id"])
        assert app["job"]["remote_id"] == str(row["job_id"])


def test_hiring_team_roles(synced: Synced) -> None:
    roles = {"recruiter": "RECRUITER", "coordinator": "COORDINATOR", "sourcer": "SOURCER"}
    expected: dict[str, set[str]] = {}
    users = {u["id"]: u["remote_id"] for u in live(synced, "user")}
    for row in tenant_rows(synced.sb)["job_hiring_team_member"]:
        kind = roles.get(row["type"], "HIRING_MANAGER")
        expected.setdefault(f"{row['job_id']}:{row['user_id']}", set()).add(kind)
    got: dict[str, set[str]] = {}
    for job in live(synced, "job"):
        for member in job["hiring_team"]:
            got.setdefault(f"{job['remote_id']}:{users[member['id']]}", set()).update(member["hiring_team_roles"])
            assert all(r["scope"] == "JOB" for r in member["job_roles"])
    assert got == expected


def test_second_sync_changes_nothing(make_synced: Any) -> None:
    s = make_synced()
    before = snapshot(s.um, s.integration_id)
    for full in (True, False):
        report = s.um.sync(s.integration_id, full=full)
        assert report.ok, report.as_dict()
        for model, stats in report.models.items():
            assert (stats.created, stats.changed, stats.deleted, stats.restored) == (0, 0, 0, 0), (full, model)
        assert snapshot(s.um, s.integration_id) == before


def test_delta_then_full_sync_see_edits_and_hard_deletes(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    ids = [c["id"] for c in t.rows("candidates")]
    edited, deleted = ids[10:20], ids[40:45]
    for n, cid in enumerate(edited):
        t.edit_candidate(cid, title=f"Edited title {n}")
    apps_of_deleted = [a["id"] for a in t.rows("applications") if a["candidate_id"] in deleted and not a["prospect"]]
    for cid in deleted:
        t.hard_delete_candidate(cid)
    marks = {(m, r["id"]): r["changed_at"] for m in MODELS for r in s.export(m, include_deleted=True)}

    delta = s.um.sync(s.integration_id)
    assert delta.ok and delta.kind == "delta", delta.as_dict()
    changed = {
        (m, r["remote_id"])
        for m in MODELS
        for r in s.export(m, include_deleted=True)
        if marks.get((m, r["id"])) != r["changed_at"]
    }
    assert changed == {("candidate", str(c)) for c in edited}
    assert delta.models["candidate"].changed == 10
    assert all(stats.deleted == 0 and stats.created == 0 for stats in delta.models.values())
    by_remote = {c["remote_id"]: c for c in s.export("candidate")}
    assert [by_remote[str(c)]["title"] for c in edited] == [f"Edited title {n}" for n in range(10)]

    full = s.um.sync(s.integration_id, full=True)
    assert full.ok, full.as_dict()
    gone = {r["remote_id"] for r in s.export("candidate", include_deleted=True) if r["remote_deleted_at"]}
    assert gone == {str(c) for c in deleted}
    assert full.models["candidate"].deleted == 5
    gone_apps = {r["remote_id"] for r in s.export("application", include_deleted=True) if r["remote_deleted_at"]}
    assert gone_apps == {str(a) for a in apps_of_deleted}
    for model in ("user", "job", "application_stage", "job_hiring_team_member"):
        assert full.models[model].deleted == 0, model
    assert len(s.export("candidate")) == tenant_counts(s.sb)["candidate"]


def test_soft_deletes_are_fields(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    user = next(u for u in t.rows("users") if not u["deactivated"] and not u["_service"] and u["id"] != t.site_admin_id)
    stage = next(st for st in t.rows("job_interview_stages") if st["active"] and st["job_id"] not in templates(s.sb))
    t.deactivate_user(user["id"])
    t.deactivate_stage(stage["id"])
    report = s.um.sync(s.integration_id)
    assert report.ok
    assert next(u for u in s.export("user") if u["remote_id"] == str(user["id"]))["status"] == "INACTIVE"
    assert next(x for x in s.export("application_stage") if x["remote_id"] == str(stage["id"]))["status"] == "INACTIVE"
    assert report.models["user"].deleted == report.models["application_stage"].deleted == 0


def test_hiring_team_removal_is_seen_by_the_next_sync(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    owners = {(r["job_id"], r["user_id"]) for r in t.rows("job_owners")}
    row = next(
        r
        for r in t.rows("job_hiring_managers")
        if r["job_id"] not in templates(s.sb) and (r["job_id"], r["user_id"]) not in owners
    )
    t.remove("job_hiring_managers", row["id"])
    report = s.um.sync(s.integration_id)
    assert report.ok
    gone = [r for r in s.export("job_hiring_team_member", include_deleted=True) if r["remote_deleted_at"]]
    assert [r["remote_id"] for r in gone] == [f"{row['job_id']}:{row['user_id']}"]


def test_requests_per_full_sync_stay_at_the_page_minimum(make_synced: Any) -> None:
    s = make_synced(size=1200)
    t = s.sb.tenant
    rows = tenant_rows(s.sb)
    s.sb.stats.reset()
    report = s.um.sync(s.integration_id, full=True)
    assert report.ok
    got = Counter({k.split(" ", 1)[1]: v for k, v in s.sb.stats.snapshot()["requests"].items()})
    pages = {
        "/v3/users": math.ceil(t.count("users") / PAGE),  # the service account is hidden, the rest fits
        "/v3/jobs": math.ceil(len(rows["job"]) / PAGE) + 1,  # + the template lookup
        "/v3/job_interview_stages": math.ceil(t.count("job_interview_stages") / PAGE),
        "/v3/candidates": math.ceil(t.count("candidates") / PAGE),
        "/v3/applications": math.ceil(len(rows["application"]) / PAGE),
        "/v3/job_owners": math.ceil(t.count("job_owners") / PAGE),
        "/v3/job_hiring_managers": math.ceil(t.count("job_hiring_managers") / PAGE),
        **{path: math.ceil(max(1, t.count(path.rsplit("/", 1)[1])) / PAGE) for path in LOOKUPS},
    }
    for model in ("tag", "rejection_reason"):  # read once as a lookup and once as a model
        (path,) = ENDPOINTS[model]
        pages[path] += math.ceil(max(1, t.count(path.rsplit("/", 1)[1])) / PAGE)
    minimum = sum(pages.values())
    assert {k: v for k, v in got.items() if k != "/token"} == pages, (dict(got), pages)
    assert got["/token"] <= 1
    assert report.requests == minimum + got["/token"]
    assert got["/v3/candidates"] >= 3  # the budget is checked over several pages
    print(f"requests per full sync: {report.requests} (page minimum {minimum}, token {got['/token']})")


def test_faults_leave_the_same_store_as_a_clean_run(
    make_synced: Any, tmp_path: Path, greenhouse_sandbox_factory: Any
) -> None:
    clean = make_synced()
    expected = snapshot(clean.um, clean.integration_id)
    sb = greenhouse_sandbox_factory(rate_limit=50, faults="5xx=0.08,malformed=0.06,burst429=0.05:2,seed=7")
    sb.set_token_expiry(6)  # tokens die every 6 s (a 429 burst waits 2 × Retry-After 2 s)
    um = Unimap(f"sqlite:///{tmp_path / 'faulty.db'}")
    try:
        iid = connect(um, sb)
        sleeps = Sleeps()
        for full in (True, False, False, True):  # full, deltas, full again: all under faults
            report = um.sync(iid, full=full, sleep=sleeps)
            assert report.ok, report.as_dict()
        stats = sb.stats.snapshot()
        assert stats["faults"], stats
        assert sum(stats["token_requests"].values()) >= 2
        assert snapshot(um, iid) == expected
    finally:
        um.close()


def test_bad_credentials_are_refused(greenhouse_sandbox: Any) -> None:
    um = Unimap("sqlite:///:memory:")
    c = greenhouse_sandbox.credentials
    with pytest.raises(UnimapError) as err:
        um.connect(
            "greenhouse",
            {"client_id": c.client_id, "client_secret": "wrong", "user_id": str(c.user_id)},
            base_url=greenhouse_sandbox.base_url,
            settings={"token_url": greenhouse_sandbox.token_url},
        )
    assert err.value.code == "INTEGRATION.AUTHENTICATION_INVALID"


def test_a_user_who_is_not_site_admin_gets_a_clear_403(greenhouse_sandbox: Any, tmp_path: Path) -> None:
    um = Unimap(f"sqlite:///{tmp_path / 's.db'}")
    c = greenhouse_sandbox.credentials
    iid = um.connect(
        "greenhouse",
        {
            "client_id": c.client_id,
            "client_secret": c.client_secret,
            "user_id": str(greenhouse_sandbox.tenant.basic_user_id),
        },
        base_url=greenhouse_sandbox.base_url,
        settings={"token_url": greenhouse_sandbox.token_url},
        check=False,
    ).id
    report = um.sync(iid, full=True, models=["user"])
    assert not report.ok
    assert "Site Admin" in (report.models["user"].error or "")


# -- write side --------------------------------------------------------------------------------------


def _candidate(email: str, **extra: Any) -> dict[str, Any]:
    return {"first_name": "Ann", "last_name": "Bee", "email_address": email, **extra}


def _open_job(s: Synced, n: int = 0) -> dict[str, Any]:
    return [j for j in s.export("job") if j["status"] == "OPEN"][n]


def _action(s: Synced, name: str, payload: dict[str, Any]) -> Any:
    return s.um.action(name, payload, s.integration_id)


def _error(s: Synced, name: str, payload: dict[str, Any]) -> UnimapError:
    writes = sum(v for k, v in s.sb.stats.snapshot()["requests"].items() if k.startswith("POST /v3"))
    with pytest.raises(UnimapError) as err:
        _action(s, name, payload)
    after = sum(v for k, v in s.sb.stats.snapshot()["requests"].items() if k.startswith("POST /v3"))
    assert after == writes, "nothing is written before a refusal"
    return err.value


def test_create_application_for_a_new_candidate(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    job = _open_job(s)
    source = t.rows("sources")[2]
    recruiter = next(u for u in s.export("user") if u["status"] == "ACTIVE")
    result = _action(
        s,
        "create_application",
        {
            "job_id": job["id"],
            "stage_id": job["stages"][1]["id"],
            "candidate": _candidate(
                "ann.bee@example.com",
                phone_number="+31612345678",
                company="Acme",
                additional_email_addresses=[{"type": "WORK", "email_address": "ann@work.example"}],
                additional_phone_numbers=[{"type": "PERSONAL", "phone_number": "+31600000001"}],
                location={"country": "NL", "city": "Delft"},
                social_links=[{"url": "https://www.linkedin.com/in/ann-bee"}],
            ),
            "source": {"name": source["name"].upper()},
            "sourced_by": {"user_id": recruiter["id"]},
            "attachments": [
                {"name": "cv.pdf", "type": "CV", "data": PDF, "content_type": "application/pdf"},
                {"name": "letter.pdf", "type": "COVER_LETTER", "data": PDF, "content_type": "application/pdf"},
            ],
        },
    )
    data = result.data
    assert result.warnings == []
    assert {"id", "remote_id", "outcome", "current_stage", "job", "candidate", "remote_data"} <= set(data)
    assert data["job"]["id"] == job["id"] and data["current_stage"]["id"] == job["stages"][1]["id"]
    assert data["outcome"] == "PENDING" and data["candidate"]["first_name"] == "Ann"
    app = t.get("applications", int(data["remote_id"]))
    cand = t.get("candidates", app["candidate_id"])
    assert app["source_id"] == source["id"] and app["referrer_id"] == int(recruiter["remote_id"])
    assert [(e["value"], e["type"]) for e in cand["email_addresses"]] == [
        ("ann.bee@example.com", "personal"),
        ("ann@work.example", "work"),
    ]
    assert [p["type"] for p in cand["phone_numbers"]] == ["mobile", "mobile"]
    assert cand["addresses"][0]["value"] == "Delft, NL"
    files = sorted((a["type"], a["filename"]) for a in t.rows("attachments", application_id=app["id"]))
    assert files == [("cover_letter", "letter.pdf"), ("resume", "cv.pdf")]
    att = next(a for a in t.rows("attachments", application_id=app["id"]) if a["type"] == "resume")
    assert t.files[att["id"]] == base64.b64decode(PDF)
    stored = s.um.list_records("application", s.integration_id, remote_ids=[data["remote_id"]]).results
    assert stored and stored[0]["id"] == data["id"]


def test_create_application_for_a_known_e_mail_adds_an_application(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    row = t.rows("candidates")[5]
    applied = {a["job_id"] for a in t.rows("applications", candidate_id=row["id"])}
    job = next(j for j in s.export("job") if j["status"] == "OPEN" and int(j["remote_id"]) not in applied)
    before = t.count("candidates")
    result = _action(
        s,
        "create_application",
        {
            "job_id": job["id"],
            "candidate": _candidate(row["email_addresses"][0]["value"].upper()),
            "gdpr_consent": {"given": True},
            "source": {"name": "No such source"},
        },
    )
    assert t.count("candidates") == before
    assert result.data["candidate"]["remote_id"] == str(row["id"])
    warnings = " ".join(result.warnings)
    assert "already existed" in warnings and "GDPR" in warnings and "No such source" in warnings
    app = t.get("applications", int(result.data["remote_id"]))
    assert app["source_id"] is None and app["job_id"] == int(job["remote_id"])
    assert (
        app["job_interview_stage_id"]
        == min(
            (st for st in t.rows("job_interview_stages", job_id=app["job_id"]) if st["active"]),
            key=lambda st: st["sort_order"],
        )["id"]
    )


def test_create_application_refusals(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    job = _open_job(s)
    row = next(a for a in t.rows("applications") if not a["prospect"] and str(a["job_id"]) == job["remote_id"])
    email = t.get("candidates", row["candidate_id"])["email_addresses"][0]["value"]
    assert (
        _error(s, "create_application", {"job_id": job["id"], "candidate": _candidate(email)}).code
        == "ATS.APPLICATION_ALREADY_EXISTS"
    )
    assert (
        _error(s, "create_application", {"job_id": "remote:99999999", "candidate": _candidate("n@x.example")}).code
        == "PLATFORM.INPUT_INVALID"
    )
    template = min(templates(s.sb))
    assert (
        _error(s, "create_application", {"job_id": f"remote:{template}", "candidate": _candidate("n@x.example")}).code
        == "PLATFORM.INPUT_INVALID"
    )
    other = _open_job(s, 1)
    assert (
        _error(
            s,
            "create_application",
            {"job_id": job["id"], "stage_id": other["stages"][0]["id"], "candidate": _candidate("n@x.example")},
        ).code
        == "PLATFORM.INPUT_INVALID"
    )
    t.edit("jobs", int(job["remote_id"]), status="closed")
    assert (
        _error(s, "create_application", {"job_id": job["id"], "candidate": _candidate("n@x.example")}).code
        == "ATS.JOB_CLOSED"
    )
    assert (
        _error(s, "create_application", {"job_id": "not-synced", "candidate": _candidate("n@x.example")}).code
        == "PLATFORM.INPUT_INVALID"
    )


def test_create_candidate(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    job = _open_job(s)
    result = _action(
        s,
        "create_candidate",
        {
            "candidate": _candidate("cy.dee@example.com", title="Engineer"),
            "application": {"job_id": job["id"]},
            "gdpr_consent": {"given": True, "expires_at": "2030-01-01T00:00:00Z"},
            "attachments": [{"name": "cv.pdf", "type": "CV", "data": PDF, "content_type": "application/pdf"}],
        },
    )
    data = result.data
    assert not list(unified.validator("models", "candidate").iter_errors(data))
    assert data["title"] == "Engineer" and [a["job"]["id"] for a in data["applications"]] == [job["id"]]
    assert any("GDPR" in w for w in result.warnings)
    cand = t.get("candidates", int(data["remote_id"]))
    app = t.rows("applications", candidate_id=cand["id"])[0]
    assert [a["type"] for a in t.rows("attachments", application_id=app["id"])] == ["resume"]
    assert {c["remote_id"] for c in s.export("candidate")} >= {data["remote_id"]}


def test_candidate_attachment_goes_to_the_newest_application(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    cid = next(c for c, n in Counter(a["candidate_id"] for a in t.rows("applications")).items() if n >= 2)
    candidate = next(c for c in s.export("candidate") if c["remote_id"] == str(cid))
    result = _action(
        s,
        "add_candidate_attachment",
        {
            "candidate_id": candidate["id"],
            "attachment": {"name": "portfolio.pdf", "type": "OTHER", "data": PDF, "content_type": "application/pdf"},
        },
    )
    assert result.data == {} and result.warnings == []
    newest = max(a["id"] for a in t.rows("applications", candidate_id=cid))
    att = t.rows("attachments", candidate_id=cid)[-1]
    assert (att["application_id"], att["type"], att["filename"]) == (newest, "other", "portfolio.pdf")


def test_application_attachment_and_its_retries(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    app = s.export("application")[0]
    attachment = {"name": "test.pdf", "type": "OTHER", "data": PDF, "content_type": "application/pdf"}
    s.sb.fail_next("/v3/attachments", n=1, kind="500")  # the outcome of a write is unknown: the step retries
    result = _action(s, "add_application_attachment", {"application_id": app["id"], "attachment": attachment})
    assert result.warnings == []
    assert [a["filename"] for a in t.rows("attachments", application_id=int(app["remote_id"]))][-1] == "test.pdf"
    s.sb.fail_next("/v3/attachments", n=3, kind="500")  # every attempt fails: kept for a later retry
    result = _action(s, "add_application_attachment", {"application_id": app["id"], "attachment": attachment})
    assert len(result.warnings) == 1 and "retry-attachments" in result.warnings[0]
    attached, warnings = s.um.retry_attachments(s.integration_id)
    assert (attached, warnings) == (1, [])
    assert [a["filename"] for a in t.rows("attachments", application_id=int(app["remote_id"]))][-2:] == [
        "test.pdf",
        "test.pdf",
    ]


def test_result_links_become_notes(make_synced: Any) -> None:
    s = make_synced()
    t = s.sb.tenant
    app = s.export("application")[3]
    details = {
        "custom_field_name_prefix": "Assessment ",
        "attributes": [{"key": "Score", "value": "92%"}, {"key": "Level", "value": "Senior"}],
    }
    result = _action(
        s,
        "add_application_result_link",
        {"application_id": app["id"], "label": "Coding test", "url": "https://tests.example/r/1", "details": details},
    )
    assert result.data == {} and result.warnings == []
    note = t.rows("notes")[-1]
    assert note["application_id"] == int(app["remote_id"])
    assert note["candidate_id"] == int(app["candidate"]["remote_id"])
    assert note["body"] == "Coding test: https://tests.example/r/1\nAssessment Score: 92%\nAssessment Level: Senior"
    assert (note["type"], note["visibility"]) == ("NOTE", "admin_only_visible")
    cand = s.export("candidate")[7]
    _action(
        s, "add_candidate_result_link", {"candidate_id": cand["id"], "label": "Video", "url": "https://v.example/2"}
    )
    note = t.rows("notes")[-1]
    assert (note["candidate_id"], note["application_id"], note["body"]) == (
        int(cand["remote_id"]),
        None,
        "Video: https://v.example/2",
    )


def test_actions_on_unknown_records_are_input_errors(make_synced: Any) -> None:
    s = make_synced()
    attachment = {"name": "a.pdf", "type": "CV", "data": PDF, "content_type": "application/pdf"}
    for name, payload in [
        ("add_application_attachment", {"application_id": "remote:99999999", "attachment": attachment}),
        ("add_candidate_attachment", {"candidate_id": "remote:99999999", "attachment": attachment}),
        (
            "add_application_result_link",
            {"application_id": "remote:99999999", "label": "x", "url": "https://x.example"},
        ),
        ("add_candidate_result_link", {"candidate_id": "remote:99999999", "label": "x", "url": "https://x.example"}),
    ]:
        assert _error(s, name, payload).code == "PLATFORM.INPUT_INVALID", name
