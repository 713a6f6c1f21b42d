"""Built-in plugin: the sync engine's and the action runner's components (sources, cursors, deletions, steps)."""

from __future__ import annotations

from collections.abc import Callable

from unimap.hookspecs import hookimpl
from unimap.sources import register_source_components
from unimap.steps import register_step_components


@hookimpl
def unimap_register_components(register: Callable[..., None]) -> None:
    """Register ``list``/``fan_out``/``derived``/``union`` sources, ``timestamp`` cursors, deletion checks and steps."""
    register_source_components(register)
    register_step_components(register)
