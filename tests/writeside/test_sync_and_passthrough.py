"""Created records in later syncs ("sync only created applications"), and passthrough."""

from __future__ import annotations

import json
from typing import Any

import pytest

from unimap.errors import RemoteInputInvalid

from .conftest import Env, P

NEW = {"first_name": "Tr", "last_name": "Acked", "email_address": "tracked@example.com"}


def ids(records: list[dict[str, Any]]) -> list[str]:
    return sorted(r["id"] for r in records)


@pytest.mark.parametrize("full", [False, True], ids=["delta", "full"])
def test_created_records_keep_their_ids_in_the_next_sync(env: Env, full: bool) -> None:
    created = env.run("create_application", {"job_id": env.job()["id"], "candidate": NEW}).data
    report = env.sync(full=full)
    candidates = env.records("candidate")
    [cand] = [c for c in candidates if c["remote_id"] == created["candidate"]["remote_id"]]
    assert cand["id"] == created["candidate"]["id"] == created["candidate_id"]
    [application] = [a for a in env.records("application") if a["remote_id"] == created["remote_id"]]
    assert application["id"] == created["id"]
    assert application["candidate_id"] == cand["id"]
    assert [a["id"] for a in cand["applications"]] == [created["id"]]
    assert len(candidates) == env.sb.tenant.count("CandidateService")
    if not full:
        assert report.models["candidate"].fetched >= 1


def test_sync_only_created_applications_lists_only_created_ones(env: Env) -> None:
    everyone = env.records("candidate")
    assert len(everyone) > 10
    env.configure(sync_only_created_applications=True)
    assert env.records("candidate") == [] and env.records("application") == []

    created = env.run("create_application", {"job_id": env.job()["id"], "candidate": NEW}).data
    env.sync()
    assert ids(env.records("candidate")) == [created["candidate_id"]]
    assert ids(env.records("application")) == [created["id"]]
    # other models are not filtered
    assert len(env.records("job")) == env.sb.tenant.count("VacancyService")

    # a candidate created through create_candidate is tracked too, and the listing follows OTYS changes
    other = env.run(
        "create_candidate",
        {
            "candidate": {**NEW, "email_address": "second@example.com"},
            "application": {"job_id": env.job(index=1)["id"]},
        },
    ).data
    env.sb.tenant.update("CandidateService", other["remote_id"], {"Person": {"lastName": "Renamed"}})
    env.sync()
    listed = env.records("candidate")
    assert ids(listed) == sorted([created["candidate_id"], other["id"]])
    assert {c["last_name"] for c in listed} == {"Acked", "Renamed"}
    assert ids(env.records("application")) == sorted([created["id"], other["applications"][0]["id"]])

    env.configure(sync_only_created_applications=None)
    assert len(env.records("candidate")) == len(everyone) + 2


# -- passthrough -----------------------------------------------------------------------------------


def test_passthrough_get_detail_returns_the_raw_record(env: Env) -> None:
    uid = env.sb.tenant.uids("CandidateService")[5]
    response = env.um.passthrough(P + "CandidateService.getDetail", [uid], env.integration_id)
    assert response["status"] == 200
    assert response["url"] == env.sb.jservice_url
    assert response["data"]["result"] == json.loads(json.dumps(env.sb.tenant.get("CandidateService", uid)))
    assert "x-orl-requests-remaining" in {k.lower() for k in response["headers"]}
    assert all(isinstance(v, str | list) for v in response["headers"].values())
    assert env.writes() == {}


def test_passthrough_returns_vendor_errors_raw(env: Env) -> None:
    response = env.um.passthrough(P + "CandidateService.getDetail", ["0" * 32], env.integration_id)
    assert response["status"] == 200
    assert "not found" in response["data"]["error"]["message"]


def test_passthrough_to_the_own_host_by_absolute_url(env: Env) -> None:
    response = env.um.passthrough("check", [], env.integration_id, path=env.sb.jservice_url)
    assert response["data"]["result"]["clientId"] == env.sb.settings.client_id


@pytest.mark.parametrize(
    "path",
    [
        "https://ows.example.net/jservice.php",
        "//evil.example/jservice.php",
        "https://127.0.0.1:{port}/jservice.php",
        "http://127.0.0.1:{port}@evil.example/",
    ],
)
def test_passthrough_to_another_host_is_refused(env: Env, path: str) -> None:
    path = path.format(port=env.sb.port)
    with pytest.raises(RemoteInputInvalid, match="not this integration's host"):
        env.um.passthrough("check", [], env.integration_id, path=path)
    assert sum(env.sb.stats.requests.values()) == 0
