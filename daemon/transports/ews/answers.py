"""Attendees' answers as Exchange records them → :class:`CalendarResponse`.

Both are stamped with the time the daemon records them (``received_utc``), and keyed by
the meeting, the attendee and the answer's time on the organizer's item, so that a response
and the status change it made are one answer, applied once.

* A ``MeetingResponse`` item (accept, decline, tentative; its text is the comment, and
  ``proposed_start``/``proposed_end`` a counter-proposal) becomes one answer, keyed by its
  Internet Message-ID. Its status is reconciled with the organizer's item: the attendee's
  ``response_type`` there (read fresh, exchangelib #362/#963) is authoritative, so a stale
  response (the attendee changed their mind since) records the current answer.
* On the organizer's item, an attendee whose ``response_type`` changed without a response
  item reaching us (:func:`status_answers`) is an answer keyed by the attendee and the
  ``last_response_time``.
* A meeting forward notification (``IPM.Schedule.Meeting.Notification.Forward``) on one of
  our meetings becomes one forward notice per person it added (:func:`forward_notices`).
  Exchange adds the forwarded-to people to the organizer's item itself (as Graph documents
  for ``event: forward``); the notification's own list of them is a binary MAPI property
  (PidLidForwardNotificationRecipients, MS-OXOCAL), so the people are read from the item
  instead: those listed there that the daemon did not write. Each is keyed by the meeting
  and the person, so a notification seen again, or a second forward to the same person, is
  one notice.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from daemon.transports.calendar import CalendarResponse

log = logging.getLogger(__name__)

#: EWS ResponseTypeType → RFC 5545 PARTSTAT (Unknown, Organizer, NoResponseReceived: none).
PARTSTAT = {"Accept": "ACCEPTED", "Decline": "DECLINED", "Tentative": "TENTATIVE"}
#: The MeetingResponse item classes (MS-OXOCAL §2.2.6.1) → PARTSTAT.
CLASS_PARTSTAT = {
    "IPM.Schedule.Meeting.Resp.Pos": "ACCEPTED",
    "IPM.Schedule.Meeting.Resp.Neg": "DECLINED",
    "IPM.Schedule.Meeting.Resp.Tent": "TENTATIVE",
}


def utc(value: Any) -> dt.datetime | None:
    """An exchangelib ``EWSDateTime`` (aware) as a plain aware UTC datetime; None stays."""
    if value is None:
        return None
    return dt.datetime.fromtimestamp(value.timestamp(), dt.UTC)


def attendees_of(item: Any) -> list[Any]:
    """Required and optional attendees of an exchangelib CalendarItem: the people, whose
    answers the daemon applies (a resource's answer is its booking: :func:`room_answer`)."""
    return [*(item.required_attendees or []), *(item.optional_attendees or [])]


def room_answer(meeting: Any | None, address: str) -> str | None:
    """The booking answer (PARTSTAT, or ``?``) of resource ``address`` on our ``meeting``
    (the organizer's item), or None if ``address`` is no resource of it."""
    if meeting is None or not getattr(meeting, "mtgd_uid", None):
        return None
    for resource in meeting.resources or []:
        if address_of(resource) == address.lower():
            return PARTSTAT.get(str(resource.response_type or ""), "?")
    return None


def address_of(attendee: Any) -> str:
    """The attendee's SMTP address, lower-case."""
    return str(attendee.mailbox.email_address or "").lower()


def answer_key(uid: str, attendee: str, when: dt.datetime | None, fallback: str) -> str:
    """The key of one answer: the meeting, the attendee and the time the organizer's item
    records for their answer (``last_response_time``), so that the meeting response and the
    status change it caused are one answer; ``fallback`` (the response's Message-ID) when
    Exchange gives no time."""
    if when is None:
        return f"ews-response:{fallback}"
    return f"ews:{uid}:{attendee}:{when.isoformat()}"


def from_response(response: Any, meeting: Any | None, now: dt.datetime) -> CalendarResponse | None:
    """The answer a ``MeetingResponse`` carries, or None if it is not about one of our
    meetings (``meeting`` is the organizer's item with ``mtgd_uid``, read fresh, or None).

    ``received_utc`` is ``now`` (UTC); :meth:`.state.SyncBook.add_answer` stamps it.
    """
    uid = getattr(meeting, "mtgd_uid", None) if meeting is not None else None
    if not uid:
        return None
    attendee = str(response.author.email_address if response.author else "").lower()
    if not attendee:
        return None
    partstat = CLASS_PARTSTAT.get(str(response.item_class or ""), "")
    partstat = PARTSTAT.get(str(response.response_type or ""), partstat)
    when = None
    for listed in attendees_of(meeting):
        if address_of(listed) != attendee:
            continue
        when = utc(listed.last_response_time)
        current = PARTSTAT.get(str(listed.response_type or ""))
        if current and current != partstat:
            log.info(
                "ews: %s answered %s, the meeting records %s now: %s is taken",
                attendee,
                partstat or "?",
                current,
                current,
            )
            partstat = current
    if not partstat:
        return None
    comment = (response.text_body or str(response.body or "")).strip() or None
    return CalendarResponse(
        uid=str(uid),
        attendee=attendee,
        partstat=partstat,
        key=answer_key(str(uid), attendee, when, str(response.message_id or response.id)),
        received_utc=now,
        comment=comment,
        proposed_start=utc(getattr(response, "proposed_start", None)),
        proposed_end=utc(getattr(response, "proposed_end", None)),
    )


def forward_notices(
    note: Any, meeting: Any | None, written: set[str] | None, now: dt.datetime
) -> list[CalendarResponse]:
    """The forward notices of the forward notification ``note`` about our ``meeting`` (the
    organizer's item, read fresh; None or not ours: none), received ``now`` (UTC).

    ``written``: the attendee addresses the daemon last wrote on the item, or None when not
    known (then every attendee but the forwarder is a candidate: the rules ignore those
    already invited). The forwarder is the notification's author.
    """
    uid = getattr(meeting, "mtgd_uid", None) if meeting is not None else None
    forwarder = str(note.author.email_address if note.author else "").lower()
    if not uid or not forwarder:
        return []
    out = []
    for attendee in attendees_of(meeting):
        address = address_of(attendee)
        if not address or address == forwarder or (written is not None and address in written):
            continue
        out.append(
            CalendarResponse(
                uid=str(uid),
                attendee=address,
                partstat="NEEDS-ACTION",
                key=f"ews-forward:{uid}:{address}",
                received_utc=now,
                forwarded_by=forwarder,
            )
        )
    return out


def status_answers(
    meeting: Any, recorded: dict[str, str], now: dt.datetime
) -> list[CalendarResponse]:
    """Answers the organizer's item ``meeting`` shows that differ from ``recorded``
    (attendee → PARTSTAT last recorded for this meeting), received ``now`` (UTC)."""
    uid = getattr(meeting, "mtgd_uid", None)
    if not uid:
        return []
    out = []
    for attendee in attendees_of(meeting):
        partstat = PARTSTAT.get(str(attendee.response_type or ""))
        address = address_of(attendee)
        if not partstat or not address or recorded.get(address) == partstat:
            continue
        when = utc(attendee.last_response_time)
        fallback = f"{uid}:{address}:{partstat}:{now.isoformat()}"
        out.append(
            CalendarResponse(
                uid=str(uid),
                attendee=address,
                partstat=partstat,
                key=answer_key(str(uid), address, when, fallback),
                received_utc=now,
            )
        )
    return out
