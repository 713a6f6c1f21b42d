"""JSON from users (files, arguments, request bodies), with errors that name what was wrong.

Whatever the input, the result is either a clean value or :class:`InputInvalid`, never a crash
further down: nesting is capped at :data:`MAX_DEPTH`, ``NaN``/``Infinity`` and numbers that
overflow to infinity (``1e400``) are refused, strings with lone surrogates (``"\\ud800"``,
which no UTF-8 encoder accepts) are refused, and a file that is not UTF-8 is an input error.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from unimap.errors import InputInvalid

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted from a user."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_value(value: Any, what: str) -> None:
    """:class:`InputInvalid` naming ``what`` if ``value`` nests too deeply or holds a lone surrogate."""
    stack: list[tuple[Any, int, str]] = [(value, 0, what)]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, str):
            if _has_surrogate(item):
                raise InputInvalid(
                    f"{where}: the text contains a lone UTF-16 surrogate (not valid Unicode)", fields=[where]
                )
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise InputInvalid(f"{what} nests deeper than {MAX_DEPTH} levels", fields=[what])
        if isinstance(item, dict):
            for key, child in item.items():
                if _has_surrogate(key):
                    raise InputInvalid(
                        f"{where}: a key contains a lone UTF-16 surrogate (not valid Unicode)", fields=[where]
                    )
                stack.append((child, depth + 1, f"{where}.{key}" if where != "(body)" else key))
        else:
            stack.extend((child, depth + 1, f"{where}[{i}]") for i, child in enumerate(item))


def parse_json(raw: str | bytes, what: str, *, expect: type | None = None, hint: str = "") -> Any:
    """Parse ``raw``; :class:`InputInvalid` naming ``what`` when it is not JSON, unsafe, or not an ``expect``."""
    try:
        value = json.loads(raw, parse_float=_finite, parse_constant=_constant)
    except RecursionError:
        raise InputInvalid(f"{what} nests deeper than {MAX_DEPTH} levels", fields=[what]) from None
    except UnicodeDecodeError as exc:
        raise InputInvalid(f"{what} is not UTF-8 text (byte {exc.start}: {exc.reason})", fields=[what]) from None
    except ValueError as exc:
        raise InputInvalid(f"{what} is not valid JSON ({str(exc)[:200]})", fields=[what]) from None
    check_value(value, what)
    if expect is not None and not isinstance(value, expect):
        kinds: dict[type, str] = {dict: "a JSON object", list: "a JSON array"}
        kind = kinds.get(expect, expect.__name__)
        raise InputInvalid(f"{what} must be {kind}{hint}", fields=[what])
    return value


def read_json(source: str, what: str, *, expect: type | None = None) -> Any:
    """Read and parse JSON from file ``source`` (``-``: standard input) as bytes, so any encoding problem is named."""
    try:
        if source == "-":
            raw: bytes = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        else:
            with open(source, "rb") as handle:
                raw = handle.read()
    except OSError as exc:
        raise InputInvalid(f"{what}: cannot read {source}: {exc.strerror}", fields=[what]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputInvalid(
            f"{what} file {source} is not UTF-8 text (byte {exc.start}: {exc.reason})", fields=[what]
        ) from None
    return parse_json(text, f"{what} file {source}", expect=expect)
