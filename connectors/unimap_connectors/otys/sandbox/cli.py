"""``unimap sandbox otys``: run the sandbox until Ctrl-C / SIGTERM.

Prints (one per line, flushed): ``base_url: http://127.0.0.1:PORT``, ``jservice: …``,
``api_key: …`` and the tenant summary; then blocks. Exit code 0 after a clean stop.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from .faults import FaultSpec
from .generator import parse_size
from .presets import preset_names
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


@click.command("otys")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to listen on.")
@click.option("--port", default=0, type=int, show_default=True, help="Port (0 = a free one).")
@click.option("--seed", default=1, type=int, show_default=True, help="Tenant generator seed.")
@click.option(
    "--size",
    default="small",
    callback=_size,
    show_default=True,
    help="small (50 candidates), medium (2,000), large (20,000) or a number up to 100,000.",
)
@click.option(
    "--rate-limit", default=350, type=int, show_default=True, help="Requests per minute per API key (0 = off)."
)
@click.option(
    "--faults",
    default=None,
    callback=_faults,
    help='Fault SPEC, e.g. "5xx=0.05,malformed=0.05,hang=0.01:2.0,upload=1.0,burst429=0.01,seed=7".',
)
@click.option(
    "--session-lifetime", default=14 * 3600.0, type=float, show_default=True, help="Session lifetime in seconds."
)
@click.option(
    "--preset",
    default="default",
    type=click.Choice(preset_names()),
    show_default=True,
    help="Tenant variant for the reference's open questions (docs/otys-sandbox.md).",
)
@click.option("--stop-after", default=None, type=float, hidden=True, help="Stop after N seconds (for tests).")
def command(
    host: str,
    port: int,
    seed: int,
    size: int,
    rate_limit: int,
    faults: FaultSpec | None,
    session_lifetime: float,
    preset: str,
    stop_after: float | None,
) -> None:
    """Run a local OTYS Web Services sandbox until Ctrl-C."""
    try:
        sandbox = Sandbox(
            seed=seed,
            size=size,
            rate_limit=rate_limit or None,
            faults=faults,
            host=host,
            port=port,
            session_lifetime=session_lifetime,
            preset=preset,
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
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        t = sandbox.tenant
        click.echo(f"base_url: {sandbox.base_url}")
        click.echo(f"jservice: {sandbox.jservice_url}")
        click.echo(f"api_key: {sandbox.api_key}")
        click.echo(
            f"tenant: seed={seed} candidates={t.count('CandidateService')} "
            f"vacancies={t.count('VacancyService')} users={t.count('UserService')} "
            f"procedures={t.count('ProcedureService')}"
        )
        click.echo(f"rate_limit: {rate_limit or 'off'}  faults: {faults or 'none'}  preset: {preset}")
        click.echo("OTYS sandbox running; press Ctrl-C to stop.", nl=True)
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
    click.echo("OTYS sandbox stopped.")
