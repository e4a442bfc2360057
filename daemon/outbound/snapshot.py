"""A meeting file and a calendar intent of the rules → the
:class:`~daemon.transports.calendar.MeetingSnapshot` a calendar backend applies.

The attendees are the meeting's participants in invitation order (host ``chair``, observers
``optional``, everyone else ``required``), each with the answer the daemon knows and their
delegations (RFC 5545 DELEGATED-TO / DELEGATED-FROM, from the answers received). An update
keeps the answers already given, so an agenda-only update does not ask people again; a
cancellation lists everyone as NEEDS-ACTION.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from daemon.domain.effects import Outgoing
from daemon.domain.model import MeetingFile, Participant
from daemon.domain.roster import delegated_from, delegated_to
from daemon.transports.calendar import AttendeeRole, MeetingSnapshot, SnapshotAttendee

log = logging.getLogger(__name__)

_ROLES: dict[str, AttendeeRole] = {
    "host": "chair",
    "recorder": "required",
    "core": "required",
    "proxy": "required",
    "observer": "optional",
}
_ANSWERED = ("ACCEPTED", "DECLINED", "TENTATIVE")


def summary(file: MeetingFile) -> str:
    """The event's SUMMARY: ``[MTG-n] title``."""
    return f"[{file.meeting.ref}] {file.meeting.title}"


def _attendee(p: Participant, file: MeetingFile, keep_partstat: bool) -> SnapshotAttendee:
    delegates = delegated_to(file, p.address)
    rsvp = file.rsvp(p.address)
    if delegates:
        partstat = "DELEGATED"
    elif keep_partstat and rsvp is not None and rsvp.partstat in _ANSWERED:
        partstat = rsvp.partstat
    else:
        partstat = "NEEDS-ACTION"
    return SnapshotAttendee(
        address=p.address,
        name=p.name,
        role=_ROLES.get(p.role, "required"),
        partstat=partstat,
        delegated_to=tuple(delegates),
        delegated_from=tuple(delegated_from(file, p.address)),
    )


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


def snapshot_of(
    file: MeetingFile,
    out: Outgoing,
    *,
    tz: str,
    organizer: str,
    organizer_name: str | None,
    description: str,
    part_of: str | None = None,
) -> MeetingSnapshot:
    """The snapshot for the calendar intent ``out`` (``out.calendar`` set) of ``file``.

    ``out.calendar_attendees`` limits the attendees listed (a delegate's invitation lists
    the delegate and the delegator, RFC 5546 §4.2.5) and then only ``out.to`` is told.
    ``part_of`` (the whole intent's key) marks ``out`` as one language's part of an intent
    told in several mails: everyone stays listed, only ``out.to`` and ``out.cc`` are told,
    and every part gets the same SEQUENCE. The announcing mail is added by the caller.

    Raises:
        ValueError: the meeting has no uid or times, or ``out`` is no calendar intent.
    """
    m = file.meeting
    if out.calendar is None:
        raise ValueError(f"{out.kind}: not a calendar intent")
    if m.uid is None or m.start_utc is None or m.end_utc is None:
        raise ValueError(f"{m.ref}: a calendar object needs uid, start_utc and end_utc")
    cancel = out.calendar == "CANCEL"
    people = _select(file, out.calendar_attendees)
    return MeetingSnapshot(
        uid=m.uid,
        ref=m.ref,
        action="cancel" if cancel else "upsert",
        summary=summary(file),
        start_utc=m.start_utc,
        end_utc=m.end_utc,
        tz=tz,
        organizer=organizer,
        organizer_name=organizer_name,
        attendees=tuple(_attendee(p, file, keep_partstat=not cancel) for p in people),
        location=m.location,
        notify=(
            tuple(out.to + out.cc)
            if part_of is not None
            else tuple(out.to)
            if out.calendar_attendees is not None
            else None
        ),
        description=description,
        part_of=part_of,
    )
