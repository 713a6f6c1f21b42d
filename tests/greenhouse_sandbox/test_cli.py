"""``unimap sandbox greenhouse`` in a subprocess: the connect line, SIGINT/SIGTERM, busy port."""

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
from click.testing import CliRunner

from unimap_connectors.greenhouse.sandbox.cli import command

CONNECT = re.compile(
    r"^unimap connect greenhouse --base-url (http://127\.0\.0\.1:(\d+)) --setting token_url=\1/token "
    r"--credential client_id=(\S+) --credential client_secret=(\S+) --credential user_id=(\d+)$"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Lines:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(proc,), daemon=True).start()

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.queue.put(line.rstrip("\n"))
        self.queue.put(None)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            self.seen.append(line)
            m = pattern.match(line)
            if m:
                return m
        raise AssertionError(f"no line matching {pattern.pattern!r}; got {self.seen!r}")


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "unimap", "sandbox", "greenhouse", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_cli_prints_connect_line_serves_and_stops_on_sigint() -> None:
    port = _free_port()
    proc = _start("--port", str(port), "--seed", "3", "--size", "small", "--rate-limit", "0")
    try:
        lines = _Lines(proc)
        m = lines.wait_for(CONNECT)
        base, client_id, secret, user_id = m.group(1), m.group(3), m.group(4), m.group(5)
        assert int(m.group(2)) == port
        assert sum(1 for line in lines.seen if line.startswith("unimap connect")) == 1
        with httpx.Client(timeout=10) as client:
            tok = client.post(
                base + "/token", auth=(client_id, secret), data={"grant_type": "client_credentials", "sub": user_id}
            )
            assert tok.status_code == 200
            rows = client.get(
                base + "/v3/candidates", headers={"Authorization": "Bearer " + tok.json()["access_token"]}
            )
            assert rows.status_code == 200 and len(rows.json()) == 100
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        err = proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    with socket.socket() as s:  # the port was released
        s.bind(("127.0.0.1", port))


def test_cli_sigterm_stops_cleanly() -> None:
    proc = _start("--size", "20")
    try:
        _Lines(proc).wait_for(CONNECT)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        err = proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "Traceback" not in err


def test_cli_busy_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "unimap", "sandbox", "greenhouse", "--port", str(port), "--size", "5"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot listen" in lines[0] and str(port) in lines[0]
    assert "Traceback" not in proc.stderr


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
            "--rate-window",
            "10",
            "--faults",
            "500=0.1,seed=2",
            "--order",
            "id_asc",
            "--token-ttl",
            "60",
            "--transition-sunset",
            "404",
            "--stop-after",
            "0.2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"^base_url: http://127\.0\.0\.1:\d+$", result.output, re.M)
    assert re.search(r"^token_url: http://127\.0\.0\.1:\d+/token$", result.output, re.M)
    assert "candidates=20" in result.output and "faults: 500=0.1,seed=2" in result.output
    assert "rate_limit: 100/10s" in result.output
    assert sum(bool(CONNECT.match(line)) for line in result.output.splitlines()) == 1
    for bad in (["--size", "huge"], ["--faults", "teapot=1"], ["--host", "0.0.0.0"], ["--order", "random"]):
        assert runner.invoke(command, bad).exit_code == 2
