"""Benchmark: list pages of 100 candidates from ``unimap serve --workers N`` beside a bare starlette endpoint.

Run as ``python bench/bench_serve.py [--candidates C] [--seconds T] [--connections K] [--workers N]``.

A store is synced from an OTYS sandbox (its own process), copied into PostgreSQL when a server
answers (``UNIMAP_BENCH_POSTGRES``, else ``UNIMAP_TEST_POSTGRES``, else the local default), and
served by ``unimap serve --workers N`` in a subprocess. A load process (this file with ``--load``)
holds K keep-alive connections and sends ``GET /v1/ats/candidates?page_size=100`` for T seconds,
walking every page of the listing by its cursors, and measures each request on the client side
(asyncio streams with prebuilt requests: a few µs per request, so the client is not the limit).
In the same run a bare starlette app (uvicorn, the same worker count) returns the precomputed
bytes of the first page, and the ratio of the two throughputs is reported. Unloaded latency is one
connection sending one request at a time. Each backend is served twice: with the page cache (pages
kept until the store's generation moves: SQLite's data_version, PostgreSQL's trigger-kept
store_generation) and with it off (``UNIMAP_PAGE_CACHE_MB=0``: every page read, assembled and
spliced). In-process figures per page (store read + render) show where the server's time goes: the
spliced path (warm: nested objects already rendered once; cold: that per-process memo emptied
first) against parsing every record and re-encoding it.

Figures merge into ``bench/results.json`` under ``"serve"`` (other keys are kept). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import RESULTS, SandboxProcess, save  # noqa: E402

KEY = "serve"
INTEGRATION = "otys:bench"
PATH = "/v1/ats/candidates"


# -- the load process --------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (nearest rank) of ``values``."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


async def _response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Read one HTTP/1.1 response with a Content-Length; (status, body bytes)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status, length


async def _connection(host: str, port: int, requests: list[bytes], start: int, until: float, out: list[Any]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    index = start
    try:
        while time.perf_counter() < until:
            request = requests[index % len(requests)]
            index += 1
            began = time.perf_counter()
            writer.write(request)
            status, size = await _response(reader)
            out.append((time.perf_counter() - began, status, size))
    finally:
        writer.close()


async def _load(host: str, port: int, requests: list[bytes], connections: int, seconds: float) -> list[Any]:
    samples: list[Any] = []
    warm = time.perf_counter() + min(2.0, seconds / 5)  # warm-up: workers' first pages, caches
    await asyncio.gather(*(_connection(host, port, requests, i, warm, []) for i in range(connections)))
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_connection(host, port, requests, i * 7, until, samples) for i in range(connections)))
    return samples


def ms(seconds: float) -> float:
    """Seconds as milliseconds, two decimals."""
    return round(seconds * 1000, 2)


def load(url: str, key: str, paths: list[str], connections: int, seconds: float) -> dict[str, Any]:
    """Figures of ``connections`` connections sending ``paths`` in turn for ``seconds`` (then one at a time)."""
    host, _, port = url.split("//", 1)[1].split("/", 1)[0].rpartition(":")
    requests = [
        (
            f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
            f"X-Integration-Id: {INTEGRATION}\r\nAccept: application/json\r\n\r\n"
        ).encode()
        for p in paths
    ]
    started = time.perf_counter()
    samples = asyncio.run(_load(host, int(port), requests, connections, seconds))
    wall = time.perf_counter() - started - min(2.0, seconds / 5)
    single = asyncio.run(_load(host, int(port), requests, 1, min(3.0, seconds / 3)))
    times = [s[0] for s in samples]
    one = [s[0] for s in single]
    return {
        "requests": len(samples),
        "failures": sum(s[1] != 200 for s in samples + single),
        "seconds": round(wall, 2),
        "requests_per_second": round(len(samples) / wall, 1) if wall else 0.0,
        "p50_ms": ms(percentile(times, 0.50)),
        "p99_ms": ms(percentile(times, 0.99)),
        "max_ms": ms(max(times, default=0.0)),
        "mean_body_bytes": round(sum(s[2] for s in samples) / max(1, len(samples))),
        "unloaded_p50_ms": ms(percentile(one, 0.50)),
        "unloaded_p99_ms": ms(percentile(one, 0.99)),
        "unloaded_requests": len(one),
    }


# -- the servers ----------------------------------------------------------------------------------------


def bare_app() -> Any:
    """A starlette app answering every GET with the bytes in ``BENCH_BARE_BODY`` (the baseline)."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    body = Path(os.environ["BENCH_BARE_BODY"]).read_bytes()

    async def page(request: Any) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route(PATH, page, methods=["GET"])])


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(1.0)  # every worker up
                return
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _run_load(url: str, key: str, paths: list[str], args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--load", url, key, json.dumps(paths), str(args.connections)]
    command.append(str(args.seconds))
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_listening(port, proc)
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def measure(store_url: str, key: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Served and bare figures for one store, side by side."""
    import orjson

    from unimap.service import Unimap

    service = Unimap(store_url)
    paths, cursor = [], None
    first: bytes | None = None
    while True:
        page = service.list_fragments("candidate", INTEGRATION, page_size=100, cursor=cursor)
        paths.append(f"{PATH}?page_size=100" + (f"&cursor={cursor}" if cursor else ""))
        if first is None:
            first = orjson.dumps({"status": "success", "data": {"next": page.next, "results": page.results}})
        cursor = page.next
        if not cursor:
            break
    in_process = _in_process(service)
    service.close()
    assert first is not None
    body = folder / "bare.json"
    body.write_bytes(first)

    port = _free_port()
    serve = [sys.executable, "-m", "unimap", "serve", "--port", str(port), "--workers", str(args.workers)]
    serve += ["--delta-every", "0", "--full-every", "0", "--log-level", "error", "--store", store_url]
    proc = _serve(serve, {}, port)
    try:
        served = _run_load(f"http://127.0.0.1:{port}/v1", key, paths, args)
    finally:
        _stop(proc)
    port = _free_port()  # the same, with the page cache off: every page assembled and spliced
    serve[serve.index("--port") + 1] = str(port)
    proc = _serve(serve, {"UNIMAP_PAGE_CACHE_MB": "0"}, port)
    try:
        uncached = _run_load(f"http://127.0.0.1:{port}/v1", key, paths, args)
    finally:
        _stop(proc)

    port = _free_port()
    bare = [sys.executable, "-c", _BARE.format(here=str(HERE), port=port, workers=args.workers)]
    proc = _serve(bare, {"BENCH_BARE_BODY": str(body)}, port)
    try:
        baseline = _run_load(f"http://127.0.0.1:{port}/v1", key, [paths[0]], args)
    finally:
        _stop(proc)
    return {
        "served": served,
        "served_page_cache_off": uncached,
        "bare": baseline,
        "ratio_to_bare": round(served["requests_per_second"] / baseline["requests_per_second"], 3)
        if baseline["requests_per_second"]
        else None,
        "pages": len(paths),
        "first_page_bytes": len(first),
        "in_process": in_process,
    }


_BARE = (
    "import sys; sys.path.insert(0, {here!r}); import uvicorn; "
    "uvicorn.run('bench_serve:bare_app', factory=True, host='127.0.0.1', port={port}, workers={workers}, "
    "log_level='error', app_dir={here!r})"
)


def _in_process(service: Any) -> dict[str, float]:
    """Per-page CPU in this process (best of runs): the spliced path and the parse-and-dump one."""
    import orjson

    def best(work: Any, runs: int = 30) -> float:
        work()
        fastest = float("inf")
        for _ in range(runs):
            began = time.perf_counter()
            work()
            fastest = min(fastest, time.perf_counter() - began)
        return round(fastest * 1000, 3)

    def spliced() -> bytes:
        page = service.list_fragments("candidate", INTEGRATION, page_size=100)
        return orjson.dumps({"status": "success", "data": {"next": page.next, "results": page.results}})

    def spliced_cold() -> bytes:
        from unimap import assemble

        assemble._RENDERED.clear()
        return spliced()

    def parsed() -> bytes:
        page = service.list_records("candidate", INTEGRATION, page_size=100)
        envelope = {"status": "success", "data": {"next": page.next, "results": page.results}}
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()

    stored = service.store.stored_page(
        INTEGRATION, "candidate", where=["r.remote_deleted_at IS NULL"], params=[], cursor=None, page_size=100
    )
    fragments = service.list_fragments("candidate", INTEGRATION, page_size=100).results
    return {
        "page_spliced_ms": best(spliced),
        "page_spliced_cold_ms": best(spliced_cold),
        "page_parsed_and_dumped_ms": best(parsed),
        "store_read_ms": best(
            lambda: service.store.stored_page(
                INTEGRATION, "candidate", where=["r.remote_deleted_at IS NULL"], params=[], cursor=None, page_size=100
            )
        ),
        "render_envelope_ms": best(lambda: orjson.dumps({"status": "success", "data": {"results": fragments}})),
        "records": len(stored.records),
    }


def _postgres_url(folder: str) -> str | None:
    """A fresh database for the bench on the local server (``None`` when none answers)."""
    try:
        import psycopg
    except ImportError:
        return None
    admin = os.environ.get("UNIMAP_BENCH_POSTGRES") or os.environ.get("UNIMAP_TEST_POSTGRES")
    admin = admin or "postgresql://postgres@127.0.0.1:5432/postgres"
    name = f"unimap_bench_serve_{os.getpid()}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as exc:
        print(f"PostgreSQL skipped: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return None
    return admin.rsplit("/", 1)[0] + f"/{name}"


def _drop_postgres(url: str) -> None:
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--load"]:
        url, key, paths, connections, seconds = argv[1:6]
        print(json.dumps(load(url, key, json.loads(paths), int(connections), float(seconds))), flush=True)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2000, help="sandbox candidates")
    parser.add_argument("--seconds", type=float, default=15.0, help="load time per server")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--workers", type=int, default=2, help="server processes (unimap and bare alike)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-save", action="store_true", help="print only; leave bench/results.json alone")
    args = parser.parse_args(argv)

    from unimap.api.auth import KeyStore
    from unimap.service import Unimap
    from unimap.store.copy import copy_store

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        with SandboxProcess(args.candidates, 0) as sandbox:
            service = Unimap(sqlite_url)
            service.connect(
                "otys",
                {"api_key": sandbox.api_key},
                base_url=sandbox.base_url,
                integration_id=INTEGRATION,
                settings={"allow_private_urls": True},
            )
            report = service.sync(INTEGRATION, full=True)
            key, _ = KeyStore(service.store).create([INTEGRATION], "bench")
            counts = {m: service.store.count(INTEGRATION, m) for m in ("candidate", "application", "job")}
            service.close()
        figures["sqlite"] = measure(sqlite_url, key, args, Path(folder))
        pg_url = None if args.no_postgres else _postgres_url(folder)
        if pg_url:
            try:
                copy_store(sqlite_url, pg_url)
                figures["postgresql"] = measure(pg_url, key, args, Path(folder))
            finally:
                _drop_postgres(pg_url)
    figures.update(
        sync_ok=report.ok,
        store_records=counts,
        connections=args.connections,
        workers=args.workers,
        seconds=args.seconds,
        python=platform.python_version(),
        machine=platform.machine(),
        cpus=os.cpu_count(),
    )
    for backend in ("sqlite", "postgresql"):
        row = figures.get(backend)
        if not row:
            continue
        served, bare = row["served"], row["bare"]
        print(
            f"\n{backend}, page cache on: {served['requests_per_second']} list requests/s of 100 candidates "
            f"({args.connections} connections, {args.workers} workers), p50 {served['p50_ms']} ms, "
            f"p99 {served['p99_ms']} ms, failures {served['failures']}; unloaded p50 {served['unloaded_p50_ms']} ms"
        )
        print(
            f"  bare starlette, same {row['first_page_bytes']} bytes: {bare['requests_per_second']}/s, "
            f"p50 {bare['p50_ms']} ms, unloaded {bare['unloaded_p50_ms']} ms → ratio {row['ratio_to_bare']}"
        )
        off = row["served_page_cache_off"]
        print(
            f"  page cache off: {off['requests_per_second']}/s, p50 {off['p50_ms']} ms, p99 {off['p99_ms']} ms, "
            f"unloaded p50 {off['unloaded_p50_ms']} ms"
        )
        print(f"  in process, per page: {row['in_process']}")
    if not args.no_save:
        save(KEY, figures)
        print(f"\nsaved under {KEY!r} in {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
