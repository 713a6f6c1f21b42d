"""``auto`` mapping processes for a big first sync: decided from the vendor's announced total."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from unimap import pagemap
from unimap.pagemap import processes_for
from unimap.service import Unimap

from .helpers import connect, snapshot

SIZE = 500  # candidates: the sandbox announces 500 on the first page


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The process counts of every mapping pool started (two cores, no limit, ``auto``)."""
    counts: list[int] = []
    original = pagemap.MappingPool.__init__

    def spy(self: pagemap.MappingPool, *args: Any) -> None:
        original(self, *args)
        counts.append(self.processes)

    monkeypatch.setattr(pagemap.MappingPool, "__init__", spy)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setenv("UNIMAP_MAP_PROCESSES", "auto")
    return counts


def test_an_empty_store_forks_once_the_vendor_announces_a_big_model(
    make_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[int]
) -> None:
    sb = make_sandbox(size=SIZE)
    monkeypatch.setenv("UNIMAP_MAP_PROCESSES", "off")
    alone = Unimap(f"sqlite:///{tmp_path / 'alone.db'}")
    alone_iid = connect(alone, sb)
    assert alone.sync(alone_iid, full=True).ok
    assert started == []

    monkeypatch.setenv("UNIMAP_MAP_PROCESSES", "auto")
    monkeypatch.setattr(pagemap, "AUTO_MIN_RECORDS", SIZE)  # candidates announce 500: big enough
    um = Unimap(f"sqlite:///{tmp_path / 'auto.db'}")
    iid = connect(um, sb)
    um.configure(iid, {"requests_per_minute": 0})  # no limit: records arrive faster than one core maps them
    report = um.sync(iid, full=True)
    assert report.ok, report.as_dict()
    assert started == [2]  # one pool, started by the first model announcing enough, for the whole sync
    assert snapshot(um, iid) == snapshot(alone, alone_iid)
    um.close()
    alone.close()


def test_a_small_first_sync_does_not_fork(make_sandbox, tmp_path: Path, started: list[int]) -> None:
    sb = make_sandbox(size=SIZE)  # 500 announced, under AUTO_MIN_RECORDS
    um = Unimap(f"sqlite:///{tmp_path / 'small.db'}")
    iid = connect(um, sb)
    um.configure(iid, {"requests_per_minute": 0})
    assert um.sync(iid, full=True).ok
    assert started == []
    um.close()


def test_an_announced_total_counts_like_stored_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    big = pagemap.AUTO_MIN_RECORDS
    assert processes_for("auto", 0, 200, stored=big) == 2
    assert processes_for("auto", 0, 200, stored=big - 1) == 0
    assert processes_for("auto", 350, 200, stored=10 * big) == 0  # OTYS's real limit: one core keeps up
    assert processes_for("off", 0, 200, stored=10 * big) == 0


def test_the_collector_is_paused_while_pages_map_and_restored_after() -> None:
    import gc
    import threading

    from unimap.pagemap import collector_paused

    assert gc.isenabled()
    inside = threading.Event()
    release = threading.Event()

    def other_page() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other_page)
    with collector_paused():
        assert not gc.isenabled()
        worker.start()
        assert inside.wait(5)
    assert not gc.isenabled(), "another thread's page is still mapping"
    release.set()
    worker.join(5)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled(), "a collector the caller turned off stays off"
    finally:
        gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
