"""Nested objects of Kombo's shape, assembled from the store's own synced models (no vendor calls).

``jobs[].stages`` and ``jobs[].hiring_team``, ``candidates[].applications``, and
``applications[].candidate`` / ``current_stage`` / ``job`` are built per page with one store
query per relation. :meth:`Assembler.additions` says what to add to each record (so a listing can
splice the additions into the stored JSON text); :meth:`Assembler.assemble` adds them to dicts.
Related records are read without their ``remote_data`` unless it is sent (stages).

For a listing rendered as JSON (``additions(..., as_json=True)``), a page of candidates nests its
applications as JSON text: the applications and their jobs are read as stored text (their keys
extracted by SQL), and each nested object is rendered once per stored version of its record (the
bytes are kept per process, keyed by the record's content hash and ``changed_at``), so a page
parses only records it has not seen before. The bytes are those ``orjson.dumps`` gives for the
dict the other path builds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from unimap.store.base import StoredRecord

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


def _application_short(app: dict[str, Any], current_stage: Any, job: Any) -> dict[str, Any]:
    """An application as a candidate's listing nests it."""
    return {
        "id": app["id"],
        "remote_id": app.get("remote_id"),
        "outcome": app.get("outcome"),
        "rejection_reason_name": app.get("rejection_reason_name"),
        "rejected_at": app.get("rejected_at"),
        "remote_url": app.get("remote_url"),
        "changed_at": app.get("changed_at"),
        "remote_created_at": app.get("remote_created_at"),
        "remote_updated_at": app.get("remote_updated_at"),
        "current_stage": current_stage,
        "job": job,
    }


#: (model, stored text, changed_at) → what a nested object needs of that version of the record; bounded
_RENDERED: dict[tuple[str, bytes, str], Any] = {}
_RENDERED_BUDGET = 64 * 2**20  # bytes of stored text kept as keys; all dropped beyond it
_rendered_size = 0
_OPEN_TAIL = b',"current_stage":null,"job":null}'


def _rendered(model: str, record: StoredRecord, render: Callable[[dict[str, Any]], Any]) -> Any:
    """``render`` of the parsed stored record (``changed_at`` set), once per stored version of it."""
    global _rendered_size
    key = (model, record.data, record.changed_at)
    done = _RENDERED.get(key)
    if done is None:
        parsed: dict[str, Any] = orjson.loads(record.data)
        parsed["changed_at"] = record.changed_at
        done = render(parsed)
        if _rendered_size > _RENDERED_BUDGET:
            _RENDERED.clear()
            _rendered_size = 0
        _RENDERED[key] = done
        _rendered_size += len(record.data)
    return done


def _job_text(job: dict[str, Any]) -> bytes:
    return orjson.dumps(_job_short(job))


def _application_parts(app: dict[str, Any]) -> tuple[bytes, Any, Any, Any]:
    """A nested application's JSON text up to its ``current_stage`` (which, with ``job``, closes it), and
    its ``candidate_id``, ``current_stage_id`` and ``job_id``."""
    text = orjson.dumps(_application_short(app, None, None))
    return text[: -len(_OPEN_TAIL)], app["candidate_id"], app.get("current_stage_id"), app.get("job_id")


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

    def additions(self, model: str, records: list[dict[str, Any]], *, as_json: bool = False) -> list[Additions]:
        """What to add to each record (records need ``id``, ``remote_id`` and :attr:`FIELDS`).

        ``as_json``: values may be ``orjson.Fragment`` (for a response rendered by orjson, not for dicts).
        """
        if as_json and model == "candidate" and records:
            return self._candidate_json(records)
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
                _application_short(
                    app,
                    _stage_short(stages.get(stage_id or ""), self.stage_index(stage_id)),
                    _job_short(jobs.get(app.get("job_id") or "")),
                )
            )
        return [[("applications", by_candidate.get(record["id"], []), True), ("tags", [], False)] for record in records]

    def _candidate_json(self, records: list[dict[str, Any]]) -> list[Additions]:
        """:meth:`_candidate` with each candidate's applications as one JSON fragment."""
        stored = self.store.stored_by(
            self.integration_id, "application", "candidate_id", [r["id"] for r in records], include_deleted=False
        )
        if self.tracked_only:
            tracked = self.store.tracked(self.integration_id, "application")
            stored = [a for a in stored if a.remote_id in tracked]
        applications = [_rendered("application", a, _application_parts) for a in stored]
        jobs = {
            j.id: _rendered("job", j, _job_text)
            for j in self.store.stored_by(self.integration_id, "job", "id", [a[3] for a in applications if a[3]])
        }
        stages = {s["id"]: s for s in self.stages()}
        stage_text: dict[Any, bytes] = {}
        by_candidate: dict[str, list[bytes]] = {}
        for head, candidate_id, stage_id, job_id in applications:
            stage = stage_text.get(stage_id)
            if stage is None:
                stage = orjson.dumps(_stage_short(stages.get(stage_id or ""), self.stage_index(stage_id)))
                stage_text[stage_id] = stage
            text = b"".join((head, b',"current_stage":', stage, b',"job":', jobs.get(job_id or "", b"null"), b"}"))
            by_candidate.setdefault(candidate_id, []).append(text)
        out: list[Additions] = []
        for record in records:
            nested = by_candidate.get(record["id"])
            value: Any = orjson.Fragment(b"[" + b",".join(nested) + b"]") if nested else []
            out.append([("applications", value, True), ("tags", [], False)])
        return out

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
