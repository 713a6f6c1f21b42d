"""The component registry: every spec component type, its schema fragment and its runtime factory.

A spec component is a YAML object with a ``type`` (``paginator: {type: link_header}``). Each
category (transport, auth, paginator, …) has one registry entry per ``type``: the JSON Schema
fragment that describes the object (its expression slots marked ``x-unimap-expression`` or
``x-unimap-template``), and the factory that builds its runtime object. The spec schemas are
composed from these fragments (:func:`compose`), the linter finds expression slots through
them (:mod:`unimap.slots`), and plugins add types through ``unimap_register_components``.

Like Airbyte's low-code CDK: one map from ``type`` to constructor; unlike it, every slot is
linted with ``file:line:col``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from unimap.errors import ConfigError
from unimap.findings import did_you_mean

__all__ = [
    "CATEGORIES",
    "COMPONENT_KEY",
    "BuildEnv",
    "ComponentRegistry",
    "ComponentType",
    "compose",
    "expression",
    "expression_map",
    "obj",
    "template",
]

#: component categories, in the order the docs list them
CATEGORIES = (
    "transport",
    "request",
    "auth",
    "paginator",
    "rate_limit",
    "source",
    "incremental",
    "deletion",
    "step",
    "webhook_signature",
    "download",
)
#: a schema node ``{"x-unimap-component": "<category>"}`` stands for "any registered type of that category"
COMPONENT_KEY = "x-unimap-component"
#: a fragment's ``x-unimap-extends: <category>`` merges the properties of the selected type of that category
EXTENDS_KEY = "x-unimap-extends"
#: the type a component of these categories has when its ``type`` is left out
DEFAULT_TYPES = {"incremental": "timestamp", "rate_limit": "window"}
#: categories whose objects carry no ``type``: the connector's transport picks the shape
UNTYPED = frozenset({"request"})

Factory = Callable[..., Any]


@dataclass
class BuildEnv:
    """What a component factory gets besides its config: the engine's functions and hooks.

    ``expr``/``template``/``expr_map`` compile the component's own slots (cached by jmespath,
    and already checked by the linter with file:line:col).
    """

    functions: Any  # unimap.expressions.FunctionRegistry
    hook: Any = None
    registry: ComponentRegistry | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def expr(self, text: Any) -> Any:
        """The compiled expression ``text``, or ``None`` when there is none."""
        from unimap.expressions import compile_expression

        return compile_expression(text, self.functions) if isinstance(text, str) else None

    def template(self, text: Any) -> Any:
        """The compiled ``{placeholder}`` template ``text``, or ``None`` when there is none."""
        from unimap.expressions import compile_template

        return compile_template(text, self.functions) if isinstance(text, str) else None

    def expr_map(self, mapping: Any) -> dict[str, Any]:
        """A map of names to compiled expressions (non-string values become literal constants)."""
        from unimap.expressions import compile_expression

        out: dict[str, Any] = {}
        for key, value in (mapping or {}).items():
            text = value if isinstance(value, str) else "`" + _literal(value) + "`"
            out[str(key)] = compile_expression(text, self.functions)
        return out

    def build(self, category: str, config: Mapping[str, Any]) -> Any:
        """Build a nested component through the same registry."""
        if self.registry is None:
            raise ConfigError(f"no component registry to build a {category}")
        return self.registry.build(category, config, env=self)


def _literal(value: Any) -> str:
    import orjson

    return orjson.dumps(value).decode().replace("`", "\\`")


@dataclass(frozen=True)
class ComponentType:
    """One registered ``type`` of a category: its schema fragment and runtime factory."""

    category: str
    name: str
    schema: Mapping[str, Any]
    factory: Factory | None = None
    summary: str = ""

    def fragment(self) -> dict[str, Any]:
        """The fragment with ``type`` pinned to this component's name."""
        node = copy.deepcopy(dict(self.schema))
        props = node.setdefault("properties", {})
        props["type"] = {
            "const": self.name,
            "title": "Type",
            "description": self.summary or f"`{self.name}`.",
            "examples": [self.name],
        }
        node.setdefault("type", "object")
        node.setdefault("title", f"{self.category} `{self.name}`")
        node.setdefault("description", self.summary or self.name)
        node.setdefault("examples", [{"type": self.name}])
        return node


class ComponentRegistry:
    """``(category, type) → ComponentType``; one per engine."""

    def __init__(self) -> None:
        self._types: dict[str, dict[str, ComponentType]] = {c: {} for c in CATEGORIES}
        self._aliases: dict[tuple[str, str], str] = {}
        #: what is built from the registered types (composed spec schemas, their validators), by key;
        #: emptied by every registration so nothing built from an older set of types is used
        self.derived: dict[Hashable, Any] = {}

    def register(
        self,
        category: str,
        name: str,
        schema: Mapping[str, Any],
        factory: Factory | None = None,
        *,
        summary: str = "",
        aliases: Iterable[str] = (),
    ) -> None:
        """Register component ``name`` of ``category`` (a later registration of the same name replaces it)."""
        if category not in self._types:
            raise ConfigError(f"unknown component category {category!r} (known: {', '.join(CATEGORIES)})")
        self._types[category][name] = ComponentType(category, name, schema, factory, summary)
        self.derived.clear()
        for alias in aliases:
            self._aliases[(category, alias)] = name

    def names(self, category: str) -> list[str]:
        """Registered type names of ``category`` (aliases included)."""
        own = list(self._types.get(category, {}))
        return own + [a for (c, a) in self._aliases if c == category]

    def canonical(self, category: str, name: str) -> str:
        """The registered name behind ``name`` (an alias resolves to its target)."""
        return self._aliases.get((category, name), name)

    def get(self, category: str, name: str) -> ComponentType:
        """The component ``name`` of ``category``; :class:`ConfigError` with a suggestion when unknown."""
        found = self._types.get(category, {}).get(self.canonical(category, name))
        if found is None:
            hint = did_you_mean(name, self.names(category))
            raise ConfigError(
                f"unknown {category} type {name!r}"
                + (f"; did you mean {hint!r}?" if hint else "")
                + f" (known: {', '.join(sorted(self.names(category)))})"
            )
        return found

    def find(self, category: str, name: Any) -> ComponentType | None:
        """Like :meth:`get`, but ``None`` when unknown."""
        if not isinstance(name, str):
            return None
        return self._types.get(category, {}).get(self.canonical(category, name))

    def build(self, category: str, config: Mapping[str, Any], /, **env: Any) -> Any:
        """Build the runtime object of ``config`` (a component object with a ``type``, or the category's default)."""
        name = config.get("type") or DEFAULT_TYPES.get(category)
        component = self.get(category, str(name))
        if component.factory is None:
            raise ConfigError(f"{category} type {component.name!r} has no runtime")
        return component.factory(config, **env)

    def union(self, category: str, selected: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The schema of "any ``category`` component": a ``type`` enum, then the chosen type's fragment.

        ``selected`` pins categories that depend on the connector (e.g. ``request`` by transport):
        a pinned category's schema is that one type's fragment, without a ``type`` key.
        """
        selected = dict(selected or {})
        if category in selected:
            component = self.find(category, selected[category])
            if component is None:
                return {"type": "object", "title": category, "description": f"A {category}.", "examples": [{}]}
            return _resolve(component.fragment(), self, selected)  # `type` may be given, but need not
        names = sorted(self.names(category))
        if category in UNTYPED:  # no `type` to dispatch on: any registered shape will do
            shapes = []
            for name in names:
                shapes.append(_resolve(self.get(category, name).fragment(), self, selected))  # `type` optional
            return {
                "title": f"{category.capitalize()}",
                "description": f"A {category} of any transport (the connector's transport decides which keys apply).",
                "examples": [{}],
                "type": "object",
                "anyOf": shapes,
            }
        default = DEFAULT_TYPES.get(category)
        branches = []
        for name in names:
            component = self.get(category, name)
            branch = _resolve(component.fragment(), self, selected)
            branch["properties"]["type"] = {
                "const": name,
                "title": "Type",
                "description": branch["properties"]["type"]["description"],
                "examples": [name],
            }
            condition: dict[str, Any] = {"properties": {"type": {"const": name}}}
            if self.canonical(category, name) != default:
                condition["required"] = ["type"]  # the default type's branch also applies when `type` is left out
            branches.append({"if": condition, "then": branch})
        union: dict[str, Any] = {
            "type": "object",
            "title": f"{category.replace('_', ' ').capitalize()} component",
            "description": f"One of the registered {category} types, chosen by `type`"
            + (f" (default `{default}`)." if default else "."),
            "examples": [{"type": names[0]}] if names else [{}],
            "properties": {
                "type": {
                    "title": "Type",
                    "description": f"The {category} type.",
                    "examples": names[:2] or [""],
                    "enum": names,
                }
            },
            "allOf": branches,
        }
        if default is None:
            union["required"] = ["type"]
        return union


def _resolve(node: Any, registry: ComponentRegistry, selected: Mapping[str, str]) -> Any:
    """Replace component placeholders and ``x-unimap-extends`` inside ``node``."""
    if isinstance(node, list):
        return [_resolve(item, registry, selected) for item in node]
    if not isinstance(node, dict):
        return node
    if COMPONENT_KEY in node:
        union = registry.union(node[COMPONENT_KEY], selected)
        extra = {k: v for k, v in node.items() if k != COMPONENT_KEY}
        return {**union, **extra}
    out = {k: _resolve(v, registry, selected) for k, v in node.items() if k != EXTENDS_KEY}
    base_category = node.get(EXTENDS_KEY)
    if base_category:
        base = registry.union(base_category, selected)
        if "properties" in base:
            out["properties"] = {**base["properties"], **out.get("properties", {})}
            out["required"] = sorted({*base.get("required", []), *out.get("required", [])})
    return out


def compose(
    schema: Mapping[str, Any], registry: ComponentRegistry, selected: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A spec schema with every component placeholder replaced by the registered types."""
    return _resolve(copy.deepcopy(dict(schema)), registry, selected or {})


# -- fragment helpers: every node has a title, a description and examples --------------------------


def expression(title: str, description: str, examples: list[Any]) -> dict[str, Any]:
    """A JMESPath expression slot."""
    return {
        "type": "string",
        "x-unimap-expression": True,
        "title": title,
        "description": description,
        "examples": examples,
    }


def template(title: str, description: str, examples: list[Any]) -> dict[str, Any]:
    """A text slot with ``{expression}`` placeholders (e.g. ``/v3/jobs/{parent.id}/stages``)."""
    return {
        "type": "string",
        "x-unimap-template": True,
        "title": title,
        "description": description,
        "examples": examples,
    }


def expression_map(title: str, description: str, examples: list[Any]) -> dict[str, Any]:
    """A map of names to expressions (query parameters, headers, form fields)."""
    return {
        "type": "object",
        "title": title,
        "description": description,
        "examples": examples,
        "additionalProperties": expression(
            "Value", "An expression for this entry; `null` leaves it out.", ["cursor.since"]
        ),
    }


def obj(
    title: str, description: str, examples: list[Any], properties: dict[str, Any], *, required: list[str] | None = None
) -> dict[str, Any]:
    """A closed object node."""
    node: dict[str, Any] = {
        "type": "object",
        "title": title,
        "description": description,
        "examples": examples,
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        node["required"] = required
    return node
