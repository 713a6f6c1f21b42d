"""Sync workers on PostgreSQL: throughput of 1, 2 and 4 workers, the per-integration lock, and a SIGKILL fault run.

    python bench/bench_workers.py [--integrations 20] [--sandboxes 4] [--size 400] [--latency 0.25]
                                  [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

One machine, loopback only. The integrations are spread over ``--sandboxes`` OTYS sandbox processes
(each a tenant of ``--size`` candidates answering after ``--latency`` seconds, like a remote vendor);
each integration is its own mirror. For each worker count a fresh database gets every integration
connected and one full sync queued per integration, then that many ``unimap worker --burst``
processes drain the queue. Reported side by side: records per second and the ratio against 1 worker,
and the lock check (overlapping syncs of one integration: must be 0).

The fault run starts 2 workers and, every ``--kill-every`` seconds while a sync runs, SIGKILLs the older
one (and starts a fresh one),
until every integration has a finished sync; then every integration's export must equal the clean
1-worker run's, with no duplicate rows.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

from common import save, table

MODELS = ("user", "job", "candidate", "application_stage", "application", "job_hiring_team_member")


def _sandbox_main(seed: int, size: int, latency: float) -> None:
    from unimap_connectors.otys.sandbox import Sandbox

    faults = f"hang=1:{latency}" if latency > 0 else None
    with Sandbox(seed=seed, size=size, rate_limit=None, faults=faults) as sandbox:
        print(json.dumps({"base_url": sandbox.base_url, "api_key": sandbox.api_key}), flush=True)
        sys.stdin.read()


def _start_sandbox(seed: int, size: int, latency: float) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--sandbox", str(seed), str(size), str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())


def _database(admin: str) -> str:
    import psycopg

    name = f"unimap_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


def _drop(admin: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')


def _prepare(url: str, sandboxes: list[dict[str, str]], integrations: int) -> list[str]:
    from unimap.service import Unimap
    from unimap.worker.queue import SyncQueue

    ids = []
    with Unimap(url) as um:
        for i in range(integrations):
            sb = sandboxes[i % len(sandboxes)]
            ids.append(
                um.connect(
                    "otys", {"api_key": sb["api_key"]}, base_url=sb["base_url"], integration_id=f"otys:bench{i:02d}"
                ).id
            )
        queue = SyncQueue(url)
        for iid in ids:
            queue.enqueue(iid, "full", reason="bench")
        queue.close()
    return ids


def _worker(url: str, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "unimap",
                "worker",
                "--store",
                url,
                "--full-every",
                "0",
                "--delta-every",
                "0",
                "--stalled-after",
                "3",
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def _strip(value: Any) -> Any:
    """A record without ``changed_at`` at any depth (when a store saw a change differs between runs)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "changed_at"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _epoch(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def _check(url: str, ids: list[str]) -> dict[str, Any]:
    """Overlapping syncs per integration, records, and each integration's export (volatile fields out)."""
    from unimap.service import Unimap

    overlaps, records, exports, finished, spans_all = 0, 0, {}, 0, []
    with Unimap(url) as um:
        for iid in ids:
            rows = sorted(um.store.syncs(iid, 10_000), key=lambda r: r["id"])
            spans_all += [(_epoch(r["started_at"]), _epoch(r["finished_at"])) for r in rows if r["finished_at"]]
            finished += any(r["status"] == "success" for r in rows)
            spans = [(_epoch(r["started_at"]), _epoch(r["finished_at"] or r["started_at"])) for r in rows]
            overlaps += sum(1 for a, b in itertools.pairwise(spans) if b[0] < a[1])
            records += sum(um.store.count(iid, m, include_deleted=True) for m in MODELS)
            exports[iid] = {
                m: sorted(
                    json.dumps(_strip(r), sort_keys=True)
                    for r in um.export(m, iid, include_deleted=True, page_size=500)
                )
                for m in MODELS
            }
        duplicates = um.store.db.execute(
            "SELECT COUNT(*) AS n FROM (SELECT integration_id, model, remote_id FROM records GROUP BY "
            "integration_id, model, remote_id HAVING COUNT(*) > 1) d"
        ).fetchone()["n"]
    window = max(b for _, b in spans_all) - min(a for a, _ in spans_all) if spans_all else 0.0
    return {
        "overlaps": overlaps,
        "records": records,
        "exports": exports,
        "finished": finished,
        "duplicates": int(duplicates),
        "sync_window_s": window,
    }


def _throughput(
    admin: str, sandboxes: list[dict[str, str]], integrations: int, workers: int, logs: Path
) -> dict[str, Any]:
    url = _database(admin)
    try:
        ids = _prepare(url, sandboxes, integrations)
        started = time.perf_counter()
        procs = [_worker(url, logs / f"w{workers}-{i}.log", "--burst") for i in range(workers)]
        codes = [p.wait(3600) for p in procs]
        seconds = time.perf_counter() - started
        found = _check(url, ids)
        return {
            "workers": workers,
            "seconds": seconds,
            "records": found["records"],
            "records_per_s": found["records"] / seconds,
            "sync_window_s": found["sync_window_s"],
            "records_per_s_syncing": found["records"] / max(found["sync_window_s"], 1e-9),
            "overlaps": found["overlaps"],
            "finished": found["finished"],
            "exit_codes": codes,
            "exports": found["exports"],
        }
    finally:
        _drop(admin, url)


def _fault_run(
    admin: str, sandboxes: list[dict[str, str]], integrations: int, kill_every: float, max_kills: int, logs: Path
) -> dict[str, Any]:
    """Two workers; every ``kill_every`` s, while a sync runs, the older one is SIGKILLed and replaced
    (``max_kills`` times, then the run is left to finish)."""
    from unimap.service import Unimap

    url = _database(admin)
    kills, spawned = 0, 0

    def spawn() -> tuple[subprocess.Popen[bytes], float]:
        nonlocal spawned
        spawned += 1
        return _worker(url, logs / f"fault-{spawned}.log", "--concurrency", "2"), time.monotonic()

    try:
        ids = _prepare(url, sandboxes, integrations)
        procs = [spawn(), spawn()]
        deadline = time.monotonic() + 1800
        with Unimap(url) as um:
            while time.monotonic() < deadline:
                time.sleep(kill_every)
                if all(um.store.has_finished_sync(i) for i in ids):
                    break
                running = um.store.db.execute("SELECT COUNT(*) AS n FROM syncs WHERE status = 'running'").fetchone()
                oldest = min(range(len(procs)), key=lambda i: procs[i][1])
                if kills < max_kills and running["n"] and time.monotonic() - procs[oldest][1] >= kill_every:
                    procs[oldest][0].send_signal(signal.SIGKILL)
                    procs[oldest][0].wait(30)
                    kills += 1
                    procs[oldest] = spawn()
        for proc, _ in procs:
            proc.send_signal(signal.SIGTERM)
        for proc, _ in procs:
            proc.wait(120)
        found = _check(url, ids)
        with Unimap(url) as um:
            interrupted = sum(r["status"] == "interrupted" for i in ids for r in um.store.syncs(i, 10_000))
        return {**found, "kills": kills, "interrupted": interrupted}
    finally:
        _drop(admin, url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--integrations", type=int, default=20)
    parser.add_argument("--sandboxes", type=int, default=4)
    parser.add_argument("--size", type=int, default=400, help="candidates per sandbox tenant")
    parser.add_argument("--latency", type=float, default=0.25, help="seconds each vendor request takes")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--kill-every", type=float, default=8.0)
    parser.add_argument("--kills", type=int, default=8, help="SIGKILLs in the fault run")
    parser.add_argument("--no-fault-run", action="store_true")
    parser.add_argument(
        "--admin-url", default=os.environ.get("UNIMAP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"unimap-bench-workers-{os.getpid()}"
    logs.mkdir(parents=True, exist_ok=True)
    started = [_start_sandbox(seed, args.size, args.latency) for seed in range(1, args.sandboxes + 1)]
    sandboxes = [info for _, info in started]
    try:
        runs = [
            _throughput(args.admin_url, sandboxes, args.integrations, int(w), logs) for w in args.workers.split(",")
        ]
        base = runs[0]
        rows = []
        for run in runs:
            rows.append(
                (
                    f"{run['workers']} worker(s): records/s",
                    f"{run['records_per_s']:,.0f}",
                    f"{run['records_per_s'] / base['records_per_s']:.2f}x 1 worker; {run['seconds']:.1f} s, "
                    f"{run['finished']}/{args.integrations} synced, overlapping syncs {run['overlaps']}",
                )
            )
            rows.append(
                (
                    f"{run['workers']} worker(s): records/s while syncing",
                    f"{run['records_per_s_syncing']:,.0f}",
                    f"{run['records_per_s_syncing'] / base['records_per_s_syncing']:.2f}x 1 worker; first sync "
                    f"start to last sync end {run['sync_window_s']:.1f} s (process start-up left out)",
                )
            )
        same = all(run["exports"] == base["exports"] for run in runs)
        rows.append(("every run's store equal", str(same), "exports compared per integration"))
        figures: dict[str, Any] = {
            "integrations": args.integrations,
            "sandboxes": args.sandboxes,
            "size": args.size,
            "latency_s": args.latency,
            "runs": [{k: v for k, v in run.items() if k != "exports"} for run in runs],
            "ratios": {str(run["workers"]): run["records_per_s"] / base["records_per_s"] for run in runs},
            "stores_equal": same,
        }
        if not args.no_fault_run:
            fault = _fault_run(args.admin_url, sandboxes, args.integrations, args.kill_every, args.kills, logs)
            equal = fault["exports"] == base["exports"]
            rows.append(
                (
                    "fault run: SIGKILLs",
                    str(fault["kills"]),
                    f"every {args.kill_every:g} s; {fault['interrupted']} syncs interrupted and resumed",
                )
            )
            rows.append(
                (
                    "fault run: store equals clean run",
                    str(equal),
                    f"duplicate rows {fault['duplicates']}, overlapping syncs {fault['overlaps']}, "
                    f"{fault['finished']}/{args.integrations} synced",
                )
            )
            figures["fault"] = {k: v for k, v in fault.items() if k != "exports"} | {"equals_clean_run": equal}
        table(
            f"Workers on PostgreSQL ({args.integrations} integrations over {args.sandboxes} sandboxes of "
            f"{args.size} candidates, {args.latency * 1000:g} ms per vendor request; logs in {logs})",
            rows,
        )
        save("workers", figures)
        ok = (
            same
            and all(r["overlaps"] == 0 for r in runs)
            and (args.no_fault_run or (figures["fault"]["equals_clean_run"] and figures["fault"]["duplicates"] == 0))
        )
        return 0 if ok else 1
    finally:
        for proc, _ in started:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(60)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--sandbox":
        _sandbox_main(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        raise SystemExit(main())
