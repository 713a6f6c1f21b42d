"""Every lint rule, each with a failing and a passing connector.

``tests/fixtures/specs/rules/<code>-<name>/bad`` breaks exactly one rule, and ``good`` is the same
connector with that one mistake fixed. A rule added to ``unimap.rules`` without a pair of fixtures
and an entry in ``EXPECTED`` fails ``test_every_rule_has_a_failing_and_a_passing_fixture``.
"""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from unimap import rules, unified
from unimap.expressions import FunctionRegistry
from unimap.findings import Finding, Findings, Severity
from unimap.lint import lint_paths
from unimap.loader import SpecLoader
from unimap.plugins import default_components, make_manager
from unimap.resources import mappings_dir
from unimap.specschema import spec_schema

RULES_DIR = Path(__file__).resolve().parent / "fixtures" / "specs" / "rules"
DOCS = Path(__file__).resolve().parents[1] / "docs"

# code -> (file inside the connector, line, column, "did you mean" suggestion)
EXPECTED: dict[str, tuple[str, int, int, str | None]] = {
    "U001": ("models/users.yaml", 11, 8, None),
    "U002": ("models/users.yaml", 11, 3, None),
    "U003": ("models/users.yaml", 1, 7, "model"),
    "U004": ("models/users.yaml", 3, 1, None),
    "U005": ("models/users.yaml", 3, 1, "description"),
    "U006": ("models/users.yaml", 10, 14, None),
    "U101": ("models/users.yaml", 6, 25, None),
    "U102": ("models/users.yaml", 11, 10, "email"),
    "U103": ("models/users.yaml", 11, 10, None),
    "U104": ("models/users.yaml", 11, 23, "upper"),
    "U105": ("models/users.yaml", 13, 12, None),
    "U201": ("models/users.yaml", 11, 3, "first_name"),
    "U202": ("models/users.yaml", 9, 3, None),
    "U203": ("models/users.yaml", 7, 1, None),
    "U204": ("models/users.yaml", 7, 1, None),
    "U301": ("models/application_stages.yaml", 5, 9, "user"),
    "U302": ("models/users_v2.yaml", 2, 8, None),
    "U303": ("models/users.yaml", 1, 1, None),
    "U304": ("actions/add_candidate_result_link.yaml", 11, 33, "link"),
    "U305": ("models/users.yaml", 10, 38, "name_separator"),
    "U306": ("connector.yaml", 8, 9, None),
    "U307": ("connector.yaml", 8, 9, "unimap_process_record"),
    "U308": ("models/application_stages.yaml", 11, 40, "departments"),
    "U309": ("connector.yaml", 10, 23, None),
}

CODES = [rule.code for rule in rules.ALL_RULES]


def rule_dir(code: str) -> Path:
    """The fixture folder of rule ``code`` (``rules/<code>-<name>``)."""
    rule = next(r for r in rules.ALL_RULES if r.code == code)
    return RULES_DIR / f"{rule.code}-{rule.name}"


@pytest.fixture(scope="module")
def loader() -> SpecLoader:
    """A spec loader with the built-in functions only (no entry points, no user config)."""
    functions = FunctionRegistry()
    make_manager(entry_points=False).hook.unimap_register_functions(register=functions.register)
    return SpecLoader(functions)


@pytest.fixture
def fixture_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Forget fixture plugin modules before and after, so each folder imports its own copy."""
    for name in [n for n in sys.modules if n.startswith("unimap_fixture_")]:
        monkeypatch.delitem(sys.modules, name)
    yield
    for name in [n for n in sys.modules if n.startswith("unimap_fixture_")]:
        del sys.modules[name]


def lint(folder: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    """Lint a fixture connector folder, with its plugin modules importable."""
    monkeypatch.syspath_prepend(str(folder))
    importlib.invalidate_caches()
    return lint_paths([folder], loader).sorted()


def where(finding: Finding, folder: Path) -> tuple[str, int, int]:
    """The finding's file (relative to ``folder``), line and column."""
    file = Path(finding.location.file).resolve().relative_to(folder.resolve())
    return file.as_posix(), finding.location.line, finding.location.column


def test_every_rule_has_a_failing_and_a_passing_fixture() -> None:
    assert sorted(EXPECTED) == sorted(CODES)
    for code in CODES:
        assert (rule_dir(code) / "bad").is_dir(), f"{code}: no failing fixture"
        assert (rule_dir(code) / "good").is_dir(), f"{code}: no passing fixture"


def test_no_fixture_folder_without_a_rule() -> None:
    known = {f"{r.code}-{r.name}" for r in rules.ALL_RULES}
    assert {p.name for p in RULES_DIR.iterdir() if p.is_dir()} <= known


def test_the_spec_format_docs_list_every_rule() -> None:
    text = (DOCS / "spec-format.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| U")]
    assert rows == [f"| {r.code} | `{r.name}` | {r.severity} | {r.summary} |" for r in rules.ALL_RULES]


def _property_names(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        found.update(node.get("properties", {}))
        for value in node.values():
            _property_names(value, found)
    elif isinstance(node, list):
        for value in node:
            _property_names(value, found)
    return found


@pytest.mark.parametrize("kind", unified.SPEC_KINDS)
def test_the_spec_format_docs_name_every_key(kind: str) -> None:
    text = (DOCS / "spec-format.md").read_text(encoding="utf-8")
    missing = sorted(
        name
        for name in _property_names(unified.schema("spec", kind), set())
        if not any(f"`{name}{end}" in text for end in ("`", ":", "."))
    )
    assert missing == [], f"docs/spec-format.md does not mention these {kind} keys"


def test_rule_codes_and_names_are_unique_and_listed_in_order() -> None:
    names = [rule.name for rule in rules.ALL_RULES]
    assert len(set(CODES)) == len(CODES)
    assert len(set(names)) == len(names)
    assert sorted(CODES) == CODES


@pytest.mark.parametrize("code", CODES)
def test_failing_fixture_reports_the_rule(
    code: str, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch, fixture_plugins: None
) -> None:
    folder = rule_dir(code) / "bad"
    findings = lint(folder, loader, monkeypatch)
    assert [f.rule.code for f in findings] == [code], [str(f) for f in findings]
    finding = findings[0]
    file, line, column, suggestion = EXPECTED[code]
    assert where(finding, folder) == (file, line, column)
    assert finding.suggestion == suggestion
    assert finding.level == finding.rule.severity


@pytest.mark.parametrize("code", CODES)
def test_passing_fixture_is_clean(
    code: str, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch, fixture_plugins: None
) -> None:
    folder = rule_dir(code) / "good"
    assert [str(f) for f in lint(folder, loader, monkeypatch)] == []


# -- variants of the fixtures, written to a temporary folder -------------------------------------


def variant(
    tmp_path: Path, code: str, replacements: dict[str, tuple[str, str]], extra: dict[str, str] | None = None
) -> Path:
    """A copy of rule ``code``'s passing connector with text replaced in some files."""
    source = rule_dir(code) / "good"
    target = tmp_path / "acme"
    for path in source.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            (target / path.relative_to(source)).write_bytes(path.read_bytes())
    for file, (old, new) in replacements.items():
        text = (target / file).read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {file}"
        (target / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    for file, text in (extra or {}).items():
        (target / file).parent.mkdir(parents=True, exist_ok=True)
        (target / file).write_text(text, encoding="utf-8")
    return target


def codes(findings: list[Finding]) -> list[str]:
    return [f.rule.code for f in findings]


def test_arity_of_a_jmespath_builtin(tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = variant(tmp_path, "U103", {"models/users.yaml": ("last_name: last", "last_name: to_string(last, first)")})
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U103"]
    assert "to_string() takes 1 argument(s), got 2" in findings[0].message


def test_arity_of_a_function_with_optional_arguments(
    tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = variant(tmp_path, "U103", {"models/users.yaml": ("email(mail)", "iso_datetime(mail, 'UTC', 'x')")})
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U103"]
    assert "iso_datetime() takes 1 to 2 argument(s), got 3" in findings[0].message


def test_transform_that_needs_two_arguments(
    tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = variant(tmp_path, "U104", {"models/users.yaml": ("[trim, upper]", "[trim, join_nonempty]")})
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U104"]
    assert "takes more than one argument" in findings[0].message


def test_unknown_lookup_through_labelled_fields(
    tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = "\"{department: lookup('departments', department_id)}\""
    folder = variant(
        tmp_path, "U308", {"models/application_stages.yaml": (old, "\"labelled_fields(@, 'extra', 'departmnts')\"")}
    )
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U308"]
    assert findings[0].suggestion == "departments"


def test_unknown_model_in_an_action_reference(
    tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = variant(
        tmp_path, "U304", {"actions/add_candidate_result_link.yaml": ("{model: candidate,", "{model: job,")}
    )
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U301"]
    assert "reference 'candidate' points at model 'job'" in findings[0].message


@pytest.mark.parametrize("reference", ["steps.lnk.url", "steps.lnk[0]", "steps.lnk[*].url", "length(steps.lnk.url)"])
def test_unknown_step_behind_a_longer_path(
    reference: str, tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = variant(
        tmp_path, "U304", {"actions/add_candidate_result_link.yaml": ("link: steps.link}", f"link: {reference}}}")}
    )
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U304"]
    assert findings[0].suggestion == "link"


def test_steps_read_through_a_longer_path_are_known(
    tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = variant(
        tmp_path,
        "U304",
        {
            "actions/add_candidate_result_link.yaml": (
                "link: steps.link}",
                "link: {label: steps.link.label, url: steps.link.url}}",
            )
        },
    )
    assert lint(folder, loader, monkeypatch) == []


def test_unknown_step_in_the_response(tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = variant(
        tmp_path,
        "U304",
        {
            "actions/add_candidate_result_link.yaml": (
                "response:\n  type: empty\n",
                "response:\n  type: record\n  model: candidate\n  remote_id: steps.made.id\n",
            )
        },
    )
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U304"]
    assert findings[0].path == ("response", "remote_id")


def test_a_second_connector_spec_is_a_duplicate(
    tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = variant(
        tmp_path,
        "U302",
        {},
        extra={"acme.yaml": (rule_dir("U302") / "good" / "connector.yaml").read_text(encoding="utf-8")},
    )
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U302"]
    assert where(findings[0], folder)[0] == "connector.yaml" or where(findings[0], folder)[0] == "acme.yaml"


def test_duplicate_spec_names_the_first_file_relative_to_the_connector(
    loader: SpecLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    findings = lint(rule_dir("U302") / "bad", loader, monkeypatch)
    assert findings[0].message == "model 'user' is already defined in models/users.yaml"


def test_unknown_key_deep_inside_a_spec(tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = variant(
        tmp_path, "U005", {"models/users.yaml": ("  records: body.data\n", "  records: body.data\n  id_feild: id\n")}
    )
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U005"]
    assert findings[0].path == ("source", "id_feild")
    assert findings[0].suggestion == "id_field"
    assert where(findings[0], folder) == ("models/users.yaml", 8, 3)


def test_expression_error_inside_a_block_scalar(
    tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = variant(
        tmp_path,
        "U101",
        {"models/users.yaml": ("  last_name: last\n", "  last_name: >-\n    join_nonempty(' ',\n    [infix, last)\n")},
    )
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U101"]
    file, line, column = where(findings[0], folder)
    assert (file, line) == ("models/users.yaml", 12)
    assert column == len("    [infix, last") + 1


def test_missing_and_wrong_kind(tmp_path: Path, loader: SpecLoader) -> None:
    (tmp_path / "nokind.yaml").write_text("model: user\n", encoding="utf-8")
    (tmp_path / "list.yaml").write_text("- kind: model\n", encoding="utf-8")
    findings = lint_paths([tmp_path], loader).sorted()
    assert codes(findings) == ["U003", "U003"]
    assert all(f.location.line == 1 for f in findings)


def test_unreadable_file_is_a_syntax_finding(tmp_path: Path, loader: SpecLoader) -> None:
    (tmp_path / "latin1.yaml").write_bytes("kind: model\ndescription: caf\xe9\n".encode("latin-1"))
    findings = lint_paths([tmp_path], loader).sorted()
    assert codes(findings) == ["U001"]
    assert "cannot read file" in findings[0].message


def test_load_connector_without_connector_file(loader: SpecLoader) -> None:
    folder = rule_dir("U303") / "bad"
    findings = Findings()
    assert loader.load_connector(folder, findings) is None
    assert codes(findings.sorted()) == ["U303"]


def test_info_findings_do_not_block_the_engine(loader: SpecLoader, monkeypatch: pytest.MonkeyPatch) -> None:
    findings = lint(rule_dir("U204") / "bad", loader, monkeypatch)
    assert [f.level for f in findings] == [Severity.INFO]
    assert Findings(findings).errors() == []


# -- the loader compiles every expression the spec format declares ----------------------------------------


def _expression_validator(kind: str, selected: dict[str, str]) -> Any:
    """The spec schema with every expression and template made to fail, so its errors locate them."""
    schema = copy.deepcopy(spec_schema(kind, default_components(), selected))

    def mark(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("x-unimap-expression") or node.get("x-unimap-template"):
                node["if"], node["then"] = {"type": "string"}, {"not": {}}
            for value in node.values():
                mark(value)
        elif isinstance(node, list):
            for value in node:
                mark(value)

    mark(schema)
    return jsonschema.Draft202012Validator(schema)


def _declared(errors: Iterable[Any]) -> set[tuple[str | int, ...]]:
    found: set[tuple[str | int, ...]] = set()
    for error in errors:
        if error.validator == "not":
            found.add(tuple(error.absolute_path))
        found |= _declared(error.context or [])
    return found


SPEC_FILES = sorted(
    [
        *mappings_dir().rglob("*.yaml"),
        *(p for p in RULES_DIR.glob("*/good/**/*.yaml")),
        *(RULES_DIR.parent / "extra").rglob("*.yaml"),
    ]
)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.relative_to(p.parents[3]).as_posix())
def test_every_declared_expression_is_compiled(path: Path, loader: SpecLoader) -> None:
    root = next(p for p in path.parents if (p / "connector.yaml").is_file())
    transport = (yaml.safe_load((root / "connector.yaml").read_text(encoding="utf-8")).get("transport") or {})["type"]
    findings = Findings()
    spec = loader.load_file(path, findings, {"request": transport})
    assert spec is not None and not findings.errors()
    declared = _declared(_expression_validator(spec.kind, {"request": transport}).iter_errors(spec.data))
    assert declared == set(spec.expressions) | set(spec.templates)


def test_unknown_lookup_in_the_custom_field_catalogue(
    tmp_path: Path, loader: SpecLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = "    value: name\ncustom_field_catalogue:\n  - {lookup: departmnts, model: \"'job'\", key: name}\n"
    folder = variant(tmp_path, "U308", {"connector.yaml": ("    value: name\n", catalogue)})
    findings = lint(folder, loader, monkeypatch)
    assert codes(findings) == ["U308"]
    assert where(findings[0], folder) == ("connector.yaml", 15, 14)
    assert "custom_field_catalogue" in findings[0].message and findings[0].suggestion == "departments"
    good = variant(
        tmp_path / "good",
        "U308",
        {"connector.yaml": ("    value: name\n", catalogue.replace("departmnts", "departments"))},
    )
    assert lint(good, loader, monkeypatch) == []


def test_a_type_registered_after_a_spec_was_checked_is_accepted_by_the_next_check() -> None:
    import json

    from unimap.specschema import spec_validator

    def paginator_problems(validator: Any) -> list[Any]:
        spec = {"kind": "connector", "paginator": {"type": "fancy_pages", "page_size": 10}}
        return [e for e in validator.iter_errors(spec) if list(e.absolute_path)[:1] == ["paginator"]]

    registry = default_components()
    before = spec_validator("connector", registry)
    assert before is spec_validator("connector", registry), "composed once per registry"
    assert paginator_problems(before) and "fancy_pages" not in json.dumps(before.schema)
    registry.register("paginator", "fancy_pages", {"properties": {"page_size": {"type": "integer"}}})
    after = spec_validator("connector", registry)
    assert after is not before and "fancy_pages" in json.dumps(after.schema)
    assert paginator_problems(after) == []
    assert spec_validator("connector", default_components()) is not after, "one registry's schemas are its own"
