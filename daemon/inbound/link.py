"""Link an inbound message to its meeting (PROCESS.md §4).

Order: In-Reply-To/References (a mail we sent) → the iCalendar UID → the subject tag
``[MTG-n]``. The first that names a known meeting wins.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlite_utils import Database

from daemon.domain.messages import Inspection
from daemon.store import meetings, overview, queries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Link:
    """``number`` of the meeting (None: none found), how it was found, and the kind,
    idempotency key and question of our mail the message answers (when linked by
    In-Reply-To/References)."""

    number: int | None
    via: str | None = None
    reply_kind: str | None = None
    reply_key: str | None = None
    question_id: int | None = None


def link_message(db: Database, msg: Inspection) -> Link:
    """Find the meeting ``msg`` belongs to. Never raises for unknown references.

    ``reply_kind`` is set whenever the message answers a mail we sent, even one about no
    meeting (a ``not_understood`` notice): the service uses it to break reply loops.
    """
    ours = None
    for ref in reversed(msg.in_reply_to):  # In-Reply-To is last-most specific
        ours = queries.outbox_by_message_id(db, ref)
        if ours is not None:
            break
    reply_kind = ours.kind if ours else None
    reply_key = ours.idem_key if ours else None
    if ours is not None and ours.meeting_number is not None:
        return Link(ours.meeting_number, "in-reply-to", reply_kind, reply_key, ours.question_id)
    if msg.uid:
        number = meetings.find_by_uid(db, msg.uid.removeprefix("review-"))
        if number is not None:
            return Link(number, "uid", reply_kind, reply_key)
    if msg.meeting_ref:
        try:
            number = int(msg.meeting_ref.removeprefix("MTG-"))
        except ValueError:
            number = None
        if number is not None and overview.meeting_exists(db, number):
            return Link(number, "subject-tag", reply_kind, reply_key)
    return Link(None, None, reply_kind, reply_key)
