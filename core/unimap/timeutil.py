"""Time helpers shared by the engine and the built-in functions: vendor dates in, ISO-8601 UTC out."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from unimap.errors import ConfigError

__all__ = ["DATE_FORMATS", "format_utc", "iso_utc_text", "parse_datetime", "utc_now", "zone"]

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
    if not name:
        return UTC
    if not isinstance(name, str):
        raise ConfigError(f"time zone must be a string such as 'Europe/Amsterdam', not {name!r} (setting timezone)")
    return _named_zone(name)


@lru_cache(maxsize=64)
def _named_zone(name: str) -> tzinfo:
    """``zone`` for a non-empty name, remembered (exceptions are not)."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"unknown time zone {name!r} (setting timezone); use an IANA name such as 'Europe/Amsterdam'"
        ) from None


def format_utc(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ`` for an aware datetime."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year >= 1000:  # isoformat is C code and pads the year as strftime does from 1000 on
        # the text before isoformat's "+00:00" (cheaper than dropping the tzinfo with replace())
        if moment.microsecond:
            return moment.isoformat(timespec="milliseconds")[:23] + "Z"
        return moment.isoformat()[:19] + ".000Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _naive_utc_text(text: str, zone_name: str | None) -> str | None:
    """``iso_utc_text`` for plain ISO text naming no zone (``2024-09-11 03:35:04``), without building
    an aware datetime: the zone's offset at that local time is subtracted directly, which is what
    ``astimezone(UTC)`` does. ``None`` when the text is anything else (the general path decides)."""
    if not text or "Z" in text or text[0].isspace() or text[-1].isspace():
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return None
    where = zone(zone_name)
    if where is not UTC and type(where) is not ZoneInfo:
        return None
    offset = where.utcoffset(moment)
    if offset:
        try:
            moment = moment - offset
        except OverflowError:
            return None
    if moment.year < 1000:
        return None
    if moment.microsecond:
        return moment.isoformat(timespec="milliseconds") + "Z"
    return moment.isoformat() + ".000Z"


@lru_cache(maxsize=8192)
def iso_utc_text(text: str, zone_name: str | None) -> str | None:
    """``format_utc(parse_datetime(text, zone_name))`` for vendor text (null when it is no date), remembered.

    Vendor lists repeat timestamps (bulk imports, shared defaults), and the answer for a text and a
    zone never changes, so each distinct pair is parsed and formatted once.
    """
    fast = _naive_utc_text(text, zone_name)
    if fast is not None:
        return fast
    moment = parse_datetime(text, zone_name)
    return format_utc(moment) if moment is not None else None


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
