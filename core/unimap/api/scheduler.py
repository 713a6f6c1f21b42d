"""Background syncs: each integration kept fresh on a schedule, never two syncs of one at once.

A delta sync runs every ``delta_every`` seconds and a full one every ``full_every`` seconds
(0 disables either), counted from the last successful sync in the store, so a restarted
server carries on where the last one stopped. An integration that never finished a sync
gets a full one as soon as either schedule is on. ``request()`` starts a sync now, unless
one of that integration is already running (``already_queued``).

Several processes may serve one SQLite store (``unimap serve --workers N``, ``shared=True``): one
of them (whichever holds the store's scheduler lock) runs the schedule, another takes over when it
exits, and a sync of an integration runs in one process at a time (a per-integration lock file next
to the store); a process asked for a sync another one runs answers ``already_queued``.

On a PostgreSQL store, ``SyncScheduler(service)`` is a :class:`QueueScheduler`: ``request()``
defers a job to the Procrastinate queue that ``unimap worker`` processes (``already_queued`` comes
from the queueing lock), and the schedules run in the workers, so any number of ``serve``
processes and workers share one store.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from unimap.errors import UnimapError
from unimap.schedule import SyncHistory

log = logging.getLogger("unimap.api.scheduler")


@dataclass
class SyncJob:
    """One sync run started by the scheduler."""

    integration_id: str
    kind: str  # "full" or "delta"
    reason: str
    sync_id: int | None = None
    error: str | None = None
    job_id: int | None = None  # the queued job (PostgreSQL stores)
    models: list[str] | None = None  # only these models (e.g. what a vendor webhook said changed)
    started: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    cancel: threading.Event = field(default_factory=threading.Event)  # set: stop after the current page

    @property
    def type(self) -> str:
        """Kombo's spelling of the kind: FULL or DELTA."""
        return self.kind.upper()


class _RecordingStore:
    """The store, passed to a sync so the scheduler learns the sync id as soon as it exists."""

    def __init__(self, store: Any, job: SyncJob) -> None:
        self._store = store
        self._job = job

    def start_sync(self, integration_id: str, kind: str) -> int:
        sync_id = int(self._store.start_sync(integration_id, kind))
        self._job.sync_id = sync_id
        self._job.started.set()
        return sync_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class ProcessLock:
    """An advisory lock file shared by the processes serving one store (taken without waiting)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this process holds the lock."""
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if no other process holds it; whether this process holds it now."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock up (closing the file releases it)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def _lock_prefix(service: Any, shared: bool) -> str | None:
    """Where the lock files of processes sharing a SQLite file store live (``None``: not shared)."""
    path = getattr(getattr(service, "store", None), "path", None)
    if not shared or not isinstance(path, str) or path == ":memory:" or _queue_url(service):
        return None
    return os.path.abspath(path)


def _queue_url(service: Any) -> str | None:
    """The store URL when syncs go through the job queue (a PostgreSQL store), else ``None``."""
    from unimap.store.base import is_postgres_url

    url = getattr(getattr(service, "store", None), "url", None)
    return url if isinstance(url, str) and is_postgres_url(url) else None


class SyncScheduler:
    """Runs syncs of a :class:`~unimap.service.Unimap` service in background threads."""

    def __new__(cls, service: Any, *args: Any, **kwargs: Any) -> SyncScheduler:
        if cls is SyncScheduler and _queue_url(service):
            return super().__new__(QueueScheduler)
        return super().__new__(cls)

    def __init__(
        self,
        service: Any,
        *,
        delta_every: float = 300,
        full_every: float = 86400,
        tick: float = 1.0,
        clock: Callable[[], float] = time.time,
        sync_options: dict[str, Any] | None = None,
        shared: bool = False,
    ) -> None:
        self.service = service
        self.delta_every = delta_every
        self.full_every = full_every
        self.tick = tick
        self.clock = clock
        self.sync_options = dict(sync_options or {})
        self.running: dict[str, SyncJob] = {}
        self.last_error: dict[str, str] = {}
        self._history: dict[str, SyncHistory] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._workers: set[threading.Thread] = set()
        self._prefix = _lock_prefix(service, shared)
        self._leader = ProcessLock(f"{self._prefix}.scheduler.lock") if self._prefix else None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """Whether any schedule is on."""
        return self.delta_every > 0 or self.full_every > 0

    def start(self) -> SyncScheduler:
        """Start the schedule loop (a no-op when both schedules are off)."""
        if self.enabled and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="unimap-scheduler", daemon=True)
            self._thread.start()
        return self

    def stop(self, wait: float = 10.0) -> None:
        """Stop scheduling and give running syncs ``wait`` seconds to finish (they resume next time)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        deadline = time.monotonic() + wait
        for worker in list(self._workers):
            worker.join(max(0.0, deadline - time.monotonic()))
        if self._leader is not None:
            self._leader.release()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no sync runs; False if ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                jobs = list(self.running.values())
            if not jobs:
                return True
            for job in jobs:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not job.done.wait(left):
                    return False

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self._leader is not None and not self._leader.acquire():
                self._stop.wait(self.tick)  # another process runs the schedule; take over when it exits
                continue
            try:
                for integration_id, kind in self.due(self.clock()):
                    self.request(integration_id, kind, reason="schedule")
            except Exception:  # the loop must survive a bad store read
                log.exception("scheduler tick failed")
            self._stop.wait(self.tick)

    # -- planning ------------------------------------------------------------------------------

    def due(self, now: float) -> list[tuple[str, str]]:
        """``(integration id, kind)`` of every sync the schedule wants at ``now`` and that is not running."""
        if not self.enabled:
            return []
        out: list[tuple[str, str]] = []
        for integration in self.service.store.integrations():
            with self._lock:
                if integration.id in self.running:
                    continue
            kind = self._state(integration.id).due(now, self.delta_every, self.full_every)
            if kind:
                out.append((integration.id, kind))
        return out

    def _state(self, integration_id: str) -> SyncHistory:
        """What the store says about past syncs (a deep look once, then the latest few each tick)."""
        known = self._history.get(integration_id)
        rows = self.service.store.syncs(integration_id, 20 if known else 2000)
        history = known or SyncHistory()
        history.merge(rows)
        self._history[integration_id] = history
        return history

    # -- running -------------------------------------------------------------------------------

    def current(self, integration_id: str) -> SyncJob | None:
        """The sync of ``integration_id`` running now, if any."""
        with self._lock:
            return self.running.get(integration_id)

    def request(
        self,
        integration_id: str,
        kind: str = "delta",
        *,
        reason: str = "request",
        wait_started: float = 0.0,
        models: list[str] | None = None,
    ) -> tuple[SyncJob, bool]:
        """Start a ``kind`` sync (of ``models``, default all) unless one runs; (the running job, whether it was).

        ``wait_started`` waits that long for the new sync's id.
        """
        with self._lock:
            job = self.running.get(integration_id)
            if job is not None:
                return job, True
            lock = self._sync_lock(integration_id)
            if lock is not None and not lock.acquire():
                return self._elsewhere(integration_id, kind, reason), True
            job = SyncJob(integration_id, kind, reason, models=list(models) if models else None)
            self.running[integration_id] = job
            worker = threading.Thread(
                target=self._run, args=(job, lock), name=f"unimap-sync-{integration_id}", daemon=True
            )
            self._workers.add(worker)
        worker.start()
        if wait_started:
            job.started.wait(wait_started)
        return job, False

    def _sync_lock(self, integration_id: str) -> ProcessLock | None:
        """The lock file of ``integration_id``'s syncs when processes share the store."""
        if self._prefix is None:
            return None
        digest = hashlib.sha256(integration_id.encode()).hexdigest()[:20]
        return ProcessLock(f"{self._prefix}.sync-{digest}.lock")

    def _elsewhere(self, integration_id: str, kind: str, reason: str) -> SyncJob:
        """The sync another process runs (its id from the store, when it has one)."""
        job = SyncJob(integration_id, kind, reason)
        job.sync_id = next(
            (int(r["id"]) for r in self.service.store.syncs(integration_id, 3) if r["status"] == "running"), None
        )
        job.started.set()
        return job

    def _run(self, job: SyncJob, lock: ProcessLock | None = None) -> None:
        from unimap.service import Unimap

        try:
            runner = Unimap(engine=self.service.engine, store=_RecordingStore(self.service.store, job))
            options = {"cancel": job.cancel, **self.sync_options}
            report = runner.sync(job.integration_id, full=job.kind == "full", models=job.models, **options)
            errors = [f"{name}: {row.error}" for name, row in report.models.items() if row.error]
            job.error = "; ".join(errors) or None
        except UnimapError as exc:
            job.error = None if job.cancel.is_set() else str(exc)
        except Exception as exc:
            log.exception("sync of %s failed", job.integration_id)
            job.error = f"internal error ({type(exc).__name__}: {exc})"
        finally:
            if job.error:
                self.last_error[job.integration_id] = job.error
                log.warning("%s sync of %s failed: %s", job.kind, job.integration_id, job.error)
            else:
                self.last_error.pop(job.integration_id, None)
            with self._lock:
                self.running.pop(job.integration_id, None)
                self._workers.discard(threading.current_thread())
                if lock is not None:
                    lock.release()
            job.started.set()
            job.done.set()

    def cancel(self, integration_id: str, wait: float = 30.0) -> bool:
        """Stop the integration's running sync (after its current page) and forget its schedule state.

        Returns False when the sync was still running after ``wait`` seconds.
        """
        job = self.current(integration_id)
        if job is not None:
            job.cancel.set()
            if not job.done.wait(wait):
                return False
        self._history.pop(integration_id, None)
        self.last_error.pop(integration_id, None)
        return True


class _LastErrors:
    """``last_error`` of a queue scheduler: what the store says about each integration's latest finished sync."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def get(self, integration_id: str, default: str | None = None) -> str | None:
        for row in self._store.syncs(integration_id, 5):
            if row["status"] == "running":
                continue
            if row["status"] == "success":
                return default
            models = (row.get("stats") or {}).get("models") or {}
            errors = [f"{name}: {m['error']}" for name, m in models.items() if m.get("error")]
            return "; ".join(errors) or f"the {row['kind']} sync {row['id']} ended {row['status']}"
        return default

    def pop(self, integration_id: str, default: str | None = None) -> str | None:
        return default

    def __setitem__(self, integration_id: str, value: str) -> None:
        pass


class QueueScheduler(SyncScheduler):
    """Syncs of a PostgreSQL store: deferred to the queue ``unimap worker`` runs; schedules run in the workers."""

    def __init__(
        self,
        service: Any,
        *,
        delta_every: float = 300,
        full_every: float = 86400,
        tick: float = 1.0,
        clock: Callable[[], float] = time.time,
        sync_options: dict[str, Any] | None = None,
        shared: bool = False,
    ) -> None:
        super().__init__(
            service, delta_every=delta_every, full_every=full_every, tick=tick, clock=clock, sync_options=sync_options
        )
        from unimap.worker.queue import SyncQueue

        self.queue = SyncQueue(_queue_url(service) or "")
        self.last_error = _LastErrors(service.store)  # type: ignore[assignment]

    def start(self) -> SyncScheduler:
        """Nothing runs here: workers follow the schedules stored per integration."""
        log.info("syncs go to the job queue; run `unimap worker` to process them")
        return self

    def stop(self, wait: float = 10.0) -> None:
        """Close the queue connection (queued and running syncs carry on in the workers)."""
        self.queue.close()

    def due(self, now: float) -> list[tuple[str, str]]:
        """Nothing: the workers' periodic task defers scheduled syncs."""
        return []

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no sync job is queued or running; False if ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.queue.jobs(statuses=("todo", "doing"), limit=1):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
        return True

    def current(self, integration_id: str) -> SyncJob | None:
        """The integration's sync running in some worker now, if any."""
        running = self.queue.running(integration_id)
        if running is None:
            return None
        job = SyncJob(integration_id, running.kind, running.reason, job_id=running.id)
        job.sync_id = next(
            (int(r["id"]) for r in self.service.store.syncs(integration_id, 3) if r["status"] == "running"), None
        )
        job.started.set()
        return job

    def cancel(self, integration_id: str, wait: float = 30.0) -> bool:
        """Drop the integration's queued sync jobs, ask its running one to stop, and wait ``wait`` s for it."""
        return self.queue.cancel(integration_id, wait=wait)

    def request(
        self,
        integration_id: str,
        kind: str = "delta",
        *,
        reason: str = "request",
        wait_started: float = 0.0,
        models: list[str] | None = None,
    ) -> tuple[SyncJob, bool]:
        """Defer a ``kind`` sync of every model (``models`` is not queued); (the job, whether one was queued).

        ``wait_started`` waits (at most 2 s) for a worker to start it, to answer with its sync id.
        """
        queued = self.queue.enqueue(integration_id, kind, reason=reason)
        job = SyncJob(integration_id, kind, reason, job_id=queued.job_id)
        deadline = time.monotonic() + min(wait_started, 2.0)
        while time.monotonic() < deadline:
            running = self.current(integration_id)
            if running is not None and running.job_id == queued.job_id and running.sync_id is not None:
                job.sync_id = running.sync_id
                job.started.set()
                break
            time.sleep(0.1)
        return job, queued.already_queued
