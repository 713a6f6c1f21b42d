"""`unimap connect` asks for what is missing on a terminal, and refuses to guess off one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from unimap.cli import commands_sync
from unimap.cli.main import _register_commands, cli
from unimap.store import open_store


@pytest.fixture(scope="module", autouse=True)
def _commands() -> None:
    _register_commands()


def test_prompts_for_the_key_and_host_on_a_terminal(
    otys_sandbox,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = f"sqlite:///{tmp_path / 'u.db'}"
    monkeypatch.setattr(commands_sync, "_interactive", lambda: True)
    answers = f"{otys_sandbox.api_key}\ny\n{otys_sandbox.base_url}\n"
    result = CliRunner().invoke(cli, ["connect", "otys", "--store", store], input=answers)
    assert result.exit_code == 0, result.output
    assert otys_sandbox.api_key not in result.output  # typed hidden, never echoed
    integration_id = result.output.strip().splitlines()[-1]
    assert integration_id.startswith("otys:")
    stored = open_store(store).integration(integration_id)
    assert stored.base_url == otys_sandbox.base_url
    assert stored.credentials == {"api_key": otys_sandbox.api_key}


def test_off_a_terminal_a_missing_key_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["connect", "otys", "--store", f"sqlite:///{tmp_path / 'u.db'}"])
    assert result.exit_code == 2
    assert "--api-key is required" in result.output
    assert "Traceback" not in result.output
