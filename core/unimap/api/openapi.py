"""The OpenAPI 3.1 document, built from the JSON Schemas in ``schemas/`` (models and action inputs).

Every schema file becomes a component (its ``$defs`` become components of their own, named
``<group>.<file>.<def>``); ``$ref``s are rewritten to point at the components. Request bodies
leave out the unimap-only extension keys (the path carries those ids).
"""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

from unimap import __version__, unified
from unimap.query import FILTERS
from unimap.resources import schemas_dir

from .listing import ENDPOINTS, MAX_PAGE_SIZE
from .openapi_surface import surface_paths
from .webhooks import webhook_paths

_REF = re.compile(r"^(?:(?P<file>[\w-]+)\.schema\.json)?(?:#(?:/\$defs/(?P<def>[\w-]+))?)?$")


def _action_paths() -> dict[str, tuple[str, str, str | None]]:
    """``action → (method, path, path id)`` from each action schema's ``x-unimap-endpoint``."""
    out: dict[str, tuple[str, str, str | None]] = {}
    for action in unified.ACTIONS:
        method, path = unified.schema("actions", action)["x-unimap-endpoint"].split(" ", 1)
        ids = re.findall(r"\{(\w+)\}", path)
        out[action] = (method, path, ids[0] if ids else None)
    return out


#: action → (HTTP method, path below /v1, the path's id parameter or None)
ACTION_PATHS = _action_paths()


def pascal(name: str) -> str:
    """``application_stage`` → ``ApplicationStage``."""
    return "".join(part.capitalize() for part in name.split("_"))


def top_name(group: str, stem: str) -> str:
    """Component name of a whole schema file."""
    return pascal(stem) if group == "models" else pascal(stem) + "Request"


def _ref(group: str, stem: str, target: str) -> str:
    match = _REF.match(target)
    if not match:
        raise ValueError(f"schemas/{group}/{stem}: cannot bundle $ref {target!r}")
    file, definition = match.group("file") or stem, match.group("def")
    name = f"{group}.{file}.{definition}" if definition else top_name(group, file)
    return "#/components/schemas/" + name


def _rewrite(node: Any, group: str, stem: str) -> Any:
    if isinstance(node, dict):
        return {
            k: (_ref(group, stem, v) if k == "$ref" and isinstance(v, str) else _rewrite(v, group, stem))
            for k, v in node.items()
            if k not in ("$schema", "$id")
        }
    if isinstance(node, list):
        return [_rewrite(v, group, stem) for v in node]
    return node


def bundled_schemas() -> dict[str, Any]:
    """Every model and action schema (and their ``$defs``) as OpenAPI components."""
    out: dict[str, Any] = {}
    for group in ("models", "actions"):
        for path in sorted((schemas_dir() / group).glob("*.schema.json")):
            stem = path.name.removesuffix(".schema.json")
            raw = unified.schema(group, stem)
            for name, definition in (raw.get("$defs") or {}).items():
                out[f"{group}.{stem}.{name}"] = _rewrite(definition, group, stem)
            if stem != "common":
                out[top_name(group, stem)] = _rewrite({k: v for k, v in raw.items() if k != "$defs"}, group, stem)
    for action in unified.ACTIONS:  # Kombo's request bodies: without the unimap-only path ids
        body = copy.deepcopy(out[top_name("actions", action)])
        dropped = [k for k, node in body.get("properties", {}).items() if node.get("x-unimap-extension")]
        for name in dropped:
            del body["properties"][name]
        body["examples"] = [e for e in body.get("examples", []) if not set(dropped) & set(e)]
        out[top_name("actions", action)] = body
    out.update(_response_variants(out))
    return out


def _response_variants(schemas: dict[str, Any]) -> dict[str, Any]:
    """The create-application response: no interviews/offers, full candidate, short current stage."""
    candidate = copy.deepcopy(schemas["Candidate"])
    candidate["title"] = "Candidate (without applications)"
    candidate["properties"].pop("applications", None)
    candidate["required"] = [r for r in candidate["required"] if r != "applications"]
    created = copy.deepcopy(schemas["Application"])
    created["title"] = "Created application"
    for key in ("interviews", "offers"):
        created["properties"].pop(key, None)
    created["required"] = [r for r in created["required"] if r not in ("interviews", "offers")]
    created["properties"]["candidate"] = {
        "anyOf": [{"$ref": "#/components/schemas/CandidateWithoutApplications"}, {"type": "null"}]
    }
    created["properties"]["current_stage"] = {
        "anyOf": [{"$ref": "#/components/schemas/models.common.stage_ref"}, {"type": "null"}]
    }
    return {"CandidateWithoutApplications": candidate, "CreatedApplication": created}


def _ref_to(name: str) -> dict[str, str]:
    return {"$ref": "#/components/schemas/" + name}


def _success(data: dict[str, Any], warnings: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "required": ["status", "data"],
        "properties": {"status": {"const": "success"}, "data": data},
    }
    if warnings:
        schema["required"].append("warnings")
        schema["properties"]["warnings"] = _ref_to("Warnings")
    return {
        "200": {"description": "Success.", "content": {"application/json": {"schema": schema}}},
        "default": {"$ref": "#/components/responses/Error"},
    }


def _list_parameters(model: str) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [{"$ref": "#/components/parameters/IntegrationId"}]
    params += [
        {"$ref": f"#/components/parameters/{p}"}
        for p in (
            "Cursor",
            "PageSize",
            "UpdatedAfter",
            "IncludeDeleted",
            "IgnoreUnsupportedFilters",
            "Ids",
            "RemoteIds",
        )
    ]
    for name, (kind, column) in FILTERS[model].items():
        if kind == "after":
            schema: dict[str, Any] = {"type": "string", "format": "date-time"}
            text = f"Only records whose `{column}` is on or after this time."
        elif kind in ("list", "ilist", "related", "job_remote"):
            schema = {"type": "string"}
            text = f"Comma-separated values; matches any of them (`{column}`)."
        else:
            schema = {"type": "string"}
            text = f"Matches `{column}` ({kind})."
        params.append({"name": name, "in": "query", "required": False, "schema": schema, "description": text})
    return params


def _components() -> dict[str, Any]:
    schemas = bundled_schemas()
    schemas["Warnings"] = {
        "type": "array",
        "items": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["status", "error"],
        "properties": {
            "status": {"const": "error"},
            "error": {
                "type": "object",
                "required": ["code", "title", "message", "log_url"],
                "properties": {
                    "code": {"type": ["string", "null"]},
                    "title": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                    "log_url": {"type": ["string", "null"]},
                },
            },
        },
    }
    schemas["PassthroughRequest"] = {
        "type": "object",
        "required": ["method", "path"],
        "properties": {
            "method": {"enum": ["GET", "POST", "DELETE", "PUT", "PATCH"]},
            "path": {"type": "string"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "params": {"type": "object", "additionalProperties": {"type": "string"}},
            "data": {
                "description": "For JSON-RPC connectors (api `json-rpc`): the JSON-RPC request {method, params}; the "
                "session is inserted as params[0]."
            },
            "response_as_base64": {"type": "boolean"},
            "api_options": {"type": "object"},
        },
    }
    schemas["PassthroughResult"] = {
        "type": "object",
        "required": ["url", "status", "headers"],
        "properties": {
            "url": {"type": "string"},
            "status": {"type": "integer"},
            "headers": {
                "type": "object",
                "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            },
            "data": {},
        },
    }

    def query(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": text}

    return {
        "securitySchemes": {
            "ApiKey": {"type": "http", "scheme": "bearer", "description": "A key made with `unimap keys create`."}
        },
        "parameters": {
            "IntegrationId": {
                "name": "X-Integration-Id",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "The integration to use.",
            },
            "Cursor": query("cursor", {"type": "string"}, "The `next` of the previous page."),
            "PageSize": query(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 100},
                "Results per page.",
            ),
            "UpdatedAfter": query(
                "updated_after",
                {"type": "string", "format": "date-time"},
                "Records that (or whose nested data) changed after this time.",
            ),
            "IncludeDeleted": query(
                "include_deleted",
                {"type": "boolean", "default": False},
                "Include records deleted in the remote system.",
            ),
            "IgnoreUnsupportedFilters": query(
                "ignore_unsupported_filters",
                {"type": "boolean", "default": False},
                "Ignore filters on fields this integration cannot provide (otherwise they match nothing).",
            ),
            "Ids": query("ids", {"type": "string"}, "Comma-separated unified ids."),
            "RemoteIds": query("remote_ids", {"type": "string"}, "Comma-separated remote ids."),
        },
        "responses": {
            "Error": {
                "description": "Kombo's error envelope.",
                "content": {"application/json": {"schema": _ref_to("Error")}},
            }
        },
        "schemas": schemas,
    }


def _paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for segment, model in ENDPOINTS.items():
        page = {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": ["string", "null"]},
                "results": {"type": "array", "items": _ref_to(pascal(model))},
            },
        }
        paths[f"/ats/{segment}"] = {
            "get": {
                "operationId": f"list_{segment.replace('-', '_')}",
                "summary": f"List {segment.replace('-', ' ')}",
                "tags": ["ATS"],
                "parameters": _list_parameters(model),
                "responses": _success(page),
            }
        }
    responses = {"create_candidate": _ref_to("Candidate"), "create_application": _ref_to("CreatedApplication")}
    for action, (method, path, id_param) in ACTION_PATHS.items():
        params: list[dict[str, Any]] = [{"$ref": "#/components/parameters/IntegrationId"}]
        if id_param:
            text = "A unified id" + (", or `remote:<remote id>`." if id_param == "job_id" else ".")
            params.append(
                {"name": id_param, "in": "path", "required": True, "schema": {"type": "string"}, "description": text}
            )
        paths.setdefault(path, {})[method.lower()] = {
            "operationId": action,
            "summary": unified.schema("actions", action).get("title", action),
            "tags": ["ATS"],
            "parameters": params,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref_to(top_name("actions", action))}},
            },
            "responses": _success(responses.get(action, {"type": "object", "maxProperties": 0}), warnings=True),
        }
    integration_header = [{"$ref": "#/components/parameters/IntegrationId"}]
    paths["/passthrough/{tool}/{api}"] = {
        "post": {
            "operationId": "passthrough",
            "summary": "Call the integration's own API with the stored auth",
            "tags": ["General"],
            "parameters": [
                *integration_header,
                {"name": "tool", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "api", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref_to("PassthroughRequest")}},
            },
            "responses": _success(_ref_to("PassthroughResult"), warnings=True),
        }
    }
    paths["/force-sync"] = {
        "post": {
            "operationId": "force_sync",
            "summary": "Start a sync now (unless one is running)",
            "tags": ["General"],
            "parameters": integration_header,
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"type": {"enum": ["FULL", "DELTA"], "default": "FULL"}},
                        }
                    }
                },
            },
            "responses": _success(
                {
                    "type": "object",
                    "required": ["already_queued", "sync_id", "type"],
                    "properties": {
                        "already_queued": {"type": "boolean"},
                        "sync_id": {"type": "string"},
                        "type": {"enum": ["FULL", "DELTA"]},
                    },
                }
            ),
        }
    }
    paths["/check-api-key"] = {
        "get": {
            "operationId": "check_api_key",
            "summary": "Check the API key",
            "tags": ["General"],
            "responses": _success(
                {"type": "object", "required": ["environment_id"], "properties": {"environment_id": {"type": "string"}}}
            ),
        }
    }
    paths["/integrations/{integration_id}"] = {
        "get": {
            "operationId": "get_integration",
            "summary": "An integration, its coverage and its sync status",
            "tags": ["General"],
            "parameters": [{"name": "integration_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": _success({"type": "object", "required": ["id", "tool", "setup_status", "sync"]}),
        }
    }
    paths["/syncs"] = {
        "get": {
            "operationId": "list_syncs",
            "summary": "The latest syncs of the integration (unimap extension)",
            "tags": ["General"],
            "parameters": [
                *integration_header,
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                },
            ],
            "responses": _success({"type": "object", "required": ["running", "syncs"]}),
        }
    }
    paths.update(webhook_paths(_success))

    for path, item in surface_paths(_success, integration_header).items():
        paths.setdefault(path, {}).update(item)
    return paths


@cache
def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (built once)."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "unimap HTTP API",
            "version": __version__,
            "description": "Kombo's unified ATS API served from a unimap store. Errors use Kombo's envelope "
            "and closed code set.",
        },
        "servers": [{"url": "/v1"}],
        "security": [{"ApiKey": []}],
        "tags": [{"name": "ATS"}, {"name": "General"}],
        "paths": _paths(),
        "components": _components(),
    }
