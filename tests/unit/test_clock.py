"""The clock: the offset clock behind ``--now`` / ``MEETINGD_NOW`` and how its value is read."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from daemon import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


class FakeWall:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at


def test_offset_clock_starts_at_the_given_instant_and_runs_at_real_speed() -> None:
    wall = FakeWall()
    start = dt.datetime(2026, 12, 15, 18, 5, tzinfo=SHANGHAI)
    offset = clock.OffsetClock(start, real=wall)
    assert offset.now() == start and offset.now().tzinfo == dt.UTC
    wall.at += dt.timedelta(minutes=7, seconds=3)
    assert offset.now() == start + dt.timedelta(minutes=7, seconds=3)
    assert offset.offset == start - dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_offset_clock_on_the_real_wall_clock_moves_forward() -> None:
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    offset = clock.OffsetClock(start)
    first = offset.now()
    assert dt.timedelta(0) <= first - start < dt.timedelta(seconds=5)
    assert offset.now() >= first


def test_offset_clock_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.OffsetClock(dt.datetime(2026, 12, 15, 18, 5))


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-12-15 18:05", dt.datetime(2026, 12, 15, 10, 5, tzinfo=dt.UTC)),  # local, +08:00
        (" 2026-12-15T18:05:30 ", dt.datetime(2026, 12, 15, 10, 5, 30, tzinfo=dt.UTC)),
        ("2026-12-15T18:05+01:00", dt.datetime(2026, 12, 15, 17, 5, tzinfo=dt.UTC)),
        ("2026-12-15T18:05:00Z", dt.datetime(2026, 12, 15, 18, 5, tzinfo=dt.UTC)),
    ],
)
def test_parse_instant_reads_local_time_or_an_offset(text: str, utc: dt.datetime) -> None:
    parsed = clock.parse_instant(text, SHANGHAI)
    assert parsed == utc and parsed.tzinfo == dt.UTC


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-13-01 10:00", "15/12/2026 18:05"])
def test_parse_instant_refuses_what_is_not_a_date_and_time(text: str) -> None:
    with pytest.raises(ValueError):
        clock.parse_instant(text, SHANGHAI)


def test_local_text_shows_the_offset_of_the_zone() -> None:
    when = dt.datetime(2026, 12, 15, 10, 5, tzinfo=dt.UTC)
    assert clock.local_text(when, SHANGHAI) == "2026-12-15 18:05 +08:00"
    assert clock.local_text(when, ZoneInfo("America/St_Johns")) == "2026-12-15 06:35 -03:30"
