"""Built-in plugin: the sync engine's and the action runner's components (sources, cursors, deletions, steps)."""

from __future__ import annotations

from collections.abc import Callable

from unimap.downloads import register_download_components
from unimap.hookspecs import hookimpl
from unimap.keyset import register_keyset
from unimap.sources import register_source_components
from unimap.steps import register_step_components
from unimap.webhooks.inbound import register_signature_components


@hookimpl
def unimap_register_components(register: Callable[..., None]) -> None:
    """Register sources, cursors, deletion checks, steps, the ``keyset`` paginator, webhook signatures and downloads."""
    register_source_components(register)
    register_step_components(register)
    register_keyset(register)
    register_signature_components(register)
    register_download_components(register)
