"""Expression slots of a spec, found through its schema (``x-unimap-expression``/``x-unimap-template``).

The linter compiles every slot the schema marks, wherever a component puts it; no code lists
expression paths by hand. The walk follows the data: object properties, array items, the
``if``/``then`` branch a component's ``type`` selects, and ``oneOf``/``anyOf`` branches whose
JSON type fits the value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from unimap.yamlsource import JsonPath

__all__ = ["SlotKind", "iter_slots"]

SlotKind = Literal["expression", "template"]
_JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _fits(node: dict[str, Any], value: Any) -> bool:
    types = node.get("type")
    if types is None:
        const = node.get("properties", {}).get("type", {}).get("const")
        return const is None or (isinstance(value, dict) and value.get("type") == const)
    for name in types if isinstance(types, list) else [types]:
        if name in ("number", "integer"):
            if isinstance(value, int | float) and not isinstance(value, bool):
                return True
        elif isinstance(value, _JSON_TYPES.get(name, object)):
            return True
    return False


def _condition_holds(condition: dict[str, Any], value: Any) -> bool:
    """The ``if`` conditions composed schemas use: ``properties.<key>.const``."""
    if not isinstance(value, dict):
        return False
    required = condition.get("required", [])
    for key, sub in (condition.get("properties") or {}).items():
        if "const" not in sub:
            continue
        if key in value:
            if value[key] != sub["const"]:
                return False
        elif key in required:
            return False
    return all(key in value for key in required)


def iter_slots(schema: dict[str, Any], data: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, SlotKind]]:
    """``(path, kind)`` of every string in ``data`` that ``schema`` marks as an expression or a template."""
    seen: set[tuple[JsonPath, SlotKind]] = set()
    for found in _walk(schema, data, path):
        if found not in seen:
            seen.add(found)
            yield found


def _walk(node: Any, value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, SlotKind]]:
    if not isinstance(node, dict):
        return
    if isinstance(value, str):
        if node.get("x-unimap-expression"):
            yield path, "expression"
        elif node.get("x-unimap-template"):
            yield path, "template"
    for branch in node.get("allOf") or []:
        if "if" in branch:
            if _condition_holds(branch["if"], value):
                yield from _walk(branch.get("then"), value, path)
        else:
            yield from _walk(branch, value, path)
    for keyword in ("oneOf", "anyOf"):
        for branch in node.get(keyword) or []:
            if isinstance(branch, dict) and _fits(branch, value):
                yield from _walk(branch, value, path)
    if isinstance(value, dict):
        properties = node.get("properties") or {}
        extra = node.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                yield from _walk(properties[key], item, (*path, key))
            elif isinstance(extra, dict):
                yield from _walk(extra, item, (*path, key))
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(value):
            yield from _walk(node["items"], item, (*path, i))
