"""The component registry: spec schemas, lint slots and runtimes all follow the registered types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from unimap.config import Config
from unimap.engine import Engine
from unimap.findings import Findings
from unimap.hookspecs import hookimpl
from unimap.registry import CATEGORIES, ComponentRegistry, expression, obj
from unimap.resources import schemas_dir
from unimap.slots import iter_slots
from unimap.specdocs import BEGIN, END, reference
from unimap.specschema import KINDS, generated_text, spec_schema, spec_validator
from unimap.transport.paginators import OffsetPaginator

DOCS = Path(__file__).resolve().parents[2] / "docs" / "spec-format.md"


class SkipTakePlugin:
    """A plugin adding a paginator type, as a user would."""

    @hookimpl
    def unimap_register_components(self, register: Any) -> None:
        schema = obj(
            "Skip/take",
            "Offset paging with `skip` and `take` parameters.",
            [{"page_size": 100}],
            {
                "page_size": {
                    "type": "integer",
                    "minimum": 1,
                    "title": "Page size",
                    "description": "Rows per page.",
                    "examples": [100],
                },
                "label": expression("Label", "A label expression (for the lint test).", ["'x'"]),
            },
        )
        register(
            "paginator",
            "skip_take",
            schema,
            lambda config, *, env: OffsetPaginator(
                int(config.get("page_size", 100)), limit_param="take", offset_param="skip"
            ),
            summary="Offset paging with skip/take.",
        )


@pytest.fixture
def plugin_engine(clean_env: Path) -> Engine:
    return Engine(config=Config(), plugins=[SkipTakePlugin()])


def _connector(tmp_path: Path, paginator: str) -> Path:
    root = tmp_path / "acme"
    (root / "models").mkdir(parents=True)
    (root / "connector.yaml").write_text(
        "kind: connector\nname: acme\ntransport: {type: rest, base_url: 'http://127.0.0.1:9'}\nauth: {type: none}\n"
        f"paginator: {paginator}\n",
        encoding="utf-8",
    )
    (root / "models" / "users.yaml").write_text(
        "kind: model\nmodel: user\nsource:\n  type: list\n  request: {path: /users}\n  records: body\n"
        "fields:\n  remote_id: to_text(id)\n",
        encoding="utf-8",
    )
    return root


def test_a_plugin_component_is_in_the_schema_the_linter_and_the_runtime(plugin_engine: Engine, tmp_path: Path) -> None:
    assert "skip_take" in plugin_engine.components.names("paginator")
    schema = spec_schema("connector", plugin_engine.components)
    assert "skip_take" in json.dumps(schema["properties"]["paginator"])
    root = _connector(tmp_path, "{type: skip_take, page_size: 25, label: 'a b'}")
    findings = Findings()
    specs = plugin_engine.loader().load_connector(root, findings)
    assert specs is not None
    assert [f.rule.code for f in findings.sorted() if f.rule.code != "U204"] == ["U101"], "the slot is linted"
    assert findings.sorted()[0].location.line == 5


def test_a_plugin_paginator_runs(plugin_engine: Engine, tmp_path: Path) -> None:
    root = _connector(tmp_path, "{type: skip_take, page_size: 25}")
    engine = Engine(config=Config(spec_dirs=[root]), plugins=[SkipTakePlugin()])
    paginator = engine.connector("acme").models["user"].component.paginator
    assert isinstance(paginator, OffsetPaginator)
    assert (paginator.page_size, paginator.limit_param, paginator.offset_param) == (25, "take", "skip")


def test_an_unknown_component_type_is_a_lint_error_with_a_suggestion(engine: Engine, tmp_path: Path) -> None:
    root = _connector(tmp_path, "{type: link_headr}")
    findings = Findings()
    engine.loader().load_connector(root, findings)
    found = [f for f in findings.sorted() if f.rule.code == "U004"]
    assert found and "link_headr" in found[0].message and found[0].suggestion == "link_header"


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_spec_schemas_are_the_composition_of_the_builtin_components(engine: Engine, kind: str) -> None:
    path = schemas_dir() / "spec" / f"{kind}.schema.json"
    assert path.read_text(encoding="utf-8") == generated_text(kind, engine.components), (
        f"{path.name} is stale: run `python -m unimap.specschema`"
    )


def test_every_category_has_types_and_every_type_builds_its_own_example(engine: Engine) -> None:
    registry = engine.components
    for category in CATEGORIES:
        names = registry.names(category)
        assert names, category
        for name in names:
            fragment = registry.get(category, name).fragment()
            assert fragment["examples"], (category, name)


def test_the_reference_in_spec_format_md_is_current(engine: Engine) -> None:
    text = DOCS.read_text(encoding="utf-8")
    generated = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert generated == reference(engine.components).strip(), "run `python -m unimap.specdocs`"


def test_every_component_example_in_the_reference_is_valid(engine: Engine) -> None:
    registry = engine.components
    for category in ("paginator", "auth", "rate_limit", "incremental", "deletion"):
        node = registry.union(category)
        validator_cls = spec_validator("connector", registry).__class__
        for name in registry.names(category):
            for example in registry.get(category, name).fragment()["examples"]:
                sample = {"type": name, **example} if isinstance(example, dict) else example
                errors = list(validator_cls(node).iter_errors(sample))
                assert not errors, (category, name, errors[0].message)


def test_slots_are_found_through_the_schema_only() -> None:
    registry = ComponentRegistry()
    registry.register("paginator", "p", obj("P", "p", [{}], {"next": expression("Next", "n", ["body.n"])}))
    schema = {"type": "object", "properties": {"paginator": {"x-unimap-component": "paginator"}}}
    from unimap.registry import compose

    composed = compose(schema, registry)
    assert list(iter_slots(composed, {"paginator": {"type": "p", "next": "body.next"}})) == [
        (("paginator", "next"), "expression")
    ]
    assert list(iter_slots(composed, {"paginator": {"type": "q", "next": "body.next"}})) == []
