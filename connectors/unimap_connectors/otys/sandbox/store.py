"""Tenant state: the records of every service, uploaded files, cached selections.

Records are treated as immutable once stored: every write builds a new dict and swaps it in,
so a response being serialised outside the lock never sees a half-applied change. The same
object doubles as the inspection/mutation handle tests get as ``Sandbox.tenant``.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from . import catalogue as cat
from . import rules
from .errors import RpcError, not_found
from .generator import TenantData
from .query import Compiler, index_hint
from .schema import ServiceSchema, build_schemas
from .settings import SandboxSettings
from .tags import TagCatalogue, drop_tag, renamed_tag
from .timefmt import Clockface
from .writes import Merger

Record = dict[str, Any]
Listener = Callable[[str, str, Any, Any], None]


def clone(value: Any) -> Any:
    """A deep copy of plain JSON data (dicts, lists, scalars); faster than ``copy.deepcopy``."""
    if type(value) is dict:
        return {k: clone(v) for k, v in value.items()}
    if type(value) is list:
        return [clone(v) for v in value]
    return value


def keyset_bound(condition: Any, sort: Any) -> tuple[Any, dict[str, Any]] | None:
    """(the condition without it, the bound) when a query asks for rows past a value of the one
    field it sorts ascending by — a ``GT`` leaf alone or as one item of an ``AND``."""
    if not isinstance(sort, dict) or len(sort) != 1:
        return None
    ((field, direction),) = sort.items()
    if not isinstance(direction, str) or direction.upper() != "ASC":
        return None

    def is_bound(node: Any) -> bool:
        return (
            isinstance(node, dict)
            and str(node.get("type", "COND")).upper() == "COND"
            and node.get("field") == field
            and str(node.get("op", "EQ")).upper() == "GT"
        )

    if is_bound(condition):
        return None, condition
    if not isinstance(condition, dict) or str(condition.get("type", "")).upper() != "AND":
        return None
    items = condition.get("items")
    bounds = [item for item in items if is_bound(item)] if isinstance(items, list) else []
    if len(bounds) != 1:
        return None
    rest = [item for item in items if item is not bounds[0]]
    return ({**condition, "items": rest} if rest else None), bounds[0]


class Collection:
    """The records of one service, in uid order, with lazily built equality indexes."""

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema
        self.records: dict[Any, Record] = {}
        self.gen = 0  # bumped on every write; cached selections of an older gen are stale
        self._keys: list[Any] | None = None
        self._ordered: tuple[int, list[Record]] | None = None
        self._indexes: dict[str, tuple[int, dict[str, list[Record]]]] = {}
        self._top_internal: int | None = None

    def next_internal_id(self) -> int:
        """The next ``internalId`` (one above the highest ever seen)."""
        if self._top_internal is None:
            self._top_internal = max((r.get("internalId") or 0 for r in self.records.values()), default=0)
        self._top_internal += 1
        return self._top_internal

    def key(self, uid: Any) -> Any:
        """Storage key of a uid as a client may send it (int services accept "12")."""
        if self.schema.uid_kind == "int":
            if isinstance(uid, bool):
                raise ValueError(uid)
            if isinstance(uid, int):
                return uid
            if isinstance(uid, str) and uid.strip().lstrip("-").isdigit():
                return int(uid)
            raise ValueError(uid)
        if isinstance(uid, str):
            return uid.strip().lower()
        if isinstance(uid, int) and not isinstance(uid, bool):
            return str(uid)
        raise ValueError(uid)

    def put(self, rec: Record, *, new: bool) -> None:
        self.records[rec["uid"]] = rec
        self.gen += 1
        if new:
            self._keys = None

    def remove(self, key: Any) -> None:
        del self.records[key]
        self.gen += 1
        self._keys = None

    def ordered(self) -> list[Record]:
        """All records sorted by uid (the stable base order of every selection)."""
        if self._ordered is not None and self._ordered[0] == self.gen:
            return self._ordered[1]
        if self._keys is None:
            self._keys = sorted(self.records)
        rows = [self.records[k] for k in self._keys]
        self._ordered = (self.gen, rows)
        return rows

    def bucket(self, field: str, value: str) -> list[Record]:
        """Records whose ``field`` equals ``value`` (case-insensitive), in uid order."""
        got = self._indexes.get(field)
        if got is None or got[0] != self.gen:
            index: dict[str, list[Record]] = {}
            for rec in self.ordered():
                val = rec.get(field)
                if val is not None:
                    index.setdefault(str(val).lower(), []).append(rec)
            got = (self.gen, index)
            self._indexes[field] = got
        return got[1].get(value.lower(), [])


def initial_tags(data: TenantData) -> dict[int, str]:
    """The seeded tag catalogue plus every tag the generated candidates carry."""
    tags = dict(cat.TAGS)
    for rec in data.records.get("CandidateService", []):
        for t in rec.get("Tags") or []:
            if isinstance(t, dict) and isinstance(t.get("uid"), int) and t["uid"] not in tags:
                tags[t["uid"]] = str(t.get("tag") or "")
    return tags


class Tenant:
    """One OTYS tenant's data plus the mutation API used by tests and the RPC services."""

    def __init__(self, data: TenantData, settings: SandboxSettings) -> None:
        self.settings = settings
        self.seed = data.seed
        self.api_key = data.api_key
        self.api_user_uid = data.api_user_uid
        self.clock = Clockface(
            settings.timezone, settings.datetime_format, settings.date_format, settings.datetime_offset
        )
        self.schemas = build_schemas(settings)
        self.collections = {name: Collection(sc) for name, sc in self.schemas.items()}
        self.compilers = {name: Compiler(name, sc.fields, self.clock) for name, sc in self.schemas.items()}
        self.mergers = {name: Merger(name, self.clock, strict=settings.strict_writes) for name in self.schemas}
        self.files: dict[str, dict[str, Any]] = dict(data.files)
        self.lock = threading.RLock()
        self.listeners: list[Listener] = []
        self._uid_rng = random.Random(f"otys-sandbox:{data.seed}:runtime-uids")
        self._cache: OrderedDict[tuple[str, str, str], tuple[int, list[Record]]] = OrderedDict()
        for name, rows in data.records.items():
            coll = self.collections[name]
            for rec in rows:
                coll.records[rec["uid"]] = rec
        self.tags = TagCatalogue(initial_tags(data))

    # -- lookup --------------------------------------------------------------------------

    def collection(self, service: str) -> Collection:
        """The collection of a service name (``KeyError`` for an unknown one)."""
        try:
            return self.collections[service]
        except KeyError:
            raise KeyError(f"unknown service {service!r}; known: {', '.join(sorted(self.collections))}") from None

    def find(self, service: str, uid: Any) -> Record:
        """The stored record (not a copy) or ``not_found``."""
        coll = self.collection(service)
        try:
            key = coll.key(uid)
        except ValueError:
            raise not_found(service, uid) from None
        rec = coll.records.get(key)
        if rec is None:
            raise not_found(service, uid)
        return rec

    def exists(self, service: str, uid: Any) -> bool:
        """True when ``uid`` names a record of ``service``."""
        try:
            self.find(service, uid)
        except RpcError:
            return False
        return True

    def select(self, service: str, condition: Any, sort: Any) -> list[Record]:
        """Filtered and sorted records; cached per (service, condition, sort) until a write.

        A keyset page (``uid GT last`` sorted by uid ascending) is the cached selection without
        that bound, cut where the bound starts to hold: each page costs a bisection, not a scan
        of the tenant, so paging through N records stays linear as on a real server.
        """
        keyset = keyset_bound(condition, sort)
        if keyset is not None:
            rest, bound = keyset
            rows = self.select(service, rest, sort)
            past = self.compilers[service].condition(bound)
            assert past is not None  # a COND leaf always compiles to a predicate
            return rows[bisect.bisect_left(rows, True, key=past) :]
        coll = self.collection(service)
        try:
            ckey = (service, json.dumps(condition, sort_keys=True, default=str), json.dumps(sort, default=str))
        except (TypeError, ValueError):
            ckey = (service, repr(condition), repr(sort))
        hit = self._cache.get(ckey)
        if hit is not None and hit[0] == coll.gen:
            self._cache.move_to_end(ckey)
            return hit[1]
        comp = self.compilers[service]
        pred = comp.condition(condition)
        keys = comp.sort(sort)
        hint = index_hint(condition, coll.schema.indexed)
        base = coll.bucket(*hint) if hint else coll.ordered()
        rows = [r for r in base if pred(r)] if pred is not None else list(base)
        for key, desc in reversed(keys):
            rows.sort(key=key, reverse=desc)
        self._cache[ckey] = (coll.gen, rows)
        while len(self._cache) > self.settings.query_cache_size:
            self._cache.popitem(last=False)
        return rows

    # -- writes (shared by RPC services and the test API) -----------------------------------

    def now(self) -> str:
        """The current wall-clock time in the response format."""
        return self.clock.format(self.settings.clock())

    def new_uid(self, service: str) -> Any:
        coll = self.collection(service)
        if coll.schema.uid_kind == "int":
            return max(coll.records, default=0) + 1
        while True:
            uid = f"{self._uid_rng.getrandbits(128):032x}"
            if uid not in coll.records:
                return uid

    def write_add(self, service: str, data: Any, *, at: str | None = None) -> Any:
        """Create a record from write data; returns its uid."""
        with self.lock:
            coll = self.collection(service)
            data = rules.before_write(self, service, data, None)
            rec = self.mergers[service].merge(coll.schema.fields, None, data, ex=True)
            uid = self.new_uid(service)
            rec["uid"] = uid
            if "internalId" in coll.schema.fields:
                rec["internalId"] = coll.next_internal_id()
            stamp = at or self.now()
            if "entryDateTime" in coll.schema.fields:
                rec["entryDateTime"] = stamp
            if self.settings.modified_field in coll.schema.fields:
                rec[self.settings.modified_field] = stamp
            rules.after_write(self, service, rec, None)
            coll.put(rec, new=True)
            return uid

    def write_update(self, service: str, uid: Any, data: Any, *, ex: bool = False, at: str | None = None) -> Any:
        """Merge write data into a record; returns the uid as stored."""
        with self.lock:
            coll = self.collection(service)
            current = self.find(service, uid)
            data = rules.before_write(self, service, data, current)
            rec = self.mergers[service].merge(coll.schema.fields, current, data, ex=ex)
            if self.settings.modified_field in coll.schema.fields:
                rec[self.settings.modified_field] = at or self.now()
            rules.after_write(self, service, rec, current)
            coll.put(rec, new=False)
            return rec["uid"]

    def write_delete(self, service: str, uid: Any, *, hard: bool | None = None, at: str | None = None) -> None:
        """Delete a record: a candidate is anonymised (``delete_mode``) unless ``hard``; others are removed.

        A hard delete also removes the candidate's/vacancy's procedures and documents; an
        anonymisation keeps the record and its procedures, blanks every personal field, removes
        the documents and stamps the modified time.
        """
        if hard is None:
            hard = self.settings.delete_mode == "hard"
        if service in rules.ANONYMISED and not hard:
            self.anonymise(service, uid, at=at)
            return
        with self.lock:
            rec = self.find(service, uid)
            self.collection(service).remove(rec["uid"])
            for child, fld in rules.CASCADES.get(service, ()):
                ccoll = self.collection(child)
                doomed = [r["uid"] for r in ccoll.records.values() if r.get(fld) == rec["uid"]]
                for cuid in doomed:
                    ccoll.remove(cuid)

    def anonymise(self, service: str, uid: Any, *, at: str | None = None) -> None:
        """GDPR anonymisation: keep the record (statistics), blank its personal fields, drop documents."""
        with self.lock:
            coll = self.collection(service)
            current = self.find(service, uid)
            rec = rules.anonymised(self, service, current)
            if self.settings.modified_field in coll.schema.fields:
                rec[self.settings.modified_field] = at or self.now()
            coll.put(rec, new=False)
            for child, fld in rules.ANONYMISED[service]:
                ccoll = self.collection(child)
                for cuid in [r["uid"] for r in ccoll.records.values() if r.get(fld) == rec["uid"]]:
                    ccoll.remove(cuid)

    def add_file(self, name: str, content: bytes, mime_type: str) -> dict[str, Any]:
        """Store an uploaded file; returns its metadata (with ``ouid``)."""
        with self.lock:
            while True:
                ouid = f"{self._uid_rng.getrandbits(128):032x}"
                if ouid not in self.files:
                    break
            meta = {
                "ouid": ouid,
                "name": name,
                "size": len(content),
                "mimeType": mime_type,
                "entryDateTime": self.now(),
                "content": content,
            }
            self.files[ouid] = meta
            return meta

    # -- test-facing inspection and mutation ------------------------------------------------

    @property
    def services(self) -> list[str]:
        """Names of every record-holding service."""
        return sorted(self.collections)

    def records(self, service: str) -> list[Record]:
        """Deep copies of every record of a service, in uid order (raw = getDetail without what)."""
        with self.lock:
            return clone(self.collection(service).ordered())

    def get(self, service: str, uid: Any) -> Record:
        """A deep copy of one record (``KeyError`` if absent)."""
        with self.lock:
            try:
                return clone(self.find(service, uid))
            except RpcError:
                raise KeyError(f"{service} has no record {uid!r}") from None

    def count(self, service: str) -> int:
        """Number of records of a service."""
        return len(self.collection(service).records)

    def uids(self, service: str) -> list[Any]:
        """Every uid of a service, in uid order."""
        with self.lock:
            return [r["uid"] for r in self.collection(service).ordered()]

    def add(self, service: str, data: dict[str, Any], *, at: str | float | None = None) -> Any:
        """Create a record as a recruiter would in the OTYS UI; returns the uid."""
        uid = self.write_add(service, data, at=self._stamp(at))
        self._notify(service, "add", uid, data)
        return uid

    def update(self, service: str, uid: Any, changes: dict[str, Any], *, at: str | float | None = None) -> None:
        """Edit a record (deep merge, ADD/DELETE allowed) and stamp its modified time.

        ``at`` sets the stamp explicitly (an instant or a response-format string) instead of now.
        """
        self.write_update(service, uid, changes, ex=True, at=self._stamp(at))
        self._notify(service, "update", uid, changes)

    def delete(self, service: str, uid: Any, *, hard: bool | None = None, at: str | float | None = None) -> None:
        """Delete a record as a recruiter would: a candidate is anonymised unless ``hard`` (or the
        ``delete_mode`` setting) says so; other records vanish (no tombstone)."""
        self.write_delete(service, uid, hard=hard, at=self._stamp(at))
        self._notify(service, "delete", uid, None)

    def anonymise_candidate(self, uid: Any, *, at: str | float | None = None) -> None:
        """The nightly GDPR run anonymising one candidate (whatever ``delete_mode`` says)."""
        self.anonymise("CandidateService", uid, at=self._stamp(at))
        self._notify("CandidateService", "update", uid, None)

    def touch(self, service: str, uid: Any, *, at: str | float | None = None) -> None:
        """Stamp a record's modified time without changing anything else."""
        self.write_update(service, uid, {}, ex=True, at=self._stamp(at))

    def file(self, ouid: str) -> dict[str, Any]:
        """Metadata and content (``None`` for generated files) of an uploaded file."""
        with self.lock:
            return dict(self.files[ouid])

    def digest(self) -> str:
        """SHA-256 of the whole tenant state (records and file metadata)."""
        with self.lock:
            h = hashlib.sha256()
            for name in sorted(self.collections):
                h.update(name.encode())
                for rec in self.collection(name).ordered():
                    h.update(json.dumps(rec, sort_keys=True, ensure_ascii=False).encode())
            for ouid in sorted(self.files):
                meta = {k: v for k, v in self.files[ouid].items() if k != "content"}
                h.update(json.dumps(meta, sort_keys=True).encode())
            h.update(json.dumps(self.tags.options(), ensure_ascii=False).encode())
            return h.hexdigest()

    # -- the tag catalogue (a recruiter's edits in the OTYS UI) -------------------------------

    def add_tag(self, name: str) -> int:
        """Create a catalogue tag (or find one of that name); returns its uid."""
        with self.lock:
            return self.tags.add(name)

    def rename_tag(self, uid: int, name: str) -> None:
        """Rename a catalogue tag; candidates carrying it show the new name (no modified stamp)."""
        with self.lock:
            self.tags.rename(uid, name)
            self._replace("CandidateService", renamed_tag(self.collection("CandidateService").ordered(), uid, name))

    def delete_tag(self, uid: int) -> None:
        """Delete a catalogue tag; it disappears from every candidate (no modified stamp)."""
        with self.lock:
            self.tags.remove(uid)
            self._replace("CandidateService", drop_tag(self.collection("CandidateService").ordered(), uid))

    def _replace(self, service: str, records: list[Record]) -> None:
        coll = self.collection(service)
        for rec in records:
            coll.put(rec, new=False)

    def _stamp(self, at: str | float | None) -> str | None:
        if at is None or isinstance(at, str):
            return at
        return self.clock.format(at)

    def _notify(self, service: str, action: str, uid: Any, data: Any) -> None:
        for listener in list(self.listeners):
            listener(service, action, uid, data)
