"""iCalendar (RFC 5545) meeting objects for iTIP (RFC 5546) over iMIP (RFC 6047).

:func:`build` makes a ``METHOD:REQUEST`` calendar (new invite, update, delegate invite) or a
``METHOD:CANCEL`` one from a :class:`~daemon.transports.calendar.MeetingSnapshot`, with the
SEQUENCE the caller gives (the iMIP calendar keeps it, RFC 5545 §3.8.7.4). It holds one
``VTIMEZONE`` for the company zone (generated from ``zoneinfo`` by icalendar's
:meth:`Timezone.from_tzinfo`) and one ``VEVENT`` whose UID is the meeting's stable uid.

The ORGANIZER is the daemon's own mailbox, so attendees' iTIP REPLYs come back to it; the
host is an ATTENDEE with ``ROLE=CHAIR``.

:func:`calendar_part` wraps the bytes as the ``text/calendar; method=...; charset=UTF-8``
MIME part that goes inside the mail's ``multipart/alternative`` (RFC 6047 §2.4).
"""

from __future__ import annotations

import datetime as dt
import functools
from email.message import MIMEPart
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from daemon.transports.calendar import CalendarResponse, MeetingSnapshot, SnapshotAttendee

PRODID = "-//meetingd//Coordination meeting daemon//EN"

#: iCalendar ROLE per snapshot role (RFC 5545 §3.2.16).
ROLES: dict[str, str] = {
    "chair": "CHAIR",
    "required": "REQ-PARTICIPANT",
    "optional": "OPT-PARTICIPANT",
    "resource": "NON-PARTICIPANT",
}


def mailto(address: str) -> str:
    """``mailto:<address>`` (lower-case address)."""
    return f"mailto:{address.lower()}"


def _attendee(a: SnapshotAttendee) -> vCalAddress:
    """One ATTENDEE property (RFC 5545 §3.8.4.1, parameters §3.2)."""
    prop = vCalAddress(mailto(a.address))
    if a.name:
        prop.params["CN"] = vText(a.name)
    prop.params["CUTYPE"] = "ROOM" if a.role == "resource" else "INDIVIDUAL"
    prop.params["ROLE"] = ROLES.get(a.role, "REQ-PARTICIPANT")
    prop.params["PARTSTAT"] = a.partstat
    if a.delegated_to:
        prop.params["DELEGATED-TO"] = [mailto(d) for d in a.delegated_to]
    prop.params["RSVP"] = "TRUE" if a.partstat == "NEEDS-ACTION" else "FALSE"
    if a.delegated_from:
        prop.params["DELEGATED-FROM"] = [mailto(d) for d in a.delegated_from]
    return prop


@functools.lru_cache(maxsize=32)
def vtimezone(zone: str, first_year: int, last_year: int) -> Timezone:
    """The ``VTIMEZONE`` of IANA ``zone`` with its transitions from 1 January of
    ``first_year`` to 1 January of ``last_year`` (icalendar's :meth:`Timezone.from_tzinfo`).

    Computed once per zone and years (about 25 ms each time otherwise) and shared by every
    calendar built: callers add it to a calendar and must not change it.
    """
    return Timezone.from_tzinfo(
        ZoneInfo(zone),
        tzid=zone,
        first_date=dt.date(first_year, 1, 1),
        last_date=dt.date(last_year, 1, 1),
    )


def build(snapshot: MeetingSnapshot, *, sequence: int, now_utc: dt.datetime) -> bytes:
    """The calendar object of ``snapshot`` as bytes: ``METHOD:CANCEL`` with
    ``STATUS:CANCELLED`` for a cancel, else ``METHOD:REQUEST`` (RFC 5546 §3.2.2, §3.2.5).

    Args:
        sequence: the SEQUENCE to write (RFC 5545 §3.8.7.4).
        now_utc: aware; becomes DTSTAMP.

    Raises:
        ValueError: ``now_utc`` is naive.
    """
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    tz = ZoneInfo(snapshot.tz)
    start = snapshot.start_utc.astimezone(tz)
    end = snapshot.end_utc.astimezone(tz)
    method = "CANCEL" if snapshot.action == "cancel" else "REQUEST"

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(vtimezone(snapshot.tz, start.year - 1, end.year + 2))

    ev = Event()
    ev.add("uid", snapshot.uid)
    ev.add("sequence", sequence)
    ev.add("dtstamp", now_utc.astimezone(dt.UTC))
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("summary", snapshot.summary)
    if snapshot.location:
        ev.add("location", snapshot.location)
    ev.add("description", snapshot.description)
    org = vCalAddress(mailto(snapshot.organizer))
    if snapshot.organizer_name:
        org.params["CN"] = vText(snapshot.organizer_name)
    ev.add("organizer", org)
    for attendee in snapshot.attendees:
        ev.add("attendee", _attendee(attendee))
    if method == "CANCEL":
        ev.add("status", "CANCELLED")
    else:
        ev.add("status", "CONFIRMED")
        ev.add("transp", "OPAQUE")
    ev.add("class", "PUBLIC")
    cal.add_component(ev)
    return cal.to_ical()


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


#: The ATTENDEE parameter of a forward notice (RFC 5545 §3.2: an experimental ``X-`` name).
FORWARDED_BY = "X-MEETINGD-FORWARDED-BY"


def build_reply(response: CalendarResponse, organizer: str) -> bytes:
    """An iTIP REPLY (or, with a proposed time, a COUNTER) of ``response``, as the attendee's
    client would send it (RFC 5546 §3.2.3, §3.2.7), as bytes.

    A forward notice (``response.forwarded_by`` set) is a REPLY whose ATTENDEE (the person
    forwarded to) has PARTSTAT=NEEDS-ACTION and the parameter :data:`FORWARDED_BY` naming the
    forwarder: iTIP has no message for "an attendee forwarded the invitation", so this one is
    the daemon's own, read back by ``daemon.inbound.parse.itip``."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    counter = response.proposed_start is not None
    cal.add("method", "COUNTER" if counter else "REPLY")
    ev = Event()
    ev.add("uid", response.uid)
    ev.add("dtstamp", response.received_utc.astimezone(dt.UTC))
    if counter and response.proposed_start is not None:
        ev.add("dtstart", response.proposed_start.astimezone(dt.UTC))
        if response.proposed_end is not None:
            ev.add("dtend", response.proposed_end.astimezone(dt.UTC))
    ev.add("organizer", vCalAddress(mailto(organizer)))
    attendee = vCalAddress(mailto(response.attendee))
    attendee.params["PARTSTAT"] = response.partstat
    if response.forwarded_by:
        attendee.params[FORWARDED_BY] = mailto(response.forwarded_by)
    ev.add("attendee", attendee)
    if response.comment:
        ev.add("comment", response.comment)
    cal.add_component(ev)
    return cal.to_ical()
