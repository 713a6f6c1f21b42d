"""Error mapping: statuses, spec rules (`status`, `when`, `code`, `message`, `retry`), message extraction."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from unimap.errors import AuthenticationInvalid, RemoteError, RemoteInputInvalid, RemoteUnavailable
from unimap.transport import Request, extract_message

from .conftest import REST, RPC, Vendor, make_client, rpc_error, rpc_result


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"message": "Validation error", "errors": [{"message": "is required", "field": "email"}]},
            "Validation error: email: is required",
        ),
        (
            {"errors": ["When passing a cursor, do not include other query params."]},
            "When passing a cursor, do not include other query params.",
        ),
        ({"error": "invalid_grant", "error_description": "expired"}, "invalid_grant: expired"),
        ({"error": "boom"}, "boom"),
        ({"error": {"message": "nested"}}, "nested"),
        ({"errors": {"email": ["is invalid"]}}, "email: is invalid"),
        ("plain text", "plain text"),
        ({"nothing": 1}, None),
        (None, None),
    ],
)
def test_extract_message(body: Any, message: str | None) -> None:
    assert extract_message(body) == message


def test_a_4xx_is_input_invalid_with_the_vendors_message_and_status(vendor: Vendor) -> None:
    vendor.on(
        "POST", "/v3/candidates", httpx.Response(422, json={"errors": [{"message": "bad email", "field": "email"}]})
    )
    with pytest.raises(RemoteInputInvalid, match="POST /v3/candidates: HTTP 422: email: bad email") as caught:
        make_client(REST, vendor).send(Request("POST", "/v3/candidates", json={}, write=True))
    assert caught.value.status == 422
    assert caught.value.code == "REMOTE.INPUT_INVALID"


def test_a_404_carries_its_status(vendor: Vendor) -> None:
    with pytest.raises(RemoteInputInvalid) as caught:
        make_client(REST, vendor).send(Request("GET", "/v3/nothing"))
    assert caught.value.status == 404


def test_403_after_one_refresh_is_authentication_invalid(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.Response(403, json={"message": "scope harvest:jobs:list missing"}))
    with pytest.raises(AuthenticationInvalid, match=r"refused the credentials \(HTTP 403: scope harvest:jobs"):
        make_client(REST, vendor).send(Request("GET", "/x"))


def test_rule_by_status_sets_code_and_message(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.Response(409, json={"detail": {"why": "already there"}}))
    spec = {**REST, "errors": [{"status": [409, 410], "code": "PLATFORM.INPUT_INVALID", "message": "body.detail.why"}]}
    with pytest.raises(RemoteInputInvalid, match="already there") as caught:
        make_client(spec, vendor).send(Request("GET", "/x"))
    assert caught.value.code == "PLATFORM.INPUT_INVALID"
    assert caught.value.status == 409


def test_rule_with_when_on_a_200(vendor: Vendor) -> None:
    vendor.on("POST", "/x", httpx.Response(200, json={"success": False, "reason": "nope"}))
    spec = {
        **REST,
        "transport": {**REST["transport"], "errors": [{"when": "body.success == `false`", "message": "body.reason"}]},
    }
    with pytest.raises(RemoteInputInvalid, match="nope"):
        make_client(spec, vendor).send(Request("POST", "/x", json={}))


def test_request_rules_come_before_connector_rules(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.Response(404, json={}))
    spec = {**REST, "errors": [{"status": 404, "code": "REMOTE.SERVICE_UNAVAILABLE"}]}
    request = Request("GET", "/x", errors=[])
    with pytest.raises(RemoteUnavailable):
        make_client(spec, vendor).send(request)
    from unimap.transport.errorrules import ErrorRule

    with pytest.raises(RemoteInputInvalid) as caught:
        make_client(spec, vendor).send(Request("GET", "/x", errors=[ErrorRule(frozenset({404}), code="ATS.NOT_FOUND")]))
    assert caught.value.code == "ATS.NOT_FOUND"


def test_a_retry_rule_makes_a_response_transient(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.Response(409, json={"message": "locked, try again"}), httpx.Response(200, json=[1]))
    spec = {**REST, "errors": [{"status": 409, "when": "contains(body.message, 'try again')", "retry": True}]}
    assert make_client(spec, vendor).send(Request("GET", "/x")).body == [1]


def test_transient_jsonrpc_error_is_retried(vendor: Vendor) -> None:
    spec = {**RPC, "errors": [{"when": "contains(error.message, 'temporarily unavailable')", "retry": True}]}
    vendor.on("POST", "/rpc", rpc_error("Service temporarily unavailable"), rpc_result("ok"))
    assert make_client(spec, vendor).call("Svc.add", [], write=True) == "ok"  # the vendor did not run it
    vendor.routes.clear()
    vendor.on("POST", "/rpc", rpc_error("Invalid field"))
    with pytest.raises(RemoteInputInvalid, match=r"Svc\.add: Invalid field"):
        make_client(spec, vendor).call("Svc.add", [])


def test_jsonrpc_rule_sets_the_code(vendor: Vendor) -> None:
    spec = {
        **RPC,
        "transport": {
            **RPC["transport"],
            "errors": [
                {
                    "when": "error.code == `404`",
                    "code": "PLATFORM.INPUT_INVALID",
                    "message": "join(' ', ['gone:', error.message])",
                }
            ],
        },
    }
    vendor.on("POST", "/rpc", rpc_error("no such uid", code=404))
    with pytest.raises(RemoteInputInvalid, match="gone: no such uid") as caught:
        make_client(spec, vendor).call("Svc.get", [])
    assert caught.value.code == "PLATFORM.INPUT_INVALID"


def test_jsonrpc_http_error_status(vendor: Vendor) -> None:
    vendor.on("POST", "/rpc", httpx.Response(400, json={}))
    with pytest.raises(RemoteError, match="HTTP 400"):
        make_client(RPC, vendor).call("Svc.get", [])


def test_jsonrpc_error_envelope_with_an_http_error_status(vendor: Vendor) -> None:
    spec = {**RPC, "transport": {**RPC["transport"], "error_status_ok": False}}
    vendor.on(
        "POST",
        "/rpc",
        httpx.Response(400, json={"jsonrpc": "2.0", "id": 1, "error": {"code": 1, "message": "bad params"}}),
    )
    with pytest.raises(RemoteInputInvalid, match="bad params"):
        make_client(spec, vendor).call("Svc.get", [])


def test_secrets_in_vendor_messages_are_redacted(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.Response(400, json={"message": "key k-secret-1 is malformed"}))
    spec = {**REST, "auth": {"type": "api_key", "in": "query", "name": "key", "value": "{credentials.key}"}}
    with pytest.raises(RemoteInputInvalid) as caught:
        make_client(spec, vendor, {"key": "k-secret-1"}).send(Request("GET", "/x"))
    assert "k-secret-1" not in str(caught.value)
