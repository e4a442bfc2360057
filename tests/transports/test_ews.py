"""The EWS transport (source, sink and calendar) against the contract suites, over the
fake Exchange 2016 endpoint (``tests/transports/fake_ews``) with real exchangelib.

Faults are the fake's: throttling beyond ``max_wait`` (ErrorServerBusy with a long
BackOffMilliseconds) for ``transient``; HTTP 401 for a source's ``permanent``, an error
response (``ErrorInvalidRecipients``) for a sink's or calendar's. The EWS-only behaviour
(meeting responses, 503, dropped connections, the demo) is in ``test_ews_*.py``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlite_utils import Database

from daemon.store.transport_state import TransportState
from daemon.transports.base import MailSink, MailSource, load_factory
from daemon.transports.calendar import Calendar
from daemon.transports.ews import account
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
from tests.transports.ews_parts import PASSWORD_ENV, ews_settings
from tests.transports.fake_ews import CalendarItem, FakeEwsServer, Mailbox
from tests.transports.fake_ews import Fault as ServerFault
from tests.transports.fake_ews.fixture import running

_RESPONSE = {"ACCEPTED": "Accept", "DECLINED": "Decline", "TENTATIVE": "Tentative"}
_REFUSED = "ErrorInvalidRecipients"


def _throttled() -> ServerFault:
    return ServerFault.server_busy(back_off_ms=60_000)  # far beyond max_wait


class EwsKit(SourceKit, SinkKit):
    """The daemon's Exchange mailbox on the fake; every instance shares it and the state."""

    def __init__(self, server: FakeEwsServer, db: Database, var_dir: Path) -> None:
        super().__init__()
        self.server = server
        self.var_dir = var_dir
        self.settings: dict[str, Any] = ews_settings(server)
        self.state = TransportState(lambda: db, "ews")

    def _open(self, role: str, settings: dict[str, Any] | None = None) -> Any:
        return load_factory("ews", role)(settings or self.settings, self.var_dir, self.state)

    def open_source(self) -> MailSource:
        made = self._open("source")
        assert isinstance(made, MailSource)
        return made

    def open_sink(self) -> MailSink:
        made = self._open("sink")
        assert isinstance(made, MailSink)
        return made

    def inject(self, raw: bytes) -> None:
        self.server.mailbox.deliver_mime("inbox", raw)

    def processed(self) -> list[bytes]:
        mailbox = self.server.mailbox
        if not any(f.name == "meetingd processed" for f in mailbox.folders.values()):
            return []  # nothing acknowledged yet: the folder is made on the first ack
        return [i.mime or b"" for i in mailbox.items_in("meetingd processed")]

    def failing_source(self, fault: Fault) -> MailSource:
        self.server.inject(
            "*", _throttled() if fault == "transient" else ServerFault.unauthorized()
        )
        return self.open_source()

    def delivered(self) -> list[bytes]:
        return [t.mime or b"" for t in self.server.mailbox.transmissions if t.kind == "message"]

    def arm_fault(self, fault: Fault) -> None:
        self.server.inject("CreateItem", _throttled() if fault == "transient" else _REFUSED)

    def unreachable_sink(self) -> MailSink:
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        endpoint = f"http://127.0.0.1:{port}/EWS/Exchange.asmx"
        made = self._open("sink", {**self.settings, "endpoint": endpoint})
        assert isinstance(made, MailSink)
        return made


class EwsCalendarKit(CalendarKit):
    """The daemon's calendar on the fake: the items Exchange keeps and what it sent."""

    def __init__(self, server: FakeEwsServer, db: Database, var_dir: Path) -> None:
        super().__init__()
        self.server = server
        self.var_dir = var_dir
        self.settings = ews_settings(server)
        self.state = TransportState(lambda: db, "ews")

    def open_calendar(self) -> Calendar:
        made = load_factory("ews", "calendar")(self.settings, self.var_dir, None, self.state)
        assert isinstance(made, Calendar)
        return made

    def _item(self, uid: str) -> CalendarItem | None:
        for folder in ("calendar", "deleteditems"):
            for item in self.server.mailbox.items_in(folder):
                if isinstance(item, CalendarItem) and item.uid == uid:
                    return item
        return None

    def seen(self, uid: str) -> SeenMeeting | None:
        item = self._item(uid)
        if item is None:
            return None
        return SeenMeeting(
            "cancelled" if item.is_cancelled else "scheduled",
            item.subject.removeprefix("Canceled: "),  # Exchange's prefix on a cancelled item
            item.start,
            item.end,
            frozenset(a.address.email.lower() for a in item.attendees),
        )

    def _sent(self, uid: str) -> list[Any]:
        item = self._item(uid)
        if item is None:
            return []
        summary = item.subject.removeprefix("Canceled: ")
        return [
            t
            for t in self.server.mailbox.transmissions
            if t.kind.startswith("meeting_") and t.subject.removeprefix("Canceled: ") == summary
        ]

    def changes(self, uid: str) -> int:
        return len(self._sent(uid))

    def told(self, uid: str) -> frozenset[str]:
        return frozenset(a.lower() for a in self._sent(uid)[-1].recipients)

    def arm_fault(self, fault: Fault) -> None:
        self.server.inject("CreateItem", _throttled() if fault == "transient" else _REFUSED)

    def answer(self, uid: str, attendee: str, partstat: str) -> None:
        self.server.mailbox.respond(uid, attendee, _RESPONSE[partstat])  # type: ignore[arg-type]


@pytest.fixture
def contract_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEwsServer]:
    """A fake EWS server whose mailbox is the contract suites' organizer."""
    with running(FakeEwsServer(Mailbox(ORGANIZER, "会议助手"))) as server:
        monkeypatch.setenv(PASSWORD_ENV, server.password)
        monkeypatch.setattr(account, "_CONNECTIONS", {})
        yield server


@pytest.fixture
def ews_kit(contract_server: FakeEwsServer, db: Database, tmp_path: Path) -> EwsKit:
    return EwsKit(contract_server, db, tmp_path)


class TestEwsSource(MailSourceContract):
    supports_wait = True  # wait syncs every poll_seconds

    @pytest.fixture
    def source_kit(self, ews_kit: EwsKit) -> SourceKit:
        return ews_kit


class TestEwsSink(MailSinkContract):
    send_dedupes = True  # Sent Items is searched for the Message-ID before sending

    @pytest.fixture
    def sink_kit(self, ews_kit: EwsKit) -> SinkKit:
        return ews_kit


class TestEwsCalendar(CalendarContract):
    calendar_records_responses: ClassVar[bool] = True
    # Exchange tells only the attendees an update adds (SendToChangedAndSaveCopy): a
    # delegate's invitation reaches only the delegate, because the delegate is new. It
    # cannot tell an attendee already invited alone (test_ews_transport checks the first).
    tells_only_notify: ClassVar[bool] = False

    @pytest.fixture
    def calendar_kit(
        self, contract_server: FakeEwsServer, db: Database, tmp_path: Path
    ) -> Iterator[CalendarKit]:
        yield EwsCalendarKit(contract_server, db, tmp_path)

    def test_responses_without_a_backend_that_records_them(
        self, calendar_kit: CalendarKit, token: str
    ) -> None:
        """Exchange records answers, but none before anyone answers: an attendee whose
        status is Unknown (the chair too, whatever the snapshot says) is no answer."""
        cal, snap = calendar_kit.calendar(), meeting_snapshot(token)
        cal.upsert_meeting(snap, f"k1.{token}")
        cal.upsert_meeting(meeting_snapshot(token, 2), f"k2.{token}")
        assert [r for r in cal.responses(None) if r.uid == snap.uid] == []
