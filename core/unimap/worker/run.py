"""``unimap worker``: a Procrastinate worker over a PostgreSQL store, stopped cleanly by SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket

import procrastinate
from procrastinate import worker as procrastinate_worker

from unimap.errors import ConfigError
from unimap.store.base import is_postgres_url, redact_url
from unimap.worker.app import QUEUE, RUNTIME, app, busy_integrations, configure_logging, ensure_schema

log = logging.getLogger("unimap.worker")


def run_worker(
    store_url: str,
    *,
    concurrency: int = 1,
    delta_every: float = 300.0,
    full_every: float = 86400.0,
    stalled_after: float = 30.0,
    wait: bool = True,
    name: str | None = None,
) -> None:
    """Run jobs until SIGTERM/SIGINT (the running syncs finish their current page) or, without ``wait``, idle."""
    if not is_postgres_url(store_url):
        raise ConfigError(
            f"unimap worker needs a PostgreSQL store (postgresql://…), not {redact_url(store_url)!r}; "
            "on SQLite, `unimap serve` runs the syncs itself"
        )
    configure_logging()
    RUNTIME.store_url = store_url
    RUNTIME.delta_every, RUNTIME.full_every, RUNTIME.stalled_after = delta_every, full_every, stalled_after
    RUNTIME.concurrency = concurrency
    RUNTIME.cancel.clear()
    RUNTIME.service()  # a bad or unreachable URL fails here, in one line
    ensure_schema(store_url)
    try:
        asyncio.run(_run(store_url, concurrency, wait, name or f"{socket.gethostname()}:{os.getpid()}"))
    finally:
        RUNTIME.close()


async def _run(store_url: str, concurrency: int, wait: bool, name: str) -> None:
    connector = procrastinate.PsycopgConnector(conninfo=store_url, min_size=1, max_size=max(4, concurrency + 2))
    with app.replace_connector(connector) as worker_app:
        await _work(worker_app, concurrency, wait, name, store_url)


async def _stop_when_drained(worker: procrastinate_worker.Worker, store_url: str) -> None:
    """Stop ``worker`` once no sync job is queued (due) or running, twice in a row."""
    idle = 0
    while idle < 2:
        await asyncio.sleep(0.5)
        busy = await asyncio.to_thread(busy_integrations, store_url)
        idle = 0 if busy else idle + 1
    worker.stop()


async def _work(worker_app: procrastinate.App, concurrency: int, wait: bool, name: str, store_url: str) -> None:
    async with worker_app.open_async():
        worker_app.perform_import_paths()
        worker = procrastinate_worker.Worker(
            app=worker_app,
            queues=[QUEUE],
            concurrency=concurrency,
            name=name,
            wait=wait,
            install_signal_handlers=False,
            fetch_job_polling_interval=1.0,
            update_heartbeat_interval=max(0.5, min(10.0, RUNTIME.stalled_after / 4)),
            stalled_worker_timeout=RUNTIME.stalled_after,
            delete_jobs="successful",
        )
        loop = asyncio.get_running_loop()

        def stop(signum: int) -> None:
            log.warning("%s: stopping after the current page of each running sync", signal.Signals(signum).name)
            RUNTIME.cancel.set()
            worker.stop()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop, signum)
        log.info("unimap worker %s on %s (concurrency %d)", name, redact_url(store_url), concurrency)
        watcher = None if wait else asyncio.create_task(_stop_when_drained(worker, store_url))
        worker.wait = True  # a burst worker waits for jobs behind a lock, and stops once nothing is left
        await worker.run()
        if watcher is not None:
            watcher.cancel()
        log.info("unimap worker %s stopped", name)
