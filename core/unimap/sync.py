"""The sync engine: pages vendor records into the store, incrementally, detecting deletions.

Generic: everything vendor-specific comes from the connector's specs. A sync of one model
streams pages (a background thread fetches the next page while the current one is mapped
and stored), writes each page and its checkpoint in one transaction (so a killed sync
resumes where it stopped), and a full sync confirms unseen records before marking them
deleted.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from jsonschema.exceptions import best_match

from unimap import context
from unimap.context import MappingContext
from unimap.default_plugins.functions import format_utc, parse_datetime
from unimap.engine import Engine
from unimap.errors import MappingError, RemoteError, UnimapError
from unimap.expressions import Expression
from unimap.specs import ConnectorSpecs, ModelSpec
from unimap.store.base import Integration
from unimap.store.sqlite import SQLiteStore, utc_now
from unimap.transport.client import VendorClient
from unimap.validate import record_validator

log = logging.getLogger("unimap.sync")
MAX_WARNINGS = 20  # per model and sync; the rest are only counted
Progress = Callable[[str, int, int | None], None]


@dataclass
class ModelReport:
    """What syncing one model did."""

    model: str
    kind: str = "delta"
    fetched: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    restored: int = 0
    skipped: int = 0
    skipped_ids: list[str] = field(default_factory=list, repr=False)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0
    pages: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass
class SyncReport:
    """What one sync run did, per model, plus the requests it cost in total."""

    integration_id: str
    sync_id: int
    kind: str
    models: dict[str, ModelReport] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every model synced."""
        return all(r.error is None for r in self.models.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain data (stored with the sync run, printed as JSON)."""
        return {"integration_id": self.integration_id, "sync_id": self.sync_id, "kind": self.kind,
                "requests": self.requests, "seconds": round(self.seconds, 3), "warnings": self.warnings,
                "models": {k: {f: x for f, x in asdict(v).items() if f != "skipped_ids"}
                           for k, v in self.models.items()}}


class _Source:
    """A model's vendor list call, compiled from its spec and the connector's list settings."""

    def __init__(self, specs: ConnectorSpecs, model: ModelSpec, settings: dict[str, Any]) -> None:
        self.model = model
        src = model.source
        conn = specs.connector
        self.method = src["method"]
        for name, value in settings.items():
            self.method = self.method.replace("{settings." + name + "}", str(value))
        params = model.file.expr("source", "params") or conn.expr("list", "params")
        records = model.file.expr("source", "records")
        if params is None or records is None:
            raise UnimapError(f"{model.file.path}: the model needs `source.records` and a params expression")
        self.params: Expression = params
        self.records: Expression = records
        self.total = model.file.expr("source", "total")
        self.cursor_value = model.file.expr("source", "incremental", "value")
        self.incremental = src.get("incremental")
        self.incremental_filter = conn.expr("list", "incremental_filter")
        self.id_filter = conn.expr("list", "id_filter")
        self.combine = conn.expr("list", "combine_filters")
        pagination = src.get("pagination") or specs.data.get("pagination") or {"type": "none"}
        self.page_size = int(pagination.get("page_size", 0)) if pagination["type"] == "offset" else 0
        self.base = {"projection": src.get("projection"), "filter": src.get("filter"), "sort": src.get("sort"),
                     "extra": src.get("extra") or {}}
        self.id_field = src.get("id_field")

    def build(self, offset: int, extra_filter: Any = None, limit: int | None = None) -> list[Any]:
        own = self.base["filter"]
        filters = [f for f in (own, extra_filter) if f]
        if len(filters) > 1 and self.combine is not None:
            combined = self.combine.search({"filters": filters})
        else:
            combined = filters[0] if filters else None
        ctx = {**self.base, "filter": combined,
               "page": {"limit": limit or self.page_size or None, "offset": offset, "first": offset == 0}}
        params = self.params.search(ctx)
        if not isinstance(params, list):
            raise UnimapError(f"{self.model.file.path}: the params expression must produce a list, got "
                              f"{type(params).__name__}")
        return params

    def since_filter(self, since: str) -> Any:
        if self.incremental is None or self.incremental_filter is None:
            return None
        return self.incremental_filter.search({"cursor": {"field": self.incremental["field"], "since": since}})


class Syncer:
    """Syncs one integration's models from its vendor into the store."""

    def __init__(self, engine: Engine, store: SQLiteStore, integration: Integration, *,
                 client: VendorClient | None = None, progress: Progress | None = None,
                 client_options: dict[str, Any] | None = None) -> None:
        self.engine = engine
        self.store = store
        self.integration = integration
        self.specs = engine.connector(integration.connector)
        self.settings = engine.settings(integration.connector, integration.settings)
        options = dict(client_options or {})
        if self.settings.get("requests_per_minute") is not None:  # a tenant with another budget
            options.setdefault("requests_per_minute", float(self.settings["requests_per_minute"]))
        self.client = client or VendorClient(
            integration.connector, self.specs.data, integration.credentials, base_url=integration.base_url,
            hook=engine.hook, integration_id=integration.id, **options)
        self._owns_client = client is None
        self.progress = progress
        self.lookups: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        """Close the vendor client if this syncer opened it."""
        if self._owns_client:
            self.client.close()

    # -- planning ---------------------------------------------------------------------------

    def plan(self, models: list[str] | None) -> list[str]:
        """The models with a vendor call to run, parents of requested derived models included."""
        available = self.specs.models
        wanted = list(models or available)
        unknown = [m for m in wanted if m not in available]
        if unknown:
            raise UnimapError(f"connector {self.specs.name!r} has no model(s) {', '.join(unknown)} "
                              f"(known: {', '.join(sorted(available))})")
        plan: list[str] = []
        for name in wanted:
            parent = available[name].derived_from
            target = parent if parent else name
            if target not in plan:
                plan.append(target)
        return plan

    def derived_of(self, parent: str) -> list[ModelSpec]:
        """Derived models computed from ``parent``'s vendor records."""
        return [m for m in self.specs.models.values() if m.derived_from == parent]

    # -- running ------------------------------------------------------------------------------

    def run(self, *, full: bool = False, models: list[str] | None = None, concurrency: int | None = None) -> SyncReport:
        """Sync ``models`` (default: all); ``full`` re-reads everything and detects deletions."""
        plan = self.plan(models)
        kind = "full" if full else "delta"
        sync_id = self.store.start_sync(self.integration.id, kind)
        report = SyncReport(self.integration.id, sync_id, kind)
        started = time.monotonic()
        requests_before = self.client.stats.requests
        status = "failed"
        try:
            self._load_lookups(report)
            workers = concurrency or int((self.specs.data.get("rate_limit") or {}).get("concurrency", 4))
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(plan)))) as pool:
                futures = {name: pool.submit(self._sync_model, name, full, sync_id, report) for name in plan}
                for name, future in futures.items():
                    future.result()
                    for derived in self.derived_of(name):
                        report.models.setdefault(derived.model, ModelReport(derived.model, report.models[name].kind))
            status = "success" if report.ok else "failed"
        finally:
            report.seconds = time.monotonic() - started
            report.requests = self.client.stats.requests - requests_before
            if report.models and all(r.kind == "full" for r in report.models.values()):
                report.kind = "full"
            self.store.finish_sync(sync_id, status, report.as_dict(), kind=report.kind)
        return report

    def _context(self) -> MappingContext:
        return MappingContext(self.integration.id, self.settings, self.lookups)

    def _load_lookups(self, report: SyncReport) -> None:
        conn = self.specs.connector
        for name, spec in (self.specs.data.get("lookups") or {}).items():
            try:
                with context.mapping_context(self._context()):
                    params = conn.expr("lookups", name, "params").search({"settings": self.settings})
                result = self.client.call(spec["method"], params)
                rows = conn.expr("lookups", name, "records").search({"result": result}) or []
                key, value = conn.expr("lookups", name, "key"), conn.expr("lookups", name, "value")
                with context.mapping_context(self._context()):
                    self.lookups[name] = {key.search(r): value.search(r) for r in rows if isinstance(r, dict)}
            except RemoteError as exc:
                if not spec.get("optional"):
                    raise
                self.lookups[name] = {}
                report.warnings.append(f"lookup {name!r} unavailable: {exc}")

    def _sync_model(self, name: str, full: bool, sync_id: int, report: SyncReport) -> None:
        with context.mapping_context(self._context()):  # params expressions may read settings
            self._sync_model_in_context(name, full, sync_id, report)

    def _sync_model_in_context(self, name: str, full: bool, sync_id: int, report: SyncReport) -> None:
        model = self.specs.models[name]
        source = _Source(self.specs, model, self.settings)
        checkpoint = self.store.checkpoint(self.integration.id, name)
        run = checkpoint["run"]
        incremental_possible = source.incremental is not None and checkpoint["cursor"] is not None
        kind = "full" if full or not incremental_possible else "delta"
        if run and run.get("kind") == kind:
            log.info("%s: resuming a %s sync at offset %s", name, kind, run["offset"])
        else:
            since = None
            if kind == "delta":
                overlap = float(source.incremental.get("overlap_seconds", 0))
                moment = parse_datetime(checkpoint["cursor"], "UTC")
                since = format_utc(moment - timedelta(seconds=overlap)) if moment else None
            run = {"kind": kind, "sync_id": sync_id, "offset": 0, "since": since, "max_cursor": checkpoint["cursor"],
                   "prev_cursor": checkpoint["cursor"]}
        stats = ModelReport(name, kind)
        report.models[name] = stats
        for derived in self.derived_of(name):
            report.models[derived.model] = ModelReport(derived.model, kind)
        started = time.monotonic()
        before = self.client.stats.by_method[source.method]
        try:
            self._pages(model, source, run, report)
            if kind == "full":
                # records left out as invalid were still there: they are not deletions
                self.store.mark_seen(self.integration.id, name, stats.skipped_ids, run["sync_id"])
                self._detect_deletions(model, source, run, report)
            with self.store.transaction() as db:
                self.store.set_checkpoint(self.integration.id, name, cursor=run["max_cursor"], run=None, db=db)
        except UnimapError as exc:
            stats.error = str(exc)
            log.warning("%s: sync failed: %s", name, exc)
        finally:
            stats.seconds = time.monotonic() - started
            stats.requests = self.client.stats.by_method[source.method] - before

    def _fetch(self, source: _Source, run: dict[str, Any]) -> Iterator[tuple[int, list[Any], int | None]]:
        """Pages from ``run['offset']`` on, fetched one ahead in a background thread."""
        extra = source.since_filter(run["since"]) if run["kind"] == "delta" and run["since"] else None
        pages: queue.Queue[Any] = queue.Queue(maxsize=2)
        stop = threading.Event()
        ctx = self._context()

        def produce() -> None:
            offset = run["offset"]
            with context.mapping_context(ctx):
                fetch(offset)

        def fetch(offset: int) -> None:
            try:
                while not stop.is_set():
                    result = self.client.call(source.method, source.build(offset, extra))
                    records = source.records.search({"result": result})
                    if not isinstance(records, list):
                        raise RemoteError(f"{source.method}: the response has no record list at "
                                          f"{source.records.text!r}", call=source.method)
                    total = source.total.search({"result": result}) if source.total and offset == 0 else None
                    pages.put((offset, records, total))
                    if not source.page_size or len(records) < source.page_size:
                        break
                    offset += len(records)
                pages.put(None)
            except BaseException as exc:
                pages.put(exc)

        worker = threading.Thread(target=produce, name=f"unimap-fetch-{source.model.model}", daemon=True)
        worker.start()
        try:
            while True:
                item = pages.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            while worker.is_alive():
                try:
                    pages.get_nowait()
                except queue.Empty:
                    worker.join(0.05)

    def _pages(self, model: ModelSpec, source: _Source, run: dict[str, Any], report: SyncReport) -> None:
        stats = report.models[model.model]
        mapper = self.engine.mapper(self.specs.name, model.model)
        ctx = self._context()
        total: int | None = None
        for offset, records, page_total in self._fetch(source, run):
            total = page_total if page_total is not None else total
            rows, cursor = self._map(mapper, records, ctx, stats, source)
            derived_rows = {d.model: self._derive(d, records, ctx, report) for d in self.derived_of(model.model)}
            seen = run["sync_id"] if run["kind"] == "full" else None
            now = utc_now()
            run["offset"] = offset + len(records)
            if cursor and (run["max_cursor"] is None or cursor > run["max_cursor"]):
                run["max_cursor"] = cursor
            with self.store.transaction() as db:
                result = self.store.upsert(self.integration.id, model.model, rows, seen_sync=seen, now=now, db=db)
                for derived_name, (children, parents) in derived_rows.items():
                    sub = self.store.upsert(self.integration.id, derived_name, children, seen_sync=seen, now=now,
                                            db=db)
                    gone = self._orphans(derived_name, parents, {c[0]["id"] for c in children})
                    deleted = self.store.mark_deleted(self.integration.id, derived_name, gone, now=now, db=db)
                    self._count(report.models[derived_name], sub, len(children), deleted)
                self.store.set_checkpoint(self.integration.id, model.model, cursor=run.get("prev_cursor"), run=run,
                                          db=db)
            self._count(stats, result, len(records), 0)
            stats.pages += 1
            if self.progress:
                self.progress(model.model, stats.fetched, total)

    def _map(self, mapper: Any, records: list[Any], ctx: MappingContext, stats: ModelReport,
             source: _Source) -> tuple[list[tuple[dict[str, Any], None]], str | None]:
        rows: list[tuple[dict[str, Any], None]] = []
        cursor: str | None = None
        validator = record_validator(mapper.model)
        for raw in records:
            if not isinstance(raw, dict):
                self._skip(stats, None, "the vendor sent a record that is not an object")
                continue
            try:
                record = mapper.map(raw, ctx)
            except MappingError as exc:
                self._skip(stats, raw.get(source.id_field or ""), str(exc))
                continue
            if not validator.is_valid(record):
                error = best_match(validator.reference.iter_errors(record))
                where = ".".join(str(p) for p in error.absolute_path) if error else "?"
                self._skip(stats, record["remote_id"], f"{where}: {error.message if error else 'invalid'}")
                continue
            rows.append((record, None))
            if source.cursor_value is not None:
                with context.mapping_context(ctx):
                    value = source.cursor_value.search(raw)
                if isinstance(value, str) and (cursor is None or value > cursor):
                    cursor = value
        return self._merge(rows), cursor

    def _derive(self, derived: ModelSpec, parents: list[Any], ctx: MappingContext,
                report: SyncReport) -> tuple[list[tuple[dict[str, Any], str]], list[str]]:
        expression = derived.file.expr("source", "records")
        mapper = self.engine.mapper(self.specs.name, derived.model)
        parent_mapper = self.engine.mapper(self.specs.name, derived.derived_from or "")
        children: list[tuple[dict[str, Any], str]] = []
        parent_ids: list[str] = []
        for raw in parents:
            if not isinstance(raw, dict):
                continue
            try:
                with context.mapping_context(ctx):
                    parent_id = parent_mapper.fields(raw)["remote_id"]
                    rows = expression.search(raw) if expression else []
                parent_ids.append(parent_id)
                for row in rows or []:
                    record = mapper.map(row, ctx)
                    record["remote_data"] = {derived.remote_data_key: row}
                    children.append((record, parent_id))
            except MappingError as exc:
                report.models[derived.model].skipped += 1
                log.warning("skipped a derived record: %s", exc)
        return self._merge(children), parent_ids

    def _skip(self, stats: ModelReport, remote_id: Any, reason: str) -> None:
        """Leave a record out (it stays as it was in the store) and say why in the report."""
        stats.skipped += 1
        if remote_id is not None:
            stats.skipped_ids.append(str(remote_id))
        message = f"{stats.model} {remote_id or '(no id)'} skipped: {reason}"
        log.debug("%s", message)
        if len(stats.warnings) < MAX_WARNINGS:
            stats.warnings.append(message)

    @staticmethod
    def _merge(rows: list[tuple[dict[str, Any], Any]]) -> list[tuple[dict[str, Any], Any]]:
        """Rows with the same id merged: later values win, lists are joined without repeats."""
        merged: dict[str, tuple[dict[str, Any], Any]] = {}
        for record, parent in rows:
            old = merged.get(record["id"])
            if old is not None:
                combined = dict(old[0])
                for key, value in record.items():
                    if isinstance(value, list) and isinstance(combined.get(key), list) and key != "remote_data":
                        combined[key] = combined[key] + [v for v in value if v not in combined[key]]
                    else:
                        combined[key] = value
                record = combined
            merged[record["id"]] = (record, parent)
        return list(merged.values())

    def _orphans(self, model: str, parents: list[str], keep: set[str]) -> list[str]:
        return [cid for cid, _ in self.store.children(self.integration.id, model, parents) if cid not in keep]

    @staticmethod
    def _count(stats: ModelReport, result: Any, fetched: int, deleted: int) -> None:
        stats.fetched += fetched
        stats.created += result.created
        stats.changed += result.changed
        stats.unchanged += result.unchanged
        stats.restored += result.restored
        stats.deleted += deleted

    def _detect_deletions(self, model: ModelSpec, source: _Source, run: dict[str, Any], report: SyncReport) -> None:
        stats = report.models[model.model]
        unseen = self.store.unseen(self.integration.id, model.model, run["sync_id"])
        if unseen and source.id_filter is not None and source.id_field and source.page_size:
            confirmed = self._confirm(model, source, [r for _, r in unseen], run, report)
            unseen = [(i, r) for i, r in unseen if r not in confirmed]
        now = utc_now()
        with self.store.transaction() as db:
            stats.deleted += self.store.mark_deleted(self.integration.id, model.model, [i for i, _ in unseen],
                                                     now=now, db=db)
            for derived in self.derived_of(model.model):
                gone = [cid for cid, _ in self.store.children(self.integration.id, derived.model,
                                                               [r for _, r in unseen])]
                gone += [i for i, _ in self.store.unseen(self.integration.id, derived.model, run["sync_id"])]
                report.models[derived.model].deleted += self.store.mark_deleted(
                    self.integration.id, derived.model, set(gone), now=now, db=db)

    def _confirm(self, model: ModelSpec, source: _Source, remote_ids: list[str], run: dict[str, Any],
                 report: SyncReport) -> set[str]:
        """Re-fetch records a full sync did not see; those still there are stored, not deleted."""
        found: set[str] = set()
        mapper = self.engine.mapper(self.specs.name, model.model)
        ctx = self._context()
        stats = report.models[model.model]
        for start in range(0, len(remote_ids), source.page_size):
            chunk = remote_ids[start:start + source.page_size]
            id_filter = source.id_filter.search({"field": source.id_field, "ids": chunk}) if source.id_filter else None
            result = self.client.call(source.method, source.build(0, id_filter, limit=len(chunk)))
            records = source.records.search({"result": result}) or []
            rows, _ = self._map(mapper, records, ctx, stats, source)
            derived_rows = {d.model: self._derive(d, records, ctx, report) for d in self.derived_of(model.model)}
            with self.store.transaction() as db:
                self.store.upsert(self.integration.id, model.model, rows, seen_sync=run["sync_id"], now=utc_now(),
                                  db=db)
                for derived_name, (children, _) in derived_rows.items():
                    self.store.upsert(self.integration.id, derived_name, children, seen_sync=run["sync_id"],
                                      now=utc_now(), db=db)
            found.update(r["remote_id"] for r, _ in rows)
        return found
