"""Rate limit per API key: X-Orl-* headers, 429 + Retry-After, fixed windows, exact counting (checklist 3)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from unimap_connectors.otys.sandbox import SandboxSettings
from unimap_connectors.otys.sandbox.ratelimit import RateLimiter

from .conftest import FakeClock, P, Rpc

HEADERS = ("X-Orl-Requests-Remaining", "X-Orl-Remaining-Timeframe", "X-Orl-Limit-Blocked")


def _limited(factory, make_rpc, limit: int, clock: FakeClock | None = None) -> Rpc:  # type: ignore[no-untyped-def]
    settings = SandboxSettings(monotonic=clock) if clock else None
    return make_rpc(factory(rate_limit=limit, settings=settings))


def test_headers_on_every_response(otys_sandbox_factory, make_rpc, http: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    rpc = _limited(otys_sandbox_factory, make_rpc, 350)
    responses = [
        rpc.raw("check", [rpc.sid]),
        rpc.raw(P + "CandidateService.getDetail", [rpc.sid, "nope"]),  # an RPC error
        rpc.post(b"garbage"),
        http.post(rpc.sb.base_url + "/other"),
        http.get(rpc.sb.jservice_url),
        http.post(rpc.sb.file_url, data={"sessionId": rpc.sid}, files={"file": ("a.txt", b"x")}),
    ]
    for resp in responses:
        for name in HEADERS:
            assert name in resp.headers, (resp.request.url, name)


def test_remaining_counts_down_per_api_key(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = _limited(otys_sandbox_factory, make_rpc, 10)  # the login used 1
    seen = []
    for _ in range(4):
        resp = rpc.raw(P + "UserService.getList", [rpc.sid])
        seen.append(int(resp.headers["X-Orl-Requests-Remaining"]))
        assert resp.headers["X-Orl-Limit-Blocked"] == "0"
        assert 0 < int(resp.headers["X-Orl-Remaining-Timeframe"]) <= 60
    assert seen == [8, 7, 6, 5]
    # requests without a known session count in another bucket
    anon = rpc.raw(P + "UserService.getList", ["nosession"])
    assert int(anon.headers["X-Orl-Requests-Remaining"]) == 9


def test_429_with_retry_after_past_the_limit(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(1000.0)
    rpc = _limited(otys_sandbox_factory, make_rpc, 5, clock)
    for _ in range(4):
        assert rpc.raw(P + "UserService.getList", [rpc.sid]).status_code == 200
    clock.advance(20)
    resp = rpc.raw(P + "UserService.getList", [rpc.sid], rid=77)
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "40"
    assert resp.headers["X-Orl-Limit-Blocked"] == "1"
    assert resp.headers["X-Orl-Requests-Remaining"] == "0"
    assert resp.headers["X-Orl-Remaining-Timeframe"] == "40"
    body = resp.json()
    assert body["error"]["code"] == 429 and body["id"] == 77
    assert rpc.sb.stats.rate_limited == 1
    # the blocked call did not run
    assert rpc.sb.stats.call_count("UserService.getList") == 4
    clock.advance(40)  # a new window
    resp = rpc.raw(P + "UserService.getList", [rpc.sid])
    assert resp.status_code == 200
    assert resp.headers["X-Orl-Requests-Remaining"] == "4"
    assert resp.headers["X-Orl-Remaining-Timeframe"] == "60"


def test_set_rate_limit_and_off(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = _limited(otys_sandbox_factory, make_rpc, 2)
    assert rpc.raw("check", [rpc.sid]).status_code == 200
    assert rpc.raw("check", [rpc.sid]).status_code == 429
    rpc.sb.set_rate_limit(None)
    resp = rpc.raw("check", [rpc.sid])
    assert resp.status_code == 200
    assert resp.headers["X-Orl-Requests-Remaining"] == "999999"
    assert resp.headers["X-Orl-Limit-Blocked"] == "0"
    rpc.sb.set_rate_limit(100)
    assert rpc.raw("check", [rpc.sid]).status_code == 200


def test_exact_under_concurrency_over_http(otys_sandbox_factory, make_rpc) -> None:  # type: ignore[no-untyped-def]
    rpc = _limited(otys_sandbox_factory, make_rpc, 151)  # 1 used by the login: 150 left
    url = rpc.sb.jservice_url
    body = {"jsonrpc": "2.0", "method": "check", "params": [rpc.sid], "id": 1}
    local = threading.local()

    def one(_: int) -> int:
        if not hasattr(local, "client"):
            local.client = httpx.Client(timeout=10)
        return local.client.post(url, json=body).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(one, range(240)))
    assert codes.count(200) == 150
    assert codes.count(429) == 90
    assert rpc.sb.stats.rate_limited == 90


def test_limiter_is_exact_at_35000_per_minute() -> None:
    limiter = RateLimiter(35_000, 60.0, clock=lambda: 5.0)
    admitted = []

    def hammer() -> None:
        got = sum(1 for _ in range(10_000) if limiter.hit("key").allowed)
        admitted.append(got)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(admitted) == 35_000
    assert limiter.peek("key").remaining == 0
    assert limiter.hit("other").remaining == 34_999
