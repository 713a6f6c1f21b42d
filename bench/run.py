"""Run every benchmark, each printing its figures next to a baseline from the same run.

    python bench/run.py            # the full suite (about ten minutes on 2 cores)
    python bench/run.py --quick    # smaller sizes, for a smoke run

Figures accumulate in bench/results.json (one key per benchmark).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    args = parser.parse_args()
    quick = args.quick
    runs = [
        ("bench_mapping.py", ["--records", "1000" if quick else "5000"]),
        ("bench_mapping_models.py", ["--records", "300" if quick else "2000"]),
        ("bench_sandbox_generate.py", ["5000"] if quick else []),
        ("bench_sync.py", ["--candidates", "5000", "--rates", "10x"] if quick else []),
        ("bench_api_load.py", ["--requests", "300", "--seconds", "20"] if quick else []),
        ("bench_serve.py", ["--candidates", "500", "--seconds", "5"] if quick else []),
    ]
    failed = []
    for script, extra in runs:
        print(f"\n=== {script} {' '.join(extra)}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / script), *extra])
        print(f"=== {script}: exit {code} after {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
