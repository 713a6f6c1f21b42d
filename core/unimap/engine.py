"""The library entry point: ``Engine`` loads plugins and connector specs and maps records."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pluggy

from unimap import plugins as plugin_manager
from unimap.config import Config
from unimap.context import MappingContext
from unimap.errors import ConfigError, SpecError
from unimap.expressions import FunctionRegistry
from unimap.findings import Findings, Severity
from unimap.loader import CONNECTOR_FILE, SpecLoader
from unimap.mapping import RecordMapper
from unimap.registry import BuildEnv
from unimap.resources import mappings_dir
from unimap.specs import CatalogueSpec, ConnectorSpecs, DetailSpec, LookupSpec
from unimap.store.base import Integration
from unimap.transport.client import VendorClient
from unimap.yamlsource import YamlSyntaxError, safe_load


def connector_header(root: Path) -> dict[str, Any]:
    """The ``name`` and ``plugin`` of a connector folder's ``connector.yaml`` (empty when unreadable)."""
    try:
        data = safe_load((root / CONNECTOR_FILE).read_text(encoding="utf-8"), root / CONNECTOR_FILE)
    except (OSError, YamlSyntaxError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: data[k] for k in ("name", "plugin") if isinstance(data.get(k), str)}


def _lookups_read(expressions: Iterable[Any]) -> frozenset[str]:
    """Names of lookup tables read through ``lookup('name', …)`` or ``labelled_fields(…, 'name')``."""
    from unimap.astwalk import literal_args as _literal_args

    names: set[str] = set()
    for expression in expressions:
        ast = expression.parsed.parsed
        names.update(_literal_args(ast, "lookup", 0))
        names.update(_literal_args(ast, "labelled_fields", 2))
    return frozenset(names)


def build_components(specs: ConnectorSpecs, env: BuildEnv) -> None:
    """Build the typed runtime components of a loaded connector (sources, details, lookups, steps)."""
    from unimap.sources import build_list, request_name

    data = specs.data
    env.options = {
        "transport": specs.transport,
        "defaults": data.get("defaults") or {},
        "paginator": data.get("paginator"),
    }
    bare = BuildEnv(env.functions, env.hook, env.registry, {**env.options, "defaults": {}})
    for model in specs.models.values():
        model.component = env.build("source", model.source)
        model.lookups = _lookups_read(f.expression for f in model.fields)
        request = getattr(getattr(model.component, "list", model.component), "request", None)
        if request is None and hasattr(model.component, "parts"):
            request = model.component.parts[0].request
        model.remote_data_name = request_name(request, settings=specs.settings)
        detail = model.file.data.get("detail")
        if isinstance(detail, dict) and isinstance(detail.get("request"), dict):
            model.detail = DetailSpec(
                env.build("request", {**detail["request"], "type": specs.transport}), env.expr(detail.get("record"))
            )
    for name, lookup in (data.get("lookups") or {}).items():
        source = build_list(
            {
                "request": lookup["request"],
                "paginator": lookup.get("paginator") or {"type": "none"},
                "records": lookup.get("records", "body"),
            },
            env=bare,
        )
        specs.lookups[name] = LookupSpec(
            name, source, env.expr(lookup["key"]), env.expr(lookup["value"]), bool(lookup.get("optional"))
        )
    for entry in data.get("custom_field_catalogue") or []:
        specs.custom_field_catalogue.append(
            CatalogueSpec(
                entry["lookup"],
                env.expr(entry["model"]),
                env.expr(entry["key"]),
                env.expr(entry["label"]) if entry.get("label") is not None else None,
                env.expr(entry["description"]) if entry.get("description") is not None else None,
            )
        )
    for action in specs.actions.values():
        action.typed_steps = [env.build("step", step) for step in action.steps]
    for read in specs.reads.values():
        read.typed_steps = [env.build("step", step) for step in read.steps]
        download = read.file.data.get("download")
        read.download = env.build("download", download) if isinstance(download, dict) else None


def connector_roots(folder: Path) -> list[Path]:
    """Connector folders in ``folder``: itself if it has a ``connector.yaml``, else its sub-folders that do."""
    if (folder / CONNECTOR_FILE).is_file():
        return [folder]
    return sorted(p.parent for p in folder.glob(f"*/{CONNECTOR_FILE}"))


class Engine:
    """Loads plugins and connector specs, and maps vendor records onto unified records.

    >>> engine = Engine()
    >>> engine.map_record("acme", "user", {"id": 7, "first": "Ann"})  # doctest: +SKIP

    Connectors come from the shipped ``mappings/``, from ``spec_dirs`` (and ``unimap.toml`` /
    ``UNIMAP_SPEC_PATH``) and from plugins' ``unimap_register_connectors``; a later source of
    the same connector name wins. Specs with error findings raise :class:`SpecError`.
    """

    def __init__(
        self,
        *,
        spec_dirs: Iterable[Path | str] = (),
        plugins: Iterable[str | object] = (),
        config: Config | None = None,
        entry_points: bool = True,
    ) -> None:
        self.config = config if config is not None else Config.load()
        self.pm: pluggy.PluginManager = plugin_manager.make_manager(
            [*self.config.plugins, *plugins], entry_points=entry_points
        )
        self.components = plugin_manager.components_of(self.pm)
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
        """A spec loader bound to this engine's functions and components."""
        return SpecLoader(self.functions, components=self.components)

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
            build_components(specs, BuildEnv(self.functions, self.pm.hook, self.components))
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

    def client(self, integration: Integration, **options: Any) -> VendorClient:
        """The one vendor-client factory: the integration's connector, credentials, settings and budget."""
        specs = self.connector(integration.connector)
        settings = self.settings(integration.connector, integration.settings)
        budget = settings.get("requests_per_minute")
        if budget is not None:  # a tenant with another request budget than the connector's
            options.setdefault("requests_per_minute", float(budget))
        return VendorClient(
            integration.connector,
            specs.data,
            integration.credentials,
            base_url=integration.base_url,
            hook=self.pm.hook,
            integration_id=integration.id,
            settings=settings,
            functions=self.functions,
            registry=self.components,
            **options,
        )

    def sandboxes(self) -> dict[str, Any]:
        """Connector → sandbox factory, from the plugins' ``unimap_register_sandboxes`` (the default first)."""
        found: dict[str, Any] = {}
        defaults: list[str] = []

        def register(connector: str, factory: Any, default: bool = False) -> None:
            found[connector] = factory
            if default:
                defaults.append(connector)

        self.pm.hook.unimap_register_sandboxes(register=register)
        return {name: found[name] for name in [*defaults, *sorted(set(found) - set(defaults))]}

    def stage_position(self, connector: str) -> Any:
        """A stage record → its sort key, from the stage source's ``order`` (``None`` when it has none)."""
        spec = self.connector(connector).models.get("application_stage")
        component = getattr(spec, "component", None)
        order = getattr(getattr(component, "list", component), "order", None)
        if spec is None or order is None:
            return None
        key = spec.remote_data_key
        return lambda record: order.search((record.get("remote_data") or {}).get(key) or {})

    def settings(self, connector: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """The connector's settings with an integration's ``overrides`` applied."""
        return {**self.connector(connector).settings, **(overrides or {})}

    def map_record(
        self,
        connector: str,
        model: str,
        raw: dict[str, Any],
        *,
        integration_id: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Map one vendor record of ``model`` to a unified record (with ``id`` and ``remote_data``)."""
        ctx = MappingContext(integration_id or f"{connector}:local", self.settings(connector, settings))
        return self.mapper(connector, model).map(raw, ctx)
