"""The library entry point: ``Engine`` loads plugins and connector specs and maps records."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pluggy
import yaml

from unimap import plugins as plugin_manager
from unimap.config import Config
from unimap.context import MappingContext
from unimap.errors import ConfigError, SpecError
from unimap.expressions import FunctionRegistry
from unimap.findings import Findings, Severity
from unimap.loader import CONNECTOR_FILE, SpecLoader
from unimap.mapping import RecordMapper
from unimap.resources import mappings_dir
from unimap.specs import ConnectorSpecs


def connector_header(root: Path) -> dict[str, Any]:
    """The ``name`` and ``plugin`` of a connector folder's ``connector.yaml`` (empty when unreadable)."""
    try:
        data = yaml.safe_load((root / CONNECTOR_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: data[k] for k in ("name", "plugin") if isinstance(data.get(k), str)}


def connector_roots(folder: Path) -> list[Path]:
    """Connector folders in ``folder``: itself if it has a ``connector.yaml``, else its sub-folders that do."""
    if (folder / CONNECTOR_FILE).is_file():
        return [folder]
    return sorted(p.parent for p in folder.glob(f"*/{CONNECTOR_FILE}"))


class Engine:
    """Loads plugins and connector specs, and maps vendor records onto unified records.

    >>> engine = Engine()
    >>> engine.map_record("otys", "user", {"uid": 7, "Person": {"firstName": "Ann"}})  # doctest: +SKIP

    Connectors come from the shipped ``mappings/``, from ``spec_dirs`` (and ``unimap.toml`` /
    ``UNIMAP_SPEC_PATH``) and from plugins' ``unimap_register_connectors``; a later source of
    the same connector name wins. Specs with error findings raise :class:`SpecError`.
    """

    def __init__(self, *, spec_dirs: Iterable[Path | str] = (), plugins: Iterable[str | object] = (),
                 config: Config | None = None, entry_points: bool = True) -> None:
        self.config = config if config is not None else Config.load()
        self.pm: pluggy.PluginManager = plugin_manager.make_manager(
            [*self.config.plugins, *plugins], entry_points=entry_points)
        self._roots: dict[str, Path] = {}
        self._add_roots(connector_roots(mappings_dir()))
        self.pm.hook.unimap_register_connectors(register=self._register_connector)
        for folder in [*self.config.spec_dirs, *map(Path, spec_dirs)]:
            if not folder.is_dir():
                raise ConfigError(f"spec folder {folder} does not exist")
            self._add_roots(connector_roots(folder))
        for root in self._roots.values():  # connector plugins first: they may register functions
            module_name = connector_header(root).get("plugin")
            if module_name and importlib.util.find_spec(module_name.split(".")[0]) is not None:
                module = plugin_manager._import(module_name)
                if not self.pm.is_registered(module):
                    plugin_manager.register(self.pm, module, module_name)
        self.pm.check_pending()
        self.functions = FunctionRegistry()
        self.pm.hook.unimap_register_functions(register=self.functions.register)
        self._connectors: dict[str, ConnectorSpecs] = {}
        self._mappers: dict[tuple[str, str], RecordMapper] = {}

    def _add_roots(self, roots: list[Path]) -> None:
        for root in roots:
            self._roots[connector_header(root).get("name") or root.name] = root

    def _register_connector(self, name: str, spec_dir: Path | str) -> None:
        self._roots[name] = Path(spec_dir)

    @property
    def hook(self) -> Any:
        """The plugin hooks (``engine.hook.unimap_…(...)``)."""
        return self.pm.hook

    def loader(self) -> SpecLoader:
        """A spec loader bound to this engine's functions."""
        return SpecLoader(self.functions)

    def connector_names(self) -> list[str]:
        """Every known connector."""
        return sorted(self._roots)

    def connector(self, name: str) -> ConnectorSpecs:
        """The compiled specs of connector ``name``; raises :class:`SpecError` on error findings."""
        if name not in self._connectors:
            root = self._roots.get(name)
            if root is None:
                known = ", ".join(self.connector_names()) or "none"
                raise ConfigError(f"unknown connector {name!r} (known: {known})")
            findings = Findings()
            specs = self.loader().load_connector(root, findings)
            errors = [f for f in findings.sorted() if f.level >= Severity.ERROR]
            if errors or specs is None:
                first = errors[0] if errors else None
                message = f"connector {name!r} has {len(errors)} spec error(s); run `unimap lint {root}`"
                if first is not None:
                    message += f"; first: {first.location}: {first.text}"
                raise SpecError(message, findings=errors)
            plugin = specs.data.get("plugin")
            if plugin:
                module = plugin_manager._import(plugin)
                if not self.pm.is_registered(module):
                    plugin_manager.register(self.pm, module, plugin)
                    self.pm.check_pending()
            self._connectors[name] = specs
        return self._connectors[name]

    def mapper(self, connector: str, model: str) -> RecordMapper:
        """The record mapper of ``model`` in ``connector``."""
        key = (connector, model)
        if key not in self._mappers:
            specs = self.connector(connector)
            if model not in specs.models:
                raise ConfigError(f"connector {connector!r} has no spec for model {model!r}")
            self._mappers[key] = RecordMapper(connector, specs.models[model], self.functions, self.pm.hook)
        return self._mappers[key]

    def settings(self, connector: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """The connector's settings with an integration's ``overrides`` applied."""
        return {**self.connector(connector).settings, **(overrides or {})}

    def map_record(self, connector: str, model: str, raw: dict[str, Any], *, integration_id: str | None = None,
                   settings: dict[str, Any] | None = None) -> dict[str, Any]:
        """Map one vendor record of ``model`` to a unified record (with ``id`` and ``remote_data``)."""
        ctx = MappingContext(integration_id or f"{connector}:local", self.settings(connector, settings))
        return self.mapper(connector, model).map(raw, ctx)
