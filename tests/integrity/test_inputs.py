"""Item 12: user JSON, settings and time zones are refused clearly, never crash later."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from unimap.errors import ConfigError, InputInvalid
from unimap.jsoninput import MAX_DEPTH, parse_json, read_json
from unimap.settings_check import check_setting_types, parse_bool, parse_setting

DEFAULTS = {
    "timezone": "Europe/Amsterdam",
    "allow_private_urls": False,
    "max_attachment_bytes": 26214400,
    "requests_per_minute": None,
    "stage_axis": 1,
    "hired_stages": ["Placed"],
    "outcome_map": {"a": "b"},
    "default_source": None,
    "language": "en",
}


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests deeper"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nests deeper"),
        ('{"a": "\\ud800"}', "surrogate"),
        ('{"\\udfff": 1}', "surrogate"),
        ('{"a": 1e400}', "out of range"),
        ('{"a": -1e400}', "out of range"),
        ('{"a": NaN}', "not a JSON value"),
        ('{"a": Infinity}', "not a JSON value"),
        ('{"a": ' + "9" * 5000 + "}", "not valid JSON"),
        (b"\xff\xfe{", "not UTF-8|not valid JSON"),
        ("{", "not valid JSON"),
    ],
)
def test_unsafe_json_is_an_input_error(raw: str | bytes, match: str) -> None:
    with pytest.raises(InputInvalid, match=match):
        parse_json(raw, "(body)")


def test_the_surrogate_error_names_the_field() -> None:
    with pytest.raises(InputInvalid) as caught:
        parse_json('{"candidate": {"first_name": "\\ud800"}}', "(body)")
    assert caught.value.fields == ["candidate.first_name"]


def test_ordinary_json_still_parses() -> None:
    assert parse_json('{"a": [1, 2.5, "ü", null, true]}', "x", expect=dict) == {"a": [1, 2.5, "ü", None, True]}
    depth = MAX_DEPTH - 1
    assert parse_json("[" * depth + "]" * depth, "x") is not None


def test_a_non_utf8_input_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(b'{"first_name": "Jos\xe9"}')
    with pytest.raises(InputInvalid, match="not UTF-8"):
        read_json(str(path), "input")
    with pytest.raises(InputInvalid, match="cannot read"):
        read_json(str(tmp_path / "missing.json"), "input")
    path.write_bytes('\ufeff{"a": 1}'.encode())
    assert read_json(str(path), "input") == {"a": 1}


# -- settings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("true", True), ("FALSE", False), ("0", False), ("yes", True)])
def test_parse_bool_is_strict(text: str, value: bool) -> None:
    assert parse_bool(text, "x") is value


@pytest.mark.parametrize("text", ["ture", "", "2", "none", "falsey"])
def test_parse_bool_refuses_anything_else(text: str) -> None:
    with pytest.raises(ConfigError, match="not a boolean"):
        parse_bool(text, "x")


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("requests_per_minute", "120", 120),
        ("requests_per_minute", "null", None),
        ("allow_private_urls", "false", False),
        ("stage_axis", "2", 2),
        ("hired_stages", '["Placed", "Hired"]', ["Placed", "Hired"]),
        ("language", "nl", "nl"),
        ("timezone", "Europe/Berlin", "Europe/Berlin"),
        ("default_source", "Acme Jobs", "Acme Jobs"),
    ],
)
def test_parse_setting_types_values_by_their_default(name: str, text: str, value: Any) -> None:
    assert parse_setting(name, text, DEFAULTS.get(name)) == value


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("requests_per_minute", "abc"),
        ("requests_per_minute", "-5"),
        ("allow_private_urls", "maybe"),
        ("max_attachment_bytes", "1e400"),
        ("max_attachment_bytes", "0"),
        ("stage_axis", "one"),
        ("hired_stages", "Placed"),
        ("outcome_map", "[1]"),
        ("timezone", "Mars/Olympus"),
        ("requests_per_minute", "nan"),
    ],
)
def test_parse_setting_refuses_values_of_the_wrong_type(name: str, text: str) -> None:
    with pytest.raises(ConfigError, match=f"setting {name}"):
        parse_setting(name, text, DEFAULTS.get(name))


def test_check_setting_types_lists_every_wrong_setting() -> None:
    settings = {
        "timezone": "Mars/Olympus",
        "allow_private_urls": "false",
        "requests_per_minute": "abc",
        "stage_axis": True,
        "hired_stages": "Placed",
        "language": "de",
        "unknown": 1,
        "max_attachment_bytes": 1024,
        "default_source": None,
    }
    names = [name for name, _ in check_setting_types(settings, DEFAULTS)]
    assert names == ["timezone", "allow_private_urls", "requests_per_minute", "stage_axis", "hired_stages"]


def test_the_shipped_otys_settings_have_the_right_types() -> None:
    from unimap.engine import Engine

    defaults = Engine().connector("otys").settings
    assert check_setting_types(defaults, defaults) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://xn--/",
        "http://\u2603.-x-.com",
        "http://a.example:99999",
        "ftp://a.example",
        "not a url",
        "https://user:pw@a.example",
        None,
        12,
    ],
)
def test_a_bad_base_url_is_an_input_error(url: Any) -> None:
    from unimap.unified import check_base_url

    with pytest.raises(InputInvalid, match="base_url"):
        check_base_url(url)


def test_a_good_base_url_passes() -> None:
    from unimap.unified import check_base_url

    assert check_base_url("https://ows.otys.nl") == "https://ows.otys.nl"
    assert check_base_url("http://127.0.0.1:8123/") == "http://127.0.0.1:8123/"
