"""Integration settings: strict parsing and type checks against the connector's declared defaults.

A setting's type is the type of its default in ``connector.yaml`` (``max_attachment_bytes:
26214400`` is an integer, ``allow_private_urls: false`` a boolean). Settings the core reads
itself have a known type even when their default is ``null`` (:data:`KNOWN_TYPES`).

- :func:`parse_bool` reads ``true``/``false`` strictly (``"false"`` is never truthy);
- :func:`parse_setting` turns a ``--setting name=value`` string into a typed value;
- :func:`check_setting_types` lists every setting whose value has the wrong type.
"""

from __future__ import annotations

import json
import math
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from unimap.errors import ConfigError

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})

KNOWN_TYPES: dict[str, str] = {
    "allow_private_urls": "boolean",
    "max_attachment_bytes": "integer",
    "requests_per_minute": "number",
    "timezone": "timezone",
    "default_source": "string",
    "vacancy_url_prefix": "string",
    "sync_only_created_applications": "boolean",
}
"""Types of the settings the core reads itself (they hold even where the default is ``null``)."""

_MINIMUM = {"max_attachment_bytes": 1, "requests_per_minute": 0}


def parse_bool(value: Any, name: str = "value") -> bool:
    """``True``/``False`` from a bool or true/false, yes/no, on/off, 1/0; anything else is a :class:`ConfigError`.

    ``bool("false")`` is ``True``; this is the function to call instead.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ConfigError(f"setting {name}: {value!r} is not a boolean (use true or false)")


def type_of(name: str, default: Any) -> str | None:
    """The declared type of setting ``name``: from :data:`KNOWN_TYPES`, else from its default (None: any)."""
    if name in KNOWN_TYPES:
        return KNOWN_TYPES[name]
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, float):
        return "number"
    if isinstance(default, str):
        return "string"
    if isinstance(default, list):
        return "array"
    if isinstance(default, dict):
        return "object"
    return None


def _problem(name: str, value: Any, kind: str) -> str | None:
    if value is None:
        return None  # null means "not set": the code falls back to its own default
    if kind == "boolean":
        return None if isinstance(value, bool) else f"setting {name}: {value!r} is not a boolean (true or false)"
    if kind in ("integer", "number"):
        ok = isinstance(value, int) if kind == "integer" else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or (isinstance(value, float) and not math.isfinite(value)):
            return f"setting {name}: {value!r} is not {'an integer' if kind == 'integer' else 'a number'}"
        if name in _MINIMUM and value < _MINIMUM[name]:
            return f"setting {name}: {value!r} is below the minimum {_MINIMUM[name]}"
        return None
    if kind == "timezone":
        if not isinstance(value, str):
            return f"setting {name}: {value!r} is not a time zone name"
        if value.upper() == "UTC":
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return f"setting {name}: {value!r} is not a known time zone (use an IANA name such as Europe/Amsterdam)"
        return None
    expected = {"string": str, "array": list, "object": dict}[kind]
    if not isinstance(value, expected):
        article = "an" if kind[0] in "ao" else "a"
        return f"setting {name}: {value!r} is not {article} {kind}"
    return None


def check_setting_types(settings: dict[str, Any], defaults: dict[str, Any]) -> list[tuple[str, str]]:
    """``(name, message)`` for every setting whose value does not have the type of its default.

    Settings absent from ``defaults`` are not checked here (unknown settings are a separate check).
    """
    problems: list[tuple[str, str]] = []
    for name, value in settings.items():
        if name not in defaults and name not in KNOWN_TYPES:
            continue
        kind = type_of(name, defaults.get(name))
        message = _problem(name, value, kind) if kind else None
        if message:
            problems.append((name, message))
    return problems


def parse_setting(name: str, text: str, default: Any = None) -> Any:
    """The typed value of ``--setting name=text`` for a setting whose default is ``default``.

    ``null`` (or an empty string) unsets; booleans are strict; integers must be integers;
    arrays and objects are JSON; strings are taken as given. A wrong value is a
    :class:`ConfigError` naming the setting.
    """
    if text.strip().lower() in ("null", ""):
        return None
    kind = type_of(name, default)
    if kind == "boolean":
        return parse_bool(text, name)
    if kind in ("integer", "number"):
        try:
            value: Any = int(text.strip()) if kind == "integer" else float(text.strip())
        except ValueError:
            raise ConfigError(
                f"setting {name}: {text!r} is not {'an integer' if kind == 'integer' else 'a number'}"
            ) from None
    elif kind in ("array", "object"):
        try:
            value = json.loads(text)
        except ValueError:
            raise ConfigError(f"setting {name}: {text!r} is not a JSON {kind}") from None
    elif kind in ("string", "timezone"):
        value = text
    else:  # null default and no known type: a JSON literal if it is one, else the string
        try:
            value = json.loads(text)
        except ValueError:
            value = text
    message = _problem(name, value, kind) if kind else None
    if message:
        raise ConfigError(message)
    return value
