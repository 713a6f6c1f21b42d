"""Time helpers shared by the engine and the built-in functions: vendor dates in, ISO-8601 UTC out."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from unimap.errors import ConfigError

__all__ = ["DATE_FORMATS", "format_utc", "parse_datetime", "utc_now", "zone"]

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%d/%m/%Y",
)


def zone(name: str | None) -> tzinfo:
    """The time zone ``name`` (null or empty is UTC); an unknown zone is a :class:`ConfigError`, never UTC."""
    if not name or (isinstance(name, str) and name.upper() == "UTC"):
        return UTC
    if not isinstance(name, str):
        raise ConfigError(f"time zone must be a string such as 'Europe/Amsterdam', not {name!r} (setting timezone)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"unknown time zone {name!r} (setting timezone); use an IANA name such as 'Europe/Amsterdam'"
        ) from None


def format_utc(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ`` for an aware datetime."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def utc_now() -> str:
    """Now as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    return format_utc(datetime.now(UTC))


def parse_datetime(value: Any, zone_name: str | None = None) -> datetime | None:
    """Parse a vendor date or datetime; naive values are read in ``zone_name`` (default UTC)."""
    if value in (None, "", "0000-00-00", "0000-00-00 00:00:00"):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in DATE_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(zone_name))
    return moment
