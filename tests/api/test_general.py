"""Passthrough, force-sync, check-api-key, integrations, syncs, keys and tenancy, limits, error bodies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from kombo import errors as kerrors

from unimap.api.auth import KeyStore

from .conftest import A, B, Live, NoWaitUnimap

LIST_CALL = {
    "method": "Otys.Services.CandidateService.getListEx",
    "params": [{"what": {"uid": 1}, "limit": 2, "offset": 0}],
}


# -- passthrough ---------------------------------------------------------------------------


def test_passthrough_json_rpc_with_the_stored_session(live: Live) -> None:
    response = live.kombo().general.send_passthrough_request(
        tool="otys", api="json-rpc", method="POST", path="/jservice.php", data=LIST_CALL
    )
    assert response.warnings == []
    assert response.data.status == 200
    assert response.data.url.startswith(live.sandboxes[A].base_url)
    assert isinstance(response.data.headers, dict)
    rows = response.data.data["result"]["listOutput"]
    assert [r["uid"] for r in rows] == live.sandboxes[A].tenant.uids("CandidateService")[:2]


def test_passthrough_reports_rpc_errors_in_data(live: Live) -> None:
    response = live.kombo().general.send_passthrough_request(
        tool="otys",
        api="json-rpc",
        method="POST",
        path="/jservice.php",
        data={"method": "Otys.Services.CandidateService.getDetail", "params": ["no-such-uid"]},
    )
    assert response.data.status == 200
    assert "error" in response.data.data


@pytest.mark.parametrize(
    "tool, api, body",
    [
        ("personio", "v1", {"method": "POST", "path": "/jservice.php", "data": LIST_CALL}),
        ("otys", "json-rpc", {"method": "GET", "path": "/jservice.php", "data": LIST_CALL}),
        ("otys", "json-rpc", {"method": "POST", "path": "https://elsewhere.example/x", "data": LIST_CALL}),
        ("otys", "json-rpc", {"method": "POST", "path": "/jservice.php", "data": {"params": []}}),
        ("otys", "json-rpc", {"method": "POST", "path": "/jservice.php", "data": {"method": "X", "params": {}}}),
    ],
)
def test_passthrough_input_errors(live: Live, tool: str, api: str, body: dict[str, Any]) -> None:
    with live.http() as http:
        response = http.post(f"/passthrough/{tool}/{api}", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"


def test_passthrough_remote_outage_is_a_general_scope_503(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A,), service_cls=NoWaitUnimap)
    live.sandboxes[A].fail_next("CandidateService.getListEx", 50, "503")
    with pytest.raises(kerrors.KomboGeneralError) as caught:
        live.kombo().general.send_passthrough_request(
            tool="otys", api="json-rpc", method="POST", path="/jservice.php", data=LIST_CALL
        )
    assert caught.value.raw_response.status_code == 503
    assert caught.value.data.error.code is None  # the general scope has no REMOTE.* codes
    assert "REMOTE.SERVICE_UNAVAILABLE" in caught.value.data.error.message


# -- check-api-key, integrations, force-sync, syncs -----------------------------------------------


def test_check_api_key(live: Live) -> None:
    first = live.kombo("a").general.check_api_key().data.environment_id
    assert first == live.kombo("b", B).general.check_api_key().data.environment_id
    assert len(first) == 24
    with pytest.raises(kerrors.KomboGeneralError) as caught:
        live.kombo("uk_nope_nope").general.check_api_key()
    assert caught.value.data.error.code == "PLATFORM.AUTHENTICATION_INVALID"
    assert caught.value.raw_response.status_code == 401


def test_integration_details_parse_in_the_sdk(live: Live) -> None:
    details = live.kombo().general.get_integration_details(integration_id=A).data
    assert details.id == A
    assert details.tool.id == "otys"
    assert details.setup_status == "COMPLETED"
    models = {m.id: m for m in details.read_models}
    assert models["ats_jobs"].is_available
    fields = {f.id: f.coverage_status for f in models["ats_jobs"].fields}
    assert fields["name"] == "SUPPORTED" and fields["employment_type"] == "UNSUPPORTED"
    assert {a.id for a in details.write_actions} >= {"ats_create_application", "ats_add_candidate_result_link"}
    with live.http() as http:
        sync = http.get(f"/integrations/{A}").json()["data"]["sync"]
    assert sync["last_sync"]["status"] == "success" and sync["running"] is None


class GatedStore:
    """The store, with a gate that holds every sync at its first checkpoint read."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.gate = threading.Event()
        self.gate.set()

    def checkpoint(self, *args: Any, **kwargs: Any) -> Any:
        self.gate.wait(60)
        return self._store.checkpoint(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_force_sync_never_runs_two_syncs_of_one_integration(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A, B), wrap_store=GatedStore)
    store: GatedStore = live.service.store  # type: ignore[assignment]
    k = live.kombo()
    store.gate.clear()
    try:
        first = k.general.trigger_sync(type_="FULL").data
        assert first.already_queued is False and first.type == "FULL"
        again = k.general.trigger_sync(type_="DELTA").data
        assert again.already_queued is True
        assert (again.sync_id, again.type) == (first.sync_id, "FULL")
        other = live.kombo("b", B).general.trigger_sync(type_="DELTA").data  # another integration may run
        assert other.already_queued is False and other.sync_id != first.sync_id
        with live.http() as http:
            status = http.get("/syncs").json()["data"]
        assert status["running"]["sync_id"] == first.sync_id
        assert status["syncs"][0]["id"] == first.sync_id and status["syncs"][0]["status"] == "running"
    finally:
        store.gate.set()
    assert live.scheduler.wait_idle(60)
    with live.http() as http:
        status = http.get("/syncs", params={"limit": 2}).json()["data"]
    assert status["running"] is None
    assert [(s["id"], s["type"], s["status"]) for s in status["syncs"]] == [
        (first.sync_id, "FULL", "success"),
        (status["syncs"][1]["id"], "FULL", "success"),
    ]
    later = k.general.trigger_sync(type_="DELTA").data
    assert later.already_queued is False and later.type == "DELTA" and later.sync_id != first.sync_id
    assert live.scheduler.wait_idle(60)


def test_lists_wait_for_the_first_sync(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A,), synced=())
    k = live.kombo()
    with pytest.raises(kerrors.KomboAtsError) as caught:
        k.ats.get_jobs()
    assert caught.value.data.error.code == "INTEGRATION.SETUP_SYNC_PENDING"
    assert caught.value.raw_response.status_code == 409
    assert k.general.get_integration_details(integration_id=A).data.setup_status == "FINAL_SYNC_PENDING"
    started = k.general.trigger_sync().data
    assert started.type == "FULL" and not started.already_queued
    assert live.scheduler.wait_idle(60)
    assert len(k.ats.get_jobs().result.data.results) == live.sandboxes[A].tenant.count("VacancyService")


def test_the_schedule_syncs_new_integrations(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A,), synced=(), delta_every=3600, full_every=86400, scheduler_tick=0.05)
    finished = threading.Event()
    for _ in range(600):  # the first full sync starts on the first tick
        if live.service.store.has_finished_sync(A):
            finished.set()
            break
        finished.wait(0.05)
    assert finished.is_set()
    assert live.scheduler.wait_idle(60)
    [first] = live.service.store.syncs(A)
    assert (first["kind"], first["status"]) == ("full", "success")
    assert live.scheduler.due(live.scheduler.clock()) == []


@pytest.mark.parametrize("body", [{"type": "WEEKLY"}, {"type": 3}])
def test_force_sync_rejects_unknown_types(live: Live, body: dict[str, Any]) -> None:
    with live.http() as http:
        response = http.post("/force-sync", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"


# -- keys and tenancy ------------------------------------------------------------------------------


def test_a_key_reaches_only_its_integrations(live: Live) -> None:
    a_on_b = live.kombo("a", B)
    calls: list[Callable[[], Any]] = [
        lambda: a_on_b.ats.get_jobs(),
        lambda: a_on_b.ats.create_application(
            job_id="remote:1", candidate={"first_name": "A", "last_name": "B", "email_address": "a@example.com"}
        ),
        lambda: a_on_b.ats.add_candidate_result_link(candidate_id="C", label="L", url="https://x.example"),
    ]
    for call in calls:
        with pytest.raises(kerrors.KomboAtsError) as caught:
            call()
        assert caught.value.data.error.code == "PLATFORM.INTEGRATION_NOT_FOUND"
        assert caught.value.raw_response.status_code == 404
    general: list[Callable[[], Any]] = [
        lambda: a_on_b.general.trigger_sync(),
        lambda: a_on_b.general.send_passthrough_request(
            tool="otys", api="json-rpc", method="POST", path="/jservice.php", data=LIST_CALL
        ),
        lambda: live.kombo("a").general.get_integration_details(integration_id=B),
        lambda: live.kombo("all").general.get_integration_details(integration_id="otys:Nope"),
    ]
    for call in general:
        with pytest.raises(kerrors.KomboGeneralError) as caught_general:
            call()
        assert caught_general.value.data.error.code == "PLATFORM.INTEGRATION_NOT_FOUND"
    assert live.kombo("b", B).ats.get_jobs().result.data.results
    assert live.kombo("all", A).ats.get_jobs().result.data.results
    assert live.kombo("all", B).general.get_integration_details(integration_id=B).data.id == B
    with pytest.raises(kerrors.KomboAtsError) as unknown:
        live.kombo("all", "otys:Nope").ats.get_users()
    assert unknown.value.data.error.code == "PLATFORM.INTEGRATION_NOT_FOUND"
    with pytest.raises(kerrors.KomboAtsError) as missing:
        live.kombo("a", None).ats.get_users()
    assert missing.value.data.error.code == "PLATFORM.INTEGRATION_NOT_FOUND"


@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer", "Bearer uk_x_y", "Bearer something"])
def test_missing_or_wrong_keys_are_401(live: Live, header: str | None) -> None:
    import httpx

    headers = {"X-Integration-Id": A} | ({"Authorization": header} if header else {})
    response = httpx.get(live.url + "/ats/jobs", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "PLATFORM.AUTHENTICATION_INVALID"


def test_revoked_keys_stop_working(live: Live) -> None:
    keys = KeyStore(live.service.store)
    key, record = keys.create([A], "short-lived")
    assert live.kombo(key).ats.get_users().result.data.results
    keys.revoke(record.id)
    with pytest.raises(kerrors.KomboAtsError) as caught:
        live.kombo(key).ats.get_users()
    assert caught.value.data.error.code == "PLATFORM.AUTHENTICATION_INVALID"
    assert caught.value.raw_response.status_code == 401


def test_keys_are_stored_hashed(live: Live) -> None:
    rows = live.service.store.db.execute("SELECT id, hash FROM api_keys").fetchall()
    stored = {r["hash"] for r in rows}
    for key in live.keys.values():
        assert key not in stored
        assert key.split("_")[1] in {r["id"] for r in rows}


def test_rate_limit_is_a_429_with_retry_after(make_live: Callable[..., Live]) -> None:
    live = make_live(integrations=(A,), rate_limit=3)
    k = live.kombo()
    for _ in range(3):
        k.ats.get_application_stages()
    with pytest.raises(kerrors.KomboAtsError) as caught:
        k.ats.get_application_stages()
    assert caught.value.data.error.code == "PLATFORM.RATE_LIMIT_EXCEEDED"
    assert caught.value.raw_response.status_code == 429
    assert 1 <= int(caught.value.raw_response.headers["Retry-After"]) <= 60
    with pytest.raises(kerrors.KomboGeneralError) as general:
        k.general.check_api_key()
    assert general.value.data.error.code == "PLATFORM.RATE_LIMIT_EXCEEDED"
    assert live.kombo("all").general.check_api_key().data.environment_id  # another key has its own budget


# -- error bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/ats/interviews", 404),
        ("GET", "/nothing/here", 404),
        ("GET", "/force-sync", 405),
        ("DELETE", "/ats/jobs", 405),
        ("PUT", "/ats/candidates", 405),
    ],
)
def test_routing_errors_are_json_envelopes(live: Live, method: str, path: str, status: int) -> None:
    with live.http() as http:
        response = http.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error" and body["error"]["message"]
