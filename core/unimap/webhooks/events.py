"""Kombo's ``data-changed`` event, built from a sync report (the one map of model → Kombo name)."""

from __future__ import annotations

import uuid
from typing import Any

#: unified model → the name Kombo's ``data-changed`` webhook lists it under
KOMBO_MODEL_NAMES: dict[str, str] = {
    "user": "ats_users",
    "job": "ats_jobs",
    "candidate": "ats_candidates",
    "application": "ats_applications",
    "application_stage": "ats_application_stages",
    "job_hiring_team_member": "ats_join_jobs_users",
    "tag": "ats_tags",
    "rejection_reason": "ats_rejection_reasons",
}

EVENT_TYPE = "data-changed"
CATEGORY = "ATS"


def kombo_name(model: str) -> str:
    """Kombo's name of unified ``model`` (``ats_<model>s`` for a model the map does not know yet)."""
    return KOMBO_MODEL_NAMES.get(model, f"ats_{model}s")


def changed_models(report: Any) -> list[str]:
    """Unified models whose records a sync created, changed, deleted or restored (report order)."""
    out: list[str] = []
    for name, row in report.models.items():
        if row.created or row.changed or row.deleted or row.restored:
            out.append(name)
    return out


def data_changed_event(
    integration_id: str, tool: str, models: list[str], event_id: str | None = None
) -> dict[str, Any]:
    """Kombo's event: ``{id, type: "data-changed", data: {integration_id, integration_tool, …, changed_models}}``."""
    names = list(dict.fromkeys(kombo_name(m) for m in models))
    return {
        "id": event_id or uuid.uuid4().hex,
        "type": EVENT_TYPE,
        "data": {
            "integration_id": integration_id,
            "integration_tool": tool,
            "integration_category": CATEGORY,
            "changed_models": [{"name": n} for n in names],
        },
    }
