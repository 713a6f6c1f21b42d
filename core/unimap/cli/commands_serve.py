"""``unimap serve``, ``keys create|list|revoke`` and ``status``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from unimap.cli.main import cli
from unimap.cli.options import store_option
from unimap.errors import InputInvalid

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _service(store_url: str) -> Any:
    from unimap.service import Unimap

    return Unimap(store_url)


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 140)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--delta-every", default=300.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds between delta syncs of each integration (0 = off).")
@click.option("--full-every", default=86400.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds between full syncs of each integration (0 = off).")
@click.option("--rate-limit", default=0, show_default=True, type=click.IntRange(min=0),
              help="Requests per minute per API key (0 = unlimited).")
@click.option("--max-concurrent-actions", default=30, show_default=True, type=click.IntRange(min=1),
              help="Actions in flight per integration before 429.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@store_option
def serve(host: str, port: int, delta_every: float, full_every: float, rate_limit: int,
          max_concurrent_actions: int, log_level: str, store_url: str) -> None:
    """Serve Kombo's unified ATS API under /v1 and keep every integration synced."""
    from unimap.api import create_app
    from unimap.api import serve as run

    if host not in LOOPBACK:
        click.echo(f"warning: listening on {host}, beyond this machine; keep API keys secret", err=True)
    app = create_app(store_url, delta_every=delta_every, full_every=full_every, rate_limit=rate_limit,
                     max_concurrent_actions=max_concurrent_actions)
    click.echo(f"unimap API on http://{host}:{port}/v1 (store {store_url}; delta every {delta_every:g} s, "
               f"full every {full_every:g} s)", err=True)
    run(app, host, port, log_level=log_level)


@cli.group()
def keys() -> None:
    """Create, list and revoke API keys for `unimap serve`."""


@keys.command("create")
@click.option("--integration", "integrations", multiple=True, metavar="ID",
              help="An integration the key may use (repeatable).")
@click.option("--all-integrations", is_flag=True, help="Let the key use every integration, present and future.")
@click.option("--name", help="A note saying who or what uses the key.")
@store_option
def keys_create(integrations: tuple[str, ...], all_integrations: bool, name: str | None, store_url: str) -> None:
    """Create a key; it is printed once (only its hash is stored)."""
    from unimap.api.auth import ALL_INTEGRATIONS, KeyStore

    if all_integrations == bool(integrations):
        raise click.UsageError("give --integration ID (repeatable) or --all-integrations")
    with _service(store_url) as um:
        key, record = KeyStore(um.store).create([ALL_INTEGRATIONS] if all_integrations else list(integrations), name)
    click.echo(key)
    click.echo(f"key id {record.id}; integrations: {', '.join(record.integrations)}. "
               "Store the key now: it cannot be shown again.", err=True)


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@store_option
def keys_list(as_json: bool, store_url: str) -> None:
    """List keys (ids, names, integrations; never the keys themselves)."""
    from unimap.api.auth import KeyStore

    with _service(store_url) as um:
        found = KeyStore(um.store).list()
    if as_json:
        click.echo(json.dumps([k.public() for k in found], indent=2))
        return
    table = Table()
    for column in ("id", "name", "integrations", "created", "revoked"):
        table.add_column(column)
    for key in found:
        table.add_row(key.id, key.name or "-", ", ".join(key.integrations), key.created_at or "-",
                      key.revoked_at or "-")
    _console().print(table)


@keys.command("revoke")
@click.argument("key_id")
@store_option
def keys_revoke(key_id: str, store_url: str) -> None:
    """Revoke a key by its id (the part after `uk_`)."""
    from unimap.api.auth import KeyStore, key_id_of

    wanted = key_id_of(key_id) or key_id  # a whole key works too
    with _service(store_url) as um:
        record = KeyStore(um.store).revoke(wanted)
    click.echo(f"revoked {record.id} at {record.revoked_at}")


@cli.command()
@click.argument("integration_id", required=False)
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 100), help="Syncs per integration.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@store_option
def status(integration_id: str | None, limit: int, as_json: bool, store_url: str) -> None:
    """Print the latest syncs of one integration (or of every one) from the store."""
    from unimap.api.describe import sync_row

    with _service(store_url) as um:
        chosen = [um.store.integration(integration_id)] if integration_id else um.store.integrations()
        if not chosen:
            raise InputInvalid("no integration yet; run `unimap connect <connector>` first")
        found = {i.id: [sync_row(r) for r in um.store.syncs(i.id, limit)] for i in chosen}
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    table = Table()
    for column in ("integration", "sync", "type", "status", "started", "finished", "seconds", "fetched", "errors"):
        table.add_column(column, no_wrap=column not in ("errors",))
    for iid, rows in found.items():
        if not rows:
            table.add_row(iid, "-", "-", "never synced", "-", "-", "-", "-", "")
        for row in rows:
            fetched = sum((m.get("fetched") or 0) for m in row["models"].values())
            errors = "; ".join(f"{k}: {v}" for k, v in row["errors"].items())
            seconds = f"{row['seconds']:.2f}" if row["seconds"] is not None else "-"
            table.add_row(iid, row["id"], row["type"], row["status"], row["started_at"], row["finished_at"] or "-",
                          seconds, str(fetched), errors)
    _console().print(table)
