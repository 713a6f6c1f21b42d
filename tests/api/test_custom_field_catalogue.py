"""Custom-field definitions from the vendor's own catalogue (OTYS extra fields), served to Kombo's SDK.

The catalogue is the connector's ``custom_field_catalogue``: lookups synced with every sync. A
connector that declares none still gets the keys sampled from its stored records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from unimap import ids
from unimap_connectors.otys.sandbox import catalogue as cat

from .conftest import A, Live, start_live

LANGUAGE = "en"  # the connector's default `language` setting


@pytest.fixture(scope="module")
def one(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A server over integration A only (small, synced)."""
    running = start_live(tmp_path_factory.mktemp("catalogue"), integrations=(A,))
    yield running
    running.close()


def _expected(table: dict[int, dict[str, str]], count: int) -> dict[str, str]:
    """fieldnum → label of the sandbox's catalogue."""
    return {str(n): cat.extra_field_label(table, n, LANGUAGE) for n in range(1, count + 1)}


def _all(live: Live, page_size: int = 250) -> list[Any]:
    """Every custom-field definition of A through the SDK, page after page."""
    kombo, found, cursor = live.kombo(), [], None
    while True:
        page = kombo.general.get_custom_fields(integration_id=A, page_size=page_size, cursor=cursor).result.data
        found.extend(page.results)
        if page.next is None:
            return found
        cursor = page.next


def test_the_catalogue_has_the_vendor_labels_and_ids(one: Live) -> None:
    settings = one.sandboxes[A].settings
    definitions = _all(one)
    for model, kombo_model, table, count in (
        ("candidate", "ats_candidates", cat.CANDIDATE_EXTRA_FIELDS, settings.candidate_extra_fields),
        ("job", "ats_jobs", cat.VACANCY_EXTRA_FIELDS, settings.vacancy_extra_fields),
    ):
        expected = _expected(table, count)
        mine = [d for d in definitions if d.model == kombo_model]
        assert [(d.key, d.label) for d in mine] == [(label, label) for label in expected.values()]
        assert [d.id for d in mine] == [
            ids.unified_id(A, "custom_field", f"{model}\x1fremote\x1f{n}") for n in expected
        ]
        assert all(d.integration_field is None and d.description is None for d in mine)
        carried = {k for r in one.service.export(model, A) for k in (r.get("custom_fields") or {})}
        assert carried and carried <= {d.key for d in mine}, "every key on the records has its definition"
    assert {d.model for d in definitions} == {"ats_candidates", "ats_jobs"}


def test_the_catalogue_pages_and_the_short_route_agrees(one: Live) -> None:
    whole = [d.id for d in _all(one)]
    paged = [d.id for d in _all(one, page_size=3)]
    assert paged == whole and len(set(whole)) == len(whole) > 3
    with one.http() as http:
        short = http.get("/custom-fields", params={"page_size": 250}).json()["data"]
        unknown = http.get("/custom-fields", params={"model": "ats_jobs"})
    assert unknown.status_code == 400 and "unknown query parameter(s) model" in unknown.json()["error"]["message"]
    assert [d["id"] for d in short["results"]] == whole and short["next"] is None


def test_a_catalogue_edit_shows_after_the_next_sync(tmp_path: Path) -> None:
    live = start_live(tmp_path, integrations=(A,))
    try:
        before = {d.id: d.label for d in _all(live)}
        settings = live.sandboxes[A].settings
        settings.candidate_extra_fields += 1  # the tenant defines one more candidate field
        added = cat.extra_field_label(cat.CANDIDATE_EXTRA_FIELDS, settings.candidate_extra_fields, LANGUAGE)
        assert {d.id: d.label for d in _all(live)} == before, "nothing changes before a sync"
        assert live.service.sync(A).ok  # a delta sync reads the lookups too
        after = {d.id: d.label for d in _all(live)}
        new_id = ids.unified_id(A, "custom_field", f"candidate\x1fremote\x1f{settings.candidate_extra_fields}")
        assert after == {**before, new_id: added}
    finally:
        live.close()


def test_without_a_catalogue_the_keys_come_from_the_records(one: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = one.service.engine.connector("otys")
    monkeypatch.setattr(specs, "custom_field_catalogue", [])
    definitions = _all(one)
    carried = {
        (model, k)
        for model in ("candidate", "job")
        for r in one.service.export(model, A)
        for k in (r.get("custom_fields") or {})
    }
    kombo_names = {"candidate": "ats_candidates", "job": "ats_jobs"}
    assert carried
    assert {(d.model, d.key) for d in definitions} == {(kombo_names[m], k) for m, k in carried}
    assert all(d.label == d.key for d in definitions)
    assert {d.id for d in definitions} == {ids.unified_id(A, "custom_field", f"{m}\x1f{k}") for m, k in carried}
