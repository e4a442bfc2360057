"""The EWS transport (``daemon.transports.ews``) against the fake EWS server, real
exchangelib in between: mail in and out, meetings as calendar items, answers recorded by
Exchange. Faults are in ``test_ews_faults.py``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from daemon.transports.base import OutgoingMail
from daemon.transports.calendar import MeetingSnapshot, SnapshotAttendee
from tests.transports.ews_parts import ews_parts
from tests.transports.fake_ews import FakeEwsServer
from tests.transports.fake_ews.fixture import ews_server

__all__ = ["ews_server"]

ORGANIZER = "organizer@example.test"
UID = "mtg-1.uid@meetingd.example.test"


def inbound(subject: str, message_id: str, sender: str = "alice") -> bytes:
    """A mail someone sends the daemon."""
    return (
        f"From: {sender.title()} <{sender}@example.test>\r\nTo: {ORGANIZER}\r\n"
        f"Subject: {subject}\r\nMessage-ID: {message_id}\r\n"
        "Date: Tue, 01 Dec 2026 10:00:00 +0800\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n\r\n'
        f"{subject}, 请确认\r\n"
    ).encode()


def outgoing(message_id: str, to: str = "bob@example.test", bcc: str = "") -> OutgoingMail:
    raw = (
        f"From: Meetings <{ORGANIZER}>\r\nTo: {to}\r\nSubject: [MTG-1] 通知\r\n"
        f"Message-ID: {message_id}\r\nX-Meetingd-Kind: invite\r\n\r\ntext\r\n"
    ).encode()
    return OutgoingMail(message_id, tuple(a for a in (to, bcc) if a), raw)


def snapshot(hour: int = 2, extra: tuple[SnapshotAttendee, ...] = ()) -> MeetingSnapshot:
    return MeetingSnapshot(
        uid=UID,
        ref="MTG-1",
        action="upsert",
        summary="[MTG-1] 部门沟通协调会",
        start_utc=dt.datetime(2026, 12, 8, hour, tzinfo=dt.UTC),
        end_utc=dt.datetime(2026, 12, 8, hour + 1, tzinfo=dt.UTC),
        tz="Asia/Shanghai",
        organizer=ORGANIZER,
        organizer_name="Meetings",
        attendees=(
            SnapshotAttendee(ORGANIZER, role="chair"),
            SnapshotAttendee("alice@example.test", "Alice"),
            SnapshotAttendee("bob@example.test", role="optional"),
            *extra,
        ),
        location="3F 大会议室",
        description="议程：预算",
    )


@pytest.fixture
def parts(
    ews_server: FakeEwsServer, db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[Any, Any]:
    return ews_parts(ews_server, db, monkeypatch, tmp_path, room="room1@example.test")


# -- source ------------------------------------------------------------------------------


def test_fetch_returns_the_mime_until_acknowledged(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, _ = parts
    raws = [inbound(f"m{n}", f"<m{n}@example.test>") for n in range(3)]
    for raw in raws:
        ews_server.mailbox.deliver_mime("inbox", raw)
    first = box.fetch()
    assert [m.raw for m in first] == raws  # byte for byte, oldest first
    assert [m.source_key for m in box.fetch()] == [m.source_key for m in first]
    assert [m.raw for m in box.fetch(limit=2)] == raws[:2]
    box.ack(first[0].source_key)
    box.ack(first[0].source_key)  # again: a no-op
    assert [m.raw for m in box.fetch()] == raws[1:]
    [filed] = ews_server.mailbox.items_in("meetingd processed")
    assert filed.mime == raws[0] and getattr(filed, "is_read", None) is True
    assert "SyncFolderItems" in ews_server.operations()


def test_a_restarted_source_keeps_what_was_reported_but_not_acknowledged(
    ews_server: FakeEwsServer, db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    box, _ = ews_parts(ews_server, db, monkeypatch, tmp_path)
    ews_server.mailbox.deliver_mime("inbox", inbound("one", "<one@example.test>"))
    [seen] = box.fetch()  # the sync state has moved past it
    box.close()
    again, _ = ews_parts(ews_server, db, monkeypatch, tmp_path)
    ews_server.mailbox.deliver_mime("inbox", inbound("two", "<two@example.test>"))
    keys = [m.source_key for m in again.fetch()]
    assert keys[0] == seen.source_key and len(keys) == 2


def test_an_invalid_sync_state_starts_afresh(
    ews_server: FakeEwsServer, db: Database, parts: tuple[Any, Any]
) -> None:
    box, _ = parts
    ews_server.mailbox.deliver_mime("inbox", inbound("one", "<one@example.test>"))
    box.fetch()
    ews_server.mailbox.sync_states.clear()  # the server forgot every state
    ews_server.mailbox.deliver_mime("inbox", inbound("two", "<two@example.test>"))
    assert [m.raw for m in box.fetch()][1:] == [inbound("two", "<two@example.test>")]


# -- sink --------------------------------------------------------------------------------


def test_send_keeps_our_message_id_and_sends_once(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, _ = parts
    mail = outgoing("<o1@meetingd.example.test>", bcc="carol@example.test")
    assert box.find_sent(mail.message_id) is False
    box.send(mail)
    box.send(mail)  # a retry: Sent Items holds it, nothing goes out again
    assert box.find_sent(mail.message_id) is True
    [out] = ews_server.mailbox.transmissions
    assert out.message_id == mail.message_id
    assert set(out.recipients) == {"bob@example.test", "carol@example.test"}
    [copy] = ews_server.mailbox.sent_items()
    assert copy.mime is not None
    headers = BytesParser().parsebytes(copy.mime, headersonly=True)
    assert headers["Message-ID"] == mail.message_id
    assert headers["X-Meetingd-Kind"] == "invite"


def test_find_sent_by_our_property_when_the_header_was_replaced(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, _ = parts
    mail = outgoing("<o2@meetingd.example.test>")
    box.send(mail)
    [copy] = ews_server.mailbox.sent_items()
    copy.message_id = "<exchange-made@example.test>"  # as exchangelib #434 reports
    assert box.find_sent(mail.message_id) is True
    assert box.find_sent("<other@meetingd.example.test>") is False


# -- calendar ----------------------------------------------------------------------------


def test_a_meeting_is_a_calendar_item_with_attendees_and_room(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    _, cal = parts
    assert cal.find_applied("k1") is False
    item_id = cal.upsert_meeting(snapshot(), "k1")
    assert cal.upsert_meeting(snapshot(), "k1") == item_id  # once per key
    assert cal.find_applied("k1") is True
    [item] = ews_server.mailbox.calendar_items()
    assert item.uid == UID and item.subject == "[MTG-1] 部门沟通协调会"
    assert item.start == dt.datetime(2026, 12, 8, 2, tzinfo=dt.UTC)
    assert item.start_timezone == "China Standard Time"
    assert [a.address.email for a in item.required_attendees] == ["alice@example.test"]
    assert [a.address.email for a in item.optional_attendees] == ["bob@example.test"]
    assert [a.address.email for a in item.resources] == ["room1@example.test"]
    [invite] = ews_server.mailbox.transmissions
    assert invite.kind == "meeting_request"
    assert set(invite.recipients) == {
        "alice@example.test",
        "bob@example.test",
        "room1@example.test",
    }
    create = next(r for r in ews_server.requests if r.operation == "CreateItem")
    assert b'SendMeetingInvitations="SendToAllAndSaveCopy"' in create.body


def test_an_update_tells_the_changed_and_exchange_owns_the_sequence(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    _, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    cal.upsert_meeting(snapshot(hour=6), "k2")
    [item] = ews_server.mailbox.calendar_items()
    assert item.start == dt.datetime(2026, 12, 8, 6, tzinfo=dt.UTC)
    assert item.appointment_sequence_number == 1
    update = [r for r in ews_server.requests if r.operation == "UpdateItem"][-1]
    assert b'SendMeetingInvitationsOrCancellations="SendToChangedAndSaveCopy"' in update.body
    # A delegate added: only the delegate is told.
    delegate = SnapshotAttendee("dan@example.test", delegated_from=("alice@example.test",))
    cal.upsert_meeting(snapshot(hour=6, extra=(delegate,)), "k3")
    last = ews_server.mailbox.transmissions[-1]
    assert last.recipients == ("dan@example.test",)
    assert all(b"text/calendar" not in (t.mime or b"") for t in ews_server.mailbox.transmissions)


def test_cancel_with_a_message_once(ews_server: FakeEwsServer, parts: tuple[Any, Any]) -> None:
    _, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    cancel = dataclasses.replace(snapshot(), action="cancel", description="会议取消：预算已定")
    cal.cancel_meeting(UID, "k2", cancel)
    cal.cancel_meeting(UID, "k2", cancel)
    assert cal.find_applied("k2") is True and cal.find_applied("k1") is True
    cancellations = [t for t in ews_server.mailbox.transmissions if t.kind.endswith("cancellation")]
    assert [c.body for c in cancellations] == ["会议取消：预算已定"]
    assert ews_server.mailbox.calendar_items() == []  # moved to Deleted Items, as Exchange


def test_answers_come_from_meeting_responses_not_as_mail(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    proposed = (
        dt.datetime(2026, 12, 9, 2, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 9, 3, tzinfo=dt.UTC),
    )
    ews_server.mailbox.respond(UID, "alice@example.test", "Decline", comment="出差")
    ews_server.mailbox.respond(UID, "bob@example.test", "Tentative", "改到周三？", *proposed)
    assert box.fetch() == []  # the responses are the calendar's, not mail
    answers = cal.responses(None)
    assert [(a.attendee, a.partstat, a.comment) for a in answers] == [
        ("alice@example.test", "DECLINED", "出差"),
        ("bob@example.test", "TENTATIVE", "改到周三？"),
    ]
    assert (answers[1].proposed_start, answers[1].proposed_end) == proposed
    assert {a.uid for a in answers} == {UID}
    assert cal.responses(None) == answers  # recorded once
    assert cal.responses(answers[-1].received_utc) == []
    assert ews_server.mailbox.inbox_items() == []  # filed
    assert len(ews_server.mailbox.items_in("meetingd processed")) == 2


def test_the_organizer_item_is_authoritative(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    ews_server.mailbox.respond(UID, "alice@example.test", "Accept")
    ews_server.mailbox.respond(UID, "alice@example.test", "Decline")  # changed her mind
    box.fetch()
    # Both responses are read against the item, which records her last answer: one answer.
    assert [(a.attendee, a.partstat) for a in cal.responses(None)] == [
        ("alice@example.test", "DECLINED")
    ]
    # A status set on the item with no response item reaching us (e.g. Outlook on the web).
    item = ews_server.mailbox.find_calendar_item(UID)
    item.attendee("bob@example.test").response_type = "Accept"
    ews_server.mailbox.touch(item)
    answers = cal.responses(None)
    assert [(a.attendee, a.partstat) for a in answers][1:] == [("bob@example.test", "ACCEPTED")]
    assert answers[0].received_utc < answers[1].received_utc
    assert cal.responses(None) == answers


def test_a_response_seen_first_on_the_item_is_one_answer(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    ews_server.mailbox.respond(UID, "alice@example.test", "Decline", comment="出差")
    [first] = cal.responses(None)  # the calendar's sync saw the item change first
    assert (first.attendee, first.partstat) == ("alice@example.test", "DECLINED")
    assert box.fetch() == []  # then the source takes the response: the same answer
    assert cal.responses(None) == [first]
    assert ews_server.mailbox.inbox_items() == []


def test_a_response_to_a_meeting_not_ours_is_mail(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    from tests.transports.fake_ews import CalendarItem
    from tests.transports.fake_ews.mailbox import Address
    from tests.transports.fake_ews.mailbox import Attendee as FakeAttendee

    box, _ = parts
    start = dt.datetime(2026, 12, 8, 2, tzinfo=dt.UTC)
    other = CalendarItem(
        subject="someone else's",
        start=start,
        end=start + dt.timedelta(hours=1),
        organizer=ews_server.mailbox.owner,
        required_attendees=[FakeAttendee(Address("alice@example.test"))],
        is_meeting=True,
    )
    ews_server.mailbox.add(other, "calendar")
    ews_server.mailbox.respond(other.id, "alice@example.test", "Accept")
    [mail] = box.fetch()
    assert b"METHOD:REPLY" in mail.raw


@pytest.mark.parametrize("zone", ["Customized Time Zone", "China Standard Time", None])
def test_an_item_outlook_rewrote_in_its_own_zone_is_read_by_instants(
    ews_server: FakeEwsServer, parts: tuple[Any, Any], zone: str | None
) -> None:
    box, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    item = ews_server.mailbox.find_calendar_item(UID)
    item.start_timezone = item.end_timezone = zone  # as an Outlook client may leave it
    ews_server.mailbox.touch(item)
    ews_server.mailbox.respond(UID, "alice@example.test", "Accept")
    box.fetch()
    assert [(a.attendee, a.partstat) for a in cal.responses(None)] == [
        ("alice@example.test", "ACCEPTED")
    ]
    sent = len(ews_server.mailbox.transmissions)
    cal.upsert_meeting(snapshot(), "k2")  # same instants: nothing to tell anyone
    assert len(ews_server.mailbox.transmissions) == sent
    update = [r for r in ews_server.requests if r.operation == "UpdateItem"][-1]
    assert b"calendar:Start" not in update.body


def test_wait_syncs_at_most_every_poll_seconds(
    ews_server: FakeEwsServer, db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    box, _ = ews_parts(ews_server, db, monkeypatch, tmp_path, poll_seconds=0.3)
    started = time.monotonic()
    while time.monotonic() - started < 1.0:
        assert box.wait(0.05) is False  # the runner asks a polled source in short slices
    syncs = ews_server.operations().count("SyncFolderItems")
    assert 2 <= syncs <= 5
    ews_server.mailbox.deliver_mime("inbox", inbound("new", "<new@example.test>"))
    assert box.wait(5) is True
    assert box.wait(5) is True  # pending: at once, without asking Exchange


def test_an_invalid_calendar_sync_state_starts_afresh_and_repeats_no_answer(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    _, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    ews_server.mailbox.respond(UID, "alice@example.test", "Accept")
    [first] = cal.responses(None)
    ews_server.mailbox.sync_states.clear()  # the server forgot every state
    ews_server.mailbox.respond(UID, "bob@example.test", "Decline")
    answers = cal.responses(None)
    assert answers[0] == first
    assert [(a.attendee, a.partstat) for a in answers[1:]] == [("bob@example.test", "DECLINED")]


def test_the_rooms_answer_is_its_booking_not_an_attendees_answer(
    ews_server: FakeEwsServer, parts: tuple[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    box, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    ews_server.mailbox.respond(UID, "room1@example.test", "Accept")  # auto-accepted
    ews_server.mailbox.respond(UID, "room1@example.test", "Decline")  # then taken
    assert box.fetch() == []
    assert cal.responses(None) == []  # nothing for the rules: the room is no participant
    assert ews_server.mailbox.inbox_items() == []
    assert any(
        r.levelname == "WARNING" and "room room1@example.test answered DECLINED" in r.message
        for r in caplog.records
    )


def test_items_exchange_cannot_return_now_are_read_on_the_next_fetch(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, _ = parts
    ews_server.mailbox.deliver_mime("inbox", inbound("one", "<one@example.test>"))
    ews_server.mailbox.deliver_mime("inbox", inbound("two", "<two@example.test>"))
    box.fetch()
    ews_server.inject("GetItem", "ErrorMimeContentConversionFailed")
    assert box.fetch() == []  # an error for each item of the GetItem: no crash, none lost
    assert [m.raw for m in box.fetch()] == [
        inbound("one", "<one@example.test>"),
        inbound("two", "<two@example.test>"),
    ]


def test_a_forward_notification_is_one_notice_per_person_added(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    mailbox = ews_server.mailbox
    mailbox.forward_notification(UID, "alice@example.test", ["Dan <dan@example.test>"])
    assert box.fetch() == []  # the calendar's, not mail
    [notice] = cal.responses(None)
    assert (notice.uid, notice.attendee, notice.partstat) == (
        UID,
        "dan@example.test",
        "NEEDS-ACTION",
    )
    assert notice.forwarded_by == "alice@example.test"
    assert mailbox.inbox_items() == []  # filed
    # Forwarded to Dan again (by Bob), and the inbox synced afresh: still one notice.
    mailbox.forward_notification(UID, "bob@example.test", ["dan@example.test"])
    box.book.set_sync_state("inbox", None)
    assert box.fetch() == []
    assert cal.responses(None) == [notice]
    # The daemon's next update keeps Dan on the item: Exchange sends him no cancellation.
    cal.upsert_meeting(snapshot(hour=3), "k2")
    item = mailbox.find_calendar_item(UID)
    assert "dan@example.test" in [a.address.email for a in item.optional_attendees]
    # Dan's own answer later is an answer like any attendee's.
    mailbox.respond(UID, "dan@example.test", "Accept")
    box.fetch()
    answers = cal.responses(None)
    assert [(a.attendee, a.partstat, a.forwarded_by) for a in answers][1:] == [
        ("dan@example.test", "ACCEPTED", None)
    ]


def test_a_forward_notification_about_a_meeting_not_ours_is_mail(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    from tests.transports.fake_ews import CalendarItem

    box, cal = parts
    start = dt.datetime(2026, 12, 8, 2, tzinfo=dt.UTC)
    other = CalendarItem(subject="someone else's", start=start, end=start, is_meeting=True)
    ews_server.mailbox.add(other, "calendar")
    ews_server.mailbox.forward_notification(other.id, "alice@example.test", ["dan@example.test"])
    [mail] = box.fetch()
    assert b"Meeting Forward Notification" in mail.raw
    assert cal.responses(None) == []


def test_an_item_written_before_attendees_were_remembered_names_everyone_but_the_forwarder(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    box.book.state.put(f"written:{UID}", None)  # as an older meetingd left it
    ews_server.mailbox.forward_notification(UID, "alice@example.test", ["dan@example.test"])
    box.fetch()
    # The rules tell the invited (bob) from the new (dan): they ignore a notice on bob.
    notices = cal.responses(None)
    assert [(n.attendee, n.forwarded_by) for n in notices] == [
        ("bob@example.test", "alice@example.test"),
        ("dan@example.test", "alice@example.test"),
    ]
