"""Benchmark: concurrent list and action requests against a live ``unimap serve``, from a second process.

Run as ``python bench/bench_api_load.py [--requests N] [--concurrency C] [--seconds T] [--size S]``.

Three processes, all on 127.0.0.1: an OTYS sandbox (its own process, so it does not share the
server's GIL), this process serving the API (uvicorn in a thread, over a store synced from the
sandbox), and a load process (this file with ``--worker``) that sends a bounded number of
requests, stopping early at the time limit, from a thread pool of httpx clients. The mix is
mostly list calls (every endpoint, random page sizes and filters, some following ``next``) with
a share of actions (create application, then a result link on it). The worker measures each
request's latency on the client side; this process prints p50/p99 (overall and per kind),
throughput and every failure, and merges the figures into ``bench/results.json`` under
``"api_load"`` (other keys are kept). Not a test: no figure here is a pass/fail threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import httpx
from common import RESULTS, save

KEY = "api_load"
INTEGRATION = "otys:bench"
LISTS = ("users", "jobs", "candidates", "application-stages", "applications")


# -- the load process -------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (nearest rank) of ``values``."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


class Load:
    """Sends the request mix from a thread pool; one httpx client per thread."""

    def __init__(self, url: str, key: str, jobs: list[str], action_share: float, seed: int) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {key}", "X-Integration-Id": INTEGRATION}
        self.jobs = jobs
        self.action_share = action_share
        self.seed = seed
        self.local = threading.local()
        self.lock = threading.Lock()
        self.samples: list[tuple[str, float, int]] = []
        self.failures: list[str] = []
        self.budget = 0
        self.sent = 0

    def client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(base_url=self.url, headers=self.headers, timeout=60)
            self.local.random = random.Random(f"{self.seed}-{threading.get_ident()}")
        return self.local.client  # type: ignore[no-any-return]

    def timed(self, kind: str, method: str, path: str, *, parse: bool = True, **kwargs: Any) -> dict[str, Any] | None:
        """One request, timed; its parsed body when it succeeded and ``parse`` (bodies are parsed after timing).

        ``None`` without sending once the request budget is spent.
        """
        with self.lock:
            if self.sent >= self.budget:
                return None
            self.sent += 1
        started = time.perf_counter()
        message = ""
        response: httpx.Response | None = None
        try:
            response = self.client().request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            message = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        status = response.status_code if response is not None else 0
        body: Any = None
        if response is not None and (parse or status != 200):
            try:
                body = response.json()
            except ValueError:
                body = {"error": {"message": response.text[:200]}}
        elif response is None:
            body = {"error": {"message": message}}
        with self.lock:
            self.samples.append((kind, elapsed, status))
            if status != 200:
                error = (body.get("error") or {}) if isinstance(body, dict) else {}
                self.failures.append(f"{kind} {method} {path}: HTTP {status} {error.get('message') or ''}".strip())
        return body if status == 200 else None

    def one(self, index: int) -> None:
        self.client()  # makes this thread's client and random generator
        rnd: random.Random = self.local.random
        if rnd.random() < self.action_share:
            self.action(index, rnd)
        else:
            self.listing(rnd)

    def listing(self, rnd: random.Random) -> None:
        segment = rnd.choice(LISTS)
        params: dict[str, Any] = {"page_size": rnd.choice((10, 50, 100, 250))}
        if segment == "jobs" and rnd.random() < 0.5:
            params["statuses"] = "OPEN,DRAFT"
        if segment == "applications" and rnd.random() < 0.5:
            params["outcomes"] = rnd.choice(("PENDING", "HIRED,DECLINED"))
        if segment == "candidates" and rnd.random() < 0.3:
            params["updated_after"] = "2020-01-01T00:00:00.000000Z"
        follow = rnd.random() < 0.5
        body = self.timed(f"list {segment}", "GET", f"/ats/{segment}", parse=follow, params=params)
        if body and body["data"]["next"]:
            self.timed(
                f"list {segment}",
                "GET",
                f"/ats/{segment}",
                parse=False,
                params={**params, "cursor": body["data"]["next"]},
            )

    def action(self, index: int, rnd: random.Random) -> None:
        email = f"load.{self.seed}.{index}@bench.example"
        candidate = {"first_name": "Load", "last_name": f"Test {index}", "email_address": email}
        body = self.timed(
            "create_application",
            "POST",
            f"/ats/jobs/{rnd.choice(self.jobs)}/applications",
            json={"candidate": candidate},
        )
        if body:
            self.timed(
                "add_result_link",
                "POST",
                f"/ats/applications/{body['data']['id']}/result-links",
                parse=False,
                json={"label": "Load", "url": f"https://bench.example/r/{index}"},
            )

    def run(self, requests: int, concurrency: int, seconds: float) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        self.budget = requests
        started = time.perf_counter()

        def work(index: int) -> None:
            if time.monotonic() < deadline and self.sent < self.budget:
                self.one(index)

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(work, range(requests)))
        wall = time.perf_counter() - started
        return self.summary(wall)

    def summary(self, wall: float) -> dict[str, Any]:
        kinds: dict[str, list[float]] = {}
        for kind, elapsed, _ in self.samples:
            kinds.setdefault(kind, []).append(elapsed)
        everything = [s[1] for s in self.samples]
        ms = lambda v: round(v * 1000, 2)  # noqa: E731
        return {
            "requests": len(self.samples),
            "failures": len(self.failures),
            "failure_examples": self.failures[:10],
            "seconds": round(wall, 2),
            "requests_per_second": round(len(self.samples) / wall, 1) if wall else 0.0,
            "p50_ms": ms(percentile(everything, 0.50)),
            "p99_ms": ms(percentile(everything, 0.99)),
            "max_ms": ms(max(everything, default=0.0)),
            "by_kind": {
                k: {"requests": len(v), "p50_ms": ms(percentile(v, 0.50)), "p99_ms": ms(percentile(v, 0.99))}
                for k, v in sorted(kinds.items())
            },
        }


def worker(argv: list[str]) -> int:
    """``--worker``: run the load and print its summary as one JSON line."""
    parser = argparse.ArgumentParser()
    for name in ("--url", "--key", "--jobs"):
        parser.add_argument(name, required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--action-share", type=float, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    load = Load(args.url, args.key, json.loads(args.jobs), args.action_share, args.seed)
    print(json.dumps(load.run(args.requests, args.concurrency, args.seconds)), flush=True)
    return 0


# -- the serving process ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        return worker(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="at most this many requests")
    parser.add_argument("--concurrency", type=int, default=16, help="load threads")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop starting requests after this")
    parser.add_argument("--action-share", type=float, default=0.1, help="share of slots that run actions")
    parser.add_argument("--size", type=int, default=500, help="sandbox candidates")
    parser.add_argument("--no-save", action="store_true", help="print only; leave bench/results.json alone")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import SandboxProcess  # the benchmarks' sandbox-in-a-process helper

    from unimap.api import ApiServer, create_app
    from unimap.api.auth import KeyStore
    from unimap.service import Unimap

    with tempfile.TemporaryDirectory() as folder, SandboxProcess(args.size, 0) as sandbox:
        service = Unimap(f"sqlite:///{Path(folder) / 'bench.db'}")
        service.connect(
            "otys",
            {"api_key": sandbox.api_key},
            base_url=sandbox.base_url,
            integration_id=INTEGRATION,
            settings={"allow_private_urls": True},
        )
        started = time.perf_counter()
        report = service.sync(INTEGRATION, full=True)
        sync_seconds = time.perf_counter() - started
        key, _ = KeyStore(service.store).create([INTEGRATION], "bench")
        jobs = [j["id"] for j in service.export("job", INTEGRATION, statuses="OPEN")]
        counts = {m: service.store.count(INTEGRATION, m) for m in ("user", "job", "candidate", "application")}
        app = create_app(service, delta_every=0, full_every=0, max_concurrent_actions=max(30, args.concurrency))
        with ApiServer(app, log_level="error") as server:
            command = [
                sys.executable,
                __file__,
                "--worker",
                "--url",
                server.url,
                "--key",
                key,
                "--jobs",
                json.dumps(jobs),
                "--requests",
                str(args.requests),
                "--concurrency",
                str(args.concurrency),
                "--seconds",
                str(args.seconds),
                "--action-share",
                str(args.action_share),
            ]
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=args.seconds + 300,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        service.close()
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 1
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures.update(
        concurrency=args.concurrency,
        action_share=args.action_share,
        sandbox_candidates=args.size,
        store_records=counts,
        initial_sync_seconds=round(sync_seconds, 2),
        sync_ok=report.ok,
        python=platform.python_version(),
        machine=platform.machine(),
        cpus=os.cpu_count(),
    )
    print(
        f"\nAPI load: {figures['requests']} requests in {figures['seconds']} s "
        f"({figures['requests_per_second']}/s) from {args.concurrency} threads in a second process"
    )
    print(
        f"  latency p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms; "
        f"failures {figures['failures']}"
    )
    for kind, row in figures["by_kind"].items():
        print(f"  {kind:<26} {row['requests']:>6}  p50 {row['p50_ms']:>8} ms  p99 {row['p99_ms']:>8} ms")
    for failure in figures["failure_examples"]:
        print(f"  failure: {failure}")
    if not args.no_save:
        save(KEY, figures)
        print(f"\nsaved under {KEY!r} in {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
