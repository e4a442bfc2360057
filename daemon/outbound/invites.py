"""iCalendar (RFC 5545) meeting objects for iTIP (RFC 5546) over iMIP (RFC 6047).

:func:`build_request` makes a ``METHOD:REQUEST`` calendar (new invite, update, delegate
invite) and :func:`build_cancel` a ``METHOD:CANCEL`` one. Both hold one ``VTIMEZONE`` for the
company zone (generated from ``zoneinfo`` by icalendar's :meth:`Timezone.from_tzinfo`) and one
``VEVENT`` whose UID is the meeting's stable ``uid`` and whose SEQUENCE is
``meeting.sequence`` (RFC 5545 §3.8.7.4: the rules raise it for every significant change).

The ORGANIZER is the daemon's own mailbox, so attendees' iTIP REPLYs come back to it; the
host is an ATTENDEE with ``ROLE=CHAIR``.

:func:`calendar_part` wraps the bytes as the ``text/calendar; method=...; charset=UTF-8``
MIME part that goes inside the mail's ``multipart/alternative`` (RFC 6047 §2.4).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from email.message import MIMEPart
from typing import Literal

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from daemon.domain.model import MeetingFile, Participant
from daemon.domain.roster import delegated_from, delegated_to

log = logging.getLogger(__name__)

PRODID = "-//meetingd//Coordination meeting daemon//EN"
Method = Literal["REQUEST", "CANCEL"]

#: iCalendar ROLE per participant role (RFC 5545 §3.2.16).
ROLES: dict[str, str] = {
    "host": "CHAIR",
    "recorder": "REQ-PARTICIPANT",
    "core": "REQ-PARTICIPANT",
    "proxy": "REQ-PARTICIPANT",
    "observer": "OPT-PARTICIPANT",
}
_ANSWERED = ("ACCEPTED", "DECLINED", "TENTATIVE")


def mailto(address: str) -> str:
    """``mailto:<address>`` (lower-case address)."""
    return f"mailto:{address.lower()}"


def summary(file: MeetingFile) -> str:
    """The VEVENT SUMMARY: ``[MTG-n] title``."""
    return f"[{file.meeting.ref}] {file.meeting.title}"


def _attendee(p: Participant, file: MeetingFile, keep_partstat: bool) -> vCalAddress:
    """One ATTENDEE property for ``p`` (RFC 5545 §3.8.4.1, parameters §3.2)."""
    a = vCalAddress(mailto(p.address))
    if p.name:
        a.params["CN"] = vText(p.name)
    a.params["CUTYPE"] = "INDIVIDUAL"
    a.params["ROLE"] = ROLES.get(p.role, "REQ-PARTICIPANT")
    delegates = delegated_to(file, p.address)
    rsvp = file.rsvp(p.address)
    if delegates:
        a.params["PARTSTAT"] = "DELEGATED"
        a.params["DELEGATED-TO"] = [mailto(d) for d in delegates]
        a.params["RSVP"] = "FALSE"
    elif keep_partstat and rsvp is not None and rsvp.partstat in _ANSWERED:
        a.params["PARTSTAT"] = rsvp.partstat
        a.params["RSVP"] = "FALSE"
    else:
        a.params["PARTSTAT"] = "NEEDS-ACTION"
        a.params["RSVP"] = "TRUE"
    delegators = delegated_from(file, p.address)
    if delegators:
        a.params["DELEGATED-FROM"] = [mailto(d) for d in delegators]
    return a


def _select(file: MeetingFile, attendees: Iterable[str] | None) -> list[Participant]:
    people = file.attendees()
    if attendees is None:
        return people
    wanted = {a.lower() for a in attendees}
    chosen = [p for p in people if p.address in wanted]
    unknown = wanted - {p.address for p in chosen}
    if unknown:
        log.warning("%s: calendar attendees not in the meeting: %s", file.meeting.ref, unknown)
    return chosen


def _calendar(
    file: MeetingFile,
    method: Method,
    *,
    tz: dt.tzinfo,
    organizer: str,
    organizer_name: str | None,
    now_utc: dt.datetime,
    description: str,
    attendees: Iterable[str] | None,
    sequence: int | None,
    keep_partstat: bool,
) -> bytes:
    m = file.meeting
    if m.uid is None or m.start_utc is None or m.end_utc is None:
        raise ValueError(f"{m.ref}: a calendar object needs uid, start_utc and end_utc")
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    start = m.start_utc.astimezone(tz)
    end = m.end_utc.astimezone(tz)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    tzid = getattr(tz, "key", None) or str(tz)
    cal.add_component(
        Timezone.from_tzinfo(
            tz,
            tzid=tzid,
            first_date=dt.date(start.year - 1, 1, 1),
            last_date=dt.date(end.year + 2, 1, 1),
        )
    )

    ev = Event()
    ev.add("uid", m.uid)
    ev.add("sequence", m.sequence if sequence is None else sequence)
    ev.add("dtstamp", now_utc.astimezone(dt.UTC))
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("summary", summary(file))
    if m.location:
        ev.add("location", m.location)
    ev.add("description", description)
    org = vCalAddress(mailto(organizer))
    if organizer_name:
        org.params["CN"] = vText(organizer_name)
    ev.add("organizer", org)
    for p in _select(file, attendees):
        ev.add("attendee", _attendee(p, file, keep_partstat))
    if method == "CANCEL":
        ev.add("status", "CANCELLED")
    else:
        ev.add("status", "CONFIRMED")
        ev.add("transp", "OPAQUE")
    ev.add("class", "PUBLIC")
    cal.add_component(ev)
    return cal.to_ical()


def build_request(
    file: MeetingFile,
    *,
    tz: dt.tzinfo,
    organizer: str,
    organizer_name: str | None,
    now_utc: dt.datetime,
    description: str,
    attendees: list[str] | None = None,
    sequence: int | None = None,
    keep_partstat: bool = True,
) -> bytes:
    """A ``METHOD:REQUEST`` calendar (RFC 5546 §3.2.2) for ``file.meeting``, as bytes.

    Args:
        file: the meeting; needs ``uid``, ``start_utc`` and ``end_utc``.
        tz: company zone; DTSTART/DTEND carry its TZID and a matching VTIMEZONE is included.
        organizer, organizer_name: the daemon's mailbox (ORGANIZER;CN=...).
        now_utc: aware; becomes DTSTAMP.
        description: DESCRIPTION text (the mail's plain-text body).
        attendees: only these addresses get an ATTENDEE line (e.g. the delegate of an
            RFC 5546 §4.2.5 delegation request); None means every participant.
        sequence: overrides ``meeting.sequence``.
        keep_partstat: carry answers already recorded (ACCEPTED/DECLINED/TENTATIVE) so an
            agenda-only update does not ask people again; the rules reset RSVPs on a
            reschedule, which makes everyone NEEDS-ACTION again.

    Raises:
        ValueError: the meeting has no uid or times, or ``now_utc`` is naive.
    """
    return _calendar(
        file,
        "REQUEST",
        tz=tz,
        organizer=organizer,
        organizer_name=organizer_name,
        now_utc=now_utc,
        description=description,
        attendees=attendees,
        sequence=sequence,
        keep_partstat=keep_partstat,
    )


def build_cancel(
    file: MeetingFile,
    *,
    tz: dt.tzinfo,
    organizer: str,
    organizer_name: str | None,
    now_utc: dt.datetime,
    description: str,
    attendees: list[str] | None = None,
    sequence: int | None = None,
) -> bytes:
    """A ``METHOD:CANCEL`` calendar (RFC 5546 §3.2.5): same UID, ``STATUS:CANCELLED``.

    SEQUENCE is ``meeting.sequence`` unless ``sequence`` is given; the rules raise it before
    cancelling. Other arguments as in :func:`build_request`.
    """
    return _calendar(
        file,
        "CANCEL",
        tz=tz,
        organizer=organizer,
        organizer_name=organizer_name,
        now_utc=now_utc,
        description=description,
        attendees=attendees,
        sequence=sequence,
        keep_partstat=False,
    )


def calendar_part(ics_bytes: bytes, method: str) -> MIMEPart:
    """``text/calendar; method=<method>; charset=UTF-8`` (RFC 6047 §2.4), base64-encoded so
    the CRLF line endings and folding of RFC 5545 §3.1 survive any transport unchanged."""
    part = MIMEPart()
    part.set_content(
        ics_bytes,
        maintype="text",
        subtype="calendar",
        cte="base64",
        params={"method": method.upper(), "charset": "UTF-8"},
    )
    return part
