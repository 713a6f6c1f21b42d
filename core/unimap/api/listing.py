"""List endpoints: Kombo's query parameters checked and turned into ``Unimap.list_records`` arguments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from unimap import unified
from unimap.errors import InputInvalid
from unimap.query import FILTERS

# endpoint path segment → unified model
ENDPOINTS: dict[str, str] = {
    "users": "user",
    "jobs": "job",
    "candidates": "candidate",
    "application-stages": "application_stage",
    "applications": "application",
    "tags": "tag",
    "rejection-reasons": "rejection_reason",
}
COMMON = ("cursor", "page_size", "updated_after", "include_deleted", "ignore_unsupported_filters", "ids", "remote_ids")
TIMESTAMP_FILTERS = ("updated_after", "remote_created_after")
MAX_PAGE_SIZE = 250
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})?$"
)


def normalize_timestamp(value: str, name: str) -> str:
    """A filter timestamp (date-only, any fraction digits, ``Z``, an offset or none) as UTC ``…Z``.

    A ``+`` left unescaped in a query string arrives as a space; it is read back as ``+``.
    """
    text = value.strip()
    if re.search(r"\d \d{2}:?\d{2}$", text):
        text = text[:-5].rstrip() + "+" + text[-5:] if ":" in text[-5:] else text[:-4].rstrip() + "+" + text[-4:]
    match = _TIMESTAMP.match(text)
    if not match:
        raise InputInvalid(
            f"{name}: {value!r} is not an ISO-8601 date-time like 2024-01-02T03:04:05.123Z", fields=[name]
        )
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int(((fraction or "") + "000000")[:6]),
            tzinfo=_zone(zone),
        )
    except ValueError as exc:
        raise InputInvalid(f"{name}: {value!r} is not a valid date-time ({exc})", fields=[name]) from None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _zone(zone: str | None) -> timezone:
    if not zone or zone in ("Z", "z"):
        return UTC
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(offset if zone[0] == "+" else -offset)


def parse_bool(value: str | None, name: str, default: bool = False) -> bool:
    """``true``/``false`` (as the SDK sends them; also 1/0)."""
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise InputInvalid(f"{name}: expected true or false, got {value!r}", fields=[name])


def parse_page_size(value: str | None) -> int:
    """``page_size``: an integer from 1 to 250 (default 100)."""
    if value is None or value == "":
        return 100
    try:
        size = int(value)
    except ValueError:
        raise InputInvalid(f"page_size: {value!r} is not an integer", fields=["page_size"]) from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InputInvalid(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {size}", fields=["page_size"])
    return size


def split(value: str | None) -> list[str]:
    """A comma-separated list (empty items dropped)."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@dataclass
class ListRequest:
    """One list call: the ``list_records`` arguments, and the filters dropped as unsupported."""

    model: str
    kwargs: dict[str, Any]
    unsupported: list[str] = field(default_factory=list)
    ignore_unsupported: bool = False

    @property
    def empty(self) -> bool:
        """Kombo's rule: a filter the integration cannot provide matches nothing unless ignored."""
        return bool(self.unsupported) and not self.ignore_unsupported


def parse_list_query(model: str, query: Mapping[str, str], mapped: Mapping[str, set[str]]) -> ListRequest:
    """Check the query of a list call on ``model``; ``mapped`` names the fields the connector fills, per model."""
    known = FILTERS.get(model, {})
    unknown = sorted(k for k in query if k not in COMMON and k not in known)
    if unknown:
        raise InputInvalid(
            f"unknown query parameter(s) {', '.join(unknown)} for this endpoint "
            f"(known: {', '.join([*COMMON, *known])})",
            fields=unknown,
        )
    kwargs: dict[str, Any] = {
        "page_size": parse_page_size(query.get("page_size")),
        "include_deleted": parse_bool(query.get("include_deleted"), "include_deleted"),
        "ids": split(query.get("ids")),
        "remote_ids": split(query.get("remote_ids")),
        "cursor": query.get("cursor") or None,
    }
    if query.get("updated_after"):
        kwargs["updated_after"] = normalize_timestamp(query["updated_after"], "updated_after")
    request = ListRequest(
        model,
        kwargs,
        ignore_unsupported=parse_bool(query.get("ignore_unsupported_filters"), "ignore_unsupported_filters"),
    )
    for name in known:
        value = query.get(name)
        if value is None or value == "":
            continue
        kwargs[name] = normalize_timestamp(value, name) if name in TIMESTAMP_FILTERS else value
        if not supported(model, name, mapped):
            request.unsupported.append(name)
    if request.ignore_unsupported:
        for name in request.unsupported:
            kwargs.pop(name)
    return request


def supported(model: str, name: str, mapped: Mapping[str, set[str]]) -> bool:
    """Whether filter ``name`` targets a field the connector fills (engine and nested fields always are)."""
    kind, column = FILTERS[model][name]
    target = "application" if kind == "related" else model
    top = column.split(".")[0]
    return top in mapped.get(target, set()) or unified.origin(target, top) in ("engine", "nested")


def mapped_fields(specs: Any) -> dict[str, set[str]]:
    """Model → the fields a connector's specs map."""
    return {name: {f.name for f in spec.fields} for name, spec in specs.models.items()}
