"""OAuth on the fake auth host: client credentials, authorization code + rotating refresh tokens,
the v1/v2-key transition endpoint, and HS256 JWT access tokens checked on every ``/v3`` call.

Scopes belong to the credential: each request checks the route's scope against the client's
*current* scopes (intersected with what a partner user consented to), so removing a scope bites
live tokens immediately.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

from .errors import FORBIDDEN, UNAUTHORIZED, HttpError
from .fields import RESOURCES
from .tenant import Tenant
from .timefmt import fmt

CODE_TTL = 60.0
REFRESH_TTL = 24 * 3600.0
WRITE_SCOPES = (
    "harvest:candidates:create",
    "harvest:candidates:update",
    "harvest:candidates:destroy",
    "harvest:applications:create",
    "harvest:applications:update",
    "harvest:applications:destroy",
    "harvest:applications:move",
    "harvest:applications:reject",
    "harvest:attachments:create",
    "harvest:notes:create",
    "harvest:applied_candidate_tags:create",
    "harvest:applied_candidate_tags:destroy",
    "harvest:candidate_tags:create",
    "harvest:candidate_tags:destroy",
    "harvest:webhooks:create",
    "harvest:webhooks:destroy",
)
ALL_SCOPES = frozenset({f"harvest:{res}:list" for res in RESOURCES} | {"harvest:webhooks:list"} | set(WRITE_SCOPES))


@dataclass
class Credentials:
    """What a connector is configured with: the custom (client-credentials) OAuth client and a Site Admin."""

    client_id: str
    client_secret: str
    user_id: int  # a Site Admin to send as ``sub``

    def as_dict(self) -> dict[str, Any]:
        """``{"client_id", "client_secret", "user_id"}``."""
        return {"client_id": self.client_id, "client_secret": self.client_secret, "user_id": self.user_id}


@dataclass
class Client:
    """One registered OAuth client."""

    client_id: str
    client_secret: str
    kind: str  # "custom" (client_credentials) | "partner" (authorization_code)
    scopes: set[str] = field(default_factory=lambda: set(ALL_SCOPES))


@dataclass
class Principal:
    """The verified caller of one ``/v3`` request."""

    client_id: str
    user_id: int
    claims: dict[str, Any]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def oauth_error(status: int, error: str, description: str) -> HttpError:
    """RFC 6749 error body ``{"error","error_description"}``."""
    return HttpError(status, {"error": error, "error_description": description})


def basic_auth(header: str | None) -> tuple[str, str] | None:
    """``(user, password)`` of a Basic Authorization header."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


class Auth:
    """Clients, codes, refresh tokens and JWT checks of one sandbox."""

    def __init__(self, tenant: Tenant, secret: str, clock: Callable[[], float], token_ttl: float) -> None:
        self.tenant = tenant
        self.clock = clock
        self.token_ttl = token_ttl
        self.key = hashlib.sha256(("jwt:" + secret).encode()).digest()
        self.custom = Client("gh-" + secret[:20], secret[20:52], "custom")
        self.partner = Client("gh-partner-" + secret[52:64], "p" + secret[64 - 40 : 64], "partner")
        self.clients = {c.client_id: c for c in (self.custom, self.partner)}
        self.api_key = "harvest-" + hashlib.sha256(("key:" + secret).encode()).hexdigest()[:32]
        self.transition_status: int | None = None  # 401/404 once the v1/v2 keys are sunset
        self.expire_every: float | None = None  # early-expiry fault: tokens die this many seconds after issue
        self.revoked_before = 0.0
        self._codes: dict[str, dict[str, Any]] = {}
        self._refresh: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    # -- tokens --------------------------------------------------------------------------

    def mint(
        self, client: Client, user_id: int, scopes: set[str] | None = None, ttl: float | None = None
    ) -> tuple[str, float]:
        """A signed access token and its expiry (epoch seconds)."""
        now = self.clock()
        exp = now + (self.token_ttl if ttl is None else ttl)
        claims: dict[str, Any] = {
            "iss": "greenhouse-sandbox",
            "sub": str(user_id),
            "client_id": client.client_id,
            "iat": now,
            "exp": exp,
            "jti": secrets.token_hex(8),
        }
        if scopes is not None:
            claims["scope"] = " ".join(sorted(scopes))
        head = _b64(b'{"alg":"HS256","typ":"JWT"}')
        body = _b64(orjson.dumps(claims))
        sig = _b64(hmac.new(self.key, f"{head}.{body}".encode(), hashlib.sha256).digest())
        return f"{head}.{body}.{sig}", exp

    def verify(self, header: str | None) -> Principal:
        """The caller of a ``/v3`` request; 401 for a missing, bad or expired bearer token."""
        if not header or not header.lower().startswith("bearer "):
            raise HttpError(401, UNAUTHORIZED)
        token = header[7:].strip()
        parts = token.split(".")
        if len(parts) != 3:
            raise HttpError(401, UNAUTHORIZED)
        expected = _b64(hmac.new(self.key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, parts[2]):
            raise HttpError(401, UNAUTHORIZED)
        claims = orjson.loads(_unb64(parts[1]))
        now = self.clock()
        if now >= claims["exp"] or claims["iat"] < self.revoked_before:
            raise HttpError(401, UNAUTHORIZED)
        if self.expire_every is not None and now - claims["iat"] >= self.expire_every:
            raise HttpError(401, UNAUTHORIZED)
        if claims["client_id"] not in self.clients:
            raise HttpError(401, UNAUTHORIZED)
        return Principal(claims["client_id"], int(claims["sub"]), claims)

    def authorize(self, principal: Principal, scope: str, is_list: bool) -> None:
        """403 unless the caller holds ``scope`` now (and, for lists, acts as a Site Admin)."""
        client = self.clients[principal.client_id]
        granted = client.scopes
        if "scope" in principal.claims:
            granted = granted & set(principal.claims["scope"].split())
        if scope not in granted:
            raise HttpError(403, FORBIDDEN)
        if is_list:
            user = self.tenant.get("users", principal.user_id)
            if user is None or user["deactivated"] or not user["site_admin"]:
                raise HttpError(403, FORBIDDEN)

    def expire_all(self) -> None:
        """Every access token issued so far is expired from now on."""
        self.revoked_before = self.clock() + 1e-6

    # -- the /token endpoint -------------------------------------------------------------

    def token(self, headers: dict[str, str], query: str, body: bytes) -> dict[str, Any]:
        """``POST /token``: every grant; parameters from the form body or the query string."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        ctype = headers.get("content-type", "")
        if body:
            if "json" in ctype:
                try:
                    loaded = orjson.loads(body)
                except orjson.JSONDecodeError:
                    raise oauth_error(400, "invalid_request", "the body is not valid JSON") from None
                params.update({k: str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {})
            else:
                params.update(dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)))
        basic = basic_auth(headers.get("authorization"))
        client_id, secret = basic if basic else (params.get("client_id", ""), params.get("client_secret", ""))
        client = self.clients.get(client_id)
        if client is None or not hmac.compare_digest(client.client_secret, secret):
            raise HttpError(401, {"error": "invalid_client", "error_description": "client authentication failed"})
        grant = params.get("grant_type")
        if grant == "client_credentials":
            return self._client_credentials(client, params)
        if grant == "authorization_code":
            return self._authorization_code(client, params)
        if grant == "refresh_token":
            return self._refresh_grant(client, params)
        if not grant:
            raise oauth_error(400, "invalid_request", "grant_type is required")
        raise oauth_error(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def _check_user(self, raw: Any) -> int:
        try:
            uid = int(raw)
        except (TypeError, ValueError):
            raise oauth_error(400, "invalid_request", "sub must be a Greenhouse user id") from None
        user = self.tenant.get("users", uid)
        if user is None or user["deactivated"]:
            raise oauth_error(400, "invalid_grant", f"user {raw} does not exist or is deactivated")
        return uid

    def _client_credentials(self, client: Client, params: dict[str, str]) -> dict[str, Any]:
        if client.kind != "custom":
            raise oauth_error(400, "unauthorized_client", "partner clients cannot use client_credentials")
        sub = params.get("sub")
        uid = self._check_user(sub) if sub not in (None, "") else self.tenant.service_user_id
        token, exp = self.mint(client, uid)
        return {"token_type": "Bearer", "access_token": token, "expires_at": fmt(exp)}

    def issue_code(
        self,
        user_id: int | None = None,
        redirect_uri: str = "http://127.0.0.1/callback",
        scopes: set[str] | None = None,
    ) -> str:
        """An authorization code for the partner client, as if the user had consented (valid 60 s)."""
        uid = self.tenant.site_admin_id if user_id is None else user_id
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = {
                "user_id": uid,
                "redirect_uri": redirect_uri,
                "exp": self.clock() + CODE_TTL,
                "scopes": sorted(scopes if scopes is not None else self.partner.scopes),
            }
        return code

    def _tokens_for(self, client: Client, user_id: int, scopes: list[str]) -> dict[str, Any]:
        token, exp = self.mint(client, user_id, set(scopes))
        refresh = secrets.token_urlsafe(24)
        with self._lock:
            self._refresh[refresh] = {
                "user_id": user_id,
                "scopes": scopes,
                "exp": self.clock() + REFRESH_TTL,
                "client_id": client.client_id,
            }
        return {
            "token_type": "Bearer",
            "access_token": token,
            "expires_at": fmt(exp),
            "refresh_token": refresh,
            "refresh_token_expires_at": fmt(self.clock() + REFRESH_TTL),
            "scope": " ".join(scopes),
        }

    def _authorization_code(self, client: Client, params: dict[str, str]) -> dict[str, Any]:
        if client.kind != "partner":
            raise oauth_error(400, "unauthorized_client", "this client may only use client_credentials")
        code = params.get("code")
        if not code:
            raise oauth_error(400, "invalid_request", "code is required")
        with self._lock:
            entry = self._codes.pop(code, None)
        if entry is None or self.clock() >= entry["exp"]:
            raise oauth_error(400, "invalid_grant", "the authorization code is invalid, used or expired")
        if params.get("redirect_uri") != entry["redirect_uri"]:
            raise oauth_error(400, "invalid_grant", "redirect_uri does not match the authorization request")
        return self._tokens_for(client, entry["user_id"], entry["scopes"])

    def _refresh_grant(self, client: Client, params: dict[str, str]) -> dict[str, Any]:
        if client.kind != "partner":
            raise oauth_error(400, "unauthorized_client", "this client may only use client_credentials")
        old = params.get("refresh_token")
        if not old:
            raise oauth_error(400, "invalid_request", "refresh_token is required")
        with self._lock:
            entry = self._refresh.pop(old, None)  # rotation: every refresh token works once
        if entry is None or entry["client_id"] != client.client_id or self.clock() >= entry["exp"]:
            raise oauth_error(400, "invalid_grant", "the refresh token is invalid, already used or expired")
        return self._tokens_for(client, entry["user_id"], entry["scopes"])

    # -- the transition endpoint ---------------------------------------------------------

    def transition(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        """``POST /auth/token`` on the API host: a v1/v2 key (Basic ``key:``) for a JWT."""
        if self.transition_status is not None:
            raise HttpError(
                self.transition_status, UNAUTHORIZED if self.transition_status == 401 else {"message": "Not Found"}
            )
        basic = basic_auth(headers.get("authorization"))
        if basic is None or not hmac.compare_digest(basic[0], self.api_key):
            raise HttpError(401, UNAUTHORIZED)
        uid = self.tenant.service_user_id
        if body.strip():
            try:
                loaded = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise HttpError(400, {"message": "the body is not valid JSON"}) from None
            if isinstance(loaded, dict) and loaded.get("sub") is not None:
                try:
                    uid = self._check_user(loaded["sub"])
                except HttpError:
                    raise HttpError(401, UNAUTHORIZED) from None
        token, exp = self.mint(self.custom, uid)
        return {"token_type": "Bearer", "access_token": token, "expires": fmt(exp)}
