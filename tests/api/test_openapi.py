"""The OpenAPI 3.1 document: built from schemas/, complete, and true to what the server sends."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from unimap import unified
from unimap.api.app import routes

from .conftest import A, Live

DOC = "urn:unimap:openapi"


@pytest.fixture(scope="module")
def document(live: Live) -> dict[str, Any]:
    response = httpx.get(live.url + "/openapi.json")  # no key needed
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def validator(document: dict[str, Any], pointer: str) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resource(DOC, Resource.from_contents(document, default_specification=DRAFT202012))
    return jsonschema.Draft202012Validator({"$ref": f"{DOC}#{pointer}"}, registry=registry)


def escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def response_schema(path: str, method: str) -> str:
    return f"/paths/{escape(path)}/{method}/responses/200/content/application~1json/schema"


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref" and isinstance(v, str)] + [
            r for v in node.values() for r in refs(v)
        ]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_document_is_openapi_3_1_with_every_route(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    served = {(route.path, method) for route in routes() for method in (route.methods or ()) if method != "HEAD"}
    served.discard(("/openapi.json", "GET"))
    assert documented == served


def test_document_passes_an_openapi_validator(document: dict[str, Any]) -> None:
    checker = pytest.importorskip("openapi_spec_validator")
    checker.validate(document)


def test_every_ref_resolves_inside_the_document(document: dict[str, Any]) -> None:
    found = refs(document)
    assert found
    for ref in found:
        assert ref.startswith("#/"), ref
        resolve(document, ref)


def test_components_come_from_the_shipped_schemas(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for model in ("user", "job", "candidate", "application_stage", "application"):
        name = "".join(p.capitalize() for p in model.split("_"))
        assert set(schemas[name]["properties"]) == set(unified.model_fields(model))
        assert schemas[name]["required"] == unified.schema("models", model)["required"]
    body = schemas["CreateApplicationRequest"]
    assert "job_id" not in body["properties"] and "candidate" in body["properties"]
    assert "application_id" not in schemas["AddApplicationAttachmentRequest"]["properties"]
    assert not [r for r in refs(schemas) if re.search(r"\.schema\.json", r)]


@pytest.mark.parametrize("segment", ["users", "jobs", "candidates", "application-stages", "applications"])
def test_list_responses_validate_against_the_document(live: Live, document: dict[str, Any], segment: str) -> None:
    with live.http() as http:
        body = http.get(f"/ats/{segment}", params={"page_size": 250, "include_deleted": "true"}).json()
    assert body["data"]["results"]
    validator(document, response_schema(f"/ats/{segment}", "get")).validate(body)


def test_action_bodies_and_responses_validate_against_the_document(live: Live, document: dict[str, Any]) -> None:
    job = next(j for j in live.service.export("job", A) if j["status"] == "OPEN")
    request = {
        "candidate": {"first_name": "Oa", "last_name": "Pi", "email_address": "openapi@example.com"},
        "attachments": [{"name": "a.txt", "type": "OTHER", "content_type": "text/plain", "data": "aGk="}],
    }
    validator(document, "/components/schemas/CreateApplicationRequest").validate(request)
    with pytest.raises(jsonschema.ValidationError):
        validator(document, "/components/schemas/CreateApplicationRequest").validate({**request, "job_id": "J"})
    with live.http() as http:
        created = http.post(f"/ats/jobs/{job['id']}/applications", json=request).json()
        link = http.post(
            f"/ats/applications/{created['data']['id']}/result-links", json={"label": "L", "url": "https://x.example/l"}
        ).json()
        candidate = http.post(
            "/ats/candidates",
            json={
                **request,
                "candidate": {**request["candidate"], "email_address": "oa2@example.com"},
                "application": {"job_id": job["id"]},
            },
        ).json()
        error = http.post(f"/ats/jobs/{job['id']}/applications", json={}).json()
    validator(document, response_schema("/ats/jobs/{job_id}/applications", "post")).validate(created)
    validator(document, response_schema("/ats/applications/{application_id}/result-links", "post")).validate(link)
    validator(document, response_schema("/ats/candidates", "post")).validate(candidate)
    validator(document, "/components/schemas/Error").validate(error)
