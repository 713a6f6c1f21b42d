"""What ``GET /integrations/{id}`` and ``GET /syncs`` answer: Kombo's integration shape plus sync status."""

from __future__ import annotations

from typing import Any

from unimap import unified

# unified model → Kombo's read-model id (the names of its data-changed webhooks)
READ_MODELS = {
    "user": ("ats_users", "Users"),
    "job": ("ats_jobs", "Jobs"),
    "candidate": ("ats_candidates", "Candidates"),
    "application_stage": ("ats_application_stages", "Application stages"),
    "application": ("ats_applications", "Applications"),
    "job_hiring_team_member": ("ats_join_jobs_users", "Job hiring team members"),
    "tag": ("ats_tags", "Tags"),
    "rejection_reason": ("ats_rejection_reasons", "Rejection reasons"),
}
ACTION_LABELS = {
    "create_candidate": "Create candidate",
    "create_application": "Create application",
    "add_application_attachment": "Add attachment to application",
    "add_candidate_attachment": "Add attachment to candidate",
    "add_application_result_link": "Add result link to application",
    "add_candidate_result_link": "Add result link to candidate",
    "add_candidate_tag": "Add tag to candidate",
    "remove_candidate_tag": "Remove tag from candidate",
    "move_application_stage": "Move application to stage",
    "reject_application": "Reject application",
    "add_application_note": "Add note to application",
}


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
    mapped = {name: {f.name for f in spec.fields} for name, spec in specs.models.items()}
    status = sync_status(service, scheduler, integration_id)
    read_models = []
    for model, (model_id, label) in READ_MODELS.items():
        available = model in specs.models
        fields = []
        for name in unified.model_fields(model):
            origin = unified.origin(model, name)
            covered = available and (origin in ("engine", "nested") or name in mapped.get(model, set()))
            fields.append(
                {
                    "id": name,
                    "is_available": covered,
                    "coverage_status": "SUPPORTED" if covered else "UNSUPPORTED",
                    "scope_config_setting": "ENABLED",
                    "opted_out_by_customer": False,
                }
            )
        read_models.append(
            {
                "id": model_id,
                "label": label,
                "is_available": available,
                "coverage_status": "SUPPORTED" if available else "NOT_IMPLEMENTED",
                "scope_config_setting": "ENABLED",
                "opted_out_by_customer": False,
                "fields": fields,
            }
        )
    write_actions = []
    for action in unified.ACTIONS:
        available = action in specs.actions
        properties = unified.schema("actions", action).get("properties", {})
        fields = [
            {"id": name, "is_available": available, "coverage_status": "SUPPORTED" if available else "NOT_IMPLEMENTED"}
            for name, node in properties.items()
            if not node.get("x-unimap-extension")
        ]
        write_actions.append(
            {
                "id": f"ats_{action}",
                "label": ACTION_LABELS[action],
                "is_available": available,
                "coverage_status": "SUPPORTED" if available else "NOT_IMPLEMENTED",
                "scope_config_setting": "ENABLED",
                "opted_out_by_customer": False,
                "fields": fields,
            }
        )
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
        "read_models": read_models,
        "write_actions": write_actions,
        "sync": status,
    }
