"""Greenhouse's custom-field catalogue (``/v3/custom_fields``) served at ``GET /custom-fields`` to Kombo's SDK."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombo import Kombo

from unimap import ids
from unimap.service import Unimap
from unimap_connectors.greenhouse.sandbox import Sandbox

from .helpers import serve_synced

KOMBO_NAMES = {"candidate": "ats_candidates", "job": "ats_jobs", "application": "ats_applications"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Kombo, Unimap, str, Sandbox]]:
    with serve_synced(tmp_path, "greenhouse:fields") as running:
        yield running


def _expected(sb: Sandbox, iid: str) -> list[tuple[str, str, str, str]]:
    """(id, model, key, label) of the tenant's job, candidate and application fields, archived ones too."""
    rows = sorted(sb.tenant.rows("custom_fields"), key=lambda r: r["id"])
    return [
        (
            ids.unified_id(iid, "custom_field", f"{r['field_type']}\x1fremote\x1f{r['id']}"),
            KOMBO_NAMES[r["field_type"]],
            r["name_key"],
            r["name"],
        )
        for model in ("application", "candidate", "job")  # the connector's model order
        for r in rows
        if r["field_type"] == model
    ]


def _listed(kombo: Kombo, iid: str, page_size: int = 250) -> list[tuple[str, str, str, str | None]]:
    found, cursor = [], None
    while True:
        page = kombo.general.get_custom_fields(integration_id=iid, page_size=page_size, cursor=cursor).result.data
        found.extend((d.id, d.model, d.key, d.label) for d in page.results)
        if page.next is None:
            return found
        cursor = page.next


def test_the_catalogue_is_the_tenants_with_labels_and_pages(served: Any) -> None:
    kombo, um, iid, sb = served
    expected = _expected(sb, iid)
    assert any(r["field_type"] not in KOMBO_NAMES for r in sb.tenant.rows("custom_fields")), "left out"
    assert any(not r["active"] for r in sb.tenant.rows("custom_fields") if r["field_type"] in KOMBO_NAMES)
    assert _listed(kombo, iid) == expected
    assert _listed(kombo, iid, page_size=2) == expected
    for model, name in KOMBO_NAMES.items():
        carried = {k for r in um.export(model, iid) for k in (r.get("custom_fields") or {})}
        assert carried <= {key for _, m, key, _ in expected if m == name}, model


def test_a_renamed_and_a_new_field_show_after_the_next_sync(served: Any) -> None:
    kombo, um, iid, sb = served
    before = _listed(kombo, iid)
    field = next(r for r in sb.tenant.rows("custom_fields") if r["field_type"] == "candidate")
    sb.tenant.edit("custom_fields", field["id"], name="Renamed In Greenhouse")
    sb.tenant.insert(
        "custom_fields",
        {
            **{k: v for k, v in field.items() if k not in ("id", "created_at", "updated_at")},
            "name": "Notice Period",
            "name_key": "notice_period",
            "field_type": "job",
        },
    )
    assert _listed(kombo, iid) == before, "the catalogue is the synced one"
    assert um.sync(iid).ok
    after = _listed(kombo, iid)
    assert after == _expected(sb, iid) and len(after) == len(before) + 1
    renamed = next(d for d in after if d[2] == field["name_key"])
    assert renamed[3] == "Renamed In Greenhouse" and renamed[0] in {d[0] for d in before}


def test_a_catalogue_that_cannot_be_read_keeps_the_last_one(served: Any) -> None:
    kombo, um, iid, sb = served
    before = _listed(kombo, iid)
    sb.auth.custom.scopes.discard("harvest:custom_fields:list")
    sb.tenant.edit("custom_fields", sb.tenant.rows("custom_fields")[0]["id"], name="Not Seen")
    report = um.sync(iid)
    assert report.ok, "no model reads the catalogue: the models still sync"
    assert any("'custom_fields' unavailable" in w for w in report.warnings), report.warnings
    assert _listed(kombo, iid) == before
