"""The ``unimap`` click group, its error handling and its command registration.

Exit status of every command: 0 ok, 1 failure (or lint findings), 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import sys
from typing import Any

import click

from unimap import __version__
from unimap.cli.options import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, UsageFailure, silence_stdout
from unimap.errors import RemoteUnavailable, UnimapError

__all__ = ["EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_USAGE", "UsageFailure", "cli", "main"]

EXIT_FINDINGS = EXIT_FAILURE


def hook_hint(text: str) -> str:
    """``text`` plus "did you mean …?" when it names an unknown hook close to a real one."""
    match = re.search(r"unknown hook '(\w+)'", text)
    if not match:
        return text
    from unimap import hookspecs

    known = [name for name in dir(hookspecs) if name.startswith("unimap_")]
    close = difflib.get_close_matches(match[1], known, n=1)
    return f"{text}; did you mean {close[0]!r}?" if close else f"{text} (hooks: {', '.join(known)})"


FORMATS = {
    "email": "a valid e-mail address",
    "date-time": "a valid ISO-8601 date-time",
    "date": "a valid date",
    "uri": "a valid URL",
    "uuid": "a valid UUID",
}


def readable(text: str) -> str:
    """Plain English for messages of JSON Schema and of the mapper (``is not a 'email'``, ``a application``)."""
    text = re.sub(r"is not a '([\w-]+)'", lambda m: f"is not {FORMATS.get(m[1], 'a valid ' + m[1])}", text)
    return re.sub(r"\ba (application|application_stage|job_hiring_team_member|action)\b", r"an \1", text)


def error_line(exc: BaseException) -> str:
    """One line for an error; an unreachable vendor gets one sentence instead of a retry log."""
    text = readable(hook_hint(" ".join(str(exc).split())))
    if isinstance(exc, RemoteUnavailable) and "connection failed" in text.lower():
        return f"cannot reach the vendor: {text}; check the integration's base URL and your network"
    return text


class CollapsingHandler(logging.Handler):
    """Engine log warnings on stderr, each distinct message once; repeats are counted and summed up at the end."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = readable(" ".join(record.getMessage().split()))
        except Exception:  # a malformed log call must not break the command
            return
        if message in self.seen:
            self.seen[message] += 1
            return
        self.seen[message] = 0
        click.echo(f"warning: {message}", err=True)

    def summary(self) -> None:
        """Print how many repeats were left out."""
        for message, more in self.seen.items():
            if more:
                short = message if len(message) <= 70 else message[:69] + "…"
                click.echo(f'warning: … and {more} more like "{short}"', err=True)
        self.seen.clear()


LOG_HANDLER = CollapsingHandler()


class UnimapGroup(click.Group):
    """A click group that turns unimap errors into one-line messages (no tracebacks)."""

    def invoke(self, ctx: click.Context) -> Any:
        logger = logging.getLogger("unimap")
        if LOG_HANDLER not in logger.handlers:
            logger.addHandler(LOG_HANDLER)
        ctx.call_on_close(LOG_HANDLER.summary)
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # the reader stopped early (`| head`): end quietly
            silence_stdout()
            ctx.exit(0)
        except UsageFailure as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except UnimapError as exc:
            if type(exc).__name__ == "SyncInterrupted":
                click.echo(f"interrupted: {error_line(exc)}", err=True)
                ctx.exit(EXIT_INTERRUPTED)
            click.echo(f"error: {error_line(exc)}", err=True)
            code = getattr(exc, "code", None)
            if code:
                click.echo(f"code: {code}", err=True)
            ctx.exit(EXIT_FAILURE)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # the last line of defence: never a traceback
            if os.environ.get("UNIMAP_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set UNIMAP_DEBUG=1 for details)", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=UnimapGroup, epilog="Exit status: 0 ok, 1 failure, 2 usage error, 130 interrupted (Ctrl-C).")
@click.version_option(__version__, prog_name="unimap")
def cli() -> None:
    """unimap: map a unified ATS model onto vendor APIs through YAML specs."""


@cli.group()
def sandbox() -> None:
    """Run a local vendor sandbox, such as `unimap sandbox <connector>`."""


def _register_commands() -> None:
    import unimap.cli.commands_integrations
    import unimap.cli.commands_worker  # noqa: F401  (register: worker, jobs, schedule, store copy)
    from unimap.cli import (  # noqa: F401  (register)
        commands_actions,
        commands_demo,
        commands_lint,
        commands_serve,
        commands_sync,
        commands_webhooks,
    )
    from unimap.config import Config
    from unimap.plugins import make_manager

    try:
        configured = Config.load().plugins
    except Exception as exc:  # a broken unimap.toml: the commands that read it say so
        configured = []
        click.echo(f"warning: {error_line(exc)}", err=True)
    for plugins in [configured, []] if configured else [[]]:
        try:
            make_manager(plugins).hook.unimap_register_commands(cli=cli)
            return
        except Exception as exc:  # a broken plugin must not take the whole CLI down
            click.echo(f"warning: plugins not loaded: {error_line(exc)}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    try:
        _register_commands()
        cli.main(args=argv, prog_name="unimap", standalone_mode=True)
    except SystemExit as exc:
        sys.exit(exc.code)
    except KeyboardInterrupt:  # Ctrl-C before a command installed its own handling
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        silence_stdout()
        sys.exit(0)
