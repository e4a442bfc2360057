"""In-memory mail source, sink and calendar for tests (same contracts as every transport).

:meth:`MemoryTransport.deliver` drops raw bytes into the inbox; :attr:`MemoryTransport.sent`
lists every :class:`OutgoingMail` delivered. To rehearse failures, put exceptions into
:attr:`send_errors` / :attr:`ack_errors` / :attr:`fetch_errors`: each call pops the first one
and raises it (e.g. ``TransientError("421")``) before doing anything.

:class:`MemoryCalendar` keeps the meetings it was given (:attr:`MemoryCalendar.meetings`,
by UID) and the intents applied; :meth:`MemoryCalendar.answer` records an attendee's answer
as a backend that tracks responses itself would (Exchange, Graph); ``errors`` works as above.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from pathlib import Path
from typing import Any

from daemon import clock
from daemon.transports.base import FetchedMessage, OutgoingMail
from daemon.transports.calendar import CalendarResponse, MeetingSnapshot

log = logging.getLogger(__name__)


class MemoryTransport:
    """A :class:`~daemon.transports.base.MailSource` and ``MailSink`` held in memory.

    Attributes:
        inbox: ``source_key -> raw`` of messages not yet acknowledged, in arrival order.
        processed: ``source_key -> raw`` of acknowledged messages (never deleted).
        sent: every delivered mail, in order (sending one Message-ID twice keeps one).
    """

    def __init__(self) -> None:
        self.inbox: dict[str, bytes] = {}
        self.processed: dict[str, bytes] = {}
        self.sent: list[OutgoingMail] = []
        self.send_errors: list[Exception] = []
        self.ack_errors: list[Exception] = []
        self.fetch_errors: list[Exception] = []
        self.closed = False
        self._keys = itertools.count(1)

    def deliver(self, raw: bytes, key: str | None = None) -> str:
        """Put a message into the inbox; return its source key (``m<n>`` unless given)."""
        key = key or f"m{next(self._keys)}"
        self.inbox[key] = raw
        return key

    def fetch(self, limit: int = 100) -> list[FetchedMessage]:
        """Up to ``limit`` unacknowledged messages, oldest first."""
        if self.fetch_errors:
            raise self.fetch_errors.pop(0)
        return [FetchedMessage(k, raw) for k, raw in list(self.inbox.items())[:limit]]

    def ack(self, source_key: str) -> None:
        """Move the message to :attr:`processed`; a no-op for an unknown or acked key."""
        if self.ack_errors:
            raise self.ack_errors.pop(0)
        raw = self.inbox.pop(source_key, None)
        if raw is not None:
            self.processed[source_key] = raw

    def wait(self, timeout: float) -> bool:
        """True at once if the inbox holds mail, else sleep ``timeout`` seconds and say True."""
        if not self.inbox and timeout > 0:
            time.sleep(timeout)
        return True

    def send(self, mail: OutgoingMail) -> None:
        """Record ``mail`` in :attr:`sent` (once per Message-ID)."""
        if self.send_errors:
            raise self.send_errors.pop(0)
        if self.find_sent(mail.message_id):
            log.info("memory sink: %s already sent, not duplicated", mail.message_id)
            return
        self.sent.append(mail)

    def find_sent(self, message_id: str) -> bool | None:
        """True if a mail with this Message-ID is in :attr:`sent`, else False (never None)."""
        return any(m.message_id == message_id for m in self.sent)

    def close(self) -> None:
        self.closed = True


class MemoryCalendar:
    """A :class:`~daemon.transports.calendar.Calendar` held in memory.

    Attributes:
        meetings: UID → the last snapshot applied (a cancelled one keeps ``action="cancel"``).
        applied: idempotency key → ``(action, uid)``, in the order applied.
        told: idempotency key → the addresses told (``notify``, or every attendee).
        errors: exceptions to raise, first one first, one per call of upsert or cancel.
    """

    def __init__(self) -> None:
        self.meetings: dict[str, MeetingSnapshot] = {}
        self.applied: dict[str, tuple[str, str]] = {}
        self.told: dict[str, tuple[str, ...]] = {}
        self.errors: list[Exception] = []
        self._responses: list[CalendarResponse] = []

    def upsert_meeting(self, snapshot: MeetingSnapshot, idem_key: str) -> str:
        """Keep ``snapshot`` (once per key); return its UID."""
        self._apply(snapshot, idem_key)
        return snapshot.uid

    def cancel_meeting(self, ref: str, idem_key: str, snapshot: MeetingSnapshot) -> None:
        """Mark meeting ``ref`` cancelled (once per key)."""
        self._apply(snapshot, idem_key)

    def _apply(self, snapshot: MeetingSnapshot, idem_key: str) -> None:
        if self.errors:
            raise self.errors.pop(0)
        if idem_key in self.applied:
            log.info("memory calendar: %s applied already", idem_key)
            return
        self.meetings[snapshot.uid] = snapshot
        self.applied[idem_key] = (snapshot.action, snapshot.uid)
        everyone = tuple(a.address for a in snapshot.attendees)
        self.told[idem_key] = snapshot.notify if snapshot.notify is not None else everyone

    def answer(
        self,
        uid: str,
        attendee: str,
        partstat: str,
        comment: str | None = None,
        proposed: tuple[dt.datetime, dt.datetime] | None = None,
    ) -> CalendarResponse:
        """Record an attendee's answer, as the backend would; :meth:`responses` returns it."""
        response = CalendarResponse(
            uid=uid,
            attendee=attendee.lower(),
            partstat=partstat,
            key=f"memory-{len(self._responses) + 1}",
            received_utc=clock.now(),
            comment=comment,
            proposed_start=proposed[0] if proposed else None,
            proposed_end=proposed[1] if proposed else None,
        )
        self._responses.append(response)
        return response

    def responses(self, since: dt.datetime | None) -> list[CalendarResponse]:
        """The answers recorded after ``since`` (all for None), oldest first."""
        return [r for r in self._responses if since is None or r.received_utc > since]

    def find_applied(self, idem_key: str) -> bool | None:
        """True if the intent with this key was applied, else False (never None)."""
        return idem_key in self.applied

    def close(self) -> None:
        """Nothing to release."""


_NAMED: dict[str, MemoryTransport] = {}
_CALENDARS: dict[str, MemoryCalendar] = {}


def create(settings: dict[str, Any], var_dir: Path) -> MemoryTransport:
    """Registry factory: a fresh :class:`MemoryTransport` (``var_dir`` unused).

    With ``settings["name"]`` set, every call with that name returns the same instance, so a
    configured memory source and memory sink share one mailbox.
    """
    name = settings.get("name")
    if name is None:
        return MemoryTransport()
    return _NAMED.setdefault(str(name), MemoryTransport())


def create_calendar(
    settings: dict[str, Any], var_dir: Path, sink: Any, state: Any
) -> MemoryCalendar:
    """Registry factory: a :class:`MemoryCalendar`; one per ``settings["name"]`` if given."""
    name = settings.get("name")
    if name is None:
        return MemoryCalendar()
    return _CALENDARS.setdefault(str(name), MemoryCalendar())


# The keys of [transport.memory] (read by create): name -> (type, required, default, comment).
# daemon.config validates the table with it and prints it in the example.
SETTINGS: dict[str, tuple[str | tuple[str, ...], bool, Any, str]] = {
    "name": ("str", False, None, "Source and sink with one name share one mailbox (tests)."),
}
