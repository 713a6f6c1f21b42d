"""Creating and deleting candidate tags (``POST /v3/candidate_tags``, ``DELETE /v3/candidate_tags/{id}``)."""

from __future__ import annotations

from typing import Any

from unimap_connectors.greenhouse.sandbox import Sandbox

from .conftest import Api


def _errors(resp: Any) -> dict[str | None, str]:
    assert resp.status_code == 422, resp.text
    return {e["field"]: e["message"] for e in resp.json()["errors"]}


def test_create_a_tag(api: Api) -> None:
    resp = api.post("/v3/candidate_tags", {"name": "  Speaks Klingon "})
    assert resp.status_code == 201, resp.text
    tag = resp.json()
    assert set(tag) == {"id", "name", "created_at", "updated_at"} and tag["name"] == "Speaks Klingon"
    assert tag["created_at"].endswith("Z")
    assert api.rows("candidate_tags", ids=str(tag["id"])) == [tag]
    since = api.rows("candidate_tags", updated_at=f"gte|{tag['updated_at']}")
    assert [t["id"] for t in since] == [tag["id"]]


def test_create_a_tag_validation(api: Api) -> None:
    assert "name" in _errors(api.post("/v3/candidate_tags", {"name": "CAMPUS"}))  # names are unique, ignoring case
    assert "name" in _errors(api.post("/v3/candidate_tags", {"name": "   "}))
    assert "name" in _errors(api.post("/v3/candidate_tags", {}))
    assert "colour" in _errors(api.post("/v3/candidate_tags", {"name": "x", "colour": "red"}))
    assert "name" in _errors(api.post("/v3/candidate_tags", {"name": "x" * 256}))


def test_delete_a_tag_takes_it_off_every_candidate(api: Api, greenhouse_sandbox: Sandbox) -> None:
    tag = next(
        t for t in api.all("candidate_tags") if api.rows("applied_candidate_tags", candidate_tag_ids=str(t["id"]))
    )
    holders = [r["candidate_id"] for r in api.all("applied_candidate_tags", candidate_tag_ids=str(tag["id"]))]
    before = {c["id"]: c["updated_at"] for c in api.rows("candidates", ids=",".join(map(str, holders[:50])))}
    gone = api.delete(f"/v3/candidate_tags/{tag['id']}")
    assert gone.status_code == 200 and gone.json() == {"message": f"Candidate tag {tag['id']} deleted successfully"}
    assert api.rows("candidate_tags", ids=str(tag["id"])) == []
    assert api.rows("applied_candidate_tags", candidate_tag_ids=str(tag["id"])) == []
    for cand in api.rows("candidates", ids=",".join(map(str, holders[:50]))):
        assert tag["name"] not in cand["tags"]
        assert cand["updated_at"] > before[cand["id"]]
    assert api.delete(f"/v3/candidate_tags/{tag['id']}").status_code == 404


def test_tag_writes_need_their_scopes(api: Api, greenhouse_sandbox: Sandbox) -> None:
    tag = api.all("candidate_tags")[0]
    greenhouse_sandbox.remove_scope("harvest:candidate_tags:create")
    greenhouse_sandbox.remove_scope("harvest:candidate_tags:destroy")
    try:
        assert api.post("/v3/candidate_tags", {"name": "scoped"}).status_code == 403
        assert api.delete(f"/v3/candidate_tags/{tag['id']}").status_code == 403
    finally:
        greenhouse_sandbox.add_scope("harvest:candidate_tags:create")
        greenhouse_sandbox.add_scope("harvest:candidate_tags:destroy")
    assert api.post("/v3/candidate_tags", {"name": "scoped"}).status_code == 201
