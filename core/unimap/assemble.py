"""Nested objects of Kombo's shape, assembled from the store's own synced models (no vendor calls).

``jobs[].stages`` and ``jobs[].hiring_team``, ``candidates[].applications``, and
``applications[].candidate`` / ``current_stage`` / ``job`` are built per page with one store
query per relation. :meth:`Assembler.additions` says what to add to each record (so a listing can
splice the additions into the stored JSON text); :meth:`Assembler.assemble` adds them to dicts.
Related records are read without their ``remote_data`` unless it is sent (stages).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HIRING_TEAM_ROLES = {"RECRUITER", "HIRING_MANAGER", "COORDINATOR", "SOURCER", "INTERVIEWER"}
# the fields of related records that nested objects read (the stores pick just these)
MEMBER_FIELDS = ("job_id", "user_id", "roles")
USER_FIELDS = ("id", "remote_id", "first_name", "last_name", "email")
JOB_FIELDS = ("id", "name", "remote_id")
APPLICATION_FIELDS = (
    "id",
    "remote_id",
    "outcome",
    "rejection_reason_name",
    "rejected_at",
    "remote_url",
    "changed_at",
    "remote_created_at",
    "remote_updated_at",
    "current_stage_id",
    "job_id",
    "candidate_id",
)
CANDIDATE_FIELDS = (
    "id",
    "remote_id",
    "first_name",
    "last_name",
    "email_addresses",
    "phone_numbers",
    "social_media",
    "source",
    "remote_url",
    "tags",
)
#: what to add to one record, in order: (key, value, replace); ``replace=False`` only fills a missing key
Additions = list[tuple[str, Any, bool]]


def add(record: dict[str, Any], additions: Additions) -> dict[str, Any]:
    """``record`` with ``additions`` applied (in place, and returned)."""
    for key, value, replace in additions:
        if replace:
            record[key] = value
        else:
            record.setdefault(key, value)
    return record


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

    def __init__(
        self,
        store: Any,
        integration_id: str,
        *,
        tracked_only: bool = False,
        stage_position: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.store = store
        self.integration_id = integration_id
        self.tracked_only = tracked_only  # "sync only created applications": nest tracked applications only
        self.stage_position = stage_position  # a stage record → its sort key among its job's stages
        self._stages: list[dict[str, Any]] | None = None
        self._owners: dict[str, str] | None = None
        self._indexes: dict[str, int] | None = None

    def stages(self) -> list[dict[str, Any]]:
        """Every live stage, in catalogue order (the spec's ``order``, else as synced)."""
        if self._stages is None:
            stages = self.store.all(self.integration_id, "application_stage")
            if self.stage_position is not None:
                keyed = [(self.stage_position(s), i, s) for i, s in enumerate(stages)]
                stages = [s for _, _, s in sorted(keyed, key=lambda k: (_sortable(k[0]), k[1]))]
            self._stages = stages
        return self._stages

    def owners(self) -> dict[str, str]:
        """Stage id → the remote id of the job it belongs to (empty when stages are shared by all jobs)."""
        if self._owners is None:
            ids = {s["id"] for s in self.stages()}
            pairs = self.store.children_of_model(self.integration_id, "application_stage")
            self._owners = {cid: parent for cid, parent in pairs if cid in ids and parent}
        return self._owners

    def stage_index(self, stage_id: str | None) -> int | None:
        """A stage's position among its job's stages (or in the shared catalogue)."""
        if self._indexes is None:
            owners = self.owners()
            counts: dict[str, int] = {}
            indexes: dict[str, int] = {}
            for position, stage in enumerate(self.stages()):
                owner = owners.get(stage["id"])
                if owner is None:
                    indexes.setdefault(stage["id"], position)
                else:
                    indexes.setdefault(stage["id"], counts.get(owner, 0))
                    counts[owner] = counts.get(owner, 0) + 1
            self._indexes = indexes
        return self._indexes.get(stage_id or "")

    #: the top-level fields of a model's own records that its additions read (besides ``id``, ``remote_id``)
    FIELDS: dict[str, tuple[str, ...]] = {"application": ("candidate_id", "job_id", "current_stage_id")}

    def additions(self, model: str, records: list[dict[str, Any]]) -> list[Additions]:
        """What to add to each record (records need ``id``, ``remote_id`` and :attr:`FIELDS`)."""
        method = getattr(self, f"_{model}", None)
        if method is None or not records:
            return [[] for _ in records]
        return list(method(records))

    def assemble(self, model: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records with their nested objects (in place, and returned)."""
        for record, additions in zip(records, self.additions(model, records), strict=True):
            add(record, additions)
        return records

    def _user(self, records: list[dict[str, Any]]) -> list[Additions]:
        return [[("system_roles", [], False)] for _ in records]

    def _job(self, records: list[dict[str, Any]]) -> list[Additions]:
        owners = self.owners()
        by_job: dict[str | None, list[dict[str, Any]]] = {}
        for s in self.stages():
            siblings = by_job.setdefault(owners.get(s["id"]), [])
            siblings.append(
                {
                    "id": s["id"],
                    "remote_id": s.get("remote_id"),
                    "name": s.get("name"),
                    "status": s.get("status"),
                    "custom_fields": s.get("custom_fields"),
                    "index": len(siblings),
                    "remote_data": s.get("remote_data"),
                }
            )
        shared = by_job.get(None, []) if not owners else []
        members = self.store.by_field(
            self.integration_id, "job_hiring_team_member", "job_id", [r["id"] for r in records], fields=MEMBER_FIELDS
        )
        users = self.store.by_ids(
            self.integration_id, "user", [m.get("user_id") for m in members if m.get("user_id")], fields=USER_FIELDS
        )
        team: dict[str, list[dict[str, Any]]] = {}
        for member in members:
            user = users.get(member.get("user_id") or "") or {}
            roles = member.get("roles") or []
            team.setdefault(member["job_id"], []).append(
                {
                    "id": member.get("user_id"),
                    "remote_id": user.get("remote_id"),
                    "first_name": user.get("first_name"),
                    "last_name": user.get("last_name"),
                    "email": user.get("email"),
                    "hiring_team_roles": sorted({r.get("unified_type") for r in roles} & HIRING_TEAM_ROLES),
                    "job_roles": roles,
                }
            )
        return [
            [
                ("stages", [dict(s) for s in (by_job.get(record.get("remote_id"), []) if owners else shared)], True),
                ("hiring_team", team.get(record["id"], []), True),
                ("screening_questions", [], False),
                ("job_postings", [], False),
            ]
            for record in records
        ]

    def _candidate(self, records: list[dict[str, Any]]) -> list[Additions]:
        applications = self.store.by_field(
            self.integration_id, "application", "candidate_id", [r["id"] for r in records], fields=APPLICATION_FIELDS
        )
        if self.tracked_only:
            tracked = self.store.tracked(self.integration_id, "application")
            applications = [a for a in applications if a.get("remote_id") in tracked]
        jobs = self.store.by_ids(
            self.integration_id, "job", [a.get("job_id") for a in applications if a.get("job_id")], fields=JOB_FIELDS
        )
        stages = {s["id"]: s for s in self.stages()}
        by_candidate: dict[str, list[dict[str, Any]]] = {}
        for app in applications:
            stage_id = app.get("current_stage_id")
            by_candidate.setdefault(app["candidate_id"], []).append(
                {
                    "id": app["id"],
                    "remote_id": app.get("remote_id"),
                    "outcome": app.get("outcome"),
                    "rejection_reason_name": app.get("rejection_reason_name"),
                    "rejected_at": app.get("rejected_at"),
                    "remote_url": app.get("remote_url"),
                    "changed_at": app.get("changed_at"),
                    "remote_created_at": app.get("remote_created_at"),
                    "remote_updated_at": app.get("remote_updated_at"),
                    "current_stage": _stage_short(stages.get(stage_id or ""), self.stage_index(stage_id)),
                    "job": _job_short(jobs.get(app.get("job_id") or "")),
                }
            )
        return [[("applications", by_candidate.get(record["id"], []), True), ("tags", [], False)] for record in records]

    def _application(self, records: list[dict[str, Any]]) -> list[Additions]:
        candidates = self.store.by_ids(
            self.integration_id,
            "candidate",
            [r.get("candidate_id") for r in records if r.get("candidate_id")],
            fields=CANDIDATE_FIELDS,
        )
        jobs = self.store.by_ids(
            self.integration_id, "job", [r.get("job_id") for r in records if r.get("job_id")], fields=JOB_FIELDS
        )
        stages = {s["id"]: s for s in self.stages()}
        out: list[Additions] = []
        for record in records:
            candidate = candidates.get(record.get("candidate_id") or "")
            nested_candidate = (
                None
                if candidate is None
                else {
                    "id": candidate["id"],
                    "remote_id": candidate.get("remote_id"),
                    "first_name": candidate.get("first_name"),
                    "last_name": candidate.get("last_name"),
                    "email_addresses": candidate.get("email_addresses"),
                    "phone_numbers": candidate.get("phone_numbers"),
                    "social_media": candidate.get("social_media"),
                    "source": candidate.get("source"),
                    "remote_url": candidate.get("remote_url"),
                    "tags": candidate.get("tags") or [],
                }
            )
            stage_id = record.get("current_stage_id")
            stage = stages.get(stage_id or "")
            current_stage = (
                None
                if stage is None
                else {
                    "id": stage["id"],
                    "remote_id": stage.get("remote_id"),
                    "name": stage.get("name"),
                    "index": self.stage_index(stage_id),
                    "status": stage.get("status"),
                    "custom_fields": stage.get("custom_fields"),
                }
            )
            out.append(
                [
                    ("candidate", nested_candidate, True),
                    ("current_stage", current_stage, True),
                    ("job", _job_short(jobs.get(record.get("job_id") or "")), True),
                    ("interviews", [], False),
                    ("offers", [], False),
                ]
            )
        return out


def _sortable(value: Any) -> tuple[int, Any]:
    """A sort key that orders numbers before text and never compares across types."""
    if isinstance(value, bool) or value is None:
        return (2, str(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value))
