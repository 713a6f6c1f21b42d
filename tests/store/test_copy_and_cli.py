"""``unimap store copy`` SQLite → PostgreSQL → SQLite, and the CLI unchanged on a PostgreSQL store."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from readside.helpers import connect, snapshot

from unimap.api.auth import KeyStore
from unimap.errors import StoreError
from unimap.service import Unimap
from unimap.store.copy import copy_store


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "unimap", *args], capture_output=True, text=True, timeout=180)


def test_copy_sqlite_to_postgres_and_back(make_sandbox, make_pg_url, tmp_path):
    sb = make_sandbox()
    source = f"sqlite:///{tmp_path / 'source.db'}"
    with Unimap(source) as um:
        iid = connect(um, sb)
        assert um.sync(iid, full=True).ok
        sb.tenant.delete("CandidateService", sb.tenant.records("CandidateService")[0]["uid"])
        assert um.sync(iid, full=True).ok
        um.store.track(iid, "application", "1")
        um.store.add_pending_attachment(iid, {"model": "candidate"}, {"name": "cv.pdf"}, "timeout")
        um.store.set_schedule(iid, delta_every=60, full_every=None)
        key, _ = KeyStore(um.store).create([iid], "copied")
        expected = snapshot(um, iid)
        syncs = um.store.syncs(iid)
        checkpoint = um.store.checkpoint(iid, "candidate")

    pg = make_pg_url()
    result = _cli("store", "copy", source, pg)
    assert result.returncode == 0, result.stderr
    assert "counts verified" in result.stdout
    back = f"sqlite:///{tmp_path / 'back.db'}"
    copy_store(pg, back)
    for url in (pg, back):
        with Unimap(url) as um:
            assert snapshot(um, iid) == expected
            assert um.store.syncs(iid) == syncs
            assert um.store.checkpoint(iid, "candidate") == checkpoint
            assert um.store.tracked(iid, "application") == {"1"}
            assert [p["attachment"] for p in um.store.pending_attachments(iid)] == [{"name": "cv.pdf"}]
            assert um.store.schedule(iid) == {"delta_every": 60, "full_every": None}
            assert KeyStore(um.store).verify(key).name == "copied"
            assert um.store.start_sync(iid, "delta") > max(s["id"] for s in syncs)  # ids carry on
    with pytest.raises(StoreError, match="not empty"):
        copy_store(source, pg)


def test_every_cli_command_works_on_postgres(make_sandbox, pg_url, tmp_path):
    sb = make_sandbox()
    connected = _cli("connect", "otys", "--api-key", sb.api_key, "--base-url", sb.base_url, "--store", pg_url)
    assert connected.returncode == 0, connected.stderr
    iid = next(w for w in (connected.stdout + connected.stderr).split() if w.startswith("otys:"))
    for args in (
        ["sync", "--full"],
        ["sync"],
        ["integrations"],
        ["status"],
        ["keys", "create", "--all-integrations"],
        ["keys", "list"],
        ["jobs"],
        ["schedule", iid, "--delta-every", "60"],
        ["retry-attachments"],
        ["passthrough", iid, "Otys.Services.CandidateService.getListEx", '[{"limit": 1}]'],
    ):
        result = _cli(*args, "--store", pg_url)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
    exported = _cli("export", "candidates", "--store", pg_url)
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines() if line.strip()]
    assert lines and all(r["id"] for r in lines)
    bad = _cli("integrations", "--store", "postgresql://nobody:hunter2@127.0.0.1:1/none")
    assert bad.returncode == 1 and bad.stderr.count("\n") <= 2 and "hunter2" not in bad.stderr
    assert bad.stderr.startswith("error: cannot open store")
