"""A sync killed with SIGKILL midway, run again, ends with the store of an uninterrupted sync."""

from __future__ import annotations

import json
import math
import signal
import sqlite3
import subprocess
import sys
import time

from unimap.service import Unimap

from .helpers import MODELS, connect, snapshot, tenant_counts

CHILD = """
import sys
from unimap.service import Unimap

with Unimap(sys.argv[1]) as um:
    um.sync(sys.argv[2])
print("finished")
"""


def _midway(db_path: str) -> bool:
    """Whether a page of candidates or applications is stored but that model's run is unfinished."""
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return False
    try:
        rows = db.execute("SELECT model, run FROM checkpoints WHERE run IS NOT NULL").fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        return False
    finally:
        db.close()
    return any(model in ("candidate", "application") and json.loads(run)["fetched"] >= 200 for model, run in rows)


def test_sigkilled_sync_resumes_to_the_uninterrupted_store(make_sandbox, tmp_path):
    # every request takes 80 ms, so the child is still paging when it is killed
    sb = make_sandbox(seed=5, size=1200, faults="hang=1:0.08")
    path = str(tmp_path / "killed.db")
    with Unimap(f"sqlite:///{path}") as um:
        iid = connect(um, sb)

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, f"sqlite:///{path}", iid],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # a guard against hanging, not a timing assertion
        while child.poll() is None and not _midway(path) and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, (child.returncode, out, err)
    assert "finished" not in out

    sb.set_faults(None)
    with Unimap(f"sqlite:///{path}") as um:
        unfinished = {m for m in MODELS if um.store.checkpoint(iid, m)["run"] is not None}
        assert unfinished & {"candidate", "application"}, "the kill did not land midway"
        partial = {m: um.store.count(iid, m) for m in MODELS}
        counts = tenant_counts(sb)
        assert any(partial[m] < counts[m] for m in unfinished)

        offsets = {m: um.store.checkpoint(iid, m)["run"]["fetched"] for m in unfinished}

        report = um.sync(iid)
        assert report.ok, report.as_dict()
        for model in unfinished:  # went on from its checkpoint instead of starting over
            left = math.ceil((counts[model] - offsets[model]) / 200)
            assert report.models[model].requests <= left + 1 < math.ceil(counts[model] / 200) + 1, model
        assert all(r.deleted == 0 for r in report.models.values())
        assert all(um.store.checkpoint(iid, m)["run"] is None for m in MODELS)
        resumed = snapshot(um, iid)
        for model in MODELS:
            rows = um.store.db.execute(
                "SELECT COUNT(*), COUNT(DISTINCT remote_id) FROM records WHERE integration_id=? AND model=?",
                (iid, model),
            ).fetchone()
            assert tuple(rows) == (counts[model], counts[model]), model  # no duplicates, nothing missing

    with Unimap(f"sqlite:///{tmp_path / 'straight.db'}") as fresh:
        connect(fresh, sb, iid)
        assert fresh.sync(iid).ok
        assert resumed == snapshot(fresh, iid)
