"""The CLI command: ``python -m unimap_connectors.otys.sandbox`` and the click ``command``."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
from click.testing import CliRunner

from unimap_connectors.otys.sandbox import Sandbox
from unimap_connectors.otys.sandbox.cli import command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Lines:
    """Reads a child's stdout on a thread so the test can wait for lines with a deadline."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.thread = threading.Thread(target=self._pump, args=(proc,), daemon=True)
        self.thread.start()

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.queue.put(line)
        self.queue.put(None)

    def wait_for(self, prefix: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            self.seen.append(line)
            if line.startswith(prefix):
                return line[len(prefix) :].strip()
        raise AssertionError(f"no {prefix!r} line from the sandbox; got {self.seen!r}")

    def rest(self) -> str:
        self.thread.join(timeout=30)
        out = []
        while not self.queue.empty():
            line = self.queue.get()
            if line is not None:
                out.append(line)
        return "".join(out)


@pytest.mark.parametrize(
    "command", [["unimap_connectors.otys.sandbox"], ["unimap", "sandbox", "otys"]], ids=["module", "unimap-cli"]
)
def test_module_runs_serves_and_stops_on_sigint(command: list[str]) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", *command, "--port", str(port), "--seed", "3", "--rate-limit", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = _Lines(proc)
        base = lines.wait_for("base_url: ")
        assert base == f"http://127.0.0.1:{port}"
        assert lines.wait_for("jservice: ") == base + "/jservice.php"
        key = lines.wait_for("api_key: ")
        with httpx.Client(timeout=10) as client:
            sid = client.post(
                base + "/jservice.php", json={"jsonrpc": "2.0", "method": "loginByUid", "params": [key], "id": 1}
            ).json()["result"]
            assert re.fullmatch(r"[a-z0-9]{26}", sid)
            res = client.post(
                base + "/jservice.php",
                json={
                    "jsonrpc": "2.0",
                    "method": "Otys.Services.CandidateService.getListEx",
                    "params": [sid, {"limit": 5, "getTotalCount": True}],
                    "id": 2,
                },
            ).json()["result"]
            assert res["totalCount"] == 50 and len(res["listOutput"]) == 5
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        out = lines.rest()
        err = proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "OTYS sandbox stopped." in out
    assert "Traceback" not in err
    with Sandbox(port=port, rate_limit=None) as again:  # the port was released
        assert again.port == port


def test_sigterm_also_stops_cleanly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "unimap_connectors.otys.sandbox", "--size", "10"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _Lines(proc).wait_for("api_key: ")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


def test_click_command_options() -> None:
    runner = CliRunner()
    result = runner.invoke(
        command,
        [
            "--seed",
            "4",
            "--size",
            "20",
            "--rate-limit",
            "100",
            "--faults",
            "500=0.1,seed=2",
            "--session-lifetime",
            "60",
            "--stop-after",
            "0.2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"^base_url: http://127\.0\.0\.1:\d+$", result.output, re.M)
    assert re.search(r"^api_key: [0-9a-f]{32}$", result.output, re.M)
    assert "candidates=20" in result.output
    assert "faults: 500=0.1,seed=2" in result.output
    assert command.name == "otys"


def test_click_command_rejects_bad_options() -> None:
    runner = CliRunner()
    assert runner.invoke(command, ["--size", "huge"]).exit_code == 2
    assert runner.invoke(command, ["--faults", "teapot=1"]).exit_code == 2
    assert runner.invoke(command, ["--host", "0.0.0.0"]).exit_code == 2
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = runner.invoke(command, ["--port", str(busy.getsockname()[1])])
    assert result.exit_code == 1 and "cannot listen" in result.output


def test_click_command_preset() -> None:
    runner = CliRunner()
    result = runner.invoke(command, ["--preset", "pessimistic", "--stop-after", "0.2"])
    assert result.exit_code == 0, result.output
    assert "preset: pessimistic" in result.output
    assert runner.invoke(command, ["--preset", "optimistic"]).exit_code == 2
