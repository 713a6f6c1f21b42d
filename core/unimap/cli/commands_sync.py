"""``unimap connect``, ``integrations``, ``sync`` and ``export``."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from unimap.cli.main import cli
from unimap.cli.options import model_name, parse_settings, store_option
from unimap.sync import SyncReport


def _service(store_url: str) -> Any:
    from unimap.service import Unimap

    return Unimap(store_url)


def _interactive() -> bool:
    """Whether a person is at the keyboard (prompts make sense)."""
    return sys.stdin.isatty()


@cli.command()
@click.argument("connector")
@click.option("--api-key", help="Shortcut for --credential api_key=KEY.")
@click.option("--credential", "credentials", multiple=True, metavar="NAME=VALUE",
              help="A credential the connector asks for (missing ones are prompted for on a terminal).")
@click.option("--base-url", help="The vendor host, if not the connector's default.")
@click.option("--name", help="A name for this integration.")
@click.option("--setting", "settings", multiple=True, metavar="NAME=VALUE", help="Override a connector setting.")
@click.option("--no-check", is_flag=True, help="Store without logging in first.")
@store_option
def connect(connector: str, api_key: str | None, credentials: tuple[str, ...], base_url: str | None,
            name: str | None, settings: tuple[str, ...], no_check: bool, store_url: str) -> None:
    """Connect an account: check its credentials and store them (readable by the owner only)."""
    given = {k: str(v) for k, v in parse_settings(credentials).items()}
    if api_key:
        given["api_key"] = api_key
    interactive = _interactive()
    with _service(store_url) as um:
        spec = um.engine.connector(connector).data
        for wanted in spec.get("credentials", []):
            if given.get(wanted["name"]):
                continue
            option = "--api-key" if wanted["name"] == "api_key" else f"--credential {wanted['name']}=…"
            if not interactive:
                raise click.UsageError(f"{option} is required when not running on a terminal")
            label = wanted.get("description") or wanted["name"]
            given[wanted["name"]] = click.prompt(label, hide_input=bool(wanted.get("secret", True)))
        if base_url is None and interactive and click.confirm(
                f"Use another host than {spec['transport']['base_url']}?", default=False):
            base_url = click.prompt("Base URL")
        integration = um.connect(connector, given, base_url=base_url, name=name,
                                 settings=parse_settings(settings), check=not no_check)
    click.echo(integration.id)


@cli.command()
@store_option
def integrations(store_url: str) -> None:
    """List the store's integrations (without their credentials)."""
    with _service(store_url) as um:
        for integration in um.store.integrations():
            row = integration.public()
            click.echo(f"{row['id']}  {row['connector']}  {row['name'] or '-'}  {row['base_url'] or 'default host'}")


def print_report(report: SyncReport, console: Console) -> None:
    """The per-model summary table of a sync."""
    table = Table(title=f"{report.kind} sync {report.sync_id} of {report.integration_id}")
    for column in ("model", "fetched", "created", "changed", "deleted", "requests", "seconds", "status"):
        table.add_column(column, justify="left" if column in ("model", "status") else "right", no_wrap=True)
    for name, row in report.models.items():
        status = "ok" if row.error is None else f"failed: {row.error}"
        table.add_row(name, str(row.fetched), str(row.created), str(row.changed + row.restored), str(row.deleted),
                      str(row.requests), f"{row.seconds:.2f}", status)
    table.add_row("total", "", "", "", "", str(report.requests), f"{report.seconds:.2f}", "ok" if report.ok else "")
    console.print(table)
    for warning in report.warnings:
        console.print(f"warning: {warning}")
    for row in report.models.values():
        for warning in row.warnings:
            console.print(f"warning: {warning}", markup=False)
        if row.skipped > len(row.warnings):
            console.print(f"warning: {row.skipped - len(row.warnings)} more {row.model} record(s) skipped")


@cli.command()
@click.argument("integration", required=False)
@click.option("--full", is_flag=True, help="Re-read everything and detect deletions.")
@click.option("--model", "models", multiple=True, help="Only these models (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of a table.")
@store_option
@click.pass_context
def sync(ctx: click.Context, integration: str | None, full: bool, models: tuple[str, ...], as_json: bool,
         store_url: str) -> None:
    """Sync an integration into the store (incremental where possible)."""
    console = Console(stderr=True)
    chosen = [model_name(m) for m in models] or None
    with _service(store_url) as um, Progress(TextColumn("{task.description:<24}"), BarColumn(),
                                             MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                                             transient=True, disable=as_json or not console.is_terminal) as bars:
        tasks: dict[str, Any] = {}

        def progress(model: str, done: int, total: int | None) -> None:
            if model not in tasks:
                tasks[model] = bars.add_task(model, total=total)
            bars.update(tasks[model], completed=done, total=total if total is not None else done)

        report = um.sync(integration, full=full, models=chosen, progress=progress)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        print_report(report, Console(width=None if sys.stdout.isatty() else 120))
    if not report.ok:
        ctx.exit(1)


@cli.command()
@click.argument("model")
@click.option("--integration", "integration_id", help="Integration id (default: the only one).")
@click.option("--updated-after", help="Only records changed after this ISO-8601 time.")
@click.option("--include-deleted", is_flag=True, help="Include records deleted in the vendor.")
@click.option("--page-size", default=250, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE", help="A per-model filter (statuses=OPEN).")
@store_option
def export(model: str, integration_id: str | None, updated_after: str | None, include_deleted: bool, page_size: int,
           filters: tuple[str, ...], store_url: str) -> None:
    """Print a model's unified records as JSON lines."""
    name = model_name(model)
    extra = {k: str(v) for k, v in parse_settings(filters).items()}
    with _service(store_url) as um:
        try:
            for record in um.export(name, integration_id, updated_after=updated_after,
                                    include_deleted=include_deleted, page_size=page_size, **extra):
                click.echo(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            sys.stdout.flush()
        except BrokenPipeError:  # the reader stopped early (`| head`): end quietly
            _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. click's test runner)
        pass
