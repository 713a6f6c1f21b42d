"""Nested objects of Kombo's shape, assembled from the store's own synced models (no vendor calls).

``jobs[].stages`` and ``jobs[].hiring_team``, ``candidates[].applications``, and
``applications[].candidate`` / ``current_stage`` / ``job`` are built per page with one store
query per relation.
"""

from __future__ import annotations

from typing import Any

HIRING_TEAM_ROLES = {"RECRUITER", "HIRING_MANAGER", "COORDINATOR", "SOURCER", "INTERVIEWER"}


def _stage_short(stage: dict[str, Any] | None, index: int | None) -> dict[str, Any] | None:
    if stage is None:
        return None
    return {"id": stage["id"], "name": stage.get("name"), "remote_id": stage.get("remote_id"), "index": index}


def _job_short(job: dict[str, Any] | None) -> dict[str, Any] | None:
    if job is None:
        return None
    return {"id": job["id"], "name": job.get("name"), "remote_id": job.get("remote_id")}


class Assembler:
    """Adds the nested parts of each model's records, reading related records from the store."""

    def __init__(self, store: Any, integration_id: str, *, tracked_only: bool = False) -> None:
        self.store = store
        self.integration_id = integration_id
        self.tracked_only = tracked_only  # "sync only created applications": nest tracked applications only
        self._stages: list[dict[str, Any]] | None = None

    def stages(self) -> list[dict[str, Any]]:
        """Every live stage, in catalogue order (OTYS-like tools have no per-job stages)."""
        if self._stages is None:
            self._stages = self.store.all(self.integration_id, "application_stage")
        return self._stages

    def stage_index(self, stage_id: str | None) -> int | None:
        """A stage's position in the catalogue."""
        for i, stage in enumerate(self.stages()):
            if stage["id"] == stage_id:
                return i
        return None

    def assemble(self, model: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records with their nested objects (in place, and returned)."""
        method = getattr(self, f"_{model}", None)
        if method is not None and records:
            method(records)
        return records

    def _user(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            record.setdefault("system_roles", [])

    def _job(self, records: list[dict[str, Any]]) -> None:
        stages = [{"id": s["id"], "remote_id": s.get("remote_id"), "name": s.get("name"),
                   "status": s.get("status"), "custom_fields": s.get("custom_fields"), "index": i,
                   "remote_data": s.get("remote_data")} for i, s in enumerate(self.stages())]
        members = self.store.by_field(self.integration_id, "job_hiring_team_member", "job_id",
                                      [r["id"] for r in records])
        users = self.store.by_ids(self.integration_id, "user", [m.get("user_id") for m in members if m.get("user_id")])
        team: dict[str, list[dict[str, Any]]] = {}
        for member in members:
            user = users.get(member.get("user_id") or "") or {}
            roles = member.get("roles") or []
            team.setdefault(member["job_id"], []).append({
                "id": member.get("user_id"), "remote_id": user.get("remote_id"),
                "first_name": user.get("first_name"), "last_name": user.get("last_name"), "email": user.get("email"),
                "hiring_team_roles": sorted({r.get("unified_type") for r in roles} & HIRING_TEAM_ROLES),
                "job_roles": roles,
            })
        for record in records:
            record["stages"] = [dict(s) for s in stages]
            record["hiring_team"] = team.get(record["id"], [])
            record.setdefault("screening_questions", [])
            record.setdefault("job_postings", [])

    def _candidate(self, records: list[dict[str, Any]]) -> None:
        applications = self.store.by_field(self.integration_id, "application", "candidate_id",
                                           [r["id"] for r in records])
        if self.tracked_only:
            tracked = self.store.tracked(self.integration_id, "application")
            applications = [a for a in applications if a.get("remote_id") in tracked]
        jobs = self.store.by_ids(self.integration_id, "job", [a.get("job_id") for a in applications if a.get("job_id")])
        stages = {s["id"]: s for s in self.stages()}
        by_candidate: dict[str, list[dict[str, Any]]] = {}
        for app in applications:
            stage_id = app.get("current_stage_id")
            by_candidate.setdefault(app["candidate_id"], []).append({
                "id": app["id"], "remote_id": app.get("remote_id"), "outcome": app.get("outcome"),
                "rejection_reason_name": app.get("rejection_reason_name"), "rejected_at": app.get("rejected_at"),
                "remote_url": app.get("remote_url"), "changed_at": app.get("changed_at"),
                "remote_created_at": app.get("remote_created_at"), "remote_updated_at": app.get("remote_updated_at"),
                "current_stage": _stage_short(stages.get(stage_id or ""), self.stage_index(stage_id)),
                "job": _job_short(jobs.get(app.get("job_id") or "")),
            })
        for record in records:
            record["applications"] = by_candidate.get(record["id"], [])
            record.setdefault("tags", [])

    def _application(self, records: list[dict[str, Any]]) -> None:
        candidates = self.store.by_ids(self.integration_id, "candidate",
                                       [r.get("candidate_id") for r in records if r.get("candidate_id")])
        jobs = self.store.by_ids(self.integration_id, "job", [r.get("job_id") for r in records if r.get("job_id")])
        stages = {s["id"]: s for s in self.stages()}
        for record in records:
            candidate = candidates.get(record.get("candidate_id") or "")
            record["candidate"] = None if candidate is None else {
                "id": candidate["id"], "remote_id": candidate.get("remote_id"),
                "first_name": candidate.get("first_name"), "last_name": candidate.get("last_name"),
                "email_addresses": candidate.get("email_addresses"), "phone_numbers": candidate.get("phone_numbers"),
                "social_media": candidate.get("social_media"), "source": candidate.get("source"),
                "remote_url": candidate.get("remote_url"), "tags": candidate.get("tags") or []}
            stage_id = record.get("current_stage_id")
            stage = stages.get(stage_id or "")
            record["current_stage"] = None if stage is None else {
                "id": stage["id"], "remote_id": stage.get("remote_id"), "name": stage.get("name"),
                "index": self.stage_index(stage_id), "status": stage.get("status"),
                "custom_fields": stage.get("custom_fields")}
            record["job"] = _job_short(jobs.get(record.get("job_id") or ""))
            record.setdefault("interviews", [])
            record.setdefault("offers", [])
