"""Sync benchmarks: wall time against the rate-limit floor, requests, throughput, memory, lint.

    python bench/bench_sync.py [--candidates 100000] [--rates real,10x] [--skip-memory]

Each figure is reported next to its baseline from the same run:
- full sync wall time ÷ floor, where floor = requests ÷ the sandbox's allowed rate, at OTYS's
  real limit (350/min) and at 10× it (a 100,000-candidate tenant needs about 1,300 requests);
- client records/s per core with the limit off (records ÷ CPU seconds of the syncing process and
  its mapping processes), mapping in one process and in ``auto`` processes side by side;
- CPU µs per record of a candidate page, step by step: decode, map, validate, hash, store;
- full sync requests ÷ Σ ceil(records ÷ 200) per model; incremental requests after 100 edits;
- records per second end to end with the rate limit off;
- peak RSS of a full sync of N/10 vs N candidates (each in a fresh process);
- time to lint the shipped specs, and 100 copies of them.
The sandbox runs in its own process so it does not compete for this one's GIL. Each figure is
printed as soon as it is measured and the figures so far are kept in ``bench/results.json``
(``"complete": false`` until the run ends), so a long run that is cut short still leaves them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SandboxProcess, save

REAL_LIMIT = 350  # OTYS's requests per minute per API key (the connector's rate_limit)
MODEL_SERVICES = {
    "user": "UserService",
    "job": "VacancyService",
    "candidate": "CandidateService",
    "application": "ProcedureService",
}


def _sync(
    base_url: str, api_key: str, store: str, rate: int, *, full: bool = True, processes: str | None = None
) -> tuple[float, object]:
    """A sync whose client budget is the sandbox's rate (0 = no limit), as a tenant setting would say."""
    import os

    from unimap.service import Unimap

    if processes is not None:
        os.environ["UNIMAP_MAP_PROCESSES"] = processes
    with Unimap(f"sqlite:///{store}") as um:
        if not um.store.integrations():
            um.connect(
                "otys",
                {"api_key": api_key},
                base_url=base_url,
                integration_id="otys:bench",
                settings={"requests_per_minute": rate},
            )
        started = time.perf_counter()
        report = um.sync("otys:bench", full=full)
        return time.perf_counter() - started, report


def _rss_of_sync(candidates: int) -> tuple[int, int]:
    """(RSS before, peak RSS during) a full sync of ``candidates``, in KiB, in a fresh process.

    The peak is reset (``/proc/self/clear_refs``) once the process has started and connected,
    so it measures what the sync itself holds, not the imports.
    """
    here = str(Path(__file__).resolve().parent)
    code = (
        f"import sys, tempfile, os; sys.path.insert(0, {here!r})\n"
        "from common import SandboxProcess\n"
        "from bench_sync import _sync, _kib\n"
        f"with SandboxProcess({candidates}, 0) as sb, tempfile.TemporaryDirectory() as d:\n"
        "    _sync(sb.base_url, sb.api_key, os.path.join(d, 'warm.db'), 0)\n"
        "    before = _kib('VmRSS')\n"
        "    open('/proc/self/clear_refs', 'w').write('5')\n"
        "    _sync(sb.base_url, sb.api_key, os.path.join(d, 's.db'), 0)\n"
        "    print(before, _kib('VmHWM'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, peak = out.stdout.strip().splitlines()[-1].split()
    return int(before), int(peak)


def _kib(field: str) -> int:
    """A ``/proc/self/status`` memory figure in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _lint_seconds(copies: int) -> float:
    from unimap.engine import Engine
    from unimap.lint import lint_paths
    from unimap.resources import mappings_dir

    loader = Engine().loader()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(copies):
            shutil.copytree(mappings_dir() / "otys", Path(tmp) / f"otys{i}")
        started = time.perf_counter()
        findings = lint_paths([tmp] if copies else [mappings_dir()], loader)
        elapsed = time.perf_counter() - started
    if findings.errors():
        raise SystemExit(f"lint found errors in the shipped specs: {findings.errors()[0]}")
    return elapsed


def _cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the mapping processes)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _breakdown(base_url: str, api_key: str, store: str) -> dict[str, float]:
    """CPU µs per candidate record of each step of a sync, on the pages a full sync reads."""
    import orjson

    from unimap import context
    from unimap.pagemap import collector_paused, list_source
    from unimap.service import Unimap
    from unimap.store.rows import record_hash
    from unimap.sync import Syncer
    from unimap.validate import record_validator

    with Unimap(f"sqlite:///{store}") as um:
        integration = um.connect("otys", {"api_key": api_key}, base_url=base_url, integration_id="otys:parts")
        syncer = Syncer(um.engine, um.store, integration, map_processes="off")
        spec = syncer.specs.models["candidate"]
        source = list_source(spec.component, 0)
        mapper = um.engine.mapper("otys", "candidate")
        ctx = syncer._context()
        with context.mapping_context(ctx):
            pages = [p.records for p in syncer._pages_of(source, syncer._request_context(source, {}), None)]
        bodies = [orjson.dumps(p) for p in pages]
        validator = record_validator("candidate")
        count = sum(len(p) for p in pages)
        times: dict[str, float] = {}

        def clock(step: str, work: object) -> object:
            started = time.process_time()
            result = work() if callable(work) else None
            times[step] = (time.process_time() - started) / count * 1e6
            return result

        clock("decode", lambda: [orjson.loads(b) for b in bodies])
        with context.mapping_context(ctx), collector_paused():  # as map_page maps and validates
            mapped = clock("map", lambda: [[mapper.map(raw, ctx) for raw in p] for p in pages])
            clock("validate", lambda: [validator.is_valid(r) for p in mapped for r in p])  # type: ignore[attr-defined]
        clock("hash", lambda: [record_hash(r) for p in mapped for r in p])  # type: ignore[attr-defined]

        def store_pages() -> None:
            for page in mapped:  # type: ignore[attr-defined]
                with um.store.transaction() as db:
                    um.store.upsert(integration.id, "candidate", [(r, None) for r in page], seen_sync=1, now="x", db=db)

        clock("store", store_pages)
        times["store"] -= times["hash"]  # upsert hashes each record itself
        syncer.close()
    times["total"] = sum(times.values())
    return {k: round(v, 2) for k, v in times.items()}


def _emit(figures: dict[str, object], *rows: tuple[str, str, str]) -> None:
    """Print ``rows`` now and keep the figures so far in ``bench/results.json`` (a run cut short keeps them)."""
    width = 34
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>14}  {note}", flush=True)
    save("sync", {**figures, "complete": False})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument(
        "--rates", default="real,10x", help="sandbox rate limits: requests/minute, 'real' (350) or '10x' (3,500)"
    )
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-lint", action="store_true")
    parser.add_argument("--skip-unlimited", action="store_true", help="leave out the limit-off runs and the breakdown")
    args = parser.parse_args()
    named = {"real": REAL_LIMIT, "10x": 10 * REAL_LIMIT}
    rates = [named.get(r.strip()) or int(r) for r in args.rates.split(",") if r.strip()]
    figures: dict[str, object] = {"candidates": args.candidates, "rates_per_minute": rates}
    limited: dict[str, dict[str, float]] = {}
    print(f"sync of a {args.candidates}-candidate sandbox tenant", flush=True)

    for index, rate in enumerate(rates):
        with tempfile.TemporaryDirectory() as tmp, SandboxProcess(args.candidates, rate) as sb:
            counts = json.loads(sb.ask("counts"))
            wall, report = _sync(sb.base_url, sb.api_key, f"{tmp}/limited.db", rate)
            requests = report.requests  # type: ignore[attr-defined]
            floor = requests / (rate / 60.0)
            run = limited[str(rate)] = {
                "seconds": round(wall, 2),
                "floor_seconds": round(floor, 2),
                "wall_over_floor": round(wall / floor, 3),
                "requests": requests,
            }
            figures.update(limited=limited)
            _emit(
                figures,
                (
                    f"full sync wall time at {rate}/min",
                    f"{run['seconds']} s",
                    f"{requests} requests, floor {run['floor_seconds']} s → ratio {run['wall_over_floor']} "
                    "(target ≤ 1.10)",
                ),
            )
            if index:
                continue
            ideal = sum(math.ceil(counts[s] / 200) for s in MODEL_SERVICES.values()) + 1  # + the stage catalogue
            sb.ask("touch 100")
            _, delta = _sync(sb.base_url, sb.api_key, f"{tmp}/limited.db", rate, full=False)
            per_model = {m: r.requests for m, r in delta.models.items()}  # type: ignore[attr-defined]
            figures.update(
                requests=requests,
                ideal_requests=ideal,
                requests_over_ideal=round(requests / ideal, 4),
                incremental_requests=delta.requests,  # type: ignore[attr-defined]
                incremental_requests_per_model=per_model,
                incremental_changed=delta.models["candidate"].changed,  # type: ignore[attr-defined]
            )
            _emit(
                figures,
                (
                    "full sync requests",
                    str(requests),
                    f"Σ ceil(records/200) = {ideal} → ratio {figures['requests_over_ideal']}",
                ),
                (
                    "incremental requests (100 edits)",
                    str(figures["incremental_requests"]),
                    f"per model {per_model}; ceil(100/200) = 1 for candidates",
                ),
            )
    if not args.skip_unlimited:
        free: dict[str, dict[str, float]] = {}
        with tempfile.TemporaryDirectory() as tmp, SandboxProcess(args.candidates, 0) as sb:
            counts = json.loads(sb.ask("counts"))
            records = sum(counts[s] for s in MODEL_SERVICES.values())
            _sync(sb.base_url, sb.api_key, f"{tmp}/warm.db", 0, processes="off")
            cores = str(min(os.cpu_count() or 1, 8))  # what ``auto`` starts on an integration that is already big
            for processes in ("off", cores, "off", cores):  # side by side, twice: the best of each
                cpu = _cpu_seconds()
                wall_free, _ = _sync(
                    sb.base_url, sb.api_key, f"{tmp}/free-{processes}-{len(free)}.db", 0, processes=processes
                )
                cpu = _cpu_seconds() - cpu
                best = free.get(processes)
                if best is None or wall_free < best["seconds"]:
                    free[processes] = {
                        "seconds": round(wall_free, 2),
                        "records_per_second": round(records / wall_free),
                        "cpu_seconds": round(cpu, 2),
                        "records_per_cpu_second": round(records / cpu),
                    }
                print(f"    (limit off, map processes {processes}: {wall_free:.2f} s, {cpu:.2f} CPU s)", flush=True)
            figures.update(
                records=records,
                unlimited=free,
                unlimited_seconds=free["off"]["seconds"],
                pool_processes=int(cores),
                records_per_second=free["off"]["records_per_second"],
                records_per_core=free["off"]["records_per_cpu_second"],
            )
            _emit(
                figures,
                *(
                    (
                        f"limit off, map processes {processes}",
                        f"{run['records_per_second']} rec/s",
                        f"{records} records in {run['seconds']} s; {run['records_per_cpu_second']} records per CPU "
                        "second (target ≥ 20,000 per core)",
                    )
                    for processes, run in free.items()
                ),
            )
            parts = _breakdown(sb.base_url, sb.api_key, f"{tmp}/parts.db")
        figures.update(cpu_us_per_record=parts)
        _emit(
            figures,
            (
                "client CPU per candidate",
                f"{parts['total']} µs",
                ", ".join(f"{k} {v}" for k, v in parts.items() if k != "total"),
            ),
        )
    if not args.skip_memory:
        base_small, small = _rss_of_sync(args.candidates // 10)
        print(f"    (peak RSS at {args.candidates // 10} candidates: {small // 1024} MiB)", flush=True)
        base_large, large = _rss_of_sync(args.candidates)
        figures.update(
            rss_kib_small=small,
            rss_kib_large=large,
            rss_ratio=round(large / small, 3),
            rss_kib_before_small=base_small,
            rss_kib_before_large=base_large,
        )
        _emit(
            figures,
            (
                "peak RSS during a full sync",
                f"{large // 1024} MiB",
                f"{args.candidates // 10} candidates: {small // 1024} MiB → ratio {figures['rss_ratio']} "
                f"(target ≤ 1.3; before the sync {base_large // 1024} / {base_small // 1024} MiB)",
            ),
        )
    if not args.skip_lint:
        one, hundred = _lint_seconds(0), _lint_seconds(100)
        figures.update(lint_shipped_seconds=round(one, 3), lint_100_copies_seconds=round(hundred, 3))
        _emit(
            figures,
            (
                "lint shipped specs",
                f"{one * 1000:.0f} ms",
                f"100 copies: {hundred:.2f} s ({hundred / max(one, 1e-9) / 100:.2f}× per copy)",
            ),
        )
    save("sync", {**figures, "complete": True})


if __name__ == "__main__":
    main()
