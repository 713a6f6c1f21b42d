"""Kombo's list filters, turned into store conditions (``updated_after`` follows nested changes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from unimap.errors import InputInvalid
from unimap.timeutil import format_utc

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?)?(Z|[+-]00:00)?$")

# model → filter name → (kind, unified field); kinds: list (comma list, exact), ilist (case-insensitive),
# exact, icontains, after (timestamp >=), json_any (value inside an array of objects), related
FILTERS: dict[str, dict[str, tuple[str, str]]] = {
    "user": {"emails": ("ilist", "email")},
    "job": {
        "job_codes": ("list", "job_code"),
        "post_url": ("exact", "post_url"),
        "statuses": ("list", "status"),
        "employment_types": ("list", "employment_type"),
        "visibilities": ("list", "visibility"),
        "remote_created_after": ("after", "remote_created_at"),
        "name_contains": ("icontains", "name"),
    },
    "candidate": {
        "email": ("json_any", "email_addresses.email_address"),
        "job_ids": ("related", "job_id"),
        "first_name": ("iexact", "first_name"),
        "last_name": ("iexact", "last_name"),
    },
    "application_stage": {},
    "application": {
        "outcomes": ("list", "outcome"),
        "outcome": ("list", "outcome"),
        "job_ids": ("list", "job_id"),
        "job_remote_ids": ("job_remote", "job_id"),
        "current_stage_ids": ("list", "current_stage_id"),
        "remote_created_after": ("after", "remote_created_at"),
    },
    "job_hiring_team_member": {"job_ids": ("list", "job_id")},
    "tag": {},
    "rejection_reason": {},
}
ENUMS = {
    "statuses": {"OPEN", "CLOSED", "DRAFT", "ARCHIVED"},
    "employment_types": {"FULL_TIME", "PART_TIME", "CONTRACT", "SEASONAL", "INTERNSHIP"},
    "visibilities": {"PUBLIC", "INTERNAL", "UNLISTED", "CONFIDENTIAL"},
    "outcomes": {"PENDING", "HIRED", "DECLINED"},
    "outcome": {"PENDING", "HIRED", "DECLINED"},
}


def parse_timestamp(value: str, name: str = "updated_after") -> str:
    """A filter timestamp (date-only, any fraction digits, optional ``Z``) as the store's format."""
    text = value.strip()
    if not _TIMESTAMP.match(text):
        raise InputInvalid(
            f"{name}: {value!r} is not an ISO-8601 timestamp like 2024-01-02T03:04:05.123Z", fields=[name]
        )
    if "T" not in text:
        text += "T00:00:00"
    text = text.removesuffix("Z").removesuffix("+00:00").removesuffix("-00:00")
    head, _, fraction = text.partition(".")
    try:
        moment = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:  # the right shape but no such moment (month 13, hour 99)
        raise InputInvalid(f"{name}: {value!r} is not a valid date-time", fields=[name]) from None
    moment = moment.replace(microsecond=int((fraction + "000000")[:6]) if fraction else 0)
    return format_utc(moment)


def split_list(value: Any) -> list[str]:
    """A comma-separated filter value (or a list) as a list of non-empty strings."""
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(v).strip() for v in items if str(v).strip()]


@dataclass
class ListQuery:
    """A listing request: Kombo's common filters plus per-model ones."""

    model: str
    updated_after: str | None = None
    include_deleted: bool = False
    ids: list[str] = field(default_factory=list)
    remote_ids: list[str] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    tracked_only: bool = False

    def conditions(self, integration_id: str) -> tuple[list[str], list[Any]]:
        """SQL conditions on alias ``r`` and their parameters."""
        where: list[str] = []
        params: list[Any] = []
        if not self.include_deleted:
            where.append("r.remote_deleted_at IS NULL")
        if self.ids:
            where.append(f"r.id IN ({','.join('?' * len(self.ids))})")
            params += self.ids
        if self.remote_ids:
            where.append(f"r.remote_id IN ({','.join('?' * len(self.remote_ids))})")
            params += self.remote_ids
        if self.updated_after:
            clause, values = self._updated_after(parse_timestamp(self.updated_after), integration_id)
            where.append(clause)
            params += values
        if self.tracked_only:
            where.append(
                "EXISTS (SELECT 1 FROM tracked t WHERE t.integration_id = r.integration_id AND "
                "t.model = r.model AND t.remote_id = r.remote_id)"
            )
        known = FILTERS.get(self.model, {})
        for name, value in self.filters.items():
            if value is None or value == "":
                continue
            if name not in known:
                raise InputInvalid(
                    f"unknown filter {name!r} for {self.model} (known: {', '.join(known) or 'none'})", fields=[name]
                )
            kind, column = known[name]
            clause, values = self._filter(name, kind, column, value, integration_id)
            where.append(clause)
            params += values
        return where, params

    def _updated_after(self, since: str, integration_id: str) -> tuple[str, list[Any]]:
        """``changed_at`` after ``since``, or a nested part changed (sets of ids found once, through indexes)."""
        own = "r.changed_at > ?"
        if self.model == "job":
            return (
                f"({own} OR r.id IN (SELECT json_extract(h.data, '$.job_id') FROM records h WHERE "
                "h.integration_id = ? AND h.model = 'job_hiring_team_member' AND "
                "(h.created_at > ? OR h.remote_deleted_at > ?)) OR EXISTS (SELECT 1 FROM records s WHERE "
                "s.integration_id = ? AND s.model = 'application_stage' AND "
                "(s.created_at > ? OR s.remote_deleted_at > ?)))",
                [since, integration_id, since, since, integration_id, since, since],
            )
        if self.model == "candidate":
            return (
                f"({own} OR r.id IN (SELECT json_extract(a.data, '$.candidate_id') FROM records a WHERE "
                f"a.integration_id = ? AND a.model = 'application' AND a.changed_at > ?"
                f"{self._tracked_application()}))",
                [since, integration_id, since],
            )
        if self.model == "application":
            return (
                f"({own} OR EXISTS (SELECT 1 FROM records c WHERE c.integration_id = r.integration_id AND "
                "c.model = 'candidate' AND c.id = json_extract(r.data, '$.candidate_id') AND c.changed_at > ?))",
                [since, since],
            )
        return own, [since]

    def _tracked_application(self) -> str:
        """With "sync only created applications", untracked applications (alias ``a``) do not count."""
        if not self.tracked_only:
            return ""
        return (
            " AND EXISTS (SELECT 1 FROM tracked ta WHERE ta.integration_id = a.integration_id AND "
            "ta.model = 'application' AND ta.remote_id = a.remote_id)"
        )

    def _filter(self, name: str, kind: str, column: str, value: Any, integration_id: str) -> tuple[str, list[Any]]:
        path = f"json_extract(r.data, '$.{column}')"
        if kind in ("list", "ilist"):
            values = split_list(value)
            allowed = ENUMS.get(name)
            bad = [v for v in values if allowed and v not in allowed]
            if bad:
                raise InputInvalid(
                    f"{name}: {', '.join(bad)} not among {', '.join(sorted(allowed or ()))}", fields=[name]
                )
            if kind == "ilist":
                return f"lower({path}) IN ({','.join('?' * len(values))})", [v.lower() for v in values]
            return f"{path} IN ({','.join('?' * len(values))})", values
        if kind == "exact":
            return f"{path} = ?", [str(value)]
        if kind == "iexact":
            return f"lower({path}) = ?", [str(value).lower()]
        if kind == "icontains":
            return f"instr(lower({path}), ?) > 0", [str(value).lower()]
        if kind == "after":
            return f"{path} >= ?", [parse_timestamp(str(value), name)]
        if kind == "json_any":
            array, key = column.split(".")
            return (
                f"EXISTS (SELECT 1 FROM json_each(r.data, '$.{array}') e WHERE "
                f"lower(json_extract(e.value, '$.{key}')) = ?)",
                [str(value).lower()],
            )
        if kind == "related":
            values = split_list(value)
            return (
                f"r.id IN (SELECT json_extract(a.data, '$.candidate_id') FROM records a WHERE a.integration_id = ? "
                f"AND a.model = 'application' AND a.remote_deleted_at IS NULL AND json_extract(a.data, '$.job_id') "
                f"IN ({','.join('?' * len(values))}){self._tracked_application()})",
                [integration_id, *values],
            )
        if kind == "job_remote":
            values = split_list(value)
            return (
                f"EXISTS (SELECT 1 FROM records j WHERE j.integration_id = r.integration_id AND j.model = 'job' "
                f"AND j.id = {path} AND j.remote_id IN ({','.join('?' * len(values))}))",
                values,
            )
        raise InputInvalid(f"unsupported filter {name!r}", fields=[name])
