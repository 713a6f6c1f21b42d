"""The five list endpoints through the unmodified Kombo SDK: every page, every filter, Kombo's semantics.

Expected results are computed here, in Python, from the unfiltered records; the server must
return exactly those, in store order, across several pages.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kombo import errors as kerrors

from .conftest import A, B, Live

METHODS = {
    "user": "get_users",
    "job": "get_jobs",
    "candidate": "get_candidates",
    "application_stage": "get_application_stages",
    "application": "get_applications",
}


def walk(call: Callable[..., Any], **kwargs: Any) -> tuple[list[Any], int]:
    """Every result of a list call, following ``.next()``; returns (results, pages)."""
    page = call(**kwargs)
    results: list[Any] = []
    pages = 0
    while page is not None:
        pages += 1
        results.extend(page.result.data.results)
        page = page.next()
    return results, pages


def records(live: Live, model: str, integration: str = A, **options: Any) -> list[dict[str, Any]]:
    return list(live.service.export(model, integration, **options))


def stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@pytest.mark.parametrize("model", list(METHODS))
def test_every_list_endpoint_walks_every_page(live: Live, model: str) -> None:
    expected = [r["id"] for r in records(live, model)]
    assert len(expected) >= 5
    got, pages = walk(getattr(live.kombo().ats, METHODS[model]), page_size=2)
    assert [r.id for r in got] == expected
    assert pages == math.ceil(len(expected) / 2)


def test_each_integration_sees_only_its_own_records(live: Live) -> None:
    a_jobs, _ = walk(live.kombo("a", A).ats.get_jobs, page_size=250)
    b_jobs, _ = walk(live.kombo("b", B).ats.get_jobs, page_size=250)
    assert {j.id for j in a_jobs} == {r["id"] for r in records(live, "job", A)}
    assert {j.id for j in b_jobs} == {r["id"] for r in records(live, "job", B)}
    assert not {j.id for j in a_jobs} & {j.id for j in b_jobs}


def _cases(live: Live) -> dict[str, tuple[str, dict[str, Any], Callable[[dict[str, Any]], bool]]]:
    """name → (model, SDK filter kwargs, the predicate the results must satisfy)."""
    users = records(live, "user")
    jobs = records(live, "job")
    candidates = records(live, "candidate")
    applications = records(live, "application")
    emails = [users[1]["email"].upper(), users[3]["email"]]
    codes = [jobs[0]["job_code"], jobs[2]["job_code"], jobs[4]["job_code"]]
    word = jobs[0]["name"][1:5].lower()
    job_created = sorted(j["remote_created_at"] for j in jobs)[3]
    with_mail = next(c for c in candidates if c["email_addresses"])
    mail = with_mail["email_addresses"][0]["email_address"]
    named = candidates[5]
    two_jobs = [jobs[0]["id"], jobs[1]["id"]]
    applied = {a["candidate_id"] for a in applications if a["job_id"] in two_jobs}
    job_remote = {j["id"]: j["remote_id"] for j in jobs}
    stages = sorted({a["current_stage_id"] for a in applications})[:2]
    app_created = sorted(a["remote_created_at"] for a in applications)[40]
    some_ids = [jobs[1]["id"], jobs[3]["id"], jobs[5]["id"]]
    some_remote = [c["remote_id"] for c in candidates[2:9:2]]
    return {
        "users.emails": ("user", {"emails": emails}, lambda r: r["email"].lower() in {e.lower() for e in emails}),
        "users.ids": (
            "user",
            {"ids": [users[0]["id"], users[4]["id"]]},
            lambda r: r["id"] in (users[0]["id"], users[4]["id"]),
        ),
        "jobs.statuses": ("job", {"statuses": ["OPEN"]}, lambda r: r["status"] == "OPEN"),
        "jobs.statuses+visibilities": (
            "job",
            {"statuses": ["OPEN", "DRAFT"], "visibilities": ["PUBLIC"]},
            lambda r: r["status"] in ("OPEN", "DRAFT") and r["visibility"] == "PUBLIC",
        ),
        "jobs.job_codes": ("job", {"job_codes": codes}, lambda r: r["job_code"] in codes),
        "jobs.name_contains": ("job", {"name_contains": word.upper()}, lambda r: word in (r["name"] or "").lower()),
        "jobs.remote_created_after": (
            "job",
            {"remote_created_after": stamp(job_created)},
            lambda r: r["remote_created_at"] >= job_created,
        ),
        "jobs.post_url": ("job", {"post_url": "https://nowhere.example/job"}, lambda r: False),
        "jobs.ids": ("job", {"ids": some_ids}, lambda r: r["id"] in some_ids),
        "candidates.email": (
            "candidate",
            {"email": mail.upper()},
            lambda r: any((e.get("email_address") or "").lower() == mail.lower() for e in r["email_addresses"] or []),
        ),
        "candidates.job_ids": ("candidate", {"job_ids": two_jobs}, lambda r: r["id"] in applied),
        "candidates.names": (
            "candidate",
            {"first_name": named["first_name"].upper(), "last_name": named["last_name"].lower()},
            lambda r: (
                (r["first_name"] or "").lower() == named["first_name"].lower()
                and (r["last_name"] or "").lower() == named["last_name"].lower()
            ),
        ),
        "candidates.remote_ids": ("candidate", {"remote_ids": some_remote}, lambda r: r["remote_id"] in some_remote),
        "applications.outcomes": (
            "application",
            {"outcomes": ["HIRED", "DECLINED"]},
            lambda r: r["outcome"] in ("HIRED", "DECLINED"),
        ),
        "applications.job_ids": ("application", {"job_ids": two_jobs}, lambda r: r["job_id"] in two_jobs),
        "applications.job_remote_ids": (
            "application",
            {"job_remote_ids": [job_remote[j] for j in two_jobs]},
            lambda r: r["job_id"] in two_jobs,
        ),
        "applications.current_stage_ids": (
            "application",
            {"current_stage_ids": stages},
            lambda r: r["current_stage_id"] in stages,
        ),
        "applications.remote_created_after+outcomes": (
            "application",
            {"remote_created_after": stamp(app_created), "outcomes": ["PENDING"]},
            lambda r: r["remote_created_at"] >= app_created and r["outcome"] == "PENDING",
        ),
        "stages.ids": ("application_stage", {"ids": stages}, lambda r: r["id"] in stages),
    }


CASES = [
    "users.emails",
    "users.ids",
    "jobs.statuses",
    "jobs.statuses+visibilities",
    "jobs.job_codes",
    "jobs.name_contains",
    "jobs.remote_created_after",
    "jobs.post_url",
    "jobs.ids",
    "candidates.email",
    "candidates.job_ids",
    "candidates.names",
    "candidates.remote_ids",
    "applications.outcomes",
    "applications.job_ids",
    "applications.job_remote_ids",
    "applications.current_stage_ids",
    "applications.remote_created_after+outcomes",
    "stages.ids",
]


@pytest.mark.parametrize("case", CASES)
def test_filters_match_kombo_semantics_across_pages(live: Live, case: str) -> None:
    model, kwargs, keep = _cases(live)[case]
    expected = [r["id"] for r in records(live, model) if keep(r)]
    page_size = 2 if len(expected) > 4 else 1
    got, pages = walk(getattr(live.kombo().ats, METHODS[model]), page_size=page_size, **kwargs)
    assert [r.id for r in got] == expected
    assert pages == max(1, math.ceil(len(expected) / page_size))
    if case != "jobs.post_url":
        assert expected, "the case should select something"
        assert len(expected) < len(records(live, model)) or model == "application_stage"


def test_filters_are_anded_and_lists_ored(live: Live) -> None:
    jobs = records(live, "job")
    codes = [j["job_code"] for j in jobs]
    ids = [jobs[0]["id"], jobs[1]["id"]]
    got, _ = walk(live.kombo().ats.get_jobs, ids=ids, job_codes=codes[1:3])
    assert [j.id for j in got] == [jobs[1]["id"]]


def test_unsupported_filter_matches_nothing_unless_ignored(live: Live) -> None:
    # OTYS has no employment type: Kombo returns nothing for such a filter unless told to ignore it.
    k = live.kombo()
    none, _ = walk(k.ats.get_jobs, employment_types=["FULL_TIME"])
    assert none == []
    every, pages = walk(k.ats.get_jobs, employment_types=["FULL_TIME"], ignore_unsupported_filters=True, page_size=3)
    assert [j.id for j in every] == [r["id"] for r in records(live, "job")]
    assert pages == 3
    supported, _ = walk(k.ats.get_jobs, statuses=["DRAFT"], ignore_unsupported_filters=True)
    assert {j.status for j in supported} == {"DRAFT"}


def test_updated_after_and_include_deleted(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A,))
    sandbox = live.sandboxes[A]
    k = live.kombo()
    everything, _ = walk(k.ats.get_candidates, page_size=250)
    boundary = datetime.now(UTC) + timedelta(milliseconds=5)
    assert walk(k.ats.get_candidates, updated_after=boundary)[0] == []

    jobs = records(live, "job")
    candidates = records(live, "candidate")
    applied_to = {a["job_id"] for a in records(live, "application")}
    gone_job = next(j for j in reversed(jobs) if j["id"] not in applied_to)
    changed = candidates[3]
    sandbox.tenant.update("CandidateService", changed["remote_id"], {"Person": {"firstName": "Renamed"}})
    sandbox.tenant.delete("VacancyService", gone_job["remote_id"])
    assert live.service.sync(A, full=True).ok

    fresh, _ = walk(k.ats.get_candidates, updated_after=boundary)
    assert [c.id for c in fresh] == [changed["id"]]
    assert fresh[0].first_name == "Renamed"

    visible, _ = walk(k.ats.get_jobs, page_size=2)
    assert gone_job["id"] not in {j.id for j in visible}
    with_deleted, _ = walk(k.ats.get_jobs, page_size=2, include_deleted=True)
    assert [j.id for j in with_deleted] == [j["id"] for j in jobs]
    deleted = next(j for j in with_deleted if j.id == gone_job["id"])
    assert deleted.remote_deleted_at is not None
    recent, _ = walk(k.ats.get_jobs, updated_after=boundary, include_deleted=True)
    assert gone_job["id"] in {j.id for j in recent}
    assert len(everything) == len(candidates)


@pytest.mark.parametrize(
    "value",
    [
        "2020-01-02T03:04:05.123456789Z",
        "2020-01-02T03:04:05Z",
        "2020-01-02T03:04:05",
        "2020-01-02",
        "2020-01-02T03:04:05.1",
        "2020-01-02T05:04:05+02:00",
        "2020-01-02T03:04:05 00:00",
    ],
)
def test_updated_after_accepts_every_iso_form(live: Live, value: str) -> None:
    with live.http() as http:
        response = http.get("/ats/users", params={"updated_after": value, "page_size": 250})
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["results"]) == len(records(live, "user"))


def test_cursor_is_opaque_and_repeats_the_filters(live: Live) -> None:
    with live.http() as http:
        first = http.get("/ats/applications", params={"page_size": 5, "outcomes": "PENDING"}).json()["data"]
        cursor = first["next"]
        assert isinstance(cursor, str) and cursor
        second = http.get("/ats/applications", params={"page_size": 5, "outcomes": "PENDING", "cursor": cursor}).json()[
            "data"
        ]
    expected = [r["id"] for r in records(live, "application") if r["outcome"] == "PENDING"]
    assert [r["id"] for r in first["results"] + second["results"]] == expected[:10]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "251"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"updated_after": "yesterday"}, "updated_after"),
        ({"include_deleted": "maybe"}, "include_deleted"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"statuses": "OPEN,SHUT"}, "statuses"),
        ({"colour": "red"}, "colour"),
        ({"employment_types": "FULL_TIME,GIG"}, "employment_types"),
        ({"remote_created_after": "soon"}, "remote_created"),
    ],
)
def test_bad_list_input_is_a_400_input_invalid(live: Live, params: dict[str, str], field: str) -> None:
    path = "/ats/jobs"
    with live.http() as http:
        response = http.get(path, params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "PLATFORM.INPUT_INVALID"
    assert field in error["message"]


def test_bad_page_size_through_the_sdk(live: Live) -> None:
    with pytest.raises(kerrors.KomboAtsError) as caught:
        live.kombo().ats.get_candidates(page_size=251)
    assert caught.value.data.error.code == "PLATFORM.INPUT_INVALID"
    assert caught.value.raw_response.status_code == 400


def test_page_size_bounds_are_accepted(live: Live) -> None:
    k = live.kombo()
    assert len(k.ats.get_applications(page_size=250).result.data.results) == len(records(live, "application"))
    assert len(k.ats.get_applications(page_size=1).result.data.results) == 1
    assert len(k.ats.get_applications().result.data.results) == min(100, len(records(live, "application")))
