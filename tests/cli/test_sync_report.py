"""Item 2: a model whose records fail to map is a failure; warnings on stderr, collapsed."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import connect, unimap


def test_every_record_failing_makes_the_model_failed_and_the_exit_non_zero(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    iid = connect(otys_sandbox, store)
    # a label that is no text: every candidate's integration_fields fail the unified schema
    bad = 'candidate_integration_fields={"extraInfo1": 5}'
    assert unimap("integrations", "update", iid, "--setting", bad, "--store", store).returncode == 0
    result = unimap("sync", "--store", store)
    assert result.returncode == 1, result.stderr
    assert "warning" not in result.stdout  # the table alone on stdout
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip()}
    assert "skipped" in rows["model"]
    assert rows["candidate"][-1] == "failed" and rows["user"][-1] == "ok"
    candidate_warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: candidate ")]
    assert len(candidate_warnings) == 1, result.stderr  # 50 alike, one line
    assert "more candidate records skipped" in candidate_warnings[0] or "more like it" in candidate_warnings[0]
    status = unimap("status", "--json", "--store", store)
    assert json.loads(status.stdout)[iid][0]["status"] == "failed"


def test_some_records_skipped_is_partial(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    iid = connect(otys_sandbox, store)
    bad = json.dumps(dict.fromkeys(("primary", "mobile", "work", "other", "fax"), 5))
    assert unimap("integrations", "update", iid, "--setting", f"phone_types={bad}", "--store", store).returncode == 0
    result = unimap("sync", "--json", "--store", store)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    candidate = report["models"]["candidate"]
    assert 0 < candidate["skipped"] < candidate["fetched"] and candidate["status"] == "partial"
    assert report["models"]["job"]["status"] == "ok" and report["status"] == "failed"


def test_a_clean_sync_exits_0_with_ok_everywhere(otys_sandbox, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    connect(otys_sandbox, store)
    result = unimap("sync", "--json", "--store", store)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {m["status"] for m in report["models"].values()} == {"ok"} and report["status"] == "ok"
