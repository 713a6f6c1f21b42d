"""Kombo's own SDK against ``unimap serve`` with a Greenhouse integration: every list, paged, and every action."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kombo import Kombo

from unimap.service import Unimap
from unimap_connectors.greenhouse.sandbox import Sandbox

from .helpers import serve_synced

LISTS = ("get_users", "get_jobs", "get_candidates", "get_application_stages", "get_applications")


def walk(call: Callable[..., Any], **kwargs: Any) -> tuple[list[Any], int]:
    """Every result of a list call, following ``.next()``; returns (results, pages)."""
    page, results, pages = call(**kwargs), [], 0
    while page is not None:
        pages += 1
        results.extend(page.result.data.results)
        page = page.next()
    return results, pages


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Kombo, Unimap, str, Sandbox]]:
    with serve_synced(tmp_path_factory.mktemp("gh-serve"), "greenhouse:serve") as running:
        yield running


@pytest.mark.parametrize("method", LISTS)
def test_every_list_parses_and_pages(served: Any, method: str) -> None:
    kombo, um, iid, _ = served
    model = {
        "get_users": "user",
        "get_jobs": "job",
        "get_candidates": "candidate",
        "get_application_stages": "application_stage",
        "get_applications": "application",
    }[method]
    expected = [r["id"] for r in um.export(model, iid)]
    assert len(expected) >= 3
    got, pages = walk(getattr(kombo.ats, method), page_size=2)
    assert [r.id for r in got] == expected
    assert pages == -(-len(expected) // 2)


def test_every_action_parses(served: Any) -> None:
    kombo, um, iid, sb = served
    job = next(j for j in um.export("job", iid) if j["status"] == "OPEN" and j["stages"])
    cv = {
        "name": "cv.pdf",
        "type": "CV",
        "content_type": "application/pdf",
        "data": base64.b64encode(b"%PDF-1.4 sdk").decode(),
    }
    created = kombo.ats.create_application(
        job_id=job["id"],
        candidate={"first_name": "Sdk", "last_name": "Check", "email_address": "sdk.check@example.com"},
        attachments=[cv],
    )
    assert created.data.remote_id and created.data.job is not None and created.data.job.id == job["id"]
    application_id, candidate_id = created.data.id, created.data.candidate_id
    other = next(j for j in um.export("job", iid) if j["status"] == "OPEN" and j["id"] != job["id"])
    candidate = kombo.ats.create_candidate(
        candidate={"first_name": "Sdk", "last_name": "Two", "email_address": "sdk.two@example.com"},
        application={"job_id": other["id"]},
    )
    assert candidate.data.remote_id
    letter = {
        "name": "letter.txt",
        "type": "COVER_LETTER",
        "content_type": "text/plain",
        "data": base64.b64encode(b"Dear team").decode(),
    }
    assert kombo.ats.add_application_attachment(application_id=application_id, attachment=letter).warnings == []
    assert kombo.ats.add_candidate_attachment(candidate_id=candidate_id, attachment=letter) is not None
    link = {"label": "Assessment", "url": "https://results.example.com/r/1"}
    assert kombo.ats.add_application_result_link(application_id=application_id, **link) is not None
    assert kombo.ats.add_candidate_result_link(candidate_id=candidate_id, **link) is not None
    notes = [n for n in sb.tenant.rows("notes") if "https://results.example.com/r/1" in (n.get("body") or "")]
    assert len(notes) == 2


def test_passthrough_reaches_harvest_with_the_bearer_token(served: Any) -> None:
    kombo = served[0]
    answer = kombo.general.send_passthrough_request(
        tool="greenhouse", api="rest", method="GET", path="/v3/users", params={"per_page": "1"}
    )
    assert answer.data.status == 200 and isinstance(answer.data.data, list) and len(answer.data.data) == 1
