"""The live, in-memory tenant: rows per resource, id order, and the mutations tests and writes use.

All access goes through ``lock`` (an RLock). Ids only grow, so each resource's ascending id list
stays sorted by appending; hard deletes remove the id, which is what keyset pagination needs.
Every mutation bumps ``updated_at`` (and ``last_activity_at`` where the resource has it) on the
row and on its candidate, and is announced to ``listeners`` (webhooks).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from typing import Any

from .fields import FIELDS
from .generator import ID_BASE, TenantData
from .timefmt import fmt

Listener = Callable[[str, dict[str, Any]], None]


class NotFound(KeyError):
    """An unknown id."""


class Tenant:
    """Rows of one generated tenant plus the helpers tests need."""

    def __init__(self, data: TenantData, clock: Callable[[], float] | None = None) -> None:
        self.data = data
        self.tables = data.tables
        self.clock = clock or time.time
        self.lock = threading.RLock()
        self.order: dict[str, list[int]] = {res: sorted(rows) for res, rows in self.tables.items()}
        self._next = {res: (ids[-1] + 1 if ids else ID_BASE[res]) for res, ids in self.order.items()}
        self.files: dict[int, bytes] = {}  # uploaded attachment bytes by attachment id
        self.listeners: list[Listener] = []
        self._last_stamp = ""

    # -- reading -------------------------------------------------------------------------

    @property
    def site_admin_id(self) -> int:
        """A Site Admin user (the default ``sub``)."""
        return self.data.site_admin_id

    @property
    def basic_user_id(self) -> int:
        """An active user who is not a Site Admin (lists answer 403 for it)."""
        return self.data.basic_user_id

    @property
    def service_user_id(self) -> int:
        """The credential's integration service user (the token's ``sub`` when none is asked for)."""
        return self.data.service_user_id

    def count(self, resource: str) -> int:
        """Rows of ``resource`` (every row, including soft-deleted and hidden ones)."""
        return len(self.tables[resource])

    def counts(self) -> dict[str, int]:
        """Rows per resource."""
        with self.lock:
            return {res: len(rows) for res, rows in self.tables.items()}

    def get(self, resource: str, rid: int) -> dict[str, Any] | None:
        """The stored row (internal keys included) or None."""
        return self.tables[resource].get(rid)

    def need(self, resource: str, rid: Any) -> dict[str, Any]:
        """The stored row or ``NotFound``."""
        row = self.tables[resource].get(rid) if isinstance(rid, int) and not isinstance(rid, bool) else None
        if row is None:
            raise NotFound(f"{resource} {rid}")
        return row

    def rows(self, resource: str, **equal: Any) -> list[dict[str, Any]]:
        """Rows whose fields equal the given values (id order)."""
        with self.lock:
            table = self.tables[resource]
            items = tuple(equal.items())
            out = []
            for rid in self.order[resource]:
                row = table[rid]
                if all(row.get(k) == v for k, v in items):
                    out.append(row)
            return out

    def public(self, resource: str, row: dict[str, Any]) -> dict[str, Any]:
        """The served fields of a row (a copy)."""
        return {key: row[key] for key in FIELDS[resource]}

    def digest(self) -> str:
        """SHA-256 over every row (see ``TenantData.digest``)."""
        with self.lock:
            return self.data.digest()

    # -- time ----------------------------------------------------------------------------

    def now(self) -> str:
        """The current instant as a stored timestamp; strictly increasing across calls."""
        stamp = fmt(self.clock())
        if stamp <= self._last_stamp:  # two writes in one millisecond still order
            from .timefmt import fmt_ms, to_epoch

            stamp = fmt_ms(round(to_epoch(self._last_stamp) * 1000) + 1)
        self._last_stamp = stamp
        return stamp

    # -- mutation primitives -------------------------------------------------------------

    def insert(self, resource: str, row: dict[str, Any], event: str | None = None) -> dict[str, Any]:
        """Store a new row with the next id and ``created_at``/``updated_at`` = now."""
        with self.lock:
            rid = self._next[resource]
            self._next[resource] = rid + 1
            stamp = self.now()
            row = {"id": rid, "created_at": row.pop("created_at", None) or stamp, "updated_at": stamp, **row}
            if "last_activity_at" in FIELDS[resource]:
                row["last_activity_at"] = stamp
            self.tables[resource][rid] = row
            self.order[resource].append(rid)
            if event:
                self.emit(event, resource, row)
            return row

    def update(self, resource: str, rid: int, changes: dict[str, Any], event: str | None = None) -> dict[str, Any]:
        """Apply ``changes`` to a row and bump its timestamps (and its candidate's)."""
        with self.lock:
            row = self.need(resource, rid)
            row.update(changes)
            self.touch(resource, row)
            if event:
                self.emit(event, resource, row)
            return row

    def touch(self, resource: str, row: dict[str, Any]) -> None:
        """Bump ``updated_at`` (+ ``last_activity_at``) on ``row`` and on its candidate and application."""
        stamp = self.now()
        row["updated_at"] = stamp
        if "last_activity_at" in row:
            row["last_activity_at"] = stamp
        if resource != "applications" and row.get("application_id") in self.tables["applications"]:
            app = self.tables["applications"][row["application_id"]]
            app["updated_at"] = app["last_activity_at"] = stamp
        if resource != "candidates" and row.get("candidate_id") in self.tables["candidates"]:
            cand = self.tables["candidates"][row["candidate_id"]]
            cand["updated_at"] = cand["last_activity_at"] = stamp

    def remove(self, resource: str, rid: int) -> dict[str, Any]:
        """Hard-delete one row (no cascade)."""
        row = self.tables[resource].pop(rid)
        ids = self.order[resource]
        idx = bisect.bisect_left(ids, rid)
        if idx < len(ids) and ids[idx] == rid:
            del ids[idx]
        self.files.pop(rid, None) if resource == "attachments" else None
        return row

    def emit(self, event: str, resource: str, row: dict[str, Any]) -> None:
        """Tell the listeners (webhooks) about a change."""
        for listener in list(self.listeners):
            listener(event, {"resource": resource, "row": self.public(resource, row) if resource in FIELDS else row})

    # -- helpers for tests ---------------------------------------------------------------

    def edit_candidate(self, candidate_id: int, **changes: Any) -> dict[str, Any]:
        """Change served fields of a candidate (bumps ``updated_at`` and ``last_activity_at``)."""
        unknown = set(changes) - set(FIELDS["candidates"]) | ({"id", "created_at", "updated_at"} & set(changes))
        if unknown:
            raise ValueError(f"cannot edit candidate fields {sorted(unknown)}")
        return self.update("candidates", candidate_id, changes, event="update_candidate")

    def edit(self, resource: str, rid: int, **changes: Any) -> dict[str, Any]:
        """Change served fields of any row (bumps its timestamps)."""
        unknown = set(changes) - set(FIELDS[resource])
        if unknown:
            raise ValueError(f"unknown {resource} fields {sorted(unknown)}")
        return self.update(resource, rid, changes)

    def _where(self, resource: str, key: str, values: set[int]) -> list[dict[str, Any]]:
        return [row for row in self.tables[resource].values() if row.get(key) in values]

    def _cascade(self, app_ids: set[int]) -> list[dict[str, Any]]:
        """Remove applications with their stages, rejection details and attachments (one pass per table)."""
        for res in ("application_stages", "rejection_details", "attachments"):
            for row in self._where(res, "application_id", app_ids):
                self.remove(res, row["id"])
        for res in ("notes", "openings"):
            for row in self._where(res, "application_id", app_ids):
                row["application_id"] = None
        return [self.remove("applications", aid) for aid in sorted(app_ids)]

    def hard_delete_application(self, application_id: int) -> None:
        """Delete an application and its stages, rejection details and attachments; notes lose the link."""
        with self.lock:
            self.need("applications", application_id)
            (app,) = self._cascade({application_id})
            cand = self.tables["candidates"].get(app["candidate_id"])
            if cand is not None:
                self.touch("candidates", cand)
            self.emit("delete_application", "applications", app)

    def hard_delete_candidate(self, candidate_id: int) -> None:
        """Delete a candidate with its applications (cascading), notes and applied tags."""
        with self.lock:
            cand = self.need("candidates", candidate_id)
            app_ids = {row["id"] for row in self._where("applications", "candidate_id", {candidate_id})}
            for app in self._cascade(app_ids):
                self.emit("delete_application", "applications", app)
            for res in ("notes", "applied_candidate_tags", "attachments"):
                for row in self._where(res, "candidate_id", {candidate_id}):
                    self.remove(res, row["id"])
            for uid in cand["linked_user_ids"]:
                user = self.tables["users"].get(uid)
                if user and candidate_id in user["linked_candidate_ids"]:
                    user["linked_candidate_ids"].remove(candidate_id)
            self.remove("candidates", candidate_id)
            self.emit("delete_candidate", "candidates", cand)

    def deactivate_user(self, user_id: int) -> dict[str, Any]:
        """Soft delete: ``deactivated: true``."""
        return self.update("users", user_id, {"deactivated": True})

    def delete_job_post(self, job_post_id: int) -> dict[str, Any]:
        """Soft delete: ``active: false, live: false`` (hidden unless ``active=false``)."""
        return self.update("job_posts", job_post_id, {"active": False, "live": False}, event="job_post_deleted")

    def deactivate_stage(self, stage_id: int) -> dict[str, Any]:
        """Soft delete: ``active: false`` (kept for history)."""
        return self.update("job_interview_stages", stage_id, {"active": False}, event="job_interview_stage_deleted")

    def archive_custom_field(self, custom_field_id: int) -> dict[str, Any]:
        """Soft delete: ``active: false``."""
        return self.update("custom_fields", custom_field_id, {"active": False})

    def delete_custom_field_option(self, option_id: int) -> dict[str, Any]:
        """Soft delete: ``active: false``."""
        return self.update("custom_field_options", option_id, {"active": False})

    def close_opening(self, opening_id: int, close_reason_id: int | None = None) -> dict[str, Any]:
        """``open: false`` with ``closed_at`` now; closes the job when it was its last open opening."""
        with self.lock:
            row = self.update("openings", opening_id, {"open": False, "close_reason_id": close_reason_id})
            row["closed_at"] = row["updated_at"]
            job = self.tables["jobs"].get(row["job_id"])
            if job and job["status"] == "open" and not any(o["open"] for o in self.rows("openings", job_id=job["id"])):
                self.update(
                    "jobs", job["id"], {"status": "closed", "closed_at": row["updated_at"]}, event="job_updated"
                )
            return row

    def delete_tag(self, tag_id: int) -> None:
        """Hard-delete a candidate tag: it leaves every candidate (their ``tags`` and applied rows)."""
        with self.lock:
            tag = self.need("candidate_tags", tag_id)
            for row in self._where("applied_candidate_tags", "candidate_tag_id", {tag_id}):
                self.remove("applied_candidate_tags", row["id"])
                cand = self.tables["candidates"].get(row["candidate_id"])
                if cand is not None:
                    cand["tags"] = [name for name in cand["tags"] if name != tag["name"]]
                    self.touch("candidates", cand)
                    self.emit("update_candidate", "candidates", cand)
            self.remove("candidate_tags", tag_id)
