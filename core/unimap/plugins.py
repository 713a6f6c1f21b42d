"""The plugin manager: built-ins, entry points and configured modules, checked strictly."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from types import ModuleType
from typing import Any

import pluggy

from unimap import hookspecs
from unimap.errors import PluginError
from unimap.registry import ComponentRegistry

ENTRY_POINT_GROUP = "unimap.plugins"
DEFAULT_PLUGINS = (
    "unimap.default_plugins.functions",
    "unimap.default_plugins.auth",
    "unimap.default_plugins.components",
    "unimap.default_plugins.engine_components",
)


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:  # an import error in a plugin must not be a traceback
        raise PluginError(f"cannot import plugin module {name!r}: {exc}") from exc


def make_manager(plugins: Iterable[str | object] = (), *, entry_points: bool = True) -> pluggy.PluginManager:
    """A plugin manager with the built-ins, the ``unimap.plugins`` entry points and ``plugins``.

    ``plugins`` are module names or objects; ``UNIMAP_PLUGINS`` (comma-separated module
    names) adds more and ``UNIMAP_DISABLE_ENTRY_POINTS=1`` skips entry points.
    Raises :class:`PluginError` when a plugin implements a hook that does not exist
    (pluggy's ``check_pending``), so a misspelled hook name fails loudly.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        register(pm, _import(name), name)
    if entry_points and os.environ.get("UNIMAP_DISABLE_ENTRY_POINTS") != "1":
        try:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        except Exception as exc:
            raise PluginError(f"cannot load a plugin from entry point group {ENTRY_POINT_GROUP!r}: {exc}") from exc
    extra = [p.strip() for p in os.environ.get("UNIMAP_PLUGINS", "").split(",") if p.strip()]
    for plugin in [*extra, *plugins]:
        obj: Any = _import(plugin) if isinstance(plugin, str) else plugin
        if pm.is_registered(obj):
            continue
        label: str | None = plugin if isinstance(plugin, str) else None
        if label and pm.get_plugin(label) is not None:
            continue
        register(pm, obj, label)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} implements an unknown hook: {exc}") from exc
    return pm


def register(pm: pluggy.PluginManager, plugin: object, name: str | None = None) -> None:
    """Register ``plugin``, turning pluggy's validation errors into :class:`PluginError`."""
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {name or plugin!r} is invalid: {exc}") from exc
    except ValueError as exc:  # registered twice under different names
        raise PluginError(str(exc)) from exc


def components_of(pm: pluggy.PluginManager) -> ComponentRegistry:
    """A component registry filled by every registered plugin's ``unimap_register_components``.

    The hook is historic: plugins registered later (e.g. a connector's) add their types too.
    """
    registry = ComponentRegistry()
    pm.hook.unimap_register_components.call_historic(kwargs={"register": registry.register})
    return registry


def default_components() -> ComponentRegistry:
    """The built-in components only (for loaders used without an engine)."""
    return components_of(make_manager(entry_points=False))


def plugin_report(pm: pluggy.PluginManager) -> list[dict[str, Any]]:
    """Name and implemented hooks of every registered plugin (for ``unimap plugins``)."""
    rows = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin) or repr(plugin)
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        rows.append({"name": name, "hooks": hooks})
    return sorted(rows, key=lambda r: r["name"])
