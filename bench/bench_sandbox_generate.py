"""Benchmark: generate a 100,000-candidate OTYS sandbox tenant twice (seed 1) and compare digests.

Run as ``python bench/bench_sandbox_generate.py [N] [SEED]``. Prints the seconds of each run and
exits non-zero when the two digests differ (the generator must be deterministic). The target is
under 30 seconds per run on a 2-core machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from unimap_connectors.otys.sandbox import generate
from unimap_connectors.otys.sandbox.settings import SandboxSettings
from unimap_connectors.otys.sandbox.store import Tenant

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import save


def run(n: int, seed: int) -> tuple[float, str, dict[str, int]]:
    start = time.perf_counter()
    data = generate(seed=seed, size=n)
    tenant = Tenant(data, SandboxSettings())  # what Sandbox() does before serving
    seconds = time.perf_counter() - start
    counts = {
        name: tenant.count(name)
        for name in (
            "CandidateService",
            "VacancyService",
            "UserService",
            "ProcedureService",
            "AttachedDocumentsService",
        )
    }
    return seconds, data.digest(), counts


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 100_000
    seed = int(argv[2]) if len(argv) > 2 else 1
    first_s, first_digest, counts = run(n, seed)
    print(f"run 1: {first_s:.2f} s  {counts}")
    second_s, second_digest, _ = run(n, seed)
    print(f"run 2: {second_s:.2f} s")
    print(f"digest: {first_digest}")
    if first_digest != second_digest:
        print(f"FAIL: digests differ ({second_digest})")
        return 1
    print(f"same seed -> same data; slowest run {max(first_s, second_s):.2f} s (target < 30 s)")
    save(
        "sandbox_generate",
        {
            "candidates": n,
            "seed": seed,
            "run1_seconds": round(first_s, 2),
            "run2_seconds": round(second_s, 2),
            "same_digest": True,
            "counts": counts,
        },
    )
    return 0 if max(first_s, second_s) < 30 else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
