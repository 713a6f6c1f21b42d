"""Sync benchmarks: wall time against the rate-limit floor, requests, throughput, memory, lint.

    python bench/bench_sync.py [--candidates 100000] [--rate 35000]

Each figure is reported next to its baseline from the same run:
- full sync wall time ÷ floor, where floor = requests ÷ the sandbox's allowed rate;
- full sync requests ÷ Σ ceil(records ÷ 200) per model; incremental requests after 100 edits;
- records per second end to end with the rate limit off;
- peak RSS of a full sync of N/10 vs N candidates (each in a fresh process);
- time to lint the shipped specs, and 100 copies of them.
The sandbox runs in its own process so it does not compete for this one's GIL.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SandboxProcess, save, table

MODEL_SERVICES = {
    "user": "UserService",
    "job": "VacancyService",
    "candidate": "CandidateService",
    "application": "ProcedureService",
}


def _sync(base_url: str, api_key: str, store: str, rate: int, *, full: bool = True) -> tuple[float, object]:
    """A sync whose client budget is the sandbox's rate (0 = no limit), as a tenant setting would say."""
    from unimap.service import Unimap

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=35_000, help="sandbox rate limit (requests/minute)")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    figures: dict[str, object] = {"candidates": args.candidates, "rate_per_minute": args.rate}

    with tempfile.TemporaryDirectory() as tmp, SandboxProcess(args.candidates, args.rate) as sb:
        counts = json.loads(sb.ask("counts"))
        wall, report = _sync(sb.base_url, sb.api_key, f"{tmp}/limited.db", args.rate)
        requests = report.requests  # type: ignore[attr-defined]
        floor = requests / (args.rate / 60.0)
        ideal = sum(math.ceil(counts[s] / 200) for s in MODEL_SERVICES.values()) + 1  # + the stage catalogue
        sb.ask("touch 100")
        _, delta = _sync(sb.base_url, sb.api_key, f"{tmp}/limited.db", args.rate, full=False)
        per_model = {m: r.requests for m, r in delta.models.items()}  # type: ignore[attr-defined]
        figures.update(
            full_sync_seconds=round(wall, 2),
            floor_seconds=round(floor, 2),
            wall_over_floor=round(wall / floor, 3),
            requests=requests,
            ideal_requests=ideal,
            requests_over_ideal=round(requests / ideal, 4),
            incremental_requests=delta.requests,  # type: ignore[attr-defined]
            incremental_requests_per_model=per_model,
            incremental_changed=delta.models["candidate"].changed,
        )  # type: ignore[attr-defined]
    records = sum(counts[s] for s in MODEL_SERVICES.values())
    with tempfile.TemporaryDirectory() as tmp, SandboxProcess(args.candidates, 0) as sb:
        wall_free, _ = _sync(sb.base_url, sb.api_key, f"{tmp}/free.db", 0)
        figures.update(
            unlimited_seconds=round(wall_free, 2), records=records, records_per_second=round(records / wall_free)
        )
    if not args.skip_memory:
        (base_small, small), (base_large, large) = _rss_of_sync(args.candidates // 10), _rss_of_sync(args.candidates)
        figures.update(
            rss_kib_small=small,
            rss_kib_large=large,
            rss_ratio=round(large / small, 3),
            rss_kib_before_small=base_small,
            rss_kib_before_large=base_large,
        )
    one, hundred = _lint_seconds(0), _lint_seconds(100)
    figures.update(lint_shipped_seconds=round(one, 3), lint_100_copies_seconds=round(hundred, 3))

    rows = [
        (
            "full sync wall time",
            f"{figures['full_sync_seconds']} s",
            f"floor {figures['floor_seconds']} s at {args.rate}/min → ratio {figures['wall_over_floor']} "
            "(target ≤ 1.10)",
        ),
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
        ("end to end, limit off", f"{figures['records_per_second']} rec/s", f"{records} records in {wall_free:.1f} s"),
        (
            "lint shipped specs",
            f"{one * 1000:.0f} ms",
            f"100 copies: {hundred:.2f} s ({hundred / max(one, 1e-9) / 100:.2f}× per copy)",
        ),
    ]
    if not args.skip_memory:
        rows.append(
            (
                "peak RSS during a full sync",
                f"{large // 1024} MiB",
                f"{args.candidates // 10} candidates: {small // 1024} MiB → ratio {figures['rss_ratio']} "
                f"(target ≤ 1.3; before the sync {base_large // 1024} / {base_small // 1024} MiB)",
            )
        )
    table(f"sync of a {args.candidates}-candidate sandbox tenant", rows)
    save("sync", figures)


if __name__ == "__main__":
    main()
