"""Options and helpers shared by the CLI commands: the store, the integration, settings, output."""

from __future__ import annotations

import difflib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from unimap.errors import InputInvalid, IntegrationNotFound, UnimapError
from unimap.unified import MODELS

DEFAULT_STORE = "sqlite:///unimap.db"
SQLITE_PREFIX = "sqlite:///"

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

EXIT_HELP = "Exit status: 0 ok, 1 failure, 2 usage error, 130 interrupted (Ctrl-C)."

MODEL_ALIASES = {
    **{m: m for m in MODELS},
    "users": "user",
    "jobs": "job",
    "candidates": "candidate",
    "application-stages": "application_stage",
    "application_stages": "application_stage",
    "applications": "application",
    "job-hiring-team-members": "job_hiring_team_member",
    "job_hiring_team_members": "job_hiring_team_member",
}


class UsageFailure(UnimapError):
    """A mistake in how a command was called (exit 2), found after click's own parsing."""

    code = None


def default_store() -> str:
    """``$UNIMAP_STORE``, else ``store`` from ``unimap.toml``, else ``sqlite:///unimap.db``."""
    if os.environ.get("UNIMAP_STORE"):
        return os.environ["UNIMAP_STORE"]
    from unimap.config import Config

    return Config.load().store or DEFAULT_STORE


def store_option(func: Any) -> Any:
    """``--store URL`` (default ``$UNIMAP_STORE``, ``store`` in ``unimap.toml`` or ``sqlite:///unimap.db``)."""
    return click.option(
        "--store",
        "store_url",
        default=default_store,
        show_default=DEFAULT_STORE,
        metavar="URL",
        help="Store URL, e.g. sqlite:///path/to/unimap.db (default: $UNIMAP_STORE, `store` "
        "in unimap.toml, else sqlite:///unimap.db).",
    )(func)


def integration_option(func: Any) -> Any:
    """``--integration ID`` (default: the only integration in the store)."""
    return click.option(
        "--integration",
        "integration_opt",
        metavar="ID",
        help="Integration id, e.g. acme:Ab3d… (default: the only one; see `unimap integrations`).",
    )(func)


def sqlite_path(store_url: str) -> Path | None:
    """The file of a ``sqlite:///`` store URL (``None`` for ``:memory:`` and server stores); a usage error else."""
    if store_url.startswith(("postgresql://", "postgres://")):
        return None  # a database server: it exists or the store says why not
    if not store_url.startswith("sqlite://"):
        hint = f"; did you mean sqlite:///{store_url}?" if "://" not in store_url else ""
        raise UsageFailure(
            f"unsupported store URL {store_url!r}: use sqlite:///path/to/file.db or postgresql://…{hint}"
        )
    path = store_url[len("sqlite://") :]
    path = path[1:] if path.startswith("/") else path
    return None if path in ("", ":memory:") else Path(path)


def open_service(store_url: str, *, readonly: bool = False) -> Any:
    """A :class:`~unimap.service.Unimap` over ``store_url``; ``readonly`` refuses to create a missing store."""
    path = sqlite_path(store_url)
    if readonly and path is not None and not path.is_file():
        raise UsageFailure(
            f"no store at {path} (from --store {store_url}); check the path, or run `unimap connect` to create one"
        )
    from unimap.service import Unimap

    return Unimap(store_url)


def resolve_integration(um: Any, given: str | None, positional: str | None = None) -> Any:
    """The integration named by ``--integration`` (or its positional alias), else the only one."""
    if given and positional and given != positional:
        raise UsageFailure(f"two integrations given ({positional} and --integration {given}); give one")
    wanted = given or positional
    found = um.store.integrations()
    if wanted:
        for integration in found:
            if integration.id == wanted:
                return integration
        known = ", ".join(i.id for i in found) or "none yet"
        close = difflib.get_close_matches(wanted, [i.id for i in found], n=1)
        hint = f"; did you mean {close[0]}?" if close else f" (integrations: {known})"
        raise IntegrationNotFound(f"no integration {wanted!r} in this store{hint}")
    if len(found) == 1:
        return found[0]
    if not found:
        raise IntegrationNotFound("no integration yet; run `unimap connect <connector>` first")
    listing = ", ".join(f"{i.id} ({i.name})" if i.name else i.id for i in found)
    raise UsageFailure(f"this store has {len(found)} integrations: {listing}; pick one with --integration ID")


def model_name(value: str) -> str:
    """A unified model name from any accepted spelling (``candidates``, ``application-stages``…)."""
    try:
        return MODEL_ALIASES[value]
    except KeyError:
        close = difflib.get_close_matches(value, list(MODEL_ALIASES), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise click.BadParameter(f"unknown model {value!r}; {hint}choose from {', '.join(sorted(MODELS))}") from None


def parse_settings(pairs: tuple[str, ...], option: str = "--setting") -> dict[str, Any]:
    """``name=value`` pairs; values are read as JSON when they parse (``true``, ``3``, ``[...]``)."""
    settings: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise UsageFailure(f"{option} expects name=value, got {pair!r}")
        try:
            settings[name.strip()] = json.loads(raw)
        except ValueError:
            settings[name.strip()] = raw
    return settings


def check_setting_names(names: Iterable[str], known: Iterable[str], connector: str) -> None:
    """Refuse unknown setting names, suggesting the closest known one."""
    known = sorted(set(known))
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InputInvalid(
            f"unknown setting {name!r} for connector {connector!r}; {hint}known: {', '.join(known)}", fields=[name]
        )


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def print_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """A table on stdout, long cells folded (never truncated: ids must stay whole)."""
    from rich.table import Table

    table = Table()
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    make_console().print(table)


def stdout_width() -> int | None:
    """Rich's width for tables on stdout: the terminal's, else $COLUMNS, else the controlling terminal's, else 120.

    Piped output (``| head``, ``| less``) keeps the width of the terminal it is read in.
    """
    if sys.stdout.isatty():
        return None
    try:
        if int(os.environ.get("COLUMNS", "0")) > 0:
            return int(os.environ["COLUMNS"])
    except ValueError:
        pass
    for fd in (2,):
        try:
            if os.isatty(fd):
                return os.get_terminal_size(fd).columns
        except OSError:
            pass
    try:
        tty = os.open("/dev/tty", os.O_RDONLY)
        try:
            return os.get_terminal_size(tty).columns
        finally:
            os.close(tty)
    except OSError:
        return 120


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail after a broken pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. click's test runner)
        pass


class _Console(Console):
    """A rich console that ends quietly with status 0 when the reader of stdout goes away (``| head``)."""

    def on_broken_pipe(self) -> None:
        silence_stdout()
        raise SystemExit(0)


def make_console(*, stderr: bool = False, **options: Any) -> Console:
    """A console for stdout (tables at the terminal's width, else $COLUMNS or 120) or stderr."""
    options.setdefault("width", None if stderr else stdout_width())
    return _Console(stderr=stderr, **options)
