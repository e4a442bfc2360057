"""The iMIP calendar: it owns SEQUENCE, applies each intent once, settles a crash through
the sink, and puts its calendar part into the announcing mail's alternative."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import email
import email.policy
from email.message import EmailMessage

import icalendar

from daemon.outbound.compose import compose_rendered
from daemon.outbound.snapshot import snapshot_of
from daemon.transports.calendar import MeetingSnapshot
from daemon.transports.imip import ImipCalendar, with_calendar
from daemon.transports.memory import MemoryTransport
from tests.unit.outbound_samples import DictState, context, meeting_file, outgoing


def snapshot(kind: str) -> MeetingSnapshot:
    file = meeting_file()
    out = outgoing(kind)
    msg, rendered = compose_rendered(out, file, context("zh"))
    snap = snapshot_of(
        file,
        out,
        tz="Asia/Shanghai",
        organizer="meetings@corp.example",
        organizer_name="会议助手",
        description=rendered.text,
    )
    return dataclasses.replace(
        snap,
        mail=msg.as_bytes(policy=email.policy.SMTP),
        message_id=str(msg["Message-ID"]),
        recipients=tuple(out.to),
    )


def sequence_sent(sink: MemoryTransport) -> int:
    msg = email.message_from_bytes(sink.sent[-1].raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    (part,) = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    (event,) = icalendar.Calendar.from_ical(payload).walk("VEVENT")
    sequence = event["SEQUENCE"]
    assert isinstance(sequence, int), sequence
    return int(sequence)


def test_sequence_starts_at_0_rises_for_updates_and_cancels_not_for_a_delegate() -> None:
    sink = MemoryTransport()
    cal = ImipCalendar(sink, DictState())
    steps = [
        ("invite", "k1", 0),
        ("proxy_invite", "k2", 0),
        ("invite_update", "k3", 1),
        ("invite_update", "k4", 2),
        ("proxy_invite", "k5", 2),
        ("cancel", "k6", 3),
    ]
    for kind, key, expected in steps:
        snap = dataclasses.replace(snapshot(kind), message_id=f"<{key}@test>")
        if snap.action == "cancel":
            cal.cancel_meeting(snap.uid, key, snap)
        else:
            cal.upsert_meeting(snap, key)
        assert sequence_sent(sink) == expected, kind


def test_a_retried_intent_keeps_its_sequence_and_crash_is_settled_by_the_sink() -> None:
    sink = MemoryTransport()
    cal = ImipCalendar(sink, DictState())
    cal.upsert_meeting(snapshot("invite"), "k1")
    update = snapshot("invite_update")
    assert cal.find_applied("k2") is False  # never started
    sink.send_errors.append(OSError("connection reset"))
    with contextlib.suppress(OSError):
        cal.upsert_meeting(update, "k2")
    assert cal.find_applied("k2") is False  # its SEQUENCE is chosen, its mail not sent
    cal.upsert_meeting(update, "k2")
    assert sequence_sent(sink) == 1 and cal.find_applied("k2") is True


def test_the_calendar_part_goes_into_the_alternative_after_text_and_html() -> None:
    snap = snapshot("invite")
    raw = with_calendar(snap.mail, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "REQUEST")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    types = [p.get_content_type() for p in msg.iter_parts()]  # type: ignore[attr-defined]
    assert types == ["text/plain", "text/html", "text/calendar"]
    assert msg["Message-ID"] == snap.message_id


def test_a_snapshot_survives_its_json_form() -> None:
    snap = snapshot("proxy_invite")
    back = MeetingSnapshot.from_json(
        snap.to_json(), mail=snap.mail, message_id=snap.message_id, recipients=snap.recipients
    )
    assert back == snap
    assert back.notify == ("zhou.qiang@corp.example",)
    assert back.start_utc.tzinfo is not None and back.start_utc == snap.start_utc
    assert isinstance(back.attendees[0].delegated_to, tuple)
    assert dt.timedelta(hours=2) == back.end_utc - back.start_utc
