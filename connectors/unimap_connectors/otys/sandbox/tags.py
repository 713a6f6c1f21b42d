"""The tenant's tag catalogue and how candidate ``Tags`` writes resolve against it.

A candidate's ``Tags`` entries are ``{uid, tag}`` where ``uid`` is the catalogue's tag id
(``CandidateService.getOptionLists(["Tags"])`` lists the catalogue). A write names a tag by
``uid`` or by ``tag`` (its name, matched case-insensitively); a new name creates a catalogue
entry (the sandbox's reading of OTYS, see docs/otys-sandbox.md). Recruiters rename and delete
tags through the test API (``Tenant.add_tag`` / ``rename_tag`` / ``delete_tag``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from .errors import validation


class TagCatalogue:
    """Tag id → name, ids handed out one above the highest ever used."""

    def __init__(self, initial: dict[int, str]) -> None:
        self.names: dict[int, str] = dict(sorted(initial.items()))
        self._top = max(self.names, default=0)
        self.lock = threading.RLock()

    def options(self) -> dict[str, str]:
        """The option list as OTYS sends it: ``{"<uid>": name}`` in uid order."""
        with self.lock:
            return {str(uid): name for uid, name in sorted(self.names.items())}

    def find(self, name: str) -> int | None:
        """The uid of a tag named ``name`` (case-insensitive, trimmed), or None."""
        wanted = name.strip().casefold()
        with self.lock:
            return next((uid for uid, n in self.names.items() if n.casefold() == wanted), None)

    def add(self, name: str) -> int:
        """The uid of tag ``name``, created when the catalogue has none of that name."""
        name = name.strip()
        if not name:
            raise validation("a tag needs a non-empty name")
        with self.lock:
            found = self.find(name)
            if found is not None:
                return found
            self._top += 1
            self.names[self._top] = name
            return self._top

    def rename(self, uid: int, name: str) -> None:
        with self.lock:
            if uid not in self.names:
                raise KeyError(f"no tag {uid!r}")
            self.names[uid] = name

    def remove(self, uid: int) -> None:
        with self.lock:
            del self.names[uid]

    def entry(self, item: Any, path: str) -> dict[str, Any]:
        """A write's tag item (``{uid}``, ``{tag}`` or both) as a catalogue entry ``{uid, tag}``."""
        if not isinstance(item, dict):
            raise validation(f"'{path}' items must be objects with a uid or a tag name")
        uid, name = item.get("uid"), item.get("tag")
        if uid not in (None, ""):
            try:
                key = int(uid)
            except (TypeError, ValueError):
                raise validation(f"'{path}': tag uid {uid!r} is not an integer") from None
            with self.lock:
                if key not in self.names:
                    raise validation(f"'{path}': tag uid {uid!r} is not in the tag list")
                return {"uid": key, "tag": self.names[key]}
        if not isinstance(name, str):
            raise validation(f"'{path}' items need a uid or a tag name")
        key = self.add(name)
        return {"uid": key, "tag": self.names[key]}


def _uids(entries: Iterable[Any]) -> set[int]:
    return {e["uid"] for e in entries if isinstance(e, dict) and isinstance(e.get("uid"), int)}


def resolve_tags_write(catalogue: TagCatalogue, data: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """``data`` with its ``Tags`` items resolved to catalogue entries; a tag already carried is not added twice."""
    value = data.get("Tags")
    if value is None:
        return data
    if isinstance(value, list):
        entries, seen = [], set()
        for n, item in enumerate(value):
            e = catalogue.entry(item, f"Tags[{n}]")
            if e["uid"] not in seen:
                seen.add(e["uid"])
                entries.append(e)
        return {**data, "Tags": entries}
    if isinstance(value, dict) and "ADD" in value:
        adds = value["ADD"] if isinstance(value["ADD"], list) else [value["ADD"]]
        dels = value.get("DELETE")
        kept = _uids((current or {}).get("Tags") or [])
        if dels is not None and not dels:  # "DELETE": [] empties the list first
            kept = set()
        elif dels:
            kept -= {int(x) for x in (dels if isinstance(dels, list) else [dels]) if str(x).lstrip("-").isdigit()}
        fresh = []
        for item in adds:
            e = catalogue.entry(item, "Tags.ADD")
            if e["uid"] not in kept:
                kept.add(e["uid"])
                fresh.append(e)
        return {**data, "Tags": {**value, "ADD": fresh}}
    return data


def drop_tag(records: Iterable[dict[str, Any]], uid: int) -> list[dict[str, Any]]:
    """Copies of the records carrying tag ``uid``, without it."""
    return [
        {**rec, "Tags": [t for t in rec["Tags"] if t.get("uid") != uid]}
        for rec in records
        if uid in _uids(rec.get("Tags") or [])
    ]


def renamed_tag(records: Iterable[dict[str, Any]], uid: int, name: str) -> list[dict[str, Any]]:
    """Copies of the records carrying tag ``uid``, with its new name."""
    return [
        {**rec, "Tags": [{**t, "tag": name} if t.get("uid") == uid else t for t in rec["Tags"]]}
        for rec in records
        if uid in _uids(rec.get("Tags") or [])
    ]
