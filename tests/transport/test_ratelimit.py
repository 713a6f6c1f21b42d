"""Rate limits: the client-side window, the vendor's remaining/limit/reset headers, Retry-After, the budget seam."""

from __future__ import annotations

import email.utils
from typing import Any

import httpx
import pytest

from unimap.errors import RemoteRateLimited
from unimap.transport import RateLimiter, Request, parse_retry_after

from .conftest import REST, Clock, Vendor, make_client


def limiter(clock: Clock, **spec: Any) -> RateLimiter:
    return RateLimiter.from_spec(spec, sleep=clock.sleep, clock=clock, wall=clock)


def test_window_allows_n_requests_per_window_then_waits() -> None:
    clock = Clock()
    limit = limiter(clock, requests=3, window_seconds=10)
    for _ in range(3):
        limit.acquire()
    assert clock.sleeps == []
    limit.acquire()
    assert sum(clock.sleeps) == pytest.approx(10)
    assert limit.per_minute == pytest.approx(18)


def test_requests_per_minute_and_the_override() -> None:
    clock = Clock()
    assert limiter(clock, requests_per_minute=350).per_minute == 350
    override = RateLimiter.from_spec({"requests_per_minute": 350}, requests_per_minute=35000)
    assert override.per_minute == 35000
    assert RateLimiter(0).per_minute == 0


def test_remaining_at_the_floor_pauses_until_the_epoch_reset() -> None:
    clock = Clock()
    limit = limiter(
        clock, remaining_header="X-RateLimit-Remaining", reset_header="X-RateLimit-Reset", reset="epoch", pause_below=0
    )
    limit.observe_headers({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(clock.now) + 7)}, 200)
    limit.acquire()
    assert sum(clock.sleeps) == pytest.approx(7)


def test_remaining_above_the_floor_does_not_pause() -> None:
    clock = Clock()
    limit = limiter(clock, remaining_header="X-Left", reset_header="X-Reset", pause_below=5)
    limit.observe_headers({"X-Left": "6", "X-Reset": "30"}, 200)
    limit.acquire()
    assert clock.sleeps == []
    limit.observe_headers({"x-left": "5", "x-reset": "30"}, 200)  # header names match case-insensitively
    limit.acquire()
    assert sum(clock.sleeps) == pytest.approx(30)


def test_reset_as_an_http_date() -> None:
    clock = Clock()
    limit = limiter(clock, remaining_header="R", reset_header="Reset", reset="http_date")
    limit.observe_headers({"R": "0", "Reset": email.utils.formatdate(clock.now + 20, usegmt=True)}, 200)
    limit.acquire()
    assert sum(clock.sleeps) == pytest.approx(20, abs=1)


def test_limit_header_teaches_the_window() -> None:
    clock = Clock()
    limit = limiter(clock, limit_header="X-RateLimit-Limit", window_seconds=10)
    limit.observe_headers({"X-RateLimit-Limit": "2"}, 200)
    limit.acquire()
    limit.acquire()
    assert clock.sleeps == []
    limit.acquire()
    assert sum(clock.sleeps) == pytest.approx(10)


def test_budget_seam_is_asked_before_each_request() -> None:
    clock = Clock()
    until = clock.now + 2.5  # a shared budget says: wait 2.5 s
    asked: list[float] = []

    def budget() -> float:
        asked.append(clock.now)
        return max(0.0, until - clock.now)

    limit = limiter(clock)
    limit.budget = budget
    limit.acquire()
    assert sum(clock.sleeps) == pytest.approx(2.5)
    limit.acquire()
    assert sum(clock.sleeps) == pytest.approx(2.5)
    assert len(asked) == 5  # asked again after each (at most 1 s) nap, then once more


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after(email.utils.formatdate(1000.0 + 12, usegmt=True), wall=lambda: 1000.0) == pytest.approx(12)


def test_429_with_retry_after_waits_and_is_not_an_attempt(vendor: Vendor) -> None:
    clock = Clock()
    vendor.on(
        "GET",
        "/x",
        httpx.Response(429, headers={"Retry-After": "4"}),
        httpx.Response(429, headers={"retry-after": "4"}),
        httpx.Response(200, json={"ok": 1}),
    )
    client = make_client({**REST, "retry": {"max_attempts": 1}}, vendor, sleep=clock.sleep)
    client.limiter = RateLimiter(0, clock=clock, sleep=clock.sleep)
    assert client.send(Request("GET", "/x")).body == {"ok": 1}
    assert sum(clock.sleeps) == pytest.approx(8)
    assert client.stats.rate_limited == 2


def test_too_many_429s_is_rate_limited(vendor: Vendor) -> None:
    vendor.on("GET", "/x", httpx.Response(429, headers={"Retry-After": "0"}))
    with pytest.raises(RemoteRateLimited):
        make_client(REST, vendor).send(Request("GET", "/x"))
    assert len(vendor.requests) == 31


def test_greenhouse_headers_through_the_client(vendor: Vendor) -> None:
    clock = Clock()
    vendor.on(
        "GET",
        "/v3/jobs",
        httpx.Response(
            200,
            json=[],
            headers={
                "X-RateLimit-Limit": "50",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(clock.now) + 9),
            },
        ),
        httpx.Response(200, json=[]),
    )
    limits = {
        "type": "window",
        "window_seconds": 10,
        "limit_header": "X-RateLimit-Limit",
        "remaining_header": "X-RateLimit-Remaining",
        "reset_header": "X-RateLimit-Reset",
        "reset": "epoch",
    }
    spec: dict[str, Any] = {**REST, "rate_limit": limits}
    client = make_client(spec, vendor)
    client.limiter = RateLimiter.from_spec(spec["rate_limit"], sleep=clock.sleep, clock=clock, wall=clock)
    client.send(Request("GET", "/v3/jobs"))
    client.send(Request("GET", "/v3/jobs"))
    assert sum(clock.sleeps) == pytest.approx(9)
    assert client.limiter.requests == 50


def test_the_spec_block_builds_the_clients_limiter(vendor: Vendor) -> None:
    spec = {**REST, "rate_limit": {"requests_per_minute": 120, "concurrency": 2, "pause_below": 3}}
    client = make_client(spec, vendor)
    assert client.limiter.per_minute == 120
    assert client.limiter.concurrency == 2
    assert client.limiter.pause_below == 3
    assert make_client(spec, vendor, requests_per_minute=60).limiter.per_minute == 60


def test_a_reset_in_seconds_that_is_a_timestamp_and_huge_waits_are_bounded() -> None:
    clock = Clock(1_800_000_000.0)
    limit = limiter(clock, remaining_header="R", reset_header="Reset")  # says seconds, vendor sends epoch
    assert limit.reset_seconds(str(int(clock.now) + 5)) == pytest.approx(5)
    assert limit.reset_seconds("86400") == 3600
    assert parse_retry_after("99999") == 3600
