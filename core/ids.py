"""Stable Kombo-style ids: 24 base58 characters derived from integration, model and remote id.

Syncing the same tenant into a fresh store yields the same ids, because nothing random
goes in.
"""

from __future__ import annotations

import hashlib

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
LENGTH = 24


def _base58(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 58)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def unified_id(integration_id: str, model: str, remote_id: object) -> str:
    """The unified id of ``model`` record ``remote_id`` in ``integration_id``."""
    digest = hashlib.blake2b(f"{integration_id}\x1f{model}\x1f{remote_id}".encode(), digest_size=20).digest()
    return _base58(int.from_bytes(digest, "big"), LENGTH)


def looks_like_unified_id(value: str) -> bool:
    """Whether ``value`` has the shape of a unified id."""
    return len(value) == LENGTH and all(c in ALPHABET for c in value)
