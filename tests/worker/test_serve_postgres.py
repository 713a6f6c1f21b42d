"""Two ``unimap serve`` processes and a worker on one PostgreSQL store, checked through Kombo's own SDK."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
from kombo import Kombo
from readside.helpers import connect

from unimap.api.auth import KeyStore
from unimap.service import Unimap
from unimap.worker.queue import SyncQueue

from .conftest import wait_for


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(store_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "unimap",
                "serve",
                "--store",
                store_url,
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    url = f"http://127.0.0.1:{port}/v1"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(up, 60, what="unimap serve")
    return proc, url


def _walk(call, **kwargs):  # type: ignore[no-untyped-def]
    page, out = call(**kwargs), []
    while page is not None:
        out.extend(r.id for r in page.result.data.results)
        page = page.next()
    return out


def test_two_servers_share_one_store_and_enqueue_syncs(pg_url, make_sandbox, start_worker, tmp_path):
    sb = make_sandbox()
    with Unimap(pg_url) as um:
        iid = connect(um, sb, "otys:A", allow_private_urls=True)
        assert um.sync(iid, full=True).ok
        key, _ = KeyStore(um.store).create([iid], "sdk")
        servers = [_serve(pg_url, tmp_path / f"serve{i}.log") for i in range(2)]
        try:
            sdks = [Kombo(api_key=key, integration_id=iid, server_url=url) for _, url in servers]
            assert len({k.general.check_api_key().data.environment_id for k in sdks}) == 1
            for method in ("get_candidates", "get_jobs", "get_applications", "get_users", "get_application_stages"):
                one, two = (_walk(getattr(k.ats, method), page_size=7) for k in sdks)
                assert one == two and one, method
            details = [k.general.get_integration_details(integration_id=iid).data for k in sdks]
            assert details[0].id == details[1].id == iid

            first = sdks[0].general.trigger_sync(type_="FULL").data
            again = sdks[1].general.trigger_sync(type_="FULL").data  # the other server sees the queued job
            assert first.already_queued is False and again.already_queued is True
            queue = SyncQueue(pg_url)
            assert [(j.kind, j.reason) for j in queue.jobs()] == [("full", "force-sync")]
            before = len(um.store.syncs(iid))
            worker = start_worker(pg_url, "--burst", "--full-every", "0", "--delta-every", "0")
            assert worker.proc.wait(120) == 0
            assert len(um.store.syncs(iid)) == before + 1 and um.store.syncs(iid)[0]["status"] == "success"
            assert queue.jobs() == []
            queue.close()
            one, two = (_walk(k.ats.get_candidates, page_size=50) for k in sdks)
            assert one == two and one
            syncs = httpx.get(
                f"{servers[1][1]}/syncs", headers={"Authorization": f"Bearer {key}", "X-Integration-Id": iid}
            ).json()["data"]
            assert syncs["running"] is None and syncs["last_sync"]["status"] == "success"
        finally:
            for proc, _ in servers:
                proc.terminate()
                proc.wait(30)
