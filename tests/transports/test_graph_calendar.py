"""The Graph calendar against the fake Graph: events with attendees and extended
properties, updates that tell only whom they concern, cancellation, settling after a crash,
answers taken once from the event status and the eventMessageResponse items, faults."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest
from sqlite_utils import Database

from daemon.errors import PermanentError, TransientError
from daemon.transports import graph
from daemon.transports.calendar import MeetingSnapshot, SnapshotAttendee
from daemon.transports.graph import GraphMail
from daemon.transports.graph.calendar import GraphCalendar
from daemon.transports.graph.events import PROP_IDEM, PROP_REF, PROP_UID
from tests.mails import read_mail
from tests.transports.fake_graph.fixture import graph_server
from tests.transports.fake_graph.server import GraphServer
from tests.transports.graph_setup import MAILBOX, graph_settings, state, var

__all__ = ["graph_server"]

START = dt.datetime(2026, 9, 16, 6, 0, tzinfo=dt.UTC)  # 14:00 in Shanghai
LI, HAN, ROOM, NEW = (
    "li.lei@example.test",
    "han.mei@example.test",
    "room1@contoso.test",
    "new.person@example.test",
)


def snapshot(**changes: object) -> MeetingSnapshot:
    base = MeetingSnapshot(
        uid="mtg-1-uid@meetingd.test",
        ref="MTG-1",
        action="upsert",
        summary="[MTG-1] 部门沟通协调会",
        start_utc=START,
        end_utc=START + dt.timedelta(hours=2),
        tz="Asia/Shanghai",
        organizer=MAILBOX,
        organizer_name="meetingd",
        attendees=(
            SnapshotAttendee(MAILBOX, "meetingd", "chair"),
            SnapshotAttendee(LI, "Li Lei", "required"),
            SnapshotAttendee(HAN, None, "optional"),
            SnapshotAttendee(ROOM, "Room 1", "resource"),
        ),
        location="Room 1",
        description="议程见邮件。",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def calendar(graph_server: GraphServer, db: Database, tmp_path: Path) -> Iterator[GraphCalendar]:
    part = graph.create_calendar(graph_settings(graph_server), var(tmp_path), None, state(db))
    yield part
    part.close()


@pytest.fixture
def mail(graph_server: GraphServer, db: Database, tmp_path: Path) -> Iterator[GraphMail]:
    part = graph.create(graph_settings(graph_server), var(tmp_path), state=state(db))
    yield part
    part.close()


def live_events(server: GraphServer) -> list[object]:
    return [e for e in server.state.mailbox().events.values() if not e.cancelled]


def told(server: GraphServer) -> list[tuple[str, tuple[str, ...]]]:
    return [(n.kind, n.recipients) for n in server.state.notifications]


def test_create_sends_attendees_times_and_properties(
    graph_server: GraphServer, calendar: GraphCalendar
) -> None:
    ref = calendar.upsert_meeting(snapshot(), "k1")

    [event] = graph_server.state.mailbox().events.values()
    assert event.id == ref
    assert [(a["type"], a["emailAddress"]["address"]) for a in event.attendees] == [
        ("required", LI),
        ("optional", HAN),
        ("resource", ROOM),
    ]
    assert event.start.instant == START and event.start.raw["timeZone"] == "Asia/Shanghai"
    assert event.start.raw["dateTime"].startswith("2026-09-16T14:00:00")
    assert {pid: v for pid, v in event.extended.values()} == {
        PROP_UID: "mtg-1-uid@meetingd.test",
        PROP_REF: "MTG-1",
        PROP_IDEM: "k1",
    }
    assert event.fields["subject"] == "[MTG-1] 部门沟通协调会"
    assert told(graph_server) == [("request", (LI, HAN, ROOM))]
    assert calendar.find_applied("k1") is True
    assert calendar.find_applied("k-never") is False


def test_the_same_intent_twice_changes_nothing(
    graph_server: GraphServer, calendar: GraphCalendar
) -> None:
    first = calendar.upsert_meeting(snapshot(), "k1")

    assert calendar.upsert_meeting(snapshot(), "k1") == first

    assert len(graph_server.state.mailbox().events) == 1
    assert len(graph_server.state.notifications) == 1


def test_an_attendee_only_update_tells_only_the_added_one(
    graph_server: GraphServer, calendar: GraphCalendar
) -> None:
    calendar.upsert_meeting(snapshot(), "k1")
    more = snapshot().attendees + (SnapshotAttendee(NEW, "New", "required"),)

    calendar.upsert_meeting(snapshot(attendees=more, notify=(NEW,)), "k2")

    assert told(graph_server)[1:] == [("request", (NEW,))]
    patches = [r for r in graph_server.requests if r.method == "PATCH"]
    assert len(patches) == 1


def test_a_new_time_tells_everyone(graph_server: GraphServer, calendar: GraphCalendar) -> None:
    calendar.upsert_meeting(snapshot(), "k1")
    later = START + dt.timedelta(days=1)

    calendar.upsert_meeting(snapshot(start_utc=later, end_utc=later + dt.timedelta(hours=2)), "k2")

    assert told(graph_server)[1:] == [("update", (LI, HAN, ROOM))]
    [event] = live_events(graph_server)
    assert event.start.instant == later  # type: ignore[attr-defined]


def test_cancel_tells_everyone_with_the_comment(
    graph_server: GraphServer, calendar: GraphCalendar
) -> None:
    calendar.upsert_meeting(snapshot(), "k1")

    calendar.cancel_meeting("MTG-1", "k-cancel", snapshot(action="cancel", description="取消了"))
    calendar.cancel_meeting("MTG-1", "k-cancel", snapshot(action="cancel"))

    cancels = [n for n in graph_server.state.notifications if n.kind == "cancel"]
    assert [(n.recipients, n.comment) for n in cancels] == [((LI, HAN, ROOM), "取消了")]
    assert live_events(graph_server) == []
    assert calendar.find_applied("k-cancel") is True


def test_a_create_whose_answer_was_lost_makes_one_event(
    graph_server: GraphServer, calendar: GraphCalendar
) -> None:
    graph_server.inject("POST /v1.0/users/*/events", "lost")

    calendar.upsert_meeting(snapshot(), "k1")

    assert len(graph_server.state.mailbox().events) == 1
    assert len(graph_server.state.notifications) == 1


def test_find_applied_settles_a_crash_from_graph(
    graph_server: GraphServer, db: Database, tmp_path: Path
) -> None:
    """The intent reached Graph but the daemon died before recording it: Graph's
    idempotency-key property says it was applied; an intent that never got there is not."""
    part = graph.create_calendar(graph_settings(graph_server), var(tmp_path), None, state(db))
    graph_server.inject("PATCH /v1.0/users/*/events/*", "lost", times=10)
    part.upsert_meeting(snapshot(), "k1")
    with pytest.raises(TransientError):  # applied, but no answer ever came: as a crash
        part.upsert_meeting(snapshot(location="Room 2"), "k2")
    graph_server.clear_faults()
    graph_server.inject("POST /v1.0/users/*/events/*/cancel", "drop", times=10)
    with pytest.raises(TransientError):  # never got there
        part.cancel_meeting("MTG-1", "k3", snapshot(action="cancel"))
    part.close()

    again = graph.create_calendar(graph_settings(graph_server), var(tmp_path), None, state(db))
    try:
        assert again.find_applied("k2") is True
        assert again.find_applied("k3") is False
    finally:
        again.close()


@pytest.mark.parametrize(
    ("fault", "times"), [("429", 2), ("503", 2), ("drop", 2), ("lost", 1), ("401", 1)]
)
def test_faults_on_every_call_apply_once(
    graph_server: GraphServer, calendar: GraphCalendar, fault: str, times: int
) -> None:
    """An expired token (401) is replaced; a token refused twice is permanent (see
    test_graph_mail)."""
    for step in range(3):
        graph_server.inject("/v1.0/*", fault, times=times)  # type: ignore[arg-type]
        if step == 0:
            calendar.upsert_meeting(snapshot(), "k1")
        elif step == 1:
            calendar.upsert_meeting(snapshot(location="Room 2"), "k2")
        else:
            calendar.cancel_meeting("MTG-1", "k3", snapshot(action="cancel"))

    assert [kind for kind, _ in told(graph_server)] == ["request", "update", "cancel"]
    assert len(graph_server.state.mailbox().events) == 1


def test_missing_calendar_permission_is_named(
    graph_server: GraphServer, calendar: GraphCalendar
) -> None:
    graph_server.tokens.config.roles = {"Mail.ReadWrite", "Mail.Send"}
    with pytest.raises(PermanentError, match="Calendars.ReadWrite"):
        calendar.upsert_meeting(snapshot(), "k1")


# -- answers ------------------------------------------------------------------------------


def test_an_answer_message_becomes_a_reply_once(
    graph_server: GraphServer, calendar: GraphCalendar, mail: GraphMail
) -> None:
    calendar.upsert_meeting(snapshot(), "k1")
    graph_server.state.respond("k1", LI, "accepted", comment="好的")

    [fetched] = mail.fetch()
    mail.ack(fetched.source_key)

    assert fetched.source_key.startswith("calendar:graph-message:")
    reply = read_mail(fetched.raw)
    [part] = [p for p in reply.walk() if p.get_content_type() == "text/calendar"]
    event = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    assert str(event["UID"]) == "mtg-1-uid@meetingd.test"
    assert str(event["ATTENDEE"]).lower() == f"mailto:{LI}"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert calendar.responses(None) == []  # the status says the same: not a second answer


def test_a_counter_proposal_keeps_its_time(
    graph_server: GraphServer, calendar: GraphCalendar, mail: GraphMail
) -> None:
    calendar.upsert_meeting(snapshot(), "k1")
    proposed = START + dt.timedelta(hours=3)
    graph_server.state.respond(
        "k1",
        HAN,
        "tentativelyAccepted",
        proposed_start=proposed,
        proposed_end=proposed + dt.timedelta(hours=2),
    )

    [fetched] = mail.fetch()

    reply = read_mail(fetched.raw)
    [part] = [p for p in reply.walk() if p.get_content_type() == "text/calendar"]
    cal = icalendar.Calendar.from_ical(part.get_content())
    assert str(cal["METHOD"]) == "COUNTER"
    assert cal.walk("VEVENT")[0].decoded("DTSTART") == proposed


def test_a_status_without_a_message_is_reported_once(
    graph_server: GraphServer, calendar: GraphCalendar, mail: GraphMail
) -> None:
    """The attendee answered without sending a response: only the event shows it."""
    calendar.upsert_meeting(snapshot(), "k1")
    graph_server.state.respond("k1", LI, "declined")
    with graph_server.state.lock:  # the response message never arrived
        box = graph_server.state.mailbox()
        for message in list(box.messages.values()):
            del box.messages[message.id]

    [answer] = calendar.responses(None)

    assert (answer.uid, answer.attendee, answer.partstat) == (
        "mtg-1-uid@meetingd.test",
        LI,
        "DECLINED",
    )
    assert calendar.responses(answer.received_utc) == []
    assert calendar.responses(None) == [answer]  # same key: the pipeline stores it once


def test_a_message_after_its_status_was_taken_is_not_a_second_answer(
    graph_server: GraphServer, calendar: GraphCalendar, mail: GraphMail
) -> None:
    calendar.upsert_meeting(snapshot(), "k1")
    graph_server.state.respond("k1", LI, "declined")
    assert len(calendar.responses(None)) == 1  # the calendar looked first, this time

    assert mail.fetch() == []

    assert graph_server.state.messages_in("inbox") == []  # moved, not lost


def test_notify_of_an_invited_attendee_forwards_the_request_once(
    graph_server: GraphServer, calendar: GraphCalendar, db: Database, tmp_path: Path
) -> None:
    calendar.upsert_meeting(snapshot(), "k1")
    [event] = live_events(graph_server)
    before = (event.start.instant, event.fields["subject"], len(event.attendees))  # type: ignore[attr-defined]
    graph_server.inject("PATCH /v1.0/users/*/events/*", "drop", times=6)  # the PATCH fails

    with pytest.raises(TransientError):
        calendar.upsert_meeting(snapshot(notify=(LI,), description="请代为出席"), "k2")
    again = graph.create_calendar(graph_settings(graph_server), var(tmp_path), None, state(db))
    try:
        again.upsert_meeting(snapshot(notify=(LI,), description="请代为出席"), "k2")
    finally:
        again.close()

    assert told(graph_server)[1:] == [("request", (LI,))]  # forwarded once, no update
    assert graph_server.state.notifications[-1].comment == "请代为出席"
    assert (event.start.instant, event.fields["subject"], len(event.attendees)) == before  # type: ignore[attr-defined]
