"""The built-in JMESPath functions (``unimap.default_plugins.functions``) that specs call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from unimap import context, ids
from unimap.context import MappingContext, current, mapping_context
from unimap.default_plugins import functions as fn
from unimap.errors import ConfigError
from unimap.expressions import FunctionRegistry, compile_expression
from unimap.plugins import make_manager

AMSTERDAM = "Europe/Amsterdam"
SPEC_FORMAT = Path(__file__).resolve().parents[1] / "docs" / "spec-format.md"


@pytest.fixture(scope="module")
def registry() -> FunctionRegistry:
    """Every function the built-in plugin registers (no entry points)."""
    functions = FunctionRegistry()
    make_manager(entry_points=False).hook.unimap_register_functions(register=functions.register)
    return functions


@pytest.fixture
def otys_context() -> Iterator[MappingContext]:
    ctx = MappingContext(
        "otys:42",
        {"timezone": AMSTERDAM, "default_country": "NL", "app_url": "https://app.example"},
        {
            "candidate_extra_fields": {"1": "Shoe size", "extraInfo3": "Named by key"},
            "titles": {"5": "Dr.", "true": "yes"},
        },
    )
    with mapping_context(ctx):
        yield ctx


def search(registry: FunctionRegistry, expression: str, data: Any) -> Any:
    return compile_expression(expression, registry).search(data)


def test_every_builtin_is_registered_and_documented(registry: FunctionRegistry) -> None:
    for name, func, _signature, _optional in fn.BUILTINS:
        info = registry.get(name)
        assert info is not None, name
        assert info.func is func
        assert info.doc, f"{name} has no docstring"


def test_every_builtin_is_listed_in_the_spec_format_docs() -> None:
    listed = re.findall(r"^\| `(\w+)\(", SPEC_FORMAT.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert listed == [name for name, *_ in fn.BUILTINS]


# -- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2024-01-15 12:00:00", "2024-01-15T11:00:00.000Z"),  # winter: CET, UTC+1
        ("2024-07-01 12:00:00", "2024-07-01T10:00:00.000Z"),  # summer: CEST, UTC+2
        ("2024-07-01 12:00", "2024-07-01T10:00:00.000Z"),
        ("2024-03-31 01:59:59", "2024-03-31T00:59:59.000Z"),  # just before clocks go forward
        ("2024-03-31 03:00:00", "2024-03-31T01:00:00.000Z"),  # just after
        ("2024-03-31 02:30:00", "2024-03-31T01:30:00.000Z"),  # does not exist locally: read with the winter offset
        ("2024-10-27 01:30:00", "2024-10-26T23:30:00.000Z"),  # before clocks go back
        ("2024-10-27 02:30:00", "2024-10-27T00:30:00.000Z"),  # happens twice locally: the first (summer) one
        ("2024-10-27 03:30:00", "2024-10-27T02:30:00.000Z"),  # after
        ("2024-07-01", "2024-06-30T22:00:00.000Z"),  # a date is local midnight
        ("01-07-2024", "2024-06-30T22:00:00.000Z"),  # day-month-year
        ("15/01/2024", "2024-01-14T23:00:00.000Z"),
    ],
)
def test_local_amsterdam_times_become_utc(local: str, utc: str) -> None:
    assert fn.iso_datetime(local, AMSTERDAM) == utc


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2024-07-01T12:00:00Z", "2024-07-01T12:00:00.000Z"),
        ("2024-07-01T12:00:00+02:00", "2024-07-01T10:00:00.000Z"),
        ("2024-07-01T12:00:00.5-01:00", "2024-07-01T13:00:00.500Z"),
        (1719835200, "2024-07-01T12:00:00.000Z"),
    ],
)
def test_times_with_an_offset_ignore_the_zone(value: Any, utc: str) -> None:
    assert fn.iso_datetime(value, AMSTERDAM) == utc


@pytest.mark.parametrize("value", [None, "", "0000-00-00", "0000-00-00 00:00:00"])
def test_no_date_is_null(value: Any) -> None:
    assert fn.iso_datetime(value, AMSTERDAM) is None
    assert fn.iso_date(value) is None


@pytest.mark.parametrize("value", ["garbage", "not a date", True, [], {}, {"date": "2024-01-01"}])
def test_a_value_that_is_not_a_date_is_an_error(value: Any) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        fn.iso_datetime(value, AMSTERDAM)
    with pytest.raises(ValueError, match="is not a date"):
        fn.iso_date(value)


def test_the_timezone_setting_applies_when_no_zone_is_given(otys_context: MappingContext) -> None:
    assert fn.iso_datetime("2024-07-01 12:00:00") == "2024-07-01T10:00:00.000Z"
    assert fn.iso_datetime("2024-07-01 12:00:00", "UTC") == "2024-07-01T12:00:00.000Z"


def test_without_a_timezone_naive_times_are_utc() -> None:
    assert fn.iso_datetime("2024-07-01 12:00:00") == "2024-07-01T12:00:00.000Z"


@pytest.mark.parametrize("zone", ["Europe/Atlantis", "Mars/Olympus", "../../etc/passwd", "Europe"])
def test_an_unknown_zone_is_an_error_not_utc(zone: str) -> None:
    with pytest.raises(ConfigError, match="unknown time zone"):
        fn.iso_datetime("2024-07-01 12:00:00", zone)


def test_iso_datetime_in_a_spec_expression(registry: FunctionRegistry, otys_context: MappingContext) -> None:
    assert (
        search(registry, "iso_datetime(lastModified)", {"lastModified": "2024-12-24 18:30:00"})
        == "2024-12-24T17:30:00.000Z"
    )


def test_iso_date_keeps_the_calendar_day() -> None:
    assert fn.iso_date("2024-07-01 23:30:00") == "2024-07-01"
    assert fn.iso_date("2024-07-01T23:30:00+05:00") == "2024-07-01"
    assert fn.iso_date(None) is None


def test_format_utc_has_milliseconds() -> None:
    assert fn.format_utc(datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)) == "2024-01-01T12:00:00.123Z"


# -- phones, countries, e-mail -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "country", "e164"),
    [
        ("06-12345678", "NL", "+31612345678"),
        ("0612345678", "BE", "+32612345678"),
        ("0031 6 12345678", None, "+31612345678"),
        ("+31612345678", None, "+31612345678"),
        ("+1 (415) 555-2671", "NL", "+14155552671"),
        ("00 44 20 7946 0958", "NL", "+442079460958"),
        ("030 1234567", "de", "+49301234567"),
    ],
)
def test_phone_numbers_in_e164(value: str, country: str | None, e164: str) -> None:
    assert fn.phone(value, country) == e164


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("06-12345678", "06-12345678"),  # national number and no country known
        ("123", "123"),  # too short to be a number
        ("ext. 12", "ext. 12"),
        ("  555 ", "555"),
    ],
)
def test_unreadable_phone_numbers_pass_through_trimmed(value: str, kept: str) -> None:
    assert fn.phone(value) == kept


def test_phone_uses_the_default_country_setting(otys_context: MappingContext) -> None:
    assert fn.phone("06 1234 5678") == "+31612345678"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_no_phone_is_null(value: Any) -> None:
    assert fn.phone(value, "NL") is None


def test_phone_drops_the_bracketed_trunk_zero() -> None:
    assert fn.phone("+31 (0)6 1234 5678") == "+31612345678"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Nederland", "NL"),
        ("The Netherlands", "NL"),
        (" netherlands ", "NL"),
        ("nld", "NL"),
        ("nl", "NL"),
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("België", "BE"),
        ("UK", "GB"),
        ("Verenigde Staten", "US"),
    ],
)
def test_country_names_and_codes_become_alpha2(value: str, code: str) -> None:
    assert fn.country_code(value) == code


@pytest.mark.parametrize(("value", "result"), [("Atlantis", "Atlantis"), ("XX", "XX"), ("", None), (None, None)])
def test_unknown_countries_pass_through(value: Any, result: Any) -> None:
    assert fn.country_code(value) == result


@pytest.mark.parametrize(
    ("value", "result"),
    [
        (" Ann@Example.COM ", "ann@example.com"),
        ("a@b.nl", "a@b.nl"),
        ("not an email", None),
        ("a@b", None),
        ("two@@at.nl", None),
        (5, None),
        (None, None),
    ],
)
def test_email(value: Any, result: Any) -> None:
    assert fn.email(value) == result


# -- numbers and other scalars ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "result"),
    [
        ("1.234,50", 1234.5),
        ("1,234.50", 1234.5),
        ("12,5", 12.5),
        ("-3,5", -3.5),
        ("1234.5", 1234.5),
        ("1234", 1234),
        (" 42 ", 42),
        ("1 000", 1000),
        ("1.000", 1.0),
        (3, 3),
        (2.5, 2.5),
        ("abc", None),
        ("1.234.567", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_number(value: Any, result: Any) -> None:
    parsed = fn.number(value)
    assert parsed == result
    assert type(parsed) is type(result)


@pytest.mark.parametrize(
    ("value", "result"),
    [
        (True, True),
        ("Yes", True),
        (" 1 ", True),
        (1, True),
        (False, False),
        ("off", False),
        (0.0, False),
        ("maybe", None),
        (None, None),
        ([], None),
        ("ja", None),
        ("Nee", None),
    ],
)
def test_boolean(value: Any, result: Any) -> None:
    assert fn.boolean(value) is result


@pytest.mark.parametrize(("value", "result"), [("ja", True), ("J", True), ("Nee", False), ("maybe", None)])
def test_boolean_words_come_from_the_connector_settings(value: Any, result: Any) -> None:
    ctx = MappingContext("otys:42", {"boolean_true": ["ja", "j"], "boolean_false": ["nee"]})
    with context.mapping_context(ctx):
        assert fn.boolean(value) is result


@pytest.mark.parametrize(
    ("value", "text"), [(1, "1"), (1.0, "1"), (1.5, "1.5"), (True, "true"), ("x", "x"), ("", None), (None, None)]
)
def test_to_text(value: Any, text: Any) -> None:
    assert fn.to_text(value) == text


def test_string_helpers() -> None:
    assert fn.trim("  a ") == "a"
    assert fn.lower("AbC") == "abc"
    assert fn.upper("aBc") == "ABC"
    assert [fn.trim(1), fn.lower(None), fn.upper([1])] == [1, None, [1]]
    assert fn.strip_html("<p>Hello <b>world</b></p> ") == "Hello world"
    assert fn.join_nonempty(" ", ["van", None, "", " der ", "Berg"]) == "van der Berg"
    assert fn.join_nonempty(" ", [None, ""]) is None


def test_empty_values() -> None:
    assert [fn.nullif_empty(v) for v in ("", [], {}, 0, False, "a")] == [None, None, None, 0, False, "a"]
    assert fn.compact([1, None, "", 0, False, []]) == [1, 0, False, []]
    assert fn.compact("not a list") == []


def test_enum_map() -> None:
    table = {"Open": "OPEN", "1": "ONE", "true": "YES"}
    assert [fn.enum_map(v, table) for v in ("Open", 1, 1.0, True)] == ["OPEN", "ONE", "ONE", "YES"]
    assert fn.enum_map("Closed", table, "OTHER") == "OTHER"
    assert fn.enum_map(None, table, "NONE") == "NONE"


def test_objects_and_lists() -> None:
    assert fn.items({"2": "b", "10": "c", "1": "a", "x": "z"}) == [["1", "a"], ["2", "b"], ["10", "c"], ["x", "z"]]
    assert fn.from_items([["a", 1], [None, 2], ["b"], [3, 4]]) == {"a": 1, "3": 4}
    assert fn.as_list({"2": "b", "1": "a"}) == ["a", "b"]
    assert [fn.as_list(None), fn.as_list([1]), fn.as_list({})] == [[], [1], []]
    for wrong in ("s", 5, {"uid": 1, "tag": "x"}):  # a string, a number, one object where a list is read
        with pytest.raises(ValueError, match="as_list"):
            fn.as_list(wrong)
    assert fn.get({"a": 1, "1": 2}, "a") == 1
    assert fn.get({"1": 2}, 1) == 2
    assert fn.get([1], 0) is None


def test_as_list_in_an_expression_reads_otys_numbered_objects(registry: FunctionRegistry) -> None:
    record = {"PhoneNumbers": {"2": {"phoneNumber": "020 1234567"}, "1": {"phoneNumber": "06 12345678"}}}
    assert search(registry, "as_list(PhoneNumbers)[].phoneNumber", record) == ["06 12345678", "020 1234567"]


# -- context: settings, lookups, references ----------------------------------------------------------


def test_setting(otys_context: MappingContext) -> None:
    assert fn.setting("app_url") == "https://app.example"
    assert fn.setting("missing", 3) == 3
    assert fn.setting("missing") is None


def test_setting_outside_a_context_is_the_default() -> None:
    assert current() == MappingContext()
    assert fn.setting("timezone", "UTC") == "UTC"


def test_lookup_reads_the_context_tables(otys_context: MappingContext) -> None:
    assert [fn.lookup("titles", k) for k in (5, "5", 5.0, True)] == ["Dr.", "Dr.", "Dr.", "yes"]
    assert fn.lookup("titles", 6, "none") == "none"
    assert fn.lookup("titles", None) is None
    assert fn.lookup("no_such_table", 5) is None


def test_labelled_fields_uses_lookup_labels(otys_context: MappingContext) -> None:
    record = {
        "extraInfo1": "42",
        "extraInfo2": "",
        "extraInfo3": "x",
        "extraInfo4": None,
        "extraInfo10": "ten",
        "other": 1,
    }
    assert fn.labelled_fields(record, "extraInfo", "candidate_extra_fields") == {
        "Shoe size": "42",
        "Named by key": "x",
        "extraInfo10": "ten",
    }


def test_labelled_fields_without_labels_keeps_the_keys(otys_context: MappingContext) -> None:
    assert fn.labelled_fields({"extraInfo1": "42"}, "extraInfo", "no_such_table") == {"extraInfo1": "42"}
    assert fn.labelled_fields("not an object", "extraInfo", "candidate_extra_fields") == {}


def test_labelled_fields_in_an_expression(registry: FunctionRegistry, otys_context: MappingContext) -> None:
    record = {"uid": 1, "extraInfo1": "44"}
    assert search(registry, "labelled_fields(@, 'extraInfo', 'candidate_extra_fields')", record) == {"Shoe size": "44"}


def test_ref_is_the_unified_id_in_the_current_integration(otys_context: MappingContext) -> None:
    expected = ids.unified_id("otys:42", "job", "7")
    assert [fn.ref("job", v) for v in (7, "7", 7.0)] == [expected] * 3
    assert fn.ref("job", None) is None
    assert fn.ref("job", "") is None
    assert fn.ref("user", 7) != expected


def test_the_context_is_restored_after_the_block() -> None:
    with mapping_context(MappingContext("a:1", {"x": 1})):
        with mapping_context(MappingContext("b:2", {"x": 2})):
            assert fn.setting("x") == 2
        assert fn.setting("x") == 1
    assert fn.setting("x") is None


def test_integration_fields(otys_context: MappingContext) -> None:
    fields = fn.integration_fields(
        {"a": 1, "extraInfo1": 2, "b": 3},
        {"a": "Label A", "extraInfo1": None, "zz": "x"},
        ["extraInfo", "matchCriteria"],
    )
    assert [(f["key"], f["type"], f["value"], f["label"]) for f in fields] == [
        ("a", "DEFAULT", 1, "Label A"),
        ("extraInfo1", "CUSTOM", 2, None),
    ]
    plain = fn.integration_fields({"extraInfo1": 2}, ["extraInfo1"])
    assert [f["type"] for f in plain] == ["DEFAULT"], "no prefixes: every field is DEFAULT"
    assert fields[0]["id"] == ids.unified_id("otys:42", "integration_field", "a")
    assert fn.integration_fields({"a": 1}, []) == []
    assert fn.integration_fields(None, ["a"]) == []


def test_today_is_an_iso_date() -> None:
    assert datetime.strptime(fn.today(), "%Y-%m-%d")
