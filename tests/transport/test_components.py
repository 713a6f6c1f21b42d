"""The registered components: every type present, schemas documented and closed, request templates evaluated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from unimap.registry import BuildEnv, ComponentRegistry, compose
from unimap.transport import (
    UNSET,
    JsonRpcRequestTemplate,
    JsonRpcTransport,
    Request,
    Response,
    RestRequestTemplate,
    RestTransport,
    default_functions,
    register_builtin_components,
)


def subschemas(node: dict[str, Any], path: tuple[Any, ...] = ()) -> Iterator[tuple[dict[str, Any], tuple[Any, ...]]]:
    """Every schema node below ``node`` (as ``tests/test_spec_schema_docs.py`` walks them)."""
    yield node, path
    for keyword in ("properties", "$defs", "patternProperties"):
        for name, sub in (node.get(keyword) or {}).items():
            yield from subschemas(sub, (*path, keyword, name))
    for keyword in ("items", "additionalProperties", "then", "else", "not"):
        if isinstance(node.get(keyword), dict):
            yield from subschemas(node[keyword], (*path, keyword))
    for keyword in ("allOf", "oneOf", "anyOf", "prefixItems"):
        for i, sub in enumerate(node.get(keyword) or []):
            yield from subschemas(sub, (*path, keyword, i))


def undocumented(schema: dict[str, Any]) -> list[str]:
    missing = []
    for node, path in subschemas(schema):
        if not path or set(node) <= {"$ref"}:
            continue
        if path[-2:-1] in (("allOf",), ("oneOf",), ("anyOf",)) and set(node) <= {"$ref", "if", "then"}:
            continue
        lacking = [k for k in ("title", "description", "examples") if k not in node]
        if lacking:
            missing.append(f"{'/'.join(map(str, path))}: no {', '.join(lacking)}")
    return missing


EXPECTED = {
    "transport": {"jsonrpc", "rest"},
    "request": {"jsonrpc", "rest"},
    "auth": {"none", "basic", "bearer", "api_key", "oauth2_client_credentials", "session_login", "hook"},
    "paginator": {"none", "single_page", "offset", "page_number", "cursor", "link_header", "next_url"},
    "rate_limit": {"window"},
}


@pytest.fixture(scope="module")
def registry() -> ComponentRegistry:
    registry = ComponentRegistry()
    register_builtin_components(registry)
    return registry


@pytest.fixture(scope="module")
def env(registry: ComponentRegistry) -> BuildEnv:
    return BuildEnv(default_functions(), registry=registry)


def test_every_type_is_registered(registry: ComponentRegistry) -> None:
    for category, names in EXPECTED.items():
        assert set(registry.names(category)) == names, category
    assert registry.canonical("paginator", "single_page") == "none"


@pytest.mark.parametrize("category", sorted(EXPECTED))
def test_schemas_are_documented_and_closed(registry: ComponentRegistry, category: str) -> None:
    schema = compose(
        {
            "type": "object",
            "title": "t",
            "description": "d",
            "examples": [{}],
            "properties": {"c": {"x-unimap-component": category}},
            "additionalProperties": False,
        },
        registry,
    )
    assert undocumented(schema) == []
    open_objects = [
        "/".join(map(str, p))
        for node, p in subschemas(schema)
        if node.get("type") == "object"
        and "properties" in node
        and "additionalProperties" not in node
        and "allOf" not in node
    ]
    assert open_objects == []


def test_expression_and_template_slots_are_marked(registry: ComponentRegistry) -> None:
    rest = registry.get("request", "rest").fragment()["properties"]
    assert rest["path"]["x-unimap-template"] is True
    assert rest["json"]["x-unimap-expression"] is True
    assert rest["query"]["additionalProperties"]["x-unimap-expression"] is True
    oauth = registry.get("auth", "oauth2_client_credentials").fragment()["properties"]
    assert oauth["token_url"]["x-unimap-template"] is True
    assert oauth["expires_at"]["x-unimap-expression"] is True


def test_schemas_accept_their_examples_and_the_otys_blocks(registry: ComponentRegistry) -> None:
    import jsonschema
    import yaml

    from unimap.resources import mappings_dir

    validators = {c: jsonschema.Draft202012Validator(registry.union(c)) for c in EXPECTED}
    for category, validator in validators.items():
        for name in registry.names(category):
            for example in registry.get(category, name).fragment()["examples"]:
                validator.validate({"type": name, **example})
    otys = yaml.safe_load((mappings_dir() / "otys" / "connector.yaml").read_text(encoding="utf-8"))
    validators["transport"].validate(otys["transport"])
    validators["auth"].validate(otys["auth"])
    validators["rate_limit"].validate({"type": "window", **otys["rate_limit"]})
    with pytest.raises(jsonschema.ValidationError):
        validators["paginator"].validate({"type": "cursor", "next": "x", "nxt": 1})


def test_transports_build(registry: ComponentRegistry, env: BuildEnv) -> None:
    assert isinstance(
        registry.build("transport", {"type": "jsonrpc", "base_url": "http://a.test"}, env=env), JsonRpcTransport
    )
    rest = registry.build(
        "transport",
        {
            "type": "rest",
            "base_url": "http://{settings.host}",
            "headers": {"Accept": "'application/json'", "X-Tenant": "settings.t"},
        },
        env=env,
    )
    assert isinstance(rest, RestTransport)
    assert rest.base_url.render({"settings": {"host": "h.test"}}) == "http://h.test"
    assert rest.default_headers({"settings": {"t": "7"}}) == {"Accept": "application/json", "X-Tenant": "7"}


def test_rest_request_template_evaluates_every_slot(registry: ComponentRegistry, env: BuildEnv) -> None:
    template = registry.build(
        "request",
        {
            "type": "rest",
            "method": "POST",
            "path": "/v3/jobs/{parent.id}/notes",
            "query": {"tag": "input.tags", "skip": "input.missing"},
            "headers": {"X-Trace": "input.trace"},
            "json": "{body: input.text, user: settings.user}",
            "errors": [{"status": 404, "code": "ATS.JOB_CLOSED"}],
            "result": "body.note",
        },
        env=env,
    )
    assert isinstance(template, RestRequestTemplate)
    request = template.build(
        {"parent": {"id": 7}, "input": {"tags": ["a", "b"], "text": "hi", "trace": "t1"}, "settings": {"user": 3}}
    )
    assert (request.method, request.path, request.write, request.label) == (
        "POST",
        "/v3/jobs/7/notes",
        True,
        "POST /v3/jobs/{parent.id}/notes",
    )
    assert request.query == {"tag": ["a", "b"], "skip": None}
    assert request.headers == {"X-Trace": "t1"}
    assert request.json == {"body": "hi", "user": 3}
    assert len(request.errors) == 1
    assert template.result(Response(200, httpx.Headers(), {"note": {"id": 1}}, "")) == {"id": 1}
    get = registry.build("request", {"type": "rest", "path": "/v3/jobs"}, env=env).build({})
    assert (get.method, get.write, get.json) == ("GET", False, UNSET)


def test_rest_request_multipart(registry: ComponentRegistry, env: BuildEnv) -> None:
    template = registry.build(
        "request",
        {
            "type": "rest",
            "method": "POST",
            "path": "/v3/attachments",
            "form": {"type": "'resume'"},
            "multipart": {
                "file": {"filename": "input.name", "content": "input.data", "content_type": "input.ct"},
                "note": "input.note",
            },
        },
        env=env,
    )
    request = template.build({"input": {"name": "cv.pdf", "data": "%PDF", "ct": "application/pdf", "note": "n"}})
    assert request.files == {"file": ("cv.pdf", b"%PDF", "application/pdf")}
    assert request.form == {"type": "resume", "note": "n"}


def test_jsonrpc_request_template(registry: ComponentRegistry, env: BuildEnv) -> None:
    template = registry.build(
        "request",
        {
            "type": "jsonrpc",
            "method": "Svc.{settings.kind}.getListEx",
            "params": "[{limit: page.limit, offset: page.offset}]",
            "write": False,
            "result": "body.listOutput",
        },
        env=env,
    )
    assert isinstance(template, JsonRpcRequestTemplate)
    request = template.build({"settings": {"kind": "Job"}, "page": {"limit": 2, "offset": 4}})
    assert request == Request("Svc.Job.getListEx", params=[{"limit": 2, "offset": 4}], label="Svc.Job.getListEx")
    assert template.result(Response(200, httpx.Headers(), {"listOutput": [1]}, "")) == [1]


def test_default_plugin_registers_into_a_registry_or_a_register_function() -> None:
    from unimap.default_plugins.components import unimap_register_components

    registry = ComponentRegistry()
    unimap_register_components(register=registry)
    assert set(registry.names("auth")) == EXPECTED["auth"]
    other = ComponentRegistry()
    unimap_register_components(register=other.register)
    for category, names in EXPECTED.items():
        assert set(other.names(category)) == names


def test_unknown_types_suggest_a_name(registry: ComponentRegistry, env: BuildEnv) -> None:
    from unimap.errors import ConfigError

    with pytest.raises(ConfigError, match="link_header"):
        registry.build("paginator", {"type": "link_headers"}, env=env)


def test_request_replace_copies_the_containers() -> None:
    request = Request("GET", "/x", query={"a": 1}, headers={"h": "1"})
    copy = request.replace()
    copy.query["b"] = 2
    copy.headers["h"] = "2"
    assert request.query == {"a": 1} and request.headers == {"h": "1"}
    view: dict[str, Any] = Response(200, httpx.Headers({"X-A": "1"}), [1], "u").view()
    assert view == {"body": [1], "headers": {"x-a": "1"}, "status": 200}
