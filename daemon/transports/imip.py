"""The calendar over any mail sink: iTIP REQUEST/CANCEL sent as iMIP (RFC 5546, RFC 6047).

Each intent becomes its announcing mail with a ``text/calendar`` part added inside its
``multipart/alternative`` (RFC 6047 §2.4), sent through the configured mail sink. This
module owns the SEQUENCE (RFC 5545 §3.8.7.4), kept per UID in the transport state:

* the first REQUEST of a UID has SEQUENCE 0;
* a REQUEST to everyone after it raises SEQUENCE by one (an update);
* a REQUEST to some attendees only (a delegate's invitation, RFC 5546 §4.2.5) keeps it;
* a CANCEL raises it by one;
* the parts of one intent told in several mails, one per language (``part_of``), share
  one SEQUENCE, chosen as for a mail to everyone.

The SEQUENCE of an intent is chosen once and recorded with its Message-ID before the mail
is sent, so a retry after a failure or a crash sends the same object again, and
:meth:`ImipCalendar.find_applied` asks the sink whether that mail went out; an intent whose
mail the sink reports sent is not sent again. Answers come back as mail (iTIP REPLY/COUNTER),
read by the inbound parsers: :meth:`responses` has none.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol

from daemon import clock
from daemon.transports.base import MailSink, OutgoingMail
from daemon.transports.calendar import CalendarResponse, MeetingSnapshot

log = logging.getLogger(__name__)


class State(Protocol):
    """Where the calendar keeps its SEQUENCE numbers (``daemon.store.transport_state``)."""

    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...


class ImipCalendar:
    """:class:`~daemon.transports.calendar.Calendar` over ``sink``.

    Args:
        sink: the mail sink that carries the invitations.
        state: keys ``uid:<UID>`` (last SEQUENCE of the UID) and ``intent:<idem key>``
            (``{"sequence": n, "message_id": …}`` of an intent).
    """

    def __init__(self, sink: MailSink, state: State) -> None:
        self.sink = sink
        self.state = state

    def upsert_meeting(self, snapshot: MeetingSnapshot, idem_key: str) -> str:
        """Send the REQUEST of ``snapshot`` (see the module docstring for its SEQUENCE).

        Raises:
            TransientError, PermanentError: from the sink.
        """
        self._send(snapshot, idem_key, "REQUEST")
        return snapshot.uid

    def cancel_meeting(self, ref: str, idem_key: str, snapshot: MeetingSnapshot) -> None:
        """Send the CANCEL of meeting ``ref`` (``snapshot.uid``).

        Raises:
            TransientError, PermanentError: from the sink.
        """
        self._send(snapshot, idem_key, "CANCEL")

    def responses(self, since: dt.datetime | None) -> list[CalendarResponse]:
        """None: with iMIP, answers arrive as mail."""
        return []

    def find_applied(self, idem_key: str) -> bool | None:
        """False when the intent never got as far as its mail; else what the sink says
        about that mail (``find_sent``: True, False, or None when it cannot tell)."""
        record = self.state.get(f"intent:{idem_key}")
        if record is None:
            return False
        return self.sink.find_sent(str(record["message_id"]))

    def close(self) -> None:
        """Nothing to release (the sink is closed by its owner)."""

    def sequence_of(self, snapshot: MeetingSnapshot, idem_key: str) -> int:
        """The SEQUENCE of this intent: recorded already, or chosen now and recorded."""
        record = self.state.get(f"intent:{idem_key}")
        if record is not None:
            return int(record["sequence"])
        last = self.state.get(f"uid:{snapshot.uid}")
        shared = self.state.get(f"parts:{snapshot.part_of}") if snapshot.part_of else None
        if shared is not None:
            sequence = int(shared)  # another language's part of the same intent
        elif last is None:
            sequence = 0
        elif snapshot.action == "upsert" and snapshot.notify is not None and not snapshot.part_of:
            sequence = int(last)  # a delegate's invitation: the meeting did not change
        else:
            sequence = int(last) + 1
        self.state.put(
            f"intent:{idem_key}", {"sequence": sequence, "message_id": snapshot.message_id}
        )
        if snapshot.part_of:
            self.state.put(f"parts:{snapshot.part_of}", sequence)
        self.state.put(f"uid:{snapshot.uid}", max(sequence, int(last or 0)))
        return sequence

    def _send(self, snapshot: MeetingSnapshot, idem_key: str, method: str) -> None:
        """Send the intent's mail, unless the sink knows it went out already: applying a
        key twice changes nothing (over a sink that cannot tell, it is sent again)."""
        if self.state.get(f"intent:{idem_key}") is not None and self.find_applied(idem_key):
            log.info("imip: %s (%s) was sent already; not again", idem_key, snapshot.message_id)
            return
        sequence = self.sequence_of(snapshot, idem_key)
        from daemon.outbound import invites  # icalendar: 30 ms, only when a mail goes out

        ics = invites.build(snapshot, sequence=sequence, now_utc=clock.now())
        raw = with_calendar(snapshot.mail, ics, method)
        self.sink.send(OutgoingMail(snapshot.message_id, tuple(snapshot.recipients), raw))
        log.info(
            "imip: %s %s SEQUENCE %d to %s (%s)",
            method,
            snapshot.uid,
            sequence,
            ", ".join(snapshot.recipients),
            snapshot.message_id,
        )


def with_calendar(mail: bytes, ics: bytes, method: str) -> bytes:
    """``mail`` with the calendar part ``ics`` added to its ``multipart/alternative``
    (RFC 6047 §2.4; the part is appended last, after text and HTML).

    The mail's headers and other parts are written back byte for byte (read and written
    with ``compat32``, as :mod:`daemon.outbound.mime` wrote them): a header in UTF-8
    (RFC 6532, a non-ASCII address) stays UTF-8.
    """
    import email  # the email package costs 10 ms: imported when a calendar mail is built
    import email.policy
    from email.message import EmailMessage
    from email.parser import BytesParser

    from daemon.outbound import invites, mime

    part = invites.calendar_part(ics, method)
    kept = BytesParser(policy=mime.POLICY).parsebytes(mail)
    alternative = next(
        (p for p in kept.walk() if p.get_content_type() == "multipart/alternative"), None
    )
    if alternative is not None:
        alternative.attach(part)
        return kept.as_bytes(policy=mime.POLICY)
    msg = email.message_from_bytes(mail, policy=email.policy.SMTP)  # a single-part mail
    assert isinstance(msg, EmailMessage)
    msg.make_alternative()
    msg.attach(part)  # type: ignore[arg-type]
    return msg.as_bytes(policy=email.policy.SMTP)


def create_calendar(
    settings: dict[str, Any], var_dir: Any, sink: MailSink, state: State
) -> ImipCalendar:
    """Registry factory: the iMIP calendar over ``sink`` (``settings``, ``var_dir`` unused)."""
    return ImipCalendar(sink, state)


# The keys of [transport.imip]: none.
SETTINGS: dict[str, tuple[str | tuple[str, ...], bool, Any, str]] = {}
