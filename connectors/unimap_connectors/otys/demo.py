"""``unimap demo``: an OTYS sandbox in-process, a full sync into ./unimap-demo.db, and a look at the result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

DEMO_STORE = "unimap-demo.db"
DEMO_INTEGRATION = "otys:demo"


@click.command()
@click.option("--size", default="small", show_default=True, help="Sandbox tenant size: small, medium, large or N.")
@click.option("--seed", default=1, show_default=True, type=int, help="Sandbox data seed.")
@click.option("--store", "store_path", default=DEMO_STORE, show_default=True, type=click.Path(dir_okay=False),
              help="SQLite file to sync into (replaced).")
def demo(size: str, seed: int, store_path: str) -> None:
    """Sync an OTYS sandbox tenant into SQLite and show a few unified records."""
    from unimap.cli.commands_sync import print_report
    from unimap.service import Unimap
    from unimap_connectors.otys.sandbox import Sandbox

    console = Console(width=None if sys.stdout.isatty() else 120)
    for suffix in ("", "-wal", "-shm"):
        Path(store_path + suffix).unlink(missing_ok=True)
    with Sandbox(seed=seed, size=size, rate_limit=0) as sandbox:
        console.print(f"OTYS sandbox at {sandbox.base_url} (seed {seed}, size {size})")
        with Unimap(f"sqlite:///{store_path}") as um:
            integration = um.connect("otys", {"api_key": sandbox.api_key}, base_url=sandbox.base_url,
                                     name="OTYS sandbox", integration_id=DEMO_INTEGRATION,
                                     settings={"allow_private_urls": True})
            console.print(f"connected {integration.id}; syncing…")
            report = um.sync(integration.id, full=True)
            print_report(report, console)
            for model in ("job", "candidate", "application"):
                record = next(iter(um.list_records(model, integration.id, page_size=1).results), None)
                if record is not None:
                    record.pop("remote_data", None)
                    console.rule(f"a unified {model}")
                    console.print_json(json.dumps(record, ensure_ascii=False))
    console.print(f"\nStore: {store_path}. Try: unimap export candidates --store sqlite:///{store_path} | head")
    if not report.ok:
        raise SystemExit(1)
