"""The demo's own mails: present for every step, varied as real clients write, and pointed at
the demo meeting by :func:`daemon.demo.readdress.readdress` (tag, UID, dates, placeholders)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections import Counter
from email.message import EmailMessage, MIMEPart

import icalendar
import pytest

from daemon.demo.readdress import fill_placeholders, readdress, shift_zh_dates
from daemon.demo.run import demo_mails
from daemon.demo.script import SCRIPT, SCRIPT_DAY
from daemon.inbound.inspect import inspect_bytes
from tests.mails import INSPECT_NOW

TZ = dt.timezone(dt.timedelta(hours=8))
WHEN = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ)


def raw(name: str) -> bytes:
    return (demo_mails() / f"{name}.eml").read_bytes()


def parsed(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def calendars(msg: EmailMessage) -> list[icalendar.Calendar]:
    out = []
    for part in msg.walk():
        if part.get_content_type() in ("text/calendar", "application/ics"):
            assert isinstance(part, MIMEPart)
            content = part.get_content()
            out.append(icalendar.Calendar.from_ical(content))
    return out


def test_every_step_has_its_mail_and_every_mail_is_used() -> None:
    files = {p.name.removesuffix(".eml") for p in demo_mails().iterdir() if p.name.endswith(".eml")}
    used = [s.mail for s in SCRIPT]
    assert set(used) == files
    assert len(used) == len(set(used))


def test_the_mails_read_as_the_script_needs() -> None:
    kinds = Counter(inspect_bytes(raw(s.mail), s.mail, now=INSPECT_NOW).kind for s in SCRIPT)
    assert kinds["auto_reply"] == 1 and kinds["bounce"] == 1
    assert kinds["meeting_request"] == 3 and kinds["minutes"] == 2  # and one correction
    assert kinds["action_update"] == 3
    assert kinds["topic_submission"] >= 7 and kinds["rsvp"] >= 8


def test_calendar_replies_come_from_four_clients_with_every_method() -> None:
    prodids: set[str] = set()
    methods: set[str] = set()
    partstats: set[str] = set()
    for step in SCRIPT:
        for cal in calendars(parsed(raw(step.mail))):
            prodids.add(str(cal["PRODID"]))
            methods.add(str(cal["METHOD"]))
            for ev in cal.walk("VEVENT"):
                partstats.add(ev["ATTENDEE"].params["PARTSTAT"])
    for client in ("Microsoft Exchange", "Google Calendar", "Apple Inc.", "Mozilla Calendar"):
        assert any(client in p for p in prodids), client
    assert methods == {"REPLY", "COUNTER"}
    assert {"ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"} <= partstats


def test_plain_answers_in_both_languages_with_and_without_a_proxy() -> None:
    found = {}
    for step in SCRIPT:
        msg = inspect_bytes(raw(step.mail), step.mail, now=INSPECT_NOW)
        if msg.kind == "rsvp" and msg.rsvp and msg.rsvp.source == "text":
            found[step.mail] = msg.rsvp
    assert any(m.endswith("-en") for m in found) and any(m.endswith("-zh") for m in found)
    declines = [
        r for s in SCRIPT if (r := inspect_bytes(raw(s.mail), s.mail, now=INSPECT_NOW).rsvp)
    ]
    declined = [r for r in declines if r.partstat == "DECLINED"]
    assert any(r.delegate for r in declined) and any(not r.delegate for r in declined)


def test_the_mails_name_nothing_outside_the_project() -> None:
    for path in demo_mails().iterdir():
        assert b"shared/corpus" not in path.read_bytes(), path.name


def test_readdress_points_a_calendar_attachment_at_the_meeting() -> None:
    """Apple Calendar attaches its REPLY as a named .ics: the UID and dates still follow."""
    out = parsed(
        readdress(
            raw("07-apple-calendar-accept"),
            number=7,
            when=WHEN,
            message_id="<x@demo>",
            written_for=SCRIPT_DAY,
            shift_days=-7,
            uid="uid-7@meetings.example",
        )
    )
    assert "[MTG-7]" in str(out["Subject"])
    (cal,) = calendars(out)
    (ev,) = cal.walk("VEVENT")
    assert str(ev["UID"]) == "uid-7@meetings.example"
    assert ev.decoded("DTSTART").date() == SCRIPT_DAY - dt.timedelta(days=7)
    assert inspect_bytes(out.as_bytes(), "x", now=INSPECT_NOW).uid == "uid-7@meetings.example"


def test_readdress_shifts_text_dates_retags_actions_and_threads() -> None:
    out = parsed(
        readdress(
            raw("31-action-delay-zh"),
            number=3,
            when=WHEN,
            message_id="<y@demo>",
            written_for=SCRIPT_DAY,
            shift_days=30,
            action_k=2,
            in_reply_to="<ours@meetings.example>",
        )
    )
    assert "[MTG-3/A-2]" in str(out["Subject"])
    assert out["In-Reply-To"] == "<ours@meetings.example>" and out["Message-ID"] == "<y@demo>"
    body = out.get_body(("plain",))
    assert body is not None and "4月24日" in body.get_content()  # 3月25日 + 30 days


def test_dates_without_a_year_are_read_near_the_day_they_were_written_for() -> None:
    # Written for early January: "12月30日" is the December before, not the one after.
    assert shift_zh_dates("12月30日", 3, dt.date(2027, 1, 5)) == "1月2日"
    assert shift_zh_dates("2026年12月30日", 3, dt.date(2027, 1, 5)) == "2027年1月2日"
    assert shift_zh_dates("2月30日", 3, dt.date(2027, 1, 5)) == "2月30日"  # no such day


def test_placeholders_are_filled_and_unknown_ones_refused() -> None:
    assert (
        fill_placeholders("改到%NEXT_WORKDAY%上午", {"NEXT_WORKDAY": "3月10日"})
        == "改到3月10日上午"
    )
    with pytest.raises(KeyError):
        fill_placeholders("%NOPE%", {})
