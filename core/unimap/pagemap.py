"""Mapping and validating pages of vendor records, in the syncing process or on every core.

:func:`map_page` turns one page into a :class:`MappedPage`: the valid rows, the newest cursor
value among them and what was left out and why, in record order, so the syncer applies a page's
outcome the same way whichever process mapped it. :class:`MappingPool` maps pages in forked
worker processes; the syncer stays the one writer and stores their results page by page, in order.

The cursor is the maximum of a column: when a mapped field computes exactly the incremental
cursor's expression (``remote_updated_at: iso_datetime(lastModified)`` and
``value: iso_datetime(lastModified)``), the mapped value is read instead of evaluating the
expression again for every record.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from unimap import context
from unimap.context import MappingContext
from unimap.errors import MappingError
from unimap.schemaerrors import first_problem
from unimap.sources import FanOutSource, ListSource, UnionSource
from unimap.store.rows import prepared, prepared_record
from unimap.validate import record_validator

__all__ = ["SKIP", "UNIDENTIFIED", "WARN", "MappedPage", "MappingPool", "list_source", "map_page", "processes_for"]

SKIP, UNIDENTIFIED, WARN = "skip", "unidentified", "warn"  # event kinds, in record order
#: records one core maps, validates and stores per second, about (the client's CPU per record);
#: a vendor allowing fewer than this keeps one core busy enough, so no processes are started
CORE_RECORDS_PER_SECOND = 10_000
MAX_PROCESSES = 8
#: ``auto`` forks only for integrations at least this big (stored records): below it forking costs more than it saves
AUTO_MIN_RECORDS = 20_000


@dataclass
class MappedPage:
    """One page mapped: ``rows`` are ``(record, parent id)``; a page mapped in a worker has ``stored``
    rows instead, ``(prepared, parent id)`` with :func:`~unimap.store.rows.prepared`'s texts to store."""

    rows: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    stored: list[tuple[tuple[str, Any, str, str, str], str | None]] = field(default_factory=list)
    cursor: str | None = None
    events: list[tuple[str, Any, str]] = field(default_factory=list)  # (kind, remote id, message)


def list_source(component: Any, part: int) -> ListSource:
    """The list a model's records come from (``part`` of a union)."""
    if isinstance(component, UnionSource):
        return component.parts[part]
    if isinstance(component, FanOutSource):
        return component.list
    if not isinstance(component, ListSource):
        raise TypeError(f"a {getattr(component, 'kind', component)!r} source maps no pages")
    return component


def _record_id(raw: dict[str, Any], id_field: str | None) -> tuple[bool, Any]:
    """Whether ``raw`` has a usable vendor id (``id_field`` present, not null, not an object or list)."""
    if not id_field:
        return True, None
    value = raw.get(id_field)
    return value not in (None, "") and not isinstance(value, dict | list | bool), value


_pause = {"depth": 0, "restore": False}
_pause_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a page maps (any thread; nested), back as it was after.

    Mapped records hold no reference cycles, yet allocating them runs collections that walk every
    record still held: about a third of a candidate's mapping CPU. Reference counting still frees
    them; a cycle made meanwhile waits for the next collection.
    """
    with _pause_lock:
        if _pause["depth"] == 0:
            _pause["restore"] = gc.isenabled()
            gc.disable()
        _pause["depth"] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause["depth"] -= 1
            if _pause["depth"] == 0 and _pause["restore"]:
                gc.enable()


def map_page(
    mapper: Any,
    source: ListSource,
    records: list[Any],
    ctx: MappingContext,
    limit: str,
    *,
    model_label: str | None = None,
    prepare: bool = False,
) -> MappedPage:
    """Map and validate ``records`` in ``ctx``; cursor values later than ``limit`` are warned about.

    ``prepare`` gives ``stored`` rows (hash and JSON texts computed here, e.g. in a worker, so the
    writer only stores them) instead of ``rows``.
    """
    out = MappedPage()
    rows, stored, events = out.rows, out.stored, out.events
    validator = record_validator(mapper.model)
    incremental = source.incremental
    column = mapper.field_computing(incremental.value) if incremental is not None else None
    evaluate = incremental.value.search if incremental is not None and column is None else None
    id_field, parent_of = source.id_field, source.parent_id
    label = model_label or mapper.model
    cursor: str | None = None
    with context.mapping_context(ctx), collector_paused():
        for raw in records:
            if not isinstance(raw, dict):
                events.append((UNIDENTIFIED, None, "the vendor sent a record that is not an object"))
                continue
            usable, remote_id = _record_id(raw, id_field)
            if not usable:
                events.append((UNIDENTIFIED, None, f"its {id_field!r} is {remote_id!r}, not an id"))
                continue
            try:
                record = mapper.map(raw, ctx)
            except MappingError as exc:
                events.append((SKIP if remote_id is not None else UNIDENTIFIED, remote_id, str(exc)))
                continue
            if not validator.is_valid(record):
                problem = first_problem(validator.reference.iter_errors(record))
                where = ".".join(str(p) for p in problem.path) if problem else "?"
                events.append((SKIP, record["remote_id"], f"{where}: {problem.message if problem else 'invalid'}"))
                continue
            parent_id = parent_of.search(raw) if parent_of is not None else None
            parent = None if parent_id is None else str(parent_id)
            if prepare:
                stored.append((prepared(record), parent))
            else:
                rows.append((record, parent))
            if incremental is not None:
                value = record.get(column) if column is not None else evaluate(raw)  # type: ignore[misc]
                if isinstance(value, str):
                    if value > limit:
                        events.append(
                            (
                                WARN,
                                record["remote_id"],
                                f"{label} {record['remote_id']}: {incremental.field} {value} "
                                "is in the future; it does not move the delta cursor",
                            )
                        )
                    elif cursor is None or value > cursor:
                        cursor = value
    out.cursor = cursor
    return out


def processes_for(setting: str | int | None, per_minute: float, page_size: int, stored: int | None = None) -> int:
    """How many mapping processes a sync starts (0: map in the syncing process).

    ``setting`` is a count, ``0``/``off``, or ``auto`` (the default): processes only when the vendor
    allows more records per second than one core handles (``per_minute`` 0 is no limit) and the
    machine has more than one core, one per core (at most ``MAX_PROCESSES``), for an integration
    whose store already holds ``AUTO_MIN_RECORDS`` records or whose vendor announces as many for
    one model (``stored``: the larger of the two; None skips that check).
    """
    text = str(setting if setting is not None else os.environ.get("UNIMAP_MAP_PROCESSES", "auto")).strip().lower()
    if text in ("", "auto"):
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        allowed = float("inf") if not per_minute else per_minute / 60.0 * max(page_size, 1)
        big = stored is None or stored >= AUTO_MIN_RECORDS
        count = min(cores, MAX_PROCESSES) if cores > 1 and big and allowed > CORE_RECORDS_PER_SECOND else 0
    elif text in ("off", "no", "false", "none"):
        count = 0
    else:
        try:
            count = int(text)
        except ValueError:
            raise ValueError(f"map processes must be a number, 'auto' or 'off', not {setting!r}") from None
    if count and "fork" not in multiprocessing.get_all_start_methods():
        return 0  # workers inherit the loaded engine by forking; without fork, map in process
    return max(0, min(count, 64))


# -- the pool -------------------------------------------------------------------------------------

_STATE: dict[str, Any] = {}  # what a forked worker inherited: engine, connector, context
_FORK_LOCK = threading.Lock()


def _worker_start() -> None:
    """In a worker: Ctrl-C is the parent's to handle (it stops the sync and the pool)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _ready() -> int:
    return os.getpid()


def _map_in_worker(model: str, part: int, records: list[Any], parent: Any, limit: str) -> MappedPage:
    state = _STATE
    mapper = state["engine"].mapper(state["connector"], model)
    source = list_source(mapper.spec.component, part)
    base: MappingContext = state["context"]
    ctx = base if parent is None else MappingContext(base.integration_id, base.settings, base.lookups, parent)
    return map_page(mapper, source, records, ctx, limit, prepare=True)


class MappingPool:
    """Forked processes that map and validate pages; the syncing process stays the one writer.

    The workers are forked when the pool starts (before the sync's own threads, or from a model's
    thread once its first page announced a big total: a child runs only mapping code, which takes
    no lock another thread could hold) and inherit the loaded engine, the integration's settings and
    its lookup tables; pages go to them as vendor records and come back mapped, validated and
    serialised (:func:`~unimap.store.rows.prepared` rows: only the texts to store).
    """

    def __init__(self, engine: Any, connector: str, ctx: MappingContext, processes: int) -> None:
        self.processes = processes
        self.depth = processes + 1  # pages in flight per model: every worker busy, one queued
        blocked = hasattr(signal, "pthread_sigmask")
        mask: set[int | signal.Signals] = set()
        with _FORK_LOCK:
            _STATE.update(engine=engine, connector=connector, context=ctx)
            if blocked:  # the workers start with Ctrl-C blocked until they ignore it
                mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                self._executor = ProcessPoolExecutor(
                    max_workers=processes, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start
                )
                self._executor.submit(_ready).result()  # with fork, every worker starts at the first task
            finally:
                if blocked:
                    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                _STATE.clear()

    def submit(self, model: str, part: int, records: list[Any], parent: Any, limit: str) -> Future[MappedPage]:
        """Map one page of ``model`` in a worker."""
        return self._executor.submit(_map_in_worker, model, part, records, parent, limit)

    def close(self) -> None:
        """Stop the workers (pages still queued are dropped: they were never stored)."""
        self._executor.shutdown(wait=True, cancel_futures=True)


def attach(page: MappedPage) -> list[tuple[dict[str, Any], str | None]]:
    """``page``'s rows as ``(record, parent id)``: a worker's ``stored`` rows as :class:`PreparedRecord`\\ s."""
    if page.stored:
        return [(prepared_record(row), parent) for row, parent in page.stored]
    return page.rows
