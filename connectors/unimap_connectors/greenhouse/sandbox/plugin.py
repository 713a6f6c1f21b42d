"""The Greenhouse sandbox's unimap plugin: mounts ``unimap sandbox greenhouse``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from unimap.hookspecs import hookimpl
from unimap.sandboxes import RunningSandbox

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


@hookimpl
def unimap_register_sandboxes(register: Callable[..., None]) -> None:
    """Offer the Greenhouse sandbox for ``unimap demo greenhouse``."""

    def start(*, seed: int = 1, size: str = "small") -> RunningSandbox:
        from unimap_connectors.greenhouse.sandbox import Sandbox

        sandbox = Sandbox(seed=seed, size=size, rate_limit=None).start()
        return RunningSandbox(
            sandbox.base_url,
            sandbox.credentials.as_dict(),
            sandbox.stop,
            {"token_url": sandbox.token_url, "allow_private_urls": True},
        )

    register("greenhouse", start)
