"""Built-in components: the transports, requests, auth types, paginators and rate limits of ``unimap.transport``."""

from __future__ import annotations

from typing import Any

from unimap.hookspecs import hookimpl


@hookimpl
def unimap_register_components(register: Any) -> None:
    """Register the built-in transport components (``register`` is a ``ComponentRegistry`` or its ``register``)."""
    from unimap.registry import ComponentRegistry
    from unimap.transport.components import register_builtin_components

    if isinstance(register, ComponentRegistry):
        register_builtin_components(register)
        return
    registry = ComponentRegistry()
    register_builtin_components(registry)
    for category in ("transport", "request", "auth", "paginator", "rate_limit"):
        for name in registry.names(category):
            if registry.canonical(category, name) != name:
                continue
            component = registry.get(category, name)
            aliases = [a for a in registry.names(category) if a != name and registry.canonical(category, a) == name]
            register(category, name, component.schema, component.factory, summary=component.summary, aliases=aliases)
