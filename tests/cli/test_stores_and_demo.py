"""Items 3 and 8: demo takes a store URL and never replaces real data; read-only commands create nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .helpers import connect, unimap


def test_read_only_commands_never_create_a_store(tmp_path: Path) -> None:
    for args in (
        ("export", "candidates"),
        ("status",),
        ("integrations",),
        ("keys", "list"),
        ("sync",),
        ("action", "create_candidate", "--input", "-"),
        ("retry-attachments",),
    ):
        store = f"sqlite:///{tmp_path / 'typo' / 'nope.db'}"
        result = unimap(*args, "--store", store, cwd=tmp_path, input="{}")
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: no store at") and result.stdout == "", (args, result.stderr)
    assert list(tmp_path.iterdir()) == []


def test_a_store_that_is_not_a_url_is_a_usage_error(tmp_path: Path) -> None:
    result = unimap("status", "--store", "victim.db", cwd=tmp_path)
    assert result.returncode == 2 and "sqlite:///victim.db" in result.stderr


def test_demo_takes_a_store_url_and_prints_a_short_summary(tmp_path: Path) -> None:
    result = unimap("demo", "--store", "sqlite:///x.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]  # no folder named `sqlite:`
    assert "candidate " in result.stdout and "application(s)" in result.stdout
    candidate_line = next(line for line in result.stdout.splitlines() if line.startswith("candidate "))
    assert "0 application(s)" not in candidate_line  # the sample candidate has applications
    assert '"remote_id"' not in result.stdout  # full records only with --verbose
    verbose = unimap("demo", "--store", "sqlite:///x.db", "--verbose", cwd=tmp_path)  # replaces the earlier demo
    assert verbose.returncode == 0 and '"remote_id"' in verbose.stdout
    as_json = json.loads(unimap("demo", "--store", "sqlite:///x.db", "--json", cwd=tmp_path).stdout)
    assert as_json["report"]["status"] == "ok" and set(as_json["samples"]) == {"job", "candidate", "application"}
    assert as_json["samples"]["candidate"]["applications"]


def test_demo_never_replaces_a_store_with_real_integrations_or_keys(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'victim.db'}"
    iid = connect(otys_sandbox, store)
    before = (tmp_path / "victim.db").read_bytes()
    result = unimap("demo", "--store", store, cwd=tmp_path)
    assert result.returncode == 2 and "refusing to replace" in result.stderr and iid in result.stderr
    assert (tmp_path / "victim.db").read_bytes() == before

    keyed = tmp_path / "keys.db"
    assert unimap("demo", "--store", f"sqlite:///{keyed}", cwd=tmp_path).returncode == 0
    assert unimap("keys", "create", "--all-integrations", "--store", f"sqlite:///{keyed}").returncode == 0
    refused = unimap("demo", "--store", f"sqlite:///{keyed}", cwd=tmp_path)
    assert refused.returncode == 2 and "API key" in refused.stderr

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    assert unimap("demo", "--store", f"sqlite:///{other}", cwd=tmp_path).returncode == 2
