"""§9.1–9.5: the token endpoint, partner grants, the transition endpoint, 401s and 403s."""

from __future__ import annotations

import base64
from datetime import datetime

import httpx

from unimap_connectors.greenhouse.sandbox import Sandbox

from .conftest import Api, FakeClock


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _claims(token: str) -> dict:
    import json

    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_client_credentials_with_sub(greenhouse_sandbox_factory, http: httpx.Client, clock: FakeClock) -> None:
    sb = greenhouse_sandbox_factory(clock=clock)
    c = sb.credentials
    resp = http.post(
        sb.token_url,
        headers=_basic(c.client_id, c.client_secret),
        data={"grant_type": "client_credentials", "sub": str(c.user_id)},
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "Bearer" and set(body) == {"token_type", "access_token", "expires_at"}
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")).timestamp()
    assert abs(expires - (clock.t + 3600)) < 1
    assert _claims(body["access_token"])["sub"] == str(c.user_id)
    assert sb.stats.token_requests["client_credentials"] == 1


def test_client_credentials_without_sub_is_the_service_user(greenhouse_sandbox: Sandbox, http: httpx.Client) -> None:
    c = greenhouse_sandbox.credentials
    resp = http.post(
        greenhouse_sandbox.token_url, auth=(c.client_id, c.client_secret), data={"grant_type": "client_credentials"}
    )
    token = resp.json()["access_token"]
    assert _claims(token)["sub"] == str(greenhouse_sandbox.tenant.service_user_id)
    users = http.get(greenhouse_sandbox.base_url + "/v3/users", headers={"Authorization": f"Bearer {token}"})
    assert users.status_code == 200  # the service user has org-wide access


def test_token_errors(greenhouse_sandbox: Sandbox, http: httpx.Client) -> None:
    sb = greenhouse_sandbox
    c = sb.credentials
    bad = http.post(sb.token_url, auth=(c.client_id, "wrong"), data={"grant_type": "client_credentials"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    nobody = http.post(sb.token_url, data={"grant_type": "client_credentials"})
    assert nobody.status_code == 401 and nobody.json()["error"] == "invalid_client"
    grant = http.post(sb.token_url, auth=(c.client_id, c.client_secret), data={"grant_type": "password"})
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    ghost = http.post(
        sb.token_url, auth=(c.client_id, c.client_secret), data={"grant_type": "client_credentials", "sub": "1"}
    )
    assert ghost.status_code == 400 and ghost.json()["error"] == "invalid_grant"
    # scopes come from the credential: a requested scope changes nothing
    scoped = http.post(
        sb.token_url,
        auth=(c.client_id, c.client_secret),
        data={"grant_type": "client_credentials", "scope": "harvest:jobs:list"},
    )
    token = scoped.json()["access_token"]
    assert "scope" not in _claims(token)
    assert http.get(sb.base_url + "/v3/candidates", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_partner_authorization_code_and_rotating_refresh(
    greenhouse_sandbox_factory, http: httpx.Client, clock: FakeClock
) -> None:
    sb = greenhouse_sandbox_factory(clock=clock)
    p = sb.partner_credentials
    redirect = "http://127.0.0.1:9/callback"
    consent = http.get(
        sb.authorize_url,
        params={
            "client_id": p.client_id,
            "redirect_uri": redirect,
            "response_type": "code",
            "state": "xyz",
            "scope": "harvest:candidates:list harvest:jobs:list",
        },
    )
    assert consent.status_code == 302
    location = httpx.URL(consent.headers["location"])
    assert location.params["state"] == "xyz"
    code = location.params["code"]
    # parameters in the query string work as well as in the body
    first = http.post(
        sb.token_url,
        auth=(p.client_id, p.client_secret),
        params={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
    )
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert {"access_token", "refresh_token", "expires_at"} <= set(tokens)
    h = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert http.get(sb.base_url + "/v3/candidates", headers=h).status_code == 200
    assert http.get(sb.base_url + "/v3/users", headers=h).status_code == 403  # not consented
    again = http.post(
        sb.token_url,
        auth=(p.client_id, p.client_secret),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    second = http.post(
        sb.token_url,
        auth=(p.client_id, p.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert second.status_code == 200
    assert second.json()["refresh_token"] != tokens["refresh_token"]
    reused = http.post(
        sb.token_url,
        auth=(p.client_id, p.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    clock.advance(24 * 3600 + 1)
    stale = http.post(
        sb.token_url,
        auth=(p.client_id, p.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": second.json()["refresh_token"]},
    )
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"
    # partners cannot use client credentials; the custom client cannot use codes
    cc = http.post(sb.token_url, auth=(p.client_id, p.client_secret), data={"grant_type": "client_credentials"})
    assert cc.status_code == 400 and cc.json()["error"] == "unauthorized_client"


def test_authorization_code_lives_60_seconds(greenhouse_sandbox_factory, http: httpx.Client, clock: FakeClock) -> None:
    sb = greenhouse_sandbox_factory(clock=clock)
    p = sb.partner_credentials
    code = sb.issue_auth_code(redirect_uri="http://127.0.0.1/cb")
    clock.advance(61)
    resp = http.post(
        sb.token_url,
        auth=(p.client_id, p.client_secret),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1/cb"},
    )
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_transition_endpoint_and_sunset(greenhouse_sandbox: Sandbox, http: httpx.Client) -> None:
    sb = greenhouse_sandbox
    url = sb.base_url + "/auth/token"
    ok = http.post(url, auth=(sb.api_key, ""), json={"sub": sb.credentials.user_id})
    assert ok.status_code == 200
    body = ok.json()
    assert set(body) == {"token_type", "access_token", "expires"}
    assert (
        http.get(sb.base_url + "/v3/jobs", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code
        == 200
    )
    assert http.post(url, auth=("not-a-key", "")).status_code == 401
    sb.set_transition_sunset(404)
    assert http.post(url, auth=(sb.api_key, "")).status_code == 404
    sb.set_transition_sunset(401)
    assert http.post(url, auth=(sb.api_key, "")).status_code == 401


def test_bearer_missing_bad_or_expired_is_401(
    greenhouse_sandbox_factory, http: httpx.Client, clock: FakeClock, make_api
) -> None:
    sb = greenhouse_sandbox_factory(clock=clock)
    url = sb.base_url + "/v3/candidates"
    assert http.get(url).status_code == 401
    assert http.get(url).json() == {"message": "Unauthorized"}
    assert http.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    api: Api = make_api(sb)
    tampered = api.token[:-2] + ("AA" if not api.token.endswith("AA") else "BB")
    assert http.get(url, headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    assert api.get("/v3/candidates").status_code == 200
    clock.advance(3601)
    assert api.get("/v3/candidates").status_code == 401


def test_early_token_expiry_fault(greenhouse_sandbox_factory, clock: FakeClock, make_api) -> None:
    sb = greenhouse_sandbox_factory(clock=clock, faults="token_expiry=120")
    api: Api = make_api(sb)
    assert api.get("/v3/jobs").status_code == 200
    clock.advance(121)
    assert api.get("/v3/jobs").status_code == 401
    api.token = api.fetch_token()
    assert api.get("/v3/jobs").status_code == 200
    sb.expire_tokens()
    assert api.get("/v3/jobs").status_code == 401


def test_scopes_and_site_admin(greenhouse_sandbox: Sandbox, make_api) -> None:
    sb = greenhouse_sandbox
    api: Api = make_api(sb)
    assert api.get("/v3/candidates").status_code == 200
    sb.remove_scope("harvest:candidates:list")
    denied = api.get("/v3/candidates")  # same live token
    assert denied.status_code == 403 and denied.json() == {"message": "Forbidden"}
    assert api.get("/v3/jobs").status_code == 200
    sb.add_scope("harvest:candidates:list")
    assert api.get("/v3/candidates").status_code == 200
    sb.remove_scope("harvest:notes:create")
    cand = api.rows("candidates", per_page=1)[0]
    note = {"candidate_id": cand["id"], "body": "x", "note_type": "NOTE", "visibility": "public"}
    assert api.post("/v3/notes", note).status_code == 403
    basic = make_api(sb, token=api.fetch_token(sub=sb.tenant.basic_user_id))
    assert basic.get("/v3/candidates").status_code == 403  # not a Site Admin
    sb.add_scope("harvest:notes:create")
    assert basic.post("/v3/notes", note).status_code == 201  # writes do not need a Site Admin
