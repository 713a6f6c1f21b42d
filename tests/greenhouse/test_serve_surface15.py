"""Kombo's SDK against ``unimap serve`` (Greenhouse): attachments on demand and their download, fields, DELETE."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from kombo import Kombo

from unimap import ids
from unimap.api import ApiServer, create_app
from unimap.api.auth import KeyStore
from unimap.service import Unimap
from unimap_connectors.greenhouse.sandbox import Sandbox
from unimap_connectors.greenhouse.sandbox.app import placeholder_file

from .helpers import connect


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Kombo, Unimap, str, Sandbox]]:
    sb = Sandbox(seed=3, size="small", rate_limit=None).start()
    um = Unimap(f"sqlite:///{tmp_path_factory.mktemp('gh-surface') / 'store.db'}")
    iid = connect(um, sb, integration_id="greenhouse:surface", allow_private_urls=True)
    other = connect(um, sb, integration_id="greenhouse:other", allow_private_urls=True)
    assert um.sync(iid, full=True).ok and um.sync(other, full=True).ok
    key = KeyStore(um.store).create(["*"], "sdk")[0]
    server = ApiServer(create_app(um, delta_every=0, full_every=0)).start()
    try:
        yield Kombo(api_key=key, integration_id=iid, server_url=server.url), um, iid, sb
    finally:
        server.stop()
        um.close()
        sb.stop()


def _with_files(sb: Sandbox) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for row in sb.tenant.rows("attachments"):
        found.setdefault(row["application_id"], []).append(row)
    return found


def test_application_and_candidate_attachments_stream_the_exact_bytes(served: Any) -> None:
    kombo, um, iid, sb = served
    synced = {a["remote_id"]: a for a in um.export("application", iid)}
    app_rid, rows = next((k, v) for k, v in _with_files(sb).items() if str(k) in synced)
    application = synced[str(app_rid)]
    answer = kombo.ats.get_application_attachments(application_id=application["id"])
    assert answer.warnings == []
    got = {r.remote_id: r for r in answer.data.results}
    assert set(got) == {str(r["id"]) for r in rows}
    for row in rows:
        item = got[str(row["id"])]
        assert item.type == {"resume": "CV", "cover_letter": "COVER_LETTER"}.get(row["type"], "OTHER")
        with httpx.stream("GET", item.data_url) as response:
            assert response.status_code == 200
            body = b"".join(response.iter_bytes())
        assert body == (sb.tenant.files.get(row["id"]) or placeholder_file(row))
    by_candidate = kombo.ats.get_candidate_attachments(candidate_id=application["candidate_id"])
    mine = [r for r in by_candidate.data.results if r.remote_id in got]
    assert len(mine) == len(got)
    assert all(r.application_id == application["id"] and r.candidate_id == application["candidate_id"] for r in mine)
    bad = httpx.get(answer.data.results[0].data_url.replace("token=", "token=0"))
    assert bad.status_code == 403


def test_fields_and_details_parse(served: Any) -> None:
    kombo, _um, iid, _ = served
    details = kombo.general.get_integration_details(integration_id=iid).data
    assert {m.id for m in details.read_models if m.is_available} >= {"ats_candidates", "ats_applications"}
    custom = kombo.general.get_custom_fields(integration_id=iid).result.data
    assert custom.next is None and all(r.model.startswith("ats_") for r in custom.results)
    fields = kombo.general.get_integration_fields(integration_id=iid, page_size=250).result.data.results
    assert {f.model for f in fields} >= {"ats_candidates", "ats_jobs", "ats_applications"}


def test_delete_keeps_the_other_integration(served: Any) -> None:
    kombo, um, iid, _ = served
    other = "greenhouse:other"
    before = um.store.count(iid, "candidate")
    kombo.general.delete_integration(integration_id=other, body={})
    assert [i.id for i in um.store.integrations()] == [iid]
    assert um.store.count(iid, "candidate") == before
    row = um.store.db.execute("SELECT COUNT(*) AS n FROM records WHERE integration_id = ?", (other,)).fetchone()
    assert row["n"] == 0
    assert ids.unified_id(iid, "candidate", "1") != ids.unified_id(other, "candidate", "1")
