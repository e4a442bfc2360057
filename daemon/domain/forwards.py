"""Forwarded invitations: an attendee forwarded the meeting to someone the daemon did not
invite (Exchange's meeting forward notification, read by the calendar backend).

* :func:`on_forward` records the person as :class:`~daemon.domain.model.Uninvited` (never as a
  :class:`~daemon.domain.model.Participant`: the organizer did not invite them, so they get
  none of the meeting's mails and count for no role) and tells the host once
  (``attendee_forwarded``). The same person forwarded again, by anyone, is recorded once and
  told once; someone already invited is only logged.
* :func:`on_guest_answer` records a later answer of such a person on their record (it shows
  in the attendance report): it is neither refused as uninvited nor counted as an attendee's.
  The host decides whether they attend; nothing here invites them.

Only the calendar backend may report a forward (``Incoming.vouched``): a mail claiming one
changes nothing. Pure: no I/O.
"""

from __future__ import annotations

from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.events import Incoming
from daemon.domain.model import MeetingFile, Uninvited


def on_forward(file: MeetingFile, inc: Incoming, ctx: RuleContext, effects: Effects) -> None:
    """Record the forward notice ``inc`` (its ``msg.rsvp.forwarded_by`` is set) and tell the
    host. A notice the calendar backend did not vouch for is quarantined ``not_understood``."""
    m = file.meeting
    reply = inc.msg.rsvp
    assert reply is not None and reply.forwarded_by is not None
    forwarded_by = reply.forwarded_by.lower()
    guest = (reply.attendee or "").lower()
    if not inc.vouched:
        effects.log.append(f"{m.ref}: forward notice from {inc.sender} not from the calendar")
        effects.quarantine = "not_understood"
        return
    if not guest or file.person(guest) is not None:
        effects.log.append(f"{m.ref}: {forwarded_by} forwarded to {guest or '?'}, invited already")
        return
    known = file.guest(guest)
    if known is not None:
        effects.log.append(
            f"{m.ref}: {forwarded_by} forwarded to {guest}, recorded already as uninvited"
            f" (forwarded by {known.forwarded_by})"
        )
        return
    file.uninvited.append(
        Uninvited(guest, forwarded_by, ctx.directory.name_of(guest), forwarded_utc=ctx.now)
    )
    effects.log.append(f"{m.ref}: {forwarded_by} forwarded to {guest}: recorded as uninvited")
    if not m.host:
        effects.log.append(f"{m.ref}: no host to tell about {guest}")
        return
    effects.outgoing.append(
        Outgoing(
            "attendee_forwarded",
            [m.host],
            key=guest,
            extra={
                "attendee": guest,
                "attendee_name": ctx.directory.name_of(guest),
                "forwarded_by": forwarded_by,
                "forwarded_by_name": ctx.directory.name_of(forwarded_by),
            },
        )
    )


def on_guest_answer(
    file: MeetingFile, guest: Uninvited, inc: Incoming, ctx: RuleContext, effects: Effects
) -> None:
    """Record the answer ``inc`` of ``guest`` (an uninvited person an attendee forwarded the
    invitation to) on their record; no mail: the host was told of them when they were
    forwarded, and the attendance report shows their answer."""
    reply = inc.msg.rsvp
    assert reply is not None
    guest.partstat = reply.partstat
    guest.answered_utc = ctx.now
    effects.log.append(
        f"{file.meeting.ref}: uninvited {guest.address} (forwarded by {guest.forwarded_by})"
        f" answered {reply.partstat}: recorded, not an attendee unless the host invites them"
    )
