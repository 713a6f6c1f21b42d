"""``unimap worker``, ``unimap jobs``, ``unimap schedule`` and ``unimap store copy`` (PostgreSQL scale-out)."""

from __future__ import annotations

import json

import click

from unimap.cli.main import cli
from unimap.cli.options import store_option
from unimap.errors import ConfigError
from unimap.store.base import is_postgres_url, redact_url


@cli.command(
    epilog="Exit status: 0 stopped cleanly (SIGTERM or --burst done), 1 the store is not PostgreSQL or "
    "unreachable, 2 usage error."
)
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Syncs this worker runs at once (each of a different integration).",
)
@click.option(
    "--delta-every",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Default seconds between delta syncs of an integration without a stored schedule (0 = off).",
)
@click.option(
    "--full-every",
    default=86400.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Default seconds between full syncs of an integration without a stored schedule (0 = off).",
)
@click.option(
    "--stalled-after",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Seconds without a heartbeat after which a worker's running sync is retried elsewhere.",
)
@click.option("--burst", is_flag=True, help="Exit once the queue is empty instead of waiting for jobs.")
@store_option
def worker(
    concurrency: int, delta_every: float, full_every: float, stalled_after: float, burst: bool, store_url: str
) -> None:
    """Run sync jobs from the queue of a PostgreSQL store (SIGTERM: finish the current page, then exit)."""
    from unimap.worker.run import run_worker

    run_worker(
        store_url,
        concurrency=concurrency,
        delta_every=delta_every,
        full_every=full_every,
        stalled_after=stalled_after,
        wait=not burst,
    )


def _queue(store_url: str):  # type: ignore[no-untyped-def]
    if not is_postgres_url(store_url):
        raise ConfigError(f"the sync queue lives in PostgreSQL stores; {redact_url(store_url)!r} is not one")
    from unimap.store import open_store
    from unimap.worker.queue import SyncQueue

    open_store(store_url).close()  # a bad URL fails here in one line; the store is migrated
    return SyncQueue(store_url)


@cli.command(epilog="Exit status: 0 ok, 1 the store is not PostgreSQL or unreachable, 2 usage error.")
@click.option("--integration", "integration_id", default=None, help="Only this integration's jobs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@store_option
def jobs(integration_id: str | None, as_json: bool, store_url: str) -> None:
    """Queued, running and failed sync jobs of a PostgreSQL store."""
    queue = _queue(store_url)
    try:
        found = [j.public() for j in queue.jobs(integration_id=integration_id)]
    finally:
        queue.close()
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    counts = {s: sum(j["status"] == s for j in found) for s in ("queued", "running", "failed")}
    click.echo(f"{counts['queued']} queued, {counts['running']} running, {counts['failed']} failed")
    for j in found:
        click.echo(
            f"{j['id']:>8}  {j['status']:<8} {j['integration']:<28} {j['kind']:<6} attempts {j['attempts']}"
            f"  {j['reason']}{'  on ' + j['worker'] if j['worker'] else ''}"
        )


@cli.command(epilog="Exit status: 0 ok, 1 unknown integration or the store cannot be opened, 2 usage error.")
@click.argument("integration_id")
@click.option(
    "--delta-every",
    type=click.FloatRange(min=0),
    default=None,
    help="Seconds between delta syncs (0 = off; omit for the worker's default).",
)
@click.option(
    "--full-every",
    type=click.FloatRange(min=0),
    default=None,
    help="Seconds between full syncs (0 = off; omit for the worker's default).",
)
@store_option
def schedule(integration_id: str, delta_every: float | None, full_every: float | None, store_url: str) -> None:
    """Store an integration's sync schedule (what `unimap worker` follows)."""
    from unimap.store import open_store

    store = open_store(store_url)
    try:
        store.set_schedule(integration_id, delta_every=delta_every, full_every=full_every)
        click.echo(json.dumps({"integration": integration_id, **store.schedule(integration_id)}))
    finally:
        store.close()


@cli.group(epilog="Exit status: 0 ok, 1 the command failed, 2 usage error.")
def store() -> None:
    """Store maintenance."""


@store.command(
    "copy", epilog="Exit status: 0 copied and verified, 1 a count differs or a store cannot be opened, 2 usage error."
)
@click.argument("source")
@click.argument("target")
def store_copy(source: str, target: str) -> None:
    """Copy every integration, key, record, checkpoint and sync run from SOURCE into the empty store TARGET."""
    from unimap.store.copy import copy_store

    copied = copy_store(source, target, progress=lambda t, n: click.echo(f"{t}: {n}", err=True))
    click.echo(f"copied {sum(copied.values())} rows from {redact_url(source)} to {redact_url(target)}; counts verified")
