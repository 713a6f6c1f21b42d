"""List responses are spliced from stored text: the same bytes as the parsed, assembled records encoded.

And ``unimap serve --workers 2`` answers from two processes over one store.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

from unimap.api.auth import KeyStore
from unimap.api.scheduler import ProcessLock, SyncScheduler
from unimap.service import Unimap
from unimap_connectors.otys.sandbox import Sandbox

from .conftest import A, Live

SEGMENTS = {
    "users": "user",
    "jobs": "job",
    "candidates": "candidate",
    "application-stages": "application_stage",
    "applications": "application",
}


@pytest.mark.parametrize("segment", list(SEGMENTS))
def test_list_bodies_are_the_assembled_records_encoded(live: Live, segment: str) -> None:
    model = SEGMENTS[segment]
    with live.http() as client:
        cursor = None
        pages = 0
        while True:
            params = {"page_size": "3", **({"cursor": cursor} if cursor else {})}
            response = client.get(f"/ats/{segment}", params=params)
            assert response.status_code == 200 and response.headers["content-type"] == "application/json"
            page = live.service.list_records(model, A, page_size=3, cursor=cursor)
            expected = {"status": "success", "data": {"next": page.next, "results": page.results}}
            assert response.content == orjson.dumps(expected)
            pages += 1
            cursor = page.next
            if not cursor or pages >= 4:
                break
    assert pages >= 2


def test_a_list_error_is_still_kombos_envelope(live: Live) -> None:
    with live.http() as client:
        response = client.get("/ats/candidates", params={"page_size": "0"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
    with live.http(key="nope") as client:
        assert client.get("/ats/candidates").status_code == 401


def test_one_process_holds_a_lock_file_at_a_time(tmp_path: Path) -> None:
    first, second = ProcessLock(str(tmp_path / "x.lock")), ProcessLock(str(tmp_path / "x.lock"))
    assert first.acquire() and first.held
    assert not second.acquire() and not second.held  # flock: another open file description
    first.release()
    assert second.acquire()
    second.release()


def test_a_sync_another_process_runs_is_already_queued(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with Unimap(url) as um:
        um.connect("otys", {"api_key": "x"}, integration_id="otys:S", check=False)
        scheduler = SyncScheduler(um, delta_every=0, full_every=0, shared=True)
        other = scheduler._sync_lock("otys:S")
        assert other is not None
        holder = ProcessLock(other.path)  # as the other process would
        assert holder.acquire()
        try:
            job, already = scheduler.request("otys:S", "full")
            assert already and not scheduler.running and job.sync_id is None
        finally:
            holder.release()
        assert not os.path.exists(f"{tmp_path / 'shared.db'}.scheduler.lock")  # schedule off: nothing taken


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_with_two_workers_answers_from_both(tmp_path: Path) -> None:
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
            assert um.sync("otys:S", full=True).ok
            key, _ = KeyStore(um.store).create(["otys:S"])
            jobs = um.list_records("job", "otys:S")
            expected = orjson.dumps({"status": "success", "data": {"next": jobs.next, "results": jobs.results}})
        port = _free_port()
        command = [sys.executable, "-m", "unimap", "serve", "--port", str(port), "--workers", "2", "--store", url]
        command += ["--delta-every", "0", "--full-every", "0", "--log-level", "warning"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            headers = {"Authorization": f"Bearer {key}", "X-Integration-Id": "otys:S"}
            deadline = time.monotonic() + 60
            bodies: list[bytes] = []
            while time.monotonic() < deadline and len(bodies) < 6:
                try:  # a new connection each time: the kernel spreads them over the workers
                    response = httpx.get(f"http://127.0.0.1:{port}/v1/ats/jobs", headers=headers, timeout=10)
                    bodies.append(response.content)
                except httpx.TransportError:
                    time.sleep(0.1)
            assert bodies and all(b == expected for b in bodies)
            workers = subprocess.run(
                ["ps", "--ppid", str(process.pid), "-o", "args="], capture_output=True, text=True
            ).stdout
            assert workers.count("multiprocessing.spawn") == 2
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) in (0, -15)
        assert "Traceback" not in process.stderr.read().decode()
