"""Absurd lengths and dates far out of range are problems, never values or errors (issue 9).

A request with "时长：99999999小时" used to give a length that overflowed the handler's date
arithmetic; "99999年" or "0001-01-01" gave dates no meeting can have.
"""

from __future__ import annotations

import datetime as dt

import pytest

from daemon.inbound.dates import (
    MAX_MEETING_MINUTES,
    YEARS,
    date_problems,
    first_date,
    iter_dates,
    parse_date_value,
    parse_duration,
    parse_when,
)
from daemon.inbound.inspect import inspect_bytes
from tests.mails import INSPECT_NOW
from tests.unit.inbound_helpers import make_mail

REF = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
HUGE = "9" * 5_000


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("99999999小时", "at most 24 hours"),
        ("25 hours", "at most 24 hours"),
        ("1441 minutes", "at most 24 hours"),
        (f"{HUGE}小时", "at most 24 hours"),
        (f"{HUGE}.5 hours", "at most 24 hours"),
        ("-5 minutes", "at least 1 minute"),
        ("−2小时", "at least 1 minute"),
        ("0分钟", "at least 1 minute"),
        ("0 hours", "at least 1 minute"),
    ],
)
def test_absurd_durations(text, why):
    assert parse_duration(text) is None
    problems = date_problems(text)
    assert len(problems) == 1 and "is not a meeting length" in problems[0] and why in problems[0]
    assert len(problems[0]) < 200  # a huge number is shortened in the sentence


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("2小时", 120), ("90分钟", 90), ("1.5 hours", 90), ("一个半小时", 90), ("1-2小时", 120)],
)
def test_real_durations_still_read(text, minutes):
    assert parse_duration(text) == minutes and date_problems(text) == []
    assert parse_duration("24 hours") == MAX_MEETING_MINUTES


@pytest.mark.parametrize(
    "text",
    [
        "99999年12月8日 14:00",
        "0001-01-01",
        "0001-01-01 10:00",
        "9999-12-31",
        "1969-12-31",
        "12/14/9999",
        "Dec 8, 9999",
        "九九九九年十二月八日",
        "2200年1月1日",
    ],
)
def test_years_out_of_range(text):
    assert [d for _s, _e, d in iter_dates(text, REF.date())] == []
    assert parse_when(text, REF) == (None, None)
    assert parse_date_value(text, REF.date()) is None
    problems = date_problems(text)
    assert problems and "is not a usable date" in problems[0]
    assert f"{YEARS.start}-{YEARS.stop - 1}" in problems[0]


def test_huge_numbers_in_dates_do_not_raise():
    for text in (f"{HUGE}年12月8日", f"{HUGE}-12-08", f"12/8/{HUGE}", f"{HUGE}天后", HUGE):
        list(iter_dates(text, REF.date()))
        parse_when(text, REF)
        date_problems(text)


@pytest.mark.parametrize("ref", [dt.date(9999, 12, 31), dt.date(1, 1, 1)])
def test_relative_dates_at_the_ends_of_the_calendar(ref):
    for text in ("明天", "下周三", "两周后", "in 3 days", "12月8日", "next Monday"):
        assert first_date(text, ref) is None


def _request(**fields: str) -> bytes:
    lines = {
        "会议主题": "仓储系统切换协调会",
        "需解决的核心问题": "切换期间数据不一致",
        "预期成果": "确定切换日期和回退方案",
        "期望时间": "2026年12月15日 14:00",
        "地点": "2楼会议室",
    }
    lines.update(fields)
    body = "会议需求申请\n" + "\n".join(f"{k}：{v}" for k, v in lines.items()) + "\n"
    return make_mail(body, subject="会议需求申请：仓储系统切换协调会")


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"时长": "99999999小时"}, "the duration 99999999小时 is not a meeting length"),
        ({"时长": "-5 minutes"}, "is not a meeting length (at least 1 minute)"),
        ({"时长": "0分钟"}, "is not a meeting length (at least 1 minute)"),
        ({"期望时间": "99999年12月8日 14:00"}, "the date 99999年12月8日 is not a usable date"),
        ({"期望时间": "0001-01-01 10:00"}, "the date 0001-01-01 is not a usable date"),
    ],
)
def test_meeting_request_with_absurd_values(fields, words):
    insp = inspect_bytes(_request(**fields), now=INSPECT_NOW)
    assert "error" not in insp.rule_hits, insp.problems
    assert insp.kind == "meeting_request" and insp.meeting_request is not None
    form = insp.meeting_request
    assert form.duration_minutes is None or 1 <= form.duration_minutes <= MAX_MEETING_MINUTES
    assert form.start is None or form.start.year in YEARS
    assert any(words in p for p in insp.problems), insp.problems


def test_action_delay_to_an_impossible_date():
    raw = make_mail("延期到99999年1月5日，数据还没迁完", subject="Re: [MTG-7/A-2] 行动项")
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert insp.kind == "action_update" and insp.action_update is not None
    assert insp.action_update.status == "delayed" and insp.action_update.new_due is None
    assert any("99999年1月5日" in p and "not a usable date" in p for p in insp.problems)


def test_minutes_with_a_due_date_far_out_of_range():
    body = (
        "会议纪要\n一、决议\n1. 12月20日切换\n二、行动项\n"
        "1. 行动内容：准备回退方案；负责人：刘洋；完成时间：0001-01-01\n"
    )
    insp = inspect_bytes(make_mail(body, subject="[MTG-7] 会议纪要"), now=INSPECT_NOW)
    assert insp.kind == "minutes" and insp.minutes is not None
    assert insp.minutes.action_items[0].due is None
    assert any("0001-01-01" in p and "not a usable date" in p for p in insp.problems)


def test_reschedule_command_to_an_impossible_date():
    raw = make_mail("改期到99999年12月8日 14:00", subject="Re: [MTG-7] 会议安排")
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert insp.command is None
    assert any("not a usable date" in p for p in insp.problems)


@pytest.mark.parametrize(
    "date", ["Fri, 31 Dec 9999 23:59:59 -1200", "Mon, 01 Jan 1000 00:00:00 +1400", "x" * 99]
)
def test_implausible_date_header(date):
    raw = make_mail("下周三 14:00 我参加", date=date, subject="Re: [MTG-7] 邀请")
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert "error" not in insp.rule_hits, insp.problems
    assert insp.date is None and insp.kind == "rsvp"
    assert any("Date header" in p for p in insp.problems)


def test_action_tag_with_a_huge_number():
    raw = make_mail("已完成", subject=f"Re: [MTG-7/A-{HUGE}] 行动项")
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert "error" not in insp.rule_hits, insp.problems
    assert insp.action_ref is None
