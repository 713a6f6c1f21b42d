"""The Greenhouse sandbox's unimap plugin: mounts ``unimap sandbox greenhouse``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unimap.hookspecs import hookimpl

if TYPE_CHECKING:
    import click


@hookimpl
def unimap_register_commands(cli: click.Group) -> None:
    """Add ``greenhouse`` to the ``sandbox`` group."""
    group = cli.commands.get("sandbox")
    if group is None or not hasattr(group, "add_command"):
        return
    from unimap_connectors.greenhouse.sandbox.cli import command

    group.add_command(command, name="greenhouse")
