"""Compiled JMESPath (``unimap.compiled``) and compiled schemas (``unimap.validate``) equal their references.

Property tests evaluate generated expressions (random combinations of every node type the
compiler handles, with built-in and custom functions, right and wrong arities and argument
types) on generated JSON values, and every OTYS spec expression on generated OTYS-shaped
vendor records, once compiled and once with jmespath's interpreter: results must be identical
(same types, same key order) or both must raise the same exception with the same message. The
compiled schema checks must give jsonschema's verdict on mutated mapped records.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import jmespath
import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jmespath import exceptions as jexc
from jmespath.visitor import _Expression as ExpressionReference

from unimap import compiled, context, validate
from unimap.context import MappingContext
from unimap.engine import Engine
from unimap.expressions import FunctionRegistry, compile_expression
from unimap.mapping import RecordMapper
from unimap_connectors.otys.sandbox import generate

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"

#: OTYS spec expressions that run in the interpreter on purpose, with the reason: (file, path) -> why
FALLBACKS: dict[tuple[str, tuple[Any, ...]], str] = {}

#: examples per property test: UNIMAP_COMPILED_EXAMPLES=5000 for a long hunt
EXAMPLES = int(os.environ.get("UNIMAP_COMPILED_EXAMPLES", "300"))
PROPERTY_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="module")
def ctx(engine: Engine) -> MappingContext:
    return MappingContext(
        "otys:test", engine.settings("otys"), {"candidate_extra_fields": {"1": "Driving licence", "3": "Notice"}}
    )


# -- comparing outcomes -------------------------------------------------------------------------

_ADDRESS = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")


def same(left: Any, right: Any) -> bool:
    """Equal, with the same types all the way down (True is not 1, 1.0 is not 1) and the same key order.

    Expression references (``&expr`` returned by a function that takes any value) are the same when
    they refer to the same expression; strings showing an object's address differ only there.
    """
    if type(left) is not type(right):
        return False
    if isinstance(left, ExpressionReference):
        return bool(left.expression == right.expression)
    if isinstance(left, str) and " object at 0x" in left:
        return _ADDRESS.sub("<object>", left) == _ADDRESS.sub("<object>", right)
    if isinstance(left, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return list(left) == list(right) and all(same(left[k], right[k]) for k in left)
    return bool(left == right)


def outcome(evaluate: Any, data: Any) -> tuple[Any, ...]:
    try:
        return ("value", evaluate(data))
    except Exception as exc:  # every kind of error must match (an expref's repr differs only by its address)
        return ("error", type(exc), _ADDRESS.sub("<object>", str(exc)))


def assert_same_outcome(expression: Any, data: Any) -> None:
    compiled_fn = compiled.compile_ast(expression.parsed.parsed, expression.registry)
    assert compiled_fn is not None, expression.text
    got = outcome(compiled_fn, data)
    want = outcome(expression.interpret, data)
    assert got[0] == want[0], (expression.text, data, got, want)
    if got[0] == "value":
        assert same(got[1], want[1]), (expression.text, data, got, want)
    else:
        assert got[1:] == want[1:], (expression.text, data, got, want)


# -- strategies ----------------------------------------------------------------------------------

KEYS = ["a", "b", "c", "foo", "0"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 3),
    st.integers(),
    st.sampled_from([0.0, -0.0, 1.0, 2.5, -1.5, math.inf]),
    st.sampled_from(["", "a", "b", "foo", "0", "1", "A b", "2024-05-01 10:00:00", "Open"]),
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEYS), children, max_size=4),
    max_leaves=16,
)
#: mostly objects that have the fields the generated expressions read, so paths lead somewhere
DATA = st.one_of(
    JSON,
    st.fixed_dictionaries({key: JSON for key in KEYS[:4]}),
    st.fixed_dictionaries(
        {key: st.lists(st.fixed_dictionaries({}, optional={k: JSON for k in KEYS[:4]}), max_size=3) for key in KEYS[:2]}
    ),
)
JSON_WITH_NAN = st.recursive(
    SCALARS | st.just(math.nan),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=3),
    max_leaves=10,
)

BUILTIN = [
    "abs",
    "avg",
    "ceil",
    "contains",
    "ends_with",
    "floor",
    "join",
    "keys",
    "length",
    "map",
    "max",
    "max_by",
    "merge",
    "min",
    "min_by",
    "not_null",
    "reverse",
    "sort",
    "sort_by",
    "starts_with",
    "sum",
    "to_array",
    "to_number",
    "to_string",
    "type",
    "values",
]
CUSTOM = [
    "as_list",
    "boolean",
    "compact",
    "enum_map",
    "from_items",
    "get",
    "items",
    "join_nonempty",
    "lower",
    "nullif_empty",
    "number",
    "to_text",
    "trim",
    "upper",
    "setting",
    "lookup",
    "ref",
    "email",
    "country_code",
    "iso_date",
    "strip_html",
    "no_such_function",
]


def _literal(value: Any) -> str:
    return "`" + json.dumps(value).replace("`", "\\`") + "`"


LEAVES = st.one_of(
    st.sampled_from(KEYS[:4]),
    st.just("@"),
    st.sampled_from(['"a"', '"foo"', '"0"', '"a b"']),
    st.sampled_from(["'a'", "''", "'foo'", "'0'", "'b'"]),
    JSON.map(_literal),
)


def _compose(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ident = st.sampled_from(KEYS[:4])
    index = st.integers(-3, 3)
    bound = st.one_of(st.just(""), st.integers(-3, 3).map(str))
    step = st.one_of(st.just(""), st.sampled_from(["1", "2", "-1", "-2", "0"]))
    ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    fname = st.sampled_from(BUILTIN + CUSTOM)
    arg = st.one_of(inner, inner.map(lambda e: f"&({e})"))
    rhs = st.one_of(  # what may follow a dot or a projection
        ident,
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: f"[{', '.join(xs)}]"),
        st.lists(st.tuples(ident, inner), min_size=1, max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
        ),
        st.tuples(fname, st.lists(arg, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
    )
    return st.one_of(
        st.tuples(inner, rhs).map(lambda t: f"({t[0]}).{t[1]}"),
        st.tuples(inner, index).map(lambda t: f"({t[0]})[{t[1]}]"),
        st.tuples(inner, bound, bound, step).map(lambda t: f"({t[0]})[{t[1]}:{t[2]}:{t[3]}]"),
        st.tuples(inner, rhs).map(lambda t: f"({t[0]})[*].{t[1]}"),
        inner.map(lambda e: f"({e})[*]"),
        st.tuples(inner, rhs).map(lambda t: f"({t[0]}).*.{t[1]}"),
        inner.map(lambda e: f"({e}).*"),
        inner.map(lambda e: f"({e})[]"),
        st.tuples(inner, rhs).map(lambda t: f"({t[0]})[].{t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})[?{t[1]}]"),
        st.tuples(inner, inner, rhs).map(lambda t: f"({t[0]})[?{t[1]}].{t[2]}"),
        st.tuples(inner, ops, inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]}) || ({t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]}) && ({t[1]})"),
        inner.map(lambda e: f"!({e})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]}) | ({t[1]})"),
        rhs,
    )


EXPRESSIONS = st.recursive(LEAVES, _compose, max_leaves=10)


def _parsed(registry: FunctionRegistry, text: str) -> Any:
    try:
        return compile_expression(text, registry)
    except ValueError:  # the generator wrote something jmespath does not parse
        assume(False)
        raise


# -- generated expressions on generated data -------------------------------------------------------


@PROPERTY_SETTINGS
@given(text=EXPRESSIONS, data=DATA)
def test_generated_expressions_match_the_interpreter(engine: Engine, ctx: MappingContext, text: str, data: Any) -> None:
    expression = _parsed(engine.functions, text)
    assert compiled.unsupported(expression.parsed.parsed, engine.functions) is None, text
    with context.mapping_context(ctx):
        assert_same_outcome(expression, data)


@PROPERTY_SETTINGS
@given(text=EXPRESSIONS, data=JSON_WITH_NAN)
def test_nan_and_infinity_compare_like_the_interpreter(engine: Engine, text: str, data: Any) -> None:
    assert_same_outcome(_parsed(engine.functions, text), data)


TRICKY_VALUES = [
    0,
    1,
    -1,
    2,
    0.0,
    1.0,
    -0.0,
    True,
    False,
    None,
    "",
    "0",
    "1",
    "a",
    [],
    {},
    [1],
    [True],
    {"a": 1},
    {"a": True},
    math.inf,
]
TRICKY = st.sampled_from(TRICKY_VALUES)
OPERATORS = ["==", "!=", "<", "<=", ">", ">="]


def test_comparisons_between_every_pair_of_tricky_values(engine: Engine) -> None:
    for op in OPERATORS:
        expression = compile_expression(f"a {op} b", engine.functions)
        for left in TRICKY_VALUES:
            for right in TRICKY_VALUES:
                assert_same_outcome(expression, {"a": left, "b": right})


@PROPERTY_SETTINGS
@given(left=TRICKY | JSON, right=TRICKY | JSON)
def test_comparisons_between_any_two_values(engine: Engine, left: Any, right: Any) -> None:
    for op in OPERATORS:
        expression = compile_expression(f"a {op} b", engine.functions)
        assert_same_outcome(expression, {"a": left, "b": right})
        assert_same_outcome(expression, {"a": right, "b": left})


@PROPERTY_SETTINGS
@given(value=TRICKY | JSON, other=TRICKY | JSON)
def test_truthiness_of_any_value(engine: Engine, value: Any, other: Any) -> None:
    for text in (
        "a || b",
        "a && b",
        "!a",
        "!!a",
        "[a][?@]",
        "x[?@]",
        "a[]",
        "a[*]",
        "a.*",
        "a[::-1]",
        "a[-1:0:-2]",
        "a || b && !a",
        "(a || b).a",
        "x[?@ == b]",
        "x[?@ < b]",
    ):
        assert_same_outcome(compile_expression(text, engine.functions), {"a": value, "b": other, "x": [value]})


ITEMS = st.lists(
    st.one_of(TRICKY, st.fixed_dictionaries({}, optional={"a": TRICKY | JSON, "b": TRICKY | JSON})), max_size=5
)


@PROPERTY_SETTINGS
@given(items=ITEMS, other=TRICKY | JSON)
def test_projections_and_filters(engine: Engine, items: list[Any], other: Any) -> None:
    for text in (
        "x[*].a",
        "x[?a].b",
        "x[?a == `1`].b",
        "x[?!a]",
        "x[?a > b].a",
        "x[].a",
        "x[][]",
        "o.*.a",
        "o.*[?a]",
        "x[::-1].a",
        "x[1::2].b",
        "x[?a].[a, b]",
        "x[*].{a: b, b: a}",
        "x[?a] | [0]",
        "x[*].a[]",
        "sort_by(x, &a)",
        "max_by(x, &a)",
        "map(&a, x)",
        "x[?contains(`[1, true]`, a)].b",
    ):
        data = {"x": items, "o": {str(i): item for i, item in enumerate(items)}, "b": other}
        assert_same_outcome(compile_expression(text, engine.functions), data)


# -- the OTYS specs --------------------------------------------------------------------------------


def _spec_files(engine: Engine) -> list[Any]:
    specs = engine.connector("otys")
    return [specs.connector, *(m.file for m in specs.models.values()), *(a.file for a in specs.actions.values())]


def test_every_otys_expression_compiles_or_is_a_documented_fallback(engine: Engine) -> None:
    seen = 0
    for spec_file in _spec_files(engine):
        for path, expression in spec_file.expressions.items():
            seen += 1
            key = (spec_file.path.name, path)
            if key in FALLBACKS:
                assert not expression.is_compiled, f"{key} compiles now: drop it from FALLBACKS"
            else:
                why = compiled.unsupported(expression.parsed.parsed, engine.functions)
                assert why is None and expression.is_compiled, f"{key} {expression.text!r}: {why}"
    assert seen > 100


def _otys_keys(engine: Engine) -> list[str]:
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("field", "key_val_pair") and isinstance(node.get("value"), str):
                keys.add(node["value"])
            for child in node.get("children", []):
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for model in ("candidate", "job", "application"):
        for field in engine.connector("otys").models[model].fields:
            walk(field.expression.parsed.parsed)
    keys.update({"ProcedureStatus1", "ProcedureStatus2", "extraInfo1", "extraInfo3"})
    return sorted(keys)


def _vendor_values() -> st.SearchStrategy[Any]:
    text = st.sampled_from(
        [
            "",
            " ",
            "Open",
            "Placed",
            "Hired",
            "Rejected by client",
            "primary",
            "mobile",
            "year",
            "2024-05-01 10:00:00",
            "2024-05-01",
            "0612345678",
            "+31 6 1234 5678",
            "ann@example.com",
            "NL",
            "Nederland",
            "x" * 3,
            "<p>Hi</p>",
            "abc123",
        ]
    )
    scalar = st.one_of(st.none(), st.booleans(), st.integers(-1, 5), st.sampled_from([0.0, 1.5, 1e3]), text)
    return scalar


@pytest.fixture(scope="module")
def otys_records(engine: Engine) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from(_otys_keys(engine))
    values = st.recursive(
        _vendor_values(),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=5),
        max_leaves=12,
    )
    return st.dictionaries(keys, values, max_size=12)


@PROPERTY_SETTINGS
@given(data=st.data())
def test_otys_expressions_on_generated_vendor_records(
    engine: Engine, ctx: MappingContext, otys_records: st.SearchStrategy[dict[str, Any]], data: st.DataObject
) -> None:
    record = data.draw(otys_records)
    overrides = data.draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "vacancy_url_prefix",
                    "phone_types",
                    "stage_field",
                    "outcome_field",
                    "hired_stages",
                    "app_url",
                    "timezone",
                ]
            ),
            st.one_of(
                st.none(),
                st.sampled_from(["https://x/", "ProcedureStatus1", "", "UTC"]),
                st.just({"mobile": "MOBILE"}),
                st.just(["Placed"]),
                st.integers(0, 2),
            ),
            max_size=2,
        )
    )
    mapping_ctx = MappingContext(ctx.integration_id, {**ctx.settings, **overrides}, ctx.lookups)
    with context.mapping_context(mapping_ctx):
        for model in ("candidate", "job", "application"):
            for field in engine.connector("otys").models[model].fields:
                assert_same_outcome(field.expression, record)


@pytest.mark.parametrize("seed", [1, 7])
def test_otys_mappers_compiled_and_interpreted_agree_on_sandbox_records(
    engine: Engine, ctx: MappingContext, seed: int
) -> None:
    tenant = generate(seed, 120)
    services = {
        "candidate": "CandidateService",
        "job": "VacancyService",
        "application": "ProcedureService",
        "user": "UserService",
    }
    for model, service in services.items():
        fast = engine.mapper("otys", model)
        slow = RecordMapper("otys", fast.spec, engine.functions, engine.hook, compiled=False)
        for raw in tenant.records[service]:
            assert same(fast.map(raw, ctx), slow.map(raw, ctx))


# -- exact rules, one at a time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a || b",
        "a && b",
        "!a",
        "!`0`",
        "!`0.0`",
        "!''",
        "![]",
        "!`{}`",
        "`false` || `null`",
        "`0` || b",
        "a == `1`",
        "`1` == `true`",
        "`0` == `false`",
        "`1.0` == `1`",
        "`[1]` == `[true]`",
        "a < 'b'",
        "`1` < 'a'",
        "`null` < `1`",
        "a[::-1]",
        "a[::-2]",
        "a[-1:-5:-1]",
        "a[5:0:-1]",
        "a[::0]",
        "a[]",
        "b[]",
        "c[].d",
        "a[*].d",
        "c[*].d",
        "c[?d]",
        "c[?d == `2`].d",
        "c.*",
        "b.*",
        "[a, b]",
        "{x: a, x: b}",
        "`null`.{x: a}",
        "length(b)",
        "length(`1`)",
        "join(',', a)",
        "join(',', c)",
        "contains(a, `1`)",
        "sort_by(c, &d)",
        "sort_by(c, &e)",
        "max_by(c, &d)",
        "map(&d, c)",
        "merge(`{}`, 'x')",
        "not_null()",
        "abs('x')",
        "unknown_fn(a)",
        "to_number('1.5')",
        "to_string(a)",
        "type(@)",
        "sum(a)",
        "avg(`[]`)",
        "enum_map(a, 'x')",
        "nullif_empty(a)",
        "setting(`1`)",
        "a.b.c",
        "a[0][0]",
        "@ | a",
        "`[1,2]` | [0]",
        "to_array(&d)",
        "to_string(&d)",
        "type(&d)",
        "not_null(`null`, &d)",
        "length(&d)",
        "map(&d, &d)",
        "min_by(c, &d)",
        "sort(a)",
        'max(`[1, "a"]`)',
        "sort_by(`[]`, &d)",
        "merge(c[0], c[1])",
        "reverse(b)",
    ],
)
def test_exact_rules(engine: Engine, text: str) -> None:
    data = {"a": [1, 2, "3", None, [4, 5]], "b": "text", "c": [{"d": 2, "e": "x"}, {"d": 1, "e": None}, {"f": 1}]}
    assert_same_outcome(compile_expression(text, engine.functions), data)


def test_literals_are_the_interpreters_objects(engine: Engine) -> None:
    expression = compile_expression("`[]`", engine.functions)
    assert expression.search({}) is expression.interpret({})


def test_a_bare_expression_reference_stays_with_the_interpreter(engine: Engine) -> None:
    expression = compile_expression("&a", engine.functions)
    assert compiled.compile_ast(expression.parsed.parsed, engine.functions) is None
    assert "expression reference" in (compiled.unsupported(expression.parsed.parsed, engine.functions) or "")
    assert not expression.is_compiled
    assert isinstance(expression.search({}), ExpressionReference)  # what jmespath returns, via the interpreter


def test_deeply_nested_projections_stay_with_the_interpreter(engine: Engine) -> None:
    text = "a" + "[*].a" * 30
    expression = compile_expression(text, engine.functions)
    assert compiled.compile_ast(expression.parsed.parsed, engine.functions) is None
    data: Any = [1]
    for _ in range(31):
        data = {"a": [data]}
    assert expression.search(data) == expression.interpret(data)


def test_functions_registered_later_are_seen() -> None:
    registry = FunctionRegistry()
    expression = compile_expression("shout(a)", registry)
    with pytest.raises(jexc.UnknownFunctionError):
        expression.search({"a": "x"})
    registry.register("shout", lambda v: f"{v}!", [["string"]])
    assert expression.search({"a": "x"}) == "x!"
    got, want = outcome(expression.search, {"a": 1}), outcome(expression.interpret, {"a": 1})
    assert got == want and got[1] is jexc.JMESPathTypeError


def test_custom_function_type_errors_match(engine: Engine) -> None:
    for text, data in [
        ("join_nonempty(`1`, a)", {"a": ["x"]}),
        ("join_nonempty(a, b)", {"a": 1, "b": []}),
        ("enum_map(a, b)", {"a": "x", "b": []}),
        ("ref(a, b)", {"a": None, "b": 1}),
    ]:
        expression = compile_expression(text, engine.functions)
        assert outcome(expression.search, data)[:2] == ("error", jexc.JMESPathTypeError)
        assert_same_outcome(expression, data)


def test_arity_errors_match(engine: Engine) -> None:
    for text in ("length()", "length(a, b)", "nullif_empty()", "setting('a', 'b', 'c')", "not_null()"):
        assert_same_outcome(compile_expression(text, engine.functions), {"a": 1, "b": 2})


def test_generated_source_is_readable(engine: Engine) -> None:
    expression = compile_expression("a[?b].c || `null`", engine.functions)
    text = compiled.source(expression.parsed.parsed, engine.functions)
    assert text.startswith("def _build(") and "for " in text and "_false(" in text


def test_jmespath_own_search_is_untouched(engine: Engine) -> None:
    assert jmespath.search("a[?b].c", {"a": [{"b": 1, "c": 2}]}) == [2]


# -- compiled schemas ----------------------------------------------------------------------------------


def test_every_shipped_schema_compiles() -> None:
    for path in sorted(SCHEMAS.glob("*/*.schema.json")):
        schema = json.loads(path.read_text())
        checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
        assert validate.compile_schema(schema, format_checker=checker) is not None, path.name


@pytest.fixture(scope="module")
def mapped_records(engine: Engine, ctx: MappingContext) -> dict[str, list[dict[str, Any]]]:
    tenant = generate(3, 80)
    services = {"candidate": "CandidateService", "job": "VacancyService", "application": "ProcedureService"}
    return {
        model: [engine.mapper("otys", model).map(raw, ctx) for raw in tenant.records[service][:40]]
        for model, service in services.items()
    }


def test_mapped_sandbox_records_are_valid(mapped_records: dict[str, list[dict[str, Any]]]) -> None:
    for model, records in mapped_records.items():
        validator = validate.record_validator(model)
        assert validator.compiled
        for record in records:
            assert validator.is_valid(record) and validator.reference.is_valid(record)
            assert validator.iter_errors(record) == []


_DELETE = object()
POOL: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.5,
    "",
    "x",
    "2024-05-01T10:00:00.000Z",
    "2024-05-01T10:00:00Z",
    "2024-13-01T10:00:00.000Z",
    "2024-05-01T10:00:00.000Z\n",
    "2024-05-01 10:00:00",
    "ann@example.com",
    "not an e-mail",
    "https://example.com/x",
    "MOBILE",
    "PRIMARY",
    "HIRED",
    "DECLINED",
    "OPEN",
    "PUBLIC",
    "YEAR",
    "CUSTOM",
    "DEFAULT",
    "TEXT",
    "BOOLEAN",
    [],
    {},
    [None],
    [{}],
    {"city": 1},
    {"x": 1},
    _DELETE,
]


def _examples() -> list[Any]:
    """Every ``examples`` value anywhere in the model schemas (nested objects of every shape)."""
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "examples" and isinstance(value, list):
                    for example in value:
                        found.setdefault(json.dumps(example, sort_keys=True), example)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted((SCHEMAS / "models").glob("*.schema.json")):
        walk(json.loads(path.read_text()))
    return list(found.values())


EXAMPLES = _examples()


def _paths(value: Any, prefix: tuple[Any, ...] = (), depth: int = 0) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if depth < 4 and isinstance(value, dict):
        for key, item in value.items():
            if key != "remote_data":
                paths += _paths(item, (*prefix, key), depth + 1)
    elif depth < 4 and isinstance(value, list):
        for index, item in enumerate(value[:2]):
            paths += _paths(item, (*prefix, index), depth + 1)
    return paths


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``value`` with ``new`` at ``path`` (``_DELETE``: without it)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    if rest or new is not _DELETE:
        copy[head] = _replace(value[head], rest, new)
    else:
        del copy[head]
    return copy


@pytest.fixture(scope="module")
def checked_schemas(mapped_records: dict[str, list[dict[str, Any]]]) -> list[tuple[Any, Any, list[Any]]]:
    """(compiled check, jsonschema validator, seed instances): mapped records, with and without format
    checks (without them, pattern rules alone decide), and the full models' own examples."""
    cls = jsonschema.Draft202012Validator
    registry = validate.unified.registry()
    cases = []
    for checker in (cls.FORMAT_CHECKER, None):
        for model, records in mapped_records.items():
            schema = validate.mapped_schema(model)
            cases.append(
                (
                    validate.compile_schema(schema, format_checker=checker),
                    cls(schema, registry=registry, format_checker=checker),
                    records[:2],
                )
            )
        for model in validate.unified.MODELS if checker is not None else ():
            schema = validate.unified.schema("models", model)
            cases.append(
                (
                    validate.compile_schema(schema, format_checker=checker),
                    cls(schema, registry=registry, format_checker=checker),
                    list(schema.get("examples", [])),
                )
            )
    assert all(check is not None for check, _, _ in cases)
    return cases


def test_compiled_schemas_give_jsonschemas_verdict_on_every_single_change(
    checked_schemas: list[tuple[Any, Any, list[Any]]],
) -> None:
    seen = {True: 0, False: 0}
    for check, reference, seeds in checked_schemas:
        for seed in seeds[:1]:
            for path in _paths(seed):
                for value in POOL:
                    if value is _DELETE and not path:
                        continue
                    instance = _replace(seed, path, value)
                    verdict = reference.is_valid(instance)
                    seen[verdict] += 1
                    assert check(instance) is verdict, (path, value)
    assert seen[True] > 500 and seen[False] > 500


def test_screening_answers_follow_their_question_type_in_both() -> None:
    """The ``if``/``then`` rules that pick the answer's shape by ``question.type``."""
    schema = validate.unified.schema("models", "application")
    reference = validate.unified.validator("models", "application")
    check = validate.compile_schema(schema, format_checker=reference.format_checker)
    assert check is not None
    seed = schema["examples"][0]
    types = schema["$defs"]["screening_question_answer"]["properties"]["question"]["properties"]["type"]["enum"]
    answers = [example for example in EXAMPLES if isinstance(example, dict)] + [{}, {"x": 1}]
    verdicts = set()
    for question_type in [*types, "OTHER", 1]:
        for answer in answers:
            for question in ({"remote_id": "1", "title": "Q", "type": question_type}, {"title": "Q"}):
                instance = dict(seed, screening_question_answers=[{"question": question, "answer": answer}])
                verdict = reference.is_valid(instance)
                verdicts.add(verdict)
                assert check(instance) is verdict, (question_type, answer)
    assert verdicts == {True, False}


@PROPERTY_SETTINGS
@given(data=st.data())
def test_compiled_schemas_give_jsonschemas_verdict(
    checked_schemas: list[tuple[Any, Any, list[Any]]], data: st.DataObject
) -> None:
    check, reference, seeds = data.draw(st.sampled_from([case for case in checked_schemas if case[2]]))
    instance = data.draw(st.sampled_from(seeds))
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_paths(instance)))
        value = data.draw(st.one_of(st.sampled_from(POOL), st.sampled_from(EXAMPLES), JSON))
        if value is _DELETE and not path:
            continue
        instance = _replace(instance, path, value)
    assert check(instance) is reference.is_valid(instance)


@PROPERTY_SETTINGS
@given(instance=JSON)
def test_compiled_action_schemas_give_jsonschemas_verdict(instance: Any) -> None:
    for name in ("create_candidate", "create_application", "add_candidate_attachment"):
        schema = validate.unified.schema("actions", name)
        reference = validate.unified.validator("actions", name)
        check = validate.compile_schema(schema, format_checker=reference.format_checker)
        assert check is not None
        assert check(instance) is reference.is_valid(instance)


def test_record_validator_reports_jsonschemas_errors(mapped_records: dict[str, list[dict[str, Any]]]) -> None:
    record = dict(mapped_records["candidate"][0], remote_created_at="yesterday", first_name=3)
    validator = validate.record_validator("candidate")
    errors = validator.iter_errors(record)
    assert sorted(e.message for e in errors) == sorted(e.message for e in validator.reference.iter_errors(record))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(record)


def test_unsupported_keywords_fall_back_to_jsonschema() -> None:
    schema = {"type": "array", "uniqueItems": True}
    assert validate.compile_schema(schema) is None
    validator = validate.RecordValidator(schema)
    assert not validator.compiled
    assert validator.is_valid([1, 2]) and not validator.is_valid([1, 1])


def test_recursive_references_compile() -> None:
    schema = {
        "$id": "https://example.test/tree.json",
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "#"}}, "name": {"type": "string"}},
        "additionalProperties": False,
    }
    check = validate.compile_schema(schema)
    assert check is not None
    reference = jsonschema.Draft202012Validator(schema)
    for instance in ({"children": [{"children": []}]}, {"children": [{"name": 1}]}, {"children": [{"x": 1}]}):
        assert check(instance) is reference.is_valid(instance)
