"""getListEx mechanics: compile ``condition`` trees, ``sort`` maps and ``what`` projections.

Compiled objects are plain closures so that a cached selection can be paged for the cost of a
slice plus ``limit`` projections.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .errors import RpcError, unknown_field
from .schema import Field, resolve
from .timefmt import Clockface

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
Projector = Callable[[Record], Any]

OPERATORS = ("EQ", "NE", "GT", "GE", "LT", "LE", "LIKE")
_FALSY_WHAT = (0, False, None, "0", "")


def _getter(steps: list[str], fanout: list[str]) -> tuple[Callable[[Record], Any], bool]:
    """A function reading a dotted path; ``multi`` when the path crosses a list/map."""
    multi = any(k in ("list", "map") for k in fanout)
    if len(steps) == 1:
        name = steps[0]
        return (lambda r: r.get(name)), False
    if not multi:

        def get_nested(r: Record) -> Any:
            v: Any = r
            for st in steps:
                if not isinstance(v, dict):
                    return None
                v = v.get(st)
            return v

        return get_nested, False

    def get_many(r: Record) -> list[Any]:
        vals: list[Any] = [r]
        for idx, st in enumerate(steps):
            nxt: list[Any] = []
            for v in vals:
                if not isinstance(v, dict):
                    continue
                x = v.get(st)
                if idx < len(fanout):
                    kind = fanout[idx]
                    if x is None:
                        continue
                    if kind == "obj":
                        nxt.append(x)
                    elif kind == "list" and isinstance(x, list):
                        nxt.extend(x)
                    elif kind == "map" and isinstance(x, dict):
                        nxt.extend(x.values())
                else:
                    nxt.append(x)
            vals = nxt
        return vals

    return get_many, True


def _to_bool(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes", "on")
    return bool(v)


def _to_num(v: Any) -> float:
    if isinstance(v, bool):
        return float(v)
    return float(v)


class Compiler:
    """Compiles query parts for one service's fields."""

    def __init__(self, service: str, fields: Mapping[str, Field], clock: Clockface) -> None:
        self.service = service
        self.fields = fields
        self.clock = clock

    # -- values --------------------------------------------------------------------------

    def _value_norm(self, kind: str) -> Callable[[Any], Any]:
        """Stored value -> comparable value (None stays None)."""
        clock = self.clock
        if kind == "str":
            return lambda v: None if v is None else (v.lower() if isinstance(v, str) else str(v).lower())
        if kind in ("int", "num"):

            def num(v: Any) -> Any:
                if v is None or v == "":
                    return None
                try:
                    return _to_num(v)
                except (TypeError, ValueError):
                    return None

            return num
        if kind == "bool":
            return lambda v: None if v is None else _to_bool(v)
        if kind == "datetime":
            return lambda v: None if not v else clock.instant(v)
        if kind == "date":
            return lambda v: v or None
        return lambda v: v

    def _param_norm(self, kind: str, field: str, param: Any) -> Any:
        """Condition param -> comparable value; raises for a param that cannot match the kind."""
        try:
            if kind == "str":
                if isinstance(param, bool):
                    return "1" if param else "0"
                if isinstance(param, (dict, list)):
                    raise ValueError
                return str(param).lower()
            if kind in ("int", "num"):
                if isinstance(param, str) and param.strip().lower() in ("true", "false"):
                    return float(param.strip().lower() == "true")
                return _to_num(param)
            if kind == "bool":
                return _to_bool(param)
            if kind == "datetime":
                if isinstance(param, (int, float)) and not isinstance(param, bool):
                    return float(param)
                return self.clock.parse_param(str(param))
            if kind == "date":
                return self.clock.local_date(str(param))
        except (TypeError, ValueError) as exc:
            raise RpcError(
                "invalid_condition", f"Invalid condition param {param!r} for field '{field}' ({kind})"
            ) from exc
        raise RpcError("invalid_condition", f"Field '{field}' cannot be used in a condition")

    # -- conditions ----------------------------------------------------------------------

    def condition(self, cond: Any) -> Predicate | None:
        """A predicate for a condition tree (``None`` = no filter)."""
        if cond is None or cond == {} or cond == []:
            return None
        return self._node(cond)

    def _node(self, node: Any) -> Predicate:
        if not isinstance(node, dict):
            raise RpcError("invalid_condition", f"Invalid condition node: {node!r}")
        typ = str(node.get("type", "COND")).upper()
        if typ in ("AND", "OR"):
            items = node.get("items")
            if items is None:
                items = []
            if not isinstance(items, list):
                raise RpcError("invalid_condition", f"Condition group {typ} needs an 'items' list")
            preds = [self._node(it) for it in items]
            if typ == "AND":
                if len(preds) == 1:
                    return preds[0]
                return lambda r: all(p(r) for p in preds)
            return lambda r: any(p(r) for p in preds)
        if typ != "COND":
            raise RpcError("invalid_condition", f"Unknown condition type '{node.get('type')}'")
        return self._leaf(node)

    def _leaf(self, node: dict[str, Any]) -> Predicate:
        field = node.get("field")
        if not isinstance(field, str) or not field:
            raise RpcError("invalid_condition", "Condition without 'field'")
        op = node.get("op", "EQ")
        if not isinstance(op, str) or op.upper() not in OPERATORS:
            raise RpcError("invalid_operator", f"Invalid operator '{op}' (use one of {', '.join(OPERATORS)})")
        op = op.upper()
        try:
            f, steps, fanout = resolve(self.fields, field)
        except KeyError as exc:
            raise unknown_field(self.service, field) from exc
        if not f.scalar:
            raise RpcError("invalid_condition", f"Field '{field}' is not a value and cannot be compared")
        get, multi = _getter(steps, fanout)
        test = self._test(f.kind, field, op, node.get("param"))
        if not multi:
            return lambda r: test(get(r))

        def any_of(r: Record) -> bool:
            vals = get(r)
            if not vals:
                return test(None)
            return any(test(v) for v in vals)

        return any_of

    def _test(self, kind: str, field: str, op: str, param: Any) -> Callable[[Any], bool]:
        """A test of one stored value."""
        vnorm = self._value_norm(kind)
        if param is None:
            if op == "EQ":
                return lambda v: v is None or v == ""
            if op == "NE":
                return lambda v: v is not None and v != ""
            return lambda v: False
        if op == "LIKE":
            pats = [self._like(p) for p in (param if isinstance(param, list) else [param])]
            return lambda v: v is not None and any(p.fullmatch(str(v)) for p in pats)
        if isinstance(param, list):
            if op not in ("EQ", "NE"):
                raise RpcError("invalid_condition", f"Operator {op} does not take a list param")
            wanted = {self._param_norm(kind, field, p) for p in param}
            if op == "EQ":
                return lambda v: (x := vnorm(v)) is not None and x in wanted
            return lambda v: (x := vnorm(v)) is not None and x not in wanted
        if op == "GT" and param == "":
            return lambda v: v is not None and v != "" and v != [] and v != {}
        want = self._param_norm(kind, field, param)
        if op == "EQ":
            return lambda v: (x := vnorm(v)) is not None and x == want
        if op == "NE":
            return lambda v: (x := vnorm(v)) is not None and x != want
        if op == "GT":
            return lambda v: (x := vnorm(v)) is not None and x > want
        if op == "GE":
            return lambda v: (x := vnorm(v)) is not None and x >= want
        if op == "LT":
            return lambda v: (x := vnorm(v)) is not None and x < want
        return lambda v: (x := vnorm(v)) is not None and x <= want

    @staticmethod
    def _like(param: Any) -> re.Pattern[str]:
        text = str(param)
        out = []
        for ch in text:
            if ch == "%":
                out.append(".*")
            elif ch == "_":
                out.append(".")
            else:
                out.append(re.escape(ch))
        return re.compile("".join(out), re.IGNORECASE | re.DOTALL)

    # -- sort ----------------------------------------------------------------------------

    def sort(self, sort: Any) -> list[tuple[Callable[[Record], Any], bool]]:
        """(key function, descending) per sort key, in priority order."""
        if sort is None or sort == [] or sort == {}:
            return []
        if not isinstance(sort, dict):
            raise RpcError("invalid_sort", f"Invalid sort {sort!r}: expected a map field -> ASC|DESC")
        keys = []
        for field, direction in sort.items():
            if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
                raise RpcError("invalid_sort", f"Invalid sort direction {direction!r} for '{field}'")
            try:
                f, steps, fanout = resolve(self.fields, field)
            except KeyError as exc:
                raise unknown_field(self.service, field) from exc
            get, multi = _getter(steps, fanout)
            if not f.scalar or multi:
                raise RpcError("invalid_sort", f"Field '{field}' cannot be sorted on")
            norm = self._value_norm(f.kind)
            empty: Any = "" if f.kind in ("str", "date") else 0.0

            def key(
                r: Record, get: Callable[[Record], Any] = get, norm: Callable[[Any], Any] = norm, empty: Any = empty
            ) -> Any:
                x = norm(get(r))
                return (0, empty) if x is None else (1, x)

            keys.append((key, direction.upper() == "DESC"))
        return keys

    # -- projection ----------------------------------------------------------------------

    def what(self, what: Any, default: Any) -> Projector:
        """A projector for a ``what`` map (``None``/``{}`` = ``default``; ``default`` None = whole)."""
        if what is None or what == {} or what == []:
            if default is None:
                return lambda r: r
            what = default
        if what is True:
            return lambda r: r
        if not isinstance(what, dict):
            raise RpcError("invalid_params", f"Invalid params: 'what' must be an object, got {what!r}")
        return self._project(self.fields, what, "")

    def _project(self, fields: Mapping[str, Field], what: dict[str, Any], prefix: str) -> Projector:
        parts: list[tuple[str, str | None, Projector | None]] = []
        for name, sub in what.items():
            f = fields.get(name)
            if f is None:
                raise unknown_field(self.service, prefix + name)
            if isinstance(sub, dict):
                if not sub:
                    parts.append((name, None, None))
                elif f.kind == "obj" and f.children is not None:
                    parts.append((name, "obj", self._project(f.children, sub, f"{prefix}{name}.")))
                elif f.kind in ("list", "map") and f.item is not None and f.item.children is not None:
                    parts.append((name, f.kind, self._project(f.item.children, sub, f"{prefix}{name}.")))
                else:
                    first = next(iter(sub))
                    raise unknown_field(self.service, f"{prefix}{name}.{first}")
            elif sub in _FALSY_WHAT:
                continue
            else:
                parts.append((name, None, None))
        if all(kind is None for _, kind, _ in parts):
            names = [p[0] for p in parts]
            return lambda r: {k: r.get(k) for k in names}

        def project(r: Record) -> Record:
            out: Record = {}
            for name, kind, sub in parts:
                v = r.get(name)
                if kind is None or v is None or sub is None:
                    out[name] = v
                elif kind == "obj":
                    out[name] = sub(v) if isinstance(v, dict) else v
                elif kind == "list":
                    out[name] = [sub(e) if isinstance(e, dict) else e for e in v]
                else:
                    out[name] = {k: sub(e) if isinstance(e, dict) else e for k, e in v.items()}
            return out

        return project


def index_hint(cond: Any, indexed: tuple[str, ...]) -> tuple[str, Any] | None:
    """An (indexed field, scalar) pair whose EQ the whole condition requires, if any."""
    if not indexed or not isinstance(cond, dict):
        return None
    typ = str(cond.get("type", "COND")).upper()
    if typ == "COND":
        if (
            cond.get("field") in indexed
            and str(cond.get("op", "EQ")).upper() == "EQ"
            and isinstance(cond.get("param"), str)
        ):
            return cond["field"], cond["param"]
        return None
    if typ == "AND" and isinstance(cond.get("items"), list):
        for item in cond["items"]:
            hint = index_hint(item, indexed)
            if hint:
                return hint
    return None
