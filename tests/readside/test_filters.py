"""Kombo's list filters through ``Unimap.list_records`` over a synced sandbox tenant."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from unimap.errors import InputInvalid

from .helpers import Synced


def _ids(records: list[dict[str, Any]]) -> set[str]:
    return {r["id"] for r in records}


def _check(env: Synced, model: str, keep: Callable[[dict[str, Any]], bool], **filters: Any) -> set[str]:
    """The filter returns exactly the records ``keep`` selects, and that is some but not all."""
    everything = env.export(model)
    expected = {r["id"] for r in everything if keep(r)}
    assert expected and len(expected) < len(everything), f"{model} {filters}: a filter test needs a proper subset"
    got = env.export(model, **filters)
    assert [r["id"] for r in got].count(next(iter(expected))) <= 1
    assert _ids(got) == expected, (model, filters)
    return expected


# -- common filters -------------------------------------------------------------------------------


def test_ids_and_remote_ids(synced):
    candidates = synced.export("candidate")
    some = candidates[3:7]
    assert _ids(synced.export("candidate", ids=[c["id"] for c in some])) == _ids(some)
    assert _ids(synced.export("candidate", remote_ids=[c["remote_id"] for c in some])) == _ids(some)
    # Kombo's wire form: one comma-separated string
    assert _ids(synced.export("candidate", ids=",".join(c["id"] for c in some))) == _ids(some)
    assert _ids(synced.export("candidate", remote_ids=",".join(c["remote_id"] for c in some))) == _ids(some)
    # different parameters are ANDed
    both = synced.export("candidate", ids=[c["id"] for c in some[:3]], remote_ids=[c["remote_id"] for c in some[1:]])
    assert _ids(both) == _ids(some[1:3])
    assert synced.export("candidate", ids=["nope"]) == []


def test_cursor_paging_returns_every_record_once(synced):
    everything = synced.export("candidate")
    seen: list[str] = []
    cursor, pages = None, 0
    while True:
        page = synced.um.list_records("candidate", synced.integration_id, cursor=cursor, page_size=7)
        assert len(page.results) <= 7
        seen += [r["id"] for r in page.results]
        pages += 1
        if not page.next:
            break
        cursor = page.next
    assert pages == -(-len(everything) // 7)
    assert len(seen) == len(set(seen)) == len(everything)
    assert set(seen) == _ids(everything)


def test_cursor_paging_with_repeated_filters(synced):
    expected = {a["id"] for a in synced.export("application") if a["outcome"] in ("PENDING", "HIRED")}
    seen: list[str] = []
    cursor = None
    while True:
        page = synced.um.list_records(
            "application", synced.integration_id, cursor=cursor, page_size=5, outcomes="PENDING,HIRED"
        )
        seen += [r["id"] for r in page.results]
        if not page.next:
            break
        cursor = page.next
    assert len(seen) == len(set(seen)) and set(seen) == expected and len(expected) > 10


# -- per-model filters ------------------------------------------------------------------------------


def test_user_emails_case_insensitive(synced):
    users = synced.export("user")
    wanted = [users[1]["email"], users[3]["email"]]
    _check(synced, "user", lambda u: u["email"] in wanted, emails=",".join(e.upper() for e in wanted))


def test_job_filters(synced):
    jobs = synced.export("job")
    _check(synced, "job", lambda j: j["status"] == "DRAFT", statuses="DRAFT")
    _check(synced, "job", lambda j: j["status"] in ("DRAFT", "CLOSED"), statuses=["DRAFT", "CLOSED"])
    codes = [jobs[0]["job_code"], jobs[2]["job_code"]]
    _check(synced, "job", lambda j: j["job_code"] in codes, job_codes=",".join(codes))
    word = jobs[0]["name"][2:6]
    _check(synced, "job", lambda j: word.lower() in j["name"].lower(), name_contains=word.upper())
    created = sorted(j["remote_created_at"] for j in jobs)
    cut = created[3]
    _check(synced, "job", lambda j: j["remote_created_at"] >= cut, remote_created_after=cut)
    _check(synced, "job", lambda j: j["remote_created_at"][:10] >= cut[:10], remote_created_after=cut[:10])


def test_candidate_filters(synced):
    candidates = synced.export("candidate")
    applications = synced.export("application")
    with_email = next(c for c in candidates if c["email_addresses"])
    address = with_email["email_addresses"][0]["email_address"]
    _check(
        synced,
        "candidate",
        lambda c: address in [e["email_address"] for e in c["email_addresses"]],
        email=address.upper(),
    )
    first = with_email["first_name"]
    _check(synced, "candidate", lambda c: (c["first_name"] or "").lower() == first.lower(), first_name=first.upper())
    last = candidates[5]["last_name"]
    _check(synced, "candidate", lambda c: (c["last_name"] or "").lower() == last.lower(), last_name=last.lower())
    jobs = sorted({a["job_id"] for a in applications})[:2]
    applied = {a["candidate_id"] for a in applications if a["job_id"] in jobs}
    _check(synced, "candidate", lambda c: c["id"] in applied, job_ids=",".join(jobs))


def test_application_filters(synced):
    applications = synced.export("application")
    _check(synced, "application", lambda a: a["outcome"] == "HIRED", outcomes="HIRED")
    _check(synced, "application", lambda a: a["outcome"] in ("HIRED", "DECLINED"), outcomes="HIRED,DECLINED")
    _check(synced, "application", lambda a: a["outcome"] == "DECLINED", outcome="DECLINED")
    jobs = {j["id"]: j["remote_id"] for j in synced.export("job")}
    some = sorted({a["job_id"] for a in applications})[:2]
    _check(synced, "application", lambda a: a["job_id"] in some, job_ids=",".join(some))
    _check(synced, "application", lambda a: a["job_id"] in some, job_remote_ids=",".join(jobs[j] for j in some))
    stages = sorted({a["current_stage_id"] for a in applications})[:2]
    _check(synced, "application", lambda a: a["current_stage_id"] in stages, current_stage_ids=stages)
    created = sorted(a["remote_created_at"] for a in applications)[len(applications) // 2]
    _check(synced, "application", lambda a: a["remote_created_at"] >= created, remote_created_after=created)
    # per-model filters and common ones are ANDed
    hired = [a for a in applications if a["outcome"] == "HIRED"]
    assert _ids(synced.export("application", outcomes="HIRED", ids=[a["id"] for a in applications[:40]])) == _ids(
        a for a in hired if a in applications[:40]
    )


# -- invalid input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "options"),
    [
        ("candidate", {"nickname": "x"}),
        ("job", {"statuses": "OPEN,LIVE"}),
        ("application", {"outcomes": "WON"}),
        ("application_stage", {"statuses": "OPEN"}),
        ("candidate", {"updated_after": "yesterday"}),
        ("candidate", {"updated_after": "2024-13-45T99:00:00Z"}),
        ("job", {"remote_created_after": "soon"}),
        ("candidate", {"cursor": "not-a-cursor"}),
        ("candidate", {"cursor": base64.urlsafe_b64encode(b"[1,2]").decode()}),
        ("candidate", {"cursor": base64.urlsafe_b64encode(b'{"after":"x"}').decode()}),
        ("candidate", {"page_size": 0}),
        ("candidate", {"page_size": 10_001}),
    ],
)
def test_invalid_filters_and_cursors_raise_input_invalid(synced, model, options):
    with pytest.raises(InputInvalid):
        synced.um.list_records(model, synced.integration_id, **options)


# -- updated_after and include_deleted ---------------------------------------------------------------


def _stamp(moment: datetime, z: bool = True) -> str:
    """A timestamp with six fraction digits, with or without ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + ("Z" if z else "")


def test_updated_after_formats(synced):
    candidates = synced.export("candidate")
    marks = sorted(c["changed_at"] for c in candidates)
    # a candidate also matches when one of its applications changed
    latest = max(marks + [a["changed_at"] for a in synced.export("application")])
    first = datetime.fromisoformat(marks[0].replace("Z", "+00:00"))
    last = datetime.fromisoformat(latest.replace("Z", "+00:00"))
    everything = _ids(candidates)
    assert _ids(synced.export("candidate", updated_after=first.strftime("%Y-%m-%d"))) == everything
    tomorrow = (last + timedelta(days=1)).strftime("%Y-%m-%d")
    assert synced.export("candidate", updated_after=tomorrow) == []
    before, after = first - timedelta(microseconds=1), last + timedelta(microseconds=1000)
    for z in (True, False):
        assert _ids(synced.export("candidate", updated_after=_stamp(before, z))) == everything
        assert synced.export("candidate", updated_after=_stamp(after, z)) == []
    assert _ids(synced.export("candidate", updated_after=_stamp(before, False) + "+00:00")) == everything
    newest_app = {}
    for app in synced.export("application"):
        newest_app[app["candidate_id"]] = max(newest_app.get(app["candidate_id"], ""), app["changed_at"])
    cut = marks[len(marks) // 2]
    expected = {c["id"] for c in candidates if c["changed_at"] > cut or newest_app.get(c["id"], "") > cut}
    assert _ids(synced.export("candidate", updated_after=cut)) == expected


def test_updated_after_follows_nested_changes_and_deletions(make_synced):
    env = make_synced()
    sb, um, iid = env.sb, env.um, env.integration_id
    applications = env.export("application")
    before = {c["id"]: c["changed_at"] for c in env.export("candidate")}
    jobs_before = {j["id"]: j["changed_at"] for j in env.export("job")}
    since = _stamp(datetime.now(UTC))
    time.sleep(0.002)  # the next change lands in a later millisecond

    # one procedure moves to another stage; the candidate itself is untouched
    moved = next(a for a in applications if a["current_stage"]["index"] == 0)
    target = next(s for s in env.export("application_stage") if s["id"] != moved["current_stage_id"])
    sb.tenant.update("ProcedureService", moved["remote_id"], {"ProcedureStatus1": {"uid": int(target["remote_id"])}})
    # one candidate is edited: its applications match through the linked candidate
    edited = next(c for c in env.export("candidate") if c["applications"] and c["id"] != moved["candidate_id"])
    sb.tenant.update("CandidateService", edited["remote_id"], {"Person": {"lastName": "Veranderd"}})
    # a stage is added to the catalogue: every job matches through its stages
    sb.tenant.add("ProcedureStatus1Service", {"status": "Phone screen", "code": "PHONE"})
    report = um.sync(iid)
    assert report.ok and report.models["application"].changed == 1 and report.models["candidate"].changed == 1

    assert _ids(env.export("application", updated_after=since)) == {moved["id"]} | {
        a["id"] for a in edited["applications"]
    }
    assert _ids(env.export("candidate", updated_after=since)) == {moved["candidate_id"], edited["id"]}
    owner = um.store.get(iid, "candidate", id=moved["candidate_id"])
    assert owner["changed_at"] == before[owner["id"]]  # its own changed_at did not move
    jobs = env.export("job", updated_after=since)
    assert _ids(jobs) == set(jobs_before)
    assert all(j["changed_at"] == jobs_before[j["id"]] for j in jobs)
    assert all(j["stages"][-1]["name"] == "Phone screen" for j in jobs)
    assert env.export("user", updated_after=since) == []

    # a vacancy gets a third consultant: the job matches (its hiring team grew)
    since = _stamp(datetime.now(UTC))
    time.sleep(0.002)
    vacancy = next(v for v in sb.tenant.records("VacancyService") if v.get("userId3") is None)
    user = next(u for u in sb.tenant.uids("UserService") if u not in (vacancy.get("userId"), vacancy.get("userId2")))
    sb.tenant.update("VacancyService", vacancy["uid"], {"userId3": user})
    assert um.sync(iid).models["job_hiring_team_member"].created == 1
    jobs = env.export("job", updated_after=since)
    assert [j["remote_id"] for j in jobs] == [vacancy["uid"]]
    assert len(jobs[0]["hiring_team"]) == len({vacancy.get("userId"), vacancy.get("userId2"), user} - {None})

    # deletions: a deleted application shows up under include_deleted and brings its candidate along
    since = _stamp(datetime.now(UTC))
    time.sleep(0.002)
    gone = next(a for a in applications if a["id"] != moved["id"] and a["candidate_id"] != edited["id"])
    sb.tenant.delete("ProcedureService", gone["remote_id"])
    full = um.sync(iid, full=True)
    assert full.models["application"].deleted == 1
    assert env.export("application", updated_after=since) == []
    deleted = env.export("application", updated_after=since, include_deleted=True)
    assert _ids(deleted) == {gone["id"]} and deleted[0]["remote_deleted_at"]
    assert gone["id"] not in _ids(env.export("application"))
    assert gone["id"] in _ids(env.export("application", include_deleted=True))
    assert _ids(env.export("candidate", updated_after=since)) == {gone["candidate_id"]}
    owner = next(c for c in env.export("candidate") if c["id"] == gone["candidate_id"])
    assert gone["id"] not in {a["id"] for a in owner["applications"]}
