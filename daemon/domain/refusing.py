"""Refusing a change: nothing changes, the event log says who tried, the sender is told who
may make it (:mod:`daemon.domain.authz` decides)."""

from __future__ import annotations

from typing import Any

from daemon.domain.authz import Change, Refusal
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.events import Incoming
from daemon.domain.model import MeetingFile


def refuse(file: MeetingFile, inc: Incoming, refusal: Refusal, effects: Effects) -> None:
    """Change nothing; log the refusal and tell the sender who may make the change.

    Topics and materials from someone outside the meeting get ``not_a_participant`` (which
    says how to have a topic raised); every other refusal gets ``change_refused``.
    """
    m = file.meeting
    effects.log.append(refusal.log_line(m.ref))
    effects.refusals.append(refusal.log_line(m.ref))
    extra: dict[str, Any]
    if refusal.change in (Change.TOPICS, Change.MATERIALS):
        kind, extra = "not_a_participant", {"what": str(refusal.change)}
    else:
        kind = "change_refused"
        extra = {
            "change": str(refusal.change),
            "allowed": [str(w) for w in refusal.allowed],
            "about": refusal.about,
            "subject": inc.msg.subject,
        }
    effects.outgoing.append(
        Outgoing(kind, [inc.sender], key=inc.key, in_reply_to=inc.msg.message_id, extra=extra)
    )
