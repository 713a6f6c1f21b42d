"""The unified model and action-input JSON Schemas shipped in ``schemas/``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from unimap.resources import schemas_dir

MODELS = ("user", "job", "candidate", "application_stage", "application", "job_hiring_team_member")
ACTIONS = ("create_candidate", "create_application", "add_application_attachment", "add_candidate_attachment",
           "add_application_result_link", "add_candidate_result_link")
SPEC_KINDS = ("connector", "model", "action")


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def registry() -> Registry:
    """Every shipped schema, addressable by its ``$id`` (so relative ``$ref``s resolve)."""
    resources = []
    for path in sorted(schemas_dir().rglob("*.json")):
        contents = _read(path)
        if "$id" in contents:
            resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def schema(group: str, name: str) -> dict[str, Any]:
    """Schema ``schemas/<group>/<name>.schema.json`` (group: models, actions or spec)."""
    return _read(schemas_dir() / group / f"{name}.schema.json")


@cache
def validator(group: str, name: str) -> jsonschema.protocols.Validator:
    """A draft 2020-12 validator (with format checks) for one shipped schema."""
    cls = jsonschema.Draft202012Validator
    return cls(schema(group, name), registry=registry(), format_checker=cls.FORMAT_CHECKER)


@cache
def model_fields(model: str) -> dict[str, dict[str, Any]]:
    """Top-level properties of a unified model: name → its schema node (with x-unimap annotations)."""
    return dict(schema("models", model).get("properties", {}))


def origin(model: str, field: str) -> str:
    """Where ``field`` comes from: ``engine``, ``nested`` or ``mapped``."""
    return str(model_fields(model).get(field, {}).get("x-unimap-origin", "mapped"))


@cache
def required_fields(model: str) -> tuple[str, ...]:
    """Keys every record of ``model`` must carry (present even when null)."""
    return tuple(schema("models", model).get("required", []))
