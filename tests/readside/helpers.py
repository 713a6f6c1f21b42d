"""Helpers shared by the read-side tests (the fixtures live in conftest.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import yaml

from unimap import unified
from unimap.service import Unimap
from unimap.sync import SyncReport
from unimap_connectors.otys.sandbox import Sandbox
from unimap_connectors.otys.sandbox.suite import SUITE_PRESETS, connector_yaml, preset_connector_settings

__all__ = ["SUITE_PRESETS", "Sleeps", "Synced", "connect", "preset_connector_settings", "snapshot"]

MODELS = unified.MODELS
INTEGRATION_ID = "otys:readside"
#: the OTYS service behind each model that costs a list call
SERVICES = {
    "user": "UserService",
    "job": "VacancyService",
    "candidate": "CandidateService",
    "application_stage": "ProcedureStatus1Service",
    "application": "ProcedureService",
}
PAGE = 200  # OTYS rows per getListEx page


def tenant_counts(sb: Sandbox) -> dict[str, int]:
    """How many records of each unified model the sandbox tenant holds."""
    counts = {model: sb.tenant.count(service) for model, service in SERVICES.items()}
    members = {
        (v["uid"], v[slot])
        for v in sb.tenant.records("VacancyService")
        for slot in ("userId", "userId2", "userId3")
        if v.get(slot) is not None
    }
    counts["job_hiring_team_member"] = len(members)
    counts["tag"] = len(sb.tenant.tags.options())
    counts["rejection_reason"] = len(rejection_statuses(sb))
    return counts


def rejection_statuses(sb: Sandbox) -> list[dict[str, Any]]:
    """The outcome-axis statuses the connector's default ``outcome_map`` reads as rejections."""
    settings = yaml.safe_load(connector_yaml().read_text(encoding="utf-8"))["settings"]
    declined = {name for name, outcome in settings["outcome_map"].items() if outcome == "DECLINED"}
    return [r for r in sb.tenant.records("ProcedureStatus2Service") if r["status"] in declined]


def strip_volatile(value: Any) -> Any:
    """A record without ``changed_at`` at any depth (the time a store saw a change)."""
    if isinstance(value, dict):
        return {k: strip_volatile(v) for k, v in value.items() if k != "changed_at"}
    if isinstance(value, list):
        return [strip_volatile(v) for v in value]
    return value


def snapshot(um: Unimap, integration_id: str) -> dict[str, dict[str, Any]]:
    """Every exported record (deleted ones included) per model and id, ``changed_at`` removed."""
    out: dict[str, dict[str, Any]] = {}
    for model in MODELS:
        records = list(um.export(model, integration_id, include_deleted=True, page_size=250))
        ids = [r["id"] for r in records]
        assert len(ids) == len(set(ids)), f"{model}: an id was exported twice"
        out[model] = {r["id"]: strip_volatile(r) for r in records}
    return out


def change_marks(um: Unimap, integration_id: str) -> dict[tuple[str, str], tuple[str, str | None]]:
    """``(model, id) -> (changed_at, remote_deleted_at)`` of every stored record."""
    return {
        (model, r["id"]): (r["changed_at"], r["remote_deleted_at"])
        for model in MODELS
        for r in um.export(model, integration_id, include_deleted=True, page_size=250)
    }


class Sleeps:
    """A ``sleep`` for the vendor client: records every requested wait and naps at most 10 ms.

    Retry backoffs cost nothing; waits on 429s (the client's limiter loops until the
    ``Retry-After`` moment) still pass without burning a core.
    """

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(min(seconds, 0.01))


@dataclass
class Synced:
    """A sandbox, a store and an integration with one finished full sync."""

    sb: Sandbox
    um: Unimap
    integration_id: str
    store_url: str
    report: SyncReport
    extra: dict[str, Any] = field(default_factory=dict)

    def export(self, model: str, **options: Any) -> list[dict[str, Any]]:
        """Every record of ``model`` matching ``options``."""
        return list(self.um.export(model, self.integration_id, **options))


def connect(um: Unimap, sb: Sandbox, integration_id: str = INTEGRATION_ID, **settings: Any) -> str:
    """Connect ``sb`` as an OTYS integration (credentials checked by logging in).

    The connector settings its preset needs (``PRESET_CONNECTOR_SETTINGS``) come first; ``settings`` win.
    """
    merged = {**preset_connector_settings(sb.preset), **settings}
    return um.connect(
        "otys", {"api_key": sb.api_key}, base_url=sb.base_url, integration_id=integration_id, settings=merged or None
    ).id
