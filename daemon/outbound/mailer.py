"""The rules' outgoing intents → outbox rows, in the caller's transaction.

:class:`Mailer` renders each :class:`~daemon.domain.effects.Outgoing` (templates, headers,
materials) and queues it under an idempotency key made of the meeting, the kind, the action
item, the rules' key and the recipients: the same intent is never queued twice. A calendar
intent (``Outgoing.calendar`` set) is queued with its
:class:`~daemon.transports.calendar.MeetingSnapshot`; the calendar backend applies it when
the outbox is dispatched.

A mail caused by an inbound message (a :class:`Cause`) first passes the reply policy of
:mod:`daemon.domain.replies`: nothing answers automatic mail, and notices are capped and
never answer our own notices. Each mail held back is logged and recorded as ``no_reply``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlite_utils import Database

from daemon.domain import replies
from daemon.domain.context import RuleContext
from daemon.domain.directory import Directory
from daemon.domain.effects import Outgoing
from daemon.domain.messages import Inspection
from daemon.domain.model import MeetingFile
from daemon.domain.views import deadline_times
from daemon.outbound import outbox
from daemon.outbound.compose import ComposeContext, MaterialLoader, compose_rendered
from daemon.outbound.snapshot import snapshot_of
from daemon.store import queries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cause:
    """The inbound message a mail answers: what the reader made of it, the kind of our
    mail it answers (``X-Meetingd-Kind``, or None) and a label for the log."""

    msg: Inspection
    replying_to: str | None
    label: str


@dataclass(frozen=True)
class Sender:
    """Who the daemon's mails are from: its mailbox, display name, Message-ID domain and
    default language (``zh``/``en``)."""

    address: str
    name: str | None
    msgid_domain: str
    lang: str


class Mailer:
    """Queues the rules' mails.

    Args:
        sender: the daemon's mailbox.
        context: the rules' context now (time, working days, timings, people).
        load_material: reads a stored material by sha256 (attachments).
    """

    def __init__(
        self,
        sender: Sender,
        context: Callable[[], RuleContext],
        load_material: MaterialLoader | None = None,
    ) -> None:
        self.sender = sender
        self.context = context
        self.load_material = load_material

    def enqueue(
        self, db: Database, file: MeetingFile | None, out: Outgoing, cause: Cause | None = None
    ) -> bool:
        """Render ``out`` and queue it (caller's transaction); True when newly queued.

        An intent without recipients is logged and dropped; one already queued (same
        idempotency key) is not queued again; one caused by ``cause`` that the reply policy
        forbids is logged and recorded as ``no_reply``.

        Raises:
            ValueError: the intent cannot be rendered (e.g. a calendar intent for a meeting
                without a time).
        """
        if not out.to:
            log.info("%s: no recipient, nothing sent", out.kind)
            return False
        ctx = self.context()
        if cause is not None and not self._allowed(db, out, cause, ctx.now):
            return False
        view = file
        number = file.meeting.number if file else None
        idem = f"{number}:{out.kind}:{out.action_k or ''}:{out.key}:{','.join(sorted(out.to))}"
        # The Message-ID is derived from the key: make it the full idempotency key.
        keyed = replace(out, key=idem)
        message, rendered = compose_rendered(keyed, view, self._compose_context(file, ctx))
        intent = None
        if out.calendar is not None:
            if view is None:
                raise ValueError(f"{out.kind}: a calendar intent needs a meeting")
            snapshot = snapshot_of(
                view,
                out,
                tz=ctx.days.tz.key,
                organizer=self.sender.address,
                organizer_name=self.sender.name,
                description=rendered.text,
            )
            intent = snapshot.to_json()
        queued = outbox.enqueue(
            db,
            idem_key=idem,
            meeting_number=number,
            kind=out.kind,
            message=message,
            now=ctx.now,
            intent=intent,
            question_id=out.question_id,
        )
        if queued:
            queries.event_add(
                db, ctx.now, number, f"out:{out.kind}", f"to {', '.join(out.to + out.cc)}"
            )
        return queued

    def _allowed(self, db: Database, out: Outgoing, cause: Cause, now: dt.datetime) -> bool:
        """Whether ``out`` passes the reply policy for ``cause``; logs a refusal."""
        sender = (cause.msg.sender or "").lower()
        since = now - dt.timedelta(days=1)
        sent = queries.outbox_count_to(db, replies.NOTICE_KINDS, sender, since) if sender else 0
        why = replies.reply_blocked(
            out,
            sender=sender,
            message_id=cause.msg.message_id,
            auto_submitted=cause.msg.auto_submitted,
            replying_to=cause.replying_to,
            daemon_address=self.sender.address,
            notices_last_day=sent,
        )
        if why:
            log.info("%s: no %s to %r: %s", cause.label, out.kind, sender, why)
            queries.event_add(db, now, None, "no_reply", f"{cause.label} {sender}: {why}")
        return why is None

    def _compose_context(self, file: MeetingFile | None, ctx: RuleContext) -> ComposeContext:
        return ComposeContext(
            from_addr=self.sender.address,
            from_name=self.sender.name,
            msgid_domain=self.sender.msgid_domain,
            now_utc=ctx.now,
            tz=ctx.days.tz,
            lang=file.meeting.lang if file else self.sender.lang,
            deadlines=deadline_times(file, ctx.days, ctx.timings) if file else {},
            names=directory_names(ctx.directory),
            load_material=self.load_material,
        )


def directory_names(directory: Directory) -> dict[str, str]:
    """Address → first known name, for the mails' display names."""
    return {a: e.names[0] for a, e in directory.entries.items() if e.names}
