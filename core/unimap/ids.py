"""Stable Kombo-style ids: 24 base58 characters derived from integration, model and remote id.

Syncing the same tenant into a fresh store yields the same ids, because nothing random
goes in. Each character is one digest byte mapped onto the base58 alphabet (a translation
table, so an id costs well under a microsecond).
"""

from __future__ import annotations

import hashlib

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
LENGTH = 24
_TABLE = bytes(ALPHABET[i % 58].encode()[0] for i in range(256))


def unified_id(integration_id: str, model: str, remote_id: object) -> str:
    """The unified id of ``model`` record ``remote_id`` in ``integration_id``."""
    digest = hashlib.blake2b(f"{integration_id}\x1f{model}\x1f{remote_id}".encode(), digest_size=LENGTH).digest()
    return digest.translate(_TABLE).decode("ascii")


def looks_like_unified_id(value: str) -> bool:
    """Whether ``value`` has the shape of a unified id."""
    return len(value) == LENGTH and all(c in ALPHABET for c in value)
