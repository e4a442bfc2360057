"""The calendar contract: what the daemon asks of whatever owns the meeting in people's
calendars (iMIP over any mail sink, Exchange, Microsoft 365).

The rules decide *that* a meeting is published, updated, handed to a proxy or cancelled; a
:class:`Calendar` decides *how*. Each intent arrives as a :class:`MeetingSnapshot` (the
meeting as it should now stand in the attendees' calendars) with an idempotency key: the
same key applied twice changes nothing the second time, and :meth:`Calendar.find_applied`
tells, after a crash, whether it was applied. Backends keep their own versioning: the
iCalendar SEQUENCE of iMIP (RFC 5546 §2.1.4), Exchange's change keys; the rules never see it.

A snapshot is plain data (JSON-ready: :meth:`MeetingSnapshot.to_json`) so that the outbox can
hold it until the backend is reached. Times are aware UTC ``datetime`` values; ``tz`` names
the company zone (IANA) that invites are written in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

AttendeeRole = Literal["chair", "required", "optional", "resource"]
Action = Literal["upsert", "cancel"]


@dataclass(frozen=True)
class SnapshotAttendee:
    """One attendee as a calendar shows it.

    ``partstat`` is the answer the daemon knows (RFC 5545 PARTSTAT: ``NEEDS-ACTION``,
    ``ACCEPTED``, ``DECLINED``, ``TENTATIVE``, ``DELEGATED``); ``delegated_to`` and
    ``delegated_from`` are addresses (RFC 5545 §3.2.4/§3.2.5).
    """

    address: str
    name: str | None = None
    role: AttendeeRole = "required"
    partstat: str = "NEEDS-ACTION"
    delegated_to: tuple[str, ...] = ()
    delegated_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeetingSnapshot:
    """A meeting as it should stand in the attendees' calendars, and the mail telling them.

    Attributes:
        uid: the daemon's stable id of the meeting (iCalendar UID; backends map it to theirs).
        ref: ``MTG-n``, for the backend's own lookups (an Exchange extended property).
        action: ``upsert`` (create or update) or ``cancel``.
        summary: the title as calendars show it (``[MTG-n] title``).
        start_utc, end_utc: aware UTC instants.
        tz: IANA name of the company zone.
        location: place or online link, or None.
        organizer, organizer_name: the daemon's mailbox.
        attendees: everyone the calendar object lists, in order.
        notify: addresses to tell this time; None means everyone listed (a delegate's
            invitation tells only the delegate).
        description: plain text shown with the event (the mail's text).
        part_of: when the attendees are told in several mails, one per language, the key
            shared by those parts (every part carries the same SEQUENCE); None otherwise.
        message_id, recipients, mail: the announcing mail (rendered at enqueue, RFC 5322
            bytes without a calendar part); a mail-based backend attaches the calendar
            object to it, a backend that sends its own invitations uses its text.
    """

    uid: str
    ref: str
    action: Action
    summary: str
    start_utc: dt.datetime
    end_utc: dt.datetime
    tz: str
    organizer: str
    organizer_name: str | None
    attendees: tuple[SnapshotAttendee, ...]
    location: str | None = None
    notify: tuple[str, ...] | None = None
    description: str = ""
    part_of: str | None = None
    message_id: str = ""
    recipients: tuple[str, ...] = ()
    mail: bytes = field(default=b"", repr=False)

    @property
    def to_some_only(self) -> bool:
        """True for a change meant for ``notify`` only that changes nothing but attendees
        (a delegate's invitation); a language's part of an intent (``part_of``) is a change
        for everyone."""
        return self.notify is not None and self.part_of is None

    def to_json(self) -> dict[str, Any]:
        """The snapshot as JSON-ready values (datetimes ISO 8601), without the mail: the
        outbox row that holds the snapshot holds the mail, its Message-ID and recipients."""
        data = asdict(self)
        for key in ("mail", "message_id", "recipients"):
            del data[key]
        data["start_utc"] = self.start_utc.isoformat()
        data["end_utc"] = self.end_utc.isoformat()
        return data

    @classmethod
    def from_json(
        cls,
        data: dict[str, Any],
        *,
        mail: bytes = b"",
        message_id: str = "",
        recipients: tuple[str, ...] = (),
    ) -> MeetingSnapshot:
        """The inverse of :meth:`to_json`, with the announcing mail put back."""
        values = dict(data)
        values["start_utc"] = dt.datetime.fromisoformat(values["start_utc"])
        values["end_utc"] = dt.datetime.fromisoformat(values["end_utc"])
        values.update(mail=mail, message_id=message_id, recipients=tuple(recipients))
        values["attendees"] = tuple(
            SnapshotAttendee(
                **{
                    **a,
                    "delegated_to": tuple(a["delegated_to"]),
                    "delegated_from": tuple(a["delegated_from"]),
                }
            )
            for a in values["attendees"]
        )
        if values.get("notify") is not None:
            values["notify"] = tuple(values["notify"])
        return cls(**values)


@dataclass(frozen=True)
class CalendarResponse:
    """An attendee's answer that the backend recorded itself (Exchange, Graph).

    ``partstat`` as in :class:`SnapshotAttendee`; ``proposed_start``/``proposed_end`` (aware
    UTC) for a counter-proposal; ``received_utc`` when the backend saw it; ``key`` is unique
    per answer (the daemon applies each once).

    With ``forwarded_by`` set it is no answer but a forward notice: the attendee
    ``forwarded_by`` forwarded the invitation to ``attendee``, who has not answered
    (``partstat`` ``NEEDS-ACTION``); the rules record ``attendee`` as uninvited.
    """

    uid: str
    attendee: str
    partstat: str
    key: str
    received_utc: dt.datetime
    comment: str | None = None
    proposed_start: dt.datetime | None = None
    proposed_end: dt.datetime | None = None
    forwarded_by: str | None = None


@runtime_checkable
class Calendar(Protocol):
    """Whatever keeps the meeting in people's calendars.

    Errors: raise ``daemon.errors.TransientError`` when the backend cannot be reached or
    asks to wait (the intent is retried with back-off), ``PermanentError`` when it refuses
    the intent for good (the intent fails, the operator sees it in ``meetingd outbox``).
    """

    def upsert_meeting(self, snapshot: MeetingSnapshot, idem_key: str) -> str:
        """Create the meeting or bring it up to ``snapshot``; tell ``snapshot.notify`` (or,
        where the backend can tell who changed, only the attendees whose part changed).

        Returns:
            The backend's reference of the meeting (for the log).
        """
        ...

    def cancel_meeting(self, ref: str, idem_key: str, snapshot: MeetingSnapshot) -> None:
        """Cancel meeting ``ref`` (the snapshot's ``uid``) and tell its attendees, with the
        snapshot's mail as the message."""
        ...

    def responses(self, since: dt.datetime | None) -> list[CalendarResponse]:
        """Answers the backend recorded itself since ``since`` (UTC; None: all it has), oldest
        first. A mail-based backend has none: answers arrive as mail."""
        ...

    def find_applied(self, idem_key: str) -> bool | None:
        """Was the intent with this key applied? True, False, or None when the backend
        cannot tell (as :meth:`daemon.transports.base.MailSink.find_sent`)."""
        ...

    def close(self) -> None: ...
