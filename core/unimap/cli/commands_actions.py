"""``unimap action``, ``retry-attachments`` and ``passthrough``."""

from __future__ import annotations

import os
from typing import Any

import click

from unimap.cli.commands_sync import require_vendor
from unimap.cli.main import cli
from unimap.cli.options import (
    EXIT_FAILURE,
    UsageFailure,
    echo_json,
    integration_option,
    open_service,
    resolve_integration,
    store_option,
)
from unimap.jsoninput import parse_json, read_json
from unimap.unified import ACTIONS


def _read_json(source: str, what: str) -> Any:
    if source != "-" and not os.path.exists(source):
        raise UsageFailure(f"--{what}: cannot read {source}: No such file or directory")
    return read_json(source, f"{what} file {source}")  # any encoding: a non-UTF-8 file is a clear error


@cli.command(
    epilog="Exit status: 0 done (warnings may be printed), 1 the action was refused or failed "
    "(Kombo's error code is printed), 2 usage error (e.g. a missing --input file)."
)
@click.argument("name", type=click.Choice(ACTIONS))
@integration_option
@click.option(
    "--input",
    "input_file",
    required=True,
    metavar="FILE|-",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    help="The action's JSON input (e.g. examples/create_application.json).",
)
@store_option
def action(name: str, integration_opt: str | None, input_file: str, store_url: str) -> None:
    """Run a write action; prints Kombo's response envelope (data and warnings)."""
    payload = _read_json(input_file, "input")
    with open_service(store_url, readonly=True) as um:
        target = resolve_integration(um, integration_opt)
        require_vendor(um, target)
        result = um.action(name, payload, target.id)
    echo_json(result.envelope())


@cli.command("retry-attachments", epilog="Exit status: 0 nothing pending, 1 files still pending, 2 usage error.")
@click.argument("integration_id", required=False, metavar="[ID]")
@integration_option
@click.option("--attempts", default=3, show_default=True, type=click.IntRange(1, 10))
@store_option
@click.pass_context
def retry_attachments(
    ctx: click.Context, integration_id: str | None, integration_opt: str | None, attempts: int, store_url: str
) -> None:
    """Attach the files earlier actions could not attach (each exactly once)."""
    with open_service(store_url, readonly=True) as um:
        target = resolve_integration(um, integration_opt, integration_id)
        attached, warnings = um.retry_attachments(target.id, max_attempts=attempts)
        left = len(um.store.pending_attachments(target.id))
    click.echo(f"attached {attached}; still pending {left}")
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if left:
        ctx.exit(EXIT_FAILURE)


def vendor_failed(response: dict[str, Any]) -> str | None:
    """Why a passthrough answer is a vendor error (HTTP status ≥ 400 or a JSON-RPC error), else ``None``."""
    data = response.get("data")
    if isinstance(data, dict) and data.get("error"):
        error = data["error"]
        message = error.get("message") if isinstance(error, dict) else error
        return f"the vendor answered with an error: {message}"
    status = int(response.get("status") or 0)
    if status >= 400:
        return f"the vendor answered HTTP {status}"
    return None


@cli.command(
    epilog="Exit status: 0 the vendor answered, 1 the vendor answered with an error (the answer is "
    "still printed) or could not be reached, 2 usage error."
)
@click.argument("args", nargs=-1, metavar="[ID] METHOD [PARAMS]")
@integration_option
@click.option("--path", help="Endpoint path on the integration's own host (default: the JSON-RPC endpoint).")
@store_option
@click.pass_context
def passthrough(
    ctx: click.Context, args: tuple[str, ...], integration_opt: str | None, path: str | None, store_url: str
) -> None:
    """Send a raw call with the stored auth (the session goes in as params[0]); prints {url, status, headers, data}.

    PARAMS is a JSON list of the params after the session (default []).
    """
    with open_service(store_url, readonly=True) as um:
        rest = list(args)
        positional = None
        if rest and ":" in rest[0] and len(rest) >= 2:  # `passthrough <connector>:<id> METHOD …` (the older form)
            positional = rest.pop(0)
        if not rest or len(rest) > 2:
            raise click.UsageError(
                "give METHOD and optionally PARAMS (a JSON list), e.g. `unimap passthrough --integration ID check`"
            )
        method, params = rest[0], rest[1] if len(rest) == 2 else "[]"
        parsed = parse_json(params, "params", expect=list, hint=" (the params after the session)")
        target = resolve_integration(um, integration_opt, positional)
        require_vendor(um, target)
        response = um.passthrough(method, parsed, target.id, path=path)
    echo_json(response)
    problem = vendor_failed(response)
    if problem:
        click.echo(f"error: {problem}", err=True)
        ctx.exit(EXIT_FAILURE)
