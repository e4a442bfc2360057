"""The demo end to end on the embedded default (Maildirs + SQLite): every kind is sent, to
the right people, at the right working-day times, and every invite parses back."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import mailbox
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from daemon.demo import run_demo
from daemon.workdays import WorkCalendar
from tests.mails import body_text, read_mail

DAYS = WorkCalendar()
M = dt.date(2026, 10, 9)
REQUIRED = {
    "request_received",
    "approval_request",
    "invite",
    "invite_update",
    "call_for_topics",
    "topic_receipt",
    "topic_reminder",
    "agenda",
    "materials",
    "rsvp_nudge",
    "proxy_request",
    "attendance_report",
    "minutes_request",
    "minutes",
    "action_assigned",
    "action_reminder",
    "action_overdue",
    "action_escalation",
    "review_invite",
}


def addr(local: str) -> str:
    return f"{local}@corp.example"


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> list[EmailMessage]:
    workdir = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    assert run_demo(workdir, "zh", M, lines.append) == 0
    assert any("attendance_report" in line for line in lines)  # the timeline was printed
    box = mailbox.Maildir(workdir / "outbox", create=False)
    mails = [read_mail(box.get_bytes(key)) for key in box.iterkeys()]
    return sorted(mails, key=lambda m: email.utils.parsedate_to_datetime(m["Date"]))


def of(sent: list[EmailMessage], kind: str, ref: str = "MTG-1") -> list[EmailMessage]:
    return [m for m in sent if m["X-Meetingd-Kind"] == kind and m["X-Meetingd-Ref"] == ref]


def to(m: EmailMessage) -> set[str]:
    return {
        a.lower() for _n, a in email.utils.getaddresses(m.get_all("To", []) + m.get_all("Cc", []))
    }


def local(m: EmailMessage) -> dt.datetime:
    return email.utils.parsedate_to_datetime(m["Date"]).astimezone(DAYS.tz)


def test_every_kind_is_sent(sent: list[EmailMessage]) -> None:
    kinds = {m["X-Meetingd-Kind"] for m in sent}
    assert kinds >= REQUIRED, REQUIRED - kinds


def test_every_mail_carries_the_standard_headers(sent: list[EmailMessage]) -> None:
    ids = [m["Message-ID"] for m in sent]
    assert len(ids) == len(set(ids))
    for m in sent:
        assert m["Auto-Submitted"] == "auto-generated"
        assert m["Date"] and m["X-Meetingd-Kind"]
        ref = m["X-Meetingd-Ref"]
        tag = f"[{ref}/A-" if m["X-Meetingd-Kind"].startswith("action_") else f"[{ref}]"
        if m["X-Meetingd-Kind"] != "not_understood":
            assert tag in m["Subject"], m["Subject"]


def test_right_people(sent: list[EmailMessage]) -> None:
    core = {addr(x) for x in ("liu.yang", "wang.fang", "zhao.lei", "li.na")}
    everyone = core | {addr("sun.li"), addr("chen.jing"), addr("huang.min")}
    assert to(of(sent, "invite")[0]) == everyone
    assert core <= to(of(sent, "call_for_topics")[0])
    assert {a for m in of(sent, "topic_reminder") for a in to(m)} == {addr("li.na")}
    nudged = {a for m in of(sent, "rsvp_nudge") for a in to(m)}
    # The host approved by mail; the proxy named by a bare reply has not answered yet.
    assert nudged == {addr("chen.jing"), addr("zhou.qiang"), addr("yang.fan")}
    for kind in ("approval_request", "agenda", "attendance_report", "action_escalation"):
        assert all(to(m) == {addr("sun.li")} for m in of(sent, kind)), kind
    assert to(of(sent, "minutes_request")[0]) == {addr("chen.jing")}
    assert addr("zhou.qiang") in to(of(sent, "minutes")[0])  # proxies get the minutes
    # The review meeting invites the host, the recorder and every owner (one named by reply).
    assert to(of(sent, "review_invite", "MTG-3")[0]) == {
        addr(x) for x in ("sun.li", "chen.jing", "liu.yang", "wang.fang", "zhou.qiang")
    }


def test_answers_to_our_questions_are_read_as_answers(sent: list[EmailMessage]) -> None:
    # A bare reply to proxy_request names the proxy: the proxy is invited.
    assert addr("yang.fan") in {a for m in of(sent, "proxy_invite") for a in to(m)}
    # The minutes went out once, after one correction and the recorder's confirmation.
    assert len(of(sent, "minutes_confirm")) == 2 and len(of(sent, "minutes")) == 1
    assert of(sent, "minutes_confirm")[-1]["Date"] <= of(sent, "minutes")[0]["Date"]
    # A bare reply to owner_question names the owner of the unknown item.
    assert addr("zhou.qiang") in {a for m in of(sent, "action_assigned") for a in to(m)}
    # The requester, who is not the host, hears of the approval.
    assert of(sent, "request_approved")
    # The host's agenda change by reply gives one invite update that says so.
    changed = [m for m in of(sent, "invite_update") if "主持人调整了会议议程" in body_text(m)]
    assert len(changed) == 1
    # A reply to the review invite stays on the review meeting.
    assert to(of(sent, "rsvp_receipt", "MTG-3")[0]) == {addr("wang.fang")}
    assert addr("wang.fang") not in {a for m in of(sent, "rsvp_receipt") for a in to(m)}


def test_right_working_day_times(sent: list[EmailMessage]) -> None:
    def day(n: int) -> dt.date:
        return DAYS.add(M, n)

    assert day(-3) == dt.date(2026, 9, 29)  # National Day and its make-up days count
    call = of(sent, "call_for_topics")[0]
    body = body_text(call)
    assert "2026-09-29" in body and "9月29日" in body
    assert local(of(sent, "topic_reminder")[0]) == dt.datetime.combine(
        day(-4), dt.time(9, 30), DAYS.tz
    )
    assert local(of(sent, "agenda")[0]).date() == day(-3)
    assert local(of(sent, "materials")[0]).date() == day(-2)
    nudge = local(of(sent, "rsvp_nudge")[0])
    report = local(of(sent, "attendance_report")[0])
    assert nudge.date() == day(-2) and report == dt.datetime.combine(day(-1), dt.time(18), DAYS.tz)
    assert nudge < report
    assert local(of(sent, "minutes_request")[0]) == dt.datetime(2026, 10, 9, 16, tzinfo=DAYS.tz)
    for m in sent:
        assert DAYS.is_working_day(local(m).date()) or m["X-Meetingd-Kind"].startswith(
            ("topic_", "rsvp_receipt", "proxy_", "not_")
        ), (m["X-Meetingd-Kind"], local(m))


def calendar_of(m: EmailMessage) -> icalendar.Calendar:
    parts = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, m["X-Meetingd-Kind"]
    return icalendar.Calendar.from_ical(parts[0].get_content())


def sequence(event: icalendar.Component) -> int:
    """The event's SEQUENCE (which must be there)."""
    value = event["SEQUENCE"]
    assert isinstance(value, int), value
    return int(value)


def attendees(event: icalendar.Component) -> list[icalendar.vCalAddress]:
    """The event's ATTENDEE properties, in order."""
    value = event["ATTENDEE"]
    items = value if isinstance(value, list) else [value]
    found = [a for a in items if isinstance(a, icalendar.vCalAddress)]
    assert len(found) == len(items), items
    return found


def test_invites_parse_back_as_rfc5545(sent: list[EmailMessage]) -> None:
    first = calendar_of(of(sent, "invite")[0])
    update = calendar_of(of(sent, "invite_update")[0])
    assert str(first["METHOD"]) == "REQUEST" and str(update["METHOD"]) == "REQUEST"
    assert first.walk("VTIMEZONE"), "a VTIMEZONE must describe the TZID used"
    (ev1,) = first.walk("VEVENT")
    (ev2,) = update.walk("VEVENT")
    assert ev1["UID"] == ev2["UID"]
    assert sequence(ev2) == sequence(ev1) + 1
    assert ev1.decoded("DTSTART") == dt.datetime(2026, 10, 9, 14, tzinfo=DAYS.tz)
    roles = {str(a).lower().removeprefix("mailto:"): a.params["ROLE"] for a in attendees(ev1)}
    assert roles[addr("sun.li")] == "CHAIR"
    assert roles[addr("huang.min")] == "OPT-PARTICIPANT"
    assert roles[addr("liu.yang")] == "REQ-PARTICIPANT"
    review = calendar_of(of(sent, "review_invite", "MTG-3")[0])
    (rev,) = review.walk("VEVENT")
    assert rev["UID"] != ev1["UID"]
    # The minutes named the review date (two weeks after, shifted with the demo's dates).
    assert rev.decoded("DTSTART") == dt.datetime.combine(
        M + dt.timedelta(days=14), dt.time(14), DAYS.tz
    )
    delegated = {
        str(a).lower()
        for m in of(sent, "proxy_invite")
        for ev in calendar_of(m).walk("VEVENT")
        for a in attendees(ev)
        if "DELEGATED-FROM" in a.params
    }
    assert {"mailto:" + addr("zhou.qiang"), "mailto:" + addr("yang.fan")} <= delegated


def test_cli_demo_runs_and_refuses_to_reuse_a_folder(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "daemon", "demo", "--workdir", str(tmp_path / "d"), "--quiet"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "mails sent, by X-Meetingd-Kind" in first.stdout  # --quiet: the summary only
    assert "→ invite" not in first.stdout
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 2
    assert "already holds a demo" in again.stderr and "Traceback" not in again.stderr


def test_second_meeting_rejected_resubmitted_moved_and_cancelled(sent: list[EmailMessage]) -> None:
    story = [m["X-Meetingd-Kind"] for m in sent if m["X-Meetingd-Ref"] == "MTG-2"]
    assert story[0] == "goal_rejected"
    assert story.index("approval_request") < story.index("invite")
    assert story.index("invite") < story.index("invite_update") < story.index("cancel")
    invite = calendar_of(of(sent, "invite", "MTG-2")[0]).walk("VEVENT")[0]
    moved = calendar_of(of(sent, "invite_update", "MTG-2")[0]).walk("VEVENT")[0]
    cancel_cal = calendar_of(of(sent, "cancel", "MTG-2")[0])
    cancelled = cancel_cal.walk("VEVENT")[0]
    assert invite["UID"] == moved["UID"] == cancelled["UID"]
    assert [sequence(e) for e in (invite, moved, cancelled)] == [0, 1, 2]
    next_day = DAYS.add(M, 1)
    assert moved.decoded("DTSTART") == dt.datetime.combine(next_day, dt.time(10), DAYS.tz)
    assert str(cancel_cal["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert not any(
        m["X-Meetingd-Ref"] == "MTG-2" and m["X-Meetingd-Kind"] == "rsvp_nudge" for m in sent
    )  # a cancelled meeting chases nobody


def test_late_topic_included_and_unknown_owner_asked(sent: list[EmailMessage]) -> None:
    assert to(of(sent, "topic_late")[0]) == {addr("sun.li")}
    updates = [calendar_of(m).walk("VEVENT")[0] for m in of(sent, "invite_update")]
    # agenda, the late topic, then the host's two agenda edits in one update
    assert [sequence(e) for e in updates] == [1, 2, 3]
    assert to(of(sent, "owner_question")[0]) == {addr("chen.jing")}
    assert "小张" in body_text(of(sent, "owner_question")[0])
    assert to(of(sent, "topic_merged")[0]) == {addr("wang.fang"), addr("zhao.lei")}
    assert to(of(sent, "materials_reminder")[0]) == {addr("zhao.lei")}
