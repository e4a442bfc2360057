"""Exchange's time zone names → IANA (``daemon.transports.ews.zones``)."""

from __future__ import annotations

import datetime as dt

import pytest

from daemon.transports.ews.zones import resolve

SHANGHAI = "Asia/Shanghai"
JANUARY = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
JULY = dt.datetime(2026, 7, 15, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("name", "fallback", "at", "expected"),
    [
        ("China Standard Time", "UTC", JANUARY, SHANGHAI),  # Windows id, CLDR table
        ("Tokyo Standard Time", SHANGHAI, JANUARY, "Asia/Tokyo"),
        ("Europe/Berlin", SHANGHAI, JANUARY, "Europe/Berlin"),  # IANA already
        ("UTC", SHANGHAI, JANUARY, "UTC"),
        # Display names: the company zone when it has that offset, else one that has it.
        ("(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi", SHANGHAI, JANUARY, SHANGHAI),
        ("(UTC+08:00) Taipei", "UTC", JANUARY, None),
        # In summer too: a display name gives the standard offset.
        ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome", "Europe/Berlin", JULY, "Europe/Berlin"),
        ("(UTC) Coordinated Universal Time", SHANGHAI, JANUARY, None),
        # What exchangelib cannot map (#541/#310/#1197), and nothing at all.
        ("Customized Time Zone", SHANGHAI, JANUARY, SHANGHAI),
        (None, SHANGHAI, JANUARY, SHANGHAI),
        ("", SHANGHAI, JANUARY, SHANGHAI),
        ("Not/AZone", SHANGHAI, JANUARY, SHANGHAI),
    ],
)
def test_resolve(name: str | None, fallback: str, at: dt.datetime, expected: str | None) -> None:
    got = resolve(name, fallback, at)
    if expected is not None:
        assert got == expected
    else:  # any zone with the display name's offset at that instant
        from zoneinfo import ZoneInfo

        offset = at.astimezone(ZoneInfo(got)).utcoffset()
        wanted = {"(UTC+08:00) Taipei": 8 * 60, "(UTC) Coordinated Universal Time": 0}[str(name)]
        assert offset is not None and offset.total_seconds() // 60 == wanted
