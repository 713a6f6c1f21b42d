"""Timestamps as Greenhouse writes them: ISO-8601 UTC with milliseconds (``2024-12-15T03:55:00.000Z``).

Stored timestamps are these fixed-width strings, so comparing two of them as strings compares the
instants. ``fmt_ms`` is cheap (a per-day cache) because the generator formats millions of them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


@lru_cache(maxsize=8192)
def _day(days: int) -> str:
    return (_EPOCH + timedelta(days=days)).strftime("%Y-%m-%dT")


_HM = tuple(f"{m // 60:02d}:{m % 60:02d}:" for m in range(1440))
_SMS = tuple(f"{ms // 1000:02d}.{ms % 1000:03d}Z" for ms in range(60_000))


def fmt_ms(ms: int) -> str:
    """Epoch milliseconds as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    days, rest = divmod(ms, 86_400_000)
    minutes, rest = divmod(rest, 60_000)
    return _day(days) + _HM[minutes] + _SMS[rest]


def fmt(seconds: float) -> str:
    """Epoch seconds as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    return fmt_ms(round(seconds * 1000))


def fmt_date(ms: int) -> str:
    """Epoch milliseconds as a date (``YYYY-MM-DD``) for ``*_on`` fields."""
    return _day(ms // 86_400_000)[:-1]


def parse(text: str) -> str:
    """A filter value (ISO-8601 datetime, offset or Z; or a date = midnight UTC) as a stored timestamp.

    Raises ``ValueError`` for anything else.
    """
    match = _ISO.match(text.strip())
    if not match:
        raise ValueError(text)
    year, month, day, hh, mm, ss, frac, tz = match.groups()
    if hh is not None and tz is None:
        raise ValueError(text)  # a datetime needs Z or an offset
    dt = datetime(
        int(year),
        int(month),
        int(day),
        int(hh or 0),
        int(mm or 0),
        int(ss or 0),
        int((frac or "0").ljust(6, "0")),
        tzinfo=UTC,
    )
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        dt -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return fmt_ms((dt - _EPOCH) // timedelta(milliseconds=1))


def to_epoch(stamp: str) -> float:
    """A stored timestamp back to epoch seconds."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
