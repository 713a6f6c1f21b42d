"""Write data -> stored record: type coercion, deep merge, and ``ADD``/``DELETE`` collection actions.

Rules (see docs/otys-sandbox.md): objects merge member by member; a map (``PhoneNumbers``)
merges by key (``null`` removes a key); a list given as an array replaces the list. With
``updateEx`` (and ``add``) a map or list may carry action keys: ``"DELETE": []`` empties it,
``"DELETE": [keys or uids]`` removes entries, ``"ADD": [items]`` appends items. Server-maintained
(read-only) fields are ignored. Object fields are never null: they come back with null members.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import RpcError, unknown_field, validation
from .schema import PHONE_TYPES, Field
from .timefmt import Clockface

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ACTIONS = ("ADD", "DELETE")


def blank(fields: Mapping[str, Field]) -> dict[str, Any]:
    """A record/object with every member present and empty."""
    out: dict[str, Any] = {}
    for name, f in fields.items():
        out[name] = blank_value(f)
    return out


def blank_value(f: Field) -> Any:
    """The empty value of one field (objects filled, lists [] and maps {})."""
    if f.kind == "obj" and f.children is not None:
        return blank(f.children)
    if f.kind == "list":
        return []
    if f.kind == "map":
        return {}
    return None


class Merger:
    """Applies write data of one service to a record, following the service's schema."""

    def __init__(self, service: str, clock: Clockface, *, strict: bool) -> None:
        self.service = service
        self.clock = clock
        self.strict = strict

    def merge(
        self, fields: Mapping[str, Field], current: dict[str, Any] | None, change: Any, *, ex: bool, path: str = ""
    ) -> dict[str, Any]:
        """``current`` with ``change`` applied (a new dict; ``current`` is not touched)."""
        if change is None:
            return blank(fields)
        if not isinstance(change, dict):
            raise validation(f"'{path.rstrip('.') or 'data'}' must be an object")
        out = dict(current) if current is not None else blank(fields)
        for name, value in change.items():
            f = fields.get(name)
            if f is None:
                if self.strict:
                    raise unknown_field(self.service, path + name)
                continue
            if f.readonly:
                continue
            out[name] = self._value(f, out.get(name), value, ex=ex, path=f"{path}{name}")
        return out

    def _value(self, f: Field, current: Any, value: Any, *, ex: bool, path: str) -> Any:
        if f.kind == "obj" and f.children is not None:
            return self.merge(f.children, current, value, ex=ex, path=path + ".")
        if f.kind == "map":
            return self._map(f, current, value, ex=ex, path=path)
        if f.kind == "list":
            return self._list(f, current, value, ex=ex, path=path)
        if f.kind == "any":
            return value
        return self.coerce(f, value, path)

    def _item(self, f: Field, value: Any, path: str, current: Any = None) -> Any:
        assert f.item is not None
        return self._value(f.item, current, value, ex=False, path=path)

    def _check_actions(self, value: dict[str, Any], ex: bool, path: str) -> None:
        if not ex and any(k in value for k in ACTIONS):
            raise validation(f"'{path}': ADD/DELETE actions need updateEx")

    def _map(self, f: Field, current: Any, value: Any, *, ex: bool, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if isinstance(value, list):
            value = {str(k + 1): v for k, v in enumerate(value)}
        if not isinstance(value, dict):
            raise validation(f"'{path}' must be an object keyed by id")
        self._check_actions(value, ex, path)
        out: dict[str, Any] = dict(current or {})
        if "DELETE" in value:
            dels = value["DELETE"]
            if not dels:
                out.clear()
            else:
                for key in dels if isinstance(dels, list) else [dels]:
                    out.pop(str(key), None)
        for key, item in value.items():
            if key in ACTIONS:
                continue
            if item is None:
                out.pop(str(key), None)
            else:
                out[str(key)] = self._item(f, item, f"{path}.{key}", out.get(str(key)))
        if "ADD" in value:
            adds = value["ADD"]
            typed = (
                f.item is not None
                and f.item.children is not None
                and "type" in f.item.children
                and f.item.children["type"].enum == PHONE_TYPES
            )
            for item in adds if isinstance(adds, list) else [adds]:
                if typed and isinstance(item, dict) and item.get("type") in PHONE_TYPES:
                    key = PHONE_TYPES.index(item["type"]) + 1  # a phone's key is the slot of its type
                    if str(key) in out:
                        raise validation(
                            f"'{path}.ADD': slot {key} ({item['type']}) is taken; "
                            f'DELETE it first or write key "{key}"'
                        )
                else:
                    key = 1
                    while str(key) in out:
                        key += 1
                out[str(key)] = self._item(f, item, f"{path}.ADD")
        return out

    def _list(self, f: Field, current: Any, value: Any, *, ex: bool, path: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, list):
            return self._with_uids(f, [], [self._item(f, v, f"{path}[{n}]") for n, v in enumerate(value)])
        if not isinstance(value, dict) or not ex or not set(value) <= set(ACTIONS):
            raise validation(f"'{path}' must be an array (or ADD/DELETE actions with updateEx)")
        out = list(current or [])
        has_uid = f.item is not None and f.item.children is not None and "uid" in f.item.children
        if "DELETE" in value:
            dels = value["DELETE"]
            if not dels:
                out = []
            else:
                dels = dels if isinstance(dels, list) else [dels]
                if has_uid:
                    gone = {str(x) for x in dels}
                    out = [e for e in out if str((e or {}).get("uid")) not in gone]
                else:
                    gone_idx = {int(x) for x in dels if str(x).lstrip("-").isdigit()}
                    out = [e for n, e in enumerate(out) if n not in gone_idx]
        if "ADD" in value:
            adds = value["ADD"]
            new = [self._item(f, v, f"{path}.ADD") for v in (adds if isinstance(adds, list) else [adds])]
            out = self._with_uids(f, out, new)
        return out

    @staticmethod
    def _with_uids(f: Field, existing: list[Any], new: list[Any]) -> list[Any]:
        """Append ``new``, giving items of uid-carrying lists a fresh int uid when they lack one."""
        if f.item is None or f.item.children is None or "uid" not in f.item.children:
            return existing + new
        top = max(
            [e.get("uid") or 0 for e in existing + new if isinstance(e, dict) and isinstance(e.get("uid"), int)] or [0]
        )
        out = list(existing)
        for item in new:
            if isinstance(item, dict) and item.get("uid") is None:
                top += 1
                item = {**item, "uid": top}
            out.append(item)
        return out

    def coerce(self, f: Field, value: Any, path: str) -> Any:
        """A scalar write value in the field's stored type (``validation`` error if impossible)."""
        if value is None:
            return None
        kind = f.kind
        try:
            if kind == "str":
                if isinstance(value, bool):
                    value = "1" if value else "0"
                elif isinstance(value, (int, float)):
                    value = str(value)
                elif not isinstance(value, str):
                    raise ValueError
                if f.enum is not None and value not in f.enum:
                    raise validation(f"'{path}' must be one of {', '.join(f.enum)} (got {value!r})")
                return value
            if kind == "int":
                if value == "":
                    return None
                if isinstance(value, bool):
                    return int(value)
                if isinstance(value, float) and value.is_integer():
                    return int(value)
                if isinstance(value, int) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
                    return int(value)
                raise ValueError
            if kind == "num":
                if value == "":
                    return None
                if isinstance(value, (bool, dict, list)):
                    raise ValueError
                num = float(value)
                return int(num) if num.is_integer() and not isinstance(value, float) else num
            if kind == "bool":
                if isinstance(value, bool):
                    return value
                if isinstance(value, (int, float)):
                    return bool(value)
                if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "0", "false", "no", ""):
                    return value.strip().lower() in ("1", "true", "yes")
                raise ValueError
            if kind == "date":
                if value == "":
                    return None
                if not isinstance(value, str):
                    raise ValueError
                return self.clock.local_date(value)
            if kind == "datetime":
                if not isinstance(value, str):
                    raise ValueError
                return self.clock.format(self.clock.parse_param(value))
        except RpcError:
            raise
        except (TypeError, ValueError) as exc:
            raise validation(f"'{path}' has an invalid {kind} value: {value!r}") from exc
        return value
