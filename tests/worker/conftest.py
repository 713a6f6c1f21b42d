"""Workers as real processes (``python -m unimap worker``) over a PostgreSQL store of the test's own."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from store.pg import make_pg_url, pg_url  # noqa: F401  (fixtures)

from unimap_connectors.otys.sandbox import Sandbox


@pytest.fixture
def make_sandbox(otys_sandbox_factory: Callable[..., Sandbox]) -> Callable[..., Sandbox]:
    """``make(**kwargs)``: a started sandbox (seed 1, small, rate limit off by default)."""
    return otys_sandbox_factory


@dataclass
class WorkerProcess:
    """One ``unimap worker`` process; its stderr goes to a file."""

    proc: subprocess.Popen[bytes]
    log: Path
    args: list[str] = field(default_factory=list)

    def lines(self) -> list[dict]:
        """The structured job lines it logged so far."""
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line))
        return out

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """``start(store_url, *args)``: a worker process (stopped at teardown)."""
    started: list[WorkerProcess] = []

    def start(store_url: str, *args: str) -> WorkerProcess:
        log = tmp_path / f"worker{len(started)}.log"
        cmd = [sys.executable, "-m", "unimap", "worker", "--store", store_url, "--stalled-after", "2", *args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with log.open("wb") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        started.append(WorkerProcess(proc, log, cmd))
        return started[-1]

    yield start
    for worker in started:
        worker.kill()


def wait_for(check: Callable[[], object], timeout: float = 90, every: float = 0.2, what: str = "condition") -> object:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from store.pg import deselect_without_server

    deselect_without_server(config, items)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    from store.pg import summary_line

    line = summary_line(config)
    if line and not getattr(config, "_unimap_pg_said", False):
        config._unimap_pg_said = True  # type: ignore[attr-defined]
        terminalreporter.write_line(f"SKIPPED {line}", yellow=True)
