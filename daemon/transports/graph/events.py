"""The Graph ``event`` of a :class:`MeetingSnapshot`, and reading Graph's event JSON back.

Three single-value extended properties (MAPI named string properties in meetingd's own
property set) tie an event to the daemon: the meeting's UID, its reference ``MTG-n`` and
the idempotency key of the last intent applied. Graph filters on them
(``singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')``), so the
calendar finds a meeting's event, and tells after a crash whether an intent was applied,
from Graph alone (https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from daemon.transports.calendar import MeetingSnapshot

PROPERTY_SET = "{8c5f1e0a-3b6d-4f2e-9a71-6d0c4b2e5f13}"
PROP_UID = f"String {PROPERTY_SET} Name meetingd-uid"
PROP_REF = f"String {PROPERTY_SET} Name meetingd-ref"
PROP_IDEM = f"String {PROPERTY_SET} Name meetingd-idem"
#: Snapshot attendee role -> Graph attendee type (the chair attends as a required attendee).
TYPES = {
    "chair": "required",
    "required": "required",
    "optional": "optional",
    "resource": "resource",
}
#: Graph's answer -> iCalendar PARTSTAT (RFC 5545 §3.2.12).
PARTSTATS = {
    "accepted": "ACCEPTED",
    "declined": "DECLINED",
    "tentativelyAccepted": "TENTATIVE",
    "meetingAccepted": "ACCEPTED",
    "meetingDeclined": "DECLINED",
    "meetingTentativelyAccepted": "TENTATIVE",
    "meetingTenativelyAccepted": "TENTATIVE",  # Graph's enum really spells it so
}


def quoted(value: str) -> str:
    """An OData string literal's inside (``'`` doubled)."""
    return value.replace("'", "''")


def has_property(prop: str, value: str) -> str:
    """The ``$filter`` for events whose property ``prop`` equals ``value``."""
    return (
        f"singleValueExtendedProperties/Any(ep: ep/id eq '{quoted(prop)}' "
        f"and ep/value eq '{quoted(value)}')"
    )


def expand(*props: str) -> str:
    """The ``$expand`` that returns ``props`` with each event."""
    clause = " or ".join(f"id eq '{quoted(p)}'" for p in props)
    return f"singleValueExtendedProperties($filter={clause})"


def property_of(event: dict[str, Any], prop: str) -> str | None:
    """The value of extended property ``prop`` in an event read with :func:`expand`."""
    for item in event.get("singleValueExtendedProperties") or []:
        if str(item.get("id", "")).lower() == prop.lower():
            return str(item.get("value"))
    return None


def graph_time(moment: dt.datetime, tz: str) -> dict[str, str]:
    """``{"dateTime", "timeZone"}`` of an aware instant, written in zone ``tz`` (IANA)."""
    local = moment.astimezone(ZoneInfo(tz))
    return {"dateTime": local.replace(tzinfo=None).isoformat(timespec="seconds"), "timeZone": tz}


def instant(value: dict[str, Any] | None) -> dt.datetime | None:
    """An aware UTC instant from Graph's ``{"dateTime", "timeZone"}`` (UTC or an IANA zone;
    seven fraction digits allowed); None when absent or unreadable."""
    if not value or not value.get("dateTime"):
        return None
    text = str(value["dateTime"]).removesuffix("Z")
    head, dot, fraction = text.partition(".")
    text = head + (dot + fraction[:6] if dot else "")
    try:
        naive = dt.datetime.fromisoformat(text)
        zone = str(value.get("timeZone") or "UTC")
        tz = dt.UTC if zone.upper() in ("UTC", "GMT") else ZoneInfo(zone)
    except (ValueError, KeyError):
        return None
    return naive.replace(tzinfo=tz).astimezone(dt.UTC)


def stamp(text: str | None) -> dt.datetime | None:
    """An aware UTC instant from Graph's ``2024-05-01T10:00:00Z`` (None if unreadable)."""
    if not text or text.startswith("0001-"):
        return None
    head, dot, fraction = text.removesuffix("Z").partition(".")
    try:
        moment = dt.datetime.fromisoformat(head + (dot + fraction[:6] if dot else ""))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def attendees(snapshot: MeetingSnapshot) -> list[dict[str, Any]]:
    """Graph attendees of ``snapshot``: everyone but the organizer (the mailbox itself)."""
    out: list[dict[str, Any]] = []
    seen = {snapshot.organizer.lower()}
    for person in snapshot.attendees:
        address = person.address.lower()
        if address in seen:
            continue
        seen.add(address)
        email = {"address": person.address, **({"name": person.name} if person.name else {})}
        out.append({"type": TYPES[person.role], "emailAddress": email})
    return out


def fields(snapshot: MeetingSnapshot) -> dict[str, Any]:
    """The event fields a snapshot sets (not attendees, not the extended properties)."""
    return {
        "subject": snapshot.summary,
        "body": {"contentType": "text", "content": snapshot.description},
        "start": graph_time(snapshot.start_utc, snapshot.tz),
        "end": graph_time(snapshot.end_utc, snapshot.tz),
        "location": {"displayName": snapshot.location or ""},
        "allowNewTimeProposals": True,
        "responseRequested": True,
    }


def properties(snapshot: MeetingSnapshot, idem_key: str) -> list[dict[str, str]]:
    """The extended properties: UID, reference, this intent's idempotency key."""
    return [
        {"id": PROP_UID, "value": snapshot.uid},
        {"id": PROP_REF, "value": snapshot.ref},
        {"id": PROP_IDEM, "value": idem_key},
    ]
