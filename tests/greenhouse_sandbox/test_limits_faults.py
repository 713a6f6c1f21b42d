"""§9.18 rate limiting and §9.19 fault knobs (deterministic given a seed)."""

from __future__ import annotations

import time

import httpx
import pytest

from unimap_connectors.greenhouse.sandbox import FaultSpec

from .conftest import Api


def test_rate_limit_headers_and_429(greenhouse_sandbox_factory, make_api, clock) -> None:
    sb = greenhouse_sandbox_factory(rate_limit=50, clock=clock, token_ttl_seconds=10_000)
    api: Api = make_api(sb)
    for i in range(50):
        resp = api.get("/v3/sources")
        assert resp.status_code == 200
        assert resp.headers["x-ratelimit-limit"] == "50"
        assert resp.headers["x-ratelimit-remaining"] == str(49 - i)
    blocked = api.get("/v3/sources")
    assert blocked.status_code == 429 and blocked.json() == {"message": "Too Many Requests"}
    assert int(blocked.headers["retry-after"]) == 30
    assert int(blocked.headers["x-ratelimit-reset"]) == int(clock.t) + 30
    assert blocked.headers["x-ratelimit-remaining"] == "0"
    clock.advance(30)
    assert api.get("/v3/sources").status_code == 200
    # the default is 50 per 30 s
    assert sb.limiter.window == 30 and sb.limiter.limit == 50


def test_errors_carry_rate_headers_and_off_means_none(greenhouse_sandbox_factory, make_api, http) -> None:
    sb = greenhouse_sandbox_factory(rate_limit=5)
    assert "x-ratelimit-limit" in http.get(sb.base_url + "/v3/jobs").headers  # a 401 too
    off = greenhouse_sandbox_factory()
    resp = make_api(off).get("/v3/jobs")
    assert resp.status_code == 200 and "x-ratelimit-limit" not in resp.headers


def test_fail_next_on_the_nth_call(api: Api) -> None:
    api.sb.fail_next("/v3/candidates", n=2, kind="503", after=1)
    assert api.get("/v3/candidates").status_code == 200
    assert api.get("/v3/candidates").status_code == 503
    assert api.get("/v3/jobs").status_code == 200
    assert api.get("/v3/candidates").status_code == 503
    assert api.get("/v3/candidates").status_code == 200
    assert api.sb.stats.faults["503"] == 2


def test_malformed_and_forced_429(api: Api) -> None:
    api.sb.fail_next("/v3/jobs", kind="malformed")
    resp = api.get("/v3/jobs")
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        resp.json()
    api.sb.fail_next("/v3/jobs", kind="429")
    resp = api.get("/v3/jobs")
    assert resp.status_code == 429 and resp.headers["retry-after"] == "2" and "x-ratelimit-reset" in resp.headers


def test_hang_times_out_the_client(api: Api) -> None:
    api.sb.fail_next("*", kind="hang", delay=2.0)
    start = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        api.get("/v3/jobs", timeout=0.5)
    assert time.monotonic() - start < 2.0
    time.sleep(1.6)  # let the hung handler finish
    assert api.get("/v3/jobs").status_code == 200


def _trace(sb_factory, make_api, spec: str) -> list[int]:
    api = make_api(sb_factory(faults=spec))
    return [api.get("/v3/sources").status_code for _ in range(40)]


def test_random_faults_are_deterministic(greenhouse_sandbox_factory, make_api) -> None:
    spec = "5xx=0.2,burst429=0.1:3,seed=5"
    a = _trace(greenhouse_sandbox_factory, make_api, spec)
    b = _trace(greenhouse_sandbox_factory, make_api, spec)
    assert a == b
    assert {500, 502, 503} & set(a) and 429 in a and 200 in a
    assert a != _trace(greenhouse_sandbox_factory, make_api, "5xx=0.2,burst429=0.1:3,seed=6")


def test_fault_spec_parsing() -> None:
    spec = FaultSpec.parse("5xx=0.1,hang=0.01:3,burst429=0.02:4,malformed=0.05,token_expiry=90,seed=3,only=/v3/jobs")
    assert spec.hang_seconds == 3 and spec.burst_length == 4 and spec.token_expiry == 90 and spec.only == ("/v3/jobs",)
    assert FaultSpec.parse(str(spec)) == spec
    for bad in ("teapot=1", "5xx=2", "5xx=0.6,500=0.6", "5xx"):
        with pytest.raises(ValueError):
            FaultSpec.parse(bad)
