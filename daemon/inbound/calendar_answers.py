"""The answers a calendar backend recorded itself (Exchange, Graph), read as inbound mail.

:class:`CalendarAnswers` is a :class:`~daemon.transports.base.MailSource` over
:meth:`Calendar.responses <daemon.transports.calendar.Calendar.responses>`: each answer
becomes the iTIP REPLY (or COUNTER) its attendee's client would have sent, under the source
key ``calendar:<key>``, and goes through the same pipeline as every mail (stored before it is
acknowledged, processed once, quarantined with a reason). The backend vouches for who
answered, so the rules do not ask the receiving server's verdict about it
(``Incoming.vouched``). With iMIP the backend records nothing: answers arrive as mail.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import logging
from email.message import EmailMessage
from typing import Any, Protocol

from daemon.outbound.invites import build_reply
from daemon.transports.base import FetchedMessage
from daemon.transports.calendar import Calendar, CalendarResponse

log = logging.getLogger(__name__)

PREFIX = "calendar:"
#: Answers are asked for again from this long before the last one taken: two answers with
#: the same time are never skipped; one taken twice is stored once (its source key).
OVERLAP = dt.timedelta(minutes=5)


class State(Protocol):
    """Where the last answer's time is kept (``daemon.store.transport_state``)."""

    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...


def vouched(source_key: str) -> bool:
    """True for a message that came from the calendar backend, not from the mailbox."""
    return source_key.startswith(PREFIX)


class CalendarAnswers:
    """The calendar's recorded answers as a mail source.

    Args:
        calendar: the configured calendar.
        state: keeps ``since``, the time (UTC, ISO 8601) of the last answer acknowledged.
        organizer: the daemon's mailbox (the REPLY's recipient).
    """

    def __init__(self, calendar: Calendar, state: State, organizer: str) -> None:
        self.calendar = calendar
        self.state = state
        self.organizer = organizer
        self._seen: dict[str, dt.datetime] = {}

    def fetch(self, limit: int = 100) -> list[FetchedMessage]:
        """Up to ``limit`` answers since the last one acknowledged (less :data:`OVERLAP`).

        Raises:
            TransientError, PermanentError: from the calendar.
        """
        since_text = self.state.get("since")
        since = dt.datetime.fromisoformat(since_text) - OVERLAP if since_text else None
        out = []
        for response in self.calendar.responses(since)[:limit]:
            key = PREFIX + response.key
            self._seen[key] = response.received_utc
            out.append(FetchedMessage(key, answer_mail(response, self.organizer)))
        return out

    def ack(self, source_key: str) -> None:
        """Move the watermark past this answer."""
        received = self._seen.pop(source_key, None)
        if received is None:
            return
        since_text = self.state.get("since")
        if since_text is None or received > dt.datetime.fromisoformat(since_text):
            self.state.put("since", received.isoformat())

    def wait(self, timeout: float) -> bool:
        """Never blocks: the runner waits on the mail source."""
        return False

    def close(self) -> None:
        """Nothing to release (the calendar is closed by its owner)."""


def answer_mail(response: CalendarResponse, organizer: str) -> bytes:
    """The RFC 5322 message carrying ``response`` as iMIP (RFC 6047): From the attendee,
    To the organizer, with the comment as text and the REPLY/COUNTER as ``text/calendar``.
    A forward notice (``forwarded_by`` set) is From the forwarder, who gave it."""
    msg = EmailMessage()
    msg["From"] = response.forwarded_by or response.attendee
    msg["To"] = organizer
    what = "Forwarded" if response.forwarded_by else response.partstat.title()
    msg["Subject"] = f"{what}: calendar answer"
    msg["Date"] = email.utils.format_datetime(response.received_utc.astimezone(dt.UTC))
    msg["Message-ID"] = f"<calendar.{_atom(response.key)}@meetingd.invalid>"
    msg.set_content(response.comment or "", subtype="plain", charset="utf-8")
    method = "COUNTER" if response.proposed_start is not None else "REPLY"
    msg.add_alternative(
        build_reply(response, organizer),
        maintype="text",
        subtype="calendar",
        params={"method": method, "charset": "UTF-8"},
    )
    return msg.as_bytes(policy=email.policy.SMTP)


def _atom(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in text)[:120]
