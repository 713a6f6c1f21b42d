"""Query parameters of every list endpoint: parsing into row predicates, and per-resource defaults.

A parser takes the raw value and returns a predicate over stored rows, or raises ``ValueError``
with a message for the 422 body. Common parameters (``ids``, ``created_at``, ``updated_at``) are
added to every resource; date parameters use the pipe grammar ``op|TIME[|op|TIME…]``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from . import timefmt

Pred = Callable[[dict[str, Any]], bool]
Parser = Callable[[str], Pred]

MAX_IDS = 50
_OPS = {"gte": operator.ge, "lte": operator.le, "gt": operator.gt, "lt": operator.lt}


def int_list(value: str) -> set[int]:
    """A comma list of integer ids (at most 50)."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts:
        raise ValueError("must be a comma-separated list of integer ids")
    if len(parts) > MAX_IDS:
        raise ValueError(f"must list at most {MAX_IDS} ids, got {len(parts)}")
    try:
        return {int(p) for p in parts}
    except ValueError:
        raise ValueError("must be a comma-separated list of integer ids") from None


def ids(field: str) -> Parser:
    """``field`` (an int or a list of ints) is one of the listed ids."""

    def parse(value: str) -> Pred:
        wanted = int_list(value)

        def pred(row: dict[str, Any]) -> bool:
            got = row.get(field)
            if isinstance(got, list):
                return any(x in wanted for x in got)
            return got in wanted

        return pred

    return parse


def one_int(field: str) -> Parser:
    """``field`` (or any element of a list field) equals the integer."""

    def parse(value: str) -> Pred:
        try:
            wanted = int(value)
        except ValueError:
            raise ValueError("must be an integer") from None
        return lambda row: wanted in row[field] if isinstance(row.get(field), list) else row.get(field) == wanted

    return parse


def boolean(value: str) -> bool:
    """``true``/``false`` (case-insensitive)."""
    low = value.strip().lower()
    if low not in ("true", "false"):
        raise ValueError("must be true or false")
    return low == "true"


def flag(field: str) -> Parser:
    """``field`` is the boolean given."""

    def parse(value: str) -> Pred:
        wanted = boolean(value)
        return lambda row: bool(row.get(field)) is wanted

    return parse


def exact(field: str) -> Parser:
    """``field`` equals the string."""
    return lambda value: lambda row: row.get(field) == value


def choice(field: str, allowed: dict[str, str]) -> Parser:
    """``field`` equals the mapped value of one of ``allowed`` (filter value -> stored value)."""

    def parse(value: str) -> Pred:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        stored = allowed[value]
        return lambda row: row.get(field) == stored

    return parse


def dates(field: str) -> Parser:
    """The pipe grammar: ``gte|2024-01-01T00:00:00Z|lte|2024-02-01T00:00:00Z`` (ANDed)."""

    def parse(value: str) -> Pred:
        parts = value.split("|")
        if len(parts) % 2 or not parts[0]:
            raise ValueError(
                "must be op|timestamp pairs joined by '|', e.g. gte|2024-01-01T00:00:00Z (operators gte, lte, gt, lt)"
            )
        checks = []
        for op, stamp in zip(parts[::2], parts[1::2], strict=True):
            if op not in _OPS:
                raise ValueError(f"unknown operator {op!r} (use gte, lte, gt or lt)")
            try:
                bound = timefmt.parse(stamp)
            except ValueError:
                raise ValueError(f"{stamp!r} is not an ISO-8601 timestamp such as 2024-01-01T00:00:00Z") from None
            checks.append((_OPS[op], bound))

        def pred(row: dict[str, Any]) -> bool:
            got = row.get(field)
            return got is not None and all(fn(got, bound) for fn, bound in checks)

        return pred

    return parse


def email(value: str) -> Pred:
    """Any of the candidate's email addresses, case-insensitive."""
    wanted = value.strip().lower()
    return lambda row: any(e["value"].lower() == wanted for e in row["email_addresses"])


def tag(value: str) -> Pred:
    """The candidate carries this tag name (exact)."""
    return lambda row: value in row["tags"]


def custom_field_option(value: str) -> Pred:
    """The row's select custom fields hold this option id."""
    try:
        wanted = int(value)
    except ValueError:
        raise ValueError("must be an integer") from None
    return lambda row: wanted in row.get("_cfo", ())


def _employee_ids(value: str) -> Pred:
    wanted = frozenset(x.strip() for x in value.split(","))
    return lambda row: row["employee_id"] in wanted


def _common(*date_fields: str) -> dict[str, Parser]:
    out: dict[str, Parser] = {"ids": ids("id"), "created_at": dates("created_at"), "updated_at": dates("updated_at")}
    for name in date_fields:
        out[name] = dates(name)
    return out


APPLICATION_STATUS = {"active": "in_process", "rejected": "rejected", "hired": "hired", "converted": "converted"}

FILTERS: dict[str, dict[str, Parser]] = {
    "users": {
        **_common(),
        "show_service_accounts": lambda v: lambda row: True,
        "deactivated": flag("deactivated"),
        "primary_email": lambda v: lambda row: row["primary_email"].lower() == v.strip().lower(),
        "employee_ids": lambda v: _employee_ids(v),
    },
    "jobs": {
        **_common("opened_at", "closed_at"),
        "status": choice("status", {s: s for s in ("open", "closed", "draft")}),
        "requisition_id": exact("requisition_id"),
        "department_id": one_int("department_id"),
        "office_id": one_int("office_ids"),
        "custom_field_option_id": custom_field_option,
        "confidential": flag("confidential"),
        "is_template": flag("is_template"),
    },
    "job_interview_stages": {**_common(), "job_ids": ids("job_id"), "active": flag("active")},
    "job_posts": {
        **_common(),
        "job_ids": ids("job_id"),
        "job_board_ids": ids("job_board_id"),
        "active": flag("active"),
        "live": flag("live"),
        "internal": flag("internal"),
        "featured": flag("featured"),
    },
    "departments": _common(),
    "offices": _common(),
    "job_owners": {
        **_common(),
        "job_ids": ids("job_id"),
        "user_ids": ids("user_id"),
        "type": choice("type", {s: s for s in ("sourcer", "recruiter", "coordinator")}),
    },
    "job_hiring_managers": {**_common(), "job_ids": ids("job_id"), "user_ids": ids("user_id")},
    "openings": {**_common(), "job_ids": ids("job_id"), "open": flag("open")},
    "close_reasons": _common(),
    "candidates": {
        **_common("last_activity_at"),
        "email": email,
        "tag": tag,
        "private": lambda v: (lambda row: True) if boolean(v) else (lambda row: not row["private"]),
        "custom_field_option_id": custom_field_option,
    },
    "candidate_tags": _common(),
    "applied_candidate_tags": {
        **_common(),
        "candidate_ids": ids("candidate_id"),
        "candidate_tag_ids": ids("candidate_tag_id"),
    },
    "applications": {
        **_common("last_activity_at"),
        "candidate_ids": ids("candidate_id"),
        "job_ids": ids("job_id"),
        "prospective_job_ids": ids("prospective_job_ids"),
        "job_post_ids": ids("job_post_id"),
        "source_ids": ids("source_id"),
        "referrer_ids": ids("referrer_id"),
        "stage_ids": ids("stage_id"),
        "job_interview_stage_ids": ids("job_interview_stage_id"),
        "status": choice("status", APPLICATION_STATUS),
        "stage_name": exact("stage_name"),
        "prospect": flag("prospect"),
        "custom_field_option_id": custom_field_option,
    },
    "application_stages": {
        **_common(),
        "application_ids": ids("application_id"),
        "job_interview_stage_ids": ids("job_interview_stage_id"),
        "current": flag("current"),
    },
    "rejection_reasons": _common(),
    "rejection_details": {**_common(), "application_ids": ids("application_id")},
    "sources": _common(),
    "attachments": {
        **_common(),
        "application_ids": ids("application_id"),
        "candidate_ids": ids("candidate_id"),
        "type": exact("type"),
    },
    "notes": {
        **_common(),
        "candidate_ids": ids("candidate_id"),
        "application_ids": ids("application_id"),
        "user_ids": ids("user_id"),
    },
    "custom_fields": {
        **_common(),
        "field_type": exact("field_type"),
        "active": flag("active"),
        "name_key": exact("name_key"),
    },
    "custom_field_options": {**_common(), "custom_field_ids": ids("custom_field_id"), "active": flag("active")},
}

#: predicates applied when their parameter is absent
DEFAULTS: dict[str, dict[str, Pred]] = {
    "users": {"show_service_accounts": lambda row: not row["_service"]},
    "job_posts": {"active": lambda row: row["active"]},
}

#: parameters that need the tenant (custom_field_key resolves a field's name_key to its id)
TENANT_FILTERS: dict[str, tuple[str, ...]] = {"custom_field_options": ("custom_field_key",)}


def show_service_accounts(value: str) -> Pred:
    """``true`` shows service accounts next to people; ``false`` (default) hides them."""
    return (lambda row: True) if boolean(value) else (lambda row: not row["_service"])


FILTERS["users"]["show_service_accounts"] = show_service_accounts
