"""The OTYS connector's hooks: CLI commands, and the write-side hooks its action specs call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unimap.hookspecs import hookimpl

if TYPE_CHECKING:
    import click

CONNECTOR = "otys"


@hookimpl
def unimap_register_commands(cli: click.Group) -> None:
    """Mount ``unimap sandbox otys``."""
    group = cli.commands.get("sandbox")
    if group is None or not hasattr(group, "add_command"):
        return
    try:
        from unimap_connectors.otys.sandbox.cli import command
    except ImportError:  # the sandbox is optional tooling
        return
    group.add_command(command, name="otys")
