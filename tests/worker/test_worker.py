"""``unimap worker``: queued syncs run, one per integration at a time, killed workers' syncs resume elsewhere."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import time
from datetime import datetime

from readside.helpers import connect, snapshot, tenant_counts

from unimap.api.scheduler import QueueScheduler, SyncScheduler
from unimap.service import Unimap
from unimap.worker.app import due_syncs
from unimap.worker.queue import SyncQueue

from .conftest import wait_for


def _epoch(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def test_the_queueing_lock_keeps_one_waiting_sync_per_integration_and_kind(pg_url, make_sandbox):
    sb = make_sandbox()
    with Unimap(pg_url) as um:
        iid = connect(um, sb)
        queue = SyncQueue(pg_url)
        try:
            first, again, delta = (queue.enqueue(iid, "full"), queue.enqueue(iid, "full"), queue.enqueue(iid, "delta"))
            assert not first.already_queued and again.already_queued and again.job_id == first.job_id
            assert not delta.already_queued and delta.job_id != first.job_id
            assert sorted((j.kind, j.public()["status"]) for j in queue.jobs()) == [
                ("delta", "queued"),
                ("full", "queued"),
            ]
        finally:
            queue.close()


def test_a_burst_worker_runs_the_queue_and_logs_one_line_per_job(pg_url, make_sandbox, start_worker):
    sb = make_sandbox()
    with Unimap(pg_url) as um:
        iids = [connect(um, sb, f"otys:burst{i}") for i in range(3)]
        queue = SyncQueue(pg_url)
        for iid in iids:
            queue.enqueue(iid, "full")
        queue.enqueue(iids[0], "delta")
        worker = start_worker(pg_url, "--burst", "--concurrency", "2", "--full-every", "0", "--delta-every", "0")
        assert worker.proc.wait(120) == 0
        for iid in iids:
            assert {m: um.store.count(iid, m) for m in tenant_counts(sb)} == tenant_counts(sb)
        lines = worker.lines()
        assert sorted((line["integration"], line["kind"]) for line in lines) == sorted(
            [(i, "full") for i in iids] + [(iids[0], "delta")]
        )
        for line in lines:
            assert line["outcome"] == "success" and line["records"] > 0 and line["requests"] > 0
            assert line["seconds"] > 0 and line["job"]
        assert queue.jobs() == []  # nothing queued, running or failed
        queue.close()


def test_many_workers_never_run_two_syncs_of_one_integration_at_once(pg_url, make_sandbox, start_worker):
    sb = make_sandbox(size=120, faults="hang=1:0.01")
    with Unimap(pg_url) as um:
        iids = [connect(um, sb, f"otys:lock{i}") for i in range(10)]
        workers = [
            start_worker(pg_url, "--concurrency", "2", "--full-every", "0", "--delta-every", "0") for _ in range(3)
        ]
        scheduler = SyncScheduler(um)
        assert isinstance(scheduler, QueueScheduler)
        already = 0
        for round_ in range(6):  # a stream of forced syncs, several per integration while others run
            for iid in iids:
                _, was = scheduler.request(iid, "full" if round_ % 2 else "delta", reason="force-sync")
                already += was
            time.sleep(0.3)
        assert scheduler.wait_idle(240)
        scheduler.stop()
        for worker in workers:
            assert worker.stop() == 0
        ran = 0
        for iid in iids:
            rows = sorted(um.store.syncs(iid, 1000), key=lambda r: r["id"])
            assert rows and all(r["status"] == "success" for r in rows), [r["status"] for r in rows]
            for before, after in itertools.pairwise(rows):
                assert _epoch(before["finished_at"]) <= _epoch(after["started_at"]), (iid, before, after)
            ran += len(rows)
            assert {m: um.store.count(iid, m) for m in tenant_counts(sb)} == tenant_counts(sb)
        assert ran >= 20 and already > 0
        lines = [line for w in workers for line in w.lines()]
        assert len({line["integration"] for line in lines}) == 10
        assert len({id(w) for w in workers if w.lines()}) >= 2  # the work was shared


def test_a_killed_worker_sync_resumes_elsewhere_and_ends_like_a_clean_run(pg_url, make_sandbox, start_worker, tmp_path):
    sb = make_sandbox(seed=5, size=1200, faults="hang=1:0.05")
    with Unimap(f"sqlite:///{tmp_path / 'clean.db'}") as clean:
        assert clean.sync(connect(clean, sb, "otys:kill"), full=True).ok
        expected = snapshot(clean, "otys:kill")
    with Unimap(pg_url) as um:
        iid = connect(um, sb, "otys:kill")
        queue = SyncQueue(pg_url)
        queue.enqueue(iid, "full")
        victim = start_worker(pg_url, "--full-every", "0", "--delta-every", "0")
        wait_for(
            lambda: (um.store.checkpoint(iid, "candidate")["run"] or {}).get("fetched", 0) >= 200,
            120,
            what="a candidate page checkpoint",
        )
        victim.stop(signal.SIGKILL)
        rescuer = start_worker(pg_url, "--full-every", "0", "--delta-every", "0")
        wait_for(lambda: um.store.has_finished_sync(iid), 180, what="the resumed sync")
        assert rescuer.stop() == 0
        statuses = [r["status"] for r in um.store.syncs(iid)]
        assert statuses[0] == "success" and "interrupted" in statuses
        assert [line["outcome"] for line in rescuer.lines() if line.get("integration") == iid][-1] == "success"
        assert any(line["outcome"] == "stalled" for line in rescuer.lines())
        assert snapshot(um, iid) == expected
        assert {m: um.store.count(iid, m, include_deleted=True) for m in tenant_counts(sb)} == tenant_counts(sb)
        queue.close()


def test_sigterm_stops_after_the_current_page_and_the_sync_resumes(pg_url, make_sandbox, start_worker, tmp_path):
    sb = make_sandbox(seed=5, size=1200, faults="hang=1:0.05")
    with Unimap(f"sqlite:///{tmp_path / 'clean.db'}") as clean:
        assert clean.sync(connect(clean, sb, "otys:term"), full=True).ok
        expected = snapshot(clean, "otys:term")
    with Unimap(pg_url) as um:
        iid = connect(um, sb, "otys:term")
        queue = SyncQueue(pg_url)
        queue.enqueue(iid, "full")
        worker = start_worker(pg_url, "--full-every", "0", "--delta-every", "0")
        wait_for(
            lambda: (um.store.checkpoint(iid, "candidate")["run"] or {}).get("fetched", 0) >= 200,
            120,
            what="a candidate page checkpoint",
        )
        started = time.monotonic()
        assert worker.stop(signal.SIGTERM, timeout=60) == 0
        assert time.monotonic() - started < 20  # it did not sync the rest first
        assert [line["outcome"] for line in worker.lines()] == ["interrupted"]
        assert um.store.syncs(iid)[0]["status"] == "interrupted"  # stopped on request after a committed page
        offset = um.store.checkpoint(iid, "candidate")["run"]["fetched"]
        assert offset % 200 == 0 and offset < 1200  # a whole page boundary, short of the end
        assert [(j.kind, j.reason) for j in queue.jobs(statuses=("todo",))] == [("full", "resume")]
        again = start_worker(pg_url, "--burst", "--full-every", "0", "--delta-every", "0")
        assert again.proc.wait(180) == 0
        assert [line["outcome"] for line in again.lines()] == ["success"]
        assert snapshot(um, iid) == expected
        queue.close()


def test_schedules_stored_per_integration_drive_the_workers(pg_url, make_sandbox, start_worker):
    sb = make_sandbox()
    with Unimap(pg_url) as um:
        often, never = connect(um, sb, "otys:often"), connect(um, sb, "otys:never")
        um.store.set_schedule(never, delta_every=0, full_every=0)
        assert due_syncs(um, time.time(), 300, 86400) == [(often, "full")]
        um.store.set_schedule(often, delta_every=1, full_every=0)
        worker = start_worker(pg_url, "--concurrency", "2")
        wait_for(lambda: len(um.store.syncs(often)) >= 3, 90, what="scheduled syncs")
        assert worker.stop() == 0
        kinds = [r["kind"] for r in reversed(um.store.syncs(often))]
        assert kinds[0] == "full" and "delta" in kinds[1:]
        assert um.store.syncs(never) == []


def test_the_worker_needs_a_postgres_store(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "unimap", "worker", "--store", f"sqlite:///{tmp_path}/x.db"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "PostgreSQL" in result.stderr and "Traceback" not in result.stderr


def test_a_failed_sync_is_retried_with_backoff(pg_url, make_sandbox, start_worker):
    sb = make_sandbox()
    with Unimap(pg_url) as um:
        iid = connect(um, sb, "otys:retry")
        sb.fail_next("CandidateService.getListEx", 1000, "error")
        queue = SyncQueue(pg_url)
        queue.enqueue(iid, "full")
        worker = start_worker(pg_url, "--full-every", "0", "--delta-every", "0")
        wait_for(lambda: worker.lines(), 120, what="the first attempt")
        first = worker.lines()[0]
        assert first["outcome"] == "failed" and first["retry_in"] == 5 and "candidate" in first["error"]
        retry = wait_for(
            lambda: [j for j in queue.jobs(statuses=("todo",)) if j.reason == "retry"], 30, what="the queued retry"
        )
        assert retry[0].scheduled_at is not None
        assert [j.public()["status"] for j in queue.jobs(statuses=("failed",))] == ["failed"]
        assert worker.stop() == 0
        queue.close()


def test_a_sync_waits_while_another_session_holds_the_integration(pg_url, make_sandbox, start_worker):
    import psycopg

    from unimap.worker.app import ADVISORY_NAMESPACE

    sb = make_sandbox()
    with Unimap(pg_url) as um, psycopg.connect(pg_url, autocommit=True) as holder:
        iid = connect(um, sb, "otys:held")
        holder.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (ADVISORY_NAMESPACE, iid))
        queue = SyncQueue(pg_url)
        queue.enqueue(iid, "full")
        worker = start_worker(pg_url, "--full-every", "0", "--delta-every", "0")
        wait_for(lambda: worker.lines(), 90, what="the first attempt")
        assert worker.lines()[0]["outcome"] == "busy" and um.store.syncs(iid) == []
        holder.execute("SELECT pg_advisory_unlock_all()")
        wait_for(lambda: um.store.has_finished_sync(iid), 90, what="the sync after the lock was released")
        assert worker.stop() == 0
        assert [line["outcome"] for line in worker.lines()] == ["busy", "success"]
        queue.close()
