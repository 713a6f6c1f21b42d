"""OpenAPI operations of the attachment, field and integration-removal endpoints (merged by :mod:`.openapi`)."""

from __future__ import annotations

from typing import Any

_STR = {"type": "string"}
_NULLABLE_STR = {"type": ["string", "null"]}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _STR}


_ATTACHMENT = {
    "type": "object",
    "required": [
        "id",
        "application_id",
        "candidate_id",
        "type",
        "remote_id",
        "data_url",
        "file_name",
        "content_type",
        "remote_created_at",
        "remote_updated_at",
    ],
    "properties": {
        "id": _STR,
        "application_id": _NULLABLE_STR,
        "candidate_id": _NULLABLE_STR,
        "type": {"enum": ["CV", "COVER_LETTER", "OTHER"]},
        "remote_id": _STR,
        "data_url": _STR,
        "file_name": _STR,
        "content_type": _STR,
        "remote_created_at": _NULLABLE_STR,
        "remote_updated_at": _NULLABLE_STR,
    },
}
_CUSTOM_FIELD = {
    "type": "object",
    "required": ["id", "key", "integration_field", "model", "label", "description"],
    "properties": {
        "id": _STR,
        "key": _STR,
        "integration_field": {"type": ["object", "null"]},
        "model": _STR,
        "label": _NULLABLE_STR,
        "description": _NULLABLE_STR,
    },
}
_INTEGRATION_FIELD = {
    "type": "object",
    "required": ["id", "key", "model", "type", "label", "is_passthrough_enabled", "is_writable"],
    "properties": {
        "id": _STR,
        "key": _STR,
        "model": _STR,
        "type": {"enum": ["DEFAULT", "CUSTOM"]},
        "label": _NULLABLE_STR,
        "is_passthrough_enabled": {"type": "boolean"},
        "is_writable": {"const": False},
    },
}
_PAGING = [
    {"name": "cursor", "in": "query", "required": False, "schema": _STR},
    {
        "name": "page_size",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 250},
    },
]


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["results", "next"],
        "properties": {"results": {"type": "array", "items": item}, "next": _NULLABLE_STR},
    }


def surface_paths(success: Any, integration_header: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Path items of the endpoints; ``success(schema, warnings)`` builds the responses."""
    attachments = success(
        {"type": "object", "required": ["results"], "properties": {"results": {"type": "array", "items": _ATTACHMENT}}},
        warnings=True,
    )
    paths: dict[str, dict[str, Any]] = {}
    for owner in ("candidate", "application"):
        paths[f"/ats/{owner}s/{{{owner}_id}}/attachments"] = {
            "get": {
                "operationId": f"get_{owner}_attachments",
                "summary": f"The {owner}'s attachments, read from the vendor now",
                "tags": ["ATS"],
                "parameters": [*integration_header, _path_param(f"{owner}_id")],
                "responses": attachments,
            }
        }
    paths["/ats/attachments/{attachment_id}/download"] = {
        "get": {
            "operationId": "download_attachment",
            "summary": "An attachment's file, streamed from the vendor (a signed link; no API key)",
            "tags": ["ATS"],
            "security": [],
            "parameters": [
                _path_param("attachment_id"),
                {"name": "token", "in": "query", "required": True, "schema": _STR},
            ],
            "responses": {
                "200": {"description": "The file.", "content": {"application/octet-stream": {}}},
                "default": {"$ref": "#/components/responses/Error"},
            },
        }
    }
    for prefix, params in (
        ("/integrations/{integration_id}", [_path_param("integration_id")]),
        ("", integration_header),
    ):
        paths[f"{prefix}/custom-fields"] = {
            "get": {
                "operationId": "get_custom_fields" + ("" if prefix else "_of_header"),
                "summary": "Custom-field definitions",
                "tags": ["General"],
                "parameters": [*params, *_PAGING],
                "responses": success(_page(_CUSTOM_FIELD)),
            }
        }
        paths[f"{prefix}/integration-fields"] = {
            "get": {
                "operationId": "get_integration_fields" + ("" if prefix else "_of_header"),
                "summary": "Integration fields",
                "tags": ["General"],
                "parameters": [*params, *_PAGING],
                "responses": success(_page(_INTEGRATION_FIELD)),
            }
        }
    paths["/integrations/{integration_id}/integration-fields/{integration_field_id}"] = {
        "patch": {
            "operationId": "update_integration_field",
            "summary": "Enable or disable passing an integration field through",
            "tags": ["General"],
            "parameters": [_path_param("integration_id"), _path_param("integration_field_id")],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"enable_passthrough": {"type": ["boolean", "null"]}},
                        }
                    }
                },
            },
            "responses": success(_INTEGRATION_FIELD),
        }
    }
    paths["/integrations/{integration_id}"] = {
        "delete": {
            "operationId": "delete_integration",
            "summary": "Delete the integration with everything stored for it",
            "tags": ["General"],
            "parameters": [_path_param("integration_id")],
            "responses": success({"type": "object", "maxProperties": 0}),
        }
    }
    return paths
