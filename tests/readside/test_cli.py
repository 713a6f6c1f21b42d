"""The read-side CLI as a user runs it: ``unimap connect | sync | export | integrations | demo``."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import preset_connector_settings, tenant_counts

ID = re.compile(r"^otys:[1-9A-HJ-NP-Za-km-z]{16}$")


def unimap(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``unimap ARGS`` in a fresh interpreter (as the console script would)."""
    env = {k: v for k, v in os.environ.items() if k not in ("UNIMAP_DEBUG", "UNIMAP_STORE")}
    env["COLUMNS"] = "160"
    result = subprocess.run(
        [sys.executable, "-m", "unimap", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def _table_rows(output: str) -> dict[str, list[str]]:
    """Rows of the rich sync table, by their first cell."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line) if c.strip()]
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture
def cli_env(make_sandbox, tmp_path):
    sb = make_sandbox()
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    settings = [f"--setting={name}={json.dumps(value)}" for name, value in preset_connector_settings(sb.preset).items()]
    connected = unimap(
        "connect", "otys", "--api-key", sb.api_key, "--base-url", sb.base_url, "--store", store, *settings
    )
    assert connected.returncode == 0, connected.stderr
    integration_id = connected.stdout.strip()
    return sb, store, integration_id, tmp_path


def test_connect_prints_the_integration_id_and_keeps_the_key_private(cli_env):
    sb, store, integration_id, tmp_path = cli_env
    assert ID.match(integration_id), integration_id
    assert stat.S_IMODE((tmp_path / "cli.db").stat().st_mode) == 0o600
    listed = unimap("integrations", "--store", store)
    assert listed.returncode == 0 and integration_id in listed.stdout
    assert sb.api_key not in listed.stdout + listed.stderr


def test_connect_with_a_bad_key_fails_cleanly(make_sandbox, tmp_path):
    sb = make_sandbox()
    store = f"sqlite:///{tmp_path / 'bad.db'}"
    result = unimap("connect", "otys", "--api-key", "0" * 32, "--base-url", sb.base_url, "--store", store)
    assert result.returncode != 0
    assert "login refused" in result.stderr and "error" in result.stderr
    assert result.stdout.strip() == ""
    assert "0" * 32 not in result.stderr
    listed = unimap("integrations", "--store", store)
    assert listed.stdout.strip() == ""  # nothing was stored


def test_sync_prints_the_summary_with_requests(cli_env):
    sb, store, _, _ = cli_env
    sb.stats.reset()
    result = unimap("sync", "--store", store)
    assert result.returncode == 0, result.stderr
    rows = _table_rows(result.stdout)
    header = rows["model"]
    assert header[:8] == ["fetched", "created", "changed", "deleted", "skipped", "requests", "seconds", "status"]
    counts = tenant_counts(sb)
    for model, count in counts.items():
        fetched, created = int(rows[model][0]), int(rows[model][1])
        assert fetched == created == count, model
    served = sum(n for method, n in sb.stats.requests.items() if method != "logout")
    total_skipped, total_requests = int(rows["total"][0]), int(rows["total"][1])
    assert total_skipped == 0 and rows["total"][-1] == "ok"
    assert total_requests == served  # the printed number is what the sync cost
    assert sum(int(rows[m][5]) for m in counts) <= total_requests

    as_json = unimap("sync", "--full", "--json", "--store", store)
    report = json.loads(as_json.stdout)
    assert report["kind"] == "full" and report["requests"] == total_requests
    assert all(m["created"] == 0 and m["changed"] == 0 for m in report["models"].values())


def test_export_prints_json_lines_and_deleted_records_on_request(cli_env):
    sb, store, _, _ = cli_env
    assert unimap("sync", "--store", store).returncode == 0
    gone = sb.tenant.uids("CandidateService")[4]
    sb.tenant.delete("CandidateService", gone, hard=True)
    assert unimap("sync", "--full", "--store", store).returncode == 0

    live = [json.loads(line) for line in unimap("export", "candidates", "--store", store).stdout.splitlines()]
    everything = unimap("export", "candidates", "--store", store, "--include-deleted", "--page-size", "7")
    assert everything.returncode == 0
    records = [json.loads(line) for line in everything.stdout.splitlines()]
    assert len(records) == len(live) + 1 == tenant_counts(sb)["candidate"] + 1
    assert len({r["id"] for r in records}) == len(records)
    deleted = [r for r in records if r["remote_deleted_at"]]
    assert [r["remote_id"] for r in deleted] == [gone]
    assert gone not in {r["remote_id"] for r in live}

    opened = unimap("export", "jobs", "--store", store, "--filter", "statuses=OPEN")
    jobs = [json.loads(line) for line in opened.stdout.splitlines()]
    assert jobs and all(j["status"] == "OPEN" for j in jobs)


def test_export_into_a_closed_pipe_ends_quietly(cli_env):
    _, store, _, _ = cli_env
    assert unimap("sync", "--store", store).returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "UNIMAP_DEBUG"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "unimap", "export", "applications", "--store", store],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=60)
    assert json.loads(first)["id"]
    assert b"Traceback" not in err and b"internal error" not in err and b"BrokenPipe" not in err, err


def test_errors_are_one_line_messages(cli_env):
    _, store, _, _ = cli_env
    for args in (
        ("export", "candidates", "--updated-after", "last tuesday"),
        ("export", "jobs", "--filter", "statuses=LIVE"),
        ("export", "candidates", "--filter", "shoe_size=44"),
        ("sync", "otys:doesnotexist"),
    ):
        result = unimap(*args, "--store", store)
        assert result.returncode != 0, args
        assert result.stderr.startswith("error: "), (args, result.stderr)
        assert result.stdout == "", args


def test_sync_without_an_integration_explains_what_to_do(tmp_path):
    result = unimap("sync", "--store", f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode != 0 and "unimap connect" in result.stderr


def test_demo_runs_end_to_end(tmp_path):
    result = unimap("demo", "--store", f"sqlite:///{tmp_path / 'demo.db'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "full sync" in result.stdout and "candidate " in result.stdout
    rows = _table_rows(result.stdout)
    assert int(rows["candidate"][0]) == 50 and rows["candidate"][-1] == "ok"
    assert stat.S_IMODE((tmp_path / "demo.db").stat().st_mode) == 0o600
    exported = unimap("export", "applications", "--store", f"sqlite:///{tmp_path / 'demo.db'}", cwd=tmp_path)
    assert len(exported.stdout.splitlines()) == int(rows["application"][0])
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("demo.db")) == []
