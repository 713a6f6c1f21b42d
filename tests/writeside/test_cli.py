"""The write-side CLI: connect, action, retry-attachments and passthrough; clean one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from unimap.cli.main import _register_commands, cli
from unimap.transport.retry import RetryPolicy

from .conftest import PDF, Env, attachment

NEW = {"first_name": "Cli", "last_name": "User", "email_address": "cli@example.com"}


@pytest.fixture(scope="module", autouse=True)
def _commands() -> None:
    _register_commands()


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=True)


def assert_clean_error(result: Result, code: str | None) -> str:
    """Non-zero exit, an ``error:`` line (plus the code line), no traceback; returns the error line."""
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: "), result.stderr
    assert lines[1:] == ([f"code: {code}"] if code else []), result.stderr
    return lines[0]


def unimap(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "unimap", *args], input=input, capture_output=True, text=True, timeout=60, check=False
    )


# -- connect ------------------------------------------------------------------------------------------


def test_connect_with_a_wrong_key_fails_cleanly(otys_sandbox: Any, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    done = unimap(
        "connect", "otys", "--api-key", "wrong-key-123", "--base-url", otys_sandbox.base_url, "--store", store
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and "login refused" in lines[0]
    assert lines[1:] == ["code: INTEGRATION.AUTHENTICATION_INVALID"]
    assert "wrong-key-123" not in done.stderr
    assert otys_sandbox.stats.count("loginByUid") == 1
    assert unimap("integrations", "--store", store).stdout == ""


def test_connect_sync_and_check_through_the_cli(otys_sandbox: Any, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    connected = invoke(
        "connect",
        "otys",
        "--api-key",
        otys_sandbox.api_key,
        "--base-url",
        otys_sandbox.base_url,
        "--name",
        "sandbox",
        "--store",
        store,
    )
    assert connected.exit_code == 0, connected.output
    integration_id = connected.stdout.strip()
    assert integration_id.startswith("otys:")
    synced = invoke("sync", integration_id, "--json", "--store", store)
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["models"]["candidate"]["fetched"] == otys_sandbox.tenant.count("CandidateService")
    checked = invoke("passthrough", integration_id, "check", "--store", store)
    assert checked.exit_code == 0, checked.output
    body = json.loads(checked.stdout)
    assert body["status"] == 200 and body["data"]["result"]["clientId"] == otys_sandbox.settings.client_id


# -- action --------------------------------------------------------------------------------------------


def test_action_from_a_file(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(
        json.dumps({"job_id": env.job()["id"], "candidate": NEW, "attachments": [attachment("Resume.pdf", "CV", PDF)]})
    )
    result = invoke(
        "action",
        "create_application",
        "--integration",
        env.integration_id,
        "--input",
        str(path),
        "--store",
        env.store_url,
    )
    assert result.exit_code == 0, result.output
    envelope = json.loads(result.stdout)
    assert envelope["status"] == "success" and envelope["warnings"] == []
    [cand] = env.candidates_by_email(NEW["email_address"])
    assert envelope["data"]["candidate"]["remote_id"] == cand["uid"]
    assert [d["subject"] for d in env.documents(cand["uid"])] == ["Resume.pdf"]


def test_action_from_stdin_with_warnings(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    cand = env.records("candidate")[0]
    # RPC errors are not retried by the client; the runner's three attempts all fail. Its back-off
    # is made zero so the CLI does not really wait.
    monkeypatch.setattr("unimap.actions.ATTACHMENT_BACKOFF", RetryPolicy(initial_backoff=0.0, max_backoff=0.0))
    env.sb.fail_next("fileService", 3, "error")
    payload = {"candidate_id": cand["id"], "attachment": attachment("Resume.pdf", "CV", PDF)}
    result = invoke(
        "action",
        "add_candidate_attachment",
        "--integration",
        env.integration_id,
        "--input",
        "-",
        "--store",
        env.store_url,
        input=json.dumps(payload),
    )
    assert result.exit_code == 0, result.output
    envelope = json.loads(result.stdout)
    assert envelope["data"] == {}
    [warning] = envelope["warnings"]
    assert "Resume.pdf" in warning["message"] and "retry-attachments" in warning["message"]

    retried = invoke("retry-attachments", env.integration_id, "--store", env.store_url)
    assert retried.exit_code == 0, retried.output
    assert retried.stdout.strip() == "attached 1; still pending 0"
    assert [d["subject"] for d in env.documents(cand["remote_id"])].count("Resume.pdf") == 1
    again = invoke("retry-attachments", env.integration_id, "--store", env.store_url)
    assert again.stdout.strip() == "attached 0; still pending 0"


def test_action_bad_input_is_one_clean_line(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"job_id": env.job()["id"], "candidate": {**NEW, "email_address": "nope"}}))
    result = invoke(
        "action",
        "create_application",
        "--input",
        str(path),
        "--integration",
        env.integration_id,
        "--store",
        env.store_url,
    )
    line = assert_clean_error(result, "PLATFORM.INPUT_INVALID")
    assert "candidate.email_address" in line
    assert result.stdout == ""
    assert env.writes() == {}


def test_action_domain_error_carries_the_ats_code(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"job_id": env.job()["id"], "candidate": NEW}))
    args = (
        "action",
        "create_application",
        "--input",
        str(path),
        "--integration",
        env.integration_id,
        "--store",
        env.store_url,
    )
    assert invoke(*args).exit_code == 0
    assert_clean_error(invoke(*args), "ATS.APPLICATION_ALREADY_EXISTS")


def test_action_with_invalid_json_input(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text("{not json")
    result = invoke(
        "action",
        "create_application",
        "--input",
        str(path),
        "--integration",
        env.integration_id,
        "--store",
        env.store_url,
    )
    line = assert_clean_error(result, "PLATFORM.INPUT_INVALID")
    assert str(path) in line


def test_a_missing_input_file_is_a_usage_error(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    result = invoke(
        "action",
        "create_application",
        "--input",
        str(path),
        "--integration",
        env.integration_id,
        "--store",
        env.store_url,
    )
    assert result.exit_code == 2, result.output
    assert "--input" in result.stderr and str(path) in result.stderr and "does not exist" in result.stderr


def test_action_with_an_unknown_integration(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"job_id": "remote:1", "candidate": NEW}))
    result = invoke(
        "action", "create_application", "--input", str(path), "--integration", "otys:nope", "--store", env.store_url
    )
    assert_clean_error(result, "PLATFORM.INTEGRATION_NOT_FOUND")


def test_action_error_through_the_real_entry_point(env: Env) -> None:
    done = unimap(
        "action",
        "add_candidate_attachment",
        "--integration",
        env.integration_id,
        "--input",
        "-",
        "--store",
        env.store_url,
        input=json.dumps({"candidate_id": "remote:" + "0" * 32, "attachment": attachment("a.pdf", "CV", PDF)}),
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("error: candidate: ") and "not found" in lines[0]
    assert lines[1:] == ["code: PLATFORM.INPUT_INVALID"]
    assert env.writes() == {}


# -- passthrough ------------------------------------------------------------------------------------------


def test_passthrough_cli_get_detail(env: Env) -> None:
    uid = env.sb.tenant.uids("CandidateService")[0]
    result = invoke(
        "passthrough",
        env.integration_id,
        "Otys.Services.CandidateService.getDetail",
        json.dumps([uid]),
        "--store",
        env.store_url,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["data"]["result"]["uid"] == uid


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["check", "[]", "--path", "https://ows.example.net/jservice.php"], "REMOTE.INPUT_INVALID"),
        (["check", "{not json"], "PLATFORM.INPUT_INVALID"),
        (["check", '{"a": 1}'], "PLATFORM.INPUT_INVALID"),
    ],
)
def test_passthrough_cli_errors(env: Env, args: list[str], code: str) -> None:
    result = invoke("passthrough", env.integration_id, *args, "--store", env.store_url)
    assert_clean_error(result, code)
    assert sum(env.sb.stats.requests.values()) == 0
