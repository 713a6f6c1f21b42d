"""Sources, incremental cursors, deletion checks and the keyset paginator, through ``httpx.MockTransport``.

A small in-memory REST vendor answers every request in-process; the connector is YAML written by
the test. Each test syncs through the real engine and store, and asserts on the store and on the
requests the vendor saw.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from unimap.config import Config
from unimap.engine import Engine
from unimap.errors import SyncInterrupted
from unimap.service import Unimap
from unimap.timeutil import format_utc

CONNECTOR = """\
kind: connector
name: mock
transport: {type: rest, base_url: "http://vendor.test"}
auth: {type: bearer, token: "{credentials.token}"}
credentials: [{name: token, secret: true}]
paginator: {type: page_number, page_param: page, size_param: per_page, page_size: 3}
lookups:
  departments:
    request: {path: /departments}
    records: body
    key: to_text(id)
    value: name
settings: {}
"""
USERS = """\
kind: model
model: user
source:
  type: list
  request: {path: /users}
  records: body.users
  total: body.total
  id_field: id
  incremental:
    field: updated_at
    overlap_seconds: 60
    query: {updated_after: cursor.since}
  deletions:
    type: id_recheck
    max_ids: 2
    query: {ids: "join(',', ids[].to_string(@))"}
fields:
  remote_id: to_text(id)
  first_name: name
  last_name: "lookup('departments', to_text(dept))"
  email: "`null`"
  status: "'ACTIVE'"
  system_roles: "`[]`"
"""
JOBS = """\
kind: model
model: job
source:
  type: list
  request: {path: /jobs}
  paginator: {type: none}
  records: body
  id_field: id
fields:
  remote_id: to_text(id)
  name: title
"""
STAGES = """\
kind: model
model: application_stage
source:
  type: fan_out
  parent: job
  request: {path: "/jobs/{parent.id}/stages"}
  paginator: {type: none}
  records: body
  parent_id: to_text(parent().id)
  order: position
fields:
  remote_id: to_text(id)
  name: "join(' / ', [parent().title, name])"
  status: "'ACTIVE'"
  custom_fields: "`{}`"
"""
TEAM = """\
kind: model
model: job_hiring_team_member
source:
  type: union
  sources:
    - {type: list, request: {path: /owners}, paginator: {type: none}, records: body}
    - {type: list, request: {path: /managers}, paginator: {type: none}, records: body}
fields:
  remote_id: "join(':', [to_text(job), to_text(user)])"
  job_id: "ref('job', to_text(job))"
  user_id: "ref('user', to_text(user))"
  roles: "[{remote_id: role, remote_label: role, unified_type: role, scope: 'JOB'}]"
"""
NOW = datetime.now(UTC)


def stamp(minutes_ago: float) -> str:
    return format_utc(NOW - timedelta(minutes=minutes_ago))


class Vendor:
    """The in-memory vendor: users (paged, filterable), jobs with nested stages, team rows, departments."""

    def __init__(self, users: int = 8) -> None:
        self.users: dict[int, dict[str, Any]] = {
            i: {"id": i, "name": f"User {i}", "dept": i % 2, "updated_at": stamp(100 - i)} for i in range(1, users + 1)
        }
        self.jobs = {10: {"id": 10, "title": "Dev"}, 11: {"id": 11, "title": "Ops"}}
        self.stages = {
            10: [{"id": 101, "name": "Screen", "position": 2}, {"id": 100, "name": "Apply", "position": 1}],
            11: [{"id": 110, "name": "Call", "position": 1}],
        }
        self.owners = [{"job": 10, "user": 1, "role": "RECRUITER"}]
        self.managers = [
            {"job": 10, "user": 1, "role": "HIRING_MANAGER"},
            {"job": 11, "user": 2, "role": "HIRING_MANAGER"},
        ]
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.total_override: int | None = None
        self.bad_records: list[Any] = []
        self.departments_down = False
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, query = request.url.path, dict(request.url.params)
        with self.lock:
            self.requests.append((path, query))
        assert request.headers["authorization"] == "Bearer s3cret"
        if path == "/users":
            return self._users(query)
        if path == "/jobs":
            return httpx.Response(200, json=list(self.jobs.values()))
        if path.startswith("/jobs/") and path.endswith("/stages"):
            return httpx.Response(200, json=self.stages[int(path.split("/")[2])])
        if path == "/owners":
            return httpx.Response(200, json=self.owners)
        if path == "/managers":
            return httpx.Response(200, json=self.managers)
        if path == "/departments":
            if self.departments_down:
                return httpx.Response(503, json={"message": "down"})
            return httpx.Response(200, json=[{"id": 0, "name": "Sales"}, {"id": 1, "name": "Tech"}])
        return httpx.Response(404, json={"message": "no such path"})

    def _users(self, query: dict[str, str]) -> httpx.Response:
        rows = sorted(self.users.values(), key=lambda u: u["id"])
        if "ids" in query:
            wanted = {int(i) for i in query["ids"].split(",")}
            assert len(wanted) <= 2, "more ids than max_ids"
            rows = [u for u in rows if u["id"] in wanted]
            return httpx.Response(200, json={"users": rows, "total": len(rows)})
        if "updated_after" in query:
            rows = [u for u in rows if u["updated_at"] >= query["updated_after"]]
        total = len(rows) if self.total_override is None else self.total_override
        page, size = int(query.get("page", 1)), int(query.get("per_page", 3))
        chunk = [*rows, *self.bad_records][(page - 1) * size : page * size]
        return httpx.Response(
            200, content=orjson.dumps({"users": chunk, "total": total}), headers={"content-type": "application/json"}
        )


@pytest.fixture
def setup(clean_env: Path, tmp_path: Path) -> tuple[Unimap, str, Vendor, dict[str, Any]]:
    root = tmp_path / "mock"
    (root / "models").mkdir(parents=True)
    (root / "connector.yaml").write_text(CONNECTOR, encoding="utf-8")
    for name, text in {"users": USERS, "jobs": JOBS, "stages": STAGES, "team": TEAM}.items():
        (root / "models" / f"{name}.yaml").write_text(text, encoding="utf-8")
    engine = Engine(config=Config(spec_dirs=[root]))
    um = Unimap(f"sqlite:///{tmp_path / 'store.db'}", engine=engine)
    vendor = Vendor()
    options: dict[str, Any] = {"transport": httpx.MockTransport(vendor), "sleep": lambda s: None}
    integration = um.connect("mock", {"token": "s3cret"}, check=False, integration_id="mock:t")
    yield um, integration.id, vendor, options
    um.close()


def live(um: Unimap, iid: str, model: str) -> dict[str, dict[str, Any]]:
    return {r["remote_id"]: r for r in um.export(model, iid)}


def test_a_full_sync_reads_every_source_kind(setup: Any) -> None:
    um, iid, vendor, options = setup
    report = um.sync(iid, full=True, **options)
    assert report.ok, report.as_dict()
    assert set(live(um, iid, "user")) == {str(i) for i in range(1, 9)}
    assert live(um, iid, "user")["3"]["last_name"] == "Tech", "lookups resolve"
    stages = live(um, iid, "application_stage")
    assert stages["101"]["name"] == "Dev / Screen", "the mapping sees the fan-out parent"
    jobs = live(um, iid, "job")
    assert [s["remote_id"] for s in jobs["10"]["stages"]] == ["100", "101"], "own stages, in `order`"
    assert [s["index"] for s in jobs["10"]["stages"]] == [0, 1]
    assert [s["remote_id"] for s in jobs["11"]["stages"]] == ["110"]
    team = live(um, iid, "job_hiring_team_member")
    assert sorted(r["unified_type"] for r in team["10:1"]["roles"]) == ["HIRING_MANAGER", "RECRUITER"], (
        "union rows with the same id merge"
    )
    pages = [q.get("page") for p, q in vendor.requests if p == "/users"]
    assert pages == ["1", "2", "3"], "three pages of three, the last one short"
    fan_out = [p for p, _ in vendor.requests if p.endswith("/stages")]
    assert sorted(fan_out) == ["/jobs/10/stages", "/jobs/11/stages"], "one request per parent"


def test_a_second_sync_changes_nothing(setup: Any) -> None:
    um, iid, _vendor, options = setup
    um.sync(iid, full=True, **options)
    before = {
        (m, r["id"]): r["changed_at"]
        for m in ("user", "job", "application_stage", "job_hiring_team_member")
        for r in um.export(m, iid)
    }
    report = um.sync(iid, full=True, **options)
    assert all(r.created == r.changed == r.deleted == 0 for r in report.models.values()), report.as_dict()
    after = {
        (m, r["id"]): r["changed_at"]
        for m in ("user", "job", "application_stage", "job_hiring_team_member")
        for r in um.export(m, iid)
    }
    assert after == before


def test_a_delta_asks_for_changes_since_the_cursor_less_the_overlap(setup: Any) -> None:
    um, iid, vendor, options = setup
    um.sync(iid, full=True, **options)
    vendor.requests.clear()
    vendor.users[2]["name"], vendor.users[2]["updated_at"] = "Renamed", stamp(1)
    report = um.sync(iid, **options)
    assert report.models["user"].kind == "delta"
    [(_, query)] = [(p, q) for p, q in vendor.requests if p == "/users"]
    newest = vendor.users[8]["updated_at"]
    expected = format_utc(datetime.fromisoformat(newest.replace("Z", "+00:00")) - timedelta(seconds=60))
    assert query["updated_after"] == expected
    assert report.models["user"].changed == 1
    assert live(um, iid, "user")["2"]["first_name"] == "Renamed"


def test_a_future_timestamp_never_moves_the_cursor(setup: Any) -> None:
    um, iid, vendor, options = setup
    vendor.users[4]["updated_at"] = "2030-01-01T00:00:00.000Z"
    report = um.sync(iid, full=True, **options)
    assert any("in the future" in w for w in report.models["user"].warnings)
    cursor = um.store.checkpoint(iid, "user")["cursor"]
    assert cursor is not None and cursor < format_utc(datetime.now(UTC) + timedelta(minutes=1))
    vendor.users[5]["name"], vendor.users[5]["updated_at"] = "Edited", stamp(0)
    um.sync(iid, **options)
    assert live(um, iid, "user")["5"]["first_name"] == "Edited", "an ordinary edit is still seen"


def test_deletions_are_rechecked_by_id_in_chunks(setup: Any) -> None:
    um, iid, vendor, options = setup
    um.sync(iid, full=True, **options)
    for uid in (2, 3, 4):
        vendor.users.pop(uid)
    vendor.requests.clear()
    report = um.sync(iid, full=True, **options)
    assert report.ok, report.as_dict()
    assert report.models["user"].deleted == 3
    rechecks = [q["ids"] for p, q in vendor.requests if p == "/users" and "ids" in q]
    assert sorted(rechecks) == ["2,3", "4"], "at most max_ids ids per re-check"
    assert set(live(um, iid, "user")) == {"1", "5", "6", "7", "8"}


@pytest.mark.parametrize("bad", [None, {"id": None, "name": "x"}, {"id": {"n": 1}}, {"name": "no id"}, "text"])
def test_an_unidentifiable_record_blocks_deletions_and_fails_the_model(setup: Any, bad: Any) -> None:
    um, iid, vendor, options = setup
    um.sync(iid, full=True, **options)
    vendor.users.clear()  # a broken answer: every user looks gone ...
    vendor.bad_records = [bad]  # ... and one record has no usable id
    report = um.sync(iid, full=True, **options)
    assert not report.ok and "deletion detection was skipped" in (report.models["user"].error or "")
    assert len(live(um, iid, "user")) == 8, "nothing was marked deleted"


def test_fewer_records_than_announced_are_rechecked_not_deleted(setup: Any) -> None:
    um, iid, vendor, options = setup
    um.sync(iid, full=True, **options)
    vendor.total_override = 20
    report = um.sync(iid, full=True, **options)
    assert report.models["user"].deleted == 0
    assert any("announced 20" in w for w in report.models["user"].warnings)


def test_a_mass_deletion_needs_allow_mass_delete(setup: Any) -> None:
    um, iid, vendor, options = setup
    for i in range(9, 41):
        vendor.users[i] = {"id": i, "name": f"User {i}", "dept": 0, "updated_at": stamp(1)}
    um.sync(iid, full=True, **options)
    for i in range(9, 41):
        vendor.users.pop(i)
    report = um.sync(iid, full=True, **options)
    assert "more than 20%" in (report.models["user"].error or "")
    assert len(live(um, iid, "user")) == 40
    report = um.sync(iid, full=True, allow_mass_delete=True, **options)
    assert report.models["user"].deleted == 32
    assert len(live(um, iid, "user")) == 8


def test_a_failed_lookup_uses_its_last_good_copy(setup: Any) -> None:
    um, iid, vendor, options = setup
    um.sync(iid, full=True, **options)
    vendor.departments_down = True
    vendor.users[3]["updated_at"] = stamp(0)
    report = um.sync(iid, full=True, **options)
    assert report.ok, report.as_dict()
    assert any("used the copy" in w for w in report.warnings)
    assert live(um, iid, "user")["3"]["last_name"] == "Tech", "never mapped without the lookup"


def test_a_lookup_that_never_loaded_fails_the_models_that_read_it(setup: Any) -> None:
    um, iid, vendor, options = setup
    vendor.departments_down = True
    report = um.sync(iid, full=True, **options)
    assert "departments" in (report.models["user"].error or "")
    assert report.models["job"].error is None
    assert live(um, iid, "user") == {}


def test_cancel_stops_after_a_committed_page_and_the_next_sync_resumes(setup: Any) -> None:
    um, iid, vendor, options = setup
    cancel = threading.Event()
    seen: list[int] = []

    def progress(model: str, done: int, total: int | None) -> None:
        if model == "user":
            seen.append(done)
            cancel.set()

    with pytest.raises(SyncInterrupted) as stopped:
        um.sync(iid, full=True, cancel=cancel, progress=progress, models=["user"], **options)
    assert stopped.value.report.interrupted
    assert um.store.syncs(iid)[0]["status"] == "interrupted"
    assert len(live(um, iid, "user")) == 3, "the first page is stored"
    vendor.requests.clear()
    report = um.sync(iid, full=True, models=["user"], **options)
    assert report.ok and len(live(um, iid, "user")) == 8
    assert next(q.get("page") for p, q in vendor.requests if p == "/users") == "2", "resumed at page 2"
