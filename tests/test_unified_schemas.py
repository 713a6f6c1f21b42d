"""The unified model and action-input JSON Schemas (``schemas/models``, ``schemas/actions``).

Checks that every schema is valid draft 2020-12 with a resolvable ``$ref`` graph, that the minimal
SDK-passing records of the Kombo reference (§2.7) validate while the mutations the SDK rejects do not,
that the action inputs enforce Kombo's request rules, and that the documentation annotations
(title/description/examples, ``x-unimap-*``) are complete.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from unimap.resources import mappings_dir

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE = "https://unimap.dev/schemas"
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER

MODEL_ENDPOINTS = {
    "user": "/ats/users",
    "job": "/ats/jobs",
    "candidate": "/ats/candidates",
    "application_stage": "/ats/application-stages",
    "application": "/ats/applications",
    "job_hiring_team_member": None,
    "tag": "/ats/tags",
    "rejection_reason": "/ats/rejection-reasons",
}
ACTION_ENDPOINTS = {
    "create_candidate": "POST /ats/candidates",
    "create_application": "POST /ats/jobs/{job_id}/applications",
    "add_application_attachment": "POST /ats/applications/{application_id}/attachments",
    "add_candidate_attachment": "POST /ats/candidates/{candidate_id}/attachments",
    "add_application_result_link": "POST /ats/applications/{application_id}/result-links",
    "add_candidate_result_link": "POST /ats/candidates/{candidate_id}/result-links",
    "add_candidate_tag": "POST /ats/candidates/{candidate_id}/tags",
    "remove_candidate_tag": "DELETE /ats/candidates/{candidate_id}/tags",
    "move_application_stage": "PUT /ats/applications/{application_id}/stage",
    "reject_application": "POST /ats/applications/{application_id}/reject",
    "add_application_note": "POST /ats/applications/{application_id}/notes",
}

# The minimal objects of the reference's §2.7 that parse with the Kombo SDK 1.4.0 (reproduced as data).
SECTION_2_7 = """
{"users":{"id":"U1","remote_id":"42","first_name":"Ann","last_name":"Lee","email":"ann@example.com",
"status":"ACTIVE","system_roles":[],"changed_at":"2024-05-01T10:00:00.000Z","remote_deleted_at":null,
"remote_data":{"/User.get":{"uid":"42"}}},
"jobs":{"id":"J1","remote_id":"1001","name":"Dev","job_code":"V-1","description":"<p>x</p>",
"confidential":null,"weekly_hours":null,"employment_type":null,"status":"OPEN","visibility":"PUBLIC",
"category":"IT","department":null,"post_url":"https://x/jobs/1","experience_level":null,
"remote_work_status":null,"salary_amount":50000.0,"salary_amount_from":null,"salary_amount_to":null,
"salary_currency":"EUR","salary_period":null,"location":{"city":"Utrecht","country":"NL",
"raw":"Utrecht, NL"},"custom_fields":{},"integration_fields":[],"remote_url":null,
"opened_at":"2024-05-01T10:00:00.000Z","closed_at":null,"remote_created_at":"2024-05-01T10:00:00.000Z",
"remote_updated_at":"2024-05-01T10:00:00.000Z","contact_id":"U1","remote_data":null,
"changed_at":"2024-05-01T10:00:00.000Z","remote_deleted_at":null,"stages":[{"id":"S1","remote_id":"7",
"name":"Screening","status":"ACTIVE","custom_fields":{},"index":0,"remote_data":null}],
"screening_questions":[],"job_postings":[],"hiring_team":[{"id":"U1","remote_id":"42",
"first_name":"Ann","last_name":"Lee","email":"ann@example.com","hiring_team_roles":["RECRUITER"],
"job_roles":[{"remote_id":null,"remote_label":"Consultant","unified_type":"RECRUITER",
"scope":"JOB"}]}]},
"candidates":{"id":"C1","remote_id":"555","first_name":"Bo","last_name":"Ek","company":null,
"title":null,"confidential":null,"source":"Acme Jobs","phone_numbers":[{"phone_number":"+31600000000",
"type":"MOBILE"}],"email_addresses":[{"email_address":"bo@example.com","type":null}],"social_media":[],
"location":{"city":"Delft","country":"NL"},"custom_fields":{},"integration_fields":[],"remote_url":null,
"remote_created_at":"2024-05-01T10:00:00.000Z","remote_updated_at":"2024-05-01T10:00:00.000Z",
"remote_data":null,"changed_at":"2024-05-01T10:00:00.000Z","remote_deleted_at":null,
"applications":[{"id":"A1","remote_id":"9","outcome":"PENDING","rejection_reason_name":null,
"rejected_at":null,"remote_url":null,"changed_at":"2024-05-01T10:00:00.000Z",
"remote_created_at":"2024-05-01T10:00:00.000Z","remote_updated_at":null,"current_stage":{"id":"S1",
"name":"Screening","remote_id":"7","index":0},"job":{"id":"J1","name":"Dev","remote_id":"1001"}}],
"tags":[]},
"application-stages":{"id":"S1","remote_id":"7","name":"Screening","status":"ACTIVE","custom_fields":{},
"remote_data":null,"changed_at":"2024-05-01T10:00:00.000Z","remote_deleted_at":null},
"applications":{"id":"A1","remote_id":"9","outcome":"PENDING","rejection_reason_name":null,
"rejected_at":null,"current_stage_id":"S1","job_id":"J1","candidate_id":"C1",
"screening_question_answers":[],"custom_fields":{},"integration_fields":[],"remote_url":null,
"changed_at":"2024-05-01T10:00:00.000Z","remote_deleted_at":null,
"remote_created_at":"2024-05-01T10:00:00.000Z","remote_updated_at":null,"remote_data":null,
"candidate":{"id":"C1","remote_id":"555","first_name":"Bo","last_name":"Ek",
"email_addresses":[{"email_address":"bo@example.com","type":null}],"phone_numbers":[],"social_media":[],
"source":"Acme Jobs","remote_url":null,"tags":[]},"current_stage":{"id":"S1","remote_id":"7",
"name":"Screening","status":"ACTIVE","custom_fields":{},"index":0},"job":{"id":"J1","remote_id":"1001",
"name":"Dev"},"interviews":[],"offers":[]}}
"""
_FIXTURES = json.loads(SECTION_2_7)
MODEL_FIXTURES: dict[str, dict[str, Any]] = {
    "user": _FIXTURES["users"],
    "job": _FIXTURES["jobs"],
    "candidate": _FIXTURES["candidates"],
    "application_stage": _FIXTURES["application-stages"],
    "application": _FIXTURES["applications"],
    "job_hiring_team_member": {
        "id": "H1",
        "job_id": "J1",
        "user_id": "U1",
        "roles": [{"remote_id": None, "remote_label": "Consultant", "unified_type": "RECRUITER", "scope": "JOB"}],
        "remote_id": None,
        "remote_data": None,
        "changed_at": "2024-05-01T10:00:00.000Z",
        "remote_deleted_at": None,
    },
}

# Keys the contract lets a record leave out (everything else is required, even when null).
OPTIONAL_KEYS = {
    "user": {"email"},
    "job": {"employment_type", "status", "visibility", "remote_work_status", "salary_period", "location"},
    "candidate": {"phone_numbers", "email_addresses", "social_media", "location"},
    "application_stage": set(),
    "application": {"screening_question_answers"},
    "job_hiring_team_member": set(),
    "tag": set(),
    "rejection_reason": set(),
}
# Fields marked ★ (the OTYS seed coverage list) in the reference.
SEED_FIELDS = {
    "user": {"id", "remote_id", "first_name", "last_name", "email", "remote_data", "changed_at", "remote_deleted_at"},
    "job": {
        "id",
        "remote_id",
        "name",
        "job_code",
        "description",
        "status",
        "visibility",
        "category",
        "post_url",
        "salary_amount",
        "salary_currency",
        "location",
        "custom_fields",
        "integration_fields",
        "opened_at",
        "closed_at",
        "remote_created_at",
        "remote_updated_at",
        "contact_id",
        "remote_data",
        "changed_at",
        "remote_deleted_at",
    },
    "candidate": {
        "id",
        "remote_id",
        "first_name",
        "last_name",
        "company",
        "source",
        "phone_numbers",
        "email_addresses",
        "location",
        "remote_created_at",
        "remote_updated_at",
        "remote_data",
        "changed_at",
        "remote_deleted_at",
    },
    "application_stage": {"id", "remote_id", "name", "changed_at", "remote_deleted_at"},
    "application": {
        "id",
        "remote_id",
        "outcome",
        "current_stage_id",
        "job_id",
        "candidate_id",
        "changed_at",
        "remote_deleted_at",
        "remote_created_at",
        "remote_data",
    },
    "job_hiring_team_member": {"id", "job_id", "user_id", "roles", "changed_at", "remote_deleted_at"},
    "tag": set(),
    "rejection_reason": set(),
}
ENGINE_FIELDS = {"id", "changed_at", "remote_deleted_at", "remote_data"}
NESTED_FIELDS = {
    "user": set(),
    "job": {"stages", "screening_questions", "job_postings", "hiring_team"},
    "candidate": {"applications"},
    "application_stage": set(),
    "application": {"candidate", "current_stage", "job", "interviews", "offers"},
    "job_hiring_team_member": set(),
    "tag": set(),
    "rejection_reason": set(),
}
FOREIGN_KEYS = {
    "job": {"contact_id"},
    "application": {"current_stage_id", "job_id", "candidate_id"},
    "job_hiring_team_member": {"job_id", "user_id"},
}
# Object nodes that are deliberately free-form maps (no declared properties, extra keys allowed).
FREE_MAPS = {"custom_fields", "remote_data", "remote_fields", "answer"}


# -- loading -------------------------------------------------------------------------------------------------


def _load() -> dict[tuple[str, str], dict[str, Any]]:
    loaded = {}
    for group in ("models", "actions"):
        for path in sorted((SCHEMAS / group).glob("*.schema.json")):
            loaded[group, path.name.removesuffix(".schema.json")] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


ALL_SCHEMAS = _load()
REGISTRY: Registry = Registry().with_resources(
    (schema["$id"], DRAFT202012.create_resource(schema)) for schema in ALL_SCHEMAS.values() if "$id" in schema
)
SCHEMA_IDS = [f"{group}/{name}" for group, name in ALL_SCHEMAS]


def schema_of(group: str, name: str) -> dict[str, Any]:
    return ALL_SCHEMAS[group, name]


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, registry=REGISTRY, format_checker=FORMAT_CHECKER)


def errors(group: str, name: str, instance: Any) -> list[Any]:
    return list(validator(schema_of(group, name)).iter_errors(instance))


def walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every subschema-or-value below ``node`` with its JSON pointer, skipping ``examples`` payloads."""
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("examples", "default", "const", "enum", "x-unimap-known-values"):
                continue
            yield from walk(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{pointer}/{i}")


def is_object_node(node: Any) -> bool:
    kind = node.get("type") if isinstance(node, dict) else None
    return kind == "object" or (isinstance(kind, list) and "object" in kind)


def annotated_nodes(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Object schemas and the property schemas of object schemas: the nodes that must be documented.

    Helper subschemas without a ``type`` (``if``/``then`` conditions, ``not`` messages) are exempt.
    """
    for pointer, node in walk(schema):
        if not is_object_node(node):
            continue
        yield pointer, node
        for name, prop in node.get("properties", {}).items():
            yield f"{pointer}/properties/{name}", prop


def mutated(model: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    record = copy.deepcopy(MODEL_FIXTURES[model])
    change(record)
    return record


# -- files, dialect, ids, references -------------------------------------------------------------------------


def test_expected_files_exist() -> None:
    assert {name for group, name in ALL_SCHEMAS if group == "models"} == {*MODEL_ENDPOINTS, "common"}
    assert {name for group, name in ALL_SCHEMAS if group == "actions"} == {*ACTION_ENDPOINTS, "common"}


@pytest.mark.parametrize("key", SCHEMA_IDS)
def test_schema_is_valid_draft_2020_12(key: str) -> None:
    group, name = key.split("/")
    schema = schema_of(group, name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT
    assert schema["$id"] == f"{BASE}/{group}/{name}.schema.json"
    assert schema.get("title") and schema.get("description")


@pytest.mark.parametrize("key", SCHEMA_IDS)
def test_every_ref_resolves(key: str) -> None:
    group, name = key.split("/")
    schema = schema_of(group, name)
    resolver = REGISTRY.resolver(base_uri=schema["$id"])
    refs = [(pointer, node["$ref"]) for pointer, node in walk(schema) if isinstance(node, dict) and "$ref" in node]
    if name != "common":
        assert refs, "every model/action schema is expected to reuse shared definitions"
    for pointer, ref in refs:
        resolved = resolver.lookup(ref).contents  # raises referencing.exceptions.Unresolvable when broken
        assert isinstance(resolved, dict), f"{pointer}: {ref} does not point at a schema object"


@pytest.mark.parametrize("key", SCHEMA_IDS)
def test_examples_validate_against_their_node(key: str) -> None:
    group, name = key.split("/")
    schema = schema_of(group, name)
    checked = 0
    for pointer, node in walk(schema):
        if not isinstance(node, dict) or "examples" not in node:
            continue
        pinned = validator({"$ref": f"{schema['$id']}#{quote(pointer, safe='/~')}"})
        for example in node["examples"]:
            problems = [e.message for e in pinned.iter_errors(example)]
            assert not problems, f"{key}#{pointer}: example {example!r} is invalid: {problems}"
            checked += 1
    assert checked


# -- documentation annotations -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", SCHEMA_IDS)
def test_objects_and_properties_are_documented(key: str) -> None:
    group, name = key.split("/")
    missing = []
    for pointer, node in annotated_nodes(schema_of(group, name)):
        if isinstance(node, bool):
            missing.append(f"{pointer}: boolean schema cannot carry annotations")
            continue
        for keyword in ("title", "description"):
            if not (isinstance(node.get(keyword), str) and node[keyword].strip()):
                missing.append(f"{pointer}: no {keyword}")
        if not (isinstance(node.get("examples"), list) and node["examples"]):
            missing.append(f"{pointer}: no examples")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("key", SCHEMA_IDS)
def test_objects_are_closed_unless_free_maps(key: str) -> None:
    group, name = key.split("/")
    problems = []
    for pointer, node in walk(schema_of(group, name)):
        if not is_object_node(node):
            continue
        if "properties" in node:
            if node.get("additionalProperties") is not False:
                problems.append(f"{pointer}: declares properties but does not set additionalProperties: false")
        elif pointer.rsplit("/", 1)[-1] not in FREE_MAPS:
            problems.append(f"{pointer}: object without declared properties is not a known free-form map")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("model", MODEL_ENDPOINTS)
def test_model_annotations(model: str) -> None:
    schema = schema_of("models", model)
    assert schema["x-unimap-model"] == model
    assert schema["x-unimap-endpoint"] == MODEL_ENDPOINTS[model]
    properties = schema["properties"]
    origins = {name: node.get("x-unimap-origin") for name, node in properties.items()}
    assert set(origins.values()) <= {"engine", "nested", "mapped"}, origins
    assert {n for n, o in origins.items() if o == "engine"} == ENGINE_FIELDS
    assert {n for n, o in origins.items() if o == "nested"} == NESTED_FIELDS[model]
    assert FOREIGN_KEYS.get(model, set()) <= {n for n, o in origins.items() if o == "mapped"}
    assert not any("x-unimap-seed" in node for node in properties.values()), "coverage lists live in connectors"
    coverage = yaml.safe_load((mappings_dir() / "otys" / "connector.yaml").read_text(encoding="utf-8"))["coverage"]
    mapped_seeds = {n for n in SEED_FIELDS[model] if origins.get(n) == "mapped"}
    assert set(coverage.get(model, [])) == mapped_seeds


@pytest.mark.parametrize("model", MODEL_ENDPOINTS)
def test_required_keys_follow_the_contract(model: str) -> None:
    schema = schema_of("models", model)
    properties = set(schema["properties"])
    assert OPTIONAL_KEYS[model] <= properties
    assert set(schema["required"]) == properties - OPTIONAL_KEYS[model]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("action", ACTION_ENDPOINTS)
def test_action_annotations(action: str) -> None:
    schema = schema_of("actions", action)
    assert schema["x-unimap-action"] == action
    assert schema["x-unimap-endpoint"] == ACTION_ENDPOINTS[action]
    assert schema["additionalProperties"] is False
    extensions = {name for name, node in schema["properties"].items() if node.get("x-unimap-extension")}
    path_params = {"create_application": {"job_id"}, "create_candidate": set()}
    expected = path_params.get(action, {action.split("_")[1] + "_id"})
    assert extensions == expected
    for name in extensions:
        assert name not in schema["required"]
        assert "unimap extension" in schema["properties"][name]["description"]


# -- model records -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODEL_FIXTURES)
def test_sdk_fixture_validates(model: str) -> None:
    assert [e.message for e in errors("models", model, MODEL_FIXTURES[model])] == []


@pytest.mark.parametrize("model", MODEL_FIXTURES)
def test_model_example_is_the_fixture(model: str) -> None:
    assert MODEL_FIXTURES[model] in schema_of("models", model)["examples"]


def _drop(*path: str | int) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        target: Any = record
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


def _set(value: Any, *path: str | int) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        target: Any = record
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


MUTATIONS = [
    *[(model, _drop("remote_deleted_at"), "no remote_deleted_at") for model in MODEL_FIXTURES],
    *[(model, _drop("changed_at"), "no changed_at") for model in MODEL_FIXTURES],
    *[(model, _set("2024-05-01T12:00:00+02:00", "changed_at"), "changed_at not in Z form") for model in MODEL_FIXTURES],
    *[(model, _set(1, "unexpected_key"), "undeclared key") for model in MODEL_FIXTURES],
    ("user", _set("FOO", "status"), "users.status FOO"),
    ("user", _drop("status"), "no users.status"),
    ("user", _drop("system_roles"), "no users.system_roles"),
    (
        "user",
        _set([{"remote_id": None, "remote_label": "x", "unified_type": None, "scope": "JOB"}], "system_roles"),
        "system role with scope JOB",
    ),
    ("job", _drop("stages", 0, "status"), "no stages[].status"),
    ("job", _drop("stages", 0, "custom_fields"), "no stages[].custom_fields"),
    ("job", _drop("hiring_team", 0, "job_roles"), "no hiring_team[].job_roles"),
    ("job", _set(["ADMIN"], "hiring_team", 0, "hiring_team_roles"), "ADMIN is not a hiring team role"),
    ("job", _set(None, "remote_id"), "job remote_id null"),
    ("job", _set("OPEN", "location"), "location not an object"),
    ("job", _drop("screening_questions"), "no screening_questions"),
    ("candidate", _drop("email_addresses", 0, "type"), "email element without type"),
    ("candidate", _set("WITHDRAWN", "applications", 0, "outcome"), "nested outcome WITHDRAWN"),
    ("candidate", _drop("applications", 0, "current_stage", "index"), "short stage without index"),
    ("candidate", _set(None, "applications", 0, "job", "remote_id"), "nested job remote_id null"),
    ("candidate", _drop("tags"), "no tags"),
    ("application_stage", _set("ARCHIVED", "status"), "stage status ARCHIVED"),
    ("application_stage", _drop("custom_fields"), "no stage custom_fields"),
    ("application", _set("WITHDRAWN", "outcome"), "outcome WITHDRAWN"),
    ("application", _drop("current_stage", "status"), "no current_stage.status"),
    ("application", _drop("current_stage", "custom_fields"), "no current_stage.custom_fields"),
    ("application", _drop("candidate", "email_addresses", 0, "type"), "nested email element without type"),
    ("application", _drop("interviews"), "no interviews"),
    ("application", _drop("integration_fields"), "no integration_fields"),
    (
        "application",
        _set([{"id": "x", "key": "k", "type": "OTHER", "label": None}], "integration_fields"),
        "integration field type OTHER",
    ),
    (
        "job_hiring_team_member",
        _set([{"remote_id": None, "remote_label": None, "unified_type": "BOSS", "scope": "JOB"}], "roles"),
        "unknown unified role type",
    ),
    ("job_hiring_team_member", _set(None, "user_id"), "user_id null"),
]


@pytest.mark.parametrize(("model", "change", "label"), MUTATIONS, ids=[f"{m}: {d}" for m, _, d in MUTATIONS])
def test_mutation_is_rejected(model: str, change: Callable[[dict[str, Any]], None], label: str) -> None:
    assert errors("models", model, mutated(model, change)), f"{label} should fail"


ACCEPTED_VARIANTS = [
    ("job", _set("PUBLISHED", "status"), "open enum: unknown job status passes through"),
    ("job", _set("Freelance", "employment_type"), "open enum: raw employment type"),
    ("job", _drop("location"), "location may be left out"),
    ("job", _set(None, "location"), "location may be null"),
    ("user", _drop("email"), "users.email may be left out"),
    ("user", _set(None, "status"), "users.status may be null"),
    ("candidate", _set(None, "email_addresses"), "email_addresses may be null"),
    ("candidate", _drop("phone_numbers"), "phone_numbers may be left out"),
    ("application", _drop("screening_question_answers"), "screening answers may be left out"),
    ("application", _set(None, "current_stage"), "current_stage may be null"),
    ("application", _set("2024-05-01T10:00:00Z", "changed_at"), "timestamps without fraction digits"),
    (
        "application",
        _set(
            [{"question": {"remote_id": None, "title": "Permit?", "type": "BOOLEAN"}, "answer": {"checked": False}}],
            "screening_question_answers",
        ),
        "boolean answer",
    ),
]


@pytest.mark.parametrize(
    ("model", "change", "label"), ACCEPTED_VARIANTS, ids=[f"{m}: {d}" for m, _, d in ACCEPTED_VARIANTS]
)
def test_variant_is_accepted(model: str, change: Callable[[dict[str, Any]], None], label: str) -> None:
    assert [e.message for e in errors("models", model, mutated(model, change))] == [], label


def test_screening_answer_shape_follows_question_type() -> None:
    record = mutated(
        "application",
        _set(
            [{"question": {"remote_id": None, "title": "Permit?", "type": "BOOLEAN"}, "answer": {"content": "yes"}}],
            "screening_question_answers",
        ),
    )
    assert errors("models", "application", record)


# -- action inputs -------------------------------------------------------------------------------------------

CANDIDATE = {"first_name": "Bo", "last_name": "Ek", "email_address": "bo@example.com"}
URL_FILE = {"name": "Resume.pdf", "type": "CV", "data_url": "https://files.example/resume.pdf"}
DATA_FILE = {"name": "Letter.txt", "type": "COVER_LETTER", "content_type": "text/plain", "data": "SGVsbG8="}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


VALID_INPUTS = [
    ("create_application", {"candidate": CANDIDATE}, "minimal"),
    ("create_application", {"job_id": "remote:1001", "candidate": CANDIDATE, "stage_id": "S1"}, "extension job_id"),
    ("create_application", {"candidate": _with(CANDIDATE, availability_date="2021-01-01")}, "date-only availability"),
    (
        "create_application",
        {"candidate": _with(CANDIDATE, availability_date="2021-01-01T09:30:00.000Z")},
        "date-time availability",
    ),
    (
        "create_application",
        {
            "candidate": _with(
                CANDIDATE,
                location={"country": "NL", "city": "Delft"},
                gender="OTHER",
                additional_email_addresses=[{"type": "WORK", "email_address": "b@acme.example"}],
            )
        },
        "optional candidate keys",
    ),
    ("create_application", {"candidate": CANDIDATE, "attachments": [URL_FILE, DATA_FILE]}, "both attachment forms"),
    (
        "create_application",
        {
            "candidate": CANDIDATE,
            "remote_fields": {"greenhouse": {"anything": [1, 2]}},
            "sourced_by": {"user_id": "remote:42"},
            "source": {"name": "Board"},
            "gdpr_consent": {"expires_at": "2025-01-01T00:00:00Z", "given": True},
            "screening_question_answers": [
                {"question_id": "Q1", "answer": ["O1"]},
                {"question_id": "Q2", "answer": 4.5},
            ],
        },
        "the other optional keys",
    ),
    ("create_candidate", {"candidate": CANDIDATE, "application": {"job_id": "J1"}}, "minimal"),
    (
        "create_candidate",
        {"candidate": CANDIDATE, "application": {"job_id": "remote:1001", "stage_id": "S1"}, "attachments": [URL_FILE]},
        "remote job id",
    ),
    ("add_application_attachment", {"attachment": URL_FILE}, "data_url without content_type"),
    (
        "add_application_attachment",
        {"application_id": "A1", "attachment": DATA_FILE, "remote_fields": {}},
        "data with content_type",
    ),
    ("add_candidate_attachment", {"candidate_id": "C1", "attachment": URL_FILE}, "candidate attachment"),
    ("add_application_result_link", {"label": "Result", "url": "https://x.example/r/1"}, "no details"),
    (
        "add_candidate_result_link",
        {
            "candidate_id": "C1",
            "label": "Result",
            "url": "https://x.example/r/1",
            "details": {"custom_field_name_prefix": "Acme:", "attributes": [{"key": "Score", "value": "100%"}]},
        },
        "with details",
    ),
]

INVALID_INPUTS = [
    (
        "add_application_attachment",
        {"attachment": _with(URL_FILE, data="SGVsbG8=", content_type="text/plain")},
        "both data and data_url",
    ),
    ("add_candidate_attachment", {"attachment": {"name": "Resume.pdf", "type": "CV"}}, "neither data nor data_url"),
    (
        "add_application_attachment",
        {"attachment": {"name": "a.txt", "type": "CV", "data": "SGVsbG8="}},
        "data without content_type",
    ),
    ("add_application_attachment", {"attachment": _with(DATA_FILE, data="not base64!")}, "data not base64"),
    ("add_application_attachment", {"attachment": _with(URL_FILE, content_type="pdf")}, "content_type pattern"),
    ("add_application_attachment", {"attachment": _with(URL_FILE, type="RESUME")}, "unknown attachment type"),
    ("add_application_attachment", {"attachment": _with(URL_FILE, data_url="resume.pdf")}, "data_url not http(s)"),
    ("add_application_attachment", {"remote_fields": {}}, "no attachment"),
    ("create_application", {"candidate": {"first_name": "Bo", "last_name": "Ek"}}, "missing email_address"),
    ("create_application", {"candidate": _with(CANDIDATE, email_address="bo-at-example.com")}, "bad email"),
    ("create_application", {"candidate": _with(CANDIDATE, location={"country": "nl"})}, "lowercase country"),
    ("create_application", {"candidate": _with(CANDIDATE, location={"city": "Delft"})}, "location without country"),
    ("create_application", {"candidate": _with(CANDIDATE, gender="F")}, "gender F"),
    ("create_application", {"candidate": _with(CANDIDATE, availability_date="01-09-2024")}, "availability format"),
    (
        "create_application",
        {"candidate": _with(CANDIDATE, additional_phone_numbers=[{"type": "MOBILE", "phone_number": "1"}])},
        "phone type MOBILE",
    ),
    (
        "create_application",
        {"candidate": _with(CANDIDATE, salary_expectations={"period": "WEEK", "amount": 1})},
        "salary period WEEK",
    ),
    ("create_application", {"candidate": CANDIDATE, "job_id": "remote:"}, "empty remote job id"),
    ("create_application", {"candidate": CANDIDATE, "application": {"job_id": "J1"}}, "unknown top-level key"),
    ("create_application", {"candidate": CANDIDATE, "sourced_by": {}}, "sourced_by without user_id"),
    ("create_application", {"candidate": CANDIDATE, "gdpr_consent": {"given": "yes"}}, "gdpr given not bool"),
    (
        "create_application",
        {"candidate": CANDIDATE, "screening_question_answers": [{"question_id": "Q1"}]},
        "answer missing",
    ),
    ("create_candidate", {"candidate": CANDIDATE}, "no application"),
    ("create_candidate", {"candidate": CANDIDATE, "application": {"stage_id": "S1"}}, "application without job_id"),
    ("add_application_result_link", {"label": "Result"}, "no url"),
    (
        "add_application_result_link",
        {"label": "R", "url": "https://x.example/r", "details": {"custom_field_name_prefix": "Acme:"}},
        "details without attributes",
    ),
    (
        "add_candidate_result_link",
        {"label": "R", "url": "https://x.example/r", "details": {"attributes": []}},
        "details without prefix",
    ),
]


@pytest.mark.parametrize(("action", "body", "label"), VALID_INPUTS, ids=[f"{a}: {d}" for a, _, d in VALID_INPUTS])
def test_valid_action_input(action: str, body: dict[str, Any], label: str) -> None:
    assert [e.message for e in errors("actions", action, body)] == [], label


@pytest.mark.parametrize(("action", "body", "label"), INVALID_INPUTS, ids=[f"{a}: {d}" for a, _, d in INVALID_INPUTS])
def test_invalid_action_input(action: str, body: dict[str, Any], label: str) -> None:
    assert errors("actions", action, body), f"{label} should fail"


def test_both_data_and_data_url_error_is_explained() -> None:
    body = {"attachment": _with(URL_FILE, data="SGVsbG8=", content_type="text/plain")}
    error = best_match(validator(schema_of("actions", "add_application_attachment")).iter_errors(body))
    assert list(error.absolute_path) == ["attachment", "data_url"]
    assert "exactly one of data" in error.message


def test_neither_data_nor_data_url_error_names_the_missing_key() -> None:
    body = {"attachment": {"name": "Resume.pdf", "type": "CV"}}
    error = best_match(validator(schema_of("actions", "add_application_attachment")).iter_errors(body))
    assert "'data_url' is a required property" in error.message


def test_bad_email_fails_only_through_the_format_checker() -> None:
    body = {"candidate": _with(CANDIDATE, email_address="bo-at-example.com")}
    schema = schema_of("actions", "create_application")
    assert list(validator(schema).iter_errors(body))
    assert not list(Draft202012Validator(schema, registry=REGISTRY).iter_errors(body))


def test_format_checkers_available() -> None:
    checkers = FORMAT_CHECKER.checkers
    assert "email" in checkers, "email checking needs no extra package"
    uri_packages = [name for name in ("rfc3987", "rfc3986_validator") if importlib.util.find_spec(name)]
    assert ("uri" in checkers) == bool(uri_packages), "uri is only enforced with rfc3987 / rfc3986-validator"


def test_data_url_is_checked_without_a_uri_format_package() -> None:
    """The ``uri`` format may be unenforced; the http(s) pattern still rejects non-links."""
    body = {"attachment": _with(URL_FILE, data_url="not a link")}
    assert errors("actions", "add_application_attachment", body)
