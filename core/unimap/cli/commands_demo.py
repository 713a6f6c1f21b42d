"""``unimap demo``: a connector's sandbox in-process, a full sync into a demo store, and a look at the result."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from unimap.cli.main import cli

DEMO_STORE = "sqlite:///unimap-demo.db"
DEMO_SUFFIX = ":demo"  # demo integrations are <connector>:demo


def demo_store_problem(path: Path) -> str | None:
    """Why the file at ``path`` must not be replaced (``None``: missing, empty or holding only an earlier demo)."""
    if not path.exists():
        return None
    if path.is_dir():
        return f"{path} is a folder"
    if path.stat().st_size == 0:
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "integrations" not in tables:
                return f"{path} is an SQLite database but not a unimap store"
            others = [r[0] for r in db.execute("SELECT id FROM integrations WHERE id NOT LIKE ?", (f"%{DEMO_SUFFIX}",))]
            keys = db.execute("SELECT COUNT(*) FROM api_keys").fetchone()[0] if "api_keys" in tables else 0
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return f"{path} is not a unimap store"
    if others:
        return f"{path} holds integration(s) {', '.join(others)}, not only an earlier demo"
    if keys:
        return f"{path} holds {keys} API key(s)"
    return None


def _summary(um: Any, integration_id: str) -> dict[str, Any]:
    """A job, a candidate that has applications, and one of those applications."""
    samples: dict[str, Any] = {}
    application = next(iter(um.list_records("application", integration_id, page_size=1).results), None)
    if application is not None:
        samples["application"] = application
        found = um.list_records("candidate", integration_id, ids=[application["candidate_id"]], page_size=1).results
        if found:
            samples["candidate"] = found[0]
        if application.get("job_id"):
            jobs = um.list_records("job", integration_id, ids=[application["job_id"]], page_size=1).results
            if jobs:
                samples["job"] = jobs[0]
    for model in ("job", "candidate"):
        if model not in samples:
            record = next(iter(um.list_records(model, integration_id, page_size=1).results), None)
            if record is not None:
                samples[model] = record
    for record in samples.values():
        record.pop("remote_data", None)
    return {k: samples[k] for k in ("job", "candidate", "application") if k in samples}


def _line(model: str, record: dict[str, Any]) -> str:
    if model == "job":
        return f"job          {record.get('name')!s} ({record.get('status')}), {len(record.get('stages') or [])} stages"
    if model == "candidate":
        name = " ".join(p for p in (record.get("first_name"), record.get("last_name")) if p)
        emails = [e.get("email_address") for e in record.get("email_addresses") or [] if e.get("email_address")]
        email = f" <{emails[0]}>" if emails else ""
        return f"candidate    {name}{email}, {len(record.get('applications') or [])} application(s)"
    stage = (record.get("current_stage") or {}).get("name")
    job = (record.get("job") or {}).get("name")
    return f"application  to {job!s}, stage {stage!s}, outcome {record.get('outcome')!s}"


@cli.command(
    epilog="Exit status: 0 ok, 1 the sync failed or the store holds other data, 2 usage error, "
    "130 interrupted (Ctrl-C)."
)
@click.argument("connector", required=False)
@click.option("--size", default="small", show_default=True, help="Sandbox tenant size: small, medium, large or N.")
@click.option("--seed", default=1, show_default=True, type=int, help="Sandbox data seed.")
@click.option(
    "--store",
    "store_url",
    default=DEMO_STORE,
    show_default=True,
    metavar="URL",
    help="Store URL to sync into; replaced only when it is new or holds nothing but an earlier demo.",
)
@click.option("--verbose", "-v", is_flag=True, help="Print the sample records in full (JSON).")
@click.option("--json", "as_json", is_flag=True, help="Print the report and sample records as JSON.")
def demo(connector: str | None, size: str, seed: int, store_url: str, verbose: bool, as_json: bool) -> None:
    """Start a connector's local sandbox, sync it into SQLite and show a few unified records.

    CONNECTOR is any connector whose plugin offers a sandbox (default: the one a plugin marks as
    the default demo).
    """
    from unimap.cli.commands_sync import print_report, report_dict, report_ok, report_warnings, run_sync
    from unimap.cli.options import EXIT_FAILURE, UsageFailure, make_console, sqlite_path
    from unimap.engine import Engine
    from unimap.service import Unimap

    engine = Engine()
    sandboxes = engine.sandboxes()
    connector = connector or next(iter(sandboxes), "")
    if connector not in sandboxes:
        raise click.UsageError(f"no sandbox for connector {connector!r} (sandboxes: {', '.join(sorted(sandboxes))})")
    demo_integration = f"{connector}{DEMO_SUFFIX}"

    path = sqlite_path(store_url)
    if path is not None:
        problem = demo_store_problem(path)
        if problem:
            raise UsageFailure(f"refusing to replace {store_url}: {problem}; give another --store")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    console = make_console(quiet=as_json)
    try:
        sandbox = sandboxes[connector](seed=seed, size=size)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    with sandbox:
        sandbox_url = sandbox.base_url
        console.print(f"{connector} sandbox at {sandbox.base_url} (seed {seed}, size {size})", highlight=False)
        with Unimap(store_url, engine=engine) as um:
            integration = um.connect(
                connector,
                dict(sandbox.credentials),
                base_url=sandbox.base_url,
                name=f"{connector} sandbox",
                integration_id=demo_integration,
                settings=dict(sandbox.settings),
            )
            console.print(f"connected {integration.id}; syncing…", highlight=False)
            report = run_sync(um, integration.id, full=True, models=None)
            if not as_json:
                print_report(report, console)
            samples = _summary(um, integration.id)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "store": store_url,
                    "integration_id": demo_integration,
                    "sandbox": sandbox_url,
                    "report": report_dict(report),
                    "samples": samples,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        for line in report_warnings(report):
            click.echo(f"warning: {line}", err=True)
    else:
        for model, record in samples.items():
            if verbose:
                console.rule(f"a unified {model}")
                console.print_json(json.dumps(record, ensure_ascii=False))
            else:
                console.print(_line(model, record), highlight=False, markup=False)
        if not verbose:
            console.print("(--verbose prints these records in full)", highlight=False)
        console.print(
            f"\nStore: {store_url}. Try: unimap export candidates --store {store_url} | head",
            highlight=False,
            markup=False,
        )
    if not report_ok(report):
        sys.exit(EXIT_FAILURE)
