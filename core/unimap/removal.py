"""Removing an integration: stop its syncs, then delete every row of it (``DELETE /integrations/{id}``, the CLI).

Syncs first: a running sync is asked to stop after its current page (in this process through the
scheduler; on a PostgreSQL store its queued jobs are deleted and a running one is awaited), so no
sync writes records for an integration that is gone. Then one transaction removes the records,
checkpoints, sync history, tracked rows, pending attachments, schedules, field settings and
every API key's grant of it (:func:`unimap.store.integration_rows.purge_integration`).
"""

from __future__ import annotations

from typing import Any

from unimap.errors import UnimapError
from unimap.store.integration_rows import purge_integration

__all__ = ["SyncStillRunning", "remove_integration"]


class SyncStillRunning(UnimapError):
    """A sync of the integration did not stop in time; nothing was deleted."""

    code = None


def _stop_syncs(service: Any, integration_id: str, scheduler: Any, wait: float) -> bool:
    """Stop the integration's syncs: the scheduler's, else the store's job queue (PostgreSQL)."""
    if scheduler is not None:
        return bool(scheduler.cancel(integration_id, wait=wait))
    url = getattr(service.store, "url", None)
    if type(service.store).__name__ != "PostgresStore" or not isinstance(url, str):
        return True
    from unimap.worker.queue import SyncQueue

    queue = SyncQueue(url)
    try:
        return queue.cancel(integration_id, wait=wait)
    finally:
        queue.close()


def remove_integration(
    service: Any, integration_id: str, *, scheduler: Any = None, wait: float = 30.0
) -> dict[str, int]:
    """Delete ``integration_id`` and everything of it; returns the rows removed per table.

    Raises :class:`~unimap.errors.IntegrationNotFound` for an unknown id, and
    :class:`SyncStillRunning` (deleting nothing) when its sync is still running after ``wait`` s.
    """
    service.store.integration(integration_id)  # IntegrationNotFound before anything stops
    if not _stop_syncs(service, integration_id, scheduler, wait):
        raise SyncStillRunning(
            f"a sync of {integration_id} is still running after {wait:g} s; nothing was deleted, try again "
            "when it has finished"
        )
    return purge_integration(service.store, integration_id)
