"""YAML with line marks: where values, keys, duplicates and syntax errors are (1-based line:col)."""

from __future__ import annotations

from pathlib import Path

import pytest

from unimap.errors import Location
from unimap.yamlsource import Mark, YamlDocument, YamlSyntaxError, load_yaml, parse_yaml

SPEC = """\
kind: model
fields:
  first: 'Person.firstName'
  last: "Person.lastName"
  block: |
    first line
    second.line
  folded: >-
    folded one
    folded two
  plain: plain multi
    line scalar
  list: [1, 2, {h: 3}]
"""


@pytest.fixture
def doc() -> YamlDocument:
    return parse_yaml(SPEC, "spec.yaml")


def test_data_is_the_plain_python_value(doc: YamlDocument) -> None:
    assert doc.data["kind"] == "model"
    assert doc.data["fields"]["block"] == "first line\nsecond.line\n"
    assert doc.data["fields"]["folded"] == "folded one folded two"
    assert doc.data["fields"]["list"] == [1, 2, {"h": 3}]


def test_values_and_keys_have_one_based_marks(doc: YamlDocument) -> None:
    assert doc.values[("kind",)] == Mark(1, 7, "")
    assert doc.keys[("fields", "first")] == Mark(3, 3, "")
    assert doc.values[("fields", "first")] == Mark(3, 10, "'")
    assert doc.values[("fields", "last")].style == '"'
    assert doc.values[("fields", "block")].style == "|"


def test_sequence_items_have_marks(doc: YamlDocument) -> None:
    assert doc.values[("fields", "list", 1)] == Mark(13, 13, "")
    assert doc.keys[("fields", "list", 2, "h")] == Mark(13, 17, "")


def test_location_names_the_file(doc: YamlDocument) -> None:
    assert doc.location(("fields", "last")) == Location("spec.yaml", 4, 9)
    assert doc.location(("fields", "last"), key=True) == Location("spec.yaml", 4, 3)
    assert str(doc.location(("kind",))) == "spec.yaml:1:7"


def test_a_missing_path_falls_back_to_its_nearest_ancestor(doc: YamlDocument) -> None:
    assert doc.mark(("fields", "list", 2, "missing")) == doc.values[("fields", "list", 2)]
    assert doc.mark(("fields", "missing"), key=True) == doc.keys[("fields",)]
    assert doc.mark(("nowhere",)) == Mark(1, 1, None)


@pytest.mark.parametrize(
    ("path", "offset", "line", "column"),
    [
        (("fields", "first"), 0, 3, 11),  # inside single quotes
        (("fields", "first"), 6, 3, 17),
        (("fields", "last"), 6, 4, 16),  # inside double quotes
        (("fields", "block"), 0, 6, 5),  # literal block: first content line
        (("fields", "block"), 17, 7, 11),  # the dot of "second.line"
        (("fields", "folded"), 11, 10, 5),  # folded block, second line
        (("fields", "plain"), 13, 12, 6),  # multi-line plain scalar, second line
        (("kind",), 2, 1, 9),  # one-line plain scalar
    ],
)
def test_scalar_location_points_inside_the_string(
    doc: YamlDocument, path: tuple[str, ...], offset: int, line: int, column: int
) -> None:
    location = doc.scalar_location(path, offset)
    assert (location.line, location.column) == (line, column)
    text = SPEC.splitlines()[line - 1]
    value = doc.data
    for part in path:
        value = value[part]
    assert text[column - 1] == value[offset]


def test_duplicate_keys_are_recorded_and_the_later_value_kept() -> None:
    doc = parse_yaml("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n", "d.yaml")
    assert doc.data == {"a": 4, "b": {"c": 3}}
    found = {dup.path: (dup.mark.line, dup.first.line) for dup in doc.duplicates}
    assert found == {("b", "c"): (4, 3), ("a",): (5, 1)}


def test_no_duplicates_in_a_clean_file(doc: YamlDocument) -> None:
    assert doc.duplicates == []


def test_non_string_keys_are_kept_or_stringified() -> None:
    doc = parse_yaml("1: one\n? [x, y]\n: pair\n", "k.yaml")
    assert doc.data == {1: "one", "['x', 'y']": "pair"}
    assert doc.keys[(1,)] == Mark(1, 1, "")


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_an_empty_document_is_none(text: str) -> None:
    assert parse_yaml(text, "e.yaml").data is None


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("a: [1, 2\nb: 3\n", 2, 2, "while parsing a flow sequence at 1:4"),
        ("a: 'open\n", 2, 1, "while scanning a quoted scalar at 1:4"),
        ("a: 1\n---\nb: 2\n", 2, 1, "another document"),
        ("a: *nowhere\n", 1, 4, "undefined alias"),
        ("a: !!python/object:os.system x\n", 1, 4, "could not determine a constructor"),
        ("a:\n\tb: 1\n", 2, 1, "cannot start any token"),
    ],
)
def test_syntax_errors_carry_a_location(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml(text, "bad.yaml")
    assert caught.value.location == Location("bad.yaml", line, column)
    assert words in caught.value.message


def test_context_is_not_repeated_when_it_is_where_the_problem_is() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml("a:\n\tb: 1\n", "bad.yaml")
    assert caught.value.message.endswith("(while scanning for the next token)")


def test_load_yaml_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("kind: connector\n", encoding="utf-8")
    doc = load_yaml(path)
    assert doc.data == {"kind": "connector"}
    assert doc.path == path
    assert doc.location(("kind",)).file == str(path)
