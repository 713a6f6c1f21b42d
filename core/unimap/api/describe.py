"""What ``GET /integrations/{id}`` and ``GET /syncs`` answer: Kombo's integration shape plus sync status."""

from __future__ import annotations

from typing import Any

from unimap import unified


def kombo_model_name(model: str) -> str:
    """Kombo's id of a unified model (its ``x-unimap-kombo-name``, the name of its data-changed events)."""
    return str(unified.schema("models", model).get("x-unimap-kombo-name") or f"ats_{model}s")


def kombo_action_name(action: str) -> str:
    """Kombo's id of a unified action (``x-unimap-kombo-name``, else ``ats_<action>``)."""
    return str(unified.schema("actions", action).get("x-unimap-kombo-name") or f"ats_{action}")


def _entry(id_: str, label: str, available: bool, fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": id_,
        "label": label,
        "is_available": available,
        "coverage_status": "SUPPORTED" if available else "NOT_IMPLEMENTED",
        "scope_config_setting": "ENABLED",
        "opted_out_by_customer": False,
        "fields": fields,
    }


def read_models(specs: Any) -> list[dict[str, Any]]:
    """Every unified model with its coverage: available when the connector has a spec for it.

    Ids come from each schema's ``x-unimap-kombo-name``, labels from its ``title``; a field is
    covered when the engine fills it or the connector's spec maps it.
    """
    out = []
    for model in unified.MODELS:
        spec = specs.models.get(model)
        mapped = {f.name for f in spec.fields} if spec is not None else set()
        fields = []
        for name in unified.model_fields(model):
            covered = spec is not None and (unified.origin(model, name) in ("engine", "nested") or name in mapped)
            fields.append(
                {
                    "id": name,
                    "is_available": covered,
                    "coverage_status": "SUPPORTED" if covered else "UNSUPPORTED",
                    "scope_config_setting": "ENABLED",
                    "opted_out_by_customer": False,
                }
            )
        title = str(unified.schema("models", model).get("title") or model)
        out.append(_entry(kombo_model_name(model), title, spec is not None, fields))
    return out


def write_actions(specs: Any) -> list[dict[str, Any]]:
    """Every unified action with its coverage: available when the connector has a spec for it."""
    out = []
    for action in unified.ACTIONS:
        available = action in specs.actions
        schema = unified.schema("actions", action)
        fields = [
            {"id": name, "is_available": available, "coverage_status": "SUPPORTED" if available else "NOT_IMPLEMENTED"}
            for name, node in schema.get("properties", {}).items()
            if not node.get("x-unimap-extension")
        ]
        out.append(_entry(kombo_action_name(action), str(schema.get("title") or action), available, fields))
    return out


def sync_row(row: dict[str, Any], running_id: int | None = None) -> dict[str, Any]:
    """One stored sync run, summarised for the API."""
    stats = row.get("stats") or {}
    models = stats.get("models") or {}
    errors = {name: m["error"] for name, m in models.items() if m.get("error")}
    return {
        "id": str(row["id"]),
        "type": str(row["kind"]).upper(),
        "status": row["status"],
        "running": running_id == row["id"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "seconds": stats.get("seconds"),
        "requests": stats.get("requests"),
        "models": {
            name: {k: m.get(k) for k in ("fetched", "created", "changed", "deleted", "restored")}
            for name, m in models.items()
        },
        "errors": errors,
        "warnings": stats.get("warnings") or [],
    }


def sync_status(service: Any, scheduler: Any, integration_id: str, limit: int = 10) -> dict[str, Any]:
    """The latest syncs of an integration and whether one is running now."""
    job = scheduler.current(integration_id) if scheduler is not None else None
    running_id = job.sync_id if job is not None else None
    rows = [sync_row(r, running_id) for r in service.store.syncs(integration_id, limit)]
    last_finished = next((r for r in rows if r["status"] != "running"), None)
    return {
        "running": None
        if job is None
        else {"sync_id": str(job.sync_id) if job.sync_id else None, "type": job.type, "reason": job.reason},
        "last_sync": rows[0] if rows else None,
        "last_finished_sync": last_finished,
        "has_finished_sync": bool(service.store.has_finished_sync(integration_id)),
        "last_error": scheduler.last_error.get(integration_id) if scheduler is not None else None,
        "syncs": rows,
    }


def integration_details(service: Any, scheduler: Any, integration_id: str) -> dict[str, Any]:
    """Kombo's integration object (every key the SDK requires) plus ``sync`` (a unimap extension)."""
    integration = service.store.integration(integration_id)
    specs = service.engine.connector(integration.connector)
    status = sync_status(service, scheduler, integration_id)
    return {
        "id": integration.id,
        "tool": {
            "id": integration.connector,
            "label": str(specs.data.get("title") or integration.connector),
            "internal_label": None,
            "logo_url": "",
            "icon_url": "",
        },
        "category": "ATS",
        "status": "ACTIVE",
        "setup_status": "COMPLETED" if status["has_finished_sync"] else "FINAL_SYNC_PENDING",
        "end_user": {"organization_name": integration.name or integration.id, "creator_email": None, "origin_id": None},
        "scope_config": {"id": "default", "name": None},
        "data_expired_at": None,
        "created_at": integration.created_at,
        "beta": False,
        "read_models": read_models(specs),
        "write_actions": write_actions(specs),
        "sync": status,
    }
