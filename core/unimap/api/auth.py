"""API keys: ``uk_<id>_<secret>``, stored as a SHA-256 hash, granted a list of integrations.

Only the hash is kept; the key itself is shown once, when it is created. A key grants the
integrations listed with it, or every integration when the list is ``["*"]``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from unimap.errors import InputInvalid, IntegrationNotFound
from unimap.timeutil import utc_now

from .errors import ApiError

PREFIX = "uk"
ALL_INTEGRATIONS = "*"


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key: str) -> str | None:
    """The id inside ``uk_<id>_<secret>``, or ``None`` when the key does not have that shape."""
    parts = key.split("_")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


@dataclass
class ApiKey:
    """A stored key (without its secret)."""

    id: str
    name: str | None
    integrations: list[str] = field(default_factory=list)
    created_at: str | None = None
    revoked_at: str | None = None

    def grants(self, integration_id: str) -> bool:
        """Whether the key reaches ``integration_id``."""
        return ALL_INTEGRATIONS in self.integrations or integration_id in self.integrations

    def public(self) -> dict[str, Any]:
        """Plain data for listings."""
        return {
            "id": self.id,
            "name": self.name,
            "integrations": self.integrations,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


class KeyStore:
    """Creates, lists, revokes and verifies keys in the store's ``api_keys`` table."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def create(self, integrations: list[str], name: str | None = None) -> tuple[str, ApiKey]:
        """A new key for ``integrations`` (ids that must exist, or ``["*"]``); returns (key, record)."""
        if not integrations:
            raise InputInvalid("a key needs at least one integration (or all of them)", fields=["integrations"])
        for integration_id in integrations:
            if integration_id != ALL_INTEGRATIONS:
                self.store.integration(integration_id)  # IntegrationNotFound for unknown ids
        key_id = secrets.token_hex(6)
        key = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(24).replace('_', 'x')}"
        record = ApiKey(key_id, name, sorted(set(integrations)), utc_now())
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO api_keys (id, hash, name, integrations, created_at) VALUES (?,?,?,?,?)",
                (key_id, hash_key(key), name, json.dumps(record.integrations), record.created_at),
            )
        return key, record

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Rows of a read (under the store's connection lock, without a write transaction)."""
        with getattr(self.store, "_lock", None) or contextlib.nullcontext():
            return list(self.store.db.execute(sql, params).fetchall())

    def list(self) -> list[ApiKey]:
        """Every key, oldest first (revoked ones included)."""
        return [self._key(r) for r in self._read("SELECT * FROM api_keys ORDER BY created_at, id")]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by id (idempotent); :class:`InputInvalid` for an unknown id."""
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
            if row is None:
                raise InputInvalid(f"no API key {key_id!r}", fields=["key_id"])
            if row["revoked_at"] is None:
                db.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (utc_now(), key_id))
            row = db.execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        return self._key(row)

    def verify(self, key: str) -> ApiKey:
        """The live key record for ``key``; :class:`ApiError` (401) otherwise."""
        key_id = key_id_of(key)
        rows = self._read("SELECT * FROM api_keys WHERE id = ?", (key_id,)) if key_id is not None else []
        row = rows[0] if rows else None
        if row is None or not hmac.compare_digest(row["hash"], hash_key(key)) or row["revoked_at"] is not None:
            raise unauthorized("the API key is invalid or revoked")
        return self._key(row)

    @staticmethod
    def _key(row: Any) -> ApiKey:
        return ApiKey(
            row["id"], row["name"], json.loads(row["integrations"] or "[]"), row["created_at"], row["revoked_at"]
        )


def unauthorized(message: str) -> ApiError:
    """A 401 PLATFORM.AUTHENTICATION_INVALID error."""
    return ApiError("PLATFORM.AUTHENTICATION_INVALID", message, headers={"WWW-Authenticate": "Bearer"})


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("send the API key as `Authorization: Bearer <key>`")
    return token.strip()


def granted_integration(key: ApiKey, integration_id: str | None, store: Any) -> Any:
    """The stored :class:`~unimap.store.base.Integration` a request may use: named, existing and granted to the key."""
    if not integration_id:
        raise ApiError("PLATFORM.INTEGRATION_NOT_FOUND", "send the integration id in the X-Integration-Id header")
    if not key.grants(integration_id):
        raise IntegrationNotFound(f"no integration {integration_id!r} for this API key")
    try:
        return store.integration(integration_id)
    except IntegrationNotFound:
        raise IntegrationNotFound(f"no integration {integration_id!r} for this API key") from None
