"""iTIP (RFC 5546) calendar objects carried by iMIP mail (RFC 6047): REPLY and COUNTER.

A REPLY gives the attendee's PARTSTAT (ACCEPTED, DECLINED, TENTATIVE, DELEGATED with
DELEGATED-TO) and an optional COMMENT; a COUNTER proposes a new DTSTART/DTEND. The daemon's
own forward notice (``daemon.outbound.invites.build_reply``: PARTSTAT=NEEDS-ACTION with
X-MEETINGD-FORWARDED-BY) is read as :attr:`RsvpReply.forwarded_by`; whether it is believed is
the rules' decision (only from the calendar backend). Windows time
zone names ("China Standard Time") resolve through the message's VTIMEZONE when present, else
through a table of Windows → IANA names. Attendee addresses are compared case-insensitively.

A property that cannot be read (``DTSTART:garbage``, ``RRULE:FREQ=NOPE``; icalendar keeps it
as ``vBroken`` and raises ``BrokenCalendarProperty`` on use) becomes a problem on the message;
the answer (PARTSTAT) is still read from what remains.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

from daemon.domain.messages import PartStat, RsvpReply
from daemon.domain.problems import problem
from daemon.inbound.dates import YEARS, plausible_instant

log = logging.getLogger(__name__)

_PARTSTATS = frozenset({"ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"})
_FORWARDED_BY = "X-MEETINGD-FORWARDED-BY"  # = daemon.outbound.invites.FORWARDED_BY
# What calendar clients write into the text part of a REPLY themselves ("X has accepted
# this invitation", "王芳 已将参加事务委托给 周强"): never the attendee's own comment.
_GENERATED = re.compile(
    r"has (?:tentatively )?(?:accepted|declined|delegated)|"
    r"已(?:接受|拒绝|拒絕|委托|委託|暂定|暫定)|暂定接受|暫定接受|"
    r"(?:接受|拒绝|拒絕)了(?:此|该|該|您的)?邀请|已[将將].{0,20}?(?:委托|委託)给|"
    r"(?:委托|委託)给.{1,20}?参加",
    re.I,
)
# The Windows zone names Exchange/Outlook write most often (CLDR windowsZones.xml, "001").
WINDOWS_ZONES: dict[str, str] = {
    "China Standard Time": "Asia/Shanghai",
    "Taipei Standard Time": "Asia/Taipei",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "Singapore Standard Time": "Asia/Singapore",
    "India Standard Time": "Asia/Kolkata",
    "UTC": "UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles",
    "AUS Eastern Standard Time": "Australia/Sydney",
}


@dataclass
class CalendarInfo:
    """The first usable calendar object of a message: method, UID, summary and the reply."""

    method: str | None = None
    uid: str | None = None
    summary: str = ""
    rsvp: RsvpReply | None = None
    problems: list[str] = field(default_factory=list)


def _addr(value: Any) -> str | None:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.strip().strip("<>\"'").lower()
    return text if "@" in text else None


def _aware(value: Any, tzid: str | None) -> dt.datetime | None:
    """An aware datetime from a DTSTART/DTEND value (floating/unknown zones → ``None`` tz)."""
    when = getattr(value, "dt", value)
    if isinstance(when, dt.datetime):
        if when.tzinfo is not None and when.utcoffset() is not None:
            return when
        zone = WINDOWS_ZONES.get(tzid or "")
        if zone:
            return when.replace(tzinfo=ZoneInfo(zone))
        return None
    return None


def _from_ical(data: bytes) -> list[Any]:
    from icalendar import Calendar  # local import keeps module import cheap for tests

    text = data.lstrip(b"\xef\xbb\xbf \r\n\t")
    if text[:12].upper().startswith(b"BEGIN:VEVENT"):
        text = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + text.rstrip() + b"\r\nEND:VCALENDAR\r\n"
    return cast(list[Any], Calendar.from_ical(text, multiple=True))


def read_calendars(blobs: list[bytes], sender: str | None) -> CalendarInfo:
    """Read the iCalendar objects of one message and return what they say.

    Args:
        blobs: raw iCalendar data, in MIME order (duplicates, e.g. an inline text/calendar and
            an ``invite.ics`` attachment, are fine).
        sender: the From address, lower-case, used to pick the replying attendee.

    Returns:
        A :class:`CalendarInfo`; ``rsvp`` is set for a REPLY or COUNTER that names an attendee
        with a usable PARTSTAT. Unreadable objects add a ``problems`` entry; never raises.
    """
    info = CalendarInfo()
    cals: list[Any] = []
    for blob in blobs:
        try:
            cals.extend(_from_ical(blob))
        except Exception as exc:
            info.problems.append(problem("calendar_unreadable", error=str(exc)))
    found: list[tuple[str | None, Any]] = []
    for cal in cals:
        try:
            method = str(cal.get("METHOD", "") or "").upper() or None
            events = [c for c in cal.walk() if c.name in ("VEVENT", "VTODO")]
        except Exception as exc:  # a structure icalendar cannot walk
            info.problems.append(problem("calendar_unreadable", error=str(exc)))
            continue
        if events:
            found.append((method, events[0]))
    if not found:
        return info
    info.method, event = found[0]
    info.uid = str(event.get("UID")) if event.get("UID") is not None else None
    info.summary = str(event.get("SUMMARY", "") or "")
    distinct = {(m, str(e.get("UID", ""))) for m, e in found}
    if len(distinct) > 1:
        # A message answers one invitation; several different objects (a collection, an
        # archive) cannot be read as one person's answer.
        info.problems.append(problem("calendar_several", count=len(found), method=info.method))
        return info
    if info.method in ("REPLY", "COUNTER"):
        _broken(event, info.method, info.problems)
        try:
            info.rsvp = _reply(event, info.method, sender, info.problems)
        except Exception as exc:  # a property icalendar stored but cannot give back
            log.debug("calendar reply unreadable", exc_info=True)
            error = f"{exc.__class__.__name__}: {exc}"
            info.problems.append(
                problem("calendar_answer_unreadable", method=info.method, error=error)
            )
    return info


def _broken(event: Any, method: str, problems: list[str]) -> None:
    """One problem per property icalendar could not parse (its ``errors`` list); a COUNTER's
    DTSTART/DTEND are told by :func:`_proposed`, which names what to do."""
    for name, why in list(getattr(event, "errors", None) or [])[:5]:
        if method == "COUNTER" and str(name).upper() in ("DTSTART", "DTEND"):
            continue
        problems.append(
            problem("calendar_property_unreadable", name=str(name), error=str(why)[:120])
        )


def _attendees(event: Any) -> list[Any]:
    value = event.get("ATTENDEE")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _reply(event: Any, method: str, sender: str | None, problems: list[str]) -> RsvpReply | None:
    attendees = _attendees(event)
    if not attendees:
        problems.append(problem("calendar_no_attendee", method=method))
        return None
    pick = next((a for a in attendees if _addr(a) == sender), None)
    if pick is None:
        pick = next(
            (a for a in attendees if str(a.params.get("PARTSTAT", "")).upper() in _PARTSTATS),
            attendees[0],
        )
    partstat = str(pick.params.get("PARTSTAT", "") or "").upper()
    forwarded_by = _addr(pick.params.get(_FORWARDED_BY))
    if method == "REPLY" and partstat == "NEEDS-ACTION" and forwarded_by:
        return RsvpReply(
            attendee=_addr(pick), partstat="NEEDS-ACTION", source="itip", forwarded_by=forwarded_by
        )
    if method == "COUNTER" and partstat not in _PARTSTATS:
        partstat = "TENTATIVE"
    if partstat not in _PARTSTATS:
        problems.append(problem("calendar_partstat", partstat=partstat or "(none)"))
        return None
    delegate = None
    if partstat == "DELEGATED":
        delegate = _addr(pick.params.get("DELEGATED-TO"))
        if delegate is None:
            delegate = next(
                (_addr(a) for a in attendees if a.params.get("DELEGATED-FROM") is not None), None
            )
    comment = str(event.get("COMMENT", "") or "").strip() or None
    reply = RsvpReply(
        attendee=_addr(pick),
        partstat=cast(PartStat, partstat),
        delegate=delegate,
        comment=comment,
        source="itip",
    )
    if method == "COUNTER":
        told = len(problems)
        reply.proposed_start = _proposed(event, "DTSTART", problems)
        if reply.proposed_start is None and len(problems) == told:
            problems.append(problem("counter_no_zone"))
        reply.proposed_end = _proposed(event, "DTEND", problems)
    return reply


def _proposed(event: Any, name: str, problems: list[str]) -> dt.datetime | None:
    """A COUNTER's DTSTART/DTEND as an aware datetime; an unreadable one gives ``None`` and a
    problem naming the value written (RFC 5546 §3.2.7: the counter is then no proposal)."""
    prop = event.get(name)
    if prop is None:
        return None
    try:
        when = _aware(prop, _tzid(prop))
    except Exception:  # icalendar's BrokenCalendarProperty, or a value out of range
        problems.append(problem("counter_not_datetime", name=name, written=str(prop)[:60]))
        return None
    if when is not None and not plausible_instant(when):
        problems.append(
            problem(
                "counter_out_of_range",
                name=name,
                written=when.isoformat(),
                first=YEARS.start,
                last=YEARS.stop - 1,
            )
        )
        return None
    return when


def _tzid(prop: Any) -> str | None:
    params = getattr(prop, "params", None)
    return str(params.get("TZID")) if params and params.get("TZID") else None


def is_generated_text(text: str) -> bool:
    """True when ``text`` is a client's boilerplate ("X has accepted this invitation")."""
    return bool(_GENERATED.search(text))
