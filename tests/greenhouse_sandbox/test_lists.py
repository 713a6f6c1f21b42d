"""§9.6–9.11 and §9.21: list shape, order, paging, cursors, filters, field sets and the JSON Schemas."""

from __future__ import annotations

import base64
import json
import re
from importlib import resources
from typing import Any

import jsonschema
import pytest

from unimap_connectors.greenhouse.sandbox import Sandbox
from unimap_connectors.greenhouse.sandbox.fields import FIELDS

from .conftest import Api

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _next(resp: Any) -> str | None:
    link = resp.headers.get("link")
    if not link:
        return None
    m = re.fullmatch(r'<([^>]+)>; rel="next"', link)
    assert m, link
    return m.group(1)


def test_bare_array_id_desc_default_per_page(api: Api) -> None:
    resp = api.get("/v3/candidates")
    rows = resp.json()
    assert isinstance(rows, list) and len(rows) == 100
    ids = [r["id"] for r in rows]
    assert ids == sorted(ids, reverse=True)
    assert max(ids) == max(api.sb.tenant.tables["candidates"])


def test_order_id_asc_is_configurable(greenhouse_sandbox_factory, make_api) -> None:
    api = make_api(greenhouse_sandbox_factory(order="id_asc"))
    ids = [r["id"] for r in api.rows("applications", per_page=50)]
    assert ids == sorted(ids)


@pytest.mark.parametrize("value", ["0", "501", "abc", "-3"])
def test_per_page_out_of_range_is_422(api: Api, value: str) -> None:
    resp = api.get("/v3/jobs", params={"per_page": value})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "per_page"


def test_per_page_bounds_accepted(api: Api) -> None:
    assert len(api.rows("applications", per_page=1)) == 1
    assert len(api.rows("application_stages", per_page=500)) == 500


def test_ids_at_most_50(api: Api) -> None:
    ids = sorted(api.sb.tenant.tables["candidates"])
    ok = api.rows("candidates", ids=",".join(map(str, ids[:50])))
    assert {r["id"] for r in ok} == set(ids[:50])
    too_many = api.get("/v3/candidates", params={"ids": ",".join(map(str, ids[:51]))})
    assert too_many.status_code == 422
    assert api.get("/v3/applications", params={"candidate_ids": ",".join(map(str, ids[:51]))}).status_code == 422


def test_link_pages_cover_everything_once_and_last_page_has_no_link(api: Api) -> None:
    for resource in ("candidates", "applications"):
        seen: list[int] = []
        resp = api.get(f"/v3/{resource}", params={"per_page": 100})
        pages = 0
        while True:
            pages += 1
            seen += [r["id"] for r in resp.json()]
            url = _next(resp)
            if url is None:
                break
            assert url.startswith(f"{api.sb.base_url}/v3/{resource}?cursor=")
            resp = api.get(url)
        assert pages >= 3
        assert seen == sorted(api.sb.tenant.tables[resource], reverse=True)
    exact = api.get("/v3/rejection_reasons", params={"per_page": api.sb.tenant.count("rejection_reasons")})
    assert "link" not in exact.headers


def test_cursor_keeps_filters_and_per_page(api: Api) -> None:
    job = api.rows("applications", per_page=1)[0]["job_id"]
    resp = api.get("/v3/applications", params={"job_ids": str(job), "per_page": 3})
    url = _next(resp)
    assert url is not None
    token = url.split("cursor=")[1]
    assert re.fullmatch(r"[A-Za-z0-9_\-.%]+", token)  # URL-safe
    second = api.get(url).json()
    assert len(second) <= 3 and all(r["job_id"] == job for r in second)
    assert max(r["id"] for r in second) < min(r["id"] for r in resp.json())


def test_cursor_with_other_params_is_422(api: Api) -> None:
    url = _next(api.get("/v3/candidates", params={"per_page": 10}))
    assert url is not None
    for extra in ("&per_page=50", "&status=closed", "&updated_at=gte|2020-01-01T00:00:00Z"):
        resp = api.get(url + extra)
        assert resp.status_code == 422
        assert resp.json() == {"errors": ["When passing a cursor, do not include other query params."]}


def test_tampered_and_foreign_cursor_is_422(api: Api) -> None:
    url = _next(api.get("/v3/candidates", params={"per_page": 10}))
    assert url is not None
    token = url.split("cursor=")[1]
    body, mac = token.split(".")
    state = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    state["n"] = 500
    forged = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=") + "." + mac
    for bad in (forged, "garbage", token[:-3]):
        resp = api.get("/v3/candidates", params={"cursor": bad})
        assert resp.status_code == 422 and "errors" in resp.json()
    assert api.get("/v3/jobs", params={"cursor": token}).status_code == 422


def test_expired_cursor_is_422(greenhouse_sandbox_factory, make_api, clock) -> None:
    api = make_api(greenhouse_sandbox_factory(clock=clock, cursor_ttl_seconds=60, token_ttl_seconds=10_000))
    url = _next(api.get("/v3/candidates", params={"per_page": 10}))
    clock.advance(61)
    resp = api.get(url)
    assert resp.status_code == 422 and "expired" in resp.json()["errors"][0]


def test_keyset_paging_survives_deletes(api: Api) -> None:
    first = api.get("/v3/candidates", params={"per_page": 50})
    url = _next(first)
    ids = sorted(api.sb.tenant.tables["candidates"], reverse=True)
    for cid in ids[:10] + ids[50:55]:  # delete from the page served and from the next
        api.sb.tenant.hard_delete_candidate(cid)
    second = [r["id"] for r in api.get(url).json()]
    assert second == [i for i in ids[50:] if i not in ids[50:55]][:50]


@pytest.mark.parametrize("raw", [False, True])
def test_date_filters_pipe_syntax(api: Api, raw: bool) -> None:
    rows = api.all("candidates")
    stamps = sorted(r["updated_at"] for r in rows)
    lo, hi = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    value = f"gte|{lo}|lte|{hi}"
    path = f"/v3/candidates?per_page=500&updated_at={value if raw else value.replace('|', '%7C')}"
    got = api.get(path).json()
    assert {r["id"] for r in got} == {r["id"] for r in rows if lo <= r["updated_at"] <= hi}
    strict = api.rows("candidates", per_page=500, updated_at=f"gt|{lo}|lt|{hi}")
    assert {r["id"] for r in strict} == {r["id"] for r in rows if lo < r["updated_at"] < hi}
    both = api.rows("candidates", per_page=500, updated_at=f"gte|{lo}", created_at=f"lt|{hi}")
    assert {r["id"] for r in both} == {r["id"] for r in rows if lo <= r["updated_at"] and r["created_at"] < hi}


def test_date_filters_on_extra_fields_and_offsets(api: Api) -> None:
    apps = api.all("applications")
    mid = sorted(a["last_activity_at"] for a in apps)[len(apps) // 2]
    got = api.rows("applications", per_page=500, last_activity_at=f"gte|{mid}")
    assert {a["id"] for a in got} == {a["id"] for a in apps if a["last_activity_at"] >= mid}
    jobs = api.all("jobs")
    opened = api.rows("jobs", opened_at="gte|2000-01-01T00:00:00Z")
    assert {j["id"] for j in opened} == {j["id"] for j in jobs if j["opened_at"]}
    closed = api.rows("jobs", closed_at="gte|2000-01-01T00:00:00+02:00")
    assert {j["id"] for j in closed} == {j["id"] for j in jobs if j["closed_at"]}
    assert api.rows("candidates", created_at="gte|2100-01-01") == []


@pytest.mark.parametrize(
    "params",
    [
        {"updated_at": "after|2024-01-01T00:00:00Z"},
        {"updated_at": "gte|yesterday"},
        {"updated_at": "gte"},
        {"updated_after": "2024-01-01T00:00:00Z"},
        {"updated_at[gte]": "2024-01-01T00:00:00Z"},
        {"page": "2"},
        {"colour": "blue"},
    ],
)
def test_bad_or_legacy_params_are_422_with_a_reason(api: Api, params: dict[str, str]) -> None:
    resp = api.get("/v3/candidates", params=params)
    assert resp.status_code == 422
    body = resp.json()
    assert body["message"] == "Validation error" and body["errors"][0]["field"] == next(iter(params))
    assert body["errors"][0]["message"]


def test_resource_filters(api: Api) -> None:
    t = api.sb.tenant
    apps = api.all("applications")
    cand = apps[0]["candidate_id"]
    assert {a["id"] for a in api.rows("applications", candidate_ids=str(cand))} == {
        a["id"] for a in apps if a["candidate_id"] == cand
    }
    for status, stored in (
        ("active", "in_process"),
        ("rejected", "rejected"),
        ("hired", "hired"),
        ("converted", "converted"),
    ):
        got = api.all("applications", status=status)
        assert got and all(a["status"] == stored for a in got)
        assert len(got) == sum(a["status"] == stored for a in apps)
    assert api.get("/v3/applications", params={"status": "in_process"}).status_code == 422
    prospects = api.all("applications", prospect="true")
    assert prospects and all(a["prospect"] for a in prospects)
    assert len(api.all("applications", prospect="false")) == len(apps) - len(prospects)
    # candidates: email (case-insensitive, any address), tag
    some = next(c for c in t.tables["candidates"].values() if len(c["email_addresses"]) > 1)
    got = api.rows("candidates", email=some["email_addresses"][1]["value"].upper())
    assert [c["id"] for c in got] == [some["id"]]
    tagged = api.all("candidates", tag="referral")
    assert tagged and all("referral" in c["tags"] for c in tagged)
    # users
    users = api.all("users")
    assert t.service_user_id not in {u["id"] for u in users}
    with_svc = api.all("users", show_service_accounts="true")
    svc = next(u for u in with_svc if u["id"] == t.service_user_id)
    assert svc["primary_email"] == ""
    # job posts: active defaults to true; live; internal
    posts = api.all("job_posts")
    assert posts and all(p["active"] for p in posts)
    deleted = api.all("job_posts", active="false")
    assert deleted and not any(p["active"] for p in deleted)
    assert all(p["live"] for p in api.all("job_posts", live="true"))
    assert all(p["internal"] for p in api.all("job_posts", internal="true"))
    # application stages: current
    current = api.all("application_stages", current="true")
    assert current and all(s["current"] and s["exited_at"] is None for s in current)
    # stages, owners, openings by job; attachments by candidate
    job = api.rows("jobs", per_page=1)[0]["id"]
    assert {s["job_id"] for s in api.rows("job_interview_stages", job_ids=str(job))} == {job}
    assert {o["job_id"] for o in api.rows("job_owners", job_ids=str(job))} == {job}
    user = api.rows("job_owners", per_page=1)[0]["user_id"]
    assert {o["user_id"] for o in api.rows("job_owners", user_ids=str(user))} == {user}
    assert {o["job_id"] for o in api.rows("openings", job_ids=str(job))} == {job}
    atts = api.rows("attachments", candidate_ids=str(cand))
    assert all(a["candidate_id"] == cand for a in atts)
    # custom field options by key and by id
    opts = api.rows("custom_field_options", custom_field_key="skills")
    skills = next(f for f in api.rows("custom_fields") if f["name_key"] == "skills")
    assert opts and {o["custom_field_id"] for o in opts} == {skills["id"]}
    assert api.rows("custom_field_options", custom_field_ids=str(skills["id"])) == opts
    # custom_field_option_id on candidates
    opt = next(o for o in opts if o["active"])
    hits = api.all("candidates", custom_field_option_id=str(opt["id"]))
    assert hits and all(opt["name"] in c["custom_fields"]["skills"]["value"] for c in hits)


def test_sparse_fieldsets(api: Api) -> None:
    rows = api.rows("candidates", fields="first_name,last_name", per_page=5)
    assert all(set(r) == {"id", "first_name", "last_name"} for r in rows)
    assert api.get("/v3/candidates", params={"fields": "shoe_size"}).status_code == 422


def test_no_single_record_endpoint(api: Api) -> None:
    cid = api.rows("candidates", per_page=1)[0]["id"]
    resp = api.get(f"/v3/candidates/{cid}")
    assert resp.status_code == 404 and "ids=" in resp.json()["message"]
    assert api.get("/v3/nonsense").status_code == 404


def _schema(resource: str) -> dict[str, Any]:
    text = resources.files("unimap_connectors.greenhouse.sandbox").joinpath(f"schemas/{resource}.json").read_text()
    return json.loads(text)


@pytest.mark.parametrize("resource", sorted(FIELDS))
def test_every_list_validates_against_its_schema(api: Api, resource: str) -> None:
    schema = _schema(resource)
    jsonschema.Draft202012Validator.check_schema(schema)
    params = {"active": "false"} if resource == "job_posts" else {}
    rows = api.all(resource, **params)
    if resource == "job_posts":
        rows += api.all("job_posts")
    if resource == "users":
        rows += api.all("users", show_service_accounts="true")
    assert rows, resource
    jsonschema.validate(rows, schema, format_checker=jsonschema.FormatChecker())
    for row in rows:
        assert list(row) == list(FIELDS[resource])  # every field present, nulls included
        for key, value in row.items():
            if key.endswith("_at") and value is not None:
                assert STAMP.match(value), (resource, key, value)


def test_write_responses_validate_too(api: Api) -> None:
    job = next(j for j in api.all("jobs") if not j["is_template"])
    resp = api.post(
        "/v3/candidates", {"first_name": "Ada", "last_name": "Lovelace", "application": {"job_id": job["id"]}}
    )
    assert resp.status_code == 201
    jsonschema.validate([resp.json()["candidate"]], _schema("candidates"))
    jsonschema.validate([resp.json()["application"]], _schema("applications"))


def test_sandbox_refuses_non_loopback() -> None:
    with pytest.raises(ValueError):
        Sandbox(host="0.0.0.0", size=5)


def test_ids_pages_through_only_the_listed_rows(api: Api) -> None:
    ids = sorted(api.sb.tenant.tables["applications"])[5:55]
    resp = api.get("/v3/applications", params={"ids": ",".join(map(str, ids)), "per_page": 20})
    seen: list[int] = []
    while True:
        seen += [r["id"] for r in resp.json()]
        url = _next(resp)
        if url is None:
            break
        resp = api.get(url)
    assert seen == sorted(ids, reverse=True)
    unknown = api.rows("applications", ids="1,2,3")
    assert unknown == []
