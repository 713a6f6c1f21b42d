"""Built-in JMESPath functions for ATS data: dates, enums, contacts, countries, ids, settings."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from unimap import context, ids
from unimap.default_plugins.countries import BY_NAME, COUNTRIES
from unimap.hookspecs import hookimpl
from unimap.timeutil import format_utc, iso_utc_text, parse_datetime

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TAGS = re.compile(r"<[^>]+>")
_NOT_DIALLED = re.compile(r"[^\d+]")
#: the key order ``as_list`` gives a tuple of text keys that are all positions (``_POSITIONS``),
#: and the keys ``labelled_fields`` reads, in order, for a prefix and a record's text keys
#: (``_LABELLED``): vendor records repeat the same keys, so each distinct tuple is sorted once
_POSITIONS: dict[tuple[str, ...], tuple[str, ...]] = {}
_LABELLED: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}
_ORDERS_MAX = 4096


def _unreadable(value: Any) -> bool:
    """Whether ``value`` claims to be a date but is not one (text that does not parse, an object, a list)."""
    if isinstance(value, str):
        return value.strip() not in ("", "0000-00-00", "0000-00-00 00:00:00")
    return isinstance(value, dict | list | bool)


def iso_datetime(value: Any, zone: str | None = None) -> str | None:
    """A vendor date/datetime as ISO-8601 UTC; naive values are in ``zone`` or setting ``timezone``.

    Null and empty values give null; a value that is not a date is an error (the record is skipped).
    """
    zone_name = zone or context.current().settings.get("timezone")
    if type(value) is str and (zone_name is None or type(zone_name) is str):
        text = iso_utc_text(value, zone_name)
        if text is None and _unreadable(value):
            raise ValueError(f"{value[:40]!r} is not a date")
        return text
    moment = parse_datetime(value, zone_name)
    if moment is None and _unreadable(value):
        raise ValueError(f"{str(value)[:40]!r} is not a date")
    return format_utc(moment) if moment else None


def iso_date(value: Any) -> str | None:
    """A vendor date as ``YYYY-MM-DD`` (no time zone shift); a value that is not a date is an error."""
    moment = parse_datetime(value, "UTC")
    if moment is None and _unreadable(value):
        raise ValueError(f"{str(value)[:40]!r} is not a date")
    return moment.date().isoformat() if moment else None


def enum_map(value: Any, mapping: dict[str, Any], default: Any = None) -> Any:
    """``mapping[str(value)]``, or ``default`` when the value is null or unmapped."""
    if value is None:
        return default
    key = value if isinstance(value, str) else _plain(value)
    return mapping.get(key, default)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def email(value: Any) -> str | None:
    """A trimmed, lower-cased e-mail address, or null when it is not one."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return text if _EMAIL.match(text) else None


def phone(value: Any, country: str | None = None) -> str | None:
    """A phone number in E.164 (``+31612345678``) when it can be read, else the trimmed input.

    National numbers (leading 0) get the calling code of ``country`` or setting
    ``default_country``.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    digits = _NOT_DIALLED.sub("", text.replace("(0)", "") if text.startswith(("+", "00")) else text)
    digits = digits[0] + digits[1:].replace("+", "") if digits else digits
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        digits = "+" + digits[1:].removeprefix("0") if digits[1:3] != "0" else digits
        return digits if 8 <= len(digits) <= 16 else text
    code = (country or context.current().settings.get("default_country") or "").upper()
    calling = COUNTRIES.get(code, (None, None, ()))[1]
    if digits.startswith("0") and calling and 9 <= len(digits) <= 12:
        return f"+{calling}{digits[1:]}"
    return text


def country_code(value: Any) -> str | None:
    """ISO 3166 alpha-2 code for a country name (EN/NL/DE/FR) or alpha-2/-3 code; else the input."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    return BY_NAME.get(text.casefold(), text)


def compact(values: Any) -> list[Any]:
    """The list without nulls and empty strings."""
    if not isinstance(values, list):
        return []
    return [v for v in values if v is not None and v != ""]


def join_nonempty(separator: str, values: Any) -> str | None:
    """Join the non-empty strings of ``values`` with ``separator``; null when none is left."""
    parts = [str(v).strip() for v in compact(values) if str(v).strip()]
    return separator.join(parts) if parts else None


def nullif_empty(value: Any) -> Any:
    """Null for empty strings, lists and objects; the value otherwise."""
    return None if value in ("", [], {}) else value


def trim(value: Any) -> Any:
    """Strip surrounding whitespace from a string (other values pass through)."""
    return value.strip() if isinstance(value, str) else value


def lower(value: Any) -> Any:
    """Lower-case a string (other values pass through)."""
    return value.lower() if isinstance(value, str) else value


def upper(value: Any) -> Any:
    """Upper-case a string (other values pass through)."""
    return value.upper() if isinstance(value, str) else value


def number(value: Any) -> float | int | None:
    """A number from a number or numeric string (``"1.234,50"`` and ``"1234.5"`` both work); else null."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    text = str(value).strip().replace(" ", "")
    if not text:
        return None
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")
    try:
        result = float(text)
    except ValueError:
        return None
    return int(result) if result.is_integer() and "." not in text else result


def _words(setting_name: str) -> tuple[str, ...]:
    """More words for true/false a connector declares (e.g. ``boolean_true: [ja, j]``)."""
    words = context.current().settings.get(setting_name) or ()
    return tuple(str(w).strip().lower() for w in words) if isinstance(words, list | tuple) else ()


def boolean(value: Any) -> bool | None:
    """True/false from booleans, 0/1 and yes/no/true/false strings; null otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true", "yes", "y", "on") or text in _words("boolean_true"):
            return True
        if text in ("0", "false", "no", "n", "off") or text in _words("boolean_false"):
            return False
    return None


def strip_html(value: Any) -> Any:
    """Text without HTML tags (other values pass through)."""
    return _TAGS.sub("", value).strip() if isinstance(value, str) else value


def items(value: Any) -> list[list[Any]]:
    """An object's ``[key, value]`` pairs, sorted by key (for objects keyed by position)."""
    if not isinstance(value, dict):
        return []
    return [[k, value[k]] for k in sorted(value, key=_sort_key)]


def _sort_key(key: Any) -> tuple[int, Any]:
    text = str(key)
    return (0, int(text)) if text.isdigit() else (1, text)


def _ordered(keys: tuple[str, ...], orders: dict[tuple[str, ...], tuple[str, ...]]) -> tuple[str, ...]:
    """``keys`` (all text) sorted by ``_sort_key``, remembered in ``orders`` for the next record with the same keys."""
    order = orders.get(keys)
    if order is None:
        order = tuple(sorted(keys, key=_sort_key))
        if len(orders) >= _ORDERS_MAX:
            orders.clear()
        orders[keys] = order
    return order


def _all_text(keys: tuple[Any, ...]) -> bool:
    for key in keys:  # noqa: SIM110 - a loop is faster than all() on a generator
        if type(key) is not str:
            return False
    return True


def from_items(pairs: Any) -> dict[str, Any]:
    """An object from ``[key, value]`` pairs (null keys are skipped)."""
    if not isinstance(pairs, list):
        return {}
    return {str(p[0]): p[1] for p in pairs if isinstance(p, list) and len(p) == 2 and p[0] is not None}


def as_list(value: Any) -> list[Any]:
    """A list from a list or an object keyed by position (its values, in order); ``[]`` for null.

    Anything else (text, a number, an object with other keys) is not a list the spec can read, so
    it is an error: the record is skipped with a warning instead of stored with an empty list.
    """
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        keys = tuple(value)
        order = _POSITIONS.get(keys)
        if order is not None and _all_text(keys):  # seen before: its keys are positions
            return [value[k] for k in order]
        if all(str(k).isdigit() for k in keys):
            if _all_text(keys):
                return [value[k] for k in _ordered(keys, _POSITIONS)]
            return [value[k] for k in sorted(value, key=_sort_key)]
    kind = "an object with other keys than positions" if isinstance(value, dict) else type(value).__name__
    raise ValueError(f"as_list() needs a list or an object keyed by position, got {kind}")


def setting(name: str, default: Any = None) -> Any:
    """The integration's setting ``name`` (connector default, then integration override)."""
    return context.current().settings.get(name, default)


def ref(model: str, remote_id: Any) -> str | None:
    """The unified id of ``model`` record ``remote_id`` in the current integration; null for null."""
    if remote_id is None or remote_id == "":
        return None
    return ids.unified_id(context.current().integration_id, model, _plain(remote_id))


def lookup(name: str, key: Any, default: Any = None) -> Any:
    """Row ``key`` of the connector's lookup table ``name`` (fetched once per sync)."""
    table = context.current().lookups.get(name, {})
    return table.get(_plain(key), default) if key is not None else default


def get(value: Any, key: Any) -> Any:
    """``value[key]`` for an object and a key computed at run time (null when absent)."""
    if isinstance(value, dict) and key is not None:
        return value.get(key if isinstance(key, str) else _plain(key))
    return None


def labelled_fields(record: Any, prefix: str, table: str) -> dict[str, Any]:
    """Fields named ``<prefix><n>`` with a value, keyed by their label from lookup ``table``."""
    if not isinstance(record, dict):
        return {}
    labels = context.current().lookups.get(table, {})
    result: dict[str, Any] = {}
    keys = tuple(record)
    order: Any
    if type(prefix) is str and _all_text(keys):  # remembered by the record's keys (all text)
        order = _LABELLED.get((prefix, keys))
        if order is None:
            order = tuple(sorted((k for k in keys if k.startswith(prefix)), key=_sort_key))
            if len(_LABELLED) >= _ORDERS_MAX:
                _LABELLED.clear()
            _LABELLED[(prefix, keys)] = order
    else:
        order = sorted((k for k in record if k.startswith(prefix)), key=_sort_key)
    for key in order:
        value = record[key]
        if value is None or value == "" or value == [] or value == {}:
            continue
        suffix = key[len(prefix) :]
        result[str(labels.get(suffix) or labels.get(key) or key)] = value
    return result


def integration_fields(record: Any, keys: Any, custom_prefixes: Any = None) -> list[dict[str, Any]]:
    """Kombo ``integration_fields`` for the vendor fields named in ``keys`` (a list or a key → label object).

    Fields whose name starts with one of ``custom_prefixes`` are ``CUSTOM``, the others ``DEFAULT``.
    """
    if not isinstance(record, dict) or not keys:
        return []
    labels = keys if isinstance(keys, dict) else {k: None for k in keys}
    prefixes = tuple(str(p) for p in custom_prefixes or ())
    ctx = context.current()
    return [
        {
            "id": ids.unified_id(ctx.integration_id, "integration_field", key),
            "key": key,
            "type": "CUSTOM" if prefixes and key.startswith(prefixes) else "DEFAULT",
            "value": record.get(key),
            "label": labels.get(key),
        }
        for key in labels
        if key in record
    ]


def to_text(value: Any) -> str | None:
    """A string for scalars (``1`` → ``"1"``), null for null and empty strings."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else _plain(value)


def parent() -> Any:
    """The parent vendor record of a fan-out source's record (``null`` elsewhere): ``ref('job', parent().id)``."""
    return context.current().parent


def today() -> str:
    """Today's date (UTC) as ``YYYY-MM-DD``."""
    return datetime.now(UTC).date().isoformat()


BUILTINS: list[tuple[str, Callable[..., Any], list[list[str]], int]] = [
    ("iso_datetime", iso_datetime, [["any"]], 1),
    ("iso_date", iso_date, [["any"]], 0),
    ("enum_map", enum_map, [["any"], ["object"]], 1),
    ("email", email, [["any"]], 0),
    ("phone", phone, [["any"]], 1),
    ("country_code", country_code, [["any"]], 0),
    ("compact", compact, [["any"]], 0),
    ("join_nonempty", join_nonempty, [["string"], ["any"]], 0),
    ("nullif_empty", nullif_empty, [["any"]], 0),
    ("trim", trim, [["any"]], 0),
    ("lower", lower, [["any"]], 0),
    ("upper", upper, [["any"]], 0),
    ("number", number, [["any"]], 0),
    ("boolean", boolean, [["any"]], 0),
    ("strip_html", strip_html, [["any"]], 0),
    ("items", items, [["any"]], 0),
    ("from_items", from_items, [["any"]], 0),
    ("as_list", as_list, [["any"]], 0),
    ("setting", setting, [["string"]], 1),
    ("ref", ref, [["string"], ["any"]], 0),
    ("to_text", to_text, [["any"]], 0),
    ("lookup", lookup, [["string"], ["any"]], 1),
    ("get", get, [["any"], ["any"]], 0),
    ("labelled_fields", labelled_fields, [["any"], ["string"], ["string"]], 0),
    ("integration_fields", integration_fields, [["any"], ["any"]], 1),
    ("today", today, [], 0),
    ("parent", parent, [], 0),
]


@hookimpl
def unimap_register_functions(register: Callable[..., None]) -> None:
    """Register the built-in ATS functions (none of them changes its arguments)."""
    for name, func, signature, optional in BUILTINS:
        register(name, func, signature, optional=optional, pure=True)
