"""The Procrastinate app: one sync job per integration, locks, schedules, retries and stalled-job recovery.

* ``unimap.sync`` syncs one integration. Every job of an integration carries the lock
  ``sync:<integration>``, so two syncs of one integration never run at once, whatever the number of
  workers or machines, and the queueing lock ``sync:<integration>:<kind>``, so at most one sync per
  integration and kind waits in the queue (:func:`enqueue_sync` answers ``already_queued``). The sync
  itself also holds a PostgreSQL advisory lock on the integration for as long as it runs, so even a job
  retried because its (slow, not dead) worker missed heartbeats cannot overlap it: it is ``busy`` and
  queued again.
* A failed sync is deferred again with exponential backoff (``RETRY_WAITS``); when a sync of that
  kind already waits, that one is the retry.
* ``unimap.schedule`` (periodic, every few seconds, run by one worker) defers the delta and full syncs
  due per integration: intervals stored per integration (``store.schedule``), else the worker's defaults.
* ``unimap.recover`` (periodic) finds jobs of workers that stopped sending heartbeats (killed), marks
  them failed and defers the sync again: another worker resumes it from the page checkpoint.

The job arguments never hold the store URL (it may carry a password): workers know their store.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import procrastinate
import psycopg
from procrastinate import App, JobContext
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.tasks import configure_task

from unimap import errors
from unimap.store.base import redact_url

log = logging.getLogger("unimap.worker")
jobs_log = logging.getLogger("unimap.worker.jobs")

QUEUE = "unimap"
SYNC_TASK = "unimap.sync"
RETRY_WAITS = (5, 20, 60, 300)  # seconds before the 2nd, 3rd, 4th and 5th attempt
SCHEMA_LOCK = 0x756E696D6170 + 1
ADVISORY_NAMESPACE = 0x756E6900  # pg_advisory_lock(namespace, hashtext(integration id)): one sync at a time


def sync_lock(integration_id: str) -> str:
    """The lock every sync job of an integration holds."""
    return f"sync:{integration_id}"


def queueing_lock(integration_id: str, kind: str) -> str:
    """The queueing lock: at most one waiting sync per integration and kind."""
    return f"sync:{integration_id}:{kind}"


@dataclass
class Runtime:
    """What a worker process knows: its store URL, schedule defaults, and the stop flag."""

    store_url: str | None = None
    delta_every: float = 300.0
    full_every: float = 86400.0
    stalled_after: float = 30.0
    concurrency: int = 1
    cancel: threading.Event = field(default_factory=threading.Event)
    _service: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def service(self) -> Any:
        """The process's :class:`~unimap.service.Unimap` over the shared store (opened once)."""
        with self._lock:
            if self._service is None:
                from unimap.service import Unimap
                from unimap.store.postgres import PostgresStore

                if not self.store_url:
                    raise errors.ConfigError("this worker has no store URL")
                # each sync writes up to a few models at once, each in a transaction of its own
                store = PostgresStore(self.store_url, max_connections=max(10, 5 * self.concurrency + 2))
                self._service = Unimap(store=store)
            return self._service

    def close(self) -> None:
        with self._lock:
            if self._service is not None:
                self._service.close()
                self._service = None


RUNTIME = Runtime()
app = App(connector=procrastinate.PsycopgConnector(), import_paths=["unimap.worker.app"])


# -- the schema --------------------------------------------------------------------------------


def ensure_schema(url: str) -> None:
    """Create Procrastinate's tables in the store's database unless they exist (one process at a time)."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            exists = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if exists and exists[0] is None:
                conn.execute(app.schema_manager.get_schema().encode())
    except psycopg.Error as exc:
        raise errors.StoreError(
            f"cannot prepare the job queue in {redact_url(url)}: {str(exc).strip().splitlines()[0]}"
        ) from None


def deferring_app(url: str) -> App:
    """An opened app that defers jobs from synchronous code (``unimap serve``, the CLI)."""
    ensure_schema(url)
    other = App(connector=procrastinate.SyncPsycopgConnector(conninfo=url, min_size=1, max_size=4))
    other.open()  # no tasks of its own: jobs are deferred by name through its job manager
    return other


# -- deferring ---------------------------------------------------------------------------------


@dataclass
class Enqueued:
    """What deferring a sync did: the job id, and whether a sync of that kind was already waiting."""

    job_id: int | None
    already_queued: bool
    kind: str


def enqueue_sync(
    deferrer: App,
    integration_id: str,
    kind: str = "delta",
    *,
    reason: str = "request",
    attempt: int = 1,
    delay: float = 0,
) -> Enqueued:
    """Defer a ``kind`` sync of ``integration_id`` unless one of that kind already waits."""
    options: dict[str, Any] = {
        "queue": QUEUE,
        "lock": sync_lock(integration_id),
        "queueing_lock": queueing_lock(integration_id, kind),
    }
    if delay:
        options["schedule_in"] = {"seconds": delay}
    try:
        job_id = configure_task(name=SYNC_TASK, job_manager=deferrer.job_manager, **options).defer(
            integration_id=integration_id, kind=kind, reason=reason, attempt=attempt
        )
        return Enqueued(job_id, False, kind)
    except AlreadyEnqueued:
        return Enqueued(waiting_job(deferrer, integration_id, kind), True, kind)


async def enqueue_sync_async(
    worker_app: App, integration_id: str, kind: str, *, reason: str, attempt: int = 1, delay: float = 0
) -> Enqueued:
    """:func:`enqueue_sync` from inside a worker (async)."""
    options: dict[str, Any] = {
        "queue": QUEUE,
        "lock": sync_lock(integration_id),
        "queueing_lock": queueing_lock(integration_id, kind),
    }
    if delay:
        options["schedule_in"] = {"seconds": delay}
    try:
        job_id = await configure_task(name=SYNC_TASK, job_manager=worker_app.job_manager, **options).defer_async(
            integration_id=integration_id, kind=kind, reason=reason, attempt=attempt
        )
        return Enqueued(job_id, False, kind)
    except AlreadyEnqueued:
        return Enqueued(None, True, kind)


def waiting_job(deferrer: App, integration_id: str, kind: str) -> int | None:
    """The id of the sync of that kind waiting in the queue (if any)."""
    jobs = deferrer.job_manager.list_jobs(queueing_lock=queueing_lock(integration_id, kind), status="todo")
    return jobs[0].id if jobs else None


# -- the sync task -----------------------------------------------------------------------------


def _log_job(**fields: Any) -> None:
    """One structured line per job."""
    jobs_log.info(json.dumps(fields, separators=(",", ":"), default=str))


class _Stopped(Exception):
    """The worker is stopping: the sync ends after the page it just committed (and is queued again)."""


def _stop_when_cancelled(model: str, fetched: int, total: int | None) -> None:
    """A sync ``progress`` callback, called after each committed page, that stops the sync on SIGTERM."""
    if RUNTIME.cancel.is_set():
        raise _Stopped(f"stopped after a page of {model} ({fetched} fetched): the worker is shutting down")


def _supports_cancel() -> bool:
    from unimap.service import Unimap

    return "cancel" in inspect.signature(Unimap.sync).parameters


class SyncFailed(errors.UnimapError):
    """A sync job did not succeed (its next attempt, if any, is already deferred)."""


@app.task(name=SYNC_TASK, queue=QUEUE, pass_context=True)
def sync_integration(
    context: JobContext, integration_id: str, kind: str = "delta", reason: str = "request", attempt: int = 1
) -> dict[str, Any]:
    """Sync one integration (``kind``: delta or full); a failure defers the next attempt with backoff."""
    started = time.monotonic()
    line: dict[str, Any] = {
        "job": context.job.id,
        "integration": integration_id,
        "kind": kind,
        "reason": reason,
        "attempt": attempt,
        "records": 0,
        "requests": 0,
        "seconds": 0.0,
        "outcome": "failed",
    }
    result: dict[str, Any] = {}
    holder = _hold_integration(integration_id)
    if holder is None:  # a sync of it still runs (on a worker taken for dead, say): try again shortly
        line.update(
            outcome="busy",
            retry_in=_defer_again(
                integration_id, kind, reason=reason, attempt=attempt, delay=max(5.0, RUNTIME.stalled_after)
            ),
        )
    else:
        try:
            result = _run_sync(line, integration_id, kind, attempt)
        finally:
            holder.close()  # ends the session: releases the integration's lock
    line["seconds"] = round(time.monotonic() - started, 3)
    _log_job(**line)
    if line["outcome"] != "success":
        raise SyncFailed(line.get("error") or line["outcome"])
    return result


def _hold_integration(integration_id: str) -> psycopg.Connection[Any] | None:
    """A session holding the integration's advisory lock (``None`` if another session holds it).

    Procrastinate's job lock already keeps two sync jobs of one integration from running; this lock
    also holds when a slow worker is taken for dead and its job retried: the database releases it
    only when the session that took it ends (a killed worker's connection closes at once).
    """
    conn = psycopg.connect(RUNTIME.store_url or "", autocommit=True, connect_timeout=10)
    try:
        deadline = time.monotonic() + 10
        while True:
            row = conn.execute(
                "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (ADVISORY_NAMESPACE, integration_id)
            ).fetchone()
            if row and row[0]:
                return conn
            if time.monotonic() >= deadline:
                conn.close()
                return None
            time.sleep(0.5)
    except BaseException:
        conn.close()
        raise


def _run_sync(line: dict[str, Any], integration_id: str, kind: str, attempt: int) -> dict[str, Any]:
    """Run the sync, filling in the job's log ``line``; queues the next attempt after a failure."""
    try:
        if _supports_cancel():
            options: dict[str, Any] = {"cancel": RUNTIME.cancel}
        else:  # stop after the page being written: the engine reports progress once a page is committed
            options = {"progress": _stop_when_cancelled}
        report = RUNTIME.service().sync(integration_id, full=kind == "full", **options)
        line.update(
            records=sum(m.fetched for m in report.models.values()), requests=report.requests, sync_id=report.sync_id
        )
        errs = [f"{n}: {m.error}" for n, m in report.models.items() if m.error]
        if errs:
            line["error"] = "; ".join(errs)[:500]
            line["retry_in"] = _defer_again(integration_id, kind, reason="retry", attempt=attempt + 1)
        else:
            line["outcome"] = "success"
        return {"sync_id": report.sync_id}
    except errors.IntegrationNotFound as exc:  # deleted meanwhile: nothing to retry
        line["error"] = str(exc)
    except BaseException as exc:
        interrupted = (_Stopped, getattr(errors, "SyncInterrupted", _Stopped))
        if isinstance(exc, interrupted):  # stopped after a page: resume elsewhere
            line["outcome"] = "interrupted"
            _defer_again(integration_id, kind, reason="resume", attempt=attempt, delay=0)
        else:
            line["error"] = f"{type(exc).__name__}: {exc}"[:500]
            line["retry_in"] = _defer_again(integration_id, kind, reason="retry", attempt=attempt + 1)
    return {}


def _defer_again(integration_id: str, kind: str, *, reason: str, attempt: int, delay: float | None = None) -> Any:
    """Defer the next attempt (``None`` once attempts are exhausted); called from the job's thread."""
    if delay is None:
        if attempt > len(RETRY_WAITS) + 1:
            return None
        delay = RETRY_WAITS[attempt - 2]
    deferrer = _thread_deferrer()
    try:
        enqueue_sync(deferrer, integration_id, kind, reason=reason, attempt=attempt, delay=delay)
    except Exception as exc:  # the job's own outcome matters more than its retry
        log.warning("could not defer the next %s sync of %s: %s", kind, integration_id, exc)
        return None
    return delay


_DEFERRERS: dict[str, App] = {}
_DEFERRERS_LOCK = threading.Lock()


def _thread_deferrer() -> App:
    """A synchronous deferring app for job threads (one per process)."""
    url = RUNTIME.store_url or ""
    with _DEFERRERS_LOCK:
        if url not in _DEFERRERS:
            _DEFERRERS[url] = deferring_app(url)
        return _DEFERRERS[url]


# -- periodic tasks ----------------------------------------------------------------------------


def busy_integrations(url: str) -> set[str]:
    """Integrations with a sync job queued (due now) or running."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT DISTINCT args->>'integration_id' FROM procrastinate_jobs WHERE task_name = %s "
            "AND (status = 'doing' OR (status = 'todo' AND (scheduled_at IS NULL OR "
            "scheduled_at <= now())))",
            (SYNC_TASK,),
        ).fetchall()
    return {r[0] for r in rows}


def due_syncs(service: Any, now: float, delta_every: float, full_every: float) -> list[tuple[str, str]]:
    """``(integration, kind)`` of every sync due at ``now`` by each integration's (or the default) schedule."""
    from unimap.schedule import SyncHistory

    busy = busy_integrations(RUNTIME.store_url) if RUNTIME.store_url else set()
    out: list[tuple[str, str]] = []
    for integration in service.store.integrations():
        if integration.id in busy:  # queued or running: the schedule waits for it
            continue
        schedule = service.store.schedule(integration.id)
        delta = delta_every if schedule["delta_every"] is None else float(schedule["delta_every"])
        full = full_every if schedule["full_every"] is None else float(schedule["full_every"])
        if delta <= 0 and full <= 0:
            continue
        history = SyncHistory()
        history.merge(service.store.syncs(integration.id, 50))
        kind = history.due(now, delta, full)
        if kind:
            out.append((integration.id, kind))
    return out


@app.periodic(cron="* * * * * */5", periodic_id="schedule")
@app.task(name="unimap.schedule", queue=QUEUE, queueing_lock="unimap.schedule", pass_context=True)
async def schedule_syncs(context: JobContext, timestamp: int) -> int:
    """Defer the syncs due now (each integration's stored schedule, else the worker's defaults)."""
    import asyncio

    due = await asyncio.to_thread(due_syncs, RUNTIME.service(), time.time(), RUNTIME.delta_every, RUNTIME.full_every)
    deferred = 0
    for integration_id, kind in due:
        deferred += not (await enqueue_sync_async(context.app, integration_id, kind, reason="schedule")).already_queued
    return deferred


@app.periodic(cron="* * * * * */5", periodic_id="recover")
@app.task(name="unimap.recover", queue=QUEUE, queueing_lock="unimap.recover", pass_context=True)
async def recover_stalled(context: JobContext, timestamp: int) -> int:
    """Jobs of killed workers (no heartbeat for ``stalled_after`` s): mark them failed and defer them again."""
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(task_name=SYNC_TASK, seconds_since_heartbeat=RUNTIME.stalled_after)
    count = 0
    for job in stalled:
        args: dict[str, Any] = dict(job.task_kwargs)
        with contextlib.suppress(Exception):
            await manager.finish_job(job, status=procrastinate.jobs.Status.FAILED, delete_job=False)
        await enqueue_sync_async(
            context.app,
            args["integration_id"],
            args.get("kind", "delta"),
            reason="recovered",
            attempt=int(args.get("attempt", 1)),
        )
        _log_job(
            job=job.id,
            integration=args["integration_id"],
            kind=args.get("kind"),
            records=None,
            requests=None,
            seconds=None,
            outcome="stalled",
            reason="the worker running it stopped",
        )
        count += 1
    return count


def configure_logging(level: int = logging.INFO) -> None:
    """Job lines on stderr as they are (JSON), Procrastinate's own chatter at warnings only."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    jobs_log.handlers[:] = [handler]
    jobs_log.setLevel(level)
    jobs_log.propagate = False
    other = logging.StreamHandler(sys.stderr)
    other.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("unimap", "procrastinate"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(other)
    logging.getLogger("unimap").setLevel(level)
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
