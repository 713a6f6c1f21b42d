"""The generated record validators give the closures' and ``jsonschema``'s verdict, and the same messages."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from unimap import context, validate
from unimap.context import MappingContext
from unimap.engine import Engine
from unimap.pagemap import SKIP, list_source, map_page
from unimap.schemaerrors import first_problem
from unimap_connectors.otys.sandbox import generate

SERVICES = {"candidate": "CandidateService", "job": "VacancyService", "application": "ProcedureService"}
#: values put in place of a field: valid and invalid for the schemas' types, formats and patterns
ODD: list[Any] = [
    None,
    True,
    0,
    1.0,
    2.5,
    "",
    "x",
    "2024-05-01T10:00:00.000Z",
    "2024-05-01 10:00:00",
    "2024-13-01T10:00:00.000Z",
    "ann@example.com",
    [],
    [None],
    [{}],
    [{"phone_number": "1", "type": None}],
    [{"email_address": "not an e-mail", "type": None}],
    {},
    {"city": 1},
    {"x": 1},
]
_GONE = object()


@pytest.fixture(scope="module")
def mapped() -> dict[str, list[dict[str, Any]]]:
    engine = Engine()
    ctx = MappingContext("otys:validate", engine.settings("otys", {}), {})
    tenant = generate(5, 60)
    with context.mapping_context(ctx):
        return {
            model: [engine.mapper("otys", model).map(raw, ctx) for raw in tenant.records[service][:20]]
            for model, service in SERVICES.items()
        }


def _variants(record: dict[str, Any]) -> list[dict[str, Any]]:
    """``record`` with each field in turn replaced by each odd value, left out, or given an extra key."""
    out = [record, {**record, "not_a_field": 1}]
    for key in record:
        if key == "remote_data":
            continue
        out.append({k: v for k, v in record.items() if k != key})
        out += [{**record, key: value} for value in ODD]
    return out


def test_generated_closure_and_jsonschema_verdicts_agree(mapped: dict[str, list[dict[str, Any]]]) -> None:
    cls = jsonschema.Draft202012Validator
    registry = validate.unified.registry()
    verdicts = {True: 0, False: 0}
    for model, records in mapped.items():
        schema = validate.mapped_schema(model)
        reference = cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)
        generated = validate.compile_schema(schema, format_checker=cls.FORMAT_CHECKER)
        closures = validate.compile_schema(schema, format_checker=cls.FORMAT_CHECKER, generate=False)
        assert generated is not None and closures is not None
        assert generated.__code__.co_filename == "<unimap.validate generated>"
        for record in records[:3]:
            for instance in _variants(record):
                verdict = reference.is_valid(instance)
                verdicts[verdict] += 1
                assert generated(instance) is verdict, instance
                assert closures(instance) is verdict, instance
    assert verdicts[True] > 100 and verdicts[False] > 100


def test_subclasses_and_integral_floats_follow_the_type_checker() -> None:
    class Text(str):
        pass

    schema = {"type": "object", "properties": {"n": {"type": "integer"}, "s": {"type": "string", "minLength": 2}}}
    check = validate.compile_schema(schema)
    reference = jsonschema.Draft202012Validator(schema)
    assert check is not None
    for instance in ({"n": 1.0}, {"n": 1.5}, {"n": True}, {"s": Text("ab")}, {"s": Text("a")}, {"s": None}, []):
        assert check(instance) is reference.is_valid(instance), instance


def test_skipped_records_name_jsonschemas_first_problem(mapped: dict[str, list[dict[str, Any]]]) -> None:
    engine = Engine()
    ctx = MappingContext("otys:validate", engine.settings("otys", {}), {})
    tenant = generate(5, 60)
    raws = [dict(r) for r in tenant.records["CandidateService"][:6]]
    mapper = engine.mapper("otys", "candidate")
    source = list_source(mapper.spec.component, 0)
    validator = validate.record_validator("candidate")
    broken = []

    class Mapper:  # the shipped mapper, with a field the schema refuses on every other record
        model = mapper.model
        spec = mapper.spec

        def map(self, raw: Any, ctx: MappingContext) -> dict[str, Any]:
            record = mapper.map(raw, ctx)
            if raws.index(raw) % 2:
                record["first_name"] = 7
                broken.append(record)
            return record

        def field_computing(self, expression: Any) -> Any:
            return mapper.field_computing(expression)

    with context.mapping_context(ctx):
        page = map_page(Mapper(), source, raws, ctx, "9999")
    skips = [message for kind, _, message in page.events if kind == SKIP]
    expected = []
    for record in broken:
        problem = first_problem(validator.reference.iter_errors(record))
        assert problem is not None
        expected.append(f"{'.'.join(str(p) for p in problem.path)}: {problem.message}")
    assert len(broken) == 3 and skips == expected
    assert expected[0] == "first_name: 7 is not of type 'string', 'null'"
