"""Walks over jmespath ASTs: function calls, literal arguments, field chains (what the linter checks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["chains", "flatten_chain", "function_calls", "literal_args", "negated_chain"]


def function_calls(ast: Any) -> Iterator[tuple[str, int]]:
    stack = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "function_expression":
                yield node["value"], len(node.get("children", []))
            stack.extend(node.get("children", []))


def literal_args(ast: Any, name: str, position: int = 0) -> Iterator[str]:
    """Arguments at ``position`` of calls to ``name`` that are string literals (e.g. setting names)."""
    stack = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            children = node.get("children", [])
            if node.get("type") == "function_expression" and node["value"] == name and len(children) > position:
                arg = children[position]
                if arg.get("type") == "literal" and isinstance(arg.get("value"), str):
                    yield arg["value"]
            stack.extend(children)


def negated_chain(ast: Any) -> bool:
    """Whether the AST has ``(!a).b``: a negation used as the left side of a sub-expression."""
    stack = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            children = node.get("children", [])
            if (
                node.get("type") in ("subexpression", "index_expression")
                and children
                and isinstance(children[0], dict)
                and children[0].get("type") == "not_expression"
            ):
                return True
            stack.extend(children)
    return False


def chains(ast: Any) -> Iterator[list[str]]:
    """Field chains like ``steps.job.status`` → ``["steps", "job", "status"]``."""
    stack = [ast]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        children = node.get("children", [])
        if node.get("type") == "subexpression":
            names = flatten_chain(node)
            if names:
                yield names
                children = children[1:]  # the leading chain is reported once, not again for its prefix
        stack.extend(children)


def flatten_chain(node: dict[str, Any]) -> list[str]:
    """The leading field names of a chain; jmespath may nest ``a.b.c`` pairwise or list it flat."""
    if node.get("type") == "field":
        return [node["value"]]
    children = node.get("children", [])
    if node.get("type") != "subexpression" or not children:
        return []
    names = flatten_chain(children[0])
    if not names:
        return []
    for child in children[1:]:
        if isinstance(child, dict) and child.get("type") == "field":
            names.append(child["value"])
            continue
        while isinstance(child, dict) and child.get("type") != "field" and child.get("children"):
            child = child["children"][0]  # `a[0]`, `a[*]`: the name sits leftmost
        if isinstance(child, dict) and child.get("type") == "field":
            names.append(child["value"])
        break
    return names
