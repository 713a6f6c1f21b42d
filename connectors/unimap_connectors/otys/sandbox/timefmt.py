"""Instants <-> the strings OTYS shows: local (Europe/Amsterdam) date-times and ISO-Z params.

Europe/Amsterdam is computed from the EU summer-time rule (last Sunday of March 01:00 UTC to
last Sunday of October 01:00 UTC; CET = UTC+1, CEST = UTC+2), so no tz database is needed and
the result never depends on the machine's zone. Other zone names go through ``zoneinfo``.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@lru_cache(maxsize=512)
def _eu_summer(year: int) -> tuple[int, int]:
    """UTC epoch seconds of the start and end of EU summer time in ``year``."""

    def last_sunday(month: int) -> date:
        d = date(year, month, 31)
        return d - timedelta(days=(d.weekday() + 1) % 7)

    start = calendar.timegm((*last_sunday(3).timetuple()[:3], 1, 0, 0))
    end = calendar.timegm((*last_sunday(10).timetuple()[:3], 1, 0, 0))
    return start, end


class Zone:
    """A time zone able to give the UTC offset of an instant and to read local wall times."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._zi = None
        if name not in ("Europe/Amsterdam", "UTC"):
            from zoneinfo import ZoneInfo

            self._zi = ZoneInfo(name)

    def offset(self, ts: float) -> int:
        """UTC offset in seconds at instant ``ts``."""
        if self.name == "UTC":
            return 0
        if self._zi is None:
            start, end = _eu_summer(time.gmtime(ts).tm_year)
            return 7200 if start <= ts < end else 3600
        off = datetime.fromtimestamp(ts, self._zi).utcoffset()
        return int(off.total_seconds()) if off else 0

    def from_local(self, y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> int:
        """Instant of a local wall time (the earlier one when ambiguous)."""
        naive = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
        if self.name == "UTC":
            return naive
        if self._zi is not None:
            return int(datetime(y, mo, d, h, mi, s, tzinfo=self._zi).timestamp())
        for guess in (7200, 3600):
            if self.offset(naive - guess) == guess:
                return naive - guess
        return naive - 3600


class Clockface:
    """Formats and parses date-times the way the sandbox's settings say."""

    def __init__(self, zone: str, datetime_format: str, date_format: str = "%Y-%m-%d", offset: bool = False) -> None:
        self.zone = Zone(zone)
        self.datetime_format = datetime_format
        self.date_format = date_format
        self.offset = offset  # append the UTC offset ("+02:00", "+00:00") to date-times
        self._fast = datetime_format == "%Y-%m-%d %H:%M:%S" and not offset
        self._instants: dict[str, float] = {}

    def format(self, ts: float) -> str:
        """A response date-time for instant ``ts`` (whole seconds)."""
        ts = int(ts)
        off = self.zone.offset(ts)
        text = time.strftime(self.datetime_format, time.gmtime(ts + off))
        if self.offset:
            sign = "+" if off >= 0 else "-"
            text += f"{sign}{abs(off) // 3600:02d}:{abs(off) % 3600 // 60:02d}"
        return text

    def format_date(self, ts: float) -> str:
        """The local date of instant ``ts``."""
        ts = int(ts)
        return time.strftime(self.date_format, time.gmtime(ts + self.zone.offset(ts)))

    def instant(self, text: str) -> float:
        """Instant of a stored (formatted) date-time string; memoised."""
        got = self._instants.get(text)
        if got is not None:
            return got
        if self._fast and len(text) == 19:
            ts: float = self.zone.from_local(
                int(text[0:4]),
                int(text[5:7]),
                int(text[8:10]),
                int(text[11:13]),
                int(text[14:16]),
                int(text[17:19]),
            )
        else:
            ts = self.parse_param(text)
        if len(self._instants) > 500_000:
            self._instants.clear()
        self._instants[text] = ts
        return ts

    def parse_param(self, text: str) -> float:
        """Instant of a condition param.

        Accepts ISO-8601 with ``Z`` or an offset (with or without fractions), a local
        ``YYYY-MM-DD HH:MM:SS`` (no zone: tenant local time), a date ``YYYY-MM-DD`` (local
        midnight), or the configured output format. Raises ``ValueError`` otherwise.
        """
        text = text.strip()
        m = _ISO.match(text)
        if m:
            y, mo, d, h, mi = (int(m.group(i)) for i in range(1, 6))
            s = int(m.group(6) or 0)
            frac = float(m.group(7)) if m.group(7) else 0.0
            tz = m.group(8)
            if tz is None:
                return self.zone.from_local(y, mo, d, h, mi, s) + frac
            base = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) + frac
            if tz == "Z":
                return base
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            return base - sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
        m = _DATE.match(text)
        if m:
            return self.zone.from_local(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        parsed = datetime.strptime(text, self.datetime_format)
        if parsed.tzinfo is not None:
            return parsed.timestamp()
        return self.zone.from_local(*parsed.timetuple()[:6])

    def local_date(self, text: str) -> str:
        """A date-only param: ``YYYY-MM-DD`` kept, a date-time turned into its local date."""
        text = text.strip()
        if _DATE.match(text):
            return text
        return self.format_date(self.parse_param(text))


def iso_z(ts: float) -> str:
    """ISO-8601 UTC with milliseconds and ``Z`` (the shape clients send in conditions)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"
