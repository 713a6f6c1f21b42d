"""Kombo's SDK against ``unimap serve`` (OTYS): attachments on demand, field endpoints, integration details, DELETE."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from kombo import errors as kerrors

from unimap import ids, unified
from unimap.api.attachments import make_token, read_token, signing_key
from unimap.api.errors import ApiError
from unimap.store.integration_rows import field_settings
from unimap_connectors.otys.sandbox.downloads import file_bytes

from .conftest import A, B, Live


def _candidate_with_documents(live: Live) -> tuple[str, list[dict[str, Any]]]:
    """A synced candidate of A that has documents in the sandbox, and those documents."""
    sb = live.sandboxes[A]
    docs = sb.tenant.collection("AttachedDocumentsService").ordered()
    by_candidate: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_candidate.setdefault(doc["candidateUid"], []).append(doc)
    uid = max(by_candidate, key=lambda u: len(by_candidate[u]))
    return ids.unified_id(A, "candidate", uid), by_candidate[uid]


def test_candidate_attachments_parse_and_download_the_exact_bytes(live: Live) -> None:
    candidate_id, docs = _candidate_with_documents(live)
    answer = live.kombo().ats.get_candidate_attachments(candidate_id=candidate_id)
    got = {r.remote_id: r for r in answer.data.results}
    assert set(got) == {d["uid"] for d in docs}
    for doc in docs:
        item = got[doc["uid"]]
        assert item.candidate_id == candidate_id and item.application_id is None
        assert item.file_name == doc["fileName"]
        assert item.type == {"1": "CV", "202": "COVER_LETTER"}.get(str(doc["typeId"]), "OTHER")
        _, expected = file_bytes(live.sandboxes[A].app, doc["fileUid"])  # type: ignore[misc]
        with httpx.stream("GET", item.data_url) as response:  # no API key: the token is the credential
            assert response.status_code == 200
            body = b"".join(response.iter_bytes())
            assert response.headers["content-type"].startswith(item.content_type)
            assert "attachment" in response.headers["content-disposition"]
        assert hashlib.sha256(body).digest() == hashlib.sha256(expected).digest()


def test_application_attachments_fall_back_to_the_candidate(live: Live) -> None:
    candidate_id, docs = _candidate_with_documents(live)
    application = next((a for a in live.service.export("application", A) if a["candidate_id"] == candidate_id), None)
    if application is None:
        pytest.skip("the candidate with documents has no application in this tenant")
    answer = live.kombo().ats.get_application_attachments(application_id=application["id"])
    assert {r.remote_id for r in answer.data.results} == {d["uid"] for d in docs}
    assert answer.warnings and "per candidate" in answer.warnings[0].message


def test_download_refuses_bad_and_expired_tokens(live: Live) -> None:
    candidate_id, docs = _candidate_with_documents(live)
    url = live.kombo().ats.get_candidate_attachments(candidate_id=candidate_id).data.results[0].data_url
    base, token = url.split("?token=")
    other = ids.unified_id(A, "attachment", "someone-else")
    for bad in (
        f"{base}?token={token[:-2]}00",  # a changed signature
        f"{base}?token=x{token}",  # a changed payload
        f"{base.rsplit('/', 2)[0]}/{other}/download?token={token}",  # another attachment
        base,  # none
    ):
        response = httpx.get(bad)
        assert response.status_code == 403, bad
        assert response.json()["error"]["code"] == "PLATFORM.AUTHENTICATION_INVALID"
    expired = make_token(A, docs[0]["uid"], now=0)
    assert (
        httpx.get(
            f"{base.rsplit('/', 2)[0]}/{ids.unified_id(A, 'attachment', docs[0]['uid'])}/download",
            params={"token": expired},
        ).status_code
        == 403
    )
    attachment_id = ids.unified_id(A, "attachment", "r1")
    assert read_token(attachment_id, make_token(A, "r1", now=100.0), now=101.0) == (A, "r1")
    with pytest.raises(ApiError):
        read_token(attachment_id, make_token(A, "r1", now=100.0), now=100.0 + 7 * 86400)
    assert signing_key({"UNIMAP_DOWNLOAD_SECRET": "s"}) != signing_key({"UNIMAP_DOWNLOAD_SECRET": "t"})


def test_integration_details_come_from_the_specs(live: Live) -> None:
    details = live.kombo().general.get_integration_details(integration_id=A).data
    specs = live.service.engine.connector("otys")
    models = {m.id: m for m in details.read_models}
    assert models["ats_candidates"].label == "Candidate" and models["ats_candidates"].is_available
    assert models["ats_join_jobs_users"].is_available == ("job_hiring_team_member" in specs.models)
    assert models["ats_tags"].is_available == ("tag" in specs.models)
    actions = {a.id: a.is_available for a in details.write_actions}
    assert actions == {f"ats_{name}": name in specs.actions for name in unified.ACTIONS}


def test_custom_and_integration_fields_parse_and_patch(make_live: Any) -> None:
    live = make_live(integrations=(A,))
    kombo = live.kombo()
    custom = kombo.general.get_custom_fields(integration_id=A, page_size=2)
    assert custom.result.data.results, "OTYS candidates and jobs carry custom fields"
    assert all(r.model.startswith("ats_") for r in custom.result.data.results)
    with live.http() as http:
        short = http.get("/custom-fields", params={"page_size": 250}).json()["data"]
    assert len(short["results"]) >= len(custom.result.data.results) and short["next"] is None
    listed = kombo.general.get_integration_fields(integration_id=A, page_size=250).result.data.results
    field = next(f for f in listed if f.model == "ats_candidates" and not f.is_passthrough_enabled)
    changed = kombo.general.update_integration_field(
        integration_id=A, integration_field_id=field.id, enable_passthrough=True
    ).data
    assert changed.id == field.id and changed.is_passthrough_enabled
    assert field_settings(live.service.store, A) == {field.id: True}
    assert field.key in live.service.store.integration(A).settings["candidate_integration_fields"]
    assert live.service.sync(A, full=True).ok
    record = next(c for c in live.service.export("candidate", A) if c["integration_fields"])
    assert field.key in {f["key"] for f in record["integration_fields"]}
    off = kombo.general.update_integration_field(
        integration_id=A, integration_field_id=field.id, enable_passthrough=False
    ).data
    assert not off.is_passthrough_enabled


def test_models_the_connector_lacks_answer_not_available(live: Live) -> None:
    with live.http() as http:
        response = http.get("/ats/notes")
    assert response.status_code == 404 and response.json()["error"]["code"] == "INTEGRATION.MODEL_NOT_AVAILABLE"


def test_delete_removes_only_that_integration(make_live: Any, tmp_path: Any) -> None:
    live = make_live()
    store = live.service.store
    before_b = {t: _rows(store, t, B) for t in ("records", "checkpoints", "syncs")}
    assert all(before_b.values()) and _rows(store, "records", A)
    live.service.store.track(A, "candidate", "x")
    live.kombo("all").general.delete_integration(integration_id=A, body={})
    for table in ("records", "checkpoints", "syncs", "tracked", "pending_attachments", "integration_field_settings"):
        assert _rows(store, table, A) == 0, table
    assert {t: _rows(store, t, B) for t in before_b} == before_b
    assert [i.id for i in store.integrations()] == [B]
    with pytest.raises(kerrors.KomboGeneralError) as caught:
        live.kombo("a").general.check_api_key()  # the key granted only A is revoked
    assert caught.value.data.error.code == "PLATFORM.AUTHENTICATION_INVALID"
    with pytest.raises(kerrors.KomboGeneralError) as caught:
        live.kombo("all").general.get_integration_details(integration_id=A)
    assert caught.value.data.error.code == "PLATFORM.INTEGRATION_NOT_FOUND"
    assert live.kombo("b", B).ats.get_jobs().result.data.results


def _rows(store: Any, table: str, integration_id: str) -> int:
    row = store.db.execute(f"SELECT COUNT(*) AS n FROM {table} WHERE integration_id = ?", (integration_id,)).fetchone()
    return int(row["n"])
