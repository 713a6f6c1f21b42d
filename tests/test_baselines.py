"""The hand-written mappers of ``bench/baselines.py`` return what the engine returns.

They are the baseline of ``bench/bench_mapping_models.py``, so they must do the same work: on
sandbox records (two seeds, default settings and tenant overrides) each returns exactly the
engine's record, ``id`` and ``remote_data`` included, and the result is a valid record.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from unimap.context import MappingContext
from unimap.engine import Engine
from unimap.mapping import RecordMapper
from unimap.validate import record_validator
from unimap_connectors.otys.sandbox import generate

BASELINES = Path(__file__).resolve().parents[1] / "bench" / "baselines.py"
_SPEC = importlib.util.spec_from_file_location("bench_baselines", BASELINES)
assert _SPEC is not None and _SPEC.loader is not None
baselines = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(baselines)

OVERRIDES: list[dict[str, Any]] = [
    {},
    {
        "vacancy_url_prefix": "https://jobs.example/vacatures/",
        "timezone": "UTC",
        "default_country": "BE",
        "hired_stages": ["Placed", "Screening"],
        "outcome_map": {"Active": "DECLINED", "Hired": "HIRED"},
        "candidate_integration_fields": {"status": "Status", "internalId": None},
        "job_integration_fields": ["referenceNr"],
        "app_url": "https://tenant.otysapp.com",
    },
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="module", params=[1, 5])
def tenant(request: pytest.FixtureRequest) -> Any:
    return generate(request.param, 150)


@pytest.mark.parametrize("model", sorted(baselines.MAPPERS))
@pytest.mark.parametrize("overrides", OVERRIDES, ids=["defaults", "overrides"])
def test_baseline_returns_the_engines_record(
    engine: Engine, tenant: Any, model: str, overrides: dict[str, Any]
) -> None:
    ctx = MappingContext(
        f"otys:{tenant.seed}",
        engine.settings("otys", overrides),
        {"candidate_extra_fields": {"1": "Rijbewijs", "4": "Salaris-eis"}, "vacancy_extra_fields": {"2": "Niveau"}},
    )
    mapper = engine.mapper("otys", model)
    interpreted = RecordMapper("otys", mapper.spec, engine.functions, engine.hook, compiled=False)
    hand = baselines.MAPPERS[model]
    validator = record_validator(model)
    records = tenant.records[baselines.SERVICES[model]]
    assert records
    for raw in records:
        expected = mapper.map(raw, ctx)
        got = hand(raw, ctx)
        assert got == expected, {
            k: (got.get(k), expected.get(k)) for k in {*got, *expected} if got.get(k) != expected.get(k)
        }
        assert got["id"] == expected["id"] and got["remote_data"] == expected["remote_data"]
        assert got["remote_data"][mapper.spec.remote_data_key] is raw
        assert interpreted.map(raw, ctx) == expected
        assert validator.is_valid(got)


def test_the_overrides_reach_the_branches(engine: Engine, tenant: Any) -> None:
    """The second settings set makes post URLs, HIRED/DECLINED outcomes and integration fields appear."""
    ctx = MappingContext("otys:x", engine.settings("otys", OVERRIDES[1]))
    jobs = [baselines.map_job(raw, ctx) for raw in tenant.records["VacancyService"]]
    applications = [baselines.map_application(raw, ctx) for raw in tenant.records["ProcedureService"]]
    candidates = [baselines.map_candidate(raw, ctx) for raw in tenant.records["CandidateService"]]
    assert any(job["post_url"] for job in jobs)
    assert {"HIRED", "DECLINED"} <= {a["outcome"] for a in applications}
    assert any(a["rejection_reason_name"] for a in applications)
    assert all(c["integration_fields"] for c in candidates)
    assert any(c["phone_numbers"] for c in candidates) and any(c["tags"] for c in candidates)
    assert any(c["location"] for c in candidates) and any(c["custom_fields"] for c in candidates)
