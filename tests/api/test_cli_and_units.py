"""``unimap serve|keys|status`` from the command line, and the scheduler and query parsing on their own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from kombo import Kombo

from unimap.api.auth import KeyStore, hash_key
from unimap.api.listing import normalize_timestamp
from unimap.api.scheduler import SyncScheduler
from unimap.cli.main import _register_commands, cli
from unimap.errors import InputInvalid
from unimap.schedule import SyncHistory
from unimap.service import Unimap
from unimap_connectors.otys.sandbox import Sandbox


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register_commands()
    return CliRunner()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with Unimap(url) as um:
        um.connect("otys", {"api_key": "k"}, integration_id="otys:One", check=False)
        um.connect("otys", {"api_key": "k"}, integration_id="otys:Two", check=False)
    return url


def test_keys_create_list_revoke(runner: CliRunner, store_url: str) -> None:
    made = runner.invoke(cli, ["keys", "create", "--integration", "otys:One", "--name", "ci", "--store", store_url])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    assert key.startswith("uk_")
    listed = runner.invoke(cli, ["keys", "list", "--json", "--store", store_url])
    [row] = __import__("json").loads(listed.stdout)
    assert row["integrations"] == ["otys:One"] and row["name"] == "ci" and row["revoked_at"] is None
    with Unimap(store_url) as um:
        assert KeyStore(um.store).verify(key).grants("otys:One")
        assert um.store.db.execute("SELECT hash FROM api_keys").fetchone()[0] == hash_key(key)
    revoked = runner.invoke(cli, ["keys", "revoke", row["id"], "--store", store_url])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    with Unimap(store_url) as um, pytest.raises(Exception, match="invalid or revoked"):
        KeyStore(um.store).verify(key)


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "--integration"),
        (["--integration", "otys:Nope"], "otys:Nope"),
        (["--integration", "otys:One", "--all-integrations"], "--integration"),
    ],
)
def test_keys_create_refuses_unclear_grants(runner: CliRunner, store_url: str, args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["keys", "create", *args, "--store", store_url])
    assert result.exit_code != 0
    assert message in result.output


def test_keys_revoke_unknown_id(runner: CliRunner, store_url: str) -> None:
    result = runner.invoke(cli, ["keys", "revoke", "abc", "--store", store_url])
    assert result.exit_code == 1 and "no API key" in result.output


def test_status_prints_the_latest_syncs(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'status.db'}"
    with Sandbox(seed=1, size="small", rate_limit=0) as sandbox, Unimap(url) as um:
        um.connect("otys", {"api_key": sandbox.api_key}, base_url=sandbox.base_url, integration_id="otys:S")
        um.connect("otys", {"api_key": "x"}, integration_id="otys:Never", check=False)
        um.sync("otys:S", full=True)
        um.sync("otys:S")
    result = runner.invoke(cli, ["status", "--store", url], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "otys:S" in result.output and "never synced" in result.output
    assert "FULL" in result.output and "DELTA" in result.output and "success" in result.output
    one = runner.invoke(cli, ["status", "otys:S", "--json", "--limit", "1", "--store", url])
    rows = __import__("json").loads(one.stdout)["otys:S"]
    assert [(r["id"], r["type"], r["status"]) for r in rows] == [("2", "DELTA", "success")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unimap_serve_subprocess_syncs_and_answers_the_sdk(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    with Sandbox(seed=1, size="small", rate_limit=0) as sandbox:
        with Unimap(url) as um:
            um.connect(
                "otys",
                {"api_key": sandbox.api_key},
                base_url=sandbox.base_url,
                integration_id="otys:S",
                settings={"allow_private_urls": True},
            )
            key, _ = KeyStore(um.store).create(["otys:S"])
        port = _free_port()
        env = {**os.environ, "UNIMAP_STORE": url}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "unimap",
                "serve",
                "--port",
                str(port),
                "--delta-every",
                "0",
                "--full-every",
                "3600",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            k = Kombo(api_key=key, integration_id="otys:S", server_url=f"http://127.0.0.1:{port}/v1")
            ready = threading.Event()
            for _ in range(600):  # until it listens and the scheduled first sync finished
                try:
                    setup = k.general.get_integration_details(integration_id="otys:S").data.setup_status
                    if setup == "COMPLETED":
                        ready.set()
                        break
                except httpx.TransportError:
                    pass
                ready.wait(0.05)
            assert ready.is_set(), process.stderr.read().decode() if process.poll() is not None else "not ready"
            jobs = k.ats.get_jobs(page_size=250).result.data.results
            assert len(jobs) == sandbox.tenant.count("VacancyService")
        finally:
            process.terminate()
            assert process.wait(30) in (0, -15)  # uvicorn re-raises SIGTERM after its graceful shutdown
        assert "Traceback" not in process.stderr.read().decode()


# -- units --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-01-02", "2024-01-02T00:00:00.000000Z"),
        ("2024-01-02T03:04:05", "2024-01-02T03:04:05.000000Z"),
        ("2024-01-02T03:04:05.123Z", "2024-01-02T03:04:05.123000Z"),
        ("2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.123456Z"),
        ("2024-01-02T05:04:05+02:00", "2024-01-02T03:04:05.000000Z"),
        ("2024-01-02T03:04:05 00:00", "2024-01-02T03:04:05.000000Z"),
        ("2024-01-01T23:00:00-0130", "2024-01-02T00:30:00.000000Z"),
    ],
)
def test_normalize_timestamp(value: str, expected: str) -> None:
    assert normalize_timestamp(value, "updated_after") == expected


@pytest.mark.parametrize("value", ["2024-13-01", "2024-01-02T25:00:00Z", "yesterday", "2024-01-02T03:04Z"])
def test_normalize_timestamp_rejects(value: str) -> None:
    with pytest.raises(InputInvalid):
        normalize_timestamp(value, "updated_after")


def test_history_decides_which_sync_is_due() -> None:
    never = SyncHistory()
    assert never.due(1000.0, 300, 86400) == "full"
    failed = SyncHistory(last_try=1000.0)
    assert failed.due(1100.0, 300, 86400) is None
    assert failed.due(1300.0, 300, 86400) == "full"
    fresh = SyncHistory(last_try=1000.0, last_ok=1010.0, last_full_ok=1010.0)
    assert fresh.due(1200.0, 300, 86400) is None
    assert fresh.due(1310.0, 300, 86400) == "delta"
    assert fresh.due(1010.0 + 86400, 300, 86400) == "full"
    assert fresh.due(5000.0, 0, 86400) is None
    assert fresh.due(5000.0, 300, 0) == "delta"


class _Syncs:
    def __init__(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        self.rows = rows

    def integrations(self) -> list[Any]:
        return [type("I", (), {"id": i})() for i in self.rows]

    def syncs(self, integration_id: str, limit: int) -> list[dict[str, Any]]:
        return self.rows[integration_id][:limit]


def test_scheduler_due_reads_the_store_and_skips_running_ones() -> None:
    row = {
        "kind": "full",
        "status": "success",
        "started_at": "2026-01-01T00:00:00.000Z",
        "finished_at": "2026-01-01T00:01:00.000Z",
    }
    service = type("S", (), {"store": _Syncs({"otys:New": [], "otys:Old": [row]})})()
    scheduler = SyncScheduler(service, delta_every=300, full_every=86400)
    start = 1_767_225_660.0  # 2026-01-01T00:01:00Z
    assert scheduler.due(start + 10) == [("otys:New", "full")]
    assert scheduler.due(start + 301) == [("otys:New", "full"), ("otys:Old", "delta")]
    scheduler.running["otys:New"] = object()  # type: ignore[assignment]
    assert scheduler.due(start + 301) == [("otys:Old", "delta")]
    assert SyncScheduler(service, delta_every=0, full_every=0).due(start + 10**6) == []
