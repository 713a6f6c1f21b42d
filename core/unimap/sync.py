"""The sync engine: pages vendor records into the store, incrementally, detecting deletions.

Generic: every vendor detail comes from the connector's typed source components
(:mod:`unimap.sources`), sent through the connector's transport, auth and paginator. A sync of
one model streams pages (a background thread fetches the next page while the current one is
mapped and stored), writes each page and its checkpoint in one transaction (so a killed or
interrupted sync resumes where it stopped), and a complete full sync confirms unseen records
before marking them deleted. It never reports success for a wrong store:

* the delta cursor never moves past the sync's own start, whatever timestamps the vendor sends;
* deletion detection is skipped (and the model reported failed) when a record had no usable id
  or fewer records arrived than the vendor announced, and no sync deletes more than
  ``max_delete_share`` of a model unless ``allow_mass_delete``;
* a lookup that fails is replaced by its last good copy, or the models that read it fail.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from unimap import context
from unimap.context import MappingContext
from unimap.engine import Engine
from unimap.errors import MappingError, RemoteError, SyncInterrupted, UnimapError
from unimap.pagemap import SKIP, UNIDENTIFIED, MappedPage, MappingPool, attach, list_source, map_page, processes_for
from unimap.sources import DerivedSource, FanOutSource, ListSource, UnionSource
from unimap.specs import ConnectorSpecs, ModelSpec
from unimap.store.base import Integration, Store
from unimap.store.rows import PreparedRecord
from unimap.timeutil import format_utc, parse_datetime, utc_now
from unimap.transport.client import VendorClient

log = logging.getLogger("unimap.sync")
MAX_WARNINGS = 20  # per model and sync; the rest are only counted
FUTURE_TOLERANCE = timedelta(minutes=5)  # vendor clocks may run a little ahead
MASS_DELETE_SHARE = 0.2  # default largest share of a model one sync may mark deleted
MASS_DELETE_MINIMUM = 10  # deleting this many or fewer is never "mass"
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
    unidentified: int = 0
    warnings: list[str] = field(default_factory=list)
    requests: int = 0
    pages: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def status(self) -> str:
        """``ok``, ``partial`` (some records skipped) or ``failed``."""
        if self.error or (self.skipped and self.skipped >= self.fetched):
            return "failed"
        return "partial" if self.skipped else "ok"


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
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """Whether every model synced (a model whose every record was skipped did not)."""
        return not self.interrupted and all(r.status != "failed" for r in self.models.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain data (stored with the sync run, printed as JSON)."""
        return {
            "integration_id": self.integration_id,
            "sync_id": self.sync_id,
            "kind": self.kind,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "warnings": self.warnings,
            "interrupted": self.interrupted,
            "models": {
                k: {**{f: x for f, x in asdict(v).items() if f != "skipped_ids"}, "status": v.status}
                for k, v in self.models.items()
            },
        }


@dataclass
class _Page:
    """One fetched page: its records, the vendor's total (first page only) and the state after it."""

    records: list[Any]
    total: int | None
    next_state: dict[str, Any] | None


def _iso(moment: datetime) -> str:
    return format_utc(moment)


class Syncer:
    """Syncs one integration's models from its vendor into the store."""

    def __init__(
        self,
        engine: Engine,
        store: Store,
        integration: Integration,
        *,
        client: VendorClient | None = None,
        progress: Progress | None = None,
        client_options: dict[str, Any] | None = None,
        cancel: threading.Event | None = None,
        allow_mass_delete: bool = False,
        map_processes: int | str | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.integration = integration
        self.specs: ConnectorSpecs = engine.connector(integration.connector)
        self.settings = engine.settings(integration.connector, integration.settings)
        self.client = client or engine.client(integration, **(client_options or {}))
        self._owns_client = client is None
        self.progress = progress
        self.cancel = cancel or threading.Event()
        self.allow_mass_delete = allow_mass_delete
        share = self.settings.get("max_delete_share")
        self.max_delete_share = MASS_DELETE_SHARE if share is None else float(share)
        self.lookups: dict[str, dict[str, Any]] = {}
        self.failed_lookups: set[str] = set()
        self.started = datetime.now(UTC)
        self.map_processes = map_processes  # None: $UNIMAP_MAP_PROCESSES, else "auto" (see pagemap)
        self.pool: MappingPool | None = None
        self._pool_later: tuple[float, int, int] | None = None  # (per minute, page size, stored): decide on totals
        self._pool_lock = threading.Lock()

    def close(self) -> None:
        """Close the vendor client if this syncer opened it."""
        if self._owns_client:
            self.client.close()

    # -- planning ---------------------------------------------------------------------------

    def plan(self, models: list[str] | None) -> list[str]:
        """The models with a vendor request to run, parents first, parents of derived models included."""
        available = self.specs.models
        wanted = list(models or available)
        unknown = [m for m in wanted if m not in available]
        if unknown:
            raise UnimapError(
                f"connector {self.specs.name!r} has no model(s) {', '.join(unknown)} "
                f"(known: {', '.join(sorted(available))})"
            )
        plan: list[str] = []

        def add(name: str) -> None:
            source = available[name].component
            if isinstance(source, DerivedSource):
                add(source.parent)
                return
            if isinstance(source, FanOutSource):
                add(source.parent)
            if name not in plan:
                plan.append(name)

        for name in wanted:
            add(name)
        return plan

    def derived_of(self, parent: str) -> list[ModelSpec]:
        """Derived models computed from ``parent``'s vendor records."""
        return [
            m
            for m in self.specs.models.values()
            if isinstance(m.component, DerivedSource) and m.component.parent == parent
        ]

    # -- running ------------------------------------------------------------------------------

    def run(self, *, full: bool = False, models: list[str] | None = None, concurrency: int | None = None) -> SyncReport:
        """Sync ``models`` (default: all); ``full`` re-reads everything and detects deletions.

        Raises :class:`SyncInterrupted` (after committing the current page) when ``cancel`` is set.
        """
        plan = self.plan(models)
        kind = "full" if full else "delta"
        sync_id = self.store.start_sync(self.integration.id, kind)
        report = SyncReport(self.integration.id, sync_id, kind)
        started = time.monotonic()
        requests_before = self.client.stats.requests
        status = "failed"
        try:
            self._load_lookups(report)
            self._start_pool(plan)
            workers = concurrency or int((self.specs.data.get("rate_limit") or {}).get("concurrency", 4))
            first = [m for m in plan if not isinstance(self.specs.models[m].component, FanOutSource)]
            later = [m for m in plan if m not in first]
            for wave in (first, later):
                if not wave:
                    continue
                with ThreadPoolExecutor(max_workers=max(1, min(workers, len(wave)))) as pool:
                    futures = {name: pool.submit(self._sync_model, name, full, sync_id, report) for name in wave}
                    for name, future in futures.items():
                        future.result()
                        for derived in self.derived_of(name):
                            report.models.setdefault(
                                derived.model, ModelReport(derived.model, report.models[name].kind)
                            )
                if self.cancel.is_set():
                    break
            if self.cancel.is_set():
                report.interrupted = True
                status = "interrupted"
            else:
                status = "success" if report.ok else "failed"
        finally:
            self._pool_later = None
            if self.pool is not None:
                self.pool.close()
                self.pool = None
            report.seconds = time.monotonic() - started
            report.requests = self.client.stats.requests - requests_before
            if report.models and all(r.kind == "full" for r in report.models.values()):
                report.kind = "full"
            self.store.finish_sync(sync_id, status, report.as_dict(), kind=report.kind)
        if report.interrupted:
            raise SyncInterrupted(
                f"sync {sync_id} of {self.integration.id} was interrupted; the next sync resumes where it stopped",
                report=report,
            )
        return report

    def _start_pool(self, plan: list[str]) -> None:
        """Fork mapping processes when the vendor's limit lets records arrive faster than one core maps them.

        For an integration too small (so far) for ``auto`` to fork, the decision waits for the vendor's
        announced totals (:meth:`_announced`): a big first sync of an empty store gets its processes too.
        """
        sources = [
            list_source(self.specs.models[m].component, i)
            for m in plan
            for i in range(len(getattr(self.specs.models[m].component, "parts", (None,))))
        ]
        if not sources:
            return
        limiter = getattr(self.client, "limiter", None)
        per_minute = float(getattr(limiter, "per_minute", 0) or 0)
        page_size = max(int(getattr(s.paginator, "page_size", 0) or 0) for s in sources) or 100
        stored = sum(self.store.count(self.integration.id, m) for m in plan)
        processes = processes_for(self.map_processes, per_minute, page_size, stored)
        if processes:
            self._fork(processes)
        elif processes_for(self.map_processes, per_minute, page_size, None):  # only the size held it back
            self._pool_later = (per_minute, page_size, stored)

    def _announced(self, total: int | None) -> None:
        """A model's first page announced ``total`` records: start the pool if the sync is big enough for it."""
        if self._pool_later is None or total is None:
            return
        with self._pool_lock:
            if self._pool_later is None:
                return
            per_minute, page_size, stored = self._pool_later
            processes = processes_for(self.map_processes, per_minute, page_size, max(stored, total))
            if processes:
                self._pool_later = None
                self._fork(processes)

    def _fork(self, processes: int) -> None:
        self.pool = MappingPool(self.engine, self.specs.name, self._context(), processes)
        log.info("mapping pages in %d processes", processes)

    def _context(self, parent: Any = None) -> MappingContext:
        return MappingContext(self.integration.id, self.settings, self.lookups, parent)

    # -- lookups ------------------------------------------------------------------------------

    def _load_lookups(self, report: SyncReport) -> None:
        for name, lookup in self.specs.lookups.items():
            try:
                with context.mapping_context(self._context()):
                    rows: list[Any] = []
                    for page in self._pages_of(lookup.source, {}, None):
                        rows.extend(page.records)
                    table = {lookup.key.search(r): lookup.value.search(r) for r in rows if isinstance(r, dict)}
                self.lookups[name] = table
                with self.store.transaction() as db:
                    self.store.set_checkpoint(
                        self.integration.id, f"lookup:{name}", cursor=None, run={"table": table, "at": utc_now()}, db=db
                    )
            except RemoteError as exc:
                stored = self.store.checkpoint(self.integration.id, f"lookup:{name}")["run"]
                if stored and isinstance(stored.get("table"), dict):
                    self.lookups[name] = stored["table"]
                    report.warnings.append(f"lookup {name!r} unavailable ({exc}); used the copy from {stored['at']}")
                else:
                    self.failed_lookups.add(name)
                    report.warnings.append(f"lookup {name!r} unavailable ({exc}); models that read it were not synced")

    # -- one model ------------------------------------------------------------------------------

    def _sync_model(self, name: str, full: bool, sync_id: int, report: SyncReport) -> None:
        with context.mapping_context(self._context()):  # request expressions may read settings
            self._sync_model_in_context(name, full, sync_id, report)

    def _can_delta(self, source: Any, cursor: str | None) -> bool:
        incremental = getattr(source, "incremental", None)
        if isinstance(source, UnionSource):
            incrementals = [p.incremental for p in source.parts]
            if not all(incrementals):
                return False
            incremental = incrementals[0]
        if incremental is None or cursor is None:
            return False
        return incremental.enabled is None or bool(incremental.enabled.search({"settings": self.settings}))

    def _overlap(self, source: Any) -> float:
        incremental = source.parts[0].incremental if isinstance(source, UnionSource) else source.incremental
        return float(incremental.overlap_seconds) if incremental is not None else 0.0

    def _sync_model_in_context(self, name: str, full: bool, sync_id: int, report: SyncReport) -> None:
        model = self.specs.models[name]
        source = model.component
        checkpoint = self.store.checkpoint(self.integration.id, name)
        run = checkpoint["run"]
        delta = not full and not isinstance(source, FanOutSource) and self._can_delta(source, checkpoint["cursor"])
        kind = "delta" if delta else "full"
        if run and run.get("kind") == kind and "page" in run:
            log.info("%s: resuming a %s sync", name, kind)
        else:
            since = None
            if delta:
                moment = parse_datetime(checkpoint["cursor"], "UTC")
                since = _iso(moment - timedelta(seconds=self._overlap(source))) if moment else None
            run = {
                "kind": kind,
                "sync_id": sync_id,
                "part": 0,
                "page": None,
                "fetched": 0,
                "unidentified": 0,
                "total": None,
                "since": since,
                "max_cursor": checkpoint["cursor"] if delta else None,
                "prev_cursor": checkpoint["cursor"],
            }
        stats = ModelReport(name, kind)
        report.models[name] = stats
        for derived in self.derived_of(name):
            report.models[derived.model] = ModelReport(derived.model, kind)
        started = time.monotonic()
        try:
            missing = sorted(model.lookups & self.failed_lookups)
            if missing:
                raise RemoteError(
                    f"lookup(s) {', '.join(missing)} unavailable and never loaded before; the model "
                    "was not synced rather than mapped without them"
                )
            self._read(model, run, report)
            stats.fetched = max(stats.fetched, int(run.get("fetched", 0)))
            stats.unidentified = int(run.get("unidentified", 0))
            if kind == "full":
                # records left out as invalid were still there: they are not deletions
                self.store.mark_seen(self.integration.id, name, stats.skipped_ids, run["sync_id"])
                self._detect_deletions(model, run, report)
            with self.store.transaction() as db:
                self.store.set_checkpoint(self.integration.id, name, cursor=self._clamped(run, stats), run=None, db=db)
        except SyncInterrupted:
            stats.error = "interrupted"
        except UnimapError as exc:
            stats.error = str(exc)
            log.warning("%s: sync failed: %s", name, exc)
        finally:
            stats.seconds = time.monotonic() - started

    def _clamped(self, run: dict[str, Any], stats: ModelReport) -> str | None:
        """The cursor to keep: the newest record seen, never later than this sync's start."""
        cursor = run.get("max_cursor")
        if cursor is None:
            return run.get("prev_cursor") if run["kind"] == "delta" else None
        limit = _iso(self.started)
        return min(cursor, limit)

    # -- reading ---------------------------------------------------------------------------------

    def _read(self, model: ModelSpec, run: dict[str, Any], report: SyncReport) -> None:
        source = model.component
        if isinstance(source, ListSource):
            self._read_list(model, source, run, report, part=0)
        elif isinstance(source, UnionSource):
            # the parts' rows merge by id, so the model is read whole, then stored in one transaction
            rows: list[Any] = []
            run.update(part=0, page=None, fetched=0)
            for index, part in enumerate(source.parts):
                self._read_list(model, part, run, report, part=index, collect=rows)
                run["page"] = None
            stats = report.models[model.model]
            seen = run["sync_id"] if run["kind"] == "full" else None
            with self.store.transaction() as db:
                result = self.store.upsert(
                    self.integration.id, model.model, self._merge(rows), seen_sync=seen, now=utc_now(), db=db
                )
            self._count(stats, result, 0, 0)
        elif isinstance(source, FanOutSource):
            parents = self.store.all(self.integration.id, source.parent)
            parent_spec = self.specs.models[source.parent]
            for index in range(int(run.get("part", 0)), len(parents)):
                run["part"] = index
                raw = (parents[index].get("remote_data") or {}).get(parent_spec.remote_data_key)
                self._read_list(model, source.list, run, report, part=index, parent=raw)
                run["page"] = None
        else:
            raise UnimapError(f"model {model.model!r}: a {source.kind} source has nothing to fetch")

    def _request_context(
        self, source: ListSource, run: dict[str, Any], extra_filter: Any = None, parent: Any = None
    ) -> dict[str, Any]:
        filters = [f for f in (source.filter, extra_filter) if f]
        if len(filters) > 1 and source.combine is not None:
            combined = source.combine.search({"filters": filters})
        else:
            combined = filters[0] if filters else None
        cursor = {"field": source.incremental.field if source.incremental else None, "since": run.get("since")}
        return {"settings": self.settings, "vars": source.vars, "filter": combined, "cursor": cursor, "parent": parent}

    def _incremental_parts(self, source: ListSource, run: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """The incremental filter object and query parameters of a delta run."""
        if run["kind"] != "delta" or not run.get("since") or source.incremental is None:
            return None, {}
        inc = source.incremental
        data = {"cursor": {"field": inc.field, "since": run["since"]}, "settings": self.settings}
        extra = inc.filter.search(data) if inc.filter is not None else None
        query = {k: e.search(data) for k, e in inc.query.items()}
        return extra, {k: v for k, v in query.items() if v is not None}

    def _pages_of(
        self,
        source: ListSource,
        ctx: dict[str, Any],
        resume: dict[str, Any] | None,
        query: dict[str, Any] | None = None,
        *,
        limit: int | None = None,
    ) -> Iterator[_Page]:
        """Every page of ``source`` from ``resume`` on (fetched in this thread)."""
        paginator = source.paginator
        state: dict[str, Any] | None = paginator.start(resume)
        first = resume is None
        page_filter = getattr(paginator, "filter_for", None)  # e.g. keyset: "records after the last key"
        while state is not None:
            variables = dict(paginator.variables(state))
            if limit is not None:
                variables.update(limit=limit, offset=0, first=True, after=None)
            page_ctx = {**ctx, "page": variables}
            extra = page_filter(variables) if callable(page_filter) else None
            if extra is not None:
                filters = [f for f in (ctx.get("filter"), extra) if f]
                page_ctx["filter"] = (
                    source.combine.search({"filters": filters})
                    if len(filters) > 1 and source.combine is not None
                    else filters[0]
                )
            request = source.request.build(page_ctx)
            if query:
                request.query = {**request.query, **query}
            request = paginator.apply(request, state)
            response = self.client.send(request)
            view = response.view()
            records = source.records.search(view) if source.records is not None else view["body"]
            if records is None and view["body"] in (None, "", b""):
                records = []
            if not isinstance(records, list):
                raise RemoteError(
                    f"{request.label or source.label}: the response has no record list at {source.records.text!r}",
                    call=request.label or source.label,
                )
            total = self._total(source, view) if first else None
            next_state = paginator.advance(state, response, records, total)
            yield _Page(records, total, next_state)
            if limit is not None:
                return
            state, first = next_state, False

    @staticmethod
    def _total(source: ListSource, view: dict[str, Any]) -> int | None:
        if source.total is None:
            return None
        value = source.total.search(view)
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return int(number) if number == number and abs(number) < 1e15 else None

    def _prefetched(self, pages: Iterator[_Page], label: str) -> Generator[_Page, None, None]:
        """``pages`` fetched one ahead in a background thread (so mapping overlaps the next request)."""
        buffer: queue.Queue[Any] = queue.Queue(maxsize=2)
        stop = threading.Event()
        ctx = context.current()

        def produce() -> None:
            with context.mapping_context(ctx):
                try:
                    for page in pages:
                        if stop.is_set():
                            return
                        buffer.put(page)
                    buffer.put(None)
                except BaseException as exc:  # handed to the consumer
                    buffer.put(exc)

        worker = threading.Thread(target=produce, name=f"unimap-fetch-{label}", daemon=True)
        worker.start()
        try:
            while True:
                item = buffer.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            while worker.is_alive():
                try:
                    buffer.get_nowait()
                except queue.Empty:
                    worker.join(0.05)

    def _read_list(
        self,
        model: ModelSpec,
        source: ListSource,
        run: dict[str, Any],
        report: SyncReport,
        *,
        part: int,
        parent: Any = None,
        collect: list[Any] | None = None,
    ) -> None:
        extra, query = self._incremental_parts(source, run)
        ctx = self._request_context(source, run, extra, parent)
        mapping = self._context(parent)
        mapper = self.engine.mapper(self.specs.name, model.model)
        pages = self._prefetched(self._pages_of(source, ctx, run.get("page"), query), model.model)
        mapped = self._mapped(pages, mapper, source, part, mapping, parent)
        try:
            for page, outcome in mapped:
                self._store_page(model, run, report, page, outcome, mapper, mapping, part, collect)
        finally:
            mapped.close()
            pages.close()

    def _store_page(
        self,
        model: ModelSpec,
        run: dict[str, Any],
        report: SyncReport,
        page: _Page,
        outcome: MappedPage,
        mapper: Any,
        mapping: MappingContext,
        part: int,
        collect: list[Any] | None,
    ) -> None:
        """Store one mapped page with its checkpoint (or collect it, for a union)."""
        stats = report.models[model.model]
        if page.total is not None and part == 0 and run.get("page") is None:
            run["total"] = page.total
        rows, cursor = self._apply(stats, page.records, outcome, mapper)
        if collect is not None:  # a union part: stored with the other parts, merged
            collect.extend(rows)
            run["fetched"] = int(run.get("fetched", 0)) + len(page.records)
            stats.fetched += len(page.records)
            stats.pages += 1
            stats.requests += 1
            return
        derived_rows = {d.model: self._derive(d, page.records, mapping, report) for d in self.derived_of(model.model)}
        seen = run["sync_id"] if run["kind"] == "full" else None
        now = utc_now()
        run["page"] = page.next_state
        run["fetched"] = int(run.get("fetched", 0)) + len(page.records)
        run["unidentified"] = stats.unidentified
        if cursor and (run["max_cursor"] is None or cursor > run["max_cursor"]):
            run["max_cursor"] = cursor
        with self.store.transaction() as db:
            result = self.store.upsert(self.integration.id, model.model, rows, seen_sync=seen, now=now, db=db)
            for derived_name, (children, parents) in derived_rows.items():
                sub = self.store.upsert(self.integration.id, derived_name, children, seen_sync=seen, now=now, db=db)
                gone = self._orphans(derived_name, parents, {c[0]["id"] for c in children})
                deleted = self.store.mark_deleted(self.integration.id, derived_name, gone, now=now, db=db)
                self._count(report.models[derived_name], sub, len(children), deleted)
            self.store.set_checkpoint(self.integration.id, model.model, cursor=run.get("prev_cursor"), run=run, db=db)
        self._count(stats, result, len(page.records), 0)
        stats.pages += 1
        stats.requests += 1
        if self.progress:
            self.progress(model.model, stats.fetched, run.get("total"))
        if self.cancel.is_set():
            raise SyncInterrupted(f"{model.model}: interrupted after a committed page")

    def _mapped(
        self,
        pages: Iterator[_Page],
        mapper: Any,
        source: ListSource,
        part: int,
        mapping: MappingContext,
        parent: Any,
    ) -> Generator[tuple[_Page, MappedPage], None, None]:
        """Each page with its mapped outcome, in page order.

        With a pool, up to ``pool.depth`` pages map in the workers while the next ones are fetched
        and the finished ones stored; without one (or once it broke), each maps here.
        """
        limit = _iso(self.started + FUTURE_TOLERANCE)
        pending: deque[tuple[_Page, Future[MappedPage]]] = deque()

        def here(page: _Page) -> MappedPage:
            return map_page(mapper, source, page.records, mapping, limit)

        def collected(page: _Page, future: Future[MappedPage]) -> tuple[_Page, MappedPage]:
            try:
                return page, future.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): map here from now on
                log.warning("the mapping processes stopped; mapping in this process")
                self.pool = None
                return page, here(page)

        try:
            for page in pages:
                if page.total is not None:
                    self._announced(page.total)
                pool = self.pool
                if pool is None or not page.records:
                    while pending:
                        yield collected(*pending.popleft())
                    yield page, here(page)
                    continue
                try:
                    future = pool.submit(mapper.model, part, page.records, parent, limit)
                except (BrokenProcessPool, RuntimeError):
                    self.pool = None
                    while pending:
                        yield collected(*pending.popleft())
                    yield page, here(page)
                    continue
                pending.append((page, future))
                while pending and (pending[0][1].done() or len(pending) > pool.depth):
                    yield collected(*pending.popleft())
            while pending:
                yield collected(*pending.popleft())
        finally:
            for _, future in pending:
                future.cancel()

    def _apply(
        self, stats: ModelReport, records: list[Any], outcome: MappedPage, mapper: Any
    ) -> tuple[list[tuple[dict[str, Any], str | None]], str | None]:
        """Count and report a page's skips and warnings, in record order; its rows merged by id."""
        for kind, remote_id, message in outcome.events:
            if kind == UNIDENTIFIED:
                stats.unidentified += 1
                self._skip(stats, remote_id, message)
            elif kind == SKIP:
                self._skip(stats, remote_id, message)
            else:
                self._warn(stats, message)
        return self._merge(attach(outcome)), outcome.cursor

    def _derive(
        self, derived: ModelSpec, parents: list[Any], ctx: MappingContext, report: SyncReport
    ) -> tuple[list[tuple[dict[str, Any], str]], list[str]]:
        source = derived.component
        assert isinstance(source, DerivedSource)
        mapper = self.engine.mapper(self.specs.name, derived.model)
        parent_mapper = self.engine.mapper(self.specs.name, source.parent)
        children: list[tuple[dict[str, Any], str]] = []
        parent_ids: list[str] = []
        for raw in parents:
            if not isinstance(raw, dict):
                continue
            try:
                with context.mapping_context(ctx):
                    parent_id = parent_mapper.fields(raw)["remote_id"]
                    rows = source.records.search(raw)
                parent_ids.append(parent_id)
                for row in rows or []:
                    record = mapper.map(row, ctx)
                    record["remote_data"] = {derived.remote_data_key: row}
                    children.append((record, parent_id))
            except MappingError as exc:
                report.models[derived.model].skipped += 1
                log.warning("skipped a derived record: %s", exc)
        return self._merge(children), parent_ids

    def _warn(self, stats: ModelReport, message: str) -> None:
        log.debug("%s", message)
        if len(stats.warnings) < MAX_WARNINGS:
            stats.warnings.append(message)

    def _skip(self, stats: ModelReport, remote_id: Any, reason: str) -> None:
        """Leave a record out (it stays as it was in the store) and say why in the report."""
        stats.skipped += 1
        if remote_id is not None:
            stats.skipped_ids.append(str(remote_id))
        self._warn(stats, f"{stats.model} {remote_id or '(no id)'} skipped: {reason}")

    @staticmethod
    def _merge(rows: list[tuple[dict[str, Any], Any]]) -> list[tuple[dict[str, Any], Any]]:
        """Rows with the same id merged: later values win, lists are joined without repeats."""
        merged: dict[str, tuple[dict[str, Any], Any]] = {}
        for record, parent in rows:
            old = merged.get(record["id"])
            if old is not None:
                if isinstance(record, PreparedRecord):
                    record = record.full()
                combined = old[0].full() if isinstance(old[0], PreparedRecord) else dict(old[0])
                for key, value in record.items():
                    if isinstance(value, list) and isinstance(combined.get(key), list) and key != "remote_data":
                        combined[key] = combined[key] + [v for v in value if v not in combined[key]]
                    elif key == "remote_data" and isinstance(value, dict) and isinstance(combined.get(key), dict):
                        combined[key] = {**combined[key], **value}
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

    # -- deletions ---------------------------------------------------------------------------------

    def _deletion_blocker(self, model: ModelSpec, run: dict[str, Any], stats: ModelReport) -> str | None:
        """Why deletions must not be marked after this full sync (``None`` when they may).

        A record without a usable id could be any stored record, so nothing may be marked. Fewer
        records than the vendor announced block deletions too, unless every unseen record is
        re-checked by id (``id_recheck``): then only records the vendor confirms missing go.
        """
        if stats.unidentified:
            return f"{stats.unidentified} record(s) had no usable id"
        total, fetched = run.get("total"), int(run.get("fetched", 0))
        source = model.component
        if total is not None and fetched < total and isinstance(source, ListSource):
            short = f"the vendor announced {total} records but {fetched} arrived"
            if source.deletions.kind != "id_recheck" or not source.id_field:
                return short
            self._warn(stats, f"{short}; unseen records are re-checked by id before any is marked deleted")
        return None

    def _detect_deletions(self, model: ModelSpec, run: dict[str, Any], report: SyncReport) -> None:
        stats = report.models[model.model]
        source = model.component
        blocker = self._deletion_blocker(model, run, stats)
        if blocker is not None:
            stats.error = f"{blocker}; deletion detection was skipped so nothing is marked deleted by mistake"
            return
        check = source.deletions if isinstance(source, ListSource) else None
        if isinstance(source, UnionSource):
            check = source.parts[0].deletions
        if isinstance(source, FanOutSource):  # every parent was asked: what none of them listed is gone
            check = source.list.deletions
        if check is not None and check.kind == "none":
            return
        unseen = self.store.unseen(self.integration.id, model.model, run["sync_id"])
        if (
            unseen
            and isinstance(source, ListSource)
            and check is not None
            and check.kind == "id_recheck"
            and source.id_field
            and (check.filter is not None or check.query)
        ):
            confirmed = self._confirm(model, source, [r for _, r in unseen], run, report)
            unseen = [(i, r) for i, r in unseen if r not in confirmed]
        live = self.store.count(self.integration.id, model.model)
        if (
            unseen
            and not self.allow_mass_delete
            and len(unseen) > MASS_DELETE_MINIMUM
            and len(unseen) > self.max_delete_share * max(live, 1)
        ):
            stats.error = (
                f"this sync would mark {len(unseen)} of {live} {model.model} records deleted (more than "
                f"{self.max_delete_share:.0%}); nothing was marked. Check the vendor, then sync again with "
                "--allow-mass-delete if that is right"
            )
            return
        now = utc_now()
        with self.store.transaction() as db:
            stats.deleted += self.store.mark_deleted(
                self.integration.id, model.model, [i for i, _ in unseen], now=now, db=db
            )
            for derived in self.derived_of(model.model):
                gone = [
                    cid for cid, _ in self.store.children(self.integration.id, derived.model, [r for _, r in unseen])
                ]
                gone += [i for i, _ in self.store.unseen(self.integration.id, derived.model, run["sync_id"])]
                # children of parents left out as invalid stay as they are, like their parents
                kept = {cid for cid, _ in self.store.children(self.integration.id, derived.model, stats.skipped_ids)}
                report.models[derived.model].deleted += self.store.mark_deleted(
                    self.integration.id, derived.model, set(gone) - kept, now=now, db=db
                )

    def _confirm(
        self, model: ModelSpec, source: ListSource, remote_ids: list[str], run: dict[str, Any], report: SyncReport
    ) -> set[str]:
        """Re-fetch records a full sync did not see; those still there are stored, not deleted."""
        found: set[str] = set()
        check = source.deletions
        mapper = self.engine.mapper(self.specs.name, model.model)
        ctx = self._context()
        stats = report.models[model.model]
        size = max(1, min(check.max_ids, source.paginator.page_size or check.max_ids))
        for start in range(0, len(remote_ids), size):
            chunk = remote_ids[start : start + size]
            data = {"field": source.id_field, "ids": chunk}
            id_filter = check.filter.search(data) if check.filter is not None else None
            query = {k: v for k, v in ((k, e.search(data)) for k, e in check.query.items()) if v is not None}
            request_ctx = self._request_context(source, {"since": None}, id_filter)
            with context.mapping_context(ctx):
                records: list[Any] = []
                for page in self._pages_of(source, request_ctx, None, query, limit=len(chunk)):
                    records.extend(page.records)
                limit = _iso(self.started + FUTURE_TOLERANCE)
                rows, _ = self._apply(stats, records, map_page(mapper, source, records, ctx, limit), mapper)
            derived_rows = {d.model: self._derive(d, records, ctx, report) for d in self.derived_of(model.model)}
            with self.store.transaction() as db:
                self.store.upsert(
                    self.integration.id, model.model, rows, seen_sync=run["sync_id"], now=utc_now(), db=db
                )
                for derived_name, (children, _) in derived_rows.items():
                    self.store.upsert(
                        self.integration.id, derived_name, children, seen_sync=run["sync_id"], now=utc_now(), db=db
                    )
            found.update(r["remote_id"] for r, _ in rows)
        return found
