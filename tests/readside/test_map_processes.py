"""Pages mapped in forked processes give the store, the report and the checkpoints of one process."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from unimap import pagemap
from unimap.errors import SyncInterrupted
from unimap.pagemap import processes_for
from unimap.service import Unimap
from unimap.sync import SyncReport

from .helpers import MODELS, connect, snapshot

SIZE = 500  # candidates: several pages of candidates and applications


def _report(report: SyncReport) -> dict[str, Any]:
    """What a report says, without timings."""
    return {m: {k: v for k, v in data.items() if k != "seconds"} for m, data in report.as_dict()["models"].items()}


def _sync(um: Unimap, iid: str, monkeypatch: pytest.MonkeyPatch, processes: str, **kwargs: Any) -> SyncReport:
    monkeypatch.setenv("UNIMAP_MAP_PROCESSES", processes)
    return um.sync(iid, **kwargs)


def test_processes_store_and_report_what_one_process_does(make_sandbox, tmp_path: Path, monkeypatch) -> None:
    sb = make_sandbox(size=SIZE)
    started: list[int] = []
    original = pagemap.MappingPool.__init__

    def spy(self: pagemap.MappingPool, *args: Any) -> None:
        original(self, *args)
        started.append(self.processes)

    monkeypatch.setattr(pagemap.MappingPool, "__init__", spy)
    stores = {}
    for processes in ("off", "2"):
        um = Unimap(f"sqlite:///{tmp_path / f'{processes}.db'}")
        iid = connect(um, sb)
        # numbers as phone types: every candidate with a phone is skipped and named, in record order
        um.configure(iid, {"phone_types": dict.fromkeys(("primary", "mobile", "work", "other", "fax"), 5)})
        report = _sync(um, iid, monkeypatch, processes, full=True)
        stores[processes] = (snapshot(um, iid), _report(report), report.models["candidate"].skipped_ids)
        checkpoints = {m: um.store.checkpoint(iid, m)["cursor"] for m in MODELS}
        stores[processes] += (checkpoints,)
        um.close()
    assert stores["off"][1]["candidate"]["skipped"] > 0
    assert stores["off"][1]["candidate"]["warnings"]
    assert started == [2]  # the second sync mapped in two processes, the first in its own
    assert stores["2"] == stores["off"]


def test_a_cancelled_sync_with_processes_resumes_to_the_same_store(make_sandbox, tmp_path: Path, monkeypatch) -> None:
    sb = make_sandbox(size=SIZE)
    whole = Unimap(f"sqlite:///{tmp_path / 'whole.db'}")
    whole_iid = connect(whole, sb)
    _sync(whole, whole_iid, monkeypatch, "off", full=True)

    um = Unimap(f"sqlite:///{tmp_path / 'cancelled.db'}")
    iid = connect(um, sb)
    cancel = threading.Event()

    def progress(model: str, fetched: int, total: int | None) -> None:
        if model == "candidate":
            cancel.set()  # after the first committed page of candidates

    with pytest.raises(SyncInterrupted) as stopped:
        _sync(um, iid, monkeypatch, "2", full=True, cancel=cancel, progress=progress)
    assert stopped.value.report.interrupted
    stored = len(list(um.export("candidate", iid)))
    assert 0 < stored < SIZE
    report = _sync(um, iid, monkeypatch, "2", full=True)
    assert report.ok, report.as_dict()
    assert snapshot(um, iid) == snapshot(whole, whole_iid)
    um.close()
    whole.close()


@pytest.mark.parametrize(
    ("setting", "per_minute", "page_size", "expected"),
    [
        ("off", 0, 200, 0),
        ("0", 0, 200, 0),
        ("3", 350, 200, 3),
        ("auto", 350, 200, 0),  # OTYS's real limit: 1,167 records/s, one core keeps up
    ],
)
def test_how_many_processes_a_sync_starts(setting: str, per_minute: float, page_size: int, expected: int) -> None:
    assert processes_for(setting, per_minute, page_size) == expected


def test_auto_uses_every_core_only_when_the_vendor_allows_more_than_one_core_of_records(monkeypatch) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert processes_for("auto", 0, 200) == 3  # no limit
    assert processes_for("auto", 3500, 200) == 3  # 10× OTYS: 11,667 records/s
    assert processes_for("auto", 350, 200) == 0
    assert processes_for("auto", 0, 200, stored=50_000) == 3  # a big integration
    assert processes_for("auto", 0, 200, stored=2_000) == 0  # a small one: forking costs more than it saves
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0}, raising=False)
    assert processes_for("auto", 0, 200) == 0  # one core: nothing to gain


def test_a_bad_process_count_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="map processes must be a number, 'auto' or 'off'"):
        processes_for("many", 0, 200)
