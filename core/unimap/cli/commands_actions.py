"""``unimap action``, ``retry-attachments`` and ``passthrough``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from unimap.cli.main import cli
from unimap.cli.options import store_option
from unimap.errors import InputInvalid
from unimap.jsoninput import parse_json
from unimap.unified import ACTIONS


def _read_json(source: str, what: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()  # noqa: SIM115
    except OSError as exc:
        raise InputInvalid(f"{what}: cannot read {source}: {exc.strerror}", fields=[what]) from None
    return parse_json(text, f"{what} file {source}")


@cli.command()
@click.argument("name", type=click.Choice(ACTIONS))
@click.option("--integration", "integration_id", help="Integration id (default: the only one).")
@click.option("--input", "input_file", required=True, metavar="FILE|-", help="The action's JSON input.")
@store_option
def action(name: str, integration_id: str | None, input_file: str, store_url: str) -> None:
    """Run a write action; prints Kombo's response envelope (data and warnings)."""
    from unimap.service import Unimap

    payload = _read_json(input_file, "input")
    with Unimap(store_url) as um:
        result = um.action(name, payload, integration_id)
    click.echo(json.dumps(result.envelope(), indent=2, ensure_ascii=False))


@cli.command("retry-attachments")
@click.argument("integration_id", required=False)
@click.option("--attempts", default=3, show_default=True, type=click.IntRange(1, 10))
@store_option
@click.pass_context
def retry_attachments(ctx: click.Context, integration_id: str | None, attempts: int, store_url: str) -> None:
    """Attach the files earlier actions could not attach (each exactly once)."""
    from unimap.service import Unimap

    with Unimap(store_url) as um:
        attached, warnings = um.retry_attachments(integration_id, max_attempts=attempts)
        left = len(um.store.pending_attachments(um.integration(integration_id).id))
    click.echo(f"attached {attached}; still pending {left}")
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if left:
        ctx.exit(1)


@cli.command()
@click.argument("integration_id")
@click.argument("method")
@click.argument("params", required=False, default="[]")
@click.option("--path", help="Endpoint path on the integration's own host (default: the JSON-RPC endpoint).")
@store_option
def passthrough(integration_id: str, method: str, params: str, path: str | None, store_url: str) -> None:
    """Send a raw call with the stored auth (the session goes in as params[0]); prints {url, status, headers, data}."""
    from unimap.service import Unimap

    parsed = parse_json(params, "params", expect=list, hint=" (the params after the session)")
    with Unimap(store_url) as um:
        response = um.passthrough(method, parsed, integration_id, path=path)
    click.echo(json.dumps(response, indent=2, ensure_ascii=False))
