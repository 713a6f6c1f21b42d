"""The OTYS connector plugin: CLI commands plus the write-side hooks its action specs call."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from unimap.hookspecs import hookimpl
from unimap.sandboxes import RunningSandbox
from unimap_connectors.otys.hooks import (
    unimap_place_result_link,
    unimap_upload_attachment,
    unimap_write_gdpr_consent,
    unimap_write_source,
)

if TYPE_CHECKING:
    import click

__all__ = [
    "unimap_place_result_link",
    "unimap_register_commands",
    "unimap_register_sandboxes",
    "unimap_upload_attachment",
    "unimap_write_gdpr_consent",
    "unimap_write_source",
]


@hookimpl
def unimap_register_sandboxes(register: Callable[..., None]) -> None:
    """Offer the OTYS sandbox for ``unimap demo`` (the default demo)."""

    def start(*, seed: int = 1, size: str = "small") -> RunningSandbox:
        from unimap_connectors.otys.sandbox import Sandbox

        sandbox = Sandbox(seed=seed, size=size, rate_limit=0).start()
        return RunningSandbox(
            sandbox.base_url, {"api_key": sandbox.api_key}, sandbox.stop, {"allow_private_urls": True}
        )

    register("otys", start, default=True)


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
