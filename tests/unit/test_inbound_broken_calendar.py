"""Unreadable iCalendar properties become problems; the answer is still read (issue 9).

icalendar keeps an unparsable value as ``vBroken`` and raises ``BrokenCalendarProperty`` when
``.dt`` is asked for: a COUNTER with a broken DTSTART/DTEND used to make the mail anonymous.
"""

from __future__ import annotations

import pytest

from daemon.inbound.inspect import inspect_bytes
from daemon.inbound.parse.itip import read_calendars
from tests.mails import INSPECT_NOW

ATTENDEE = "li.na@corp.example"


def ics(method: str, *lines: str, partstat: str = "DECLINED") -> bytes:
    body = "\r\n".join(lines)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        f"METHOD:{method}\r\nBEGIN:VEVENT\r\nUID:mtg-7@corp.example\r\n"
        f"{body}\r\n"
        f"ATTENDEE;PARTSTAT={partstat}:mailto:{ATTENDEE}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


BROKEN = [
    "DTSTART:garbage",
    "DTSTART;TZID=Asia/Shanghai:2026XX01T140000",
    "DTSTART:99999999T999999",
    "DTSTART;VALUE=DATE:20261301",
    "DTEND:not-a-time",
    "DTEND;TZID=China Standard Time:20261209T996100",
    "RRULE:FREQ=SOMETIMES;COUNT=x",
    "DURATION:Pxyz",
    "DTSTAMP:bad",
    "SEQUENCE:abc",
]


@pytest.mark.parametrize("method", ["COUNTER", "REPLY"])
@pytest.mark.parametrize("prop", BROKEN)
def test_broken_property_is_a_problem_and_partstat_is_read(method, prop):
    info = read_calendars([ics(method, prop)], ATTENDEE)
    assert info.rsvp is not None
    assert info.rsvp.partstat == "DECLINED"
    name = prop.split(";")[0].split(":")[0]
    assert any(name in p for p in info.problems), info.problems


@pytest.mark.parametrize("prop", [p for p in BROKEN if p.startswith(("DTSTART", "DTEND"))])
def test_counter_with_broken_times_proposes_nothing(prop):
    good = "DTSTART;TZID=Asia/Shanghai:20261209T140000"
    lines = [prop] if prop.startswith("DTSTART") else [good, prop]
    info = read_calendars([ics("COUNTER", *lines)], ATTENDEE)
    assert info.rsvp is not None
    broken_is_start = prop.startswith("DTSTART")
    assert (info.rsvp.proposed_start is None) == broken_is_start
    assert info.rsvp.proposed_end is None
    assert any("propose the new time again" in p for p in info.problems)


def test_counter_far_out_of_range_is_no_proposal():
    info = read_calendars([ics("COUNTER", "DTSTART:99991231T235959Z")], ATTENDEE)
    assert info.rsvp is not None and info.rsvp.proposed_start is None
    assert any("not a usable date" in p for p in info.problems)


@pytest.mark.parametrize("method", ["COUNTER", "REPLY"])
def test_through_inspect_the_mail_keeps_its_sender(method):
    cal = ics(method, "DTSTART:garbage", "DTEND:garbage", partstat="ACCEPTED")
    raw = (
        b"From: Li Na <li.na@corp.example>\r\nTo: meetings@corp.example\r\n"
        b"Subject: Re: [MTG-7] x\r\nDate: Mon, 07 Dec 2026 09:00:00 +0800\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/calendar; method=" + method.encode() + b"; charset=utf-8\r\n\r\n" + cal
    )
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert "error" not in insp.rule_hits, insp.problems
    assert insp.sender == "li.na@corp.example"
    assert insp.kind == "rsvp" and insp.rsvp is not None and insp.rsvp.partstat == "ACCEPTED"
    assert insp.problems
