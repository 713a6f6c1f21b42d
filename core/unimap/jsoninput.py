"""JSON from users (files, arguments, request bodies), with errors that name what was wrong."""

from __future__ import annotations

import json
from typing import Any

from unimap.errors import InputInvalid


def parse_json(raw: str | bytes, what: str, *, expect: type | None = None, hint: str = "") -> Any:
    """Parse ``raw``; :class:`InputInvalid` naming ``what`` when it is not JSON or not an ``expect``."""
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise InputInvalid(f"{what} is not valid JSON ({exc})", fields=[what]) from None
    if expect is not None and not isinstance(value, expect):
        kind = {dict: "a JSON object", list: "a JSON array"}.get(expect, expect.__name__)
        raise InputInvalid(f"{what} must be {kind}{hint}", fields=[what])
    return value
