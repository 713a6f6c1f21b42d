"""Every auth type through ``httpx.MockTransport``: placement, token fetch and renewal, refusals, redaction."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from unimap.errors import AuthenticationInvalid, RemoteUnavailable
from unimap.hookspecs import hookimpl
from unimap.plugins import make_manager
from unimap.transport import OAuth2ClientCredentials, Request

from .conftest import BASE, REST, RPC, Clock, Vendor, make_client, rpc_error, rpc_result

TOKEN_URL = "http://auth.vendor.test/token"
GH_CREDENTIALS = {"client_id": "cid-123", "client_secret": "s3cr3t-value", "user_id": 4242}
OAUTH = {
    "type": "oauth2_client_credentials",
    "token_url": TOKEN_URL,
    "client_id": "{credentials.client_id}",
    "client_secret": "{credentials.client_secret}",
    "extra": {"sub": "credentials.user_id"},
}


def rest(auth: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {**REST, "auth": auth, **more}


def test_none_sends_no_credentials(vendor: Vendor) -> None:
    vendor.on("GET", "/v3/jobs", httpx.Response(200, json=[]))
    make_client(rest({"type": "none"}), vendor).send(Request("GET", "/v3/jobs"))
    assert "authorization" not in vendor.requests[0].headers


def test_basic_puts_user_and_password_in_the_header(vendor: Vendor) -> None:
    vendor.on("GET", "/v3/jobs", httpx.Response(200, json=[]))
    spec = rest({"type": "basic", "username": "{credentials.key}", "password": ""})
    make_client(spec, vendor, {"key": "k-9999"}).send(Request("GET", "/v3/jobs"))
    assert vendor.requests[0].headers["Authorization"] == "Basic " + base64.b64encode(b"k-9999:").decode()


def test_bearer_reads_the_token_template(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.Response(200, json={}))
    make_client(rest({"type": "bearer", "token": "{credentials.token}"}), vendor, {"token": "tok-1"}).send(
        Request("GET", "/x")
    )
    assert vendor.requests[0].headers["Authorization"] == "Bearer tok-1"


@pytest.mark.parametrize(("placement", "where"), [("header", "header"), ("query", "query")])
def test_api_key_in_a_header_or_the_query(
    vendor: Vendor, placement: str, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    vendor.on("GET", "/x", httpx.Response(200, json={}))
    spec = rest({"type": "api_key", "in": placement, "name": "X-Api-Key", "value": "{credentials.key}"})
    make_client(spec, vendor, {"key": "key-77"}).send(Request("GET", "/x", query={"a": 1}))
    sent = vendor.requests[0]
    if where == "header":
        assert sent.headers["X-Api-Key"] == "key-77"
        assert "X-Api-Key" not in str(sent.url)
    else:
        assert sent.url.params["X-Api-Key"] == "key-77"
        assert sent.url.params["a"] == "1"
        assert "x-api-key" not in sent.headers
    assert "key-77" not in caplog.text  # httpx logs full URLs: redacted too


def test_bearer_refused_is_authentication_invalid_without_a_retry(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.Response(401, json={"message": "Unauthorized"}))
    client = make_client(rest({"type": "bearer", "token": "{credentials.token}"}), vendor, {"token": "tok-1"})
    with pytest.raises(AuthenticationInvalid):
        client.send(Request("GET", "/x"))
    assert len(vendor.requests) == 1


# -- OAuth2 client credentials --------------------------------------------------------------------------------


def token(access: str, **more: Any) -> httpx.Response:
    return httpx.Response(200, json={"token_type": "Bearer", "access_token": access, **more})


def oauth_vendor(*tokens: httpx.Response) -> Vendor:
    vendor = Vendor()
    vendor.on("POST", "/token", *tokens)
    return vendor


def route_by_host(vendor: Vendor) -> Any:
    return vendor


def test_oauth2_fetches_a_token_with_basic_client_auth_and_sub(vendor: Vendor) -> None:
    vendor.on("POST", "/token", token("jwt-1", expires_at="2999-01-01T00:00:00Z"))
    vendor.on("GET", "/v3/jobs", httpx.Response(200, json=[{"id": 1}]))
    client = make_client(rest(OAUTH), vendor, GH_CREDENTIALS)
    assert client.send(Request("GET", "/v3/jobs")).body == [{"id": 1}]
    fetch, get = vendor.requests
    assert str(fetch.url) == TOKEN_URL
    assert fetch.headers["Authorization"] == "Basic " + base64.b64encode(b"cid-123:s3cr3t-value").decode()
    assert fetch.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(fetch.content.decode()) == {"grant_type": ["client_credentials"], "sub": ["4242"]}
    assert get.headers["Authorization"] == "Bearer jwt-1"
    client.send(Request("GET", "/v3/jobs"))
    assert len(vendor.requests) == 3  # the token is reused


def test_oauth2_client_auth_in_the_body_and_a_scope(vendor: Vendor) -> None:
    vendor.on("POST", "/token", token("jwt-1"))
    vendor.on("GET", "/x", httpx.Response(200, json={}))
    spec = rest({**OAUTH, "client_auth": "body", "scope": ["a:list", "b:list"], "extra": {}})
    make_client(spec, vendor, GH_CREDENTIALS).send(Request("GET", "/x"))
    form = parse_qs(vendor.requests[0].content.decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "scope": ["a:list b:list"],
        "client_id": ["cid-123"],
        "client_secret": ["s3cr3t-value"],
    }
    assert "authorization" not in vendor.requests[0].headers


def test_oauth2_refreshes_before_expiry(vendor: Vendor) -> None:
    vendor.on("POST", "/token", token("jwt-1", expires_in=3600), token("jwt-2", expires_in=3600))
    vendor.on("GET", "/x", httpx.Response(200, json={}))
    client = make_client(rest({**OAUTH, "refresh_margin_seconds": 120}), vendor, GH_CREDENTIALS)
    clock = Clock()
    assert isinstance(client.auth, OAuth2ClientCredentials)
    client.auth.clock = clock
    client.send(Request("GET", "/x"))
    clock.now += 3600 - 121  # still fresh
    client.send(Request("GET", "/x"))
    clock.now += 2  # inside the margin: renewed before the vendor refuses it
    client.send(Request("GET", "/x"))
    auths = [r.headers.get("Authorization") for r in vendor.requests if r.url.path == "/x"]
    assert auths == ["Bearer jwt-1", "Bearer jwt-1", "Bearer jwt-2"]


@pytest.mark.parametrize("expires_at", ["2026-12-01T10:00:00Z", "2026-12-01T10:00:00.000+00:00", 1796119200])
def test_oauth2_reads_expires_at_as_rfc3339_or_epoch(vendor: Vendor, expires_at: Any) -> None:
    from datetime import UTC, datetime

    vendor.on("POST", "/token", token("jwt-1", expires_at=expires_at), token("jwt-2"))
    vendor.on("GET", "/x", httpx.Response(200, json={}))
    client = make_client(rest({**OAUTH, "refresh_margin_seconds": 0}), vendor, GH_CREDENTIALS)
    assert isinstance(client.auth, OAuth2ClientCredentials)
    expiry = datetime(2026, 12, 1, 10, tzinfo=UTC).timestamp()
    if isinstance(expires_at, int):
        expiry = float(expires_at)
    clock = Clock(expiry - 10)
    client.auth.clock = clock
    client.send(Request("GET", "/x"))
    client.send(Request("GET", "/x"))
    clock.now = expiry + 1
    client.send(Request("GET", "/x"))
    assert [r.headers["Authorization"] for r in vendor.requests if r.url.path == "/x"] == [
        "Bearer jwt-1",
        "Bearer jwt-1",
        "Bearer jwt-2",
    ]


def test_oauth2_refreshes_once_on_401(vendor: Vendor) -> None:
    vendor.on("POST", "/token", token("jwt-old"), token("jwt-new"))
    vendor.on(
        "GET",
        "/x",
        lambda r: httpx.Response(401 if r.headers["Authorization"] == "Bearer jwt-old" else 200, json={"ok": True}),
    )
    client = make_client(rest(OAUTH), vendor, GH_CREDENTIALS)
    assert client.send(Request("GET", "/x")).body == {"ok": True}
    assert [r.url.path for r in vendor.requests] == ["/token", "/x", "/token", "/x"]
    assert client.stats.relogins == 1


def test_oauth2_refused_twice_is_authentication_invalid(vendor: Vendor) -> None:
    vendor.on("POST", "/token", token("jwt-1"), token("jwt-2"), token("jwt-3"))
    vendor.on("GET", "/x", httpx.Response(401, json={"message": "Unauthorized"}))
    client = make_client(rest(OAUTH), vendor, GH_CREDENTIALS)
    with pytest.raises(AuthenticationInvalid) as caught:
        client.send(Request("GET", "/x"))
    assert [r.url.path for r in vendor.requests] == ["/token", "/x", "/token", "/x"]
    assert "jwt" not in str(caught.value)


def test_oauth2_invalid_client_is_authentication_invalid_and_secrets_stay_out(
    vendor: Vendor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    vendor.on(
        "POST",
        "/token",
        httpx.Response(
            401,
            json={"error": "invalid_client", "error_description": "client cid-123 with secret s3cr3t-value is unknown"},
        ),
    )
    client = make_client(rest(OAUTH), vendor, GH_CREDENTIALS)
    with pytest.raises(AuthenticationInvalid, match="invalid_client") as caught:
        client.send(Request("GET", "/x"))
    assert "s3cr3t-value" not in str(caught.value)
    assert "s3cr3t-value" not in caplog.text
    assert [r.url.path for r in vendor.requests] == ["/token"]  # a refusal is not retried


def test_oauth2_token_endpoint_outage_is_retried_then_unavailable(vendor: Vendor) -> None:
    vendor.on("POST", "/token", httpx.Response(503), token("jwt-1"))
    vendor.on("GET", "/x", httpx.Response(200, json={}))
    make_client(rest(OAUTH), vendor, GH_CREDENTIALS).send(Request("GET", "/x"))
    assert [r.url.path for r in vendor.requests] == ["/token", "/token", "/x"]
    always = Vendor().on("POST", "/token", httpx.Response(500))
    with pytest.raises(RemoteUnavailable):
        make_client(rest(OAUTH), always, GH_CREDENTIALS).send(Request("GET", "/x"))


def test_oauth2_secrets_are_redacted_from_errors_and_logs(vendor: Vendor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    vendor.on("POST", "/token", token("jwt-abcdef"))
    vendor.on(
        "POST",
        "/v3/notes",
        httpx.Response(422, json={"message": "token jwt-abcdef cannot write"}),
    )
    vendor.on("GET", "/v3/slow", httpx.Response(500, text="boom jwt-abcdef"))
    client = make_client(rest(OAUTH), vendor, GH_CREDENTIALS)
    with pytest.raises(Exception) as caught:
        client.send(Request("POST", "/v3/notes", json={"a": 1}, write=True))
    assert "jwt-abcdef" not in str(caught.value)
    assert "***" in str(caught.value)
    with pytest.raises(RemoteUnavailable):
        client.send(Request("GET", "/v3/slow"))
    assert "jwt-abcdef" not in caplog.text
    assert "s3cr3t-value" not in caplog.text
    assert "jwt-abcdef" in client.secrets


def test_authenticate_fetches_the_token_now(vendor: Vendor) -> None:
    vendor.on("POST", "/token", token("jwt-1"))
    make_client(rest(OAUTH), vendor, GH_CREDENTIALS).authenticate()
    assert [r.url.path for r in vendor.requests] == ["/token"]


def test_authenticate_sends_the_check_request(vendor: Vendor) -> None:
    vendor.on("GET", "/v3/users", httpx.Response(200, json=[]))
    spec = rest(
        {"type": "bearer", "token": "{credentials.token}", "check": {"path": "/v3/users", "query": {"per_page": "`1`"}}}
    )
    make_client(spec, vendor, {"token": "t-1"}).authenticate()
    assert vendor.paths() == ["GET /v3/users?per_page=1"]
    vendor.on("GET", "/v3/users", httpx.Response(401))
    vendor.routes[("GET", "/v3/users")] = [httpx.Response(401)]
    with pytest.raises(AuthenticationInvalid):
        make_client(spec, vendor, {"token": "t-1"}).authenticate()


def test_authenticate_without_anything_to_check_sends_nothing(vendor: Vendor) -> None:
    make_client(rest({"type": "bearer", "token": "t"}), vendor).authenticate()
    assert vendor.requests == []


# -- session login ---------------------------------------------------------------------------------------------

SESSION = {
    "type": "session_login",
    "login": {"method": "auth.login", "params": "[credentials.uid, settings.app]"},
    "session": "sid",
    "inject": {"params_index": 0},
    "logout": "auth.logout",
    "relogin_on": ["please login again"],
}


def test_declarative_session_login_injects_the_session(vendor: Vendor) -> None:
    vendor.on("POST", "/rpc", rpc_result({"sid": "SESSION-1"}), rpc_result({"ok": 1}))
    client = make_client({**RPC, "auth": SESSION}, vendor, {"uid": "uid-secret"}, settings={"app": "x"})
    assert client.call("Svc.get", [5]) == {"ok": 1}
    login, call = vendor.bodies()
    assert login == {"jsonrpc": "2.0", "method": "auth.login", "params": ["uid-secret", "x"], "id": 1}
    assert call == {"jsonrpc": "2.0", "method": "Svc.get", "params": ["SESSION-1", 5], "id": 2}
    client.close()
    assert vendor.bodies()[-1]["method"] == "auth.logout"
    assert vendor.bodies()[-1]["params"] == ["SESSION-1"]


def test_session_relogin_on_a_refusal_message(vendor: Vendor) -> None:
    vendor.on(
        "POST",
        "/rpc",
        rpc_result({"sid": "S1"}),
        rpc_error("Access denied; please login again"),
        rpc_result({"sid": "S2"}),
        rpc_result("done"),
    )
    client = make_client({**RPC, "auth": SESSION}, vendor, {"uid": "u-1234"})
    assert client.call("Svc.get", []) == "done"
    assert [b["params"][:1] for b in vendor.bodies()] == [["u-1234"], ["S1"], ["u-1234"], ["S2"]]
    assert client.stats.relogins == 1


def test_session_refused_after_relogins_is_authentication_invalid(vendor: Vendor) -> None:
    vendor.on(
        "POST",
        "/rpc",
        lambda r: (
            rpc_result({"sid": "S"})
            if json.loads(r.content)["method"] == "auth.login"
            else rpc_error("please login again")
        )(r),
    )
    with pytest.raises(AuthenticationInvalid, match="refused again"):
        make_client({**RPC, "auth": SESSION}, vendor, {"uid": "u-1234"}).call("Svc.get", [])


def test_session_in_a_header_for_rest(vendor: Vendor) -> None:
    vendor.on("POST", "/login", httpx.Response(200, json={"token": "S-42"}))
    vendor.on("GET", "/items", httpx.Response(200, json=[]))
    auth = {
        "type": "session_login",
        "login": {"method": "/login", "params": "[{key: credentials.key}]"},
        "session": "token",
        "inject": {"header": "Authorization", "prefix": "Session "},
    }
    make_client(rest(auth), vendor, {"key": "k-1"}).send(Request("GET", "/items"))
    assert vendor.bodies()[0] == {"key": "k-1"}
    assert vendor.requests[1].headers["Authorization"] == "Session S-42"


def test_classic_session_login_keys_still_work(vendor: Vendor) -> None:
    vendor.on("POST", "/rpc", rpc_result("SID-1"), rpc_result([1]))
    auth = {
        "type": "session_login",
        "login_method": "loginByUid",
        "logout_method": "logout",
        "credential": "api_key",
        "session_param": 0,
        "unauthenticated_methods": ["loginByUid"],
        "session_lifetime_seconds": 60,
    }
    client = make_client({**RPC, "auth": auth}, vendor, {"api_key": "key-1234"})
    assert client.call("Svc.list", [{"limit": 1}]) == [1]
    assert vendor.bodies() == [
        {"jsonrpc": "2.0", "method": "loginByUid", "params": ["key-1234"], "id": 1},
        {"jsonrpc": "2.0", "method": "Svc.list", "params": ["SID-1", {"limit": 1}], "id": 2},
    ]
    assert client.session() == "SID-1"


def test_a_refused_login_is_authentication_invalid(vendor: Vendor) -> None:
    vendor.on("POST", "/rpc", rpc_error("Invalid uid key-1234"))
    with pytest.raises(AuthenticationInvalid, match="login refused") as caught:
        make_client({**RPC, "auth": SESSION}, vendor, {"uid": "key-1234"}).call("Svc.get", [])
    assert "key-1234" not in str(caught.value)


def test_a_transient_error_during_login_is_retried_not_authentication_invalid(vendor: Vendor) -> None:
    spec = {
        **RPC,
        "auth": SESSION,
        "errors": [{"when": "contains(error.message, 'temporarily unavailable')", "retry": True}],
    }
    vendor.on("POST", "/rpc", rpc_error("Service temporarily unavailable"), rpc_result({"sid": "S1"}), rpc_result("ok"))
    assert make_client(spec, vendor, {"uid": "u-1234"}).call("Svc.get", []) == "ok"
    assert [b["method"] for b in vendor.bodies()] == ["auth.login", "auth.login", "Svc.get"]
    down = Vendor().on("POST", "/rpc", rpc_error("Service temporarily unavailable"))
    with pytest.raises(RemoteUnavailable, match="temporarily unavailable"):
        make_client(spec, down, {"uid": "u-1234"}).call("Svc.get", [])
    assert len(down.requests) == 3


def test_session_lifetime_logs_in_again(vendor: Vendor) -> None:
    from unimap.transport import SessionAuth

    vendor.on(
        "POST",
        "/rpc",
        lambda r: rpc_result(
            {"sid": f"S{len(vendor.requests)}"} if json.loads(r.content)["method"] == "auth.login" else "ok"
        )(r),
    )
    client = make_client({**RPC, "auth": {**SESSION, "lifetime_seconds": 100}}, vendor, {"uid": "u-1234"})
    assert isinstance(client.auth, SessionAuth)
    clock = Clock()
    client.auth.clock = clock
    client.call("Svc.get", [])
    clock.now += 50
    client.call("Svc.get", [])
    clock.now += 51
    client.call("Svc.get", [])
    assert [b["method"] for b in vendor.bodies()] == ["auth.login", "Svc.get", "Svc.get", "auth.login", "Svc.get"]


class TokenPlugin:
    @hookimpl
    def unimap_authenticate(self, connector: str, auth: dict[str, Any], credentials: dict[str, Any]) -> str | None:
        return f"hook-{credentials['key']}" if auth.get("type") == "hook" else None


def test_hook_auth_delegates_to_the_plugin_and_injects_where_told(vendor: Vendor) -> None:
    vendor.on("GET", "/items", httpx.Response(200, json=[]))
    pm = make_manager([TokenPlugin()], entry_points=False)
    spec = rest({"type": "hook", "inject": {"header": "X-Session"}})
    make_client(spec, vendor, {"key": "k-1"}, hook=pm.hook).send(Request("GET", "/items"))
    assert vendor.requests[0].headers["X-Session"] == "hook-k-1"


def test_session_is_never_in_hook_params_or_logs(vendor: Vendor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[Any] = []

    class Watch:
        @hookimpl
        def unimap_before_call(self, call: Any) -> None:
            seen.append(list(call.params))

    vendor.on("POST", "/rpc", rpc_result({"sid": "SESSION-SECRET"}), httpx.Response(503), rpc_result("ok"))
    pm = make_manager([Watch()], entry_points=False)
    client = make_client({**RPC, "auth": SESSION}, vendor, {"uid": "u-1234"}, hook=pm.hook)
    assert client.call("Svc.get", [1]) == "ok"
    assert seen == [[1], [1]]
    assert "SESSION-SECRET" not in caplog.text and "u-1234" not in caplog.text
    assert BASE in str(vendor.requests[0].url)
