"""Listed records rendered from their stored JSON text: spliced, never parsed and re-encoded.

A stored record is its unified JSON object (``data``, UTF-8 bytes), the engine's columns and the
vendor's ``remote_data`` text. :func:`render` closes the object with the engine's keys, the ``remote_data``
text as stored and the nested objects the :class:`~unimap.assemble.Assembler` adds, and returns an
``orjson.Fragment`` that ``orjson.dumps`` copies into the response as it is. The bytes are those
``orjson.dumps`` gives for the parsed-and-assembled record (the same keys in the same order): an
addition whose key the stored object already has at its top level (which only a plugin could
cause) falls back to parsing ``data`` (``remote_data`` still unparsed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from unimap.assemble import Additions, add
from unimap.store.base import StoredRecord


@dataclass
class FragmentPage:
    """One page of a listing as JSON fragments, and the opaque cursor of the next page (or ``None``)."""

    results: list[orjson.Fragment]
    next: str | None


#: (content hash, keys found in the text) → which of them are top-level keys; bounded
_TOP_LEVEL: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
_TOP_LEVEL_MAX = 200_000


def _top_level(record: StoredRecord, keys: tuple[str, ...]) -> frozenset[str]:
    """Which of ``keys`` (found somewhere in the text) the stored object has at its top level."""
    cache_key = (record.hash, keys)
    found = _TOP_LEVEL.get(cache_key)
    if found is None:
        data = orjson.loads(record.data)
        found = frozenset(k for k in keys if k in data)
        if len(_TOP_LEVEL) >= _TOP_LEVEL_MAX:
            _TOP_LEVEL.clear()
        _TOP_LEVEL[cache_key] = found
    return found


def _engine(record: StoredRecord) -> dict[str, Any]:
    """The engine's keys of a listed record (``remote_data`` as stored, unparsed)."""
    return {
        "changed_at": record.changed_at,
        "remote_deleted_at": record.remote_deleted_at,
        "remote_data": orjson.Fragment(record.remote_data) if record.remote_data else None,
    }


def render(record: StoredRecord, additions: Additions) -> orjson.Fragment:
    """One listed record as JSON: the stored object closed with engine keys, ``remote_data`` and ``additions``."""
    data = record.data
    if len(data) < 3 or data[-1:] != b"}":  # "{}" or not our compact text: go through a dict
        return orjson.Fragment(orjson.dumps(add({**orjson.loads(data), **_engine(record)}, additions)))
    maybe = tuple(key for key, _, _ in additions if b'"%s"' % key.encode() in data)  # as a key or a value
    if maybe:
        top = _top_level(record, maybe)
        if any(replace and key in top for key, _, replace in additions):  # replaced where it is: via a dict
            return orjson.Fragment(orjson.dumps(add({**orjson.loads(data), **_engine(record)}, additions)))
        additions = [a for a in additions if a[0] not in top]  # kept where they are, as stored
    tail = orjson.dumps(add(_engine(record), additions))  # {"changed_at":…} spliced after the stored keys
    return orjson.Fragment(b"".join((data[:-1], b",", tail[1:])))


def render_page(records: list[StoredRecord], additions: list[Additions]) -> list[orjson.Fragment]:
    """Every record of a page (see :func:`render`)."""
    return [render(r, a) for r, a in zip(records, additions, strict=True)]
