"""iTIP REPLY/COUNTER: partstats, delegation, comments, Windows zones, attendee matching."""

from __future__ import annotations

import datetime as dt

from daemon.inbound.parse.itip import read_calendars


def cal(method: str, attendee: str, extra: str = "") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:" + method + "\r\nBEGIN:VEVENT\r\n"
        "UID:evt-1@example.org\r\n" + attendee + "\r\n" + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_reply_attendee_matched_case_insensitively_among_several():
    blob = cal(
        "REPLY",
        "ATTENDEE;PARTSTAT=ACCEPTED:MAILTO:Other@Example.org\r\n"
        "ATTENDEE;PARTSTAT=DECLINED:MAILTO:Me@Example.ORG",
        "COMMENT:On leave\r\n",
    )
    info = read_calendars([blob], "me@example.org")
    assert info.rsvp and info.rsvp.attendee == "me@example.org"
    assert info.rsvp.partstat == "DECLINED" and info.rsvp.comment == "On leave"
    assert info.uid == "evt-1@example.org"


def test_delegated_from_delegate_attendee_when_no_delegated_to():
    blob = cal(
        "REPLY",
        "ATTENDEE;PARTSTAT=DELEGATED:mailto:boss@example.org\r\n"
        'ATTENDEE;DELEGATED-FROM="mailto:boss@example.org":mailto:deputy@example.org',
    )
    r = read_calendars([blob], "boss@example.org").rsvp
    assert r and r.partstat == "DELEGATED" and r.delegate == "deputy@example.org"


def test_counter_with_windows_zone_and_no_vtimezone():
    blob = cal(
        "COUNTER",
        "ATTENDEE:mailto:me@example.org",
        "DTSTART;TZID=Tokyo Standard Time:20270105T100000\r\n"
        "DTEND;TZID=Tokyo Standard Time:20270105T113000\r\n",
    )
    r = read_calendars([blob], "me@example.org").rsvp
    assert r and r.partstat == "TENTATIVE"
    assert r.proposed_start and r.proposed_start.utcoffset() == dt.timedelta(hours=9)
    assert r.proposed_end and (r.proposed_end - r.proposed_start) == dt.timedelta(minutes=90)


def test_request_and_needs_action_are_not_answers():
    assert read_calendars([cal("REQUEST", "ATTENDEE:mailto:a@x.org")], None).rsvp is None
    info = read_calendars([cal("REPLY", "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:a@x.org")], None)
    assert info.rsvp is None and info.problems


def test_duplicate_objects_are_one_answer_but_a_collection_is_none():
    blob = cal("REPLY", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@x.org")
    assert read_calendars([blob, blob], "a@x.org").rsvp is not None
    other = blob.replace(b"evt-1", b"evt-2")
    info = read_calendars([blob, other], "a@x.org")
    assert info.rsvp is None and info.problems


def test_garbage_calendar_is_a_problem_not_an_exception():
    info = read_calendars([b"BEGIN:VCALENDAR\r\nthis is not ical"], None)
    assert info.rsvp is None


def test_client_boilerplate_is_recognised_in_zh_and_en():
    from daemon.inbound.parse.itip import is_generated_text

    for text in (
        "Wang Fang has delegated attendance to Zhou Qiang.",
        "Li Na has tentatively accepted this invitation.",
        "王芳 已将参加事务委托给 周强。",
        "孙丽已接受此邀请。",
        "刘洋 拒绝了此邀请",
        "暂定接受：项目例会",
    ):
        assert is_generated_text(text), text
    for text in (
        "下午有客户来访，建议改到12月9日同一时间。",
        "I'm at the supplier audit that afternoon. Sorry.",
        "请周强代我参加，我的意见见附件。",
    ):
        assert not is_generated_text(text), text


def test_the_daemons_forward_notice_is_read_back_as_one() -> None:
    from daemon.inbound.calendar_answers import answer_mail
    from daemon.inbound.inspect import inspect_bytes
    from daemon.transports.calendar import CalendarResponse

    now = dt.datetime(2026, 9, 14, 2, 0, tzinfo=dt.UTC)
    notice = CalendarResponse(
        uid="evt-1@example.org",
        attendee="dan@partner.example",
        partstat="NEEDS-ACTION",
        key="ews-forward:evt-1@example.org:dan@partner.example",
        received_utc=now,
        forwarded_by="Alice@Example.org",
    )
    insp = inspect_bytes(answer_mail(notice, "meetings@example.org"), now=now)
    assert insp.sender == "alice@example.org" and insp.kind == "rsvp"
    assert insp.rsvp is not None
    assert (insp.rsvp.attendee, insp.rsvp.partstat) == ("dan@partner.example", "NEEDS-ACTION")
    assert insp.rsvp.forwarded_by == "alice@example.org"


def test_needs_action_with_the_forward_parameter_only_on_a_reply() -> None:
    param = 'X-MEETINGD-FORWARDED-BY="mailto:b@x.org"'
    forward = f"ATTENDEE;PARTSTAT=NEEDS-ACTION;{param}:mailto:a@x.org"
    r = read_calendars([cal("REPLY", forward)], "b@x.org").rsvp
    assert r is not None and r.forwarded_by == "b@x.org" and r.attendee == "a@x.org"
    counter = read_calendars([cal("COUNTER", forward)], "b@x.org").rsvp
    assert counter is not None and counter.forwarded_by is None
