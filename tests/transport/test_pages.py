"""Whole flows: a Greenhouse-like REST vendor (OAuth2, Link pages, rate-limit headers) and an OTYS-like RPC list."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from unimap.errors import RemoteError
from unimap.registry import BuildEnv
from unimap.transport import Request, default_functions, default_registry, pages

from .conftest import Clock, make_client

ENV = BuildEnv(default_functions(), registry=default_registry())
HARVEST = "http://harvest.vendor.test"
CONNECTOR: dict[str, Any] = {
    "transport": {"type": "rest", "base_url": "{settings.api_url}", "headers": {"Accept": "'application/json'"}},
    "auth": {
        "type": "oauth2_client_credentials",
        "token_url": "http://auth.vendor.test/token",
        "client_id": "{credentials.client_id}",
        "client_secret": "{credentials.client_secret}",
        "extra": {"sub": "credentials.user_id"},
    },
    "rate_limit": {
        "type": "window",
        "requests": 50,
        "window_seconds": 10,
        "limit_header": "X-RateLimit-Limit",
        "remaining_header": "X-RateLimit-Remaining",
        "reset_header": "X-RateLimit-Reset",
        "reset": "epoch",
    },
    "retry": {"max_attempts": 3, "initial_backoff_seconds": 0},
}
CREDENTIALS = {"client_id": "cid", "client_secret": "csecret", "user_id": 7}


class FakeHarvest:
    """Candidates 1..n, id descending, `per_page` on the first request only, then `cursor` alone."""

    def __init__(self, n: int, clock: Clock) -> None:
        self.ids = list(range(n, 0, -1))
        self.clock = clock
        self.tokens = 0
        self.revoked: set[str] = set()
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host == "auth.vendor.test":
            assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"cid:csecret").decode()
            assert parse_qs(request.content.decode())["sub"] == ["7"]
            self.tokens += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"jwt-{self.tokens}",
                    "token_type": "Bearer",
                    "expires_at": "2999-01-01T00:00:00Z",
                },
            )
        token = request.headers["Authorization"].removeprefix("Bearer ")
        if token in self.revoked:
            return httpx.Response(401, json={"message": "Unauthorized"})
        params = dict(request.url.params)
        if "cursor" in params:
            if len(params) > 1:
                return httpx.Response(
                    422, json={"errors": ["When passing a cursor, do not include other query params."]}
                )
            offset, size = map(int, base64.b64decode(params["cursor"]).decode().split(":"))
        else:
            offset, size = 0, int(params.get("per_page", 100))
        chunk = self.ids[offset : offset + size]
        headers = {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "40",
            "X-RateLimit-Reset": str(int(self.clock.now) + 10),
        }
        if offset + size < len(self.ids):
            cursor = base64.b64encode(f"{offset + size}:{size}".encode()).decode()
            headers["Link"] = f'<{HARVEST}/v3/candidates?cursor={cursor}>; rel="next"'
        return httpx.Response(200, json=[{"id": i} for i in chunk], headers=headers)


def harvest_client(fake: FakeHarvest) -> Any:
    return make_client(CONNECTOR, fake, CREDENTIALS, settings={"api_url": HARVEST})


def test_greenhouse_like_listing_with_link_pagination() -> None:
    fake = FakeHarvest(5, Clock())
    client = harvest_client(fake)
    request = ENV.build(
        "request",
        {"type": "rest", "path": "/v3/candidates", "query": {"updated_at": "join('', ['gte|', cursor.since])"}},
    )
    paginator = ENV.build("paginator", {"type": "link_header", "size_param": "per_page", "page_size": 2})
    got = list(pages(client, request, paginator, {"cursor": {"since": "2024-01-01T00:00:00Z"}}))
    assert [r["id"] for page in got for r in page.records] == [5, 4, 3, 2, 1]
    assert got[-1].next_state is None
    assert [r.url.path for r in fake.requests] == ["/token", "/v3/candidates", "/v3/candidates", "/v3/candidates"]
    assert fake.requests[1].url.params["updated_at"] == "gte|2024-01-01T00:00:00Z"
    assert fake.requests[1].headers["Accept"] == "application/json"
    assert client.limiter.requests == 50


def test_a_token_revoked_mid_listing_is_refreshed_once() -> None:
    fake = FakeHarvest(4, Clock())
    client = harvest_client(fake)
    paginator = ENV.build("paginator", {"type": "link_header", "size_param": "per_page", "page_size": 2})
    iterator = pages(client, lambda ctx: Request("GET", "/v3/candidates"), paginator, {})
    first = next(iterator)
    fake.revoked.add("jwt-1")
    second = next(iterator)
    assert [r["id"] for r in first.records + second.records] == [4, 3, 2, 1]
    assert fake.tokens == 2


def test_a_killed_listing_resumes_from_the_checkpoint() -> None:
    fake = FakeHarvest(6, Clock())
    paginator = ENV.build("paginator", {"type": "link_header", "size_param": "per_page", "page_size": 2})
    first = next(pages(harvest_client(fake), lambda ctx: Request("GET", "/v3/candidates"), paginator, {}))
    checkpoint = json.loads(json.dumps(first.next_state))
    rest = list(
        pages(harvest_client(fake), lambda ctx: Request("GET", "/v3/candidates"), paginator, {}, resume=checkpoint)
    )
    assert [r["id"] for page in rest for r in page.records] == [4, 3, 2, 1]


def test_jsonrpc_offset_listing_with_page_variables_and_total() -> None:
    rows = [{"uid": f"u{i}"} for i in range(5)]
    sent: list[Any] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body["params"])
        options = body["params"][0]
        result: dict[str, Any] = {"listOutput": rows[options["offset"] : options["offset"] + options["limit"]]}
        if options["getTotalCount"]:
            result["totalCount"] = len(rows)
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})

    client = make_client(
        {"transport": {"type": "jsonrpc", "base_url": "http://rpc.vendor.test", "path": "/rpc"}}, vendor
    )
    request = ENV.build(
        "request",
        {
            "type": "jsonrpc",
            "method": "Svc.getListEx",
            "params": "[{limit: page.limit, offset: page.offset, getTotalCount: page.first}]",
        },
    )
    paginator = ENV.build("paginator", {"type": "offset", "page_size": 2})
    got = list(pages(client, request, paginator, {}, records="body.listOutput", total="body.totalCount"))
    assert [r["uid"] for page in got for r in page.records] == ["u0", "u1", "u2", "u3", "u4"]
    assert sent == [
        [{"limit": 2, "offset": 0, "getTotalCount": True}],
        [{"limit": 2, "offset": 2, "getTotalCount": False}],
        [{"limit": 2, "offset": 4, "getTotalCount": False}],
    ]
    assert got[0].total == 5


def test_records_that_are_not_a_list_name_the_call() -> None:
    client = make_client(
        {"transport": {"type": "rest", "base_url": HARVEST}}, lambda r: httpx.Response(200, json={"items": "nope"})
    )
    with pytest.raises(RemoteError, match="GET /v3/x"):
        list(
            pages(
                client,
                lambda ctx: Request("GET", "/v3/x"),
                ENV.build("paginator", {"type": "none"}),
                {},
                records="body.items",
            )
        )


def test_a_vendor_repeating_pages_is_stopped_naming_the_call() -> None:
    client = make_client(
        {"transport": {"type": "rest", "base_url": HARVEST}}, lambda r: httpx.Response(200, json=[{"id": 1}, {"id": 2}])
    )
    paginator = ENV.build("paginator", {"type": "page_number", "page_size": 2})
    with pytest.raises(RemoteError, match="GET /v3/jobs: the vendor returned the same page"):
        list(pages(client, lambda ctx: Request("GET", "/v3/jobs", label="GET /v3/jobs"), paginator, {}))
