"""Items 1, 8 and 10: Ctrl-C, serve's port, exit codes in --help, vendor errors, pipes, --json."""

from __future__ import annotations

import inspect
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from unimap.cli.main import _register_commands, cli
from unimap.service import Unimap

from .helpers import connect, env, unimap


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix}{name} "))
            if not command.invoke_without_command:
                continue
        found.append((prefix + name, command))
    return found


def test_every_command_documents_its_exit_codes() -> None:
    _register_commands()
    missing = []
    for name, command in _commands(cli):
        if name.startswith("sandbox"):
            continue  # the sandbox runs until Ctrl-C
        text = f"{command.help or ''} {command.epilog or ''}"
        if "Exit status" not in text:
            missing.append(name)
    assert missing == []
    assert "Exit status" in unimap("sync", "--help").stdout


def test_serve_on_a_busy_port_says_so_like_the_sandbox(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        served = unimap("serve", "--port", str(port), "--store", f"sqlite:///{tmp_path / 's.db'}")
        sandbox = unimap("sandbox", "otys", "--port", str(port))
    assert served.returncode == sandbox.returncode == 1
    assert served.stderr.strip().splitlines()[-1] == sandbox.stderr.strip().splitlines()[-1]
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in served.stderr


def test_serve_on_port_0_prints_the_real_port(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "unimap",
            "serve",
            "--port",
            "0",
            "--store",
            f"sqlite:///{tmp_path / 's.db'}",
            "--delta-every",
            "0",
            "--full-every",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "http://127.0.0.1:" in line and ":0/" not in line, line
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("serve did not listen on the printed port")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def test_passthrough_exits_non_zero_on_a_vendor_error(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    connect(otys_sandbox, store)
    result = unimap("passthrough", "Otys.Services.NoSuchService.getListEx", "[]", "--store", store)
    assert result.returncode == 1, result.stdout
    assert json.loads(result.stdout)["data"]["error"] and result.stderr.startswith("error: the vendor answered")


def test_output_into_a_closed_pipe_ends_quietly(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    connect(otys_sandbox, store)
    assert unimap("sync", "--store", store).returncode == 0
    for args in (("status",), ("integrations",), ("export", "candidates"), ("sync", "--json"), ("plugins",)):
        proc = subprocess.Popen(
            [sys.executable, "-m", "unimap", *args, "--store", store]
            if args[0] != "plugins"
            else [sys.executable, "-m", "unimap", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env(),
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(1)
        proc.stdout.close()  # like `| head -c1`
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
        assert "Traceback" not in err and "BrokenPipe" not in err and "internal error" not in err, (args, err)


def test_json_on_integrations_and_plugins(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    iid = connect(otys_sandbox, store)
    rows = json.loads(unimap("integrations", "--json", "--store", store).stdout)
    assert rows[0]["id"] == iid and "credentials" not in rows[0]
    plugins = json.loads(unimap("plugins", "--json").stdout)
    assert any(p["name"] == "unimap.default_plugins.functions" for p in plugins)


def test_ids_are_never_truncated_at_80_columns(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    iid = connect(otys_sandbox, store)
    assert unimap("sync", "--store", store).returncode == 0
    for args in (("integrations",), ("status",), ("sync",)):
        out = unimap(*args, "--store", store, COLUMNS="80").stdout
        assert iid in out, (args, out)
        assert max(len(line) for line in out.splitlines()) <= 80, (args, out)


def _sync_process(store: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "unimap", "sync", "--full", "--store", store],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )


def _wait_until_running(store: str, iid: str, proc: subprocess.Popen[str]) -> None:
    """Until the child's sync is recorded as running (it has started, its Ctrl-C handling is in place)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        with Unimap(store) as um:
            rows = um.store.syncs(iid, 1)
        if rows and rows[0]["status"] == "running":
            time.sleep(1)
            return
        time.sleep(0.3)
    pytest.fail("the sync did not start")


def _slow_store(otys_sandbox_factory, tmp_path: Path) -> tuple[str, str]:
    # every list page takes a second (a rate limit would let the first requests through in a burst)
    sb = otys_sandbox_factory(size=1000, faults="hang=1:1.0,only=CandidateService.getListEx|ProcedureService.getListEx")
    store = f"sqlite:///{tmp_path / 's.db'}"
    return store, connect(sb, store)


def test_a_second_ctrl_c_exits_at_once_and_records_the_run_as_interrupted(otys_sandbox_factory, tmp_path: Path) -> None:
    store, iid = _slow_store(otys_sandbox_factory, tmp_path)
    proc = _sync_process(store)
    _wait_until_running(store, iid, proc)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - started < 10
    assert proc.returncode == 130, err
    assert "stopping…" in err and "Traceback" not in err
    with Unimap(store) as um:
        assert um.store.syncs(iid, 1)[0]["status"] == "interrupted"


def test_one_ctrl_c_stops_the_sync_after_the_current_page(otys_sandbox_factory, tmp_path: Path) -> None:
    graceful = "cancel" in inspect.signature(Unimap.sync).parameters  # else: the page in flight is rolled back
    store, iid = _slow_store(otys_sandbox_factory, tmp_path)
    proc = _sync_process(store)
    _wait_until_running(store, iid, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopping…" in err and "Traceback" not in err
    with Unimap(store) as um:
        assert um.store.syncs(iid, 1)[0]["status"] == "interrupted"
    assert ("finishing the current page" in err) == graceful
