"""The iMIP calendar (iTIP over any mail sink) against the calendar contract, over real sinks:
the Maildir outbox and SMTP (aiosmtpd into Dovecot) with and without a Sent copy. Its
SEQUENCE is kept in the daemon's SQLite transport state.

What attendees see is read back from the delivered mails: every ``text/calendar`` part is
parsed with icalendar, and the last one carrying a UID is how their calendars show it.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Iterator
from email.utils import getaddresses
from pathlib import Path

import icalendar
import pytest
from sqlite_utils import Database

from daemon.store.transport_state import TransportState
from daemon.transports.base import MailSink, load_factory
from daemon.transports.calendar import Calendar
from daemon.transports.imip import ImipCalendar
from tests.transports.contracts import (
    CalendarContract,
    CalendarKit,
    Fault,
    SeenMeeting,
    SinkKit,
    meeting_snapshot,
)
from tests.transports.servers import Dovecot, SmtpServer
from tests.transports.test_maildir import MaildirKit
from tests.transports.test_smtp import SmtpKit


def calendar_objects(raw: bytes) -> list[icalendar.Calendar]:
    """Every ``text/calendar`` part of mail ``raw``, parsed."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = []
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            out.append(icalendar.Calendar.from_ical(payload))
    return out


def _address(value: object) -> str:
    return str(value).removeprefix("mailto:").removeprefix("MAILTO:").lower()


def events(delivered: list[bytes], uid: str) -> list[tuple[str, icalendar.cal.Component]]:
    """``(METHOD, VEVENT)`` of every calendar object about ``uid``, in delivery order."""
    found = []
    for raw in delivered:
        for cal in calendar_objects(raw):
            for event in cal.walk("VEVENT"):
                if str(event["UID"]) == uid:
                    found.append((str(cal["METHOD"]), event))
    return found


class ImipKit(CalendarKit):
    """:class:`ImipCalendar` over the sink of ``sinks``, its state in the daemon's database."""

    def __init__(self, sinks: SinkKit, db: Database) -> None:
        super().__init__()
        self.sinks, self.db = sinks, db

    def open_calendar(self) -> Calendar:
        sink: MailSink = self.sinks.sink()
        state = TransportState(lambda: self.db, "imip")
        made = load_factory("imip", "calendar")({}, None, sink, state)
        assert isinstance(made, ImipCalendar)
        return made

    def seen(self, uid: str) -> SeenMeeting | None:
        """As an attendee's calendar shows ``uid`` after every mail carrying it."""
        found = events(self.sinks.delivered(), uid)
        if not found:
            return None
        # A calendar client keeps the highest SEQUENCE (RFC 5546 §2.1.5); the later mail wins a tie.
        ranked = sorted(enumerate(found), key=lambda f: (f[1][1].decoded("SEQUENCE"), f[0]))
        method, event = ranked[-1][1]
        attendees = event.get("ATTENDEE", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        cancelled = method == "CANCEL" or str(event.get("STATUS")) == "CANCELLED"
        return SeenMeeting(
            "cancelled" if cancelled else "scheduled",
            str(event["SUMMARY"]),
            event.decoded("DTSTART").astimezone(dt.UTC),
            event.decoded("DTEND").astimezone(dt.UTC),
            frozenset(_address(a) for a in attendees),
        )

    def changes(self, uid: str) -> int:
        return len(events(self.sinks.delivered(), uid))

    def told(self, uid: str) -> frozenset[str]:
        raw = [r for r in self.sinks.delivered() if events([r], uid)][-1]
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        fields = [str(v) for name in ("To", "Cc") for v in msg.get_all(name, [])]
        return frozenset(address.lower() for _name, address in getaddresses(fields))

    def arm_fault(self, fault: Fault) -> None:
        self.sinks.arm_fault(fault)

    def close(self) -> None:
        super().close()
        self.sinks.close()


class TestImipOverMaildir(CalendarContract):
    calendar_faults = frozenset()  # Maildir has none

    @pytest.fixture
    def calendar_kit(self, tmp_path: Path, db: Database) -> Iterator[CalendarKit]:
        yield ImipKit(MaildirKit(tmp_path / "var"), db)


class TestImipOverSmtpWithSentCopy(CalendarContract):
    @pytest.fixture
    def calendar_kit(
        self,
        smtp_server: SmtpServer,
        dovecot: Dovecot,
        mail_user: str,
        tmp_path: Path,
        db: Database,
    ) -> Iterator[CalendarKit]:
        yield ImipKit(SmtpKit(smtp_server, dovecot, "sent-" + mail_user, tmp_path), db)


class TestImipOverSmtpWithoutSentCopy(CalendarContract):
    find_applied_reliable = False  # the sink cannot tell whether the mail went out

    @pytest.fixture
    def calendar_kit(
        self, smtp_server: SmtpServer, dovecot: Dovecot, tmp_path: Path, db: Database
    ) -> Iterator[CalendarKit]:
        yield ImipKit(SmtpKit(smtp_server, dovecot, None, tmp_path), db)


def test_a_retry_after_a_failure_sends_the_same_sequence(
    smtp_server: SmtpServer, dovecot: Dovecot, mail_user: str, tmp_path: Path, db: Database
) -> None:
    """SEQUENCE is chosen once per intent: the retry after a 4xx carries the one chosen
    before, and the update after it the next one (RFC 5545 §3.8.7.4)."""
    kit = ImipKit(SmtpKit(smtp_server, dovecot, "sent-" + mail_user, tmp_path), db)
    try:
        first = meeting_snapshot("seq")
        kit.calendar().upsert_meeting(first, "k1")
        update = meeting_snapshot("seq", 2, start_utc=first.start_utc + dt.timedelta(hours=1))
        kit.arm_fault("transient")
        with pytest.raises(Exception, match="451"):
            kit.calendar().upsert_meeting(update, "k2")
        kit.calendar().upsert_meeting(update, "k2")
        cancel = meeting_snapshot("seq", 3, action="cancel")
        kit.calendar().cancel_meeting(cancel.uid, "k3", cancel)
        sent = events(kit.sinks.delivered(), first.uid)
        assert [(m, e.decoded("SEQUENCE")) for m, e in sent] == [
            ("REQUEST", 0),
            ("REQUEST", 1),
            ("CANCEL", 2),
        ]
    finally:
        kit.close()
