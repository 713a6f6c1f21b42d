"""The ``unimap`` click group, its error handling and its command registration."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from unimap import __version__
from unimap.errors import UnimapError

EXIT_FINDINGS = 1
EXIT_USAGE = 2


class UnimapGroup(click.Group):
    """A click group that turns unimap errors into one-line messages (no tracebacks)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except UnimapError as exc:
            click.echo(f"error: {exc}", err=True)
            code = getattr(exc, "code", None)
            if code:
                click.echo(f"code: {code}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # the last line of defence: never a traceback
            if os.environ.get("UNIMAP_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set UNIMAP_DEBUG=1 for details)", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=UnimapGroup)
@click.version_option(__version__, prog_name="unimap")
def cli() -> None:
    """unimap: map a unified ATS model onto vendor APIs through YAML specs."""


@cli.group()
def sandbox() -> None:
    """Run a local vendor sandbox (e.g. `unimap sandbox otys`)."""


def _register_commands() -> None:
    import unimap.cli.commands_worker  # noqa: F401  (register: worker, jobs, schedule, store copy)
    from unimap.cli import commands_actions, commands_lint, commands_serve, commands_sync  # noqa: F401  (register)

    try:
        from unimap.plugins import make_manager

        make_manager().hook.unimap_register_commands(cli=cli)
    except Exception as exc:  # a broken plugin must not take the whole CLI down
        click.echo(f"warning: plugins not loaded: {exc}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    _register_commands()
    try:
        cli.main(args=argv, prog_name="unimap", standalone_mode=True)
    except SystemExit as exc:
        sys.exit(exc.code)
