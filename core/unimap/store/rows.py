"""What every store writes and pages by, whatever its database: a mapped record's texts and hash,
records prepared in a mapping process, and the opaque list cursors."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

import orjson

from unimap.errors import InputInvalid

__all__ = [
    "ENGINE_KEYS",
    "PreparedRecord",
    "content_hash",
    "content_of",
    "decode_cursor",
    "dumps_text",
    "encode_cursor",
    "prepared",
    "prepared_record",
    "record_hash",
    "stored_row",
]

ENGINE_KEYS = ("changed_at", "remote_deleted_at", "remote_data")
_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def record_hash(record: dict[str, Any]) -> str:
    """Hash of a record's unified content (engine keys excluded)."""
    return content_hash(content_of(record))


def content_of(record: dict[str, Any]) -> dict[str, Any]:
    """A record's unified content: the record without the engine's keys (in the record's key order)."""
    content = record.copy()  # a copy and three pops beat a comprehension over every key
    for key in ENGINE_KEYS:
        content.pop(key, None)
    return content


def content_hash(content: dict[str, Any]) -> str:
    """Hash of unified content (key order does not matter)."""
    return hashlib.blake2b(orjson.dumps(content, default=str, option=_SORTED), digest_size=16).hexdigest()


class PreparedRecord(dict[str, Any]):
    """A mapped record reduced to its ``id`` and ``remote_id``, with the texts to store already
    computed (``stored``: hash, data, remote_data), e.g. by a mapping process. :meth:`full` is the record."""

    __slots__ = ("stored",)
    stored: tuple[str, str, str]

    def full(self) -> dict[str, Any]:
        """The whole mapped record again (its data with its ``remote_data``)."""
        record: dict[str, Any] = orjson.loads(self.stored[1])
        record["remote_data"] = orjson.loads(self.stored[2])
        return record


def prepared(record: dict[str, Any]) -> tuple[str, Any, str, str, str]:
    """``(id, remote id, hash, data, remote_data)`` of a mapped record: what :class:`PreparedRecord` holds."""
    digest, data, raw = stored_row(record)
    return record["id"], record.get("remote_id"), digest, data, raw


def prepared_record(row: tuple[str, Any, str, str, str]) -> PreparedRecord:
    """The :class:`PreparedRecord` of a :func:`prepared` row."""
    record = PreparedRecord(id=row[0], remote_id=row[1])
    record.stored = row[2:]
    return record


def stored_row(record: dict[str, Any]) -> tuple[str, str, str]:
    """``(hash, data, remote_data)`` to store for a mapped record, each computed once.

    ``remote_data`` given as JSON text (``bytes`` or an ``orjson.Fragment``, as the vendor sent it) is
    stored as those bytes, without parsing; anything else is encoded. A :class:`PreparedRecord`'s
    texts are used as they are.
    """
    if type(record) is PreparedRecord:
        return record.stored
    content = content_of(record)
    raw = record.get("remote_data")
    text = bytes(raw).decode() if isinstance(raw, bytes | bytearray | memoryview) else dumps_text(raw)
    return content_hash(content), dumps_text(content), text


def dumps_text(value: Any) -> str:
    """``value`` as compact JSON text (non-text keys allowed, unknown types as their ``str``)."""
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def encode_cursor(rowid: int) -> str:
    """An opaque cursor for the row after ``rowid``."""
    return base64.urlsafe_b64encode(dumps_text({"after": rowid}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The rowid a cursor points after; :class:`InputInvalid` for a cursor we did not issue."""
    problem = InputInvalid(f"invalid cursor {str(cursor)[:40]!r}", fields=["cursor"])
    if not isinstance(cursor, str) or len(cursor) > 200:
        raise problem
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, binascii.Error, RecursionError):
        raise problem from None
    after = value.get("after") if isinstance(value, dict) else None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        raise problem  # 1e400, "many", true, -1 and 2**64 are not cursors we issue
    return after
