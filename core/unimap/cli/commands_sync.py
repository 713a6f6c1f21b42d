"""``unimap connect``, ``integrations``, ``sync`` and ``export``."""

from __future__ import annotations

import inspect
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from unimap.cli.main import cli
from unimap.cli.options import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    UsageFailure,
    check_setting_names,
    echo_json,
    integration_option,
    make_console,
    model_name,
    open_service,
    parse_settings,
    print_table,
    resolve_integration,
    silence_stdout,
    store_option,
)
from unimap.credential_sources import from_environment
from unimap.errors import RemoteUnavailable
from unimap.sync import SyncReport
from unimap.urls import check_vendor_url, reachable

# settings every connector accepts besides its own (see unimap.service)
INTEGRATION_SETTINGS = ("sync_only_created_applications", "default_source")


def _interactive() -> bool:
    """Whether a person is at the keyboard (prompts make sense)."""
    return sys.stdin.isatty()


def known_paths(spec: dict[str, Any]) -> list[str]:
    """The connector's endpoint paths (a base URL must not end in one)."""
    transport = spec.get("transport") or {}
    return [p for p in (transport.get("path"), transport.get("upload_path")) if isinstance(p, str)]


def require_reachable(base_url: str, hint: str = "check --base-url and your network") -> None:
    """Fail at once, with one line, when the vendor's host does not accept connections."""
    problem = reachable(base_url)
    if problem:
        raise RemoteUnavailable(f"cannot reach {base_url}: {problem}; {hint}", code="REMOTE.SERVICE_UNAVAILABLE")


def vendor_url(um: Any, integration: Any) -> str:
    """The base URL an integration talks to."""
    return integration.base_url or um.engine.connector(integration.connector).data["transport"]["base_url"]


def require_vendor(um: Any, integration: Any) -> None:
    """:func:`require_reachable` for a stored integration."""
    require_reachable(
        vendor_url(um, integration),
        f"is the vendor up? To change the URL: `unimap integrations update {integration.id} --base-url URL`",
    )


def _same_account(
    integration: Any, connector: str, base_url: str | None, credentials: dict[str, str], default_url: str
) -> bool:
    def norm(url: str | None) -> str:
        return (url or default_url).rstrip("/").lower()

    return (
        integration.connector == connector
        and norm(integration.base_url) == norm(base_url)
        and {k: str(v) for k, v in integration.credentials.items()} == credentials
    )


@cli.command(epilog="Exit status: 0 connected (or reused), 1 the vendor refused or is unreachable, 2 usage error.")
@click.argument("connector")
@click.option("--api-key", help="Shortcut for --credential api_key=KEY.")
@click.option(
    "--credential",
    "credentials",
    multiple=True,
    metavar="NAME=VALUE",
    help="A credential the connector asks for (missing ones are prompted for on a terminal).",
)
@click.option("--base-url", help="The vendor host, e.g. https://api.vendor.example (not an endpoint path).")
@click.option("--name", help="A name for this integration.")
@click.option("--setting", "settings", multiple=True, metavar="NAME=VALUE", help="Override a connector setting.")
@click.option("--no-check", is_flag=True, help="Store without logging in first.")
@click.option(
    "--new",
    "force_new",
    is_flag=True,
    help="Store a new integration even when this account and URL are already connected.",
)
@store_option
def connect(
    connector: str,
    api_key: str | None,
    credentials: tuple[str, ...],
    base_url: str | None,
    name: str | None,
    settings: tuple[str, ...],
    no_check: bool,
    force_new: bool,
    store_url: str,
) -> None:
    """Connect an account: check its credentials and store them (readable by the owner only).

    Prints the integration id. Connecting the same account and URL again reuses the existing
    integration (its id is printed) unless --new is given.
    """
    given = {k: str(v) for k, v in parse_settings(credentials, "--credential").items()}
    if api_key:
        given["api_key"] = api_key
    overrides = parse_settings(settings)
    interactive = _interactive()
    given = {k: v for k, v in given.items() if v}
    with open_service(store_url) as um:
        spec = um.engine.connector(connector).data
        check_setting_names(overrides, [*um.engine.connector(connector).settings, *INTEGRATION_SETTINGS], connector)
        if base_url is not None:
            base_url = check_vendor_url(base_url, known_paths=known_paths(spec))
        names = [c["name"] for c in spec.get("credentials", [])]
        for name, value in from_environment(connector, names).items():  # UNIMAP_<CONNECTOR>_<NAME>
            given.setdefault(name, value)
        for wanted in spec.get("credentials", []):
            if given.get(wanted["name"]):
                continue
            option = "--api-key" if wanted["name"] == "api_key" else f"--credential {wanted['name']}=…"
            if not interactive:
                raise click.UsageError(f"{option} is required when not running on a terminal")
            label = wanted.get("description") or wanted["name"]
            given[wanted["name"]] = click.prompt(label, hide_input=bool(wanted.get("secret", True)))
        default_url = spec["transport"]["base_url"]
        if base_url is None and interactive and click.confirm(f"Use another host than {default_url}?", default=False):
            base_url = check_vendor_url(click.prompt("Base URL"), known_paths=known_paths(spec))
        if not force_new:
            for existing in um.store.integrations():
                if _same_account(existing, connector, base_url, given, default_url):
                    if overrides:
                        um.configure(existing.id, overrides)
                    click.echo(
                        f"this account is already connected as {existing.id}; reusing it "
                        "(use --new for a second integration)",
                        err=True,
                    )
                    click.echo(existing.id)
                    return
        if not no_check:
            require_reachable(base_url or default_url)
        integration = um.connect(connector, given, base_url=base_url, name=name, settings=overrides, check=not no_check)
    click.echo(integration.id)


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@store_option
@click.pass_context
def integrations(ctx: click.Context, as_json: bool, store_url: str) -> None:
    """List the store's integrations (without their credentials); `update` changes one.

    Exit status: 0 ok, 2 no store at --store.
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_service(store_url, readonly=True) as um:
        rows = [i.public() for i in um.store.integrations()]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no integration yet; run `unimap connect <connector>` first", err=True)
        return

    def line(row: dict[str, Any]) -> tuple[str, ...]:
        settings = ", ".join(f"{k}={json.dumps(v)}" for k, v in (row["settings"] or {}).items())
        return row["id"], row["connector"], row["name"] or "-", row["base_url"] or "default host", settings or "-"

    print_table(("id", "connector", "name", "base url", "settings"), (line(row) for row in rows))


@integrations.command("update", epilog="Exit status: 0 updated, 1 unknown integration or setting, 2 usage error.")
@click.argument("integration_id", metavar="ID")
@click.option("--setting", "settings", multiple=True, metavar="NAME=VALUE", help="Set a setting (repeatable).")
@click.option("--unset", "unset", multiple=True, metavar="NAME", help="Go back to the connector's default.")
@click.option("--name", help="A new name.")
@click.option("--base-url", help="A new vendor host (checked like `connect --base-url`).")
@store_option
def integrations_update(
    integration_id: str,
    settings: tuple[str, ...],
    unset: tuple[str, ...],
    name: str | None,
    base_url: str | None,
    store_url: str,
) -> None:
    """Change settings (or the name) of an existing integration; prints its settings afterwards."""
    overrides: dict[str, Any] = {**parse_settings(settings), **dict.fromkeys(unset)}
    if not overrides and name is None and base_url is None:
        raise click.UsageError("give --setting NAME=VALUE, --unset NAME, --name or --base-url")
    with open_service(store_url, readonly=True) as um:
        integration = resolve_integration(um, integration_id)
        known = [*um.engine.connector(integration.connector).settings, *INTEGRATION_SETTINGS]
        check_setting_names(overrides, known, integration.connector)
        updated = um.configure(integration.id, overrides) if overrides else integration
        if base_url is not None:
            spec = um.engine.connector(integration.connector).data
            updated.base_url = check_vendor_url(base_url, known_paths=known_paths(spec))
        if name is not None:
            updated.name = name
        if name is not None or base_url is not None:
            updated = um.store.save_integration(updated)
    click.echo(
        f"{updated.id}: "
        + (", ".join(f"{k}={json.dumps(v)}" for k, v in updated.settings.items()) or "connector defaults")
    )


# -- sync -------------------------------------------------------------------------------------------

SKIP_MESSAGE = re.compile(r"^(?P<model>\S+) (?P<id>\S+) skipped: (?P<reason>.*)$")


def model_status(row: Any) -> str:
    """``failed`` (an error, or every fetched record skipped), ``partial`` (some skipped) or ``ok``."""
    skipped = getattr(row, "skipped", 0) or 0
    if row.error or (skipped and skipped >= (row.fetched or 0)):
        return "failed"
    return "partial" if skipped else "ok"


def report_ok(report: SyncReport) -> bool:
    """Whether every model synced every record."""
    return all(model_status(r) == "ok" for r in report.models.values())


def collapse(warnings: list[str]) -> list[tuple[str, int]]:
    """Identical warnings (or skips for the same reason) once each, with how many more were like it."""
    groups: dict[str, list[Any]] = {}
    for warning in warnings:
        match = SKIP_MESSAGE.match(warning)
        key = f"{match['model']}\x00{match['reason']}" if match else warning
        groups.setdefault(key, [warning, 0])[1] += 1
    return [(first, count - 1) for first, count in groups.values()]


def report_errors(report: SyncReport) -> list[str]:
    """Model errors as lines for stderr: each distinct error once, with the models it stopped."""
    from unimap.cli.main import readable

    by_message: dict[str, list[str]] = {}
    for name, row in report.models.items():
        if row.error:
            by_message.setdefault(" ".join(str(row.error).split()), []).append(name)
    lines = []
    for message, models in by_message.items():
        hint = "; check the integration's base URL and your network" if "connection failed" in message.lower() else ""
        lines.append(readable(f"{', '.join(models)}: {message}{hint}"))
    return lines


def report_warnings(report: SyncReport) -> list[str]:
    """The report's warnings as lines for stderr, repeated ones collapsed."""
    lines = [text + (f" (… and {more} more like it)" if more else "") for text, more in collapse(list(report.warnings))]
    for row in report.models.values():
        groups = collapse(list(row.warnings))
        unlisted = max(0, (row.skipped or 0) - len(row.warnings))
        if len(groups) == 1 and unlisted:
            text, more = groups[0]
            lines.append(f"{text} (… and {more + unlisted} more {row.model} records skipped)")
            continue
        lines.extend(text + (f" (… and {more} more like it)" if more else "") for text, more in groups)
        if unlisted:
            lines.append(
                f"{unlisted} more {row.model} records skipped" if groups else f"{unlisted} {row.model} records skipped"
            )
    from unimap.cli.main import readable

    return [readable(" ".join(line.split())) for line in lines]


def print_report(report: SyncReport, console: Console, warnings: Console | None = None) -> None:
    """The per-model summary table of a sync; warnings go to ``warnings`` (default: stderr).

    Below 110 columns the table leaves out requests and seconds (they follow as one line).
    """
    wide = console.width >= 110
    table = Table(
        title=f"{report.kind} sync {report.sync_id} of {report.integration_id}",
        box=box.HEAVY_HEAD if wide else box.SIMPLE_HEAD,
        padding=(0, 1) if wide else (0, 0, 0, 1),
    )
    columns = ["model", "fetched", "created", "changed", "deleted", "skipped", "status"]
    if wide:
        columns[6:6] = ["requests", "seconds"]
    for column in columns:
        table.add_column(
            column,
            justify="left" if column in ("model", "status") else "right",
            no_wrap=column not in ("status", "model"),
            overflow="fold",
        )
    for name, row in report.models.items():
        status = model_status(row)
        cells = [
            name,
            str(row.fetched),
            str(row.created),
            str(row.changed + row.restored),
            str(row.deleted),
            str(row.skipped),
            status,
        ]
        if wide:
            cells[6:6] = [str(row.requests), f"{row.seconds:.2f}"]
        table.add_row(*cells)
    overall = (
        "ok"
        if report_ok(report)
        else "failed"
        if any(model_status(r) == "failed" for r in report.models.values())
        else "partial"
    )
    total = ["total", "", "", "", "", str(sum(r.skipped for r in report.models.values())), overall]
    if wide:
        total[6:6] = [str(report.requests), f"{report.seconds:.2f}"]
    table.add_row(*total)
    console.print(table)
    if not wide:
        console.print(f"{report.requests} requests in {report.seconds:.2f} s", highlight=False)
    out = warnings or make_console(stderr=True)
    for line in report_errors(report):
        out.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    for line in report_warnings(report):
        out.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)


def report_dict(report: SyncReport) -> dict[str, Any]:
    """The report as JSON data, with each model's status."""
    data = report.as_dict()
    for name, row in report.models.items():
        data["models"][name]["status"] = model_status(row)
    data["status"] = "ok" if report_ok(report) else "failed"
    return data


def _write_stderr(text: str) -> None:
    with suppress(OSError):
        os.write(2, text.encode())


@contextmanager
def interruptible(
    sync_call: Callable[..., Any],
    on_abort: Callable[[], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """SIGINT handling for a sync; yields keyword arguments for ``sync_call`` (``cancel=`` when it accepts one).

    With an engine that accepts ``cancel``, the first Ctrl-C asks the sync to stop after the current
    page (the engine then raises ``SyncInterrupted``) and a second one exits at once. With an engine
    that does not, the first Ctrl-C exits at once: each page commits together with its checkpoint,
    so the page in flight is rolled back and the next sync resumes after the last committed one.
    ``on_abort`` records the run as interrupted before an immediate exit; ``notify`` prints a line.
    """
    try:
        accepts_cancel = "cancel" in inspect.signature(sync_call).parameters
    except (TypeError, ValueError):
        accepts_cancel = False
    cancel = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield {"cancel": cancel} if accepts_cancel else {}
        return
    say = notify or (lambda text: _write_stderr(f"\n{text}\n"))

    def abort(text: str) -> None:
        if on_abort is not None:
            with suppress(Exception):
                on_abort()
        with suppress(Exception):
            say(text)
        os._exit(EXIT_INTERRUPTED)

    def on_sigint(signum: int, frame: Any) -> None:
        if cancel.is_set():  # the second Ctrl-C (or one arriving while the first still exits)
            abort("interrupted at once; the run is recorded as interrupted and the next sync resumes")
        cancel.set()
        if accepts_cancel:
            with suppress(Exception):
                say("stopping… (finishing the current page; press Ctrl-C again to exit at once)")
            return
        with suppress(Exception):
            say("stopping… (rolling back the current page)")
        abort(
            "interrupted: the run is recorded as interrupted; the next `unimap sync` resumes after the last stored page"
        )

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield {"cancel": cancel} if accepts_cancel else {}
    finally:
        # once stopping, a late second Ctrl-C still exits 130 (never the default handler's -SIGINT)
        signal.signal(signal.SIGINT, (lambda *_: os._exit(EXIT_INTERRUPTED)) if cancel.is_set() else previous)


def report_interrupted(report: Any) -> bool:
    """Whether an engine that does not raise ``SyncInterrupted`` left models unfinished."""
    return any("interrupt" in str(getattr(r, "error", "") or "").lower() for r in report.models.values())


def mark_interrupted(um: Any, integration_id: str) -> None:
    """Record the integration's running sync as interrupted (from a second connection; gives up after 2 s)."""
    import sqlite3

    path = getattr(um.store, "path", None)
    if not path or path == ":memory:":
        return
    db = sqlite3.connect(path, timeout=2)
    try:
        db.execute(
            "UPDATE syncs SET status='interrupted', finished_at=strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "WHERE integration_id=? AND status='running'",
            (integration_id,),
        )
        db.commit()
    finally:
        db.close()


def run_sync(
    um: Any,
    integration_id: str,
    *,
    full: bool,
    models: list[str] | None,
    progress: Any = None,
    notify: Callable[[str], None] | None = None,
    before_exit: Callable[[], None] | None = None,
) -> Any:
    """``um.sync`` with Ctrl-C handling (see :func:`interruptible`); ``before_exit`` runs before an immediate exit."""

    def on_abort() -> None:
        if before_exit is not None:
            with suppress(Exception):
                before_exit()
        mark_interrupted(um, integration_id)

    with interruptible(um.sync, on_abort, notify) as extra:
        report = um.sync(integration_id, full=full, models=models, progress=progress, **extra)
        cancel = extra.get("cancel")
    if cancel is not None and cancel.is_set() and report_interrupted(report):  # stopped without raising
        click.echo(
            f"interrupted: sync {report.sync_id} stopped after the current page; `unimap sync` resumes it", err=True
        )
        raise SystemExit(EXIT_INTERRUPTED)
    return report


@cli.command(
    epilog="Exit status: 0 every model synced, 1 a model failed or skipped records (partial), "
    "2 usage error, 130 interrupted (Ctrl-C; the run is recorded as interrupted)."
)
@click.argument("integration", required=False, metavar="[ID]")
@integration_option
@click.option("--full", is_flag=True, help="Re-read everything and detect deletions.")
@click.option("--model", "models", multiple=True, help="Only these models (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of a table.")
@store_option
@click.pass_context
def sync(
    ctx: click.Context,
    integration: str | None,
    integration_opt: str | None,
    full: bool,
    models: tuple[str, ...],
    as_json: bool,
    store_url: str,
) -> None:
    """Sync an integration into the store (incremental where possible).

    Ctrl-C stops the sync: the current page is finished or rolled back, the run is recorded as
    interrupted and the next sync resumes; a second Ctrl-C exits at once. Warnings go to stderr.
    """
    console = make_console(stderr=True)
    chosen = [model_name(m) for m in models] or None
    with (
        open_service(store_url, readonly=True) as um,
        Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json or not console.is_terminal,
        ) as bars,
    ):
        target = resolve_integration(um, integration_opt, integration)
        require_vendor(um, target)
        tasks: dict[str, Any] = {}

        def progress(model: str, done: int, total: int | None) -> None:
            if model not in tasks:
                tasks[model] = bars.add_task(model, total=total)
            bars.update(tasks[model], completed=done, total=total if total is not None else done)

        live = not (as_json or not console.is_terminal)
        report = run_sync(
            um,
            target.id,
            full=full,
            models=chosen,
            progress=progress,
            notify=(lambda text: bars.console.print(text, markup=False, highlight=False)) if live else None,
            before_exit=bars.stop if live else None,
        )
    if as_json:
        echo_json(report_dict(report))
        for line in report_errors(report):
            click.echo(f"error: {line}", err=True)
        for line in report_warnings(report):
            click.echo(f"warning: {line}", err=True)
    else:
        print_report(report, make_console())
    if not report_ok(report):
        ctx.exit(EXIT_FAILURE)


@cli.command(epilog="Exit status: 0 ok, 1 unknown integration, 2 usage error (or no store at --store).")
@click.argument("model")
@integration_option
@click.option("--updated-after", help="Only records changed after this ISO-8601 time.")
@click.option("--include-deleted", is_flag=True, help="Include records deleted in the vendor.")
@click.option("--page-size", default=250, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE", help="A per-model filter (statuses=OPEN).")
@store_option
def export(
    model: str,
    integration_opt: str | None,
    updated_after: str | None,
    include_deleted: bool,
    page_size: int,
    filters: tuple[str, ...],
    store_url: str,
) -> None:
    """Print a model's unified records as JSON lines."""
    name = model_name(model)
    extra = {k: str(v) for k, v in parse_settings(filters, "--filter").items()}
    with open_service(store_url, readonly=True) as um:
        target = resolve_integration(um, integration_opt)
        try:
            for record in um.export(
                name,
                target.id,
                updated_after=updated_after,
                include_deleted=include_deleted,
                page_size=page_size,
                **extra,
            ):
                click.echo(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            sys.stdout.flush()
        except BrokenPipeError:  # the reader stopped early (`| head`): end quietly
            silence_stdout()


__all__ = ["UsageFailure", "print_report", "report_ok", "run_sync"]
