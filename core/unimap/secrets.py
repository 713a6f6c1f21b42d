"""Credentials at rest: AES-256-GCM over the credentials blob, keyed by ``UNIMAP_SECRET_KEY``.

A store calls two functions: :func:`seal` before writing an integration's credentials and
:func:`unseal` after reading them.

- Without ``UNIMAP_SECRET_KEY`` credentials are stored as plain JSON (as before), and plain
  JSON is always readable, so existing stores keep working.
- With it, :func:`seal` returns a versioned envelope
  ``unimap-aesgcm:v1:<key id>:<base64url(nonce | ciphertext | tag)>``; the key id is the first
  8 hex digits of the key's SHA-256, so the right key is found during rotation.
- Rotation: put the new key in ``UNIMAP_SECRET_KEY`` and the old one(s), comma-separated, in
  ``UNIMAP_SECRET_KEY_OLD``; every envelope stays readable, and
  ``python -m unimap.secrets rotate STORE`` re-seals every integration with the new key (see
  ``docs/security.md``). ``python -m unimap.secrets generate-key`` prints a fresh key.

A key is 32 random bytes written as base64url (44 characters, padding optional).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import sys
from collections.abc import Mapping
from typing import Any

from unimap.errors import ConfigError

KEY_VAR = "UNIMAP_SECRET_KEY"
OLD_KEYS_VAR = "UNIMAP_SECRET_KEY_OLD"
PREFIX = "unimap-aesgcm:v1:"
_AAD = b"unimap credentials v1"
_NONCE = 12


def generate_key() -> str:
    """A new random key, as base64url text for ``UNIMAP_SECRET_KEY``."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _decode_key(text: str, var: str) -> bytes:
    cleaned = text.strip()
    try:
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(
            f"{var} must be 32 random bytes in base64url (44 characters); "
            f"create one with `python -m unimap.secrets generate-key`"
        )
    return raw


def key_id(key: bytes) -> str:
    """The short public id of ``key`` written into every envelope it seals."""
    return hashlib.sha256(key).hexdigest()[:8]


def _keys(environ: Mapping[str, str]) -> tuple[bytes | None, dict[str, bytes]]:
    """The sealing key (or None) and every key that may unseal, by key id."""
    current = environ.get(KEY_VAR, "").strip()
    key = _decode_key(current, KEY_VAR) if current else None
    readable = {key_id(key): key} if key else {}
    for text in environ.get(OLD_KEYS_VAR, "").split(","):
        if text.strip():
            old = _decode_key(text, OLD_KEYS_VAR)
            readable.setdefault(key_id(old), old)
    return key, readable


def _aesgcm(key: bytes) -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError:  # pragma: no cover - cryptography is a dependency
        raise ConfigError(f"{KEY_VAR} is set but the 'cryptography' package is not installed") from None
    return AESGCM(key)


def is_sealed(text: str) -> bool:
    """Whether ``text`` is an encrypted envelope (not plain JSON)."""
    return text.startswith(PREFIX)


def seal(credentials: dict[str, Any], environ: Mapping[str, str] | None = None) -> str:
    """The text to store for ``credentials``: an AES-GCM envelope when a key is set, else plain JSON."""
    key, _ = _keys(os.environ if environ is None else environ)
    plain = json.dumps(credentials, separators=(",", ":"), sort_keys=True, default=str)
    if key is None:
        return plain
    nonce = os.urandom(_NONCE)
    sealed = nonce + _aesgcm(key).encrypt(nonce, plain.encode("utf-8"), _AAD)
    return f"{PREFIX}{key_id(key)}:{base64.urlsafe_b64encode(sealed).decode('ascii')}"


def unseal(text: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The credentials stored as ``text`` (an envelope or plain JSON); :class:`ConfigError` when unreadable."""
    if not is_sealed(text):
        try:
            value = json.loads(text)
        except ValueError:
            raise ConfigError("stored credentials are neither JSON nor an unimap envelope") from None
        if not isinstance(value, dict):
            raise ConfigError("stored credentials are not a JSON object")
        return value
    _, readable = _keys(os.environ if environ is None else environ)
    kid, _, body = text[len(PREFIX) :].partition(":")
    key = readable.get(kid)
    if key is None:
        hint = f"set {KEY_VAR}" if not readable else f"none of {KEY_VAR}/{OLD_KEYS_VAR} is key {kid}"
        raise ConfigError(f"stored credentials are encrypted with key {kid}; {hint} to read them")
    try:
        sealed = base64.urlsafe_b64decode(body.encode("ascii"))
        plain = _aesgcm(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], _AAD)
        value = json.loads(plain)
    except Exception:  # InvalidTag, bad base64, bad JSON: all mean "tampered or corrupt"
        raise ConfigError(f"stored credentials (key {kid}) are corrupt or were tampered with") from None
    if not isinstance(value, dict):
        raise ConfigError("stored credentials are not a JSON object")
    return value


def needs_reseal(text: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``text`` is not sealed with the current key (plain JSON while a key is set, or an old key)."""
    key, _ = _keys(os.environ if environ is None else environ)
    if key is None:
        return False
    return not text.startswith(f"{PREFIX}{key_id(key)}:")


def rotate(store: Any) -> int:
    """Re-seal every integration of ``store`` with the current key; returns how many were saved."""
    if not os.environ.get(KEY_VAR, "").strip():
        raise ConfigError(f"set {KEY_VAR} to the new key (and {OLD_KEYS_VAR} to the old one) before rotating")
    count = 0
    for integration in store.integrations():
        store.save_integration(integration)
        count += 1
    from unimap.webhooks.store import WebhookStore  # webhook signing and inbound secrets are sealed alike

    WebhookStore(store).reseal()
    return count


def main(argv: list[str] | None = None) -> int:
    """``python -m unimap.secrets generate-key | rotate STORE_URL``."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["generate-key"] and len(args) == 1:
        print(generate_key())
        return 0
    if args[:1] == ["rotate"] and len(args) == 2:
        from unimap.store import open_store

        try:
            store = open_store(args[1])
            try:
                count = rotate(store)
            finally:
                store.close()
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"re-sealed the credentials of {count} integration(s)")
        return 0
    print("usage: python -m unimap.secrets generate-key | rotate STORE_URL", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
