"""Property test: compiled condition trees and sorts agree with a plain-Python oracle."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unimap_connectors.otys.sandbox import SandboxSettings, generate
from unimap_connectors.otys.sandbox.query import Compiler
from unimap_connectors.otys.sandbox.schema import build_schemas
from unimap_connectors.otys.sandbox.timefmt import Clockface, iso_z

CLOCK = Clockface("Europe/Amsterdam", "%Y-%m-%d %H:%M:%S")
RECORDS = generate(seed=9, size=150).records["CandidateService"]
FIELDS = build_schemas(SandboxSettings())["CandidateService"].fields
COMPILER = Compiler("CandidateService", FIELDS, CLOCK)

GETTERS = {
    "statusId": lambda r: r["statusId"],
    "source": lambda r: r["source"],
    "Person.lastName": lambda r: r["Person"]["lastName"],
    "lastModified": lambda r: r["lastModified"],
}
KINDS = {"statusId": "int", "source": "str", "Person.lastName": "str", "lastModified": "datetime"}


def _norm(kind: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if kind == "int":
        return float(value)
    if kind == "str":
        return str(value).lower()
    return CLOCK.instant(value) if isinstance(value, str) and " " in value else CLOCK.parse_param(value)


def oracle(node: dict[str, Any], rec: dict[str, Any]) -> bool:
    if node["type"] == "AND":
        return all(oracle(n, rec) for n in node["items"])
    if node["type"] == "OR":
        return any(oracle(n, rec) for n in node["items"])
    field, op, param = node["field"], node["op"], node["param"]
    kind = KINDS[field]
    raw = GETTERS[field](rec)
    if param is None:
        return (raw in (None, "")) if op == "EQ" else (raw not in (None, "")) if op == "NE" else False
    if op == "LIKE":
        rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in str(param))
        return raw is not None and re.fullmatch(rx, str(raw), re.I | re.S) is not None
    value = _norm(kind, raw)
    if value is None:
        return False
    if isinstance(param, list):
        hit = value in {_norm(kind, p) for p in param}
        return hit if op == "EQ" else not hit
    want = _norm(kind, param)
    return {
        "EQ": value == want,
        "NE": value != want,
        "GT": value > want,
        "GE": value >= want,
        "LT": value < want,
        "LE": value <= want,
    }[op]


def _params(field: str) -> st.SearchStrategy[Any]:
    values = [GETTERS[field](r) for r in RECORDS]
    present = sorted({v for v in values if v is not None}, key=str)
    if field == "lastModified":
        return st.tuples(st.sampled_from(present), st.sampled_from([-0.5, 0.0, 0.5])).map(
            lambda vd: iso_z(CLOCK.instant(vd[0]) + vd[1])
        )
    base = st.sampled_from(present)
    if field == "statusId":
        return st.one_of(base, base.map(str), st.lists(base, min_size=1, max_size=3), st.none())
    return st.one_of(base, base.map(str.upper), st.lists(base, min_size=1, max_size=3), st.none())


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    field = draw(st.sampled_from(sorted(GETTERS)))
    param = draw(_params(field))
    ops = ["EQ", "NE"] if isinstance(param, list) else ["EQ", "NE", "GT", "GE", "LT", "LE"]
    if KINDS[field] == "str" and isinstance(param, str):
        ops.append("LIKE")
        if draw(st.booleans()):
            param = param[: max(1, len(param) // 2)] + "%"
    return {"type": "COND", "field": field, "op": draw(st.sampled_from(ops)), "param": param}


trees = st.recursive(
    leaves(),
    lambda kids: st.fixed_dictionaries({"type": st.sampled_from(["AND", "OR"]), "items": st.lists(kids, max_size=3)}),
    max_leaves=5,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_conditions_match_the_oracle(tree: dict[str, Any]) -> None:
    pred = COMPILER.condition(tree)
    got = [r["uid"] for r in RECORDS if pred is None or pred(r)]
    assert got == [r["uid"] for r in RECORDS if oracle(tree, r)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(GETTERS)), st.sampled_from(["ASC", "DESC"])),
        min_size=1,
        max_size=3,
        unique_by=lambda t: t[0],
    )
)
def test_sorts_are_total_orders_with_uid_tiebreak(keys: list[tuple[str, str]]) -> None:
    rows = sorted(RECORDS, key=lambda r: r["uid"])
    for key, desc in reversed(COMPILER.sort(dict(keys))):
        rows.sort(key=key, reverse=desc)

    def sort_key(r: dict[str, Any]) -> tuple[Any, ...]:
        out: list[Any] = []
        for field, direction in keys:
            v = _norm(KINDS[field], GETTERS[field](r))
            rank = (0, 0) if v is None else (1, v)
            out.append(rank if direction == "ASC" else _Desc(rank))
        return (*out, r["uid"])

    assert [r["uid"] for r in rows] == [r["uid"] for r in sorted(RECORDS, key=sort_key)]


class _Desc:
    """Inverts comparison for DESC keys in the oracle."""

    def __init__(self, v: Any) -> None:
        self.v = v

    def __lt__(self, other: _Desc) -> bool:
        return self.v > other.v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.v == other.v

    def __hash__(self) -> int:
        return hash(self.v)
