"""Keep a message aside with the reason, and tell its sender what to fix.

The raw message stays in the inbox table (``meetingd quarantine`` lists it, ``--replay ID``
processes it again). The sender gets a polite ``not_understood`` naming each problem, unless
there is nobody to tell or the reply policy holds it back (an auto-reply, a loop, the daily
cap: :mod:`daemon.domain.replies`).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlite_utils import Database

from daemon import clock
from daemon.domain import replies
from daemon.domain.effects import Effects
from daemon.domain.messages import Inspection
from daemon.domain.model import MeetingFile, Question
from daemon.inbound.inspect import inspect_bytes
from daemon.outbound.mailer import Cause, Mailer
from daemon.store import queries
from daemon.store.rows import InboxRow

log = logging.getLogger(__name__)


def quarantine(
    db: Database,
    mailer: Mailer,
    row: InboxRow,
    msg: Inspection,
    reason: str,
    file: MeetingFile | None = None,
    replying_to: str | None = None,
    question: Question | None = None,
    more: list[str] | None = None,
) -> None:
    """Quarantine inbox ``row`` with ``reason`` (and the reader's problems), in the caller's
    transaction; tell the sender unless ``reason`` is one of
    :data:`~daemon.domain.replies.SILENT_REASONS`.

    Args:
        replying_to: ``X-Meetingd-Kind`` of our mail it answers (the loop guard needs it).
        question: the open question the mail failed to answer: the notice asks it again.
        more: further problem codes for the notice (what in the answer could not be read).
    """
    problems = [reason, *(more or []), *msg.problems]
    queries.inbox_quarantine(db, row.id, "; ".join(problems))
    text = f"inbox {row.id} from {msg.sender}: {'; '.join(problems)}"
    queries.event_add(db, clock.now(), file.meeting.number if file else None, "quarantined", text)
    log.warning("inbox %s from %s quarantined: %s", row.id, msg.sender, problems)
    if reason in replies.SILENT_REASONS:
        log.info("inbox %s: nobody is told (%s)", row.id, reason)
        return
    tell_sender(db, mailer, row.id, msg, problems, file, replying_to, question)


def quarantine_unapplied(
    db: Database,
    mailer: Mailer,
    row: InboxRow,
    msg: Inspection,
    file: MeetingFile,
    effects: Effects,
    replying_to: str | None,
) -> None:
    """Quarantine ``row`` because the rules could not act on it (``effects.quarantine``);
    the notice asks again the question it failed to answer, if any."""
    asked = file.question(effects.question_id)
    quarantine(
        db,
        mailer,
        row,
        msg,
        effects.quarantine or "not_understood",
        file,
        replying_to,
        asked,
        effects.notice_problems,
    )


def ignore(db: Database, row: InboxRow, msg: Inspection, why: str) -> None:
    """Set inbox ``row`` aside as needing nothing (an auto-reply, a bounce, our own mail)."""
    now = clock.now()
    sender = (msg.sender or "").lower()
    queries.inbox_ignored(db, row.id, why, kind=msg.kind, sender=sender, now=now)
    queries.event_add(db, now, None, "ignored", f"{why} from {sender}: {msg.subject}")


def after_failures(db: Database, mailer: Mailer, row: InboxRow, now: dt.datetime) -> None:
    """After the last failed processing attempt of ``row``: its sender hears of it (unless
    it is automatic mail)."""
    msg = inspect_bytes(row.raw, f"inbox:{row.id}", now=now)
    if msg.kind not in replies.NO_REPLY_KINDS:
        tell_sender(db, mailer, row.id, msg, ["processing_failed", *msg.problems])


def tell_sender(
    db: Database,
    mailer: Mailer,
    row_id: int,
    msg: Inspection,
    problems: list[str],
    file: MeetingFile | None = None,
    replying_to: str | None = None,
    question: Question | None = None,
) -> None:
    """Queue the ``not_understood`` notice for ``msg`` (if the reply policy allows)."""
    sender = (msg.sender or "").lower()
    out = replies.not_understood(
        f"inbox{row_id}", sender, msg.message_id, msg.subject, problems, question
    )
    mailer.enqueue(db, file, out, Cause(msg, replying_to, f"inbox {row_id}"))
