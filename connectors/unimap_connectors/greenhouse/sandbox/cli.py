"""``unimap sandbox greenhouse``: run the sandbox until Ctrl-C / SIGTERM.

Prints (one per line, flushed) ``base_url: …``, ``token_url: …``, the credentials, the tenant
summary and one ``unimap connect greenhouse …`` line; then blocks. Exit 0 after a clean stop;
a busy port is one error line and exit 2.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from .faults import FaultSpec
from .generator import parse_size
from .server import Sandbox


def _size(ctx: click.Context, param: click.Parameter, value: str) -> int:
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _faults(ctx: click.Context, param: click.Parameter, value: str | None) -> FaultSpec | None:
    if not value:
        return None
    try:
        return FaultSpec.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("greenhouse")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to listen on.")
@click.option("--port", default=0, type=int, show_default=True, help="Port (0 = a free one).")
@click.option("--seed", default=1, type=int, show_default=True, help="Tenant generator seed.")
@click.option(
    "--size",
    default="small",
    callback=_size,
    show_default=True,
    help="small (250 candidates), medium (3,000), large (100,000) or a number up to 250,000.",
)
@click.option(
    "--rate-limit", default=50, type=int, show_default=True, help="Requests per window per OAuth client (0 = off)."
)
@click.option("--rate-window", default=30.0, type=float, show_default=True, help="Rate-limit window in seconds.")
@click.option(
    "--order", type=click.Choice(["id_desc", "id_asc"]), default="id_desc", show_default=True, help="List order."
)
@click.option("--token-ttl", default=3600.0, type=float, show_default=True, help="Access-token lifetime (s).")
@click.option(
    "--faults",
    default=None,
    callback=_faults,
    help='Fault SPEC, e.g. "5xx=0.05,malformed=0.02,hang=0.01:5,burst429=0.01:3,token_expiry=120,seed=7".',
)
@click.option(
    "--transition-sunset",
    type=click.Choice(["401", "404"]),
    default=None,
    help="Make POST /auth/token answer 401 or 404 (v1/v2 keys retired).",
)
@click.option("--stop-after", default=None, type=float, hidden=True, help="Stop after N seconds (for tests).")
@click.pass_context
def command(
    ctx: click.Context,
    host: str,
    port: int,
    seed: int,
    size: int,
    rate_limit: int,
    rate_window: float,
    order: str,
    token_ttl: float,
    faults: FaultSpec | None,
    transition_sunset: str | None,
    stop_after: float | None,
) -> None:
    """Run a local Greenhouse Harvest v3 sandbox until Ctrl-C."""
    try:
        sandbox = Sandbox(
            seed=seed,
            size=size,
            rate_limit=rate_limit or None,
            rate_window=rate_window,
            faults=faults,
            order=order,
            token_ttl_seconds=token_ttl,
            host=host,
            port=port,
            transition_sunset=int(transition_sunset) if transition_sunset else None,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    stop = threading.Event()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        try:
            sandbox.start()
        except OSError as exc:
            click.echo(f"Error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
            ctx.exit(2)
        t = sandbox.tenant
        c = sandbox.credentials
        click.echo(f"base_url: {sandbox.base_url}")
        click.echo(f"token_url: {sandbox.token_url}")
        click.echo(f"client_id: {c.client_id}")
        click.echo(f"client_secret: {c.client_secret}")
        click.echo(f"user_id: {c.user_id}")
        click.echo(
            f"tenant: seed={seed} candidates={t.count('candidates')} applications={t.count('applications')} "
            f"jobs={t.count('jobs')} users={t.count('users')}"
        )
        click.echo(
            f"rate_limit: {f'{rate_limit}/{rate_window:g}s' if rate_limit else 'off'}  "
            f"faults: {faults or 'none'}  order: {order}"
        )
        click.echo(sandbox.connect_command())
        click.echo("Greenhouse sandbox running; press Ctrl-C to stop.")
        waited = 0.0
        while not stop.wait(0.2):
            waited += 0.2
            if stop_after is not None and waited >= stop_after:
                break
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Greenhouse sandbox stopped.")
