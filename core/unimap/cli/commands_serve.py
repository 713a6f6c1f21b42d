"""``unimap serve``, ``keys create|list|revoke`` and ``status``."""

from __future__ import annotations

import errno
import socket
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from unimap.cli.main import cli
from unimap.cli.options import (
    echo_json,
    integration_option,
    make_console,
    open_service,
    print_table,
    resolve_integration,
    store_option,
)

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _console() -> Console:
    return make_console()


def free_port(host: str, port: int) -> int:
    """``port`` if it can be bound on ``host`` (a free one for 0); the sandbox's message when it is busy."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == errno.EADDRINUSE:
                reason = "Address already in use"
            raise click.ClickException(f"cannot listen on {host}:{port}: {reason}") from None
        return int(sock.getsockname()[1])


@cli.command(
    epilog="Exit status: 0 stopped by Ctrl-C or SIGTERM, 1 cannot listen (e.g. the port is busy), 2 usage error."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0 = a free port, printed at start).",
)
@click.option(
    "--delta-every",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between delta syncs of each integration (0 = off).",
)
@click.option(
    "--full-every",
    default=86400.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between full syncs of each integration (0 = off).",
)
@click.option(
    "--rate-limit",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Requests per minute per API key (0 = unlimited).",
)
@click.option(
    "--max-concurrent-actions",
    default=30,
    show_default=True,
    type=click.IntRange(min=1),
    help="Actions in flight per integration before 429.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Processes serving requests (one runs the sync schedule; limits count per process).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@store_option
def serve(
    host: str,
    port: int,
    delta_every: float,
    full_every: float,
    rate_limit: int,
    max_concurrent_actions: int,
    workers: int,
    log_level: str,
    store_url: str,
) -> None:
    """Serve Kombo's unified ATS API under /v1 and keep every integration synced."""
    from unimap.api import create_app
    from unimap.api import serve as run
    from unimap.api.server import serve_workers
    from unimap.cli.options import sqlite_path
    from unimap.store.base import redact_url

    sqlite_path(store_url)  # a usage error for a URL that is not a store URL
    if host not in LOOPBACK:
        click.echo(f"warning: listening on {host}, beyond this machine; keep API keys secret", err=True)
    port = free_port(host, port)
    options: dict[str, Any] = {
        "delta_every": delta_every,
        "full_every": full_every,
        "rate_limit": rate_limit,
        "max_concurrent_actions": max_concurrent_actions,
    }
    if workers == 1:
        app = create_app(store_url, **options)
    else:
        from unimap.store import open_store

        open_store(store_url).close()  # create and migrate once, and fail here on a bad store
    click.echo(
        f"unimap API on http://{host}:{port}/v1 (store {redact_url(store_url)}; delta every {delta_every:g} s, "
        f"full every {full_every:g} s{f'; {workers} worker processes' if workers > 1 else ''})",
        err=True,
    )
    try:
        if workers == 1:
            run(app, host, port, log_level=log_level)
        else:
            serve_workers({"store_url": store_url, **options}, host, port, workers=workers, log_level=log_level)
    except SystemExit as exc:  # uvicorn exits 1 when it cannot bind after all (a race with another process)
        if exc.code not in (0, None):
            raise click.ClickException(f"cannot listen on {host}:{port}: Address already in use") from None


@cli.group()
def keys() -> None:
    """Create, list and revoke API keys for `unimap serve`."""


@keys.command("create", epilog="Exit status: 0 created, 1 unknown integration, 2 usage error.")
@click.option(
    "--integration", "integrations", multiple=True, metavar="ID", help="An integration the key may use (repeatable)."
)
@click.option("--all-integrations", is_flag=True, help="Let the key use every integration, present and future.")
@click.option("--name", help="A note saying who or what uses the key.")
@store_option
def keys_create(integrations: tuple[str, ...], all_integrations: bool, name: str | None, store_url: str) -> None:
    """Create a key; it is printed once (only its hash is stored)."""
    from unimap.api.auth import ALL_INTEGRATIONS, KeyStore

    if all_integrations == bool(integrations):
        raise click.UsageError("give --integration ID (repeatable) or --all-integrations")
    with open_service(store_url, readonly=True) as um:
        for iid in integrations:
            resolve_integration(um, iid)
        key, record = KeyStore(um.store).create([ALL_INTEGRATIONS] if all_integrations else list(integrations), name)
    click.echo(key)
    click.echo(
        f"key id {record.id}; integrations: {', '.join(record.integrations)}. "
        "Store the key now: it cannot be shown again.",
        err=True,
    )


@keys.command("list", epilog="Exit status: 0 ok, 2 no store at --store.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@store_option
def keys_list(as_json: bool, store_url: str) -> None:
    """List keys (ids, names, integrations; never the keys themselves)."""
    from unimap.api.auth import KeyStore

    with open_service(store_url, readonly=True) as um:
        found = KeyStore(um.store).list()
    if as_json:
        echo_json([k.public() for k in found])
        return
    print_table(
        ("id", "name", "integrations", "created", "revoked"),
        ((k.id, k.name or "-", ", ".join(k.integrations), k.created_at or "-", k.revoked_at or "-") for k in found),
    )


@keys.command("revoke", epilog="Exit status: 0 revoked, 1 no such key, 2 usage error.")
@click.argument("key_id", metavar="KEY_ID|KEY")
@store_option
def keys_revoke(key_id: str, store_url: str) -> None:
    """Revoke a key by its id (as `keys list` shows it), or by the whole key (uk_<id>_<secret>)."""
    from unimap.api.auth import KeyStore, key_id_of

    wanted = key_id_of(key_id) or key_id  # a whole key works too
    with open_service(store_url, readonly=True) as um:
        record = KeyStore(um.store).revoke(wanted)
    click.echo(f"revoked {record.id} at {record.revoked_at}")


def _when(stamp: str | None) -> str:
    """``2026-01-02 10:11:12`` (UTC) from a stored ISO time; ``-`` for none."""
    if not stamp:
        return "-"
    return stamp.replace("T", " ").split(".")[0].rstrip("Z")


def _real_status(status: str, stats: dict[str, Any]) -> str:
    """A stored ``success`` whose models skipped records is ``partial`` (or ``failed`` when one skipped all)."""
    if status != "success":
        return status
    worst = "success"
    for model in (stats.get("models") or {}).values():
        skipped, fetched = model.get("skipped") or 0, model.get("fetched") or 0
        if skipped and skipped >= fetched:
            return "failed"
        if skipped:
            worst = "partial"
    return worst


def _running_kind(um: Any, integration_id: str, row: dict[str, Any]) -> str:
    """The kind a running sync really does: a delta before any finished sync reads everything (full)."""
    if row["status"] == "running" and row["type"] == "DELTA" and not um.store.has_finished_sync(integration_id):
        return "FULL"
    return row["type"]


def _queued_jobs(um: Any, integration_ids: list[str]) -> list[dict[str, Any]] | None:
    """Queued, running and failed sync jobs of these integrations on a PostgreSQL store (``None`` elsewhere)."""
    if type(um.store).__name__ != "PostgresStore":
        return None
    from unimap.worker.queue import SyncQueue

    queue = SyncQueue(um.store.url)
    try:
        wanted = set(integration_ids)
        return [j.public() for j in queue.jobs() if j.integration_id in wanted]
    finally:
        queue.close()


@cli.command(epilog="Exit status: 0 ok, 1 unknown integration, 2 usage error (or no store at --store).")
@click.argument("integration_id", required=False, metavar="[ID]")
@integration_option
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 100), help="Syncs per integration.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@store_option
def status(integration_id: str | None, integration_opt: str | None, limit: int, as_json: bool, store_url: str) -> None:
    """Print the latest syncs of one integration (or of every one) from the store; errors below, one a line."""
    from unimap.api.describe import sync_row

    with open_service(store_url, readonly=True) as um:
        wanted = integration_opt or integration_id
        chosen = [resolve_integration(um, integration_opt, integration_id)] if wanted else um.store.integrations()
        if not chosen:
            click.echo("no integration yet; run `unimap connect <connector>` first", err=True)
            if as_json:
                echo_json({})
            return
        found = {}
        for i in chosen:
            rows = [sync_row(r) for r in um.store.syncs(i.id, limit)]
            for row, raw in zip(rows, um.store.syncs(i.id, limit), strict=False):
                row["type"] = _running_kind(um, i.id, row)
                row["status"] = _real_status(row["status"], raw.get("stats") or {})
            found[i.id] = rows
        queued = _queued_jobs(um, [i.id for i in chosen])
    if as_json:
        echo_json(found if queued is None else {**found, "jobs": queued})
        return
    console = _console()
    wide = console.width >= 110
    errors: list[str] = []
    for iid, rows in found.items():
        table = Table(title=f"syncs of {iid}", title_justify="left", box=box.HEAVY_HEAD if wide else box.SIMPLE_HEAD)
        columns = ["sync", "type", "status", "started", "finished", "seconds", "fetched", "errors"]
        if not wide:
            columns.remove("finished")
        for column in columns:
            table.add_column(
                column,
                overflow="fold",
                justify="right" if column in ("sync", "seconds", "fetched", "errors") else "left",
            )
        if not rows:
            table.add_row(*(["-", "-", "never synced"] + ["-"] * (len(columns) - 3)))
        for row in rows:
            fetched = sum((m.get("fetched") or 0) for m in row["models"].values())
            seconds = f"{row['seconds']:.2f}" if row["seconds"] is not None else "-"
            by_message: dict[str, list[str]] = {}
            for model, message in row["errors"].items():
                by_message.setdefault(" ".join(str(message).split()), []).append(model)
            for message, models in by_message.items():
                errors.append(f"sync {row['id']} of {iid}: {', '.join(models)}: {message}")
            cells = [
                row["id"],
                row["type"],
                row["status"],
                _when(row["started_at"]),
                _when(row["finished_at"]),
                seconds,
                str(fetched),
                str(len(row["errors"])) if row["errors"] else "-",
            ]
            if not wide:
                del cells[4]
            table.add_row(*cells)
        console.print(table)
    if queued is not None:
        counts = {state: sum(j["status"] == state for j in queued) for state in ("queued", "running", "failed")}
        console.print(
            f"jobs: {counts['queued']} queued, {counts['running']} running, {counts['failed']} failed", highlight=False
        )
        for j in queued:
            console.print(
                f"  {j['id']:>8}  {j['status']:<8} {j['integration']}  {j['kind']}  attempts {j['attempts']}"
                f"{'  on ' + j['worker'] if j['worker'] else ''}",
                markup=False,
                highlight=False,
            )
    for line in errors:
        console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
