"""zh/en dates, times and ranges, relative forms, and the nearest-after year rule."""

from __future__ import annotations

import datetime as dt

import pytest

from daemon.inbound.dates import cn_number, first_date, parse_date_value, parse_duration, parse_when

TZ = dt.timezone(dt.timedelta(hours=8))
REF = dt.datetime(2027, 3, 10, 9, 0, tzinfo=TZ)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2027年4月2日", dt.date(2027, 4, 2)),
        ("4月2号前", dt.date(2027, 4, 2)),
        ("三月十二日", dt.date(2027, 3, 12)),
        ("二〇二七年五月一日", dt.date(2027, 5, 1)),
        ("by 4/2", dt.date(2027, 4, 2)),
        ("Apr 2", dt.date(2027, 4, 2)),
        ("2 April 2028", dt.date(2028, 4, 2)),
        ("2027-04-02", dt.date(2027, 4, 2)),
        ("1月5日", dt.date(2028, 1, 5)),  # already past this year: next year
        ("3/10", dt.date(2027, 3, 10)),  # the same day stays
        ("明天", dt.date(2027, 3, 11)),
        ("后天", dt.date(2027, 3, 12)),
        ("下周三", dt.date(2027, 3, 17)),
        ("本周五", dt.date(2027, 3, 12)),
        ("next Wednesday", dt.date(2027, 3, 17)),
        ("tomorrow", dt.date(2027, 3, 11)),
        ("三天后", dt.date(2027, 3, 13)),
        ("in 2 weeks", dt.date(2027, 3, 24)),
    ],
)
def test_dates(text, want):
    assert first_date(text, REF.date()) == want


def test_words_that_only_look_like_dates():
    assert first_date("We may decide 3 options; the monitor is fine", REF.date()) is None


def test_time_ranges_zh_and_en():
    assert parse_when("4月2日 下午2点到4点", REF) == (
        dt.datetime(2027, 4, 2, 14, 0, tzinfo=TZ),
        120,
    )
    assert parse_when("Apr 2, 9:30-11:00", REF) == (dt.datetime(2027, 4, 2, 9, 30, tzinfo=TZ), 90)
    assert parse_when("Apr 2 2-4pm", REF) == (dt.datetime(2027, 4, 2, 14, 0, tzinfo=TZ), 120)
    assert parse_when("明天下午两点半", REF)[0] == dt.datetime(2027, 3, 11, 14, 30, tzinfo=TZ)
    assert parse_when("no date here 14:00", REF) == (None, None)


def test_duration_numbers_and_value_fallback():
    assert parse_duration("1.5 hours") == 90
    assert parse_duration("两个半小时") == 150
    assert parse_duration("45分钟") == 45
    assert cn_number("二十三") == 23 and cn_number("十") == 10
    assert parse_date_value("", REF.date()) is None
