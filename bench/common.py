"""Helpers shared by the benchmarks: results file, tables, sandbox processes."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def save(key: str, figures: dict[str, Any]) -> None:
    """Merge ``figures`` into ``bench/results.json`` under ``key`` (other keys are kept)."""
    data = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    data[key] = figures
    temporary = RESULTS.with_name(RESULTS.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, RESULTS)


def table(title: str, rows: list[tuple[str, str, str]]) -> None:
    """Print rows of (figure, value, baseline / ratio)."""
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>14}  {note}")


class SandboxProcess:
    """``bench/sandbox_proc.py`` in a subprocess (so the sandbox does not share our GIL)."""

    def __init__(self, size: int, rate_limit: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "sandbox_proc.py"), str(size), str(rate_limit)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        info = json.loads(self.proc.stdout.readline())
        self.base_url: str = info["base_url"]
        self.api_key: str = info["api_key"]

    def ask(self, command: str) -> str:
        """Send one command; return its one-line answer."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        """Stop the sandbox process."""
        with contextlib.suppress(BrokenPipeError, OSError):
            self.ask("quit")
        self.proc.wait(timeout=60)

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
