"""OTYS behaviour is pinned: for fixed sandbox seeds, every model's export and every action's
response equal the golden files recorded before the engine redesign, byte for byte.

Only what depends on the wall clock is normalised (sync and write times). Set
``UNIMAP_GOLDEN_WRITE=1`` to re-record after an intended change, and review the diff.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from unimap import unified
from unimap.service import Unimap
from unimap_connectors.otys.sandbox import Sandbox

GOLDEN = Path(__file__).resolve().parent / "data"
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
VOLATILE = {"changed_at"}
PDF = base64.b64encode(b"%PDF-1.4\n% golden\n%%EOF\n").decode()


def _normalise(value: Any, now_prefixes: tuple[str, ...]) -> Any:
    """Drop store times; replace timestamps of the day the test runs (write times) with a marker."""
    if isinstance(value, dict):
        return {k: _normalise(v, now_prefixes) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_normalise(v, now_prefixes) for v in value]
    if isinstance(value, str) and STAMP.match(value) and value.startswith(now_prefixes):
        return "<now>"
    return value


def _today_prefixes() -> tuple[str, ...]:
    from datetime import UTC, datetime, timedelta

    days = [datetime.now(UTC) + timedelta(days=d) for d in (-1, 0, 1)]
    return tuple(d.strftime("%Y-%m-%d") for d in days)


def _check(name: str, data: Any) -> None:
    text = orjson.dumps(_normalise(data, _today_prefixes()), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("UNIMAP_GOLDEN_WRITE") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(text + b"\n")
        return
    assert path.is_file(), f"no golden file {path}; record it with UNIMAP_GOLDEN_WRITE=1"
    expected = path.read_bytes().rstrip(b"\n")
    if text != expected:
        got = text.decode().splitlines()
        want = expected.decode().splitlines()
        first = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want)))
        pytest.fail(
            f"{name}: differs from {path.name} at line {first + 1}:\n  golden: "
            f"{want[first] if first < len(want) else '<end>'}\n  now:    "
            f"{got[first] if first < len(got) else '<end>'}"
        )


def _connect(um: Unimap, sb: Sandbox) -> str:
    integration = um.connect(
        "otys",
        {"api_key": sb.api_key},
        base_url=sb.base_url,
        integration_id="otys:golden",
        settings={"allow_private_urls": True},
    )
    return integration.id


#: the models pinned before the engine redesign; models added since have golden files of their own
SEED_MODELS = ("user", "job", "candidate", "application_stage", "application", "job_hiring_team_member")


def _export(um: Unimap, iid: str, models: tuple[str, ...] = SEED_MODELS) -> dict[str, list[dict[str, Any]]]:
    return {model: list(um.export(model, iid, include_deleted=True, page_size=250)) for model in models}


@pytest.mark.parametrize(("seed", "size"), [(1, "small"), (7, "small")])
def test_full_sync_exports_match_golden(tmp_path: Path, seed: int, size: str) -> None:
    sb = Sandbox(seed=seed, size=size, rate_limit=None).start()
    try:
        with Unimap(f"sqlite:///{tmp_path / 'g.db'}") as um:
            iid = _connect(um, sb)
            report = um.sync(iid, full=True)
            assert report.ok, report.as_dict()
            _check(f"export-seed{seed}-{size}", _export(um, iid))
            later = tuple(m for m in unified.MODELS if m not in SEED_MODELS)
            _check(f"export-later-models-seed{seed}-{size}", _export(um, iid, later))
    finally:
        sb.stop()


def test_action_responses_match_golden(tmp_path: Path) -> None:
    sb = Sandbox(seed=1, size="small", rate_limit=None).start()
    try:
        with Unimap(f"sqlite:///{tmp_path / 'g.db'}") as um:
            iid = _connect(um, sb)
            assert um.sync(iid, full=True).ok
            jobs = [j for j in um.export("job", iid) if j["status"] == "OPEN"]
            stages = list(um.export("application_stage", iid))
            candidates = list(um.export("candidate", iid))
            applications = list(um.export("application", iid))
            cv = {"name": "cv.pdf", "type": "CV", "content_type": "application/pdf", "data": PDF}
            results: dict[str, Any] = {}
            results["create_candidate"] = um.action(
                "create_candidate",
                {
                    "candidate": {
                        "first_name": "Gold",
                        "last_name": "Den",
                        "email_address": "gold.den@example.com",
                        "phone_number": "+31 6 12345678",
                        "company": "Acme",
                        "title": "Dev",
                        "location": {"city": "Utrecht", "country": "NL"},
                    },
                    "application": {"job_id": jobs[2]["id"]},
                    "source": {"name": "Golden Board"},
                    "attachments": [cv],
                    "gdpr_consent": {"given": True, "expires_at": "2030-01-01T00:00:00Z"},
                },
                iid,
            ).envelope()
            results["create_application"] = um.action(
                "create_application",
                {
                    "job_id": jobs[0]["id"],
                    "stage_id": stages[0]["id"],
                    "candidate": {"first_name": "Apply", "last_name": "Er", "email_address": "apply.er@example.com"},
                    "attachments": [cv],
                },
                iid,
            ).envelope()
            results["create_application_existing"] = um.action(
                "create_application",
                {
                    "job_id": jobs[1]["id"],
                    "candidate": {"first_name": "Apply", "last_name": "Er", "email_address": "apply.er@example.com"},
                },
                iid,
            ).envelope()
            results["add_candidate_attachment"] = um.action(
                "add_candidate_attachment", {"candidate_id": candidates[0]["id"], "attachment": cv}, iid
            ).envelope()
            results["add_application_attachment"] = um.action(
                "add_application_attachment", {"application_id": applications[0]["id"], "attachment": cv}, iid
            ).envelope()
            link = {
                "label": "Assessment",
                "url": "https://results.example.com/r/1",
                "details": {"custom_field_name_prefix": "gold_", "attributes": [{"key": "score", "value": "9"}]},
            }
            results["add_candidate_result_link"] = um.action(
                "add_candidate_result_link", {"candidate_id": candidates[1]["id"], **link}, iid
            ).envelope()
            results["add_application_result_link"] = um.action(
                "add_application_result_link", {"application_id": applications[1]["id"], **link}, iid
            ).envelope()
            _check("actions-seed1-small", results)
    finally:
        sb.stop()
