"""iCalendar objects built by daemon.outbound.invites (from the snapshot of
daemon.outbound.snapshot) parse back and follow RFC 5545/5546."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from daemon.domain.effects import Outgoing
from daemon.domain.model import MeetingFile, Participant
from daemon.outbound.invites import build, calendar_part
from daemon.outbound.snapshot import snapshot_of
from tests.unit.outbound_samples import (
    HOST,
    LEGAL,
    MKT,
    NOW,
    PROXY,
    RECORDER,
    TECH,
    TZ,
    meeting_file,
)

ORG = "meetings@corp.example"


def _kw(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"tz": TZ, "now_utc": NOW, "sequence": 1}
    base.update(kw)
    return base


def _build(
    f: MeetingFile,
    method: str,
    *,
    tz: ZoneInfo,
    now_utc: dt.datetime,
    sequence: int,
    attendees: list[str] | None = None,
) -> bytes:
    out = Outgoing("invite", [HOST], calendar=method, calendar_attendees=attendees)  # type: ignore[arg-type]
    snapshot = snapshot_of(
        f,
        out,
        tz=tz.key,
        organizer=ORG,
        organizer_name="会议助理",
        description="会议说明\n第二行；含分号, 逗号",
    )
    return build(snapshot, sequence=sequence, now_utc=now_utc)


def build_request(f: MeetingFile, **kw: Any) -> bytes:
    return _build(f, "REQUEST", **kw)


def build_cancel(f: MeetingFile, **kw: Any) -> bytes:
    return _build(f, "CANCEL", **kw)


def _parse(ics: bytes) -> tuple[Calendar, Any]:
    assert b"\r\n" in ics
    cal = Calendar.from_ical(ics)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def _attendees(event: Any) -> dict[str, Any]:
    value = event.get("ATTENDEE")
    items = value if isinstance(value, list) else [value]
    return {str(a).removeprefix("mailto:"): a.params for a in items}


def test_request_essentials() -> None:
    f = meeting_file()
    cal, ev = _parse(build_request(f, **_kw()))
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(cal["VERSION"]) == "2.0"
    assert "meetingd" in str(cal["PRODID"])
    assert str(ev["UID"]) == "mtg-7-4f2a@corp.example"
    assert int(ev["SEQUENCE"]) == 1
    assert ev["DTSTAMP"].dt == NOW
    assert str(ev["SUMMARY"]) == "[MTG-7] 新产品上市跨部门协调会"
    assert str(ev["LOCATION"]) == "3楼大会议室"
    assert str(ev["DESCRIPTION"]) == "会议说明\n第二行；含分号, 逗号"
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert str(ev["ORGANIZER"]) == f"mailto:{ORG}"
    assert ev["ORGANIZER"].params["CN"] == "会议助理"
    start, end = ev["DTSTART"], ev["DTEND"]
    assert start.dt == dt.datetime(2026, 10, 9, 14, tzinfo=TZ)
    assert end.dt == dt.datetime(2026, 10, 9, 16, tzinfo=TZ)
    # DTSTART's TZID names the one VTIMEZONE in the calendar.
    (vtz,) = cal.walk("VTIMEZONE")
    assert start.params["TZID"] == end.params["TZID"] == str(vtz["TZID"]) == "Asia/Shanghai"
    offsets = {c["TZOFFSETTO"].to_ical() for c in vtz.walk() if "TZOFFSETTO" in c}
    assert offsets == {"+0800"}


def test_attendee_roles_and_delegation() -> None:
    f = meeting_file()
    f.rsvps = []  # nobody answered yet: the delegation comes from the proxy's record
    _, ev = _parse(build_request(f, **_kw()))
    att = _attendees(ev)
    assert set(att) == {HOST, RECORDER, TECH, MKT, LEGAL, PROXY}
    assert att[HOST]["ROLE"] == "CHAIR"
    assert att[RECORDER]["ROLE"] == att[TECH]["ROLE"] == "REQ-PARTICIPANT"
    assert att[PROXY]["ROLE"] == "REQ-PARTICIPANT"
    assert att[LEGAL]["ROLE"] == "OPT-PARTICIPANT"
    assert att[HOST]["CN"] == "孙丽"
    for a in (HOST, RECORDER, TECH, LEGAL, PROXY):
        assert att[a]["PARTSTAT"] == "NEEDS-ACTION"
        assert att[a]["RSVP"] == "TRUE"
        assert att[a]["CUTYPE"] == "INDIVIDUAL"
    assert att[PROXY]["DELEGATED-FROM"] == f"mailto:{MKT}"
    assert att[MKT]["PARTSTAT"] == "DELEGATED"
    assert att[MKT]["DELEGATED-TO"] == f"mailto:{PROXY}"


def test_recorded_answers_are_kept_by_default() -> None:
    _, ev = _parse(build_request(meeting_file(), **_kw()))
    att = _attendees(ev)
    assert att[TECH]["PARTSTAT"] == "ACCEPTED" and att[TECH]["RSVP"] == "FALSE"
    assert att[RECORDER]["PARTSTAT"] == "NEEDS-ACTION"


def test_proxy_chain() -> None:
    f = meeting_file()
    f.participants.append(Participant("zhao.lei@corp.example", "proxy", "赵磊", delegate_of=PROXY))
    _, ev = _parse(build_request(f, **_kw()))
    att = _attendees(ev)
    assert att[PROXY]["PARTSTAT"] == "DELEGATED"
    assert att[PROXY]["DELEGATED-FROM"] == f"mailto:{MKT}"
    assert att[PROXY]["DELEGATED-TO"] == "mailto:zhao.lei@corp.example"
    assert att["zhao.lei@corp.example"]["DELEGATED-FROM"] == f"mailto:{PROXY}"


def test_attendees_limit_the_list() -> None:
    _, ev = _parse(build_request(meeting_file(), **_kw(attendees=[PROXY])))
    att = _attendees(ev)
    assert list(att) == [PROXY]
    assert att[PROXY]["DELEGATED-FROM"] == f"mailto:{MKT}"


def test_uid_stable_and_sequence_as_given() -> None:
    f = meeting_file()
    _, first = _parse(build_request(f, **_kw()))
    assert f.meeting.start_utc is not None and f.meeting.end_utc is not None
    f.meeting.start_utc += dt.timedelta(days=1)
    f.meeting.end_utc += dt.timedelta(days=1)
    _, second = _parse(build_request(f, **_kw(now_utc=NOW + dt.timedelta(hours=1), sequence=2)))
    assert str(first["UID"]) == str(second["UID"])
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert second["DTSTART"].dt == dt.datetime(2026, 10, 10, 14, tzinfo=TZ)
    _, third = _parse(build_request(f, **_kw(sequence=9)))
    assert int(third["SEQUENCE"]) == 9


def test_cancel() -> None:
    f = meeting_file()
    cal, ev = _parse(build_cancel(f, **_kw(sequence=3)))
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(ev["STATUS"]) == "CANCELLED"
    assert str(ev["UID"]) == "mtg-7-4f2a@corp.example"
    assert int(ev["SEQUENCE"]) == 3
    att = _attendees(ev)
    assert len(att) == 6 and att[TECH]["PARTSTAT"] == "NEEDS-ACTION"  # answers are not kept


def test_zone_with_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    f = meeting_file()
    cal, ev = _parse(build_request(f, **_kw(tz=berlin)))
    assert ev["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert ev["DTSTART"].dt == dt.datetime(2026, 10, 9, 8, tzinfo=berlin)
    (vtz,) = cal.walk("VTIMEZONE")
    assert vtz.walk("DAYLIGHT") and vtz.walk("STANDARD")


def test_missing_times_or_naive_now_rejected() -> None:
    f = meeting_file()
    with pytest.raises(ValueError):
        build_request(f, **_kw(now_utc=dt.datetime(2026, 1, 1)))
    f.meeting.uid = None
    with pytest.raises(ValueError):
        build_request(f, **_kw())


def test_calendar_part() -> None:
    ics = build_request(meeting_file(), **_kw())
    part = calendar_part(ics, "request")
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    assert part.get_payload(decode=True) == ics
    assert part.get_content_disposition() is None
