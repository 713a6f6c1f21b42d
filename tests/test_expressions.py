"""JMESPath expressions: parse errors with offsets, and the registry of custom functions."""

from __future__ import annotations

from typing import Any

import jmespath.exceptions
import pytest

from unimap.expressions import (
    BUILTIN_FUNCTIONS,
    ExpressionError,
    FunctionRegistry,
    compile_expression,
    function_names,
    parse,
)


@pytest.fixture
def registry() -> FunctionRegistry:
    functions = FunctionRegistry()
    functions.register("double", lambda v: v * 2, [["number"]])
    functions.register("greet", lambda name, greeting="Hi": f"{greeting} {name}", [["string"]], optional=1)
    functions.register("kind", lambda v: type(v).__name__, [["any"]])
    return functions


# -- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "expression is empty", 0),
        ("   ", "expression is empty", 0),
        ("a[", "incomplete expression", 2),
        ("length(", "incomplete expression", 7),
        ("a || ", "incomplete expression", 5),
        ("a.b.c[?x==`1`", "incomplete expression", 13),
        ("foo bar", "invalid syntax at 'bar'", 4),
        ("a.b]", "invalid syntax at ']'", 3),
        ("a ^ b", "unexpected character '^'", 2),
    ],
)
def test_parse_errors_carry_the_offset(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.message == message
    assert caught.value.position == position
    assert caught.value.expression == text


def test_parse_error_offset_never_passes_the_end() -> None:
    for text in ["a.", "a[", "(a", "{a: b"]:
        with pytest.raises(ExpressionError) as caught:
            parse(text)
        assert 0 <= caught.value.position <= len(text)


def test_parse_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="incomplete"):
        parse("a[")


def test_function_names_finds_nested_calls(registry: FunctionRegistry) -> None:
    expression = compile_expression("double(length(a)) || [greet(to_string(b))][0]", registry)
    assert expression.functions() == {"double", "length", "greet", "to_string"}
    assert function_names(parse("a.b").parsed) == set()


# -- evaluation with custom functions ------------------------------------------------------------


def test_custom_function_in_an_expression(registry: FunctionRegistry) -> None:
    assert compile_expression("double(a)", registry).search({"a": 4}) == 8


def test_declared_types_are_checked(registry: FunctionRegistry) -> None:
    with pytest.raises(jmespath.exceptions.JMESPathTypeError):
        compile_expression("double(a)", registry).search({"a": "four"})


def test_any_accepts_every_type_including_null(registry: FunctionRegistry) -> None:
    expression = compile_expression("kind(a)", registry)
    assert [expression.search({"a": v}) for v in (None, [1], {"b": 1}, "s", 1.5)] == [
        "NoneType",
        "list",
        "dict",
        "str",
        "float",
    ]


def test_optional_arguments(registry: FunctionRegistry) -> None:
    assert compile_expression("greet(n)", registry).search({"n": "Ann"}) == "Hi Ann"
    assert compile_expression("greet(n, 'Hello')", registry).search({"n": "Ann"}) == "Hello Ann"
    info = registry.get("greet")
    assert info is not None
    assert (info.required, info.optional) == (1, 1)
    assert [info.accepts(n) for n in range(4)] == [False, True, True, False]


def test_optional_arguments_without_required_ones() -> None:
    functions = FunctionRegistry()
    functions.register("count_args", lambda *args: len(args), [], optional=2)
    assert compile_expression("count_args()", functions).search({}) == 0


def test_builtin_jmespath_functions_still_work(registry: FunctionRegistry) -> None:
    assert compile_expression("join(',', sort(keys(@)))", registry).search({"b": 1, "a": 2}) == "a,b"


def test_registering_again_replaces_the_function(registry: FunctionRegistry) -> None:
    expression = compile_expression("double(`2`)", registry)
    assert expression.search({}) == 4
    registry.register("double", lambda v: v * 3, [["number"]])
    assert expression.search({}) == 6


def test_options_are_built_once_and_rebuilt_after_a_registration(registry: FunctionRegistry) -> None:
    first = registry.options()
    assert registry.options() is first
    registry.register("triple", lambda v: v * 3, [["number"]])
    assert registry.options() is not first


# -- the registry ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bad-name", "1st", "", "with space"])
def test_function_names_must_be_identifiers(name: str) -> None:
    with pytest.raises(ValueError, match="not an identifier"):
        FunctionRegistry().register(name, len)


def test_unknown_types_are_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown JMESPath type\(s\) \['strin'\]"):
        FunctionRegistry().register("f", len, [["strin"]])


def test_membership_covers_builtins_and_custom(registry: FunctionRegistry) -> None:
    assert "double" in registry
    assert "length" in registry
    assert "nope" not in registry
    assert registry.names() == BUILTIN_FUNCTIONS | {"double", "greet", "kind"}
    assert [info.name for info in registry] == ["double", "greet", "kind"]
    assert registry.get("length") is None


def test_documentation_comes_from_the_docstring_or_the_argument() -> None:
    def shout(value: Any) -> Any:
        """Upper-case a string."""
        return value

    functions = FunctionRegistry()
    functions.register("shout", shout)
    functions.register("whisper", shout, doc="Lower-case a string.")
    functions.register("bare", lambda v: v)
    assert [f.doc for f in functions] == ["", "Upper-case a string.", "Lower-case a string."]


@pytest.mark.parametrize(
    ("name", "unary"),
    [
        ("double", True),
        ("greet", True),
        ("length", True),
        ("to_string", True),
        ("join", False),
        ("contains", False),
        ("nope", False),
    ],
)
def test_unary_says_what_a_transform_may_name(registry: FunctionRegistry, name: str, unary: bool) -> None:
    assert registry.unary(name) is unary


def test_call_runs_custom_and_builtin_functions(registry: FunctionRegistry) -> None:
    assert registry.call("double", 3) == 6
    assert registry.call("length", [1, 2, 3]) == 3
    assert registry.call("to_string", 5) == "5"
