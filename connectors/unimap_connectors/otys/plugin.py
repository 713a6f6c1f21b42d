"""The OTYS connector plugin: CLI commands plus the write-side hooks its action specs call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unimap.hookspecs import hookimpl
from unimap_connectors.otys.hooks import (
    unimap_place_result_link,
    unimap_upload_attachment,
    unimap_write_gdpr_consent,
    unimap_write_source,
)

if TYPE_CHECKING:
    import click

__all__ = ["unimap_place_result_link", "unimap_register_commands", "unimap_upload_attachment",
           "unimap_write_gdpr_consent", "unimap_write_source"]


@hookimpl
def unimap_register_commands(cli: click.Group) -> None:
    """Mount ``unimap sandbox otys`` and ``unimap demo``."""
    from unimap_connectors.otys.demo import demo

    cli.add_command(demo)
    group = cli.commands.get("sandbox")
    if group is None or not hasattr(group, "add_command"):
        return
    try:
        from unimap_connectors.otys.sandbox.cli import command
    except ImportError:  # the sandbox is optional tooling
        return
    group.add_command(command, name="otys")
