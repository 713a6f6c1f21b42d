"""Europe/Amsterdam formatting and ISO-Z parsing, checked against the tz database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unimap_connectors.otys.sandbox.timefmt import Clockface, iso_z

AMS = Clockface("Europe/Amsterdam", "%Y-%m-%d %H:%M:%S")
ZI = ZoneInfo("Europe/Amsterdam")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=946_684_800, max_value=2_524_608_000))  # 2000 .. 2050
def test_format_matches_tz_database(ts: int) -> None:
    assert AMS.format(ts) == datetime.fromtimestamp(ts, ZI).strftime("%Y-%m-%d %H:%M:%S")
    back = AMS.instant(AMS.format(ts))
    assert AMS.format(back) == AMS.format(ts)
    assert back in (ts, ts - 3600)  # the repeated autumn hour reads as its first occurrence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-07-31T22:00:00.000Z", "2025-08-01 00:00:00"),
        ("2025-12-31T21:59:59.999Z", "2025-12-31 22:59:59"),
        ("2025-03-30T00:59:59Z", "2025-03-30 01:59:59"),
        ("2025-03-30T01:00:00Z", "2025-03-30 03:00:00"),
        ("2025-10-26T00:30:00Z", "2025-10-26 02:30:00"),
        ("2025-10-26T01:30:00Z", "2025-10-26 02:30:00"),
        ("2025-06-01T12:00:00+02:00", "2025-06-01 12:00:00"),
        ("2025-06-01 12:00:00", "2025-06-01 12:00:00"),
        ("2025-06-01", "2025-06-01 00:00:00"),
    ],
)
def test_params(text: str, expected: str) -> None:
    assert AMS.format(AMS.parse_param(text)) == expected


def test_iso_z_and_fractions() -> None:
    ts = AMS.parse_param("2024-02-29T23:59:59.250Z")
    assert ts % 1 == pytest.approx(0.25)
    assert iso_z(ts) == "2024-02-29T23:59:59.250Z"
    assert AMS.local_date("2025-07-31T22:00:00.000Z") == "2025-08-01"
    with pytest.raises(ValueError):
        AMS.parse_param("31-07-2025")


def test_other_output_formats() -> None:
    utc = Clockface("UTC", "%Y-%m-%dT%H:%M:%SZ")
    assert utc.format(0) == "1970-01-01T00:00:00Z"
    assert utc.instant("1970-01-01T00:00:10Z") == 10
    ny = Clockface("America/New_York", "%Y-%m-%d %H:%M:%S")
    assert ny.format(1_700_000_000) == datetime.fromtimestamp(1_700_000_000, ZoneInfo("America/New_York")).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
