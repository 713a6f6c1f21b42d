"""The sync queue as ``unimap serve`` and the CLI see it: defer syncs, list queued, running and failed jobs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from unimap.worker.app import SYNC_TASK, Enqueued, deferring_app, enqueue_sync, sync_lock


@dataclass
class QueuedJob:
    """One sync job of the queue."""

    id: int
    integration_id: str
    kind: str
    reason: str
    status: str  # todo (queued), doing (running), failed, succeeded, cancelled, aborted
    attempts: int
    scheduled_at: Any
    worker: str | None

    def public(self) -> dict[str, Any]:
        """A JSON-safe summary."""
        return {
            "id": self.id,
            "integration": self.integration_id,
            "kind": self.kind,
            "reason": self.reason,
            "status": {"todo": "queued", "doing": "running"}.get(self.status, self.status),
            "attempts": self.attempts,
            "scheduled_at": str(self.scheduled_at) if self.scheduled_at else None,
            "worker": self.worker,
        }


class SyncQueue:
    """Deferring and reading sync jobs in the store's database (thread-safe)."""

    def __init__(self, store_url: str) -> None:
        self.store_url = store_url
        self._app: Any = None
        self._lock = threading.Lock()

    def _deferrer(self) -> Any:
        with self._lock:
            if self._app is None:
                self._app = deferring_app(self.store_url)
            return self._app

    def enqueue(self, integration_id: str, kind: str, *, reason: str = "request") -> Enqueued:
        """Defer a sync; ``already_queued`` when one of that kind already waits."""
        return enqueue_sync(self._deferrer(), integration_id, kind, reason=reason)

    def jobs(
        self,
        *,
        integration_id: str | None = None,
        statuses: tuple[str, ...] = ("todo", "doing", "failed"),
        limit: int = 200,
    ) -> list[QueuedJob]:
        """Sync jobs, newest first (queued and running ones, and failed ones by default)."""
        self._deferrer()  # the schema exists
        sql = (
            "SELECT j.id, j.args, j.status::text AS status, j.attempts, j.scheduled_at, w.id::text AS worker "
            "FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id "
            "WHERE j.task_name = %s AND j.status::text = ANY(%s)"
        )
        params: list[Any] = [SYNC_TASK, list(statuses)]
        if integration_id:
            sql += " AND j.lock = %s"
            params.append(sync_lock(integration_id))
        sql += " ORDER BY j.id DESC LIMIT %s"
        params.append(limit)
        with psycopg.connect(self.store_url, row_factory=dict_row, connect_timeout=5) as conn:
            rows = conn.execute(sql, params).fetchall()
        return [
            QueuedJob(
                r["id"],
                r["args"].get("integration_id", ""),
                r["args"].get("kind", "delta"),
                r["args"].get("reason", ""),
                r["status"],
                r["attempts"],
                r["scheduled_at"],
                r["worker"],
            )
            for r in rows
        ]

    def running(self, integration_id: str) -> QueuedJob | None:
        """The sync job of the integration running now, if any."""
        found = self.jobs(integration_id=integration_id, statuses=("doing",), limit=1)
        return found[0] if found else None

    def cancel(self, integration_id: str, *, wait: float = 30.0) -> bool:
        """Delete the integration's waiting sync jobs and ask its running one to abort.

        Returns False when a sync of it was still running after ``wait`` seconds.
        """
        manager = self._deferrer().job_manager
        for job in self.jobs(integration_id=integration_id, statuses=("todo", "doing"), limit=1000):
            manager.cancel_job_by_id(job.id, abort=job.status == "doing", delete_job=job.status == "todo")
        deadline = time.monotonic() + wait
        while self.running(integration_id) is not None:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
        # a retry deferred by the job that just ended
        for job in self.jobs(integration_id=integration_id, statuses=("todo",), limit=1000):
            manager.cancel_job_by_id(job.id, delete_job=True)
        return True

    def close(self) -> None:
        with self._lock:
            if self._app is not None:
                self._app.close()
                self._app = None
