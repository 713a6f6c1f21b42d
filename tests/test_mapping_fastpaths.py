"""The mapping fast paths give what the general paths give.

- ``compiled.compile_record`` (every plain field of a model in one function, each vendor field
  read once per path) against each expression compiled alone and against the interpreter;
- a function not registered ``pure`` makes compiled code read fields again after calling it;
- ``RecordMapper`` with the record function against the interpreted mapper, on records with
  missing keys, nulls, lists and non-objects where the spec reads objects (errors included);
- the object-path shape check against the field-by-field one;
- dates in a zone converted by subtracting the zone's offset against ``astimezone``;
- the remembered key orders of ``as_list`` and ``labelled_fields`` against sorting every time.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unimap import compiled, context, timeutil
from unimap.context import MappingContext
from unimap.default_plugins import functions
from unimap.engine import Engine
from unimap.errors import MappingError
from unimap.expressions import FunctionRegistry, compile_expression
from unimap.mapping import RecordMapper, _has_shape, _object_paths

FIELDS = [
    ("id", "uid"),
    ("first", "Person.firstName"),
    ("same_first", "Person.firstName"),
    ("nested", "Person.Address.city"),
    ("either", "Person.Address.city || Person.Address.country"),
    ("guarded", "Person.Address && {c: Person.Address.city, z: Person.Address.zip} || `null`"),
    ("indexed", "Person.Phones[0].number"),
    ("projected", "Person.Phones[*].number"),
    ("filtered", "Person.Phones[?number].number"),
    ("flat", "Person.Phones[].kind"),
    ("values", "Person.Address.*"),
    ("listed", "[Person.firstName, Person.lastName, uid]"),
    ("current", "@.uid"),
    ("piped", "Person | firstName"),
    ("compared", "Person.firstName == 'Ann'"),
    ("negated", "!Person.Address"),
    ("literal", "`[]`"),
    ("called", "nullif_empty(Person.lastName)"),
    ("length", "length(to_array(Person.Phones))"),
    ("sliced", "Person.Phones[1:]"),
]

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "Ann", "x", "0"]))
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["city", "zip", "country", "number", "kind", "firstName"]), inner, max_size=3),
    ),
    max_leaves=8,
)
_PERSONS = st.one_of(
    _VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "firstName": _VALUES,
            "lastName": _VALUES,
            "Address": _VALUES,
            "Phones": st.one_of(_VALUES, st.lists(st.fixed_dictionaries({}, optional={"number": _VALUES}), max_size=3)),
        },
    ),
)
_RECORDS = st.one_of(
    _VALUES, st.fixed_dictionaries({}, optional={"uid": _SCALARS, "Person": _PERSONS, "other": _VALUES})
)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def _outcome(evaluate: Any, data: Any) -> tuple[Any, ...]:
    try:
        return ("value", evaluate(data))
    except Exception as exc:
        return ("error", type(exc), str(exc))


def _typed(value: Any) -> Any:
    """``value`` with types spelled out, so True and 1 (and key order) do not compare equal."""
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


# -- the record function ------------------------------------------------------------------------


@PROPERTY
@given(record=_RECORDS)
def test_record_function_equals_each_field_alone_and_the_interpreter(engine: Engine, record: Any) -> None:
    expressions = [(name, compile_expression(text, engine.functions)) for name, text in FIELDS]
    whole = compiled.compile_record([(n, e.parsed.parsed) for n, e in expressions], engine.functions)
    assert whole is not None
    each = {name: e.search(record) for name, e in expressions}
    interpreted = {name: e.interpret(record) for name, e in expressions}
    got = whole(record)
    assert _typed(got) == _typed(each) == _typed(interpreted)
    assert list(got) == [name for name, _ in FIELDS]


def test_a_field_of_a_non_object_is_null_in_the_record_function(engine: Engine) -> None:
    fields = [("a", "Person.firstName"), ("b", "Person.Address.city"), ("c", "Person[0]")]
    whole = compiled.compile_record(
        [(n, compile_expression(t, engine.functions).parsed.parsed) for n, t in fields], engine.functions
    )
    assert whole is not None
    for record in ["text", 3, None, [1], {"Person": "Ann"}, {"Person": ["Ann"]}, {"Person": {"Address": 4}}, {}]:
        want = {n: compile_expression(t, engine.functions).interpret(record) for n, t in fields}
        assert _typed(whole(record)) == _typed(want), record


def test_the_tail_gives_new_empty_lists_and_objects_every_time(engine: Engine) -> None:
    marker = ("kept",)
    whole = compiled.compile_record(
        [("a", compile_expression("a", engine.functions).parsed.parsed)],
        engine.functions,
        {"none": None, "list": [], "object": {}, "same": marker},
    )
    assert whole is not None
    first, second = whole({"a": 1}), whole({"a": 2})
    assert first == {"a": 1, "none": None, "list": [], "object": {}, "same": marker}
    assert first["list"] is not second["list"] and first["object"] is not second["object"]
    assert first["same"] is marker
    assert list(first) == ["a", "none", "list", "object", "same"]


def test_an_error_is_the_first_failing_fields(engine: Engine) -> None:
    fields = [("ok", "a"), ("bad", "as_list(b)"), ("worse", "as_list(c)")]
    expressions = [(n, compile_expression(t, engine.functions)) for n, t in fields]
    whole = compiled.compile_record([(n, e.parsed.parsed) for n, e in expressions], engine.functions)
    assert whole is not None
    got = _outcome(whole, {"a": 1, "b": "text", "c": 5})
    assert got == _outcome(expressions[1][1].interpret, {"b": "text"})


def test_a_function_that_may_change_its_argument_makes_fields_read_again() -> None:
    registry = FunctionRegistry()

    def pop_name(value: Any) -> Any:
        return value.pop("name", None) if isinstance(value, dict) else None

    registry.register("pop_name", pop_name, [["any"]])
    registry.register("keep", lambda value: value, [["any"]], pure=True)
    data = {"p": {"name": "Ann"}}
    for text in [
        "[p.name, pop_name(p), p.name]",
        "[p.name, keep(pop_name(p)), p.name]",
        "p.name && pop_name(p) && p.name",
    ]:
        expression = compile_expression(text, registry)
        assert expression.is_compiled
        assert expression.search({"p": dict(data["p"])}) == expression.interpret({"p": dict(data["p"])}), text
    whole = compiled.compile_record(
        [
            (n, compile_expression(t, registry).parsed.parsed)
            for n, t in [("a", "p.name"), ("b", "pop_name(p)"), ("c", "p.name")]
        ],
        registry,
    )
    assert whole is not None
    assert whole({"p": {"name": "Ann"}}) == {"a": "Ann", "b": "Ann", "c": None}


def test_reads_inside_a_branch_or_loop_are_not_used_after_it(engine: Engine) -> None:
    for text, data in [
        ("a && a.b || a.b", {"a": {"b": 0}}),
        ("[a || b.c, b.c]", {"a": 1, "b": {"c": 2}}),
        ("x[?y].y || x", {"x": [{"y": 1}, {"y": None}]}),
        ("[x[*].y, x]", {"x": [{"y": 1}]}),
        ("{a: a.b, b: a.b}", {"a": {"b": [1]}}),
        ("a.b || a.c.d || a.c", {"a": {"c": {"d": ""}}}),
    ]:
        expression = compile_expression(text, engine.functions)
        assert _typed(expression.search(data)) == _typed(expression.interpret(data)), text


# -- the mapper ----------------------------------------------------------------------------------

_OTYS_RECORDS: list[Any] = [
    {"uid": "1"},
    {"uid": 7, "Person": None},
    {"uid": 7.0, "Person": "text"},
    {"uid": "2", "Person": {"AddressPrimary": "Main street"}},
    {"uid": "3", "Person": {"AddressPrimary": {}, "PhoneNumbers": {"1": {"phoneNumber": "0612345678"}}}},
    {"uid": "4", "Person": {"PhoneNumbers": "0612"}},
    {"uid": "5", "Person": {"PhoneNumbers": [None, {"phoneNumber": ""}, 3]}},
    {"uid": "6", "EmploymentHistory": {"2": {"current": True, "employer": "B"}, "1": {"current": 1, "employer": "A"}}},
    {"uid": "7", "EmploymentHistory": "none", "Tags": [{"uid": 3, "tag": "x"}, {"uid": None}]},
    {"uid": "8", "entryDateTime": "2024-03-31 02:30:00", "lastModified": "not a date"},
    {"uid": "9", "entryDateTime": "", "lastModified": "2024-10-27T01:30:00Z", "extraInfo2": "x", "extraInfo10": 1},
    {"uid": "", "Person": {"firstName": "Ann"}},
    {"Person": {"firstName": "Ann"}},
    {"uid": "10", "Person": {"firstName": ["Ann"], "lastName": {"a": 1}, "emailPrimary": " A@B.NL "}},
]


@pytest.mark.parametrize("model", ["candidate", "job", "application", "user"])
def test_the_record_function_maps_like_the_interpreter_errors_included(engine: Engine, model: str) -> None:
    ctx = MappingContext("otys:test", engine.settings("otys"), {"candidate_extra_fields": {"2": "Notice"}})
    fast = engine.mapper("otys", model)
    assert fast._evaluators()[2] is not None, "the shipped specs compile to one record function"
    slow = RecordMapper("otys", fast.spec, engine.functions, engine.hook, compiled=False)
    for raw in _OTYS_RECORDS:
        with context.mapping_context(ctx):
            got, want = _outcome(lambda r: fast.map(r, ctx), raw), _outcome(lambda r: slow.map(r, ctx), raw)
        assert got[0] == want[0] and (_typed(got[1]) == _typed(want[1]) if got[0] == "value" else got == want), raw
        if got[0] == "error":
            assert got[1] is MappingError


# -- the shape check -----------------------------------------------------------------------------


@PROPERTY
@given(record=_RECORDS)
def test_the_object_path_check_agrees_with_the_field_by_field_one(engine: Engine, record: Any) -> None:
    mapper = RecordMapper("otys", engine.mapper("otys", "candidate").spec, engine.functions)  # not the engine's own
    chains = [("Person", "firstName"), ("Person", "Address", "city"), ("Person", "Address", "zip"), ("other", "x")]
    mapper._chains = chains
    assert _object_paths(chains) == {"Person": {"Address": {}}, "other": {}}
    assert _has_shape(record, _object_paths(chains)) is (mapper._shape_problem(record) is None)


# -- dates ---------------------------------------------------------------------------------------


def _reference(text: str, zone_name: str | None) -> str | None:
    """What a vendor date becomes, by the general rules: parse, ``astimezone(UTC)``, format by fields."""
    moment = timeutil.parse_datetime(text, zone_name)
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    if moment.year < 1000:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
        f"{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


ZONES = [None, "", "UTC", "utc", "Europe/Amsterdam", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kolkata"]
TEXTS = [
    "",
    " ",
    "0000-00-00",
    "0000-00-00 00:00:00",
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    " 2024-01-01 10:00:00 ",
    "2024-03-31 02:30:00",  # does not exist in Amsterdam
    "2024-10-27 02:30:00",  # exists twice in Amsterdam
    "0001-01-01 00:30:00",  # before year 1 in UTC east of Greenwich
    "0999-12-31 23:59:59",
    "1000-01-01 00:30:00",
    "9999-12-31 23:59:59",
    "2024-01-01 10:00:00.123456",
    "2024-01-01 10:00:00.0005",
    "2024-01-01T10:00+02:00",
    "11-09-2024",
    "2024/09/11 10:00:00",
    "1900-05-01 00:00:00",  # Amsterdam's local mean time offset has seconds
    "not a date",
    "2024-13-01",
]


def test_dates_in_a_zone_are_what_astimezone_gives() -> None:
    rng = random.Random(7)
    texts = list(TEXTS)
    for _ in range(3000):
        moment = datetime(1, 1, 1) + timedelta(seconds=rng.randrange(0, 315537897599))
        texts.append(moment.replace(microsecond=rng.choice([0, 0, rng.randrange(1_000_000)])).isoformat(sep=" "))
    for zone_name in ZONES:
        for text in texts:
            want = _outcome(lambda t, z=zone_name: _reference(t, z), text)
            got = _outcome(lambda t, z=zone_name: timeutil.iso_utc_text.__wrapped__(t, z), text)
            assert got == want, (text, zone_name)


def test_an_unknown_zone_is_still_a_config_error() -> None:
    from unimap.errors import ConfigError

    with pytest.raises(ConfigError):
        timeutil.iso_utc_text.__wrapped__("2024-01-01 10:00:00", "Mars/Olympus")


def test_format_utc_is_the_fields_of_the_utc_time() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        moment = datetime(1, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(0, 315537897599))
        moment = moment.replace(microsecond=rng.choice([0, rng.randrange(1_000_000)]))
        assert timeutil.format_utc(moment) == _reference(moment.isoformat(), None)


# -- remembered key orders -----------------------------------------------------------------------


def _sorted_list(value: dict[Any, Any]) -> list[Any]:
    return [value[k] for k in sorted(value, key=functions._sort_key)]


def test_as_list_orders_positions_like_sorting_every_time() -> None:
    for value in [{"2": "b", "10": "c", "1": "a"}, {"2": "b", "10": "c", "1": "a"}, {"1": "x"}, {"01": 1, "1": 2}]:
        assert functions.as_list(value) == _sorted_list(value)
    mixed = {1: "a", "0": "b"}  # keys that are not all text are sorted, not remembered
    assert functions.as_list(mixed) == _sorted_list(mixed)
    assert functions.as_list(mixed) == _sorted_list(mixed)


def test_keys_labelled_fields_saw_are_not_positions_for_as_list() -> None:
    record = {"extraInfo2": "b", "extraInfo1": "a"}
    with context.mapping_context(MappingContext(lookups={"t": {"1": "One"}})):
        assert functions.labelled_fields(record, "extraInfo", "t") == {"One": "a", "extraInfo2": "b"}
        assert functions.labelled_fields(dict(record), "extraInfo", "t") == {"One": "a", "extraInfo2": "b"}
    with pytest.raises(ValueError, match="other keys than positions"):
        functions.as_list(record)
    with pytest.raises(ValueError, match="other keys than positions"):
        functions.as_list({"1": "a", "x": "b"})


def test_labelled_fields_keep_sorting_every_times_order() -> None:
    record = {"extraInfo10": 10, "extraInfo2": 2, "extraInfoB": "b", "extraInfo1": 1, "extraInfoA": "a", "other": 0}
    want = sorted((k for k in record if k.startswith("extraInfo")), key=functions._sort_key)
    assert want == ["extraInfo1", "extraInfo10", "extraInfo2", "extraInfoA", "extraInfoB"]
    with context.mapping_context(MappingContext()):
        for _ in range(2):
            assert list(functions.labelled_fields(record, "extraInfo", "none")) == want


def test_labelled_fields_remember_keys_per_prefix_and_only_for_text_keys() -> None:
    record = {"extraInfo1": "a", "matchCriteria2": "b", "extraInfo0": ""}
    with context.mapping_context(MappingContext()):
        for _ in range(2):
            assert functions.labelled_fields(record, "extraInfo", "none") == {"extraInfo1": "a"}
            assert functions.labelled_fields(record, "matchCriteria", "none") == {"matchCriteria2": "b"}
        with pytest.raises(AttributeError):  # a key that is not text fails as it always did
            functions.labelled_fields({1: "x", "extraInfo1": "a"}, "extraInfo", "none")
