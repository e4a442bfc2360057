"""The Graph transport against the contract suites: source, sink and calendar, over the
local fake Graph + Entra ID endpoint (real msal and httpx over TLS, the daemon's SQLite
transport state). What attendees see is read back from the fake's mailbox and calendar;
whom Exchange told, from the notifications it recorded. Graph-only behaviour (delta,
throttling, answers) is in ``test_graph_mail.py`` and ``test_graph_calendar.py``."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from daemon.transports.base import MailSink, MailSource, load_factory
from daemon.transports.calendar import Calendar
from tests.transports.contracts import (
    ORGANIZER,
    CalendarContract,
    CalendarKit,
    Fault,
    MailSinkContract,
    MailSourceContract,
    SeenMeeting,
    SinkKit,
    SourceKit,
    meeting_snapshot,
)
from tests.transports.fake_graph.server import GraphServer
from tests.transports.fake_graph.state import RESPONSES
from tests.transports.graph_setup import fake_graph, graph_settings, state, var
from tests.transports.servers import free_port

#: iCalendar PARTSTAT -> the answer an attendee gives in Outlook.
ANSWERS = {partstat: response for response, (_t, _s, partstat) in RESPONSES.items()}


class GraphParts:
    """What the three kits share: the fake, the daemon's state, the settings."""

    def __init__(self, server: GraphServer, db: Database, tmp: Path) -> None:
        self.server, self.db, self.var = server, db, var(tmp)

    def settings(self, **extra: Any) -> dict[str, Any]:
        return graph_settings(self.server, mailbox=ORGANIZER, **extra)

    def open(self, role: str, **extra: Any) -> Any:
        factory = load_factory("graph", role)
        if role == "calendar":
            return factory(self.settings(**extra), self.var, None, state(self.db))
        return factory(self.settings(**extra), self.var, state=state(self.db))

    def unreachable(self, role: str) -> Any:
        """Graph at a loopback port nobody listens on (the sign-in still works)."""
        return self.open(role, graph_url=f"https://127.0.0.1:{free_port()}/v1.0", retries=2)


@pytest.fixture
def parts(db: Database, tmp_path: Path) -> Iterator[GraphParts]:
    with fake_graph(ORGANIZER) as server:
        yield GraphParts(server, db, tmp_path)


class GraphSourceKit(SourceKit):
    def __init__(self, parts: GraphParts) -> None:
        super().__init__()
        self.parts = parts

    def open_source(self) -> MailSource:
        made: MailSource = self.parts.open("source")
        return made

    def inject(self, raw: bytes) -> None:
        self.parts.server.state.deliver_mime(raw)

    def processed(self) -> list[bytes]:
        box = self.parts.server.state.mailbox()
        folders = [f for f in box.folders.values() if f.display_name == "meetingd processed"]
        return [m.mime for f in folders for m in box.in_folder(f.id)]

    def failing_source(self, fault: Fault) -> MailSource:
        if fault == "transient":
            made: MailSource = self.parts.unreachable("source")
            return made
        self.parts.server.state.allowed_mailboxes = {"nobody@example.test"}  # policy blocks
        refused: MailSource = self.parts.open("source")
        original = refused.fetch

        def fetch_then_unblock(limit: int = 100) -> Any:
            try:
                return original(limit)
            finally:
                self.parts.server.state.allowed_mailboxes = None

        refused.fetch = fetch_then_unblock  # type: ignore[method-assign]
        return refused


class GraphSinkKit(SinkKit):
    def __init__(self, parts: GraphParts) -> None:
        super().__init__()
        self.parts = parts

    def open_sink(self) -> MailSink:
        made: MailSink = self.parts.open("sink")
        return made

    def delivered(self) -> list[bytes]:
        return [s.mime for s in self.parts.server.state.sent]

    def arm_fault(self, fault: Fault) -> None:
        pattern = "POST /v1.0/users/*/sendMail"
        if fault == "transient":  # throttled on every try the sink makes
            self.parts.server.inject(pattern, "503", times=6)
        else:
            self.parts.server.inject(pattern, "403")

    def unreachable_sink(self) -> MailSink:
        made: MailSink = self.parts.unreachable("sink")
        return made


class GraphCalendarKit(CalendarKit):
    def __init__(self, parts: GraphParts) -> None:
        super().__init__()
        self.parts = parts

    def open_calendar(self) -> Calendar:
        made: Calendar = self.parts.open("calendar")
        return made

    def _events(self, uid: str) -> list[Any]:
        box = self.parts.server.state.mailbox()
        return [e for e in box.events.values() if any(v == uid for _, v in e.extended.values())]

    def seen(self, uid: str) -> SeenMeeting | None:
        found = self._events(uid)
        if not found:
            return None
        assert len(found) == 1, f"{len(found)} events for {uid}"
        event = found[0]
        assert event.start.instant is not None and event.end.instant is not None
        return SeenMeeting(
            status="cancelled" if event.cancelled else "scheduled",
            summary=str(event.fields.get("subject", "")),
            start_utc=event.start.instant,
            end_utc=event.end.instant,
            attendees=frozenset(a["emailAddress"]["address"].lower() for a in event.attendees),
        )

    def _told(self, uid: str) -> list[Any]:
        ids = {e.id for e in self._events(uid)}
        return [n for n in self.parts.server.state.notifications if n.event_id in ids]

    def changes(self, uid: str) -> int:
        return len(self._told(uid))

    def told(self, uid: str) -> frozenset[str]:
        told = self._told(uid)
        return frozenset(told[-1].recipients) if told else frozenset()

    def arm_fault(self, fault: Fault) -> None:
        pattern = "POST /v1.0/users/*/events"
        if fault == "transient":
            self.parts.server.inject(pattern, "503", times=6)
        else:
            self.parts.server.inject(pattern, "403")

    def answer(self, uid: str, attendee: str, partstat: str) -> None:
        time.sleep(1.05)  # Graph's status times are whole seconds
        self.parts.server.state.respond(uid, attendee, ANSWERS[partstat])  # type: ignore[arg-type]


class TestGraphSource(MailSourceContract):
    @pytest.fixture
    def source_kit(self, parts: GraphParts) -> GraphSourceKit:
        return GraphSourceKit(parts)


class TestGraphSink(MailSinkContract):
    send_dedupes = True  # Sent Items is asked before every send

    @pytest.fixture
    def sink_kit(self, parts: GraphParts) -> GraphSinkKit:
        return GraphSinkKit(parts)


class TestGraphCalendar(CalendarContract):
    calendar_records_responses = True

    @pytest.fixture
    def calendar_kit(self, parts: GraphParts) -> GraphCalendarKit:
        return GraphCalendarKit(parts)

    def test_responses_without_a_backend_that_records_them(
        self, calendar_kit: CalendarKit, token: str
    ) -> None:
        """Graph records answers (``test_responses_since``), so this check of the contract
        becomes its other half: before anybody answered, there are none."""
        cal = calendar_kit.calendar()
        cal.upsert_meeting(meeting_snapshot(token), f"k1.{token}")
        assert cal.responses(None) == []
        assert cal.responses(dt.datetime(2020, 1, 1, tzinfo=dt.UTC)) == []
