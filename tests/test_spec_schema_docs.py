"""The spec format's JSON Schemas document every node, so reference docs can be generated from them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from unimap.resources import schemas_dir

SPEC_SCHEMAS = sorted((schemas_dir() / "spec").glob("*.schema.json"))


def subschemas(node: dict[str, Any], path: tuple[Any, ...] = ()) -> Iterator[tuple[dict[str, Any], tuple[Any, ...]]]:
    """Every schema node below ``node`` (not examples or ``if`` conditions)."""
    yield node, path
    for keyword in ("properties", "$defs", "patternProperties"):
        for name, sub in (node.get(keyword) or {}).items():
            yield from subschemas(sub, (*path, keyword, name))
    for keyword in ("items", "additionalProperties", "then", "else", "not"):
        if isinstance(node.get(keyword), dict):
            yield from subschemas(node[keyword], (*path, keyword))
    for keyword in ("allOf", "oneOf", "anyOf", "prefixItems"):
        for i, sub in enumerate(node.get(keyword) or []):
            yield from subschemas(sub, (*path, keyword, i))


def undocumented(schema: dict[str, Any]) -> list[str]:
    missing = []
    for node, path in subschemas(schema):
        if not path or set(node) <= {"$ref"}:
            continue
        if path[-2:-1] in (("allOf",), ("oneOf",), ("anyOf",)) and set(node) <= {"$ref", "if", "then"}:
            continue  # a branch that only dispatches
        lacking = [k for k in ("title", "description", "examples") if k not in node]
        if lacking:
            missing.append(f"{'/'.join(map(str, path))}: no {', '.join(lacking)}")
    return missing


@pytest.mark.parametrize("path", SPEC_SCHEMAS, ids=lambda p: p.name)
def test_every_node_has_title_description_and_examples(path: Any) -> None:
    assert undocumented(json.loads(path.read_text(encoding="utf-8"))) == []


def test_the_checker_notices_a_bare_node() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert undocumented(schema) == ["properties/a: no title, description, examples"]


@pytest.mark.parametrize("path", SPEC_SCHEMAS, ids=lambda p: p.name)
def test_objects_refuse_unknown_keys(path: Any) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    open_objects = [
        "/".join(map(str, p))
        for node, p in subschemas(schema)
        if node.get("type") == "object"
        and "properties" in node
        and "additionalProperties" not in node
        and "allOf" not in node  # dispatching nodes close their branches
    ]
    assert open_objects == []
