"""The fake REST vendor itself, over loopback: auth, each paginator, filters, writes, rate limits, the log."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest
from fixtures.restvendor import Vendor
from fixtures.restvendor.tenant import parse_iso


def _links(header: str) -> dict[str, str]:
    """An RFC 8288 Link header as rel → URL."""
    out = {}
    for part in header.split(","):
        url, _, params = part.strip().partition(";")
        rel = params.split("=", 1)[1].strip().strip('"')
        out[rel] = url.strip()[1:-1]
    return out


def _all_users(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        r = client.get("/api/users", params={**params, "offset": len(out), "limit": 100})
        assert r.status_code == 200
        out += r.json()["users"]
        if len(out) >= int(r.headers["X-Total-Count"]):
            return out


def _all_jobs(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    r = client.get("/api/jobs", params={**params, "page_size": 50})
    while True:
        assert r.status_code == 200
        out += r.json()
        nxt = _links(r.headers["Link"]).get("next")
        if nxt is None:
            return out
        r = client.get(nxt)


def _all_candidates(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = client.get("/api/candidates", params={**params, "per_page": 100, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200
        out += r.json()["data"]
        cursor = r.json()["meta"]["next_cursor"]
        if cursor is None:
            return out


def _all_applications(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    r = client.get("/api/applications", params={**params, "limit": 100})
    while True:
        assert r.status_code == 200
        out += r.json()["items"]
        if r.json()["next"] is None:
            return out
        r = client.get(r.json()["next"])


LISTERS = {"users": _all_users, "jobs": _all_jobs, "candidates": _all_candidates, "applications": _all_applications}


def test_same_seed_same_tenant_and_counts() -> None:
    a, b, c = Vendor(seed=1), Vendor(seed=1), Vendor(seed=2)
    assert a.tenant.rows == b.tenant.rows
    assert a.tenant.rows != c.tenant.rows
    counts = a.counts()
    assert counts["candidates"] == 300 and counts["users"] == 120 and counts["jobs"] == 60
    assert counts["applications"] > 300 and counts["stages"] >= 4 * 60
    assert Vendor(candidates=20, users=4, jobs=3).counts()["users"] == 4


def test_auth_basic_key_as_username_with_empty_password(vendor: Vendor) -> None:
    url = vendor.base_url + "/api/users"
    r = httpx.get(url)
    assert r.status_code == 401 and r.json() == {"error": "unauthorized"}
    assert httpx.get(url, headers=vendor.auth_headers("wrong")).status_code == 401
    assert httpx.get(url, auth=(vendor.api_key, "secret")).status_code == 401  # the password must be empty
    assert httpx.get(url, headers={"X-Api-Key": vendor.api_key}).status_code == 401
    ok = httpx.get(url, auth=(vendor.api_key, ""))
    assert ok.status_code == 200
    assert ok.headers["Content-Type"].startswith("application/json")
    expected = "Basic " + base64.b64encode(f"{vendor.api_key}:".encode()).decode()
    assert vendor.auth_headers() == {"Authorization": expected}


def test_auth_header_switch() -> None:
    with Vendor(candidates=10, auth="header", api_key="k1") as v:
        url = v.base_url + "/api/users"
        assert httpx.get(url, headers={"X-Api-Key": "k1"}).status_code == 200
        assert httpx.get(url, auth=("k1", "")).status_code == 401
    with pytest.raises(ValueError):
        Vendor(auth="bearer")


def test_users_offset_pagination_total_count_and_clamp(client: httpx.Client, vendor: Vendor) -> None:
    r = client.get("/api/users", params={"limit": 500})
    assert r.headers["X-Total-Count"] == "120"
    assert len(r.json()["users"]) == 100  # limit is clamped to 100
    users = _all_users(client)
    assert [u["id"] for u in users] == list(range(1, 121))
    assert set(users[0]) == {"id", "email", "given_name", "family_name", "active", "role", "updated_at", "created_at"}
    assert {u["role"] for u in users} == {"admin", "recruiter", "member"}
    assert all(u["updated_at"].endswith("Z") for u in users)
    past = client.get("/api/users", params={"offset": 200})
    assert past.json() == {"users": []} and past.headers["X-Total-Count"] == "120"


def test_jobs_page_number_with_link_header(client: httpx.Client) -> None:
    first = client.get("/api/jobs", params={"page_size": 25})
    assert isinstance(first.json(), list) and len(first.json()) == 25
    links = _links(first.headers["Link"])
    assert set(links) == {"next", "last"}
    assert "page=2" in links["next"] and "page=3" in links["last"] and links["next"].startswith("http://127.0.0.1:")
    second = client.get(links["next"])
    assert set(_links(second.headers["Link"])) == {"next", "prev", "last"}
    last = client.get(links["last"])
    assert len(last.json()) == 10 and set(_links(last.headers["Link"])) == {"prev", "last"}
    assert len(client.get("/api/jobs", params={"page_size": 1000}).json()) == 50  # clamped
    jobs = _all_jobs(client)
    assert [j["id"] for j in jobs] == list(range(1, 61))
    assert {j["state"] for j in jobs} <= {"open", "closed", "draft"}
    assert any(j["hiring_manager_id"] is None for j in jobs)


def test_each_job_has_its_own_stages_in_id_order(client: httpx.Client, vendor: Vendor) -> None:
    seen: set[int] = set()
    lists = set()
    shuffled = 0
    for jid in range(1, 61):
        stages = client.get(f"/api/jobs/{jid}/stages").json()
        assert all(s["job_id"] == jid for s in stages)
        assert [s["id"] for s in stages] == sorted(s["id"] for s in stages)
        assert sorted(s["position"] for s in stages) == list(range(1, len(stages) + 1))
        by_position = [s["name"] for s in sorted(stages, key=lambda s: s["position"])]
        assert by_position[0] == "Applied" and by_position[-2:] == ["Offer", "Hired"]
        shuffled += by_position != [s["name"] for s in stages]
        lists.add(tuple(by_position))
        assert not seen & {s["id"] for s in stages}
        seen |= {s["id"] for s in stages}
    assert len(seen) == vendor.counts()["stages"]
    assert len(lists) > 10 and shuffled > 30  # different jobs, different lists; id order is not position order
    assert client.get("/api/jobs/999/stages").status_code == 404


def test_candidates_cursor_pagination_in_natural_id_order(client: httpx.Client) -> None:
    page = client.get("/api/candidates", params={"per_page": 500}).json()
    assert len(page["data"]) == 100 and page["meta"]["next_cursor"]
    cands = _all_candidates(client)
    assert [c["id"] for c in cands] == [f"c_{n}" for n in range(1, 301)]  # c_9 before c_10
    assert set(cands[0]) == {
        "id",
        "first_name",
        "last_name",
        "emails",
        "phones",
        "tags",
        "source",
        "created_at",
        "updated_at",
    }
    assert client.get("/api/candidates", params={"cursor": "nonsense!"}).status_code == 400
    address = cands[41]["emails"][0]["address"]
    found = client.get("/api/candidates", params={"email": address.upper()}).json()
    assert [c["id"] for c in found["data"]] == ["c_42"] and found["meta"]["next_cursor"] is None


def test_applications_next_url_pagination(client: httpx.Client, vendor: Vendor) -> None:
    body = client.get("/api/applications", params={"limit": 30}).json()
    assert len(body["items"]) == 30 and body["next"].startswith(vendor.base_url + "/api/applications?")
    apps = _all_applications(client)
    assert [a["id"] for a in apps] == sorted(a["id"] for a in apps)
    assert len(apps) == vendor.counts()["applications"]
    stages = vendor.tenant.rows["stages"]
    assert all(stages[a["stage_id"]]["job_id"] == a["job_id"] for a in apps)
    assert all((a["rejection_reason"] is not None) == (a["status"] == "rejected") for a in apps)
    assert {a["status"] for a in apps} == {"active", "rejected", "hired"}


@pytest.mark.parametrize("resource", list(LISTERS))
def test_updated_after_and_ids_filters(client: httpx.Client, vendor: Vendor, resource: str) -> None:
    everything = LISTERS[resource](client)
    stamps = sorted(r["updated_at"] for r in everything)
    pivot = stamps[len(stamps) // 2]
    newer = LISTERS[resource](client, updated_after=pivot)
    assert {r["id"] for r in newer} == {r["id"] for r in everything if r["updated_at"] >= pivot}
    offset_form = pivot.replace("Z", "+00:00")
    assert len(LISTERS[resource](client, updated_after=offset_form)) == len(newer)
    wanted = [r["id"] for r in everything[3:28]]
    got = LISTERS[resource](client, ids=",".join(map(str, reversed(wanted))))
    assert [r["id"] for r in got] == wanted  # id order, whatever order they were asked in
    path = "/api/" + resource
    too_many = client.get(path, params={"ids": ",".join(str(r["id"]) for r in everything[:26])})
    assert too_many.status_code == 400 and too_many.json() == {"error": "too many ids"}
    assert client.get(path, params={"updated_after": "yesterday"}).status_code == 400


def test_keyset_cursors_are_stable_under_deletes(client: httpx.Client, vendor: Vendor) -> None:
    first = client.get("/api/candidates", params={"per_page": 50}).json()
    vendor.hard_delete("candidates", "c_10")
    rest = _all_candidates(client, cursor=first["meta"]["next_cursor"])
    assert [c["id"] for c in rest][:1] == ["c_51"]
    apps = client.get("/api/applications", params={"limit": 50}).json()
    vendor.hard_delete("applications", apps["items"][0]["id"])
    after = client.get(apps["next"]).json()
    assert after["items"][0]["id"] > apps["items"][-1]["id"]


def test_edit_bumps_updated_at_and_hard_delete_cascades(client: httpx.Client, vendor: Vendor) -> None:
    before = time.time()
    row = vendor.edit("candidates", "c_5", first_name="Renamed")
    assert row["first_name"] == "Renamed" and row["updated_at"] >= before
    fresh = _all_candidates(client, updated_after=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(before)))
    assert [c["id"] for c in fresh] == ["c_5"]
    with pytest.raises(KeyError):
        vendor.edit("candidates", "c_5", nickname="x")
    with pytest.raises(KeyError):
        vendor.edit("candidates", "c_5", updated_at=0)
    counts = vendor.counts()
    job_apps = [a["id"] for a in vendor.tenant.rows["applications"].values() if a["job_id"] == 7]
    job_stages = [s["id"] for s in vendor.tenant.stages_of(7)]
    removed = vendor.hard_delete("jobs", 7)
    assert set(removed) == {("jobs", 7)} | {("applications", a) for a in job_apps} | {("stages", s) for s in job_stages}
    assert vendor.counts()["applications"] == counts["applications"] - len(job_apps)
    assert 7 not in {j["id"] for j in _all_jobs(client)}
    assert client.get("/api/jobs/7/stages").status_code == 404


def test_create_candidate_and_its_422s(client: httpx.Client, vendor: Vendor) -> None:
    body = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "emails": [{"address": "ada@new.example", "kind": "work"}],
        "phones": [{"number": "+44 20 7946 0000", "kind": "work"}],
        "source": "Referral",
    }
    r = client.post("/api/candidates", json=body)
    assert r.status_code == 201
    created = r.json()
    assert created["id"] == "c_301" and created["emails"] == body["emails"] and created["created_at"].endswith("Z")
    assert vendor.counts()["candidates"] == 301
    dup = client.post("/api/candidates", json={**body, "emails": [{"address": "ADA@new.example"}]})
    assert dup.status_code == 422
    assert dup.json() == {"errors": [{"field": "emails[0].address", "message": "has already been taken"}]}
    blank = client.post("/api/candidates", json={"first_name": "", "emails": []})
    assert blank.status_code == 422
    assert [e["field"] for e in blank.json()["errors"]] == ["first_name", "last_name"]
    assert client.post("/api/candidates", content=b"not json").status_code == 400


def test_create_application_409_404_and_default_stage(client: httpx.Client, vendor: Vendor) -> None:
    cand = client.post("/api/candidates", json={"first_name": "Bo", "last_name": "Li"}).json()
    r = client.post("/api/applications", json={"candidate_id": cand["id"], "job_id": 3})
    assert r.status_code == 201
    app = r.json()
    assert app["stage_id"] == vendor.tenant.stages_of(3)[0]["id"] and app["status"] == "active"
    again = client.post("/api/applications", json={"candidate_id": cand["id"], "job_id": 3})
    assert again.status_code == 409 and again.json() == {"error": "already applied"}
    missing = client.post("/api/applications", json={"candidate_id": cand["id"], "job_id": 9999})
    assert missing.status_code == 404 and missing.json() == {"error": "job not found"}
    other_stage = vendor.tenant.stages_of(4)[1]["id"]
    bad = client.post("/api/applications", json={"candidate_id": cand["id"], "job_id": 5, "stage_id": other_stage})
    assert bad.status_code == 422
    chosen = vendor.tenant.stages_of(5)[2]["id"]
    ok = client.post("/api/applications", json={"candidate_id": cand["id"], "job_id": 5, "stage_id": chosen})
    assert ok.status_code == 201 and ok.json()["stage_id"] == chosen


def test_attachment_is_multipart_and_notes_are_json(client: httpx.Client, vendor: Vendor) -> None:
    aid = next(iter(vendor.tenant.rows["applications"]))
    r = client.post(
        f"/api/applications/{aid}/attachments",
        data={"kind": "resume"},
        files={"file": ("cv.pdf", b"%PDF-1.4 hello", "application/pdf")},
    )
    assert r.status_code == 201
    assert r.json() == {"id": 1, "name": "cv.pdf", "size": 14}
    stored = vendor.tenant.attachments[0]
    assert stored["data"] == b"%PDF-1.4 hello" and stored["kind"] == "resume" and stored["application_id"] == aid
    as_json = client.post(f"/api/applications/{aid}/attachments", json={"kind": "resume"})
    assert as_json.status_code == 415
    bad_kind = client.post(
        f"/api/applications/{aid}/attachments", data={"kind": "photo"}, files={"file": ("a.png", b"x", "image/png")}
    )
    assert bad_kind.status_code == 422
    assert (
        client.post(
            "/api/applications/99999/attachments", data={"kind": "resume"}, files={"file": ("cv.pdf", b"x")}
        ).status_code
        == 404
    )
    note = client.post("/api/candidates/c_3/notes", json={"body": "Result: https://example.org/r/1"})
    assert note.status_code == 201 and note.json()["candidate_id"] == "c_3"
    assert vendor.tenant.notes[0]["body"] == "Result: https://example.org/r/1"
    assert client.post("/api/candidates/c_3/notes", json={"body": " "}).status_code == 422
    assert client.post("/api/candidates/c_9999/notes", json={"body": "x"}).status_code == 404


def test_rate_limit_headers_always_and_optional_429() -> None:
    now = [1_800_000_000.0]
    with Vendor(candidates=10, rate_limit=3, rate_window=60, clock=lambda: now[0]) as v:
        c = httpx.Client(base_url=v.base_url, headers=v.auth_headers())
        statuses = [c.get("/api/users") for _ in range(4)]
        assert [r.status_code for r in statuses] == [200, 200, 200, 429]
        assert [r.headers["X-RateLimit-Remaining"] for r in statuses] == ["2", "1", "0", "0"]
        assert statuses[0].headers["X-RateLimit-Limit"] == "3"
        assert statuses[0].headers["X-RateLimit-Reset"] == str(1_800_000_060)
        assert statuses[3].headers["Retry-After"] == "60" and statuses[3].json() == {"error": "rate limited"}
        now[0] += 61
        assert c.get("/api/users").status_code == 200
        c.close()


def test_default_vendor_reports_but_does_not_limit(client: httpx.Client) -> None:
    for _ in range(5):
        r = client.get("/api/users", params={"limit": 1})
        assert r.status_code == 200
    assert int(r.headers["X-RateLimit-Remaining"]) < int(r.headers["X-RateLimit-Limit"])
    assert int(r.headers["X-RateLimit-Reset"]) > time.time()


def test_request_log(client: httpx.Client, vendor: Vendor) -> None:
    client.get("/api/users", params={"limit": 5, "offset": 10})
    client.get("/api/jobs/2/stages")
    httpx.get(vendor.base_url + "/api/jobs")
    client.post("/api/candidates/c_1/notes", json={"body": "hi"})
    log = [(r.method, r.path, r.query, r.status) for r in vendor.requests]
    assert log == [
        ("GET", "/api/users", {"limit": "5", "offset": "10"}, 200),
        ("GET", "/api/jobs/2/stages", {}, 200),
        ("GET", "/api/jobs", {}, 401),
        ("POST", "/api/candidates/c_1/notes", {}, 201),
    ]
    assert len(vendor.requests_to("/api/jobs")) == 2 and len(vendor.requests_to("/api/candidates", "POST")) == 1


def test_parse_iso_forms() -> None:
    assert parse_iso("2026-01-01T00:00:00Z") == parse_iso("2026-01-01T01:00:00+01:00") == 1_767_225_600
    assert parse_iso("2026-01-01T00:00:00") == 1_767_225_600
    assert parse_iso("2026-01-01T00:00:00.500Z") == 1_767_225_600.5


def test_stop_frees_the_port() -> None:
    v = Vendor(candidates=5).start()
    url = v.base_url
    with httpx.Client() as c:  # a kept-alive connection must not keep the server up
        assert c.get(url + "/api/users", headers=v.auth_headers()).status_code == 200
        v.stop()
        with pytest.raises(httpx.TransportError):
            c.get(url + "/api/users", headers=v.auth_headers())


def test_next_links_keep_the_filters(client: httpx.Client) -> None:
    pivot = "2025-06-01T00:00:00Z"
    jobs = client.get("/api/jobs", params={"page_size": 5, "updated_after": pivot})
    nxt = _links(jobs.headers["Link"])["next"]
    assert "updated_after=" in nxt
    assert all(parse_iso(j["updated_at"]) >= parse_iso(pivot) for j in client.get(nxt).json())
    apps = client.get("/api/applications", params={"limit": 5, "updated_after": pivot}).json()
    later = client.get(apps["next"]).json()["items"]
    assert later and all(parse_iso(a["updated_at"]) >= parse_iso(pivot) for a in later)
