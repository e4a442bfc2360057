"""The rules' outgoing intents → outbox rows, in the caller's transaction.

:class:`Mailer` queues each :class:`~daemon.domain.effects.Outgoing` under an idempotency
key made of the meeting, the kind, the action item, the rules' key and the recipients: the
same intent is never queued twice. A plain mail is queued as a
:class:`~daemon.outbound.drafts.Draft` (Message-ID, recipients and language fixed) and
composed when it is sent (:meth:`Mailer.compose_draft`: templates, headers, materials). A
calendar intent (``Outgoing.calendar`` set) is composed at once and queued with its
:class:`~daemon.transports.calendar.MeetingSnapshot`; the calendar backend applies it when
the outbox is dispatched.

A mail caused by an inbound message (a :class:`Cause`) first passes the reply policy of
:mod:`daemon.domain.replies`: nothing answers automatic mail, and notices are capped and
never answer our own notices. Each mail held back is logged and recorded as ``no_reply``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

from jinja2 import TemplateError
from sqlite_utils import Database

from daemon.domain import replies
from daemon.domain.context import RuleContext
from daemon.domain.directory import Directory
from daemon.domain.effects import Outgoing
from daemon.domain.messages import Inspection
from daemon.domain.model import MeetingFile
from daemon.domain.views import deadline_times
from daemon.errors import PermanentError
from daemon.outbound import outbox
from daemon.outbound.compose import (
    ComposeContext,
    MaterialLoader,
    compose_bytes,
    make_message_id,
)
from daemon.outbound.drafts import Draft
from daemon.outbound.snapshot import snapshot_of
from daemon.store import queries
from daemon.store.rows import OutboxRow

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
        """Queue ``out`` (caller's transaction), one mail per language; True when newly queued.

        An intent without recipients is logged and dropped; one already queued (same
        idempotency key) is not queued again; one caused by ``cause`` that the reply policy
        forbids is logged and recorded as ``no_reply``.

        Raises:
            ValueError: a calendar intent cannot be rendered (e.g. for a meeting without a
                time).
        """
        if not out.to:
            log.info("%s: no recipient, nothing sent", out.kind)
            return False
        ctx = self.context()
        if cause is not None and not self._allowed(db, out, cause, ctx.now):
            return False
        groups = by_language(out, ctx.directory, self.sender.lang)
        if len(groups) > 1:
            log.info(
                "%s: one mail per language: %s",
                out.kind,
                "; ".join(f"{lang} to {', '.join(part.to)}" for lang, part in groups),
            )
        number = file.meeting.number if file else None
        whole = _idem_key(number, out) if len(groups) > 1 else None
        queued = False
        for lang, part in groups:
            queued = self._enqueue_one(db, file, part, lang, ctx, part_of=whole) or queued
        return queued

    def _enqueue_one(
        self,
        db: Database,
        file: MeetingFile | None,
        out: Outgoing,
        lang: str,
        ctx: RuleContext,
        part_of: str | None,
    ) -> bool:
        """Queue ``out`` in ``lang``: a draft, or composed now (a calendar intent, whose
        snapshot carries the text, or a mail whose template values a draft cannot hold);
        ``part_of`` is the key of the whole intent when ``out`` is one language's part of it."""
        number = file.meeting.number if file else None
        idem = _idem_key(number, out)
        # The Message-ID is derived from the key: make it the full idempotency key.
        keyed = replace(out, key=idem)
        recipients = list(dict.fromkeys(a.lower() for a in out.to + out.cc))
        draft = _draft_text(keyed, lang) if out.calendar is None else None
        if draft is not None:
            queued = outbox.enqueue_mail(
                db,
                idem_key=idem,
                message_id=make_message_id(
                    out.kind, number, idem, out.action_k, ctx.now, self.sender.msgid_domain
                ),
                meeting_number=number,
                kind=out.kind,
                recipients=recipients,
                draft=draft,
                now=ctx.now,
                question_id=out.question_id,
            )
            return self._queued(db, out, number, ctx.now, queued)
        if out.calendar is not None and file is None:
            raise ValueError(f"{out.kind}: a calendar intent needs a meeting")
        composed = compose_bytes(keyed, file, self._compose_context(file, ctx, lang))
        intent = None
        if out.calendar is not None and file is not None:
            snapshot = snapshot_of(
                file,
                out,
                tz=ctx.days.tz.key,
                organizer=self.sender.address,
                organizer_name=self.sender.name,
                description=composed.rendered.text,
                part_of=part_of,
            )
            intent = snapshot.to_json()
        queued = outbox.enqueue_mail(
            db,
            idem_key=idem,
            message_id=composed.message_id,
            meeting_number=number,
            kind=out.kind,
            recipients=recipients,
            subject=composed.subject,
            raw=composed.raw,
            now=ctx.now,
            intent=intent,
            question_id=out.question_id,
        )
        return self._queued(db, out, number, ctx.now, queued)

    def _queued(
        self, db: Database, out: Outgoing, number: int | None, now: dt.datetime, queued: bool
    ) -> bool:
        """Record an ``out:<kind>`` event for a mail newly queued; return ``queued``."""
        if queued:
            to = ", ".join(out.to + out.cc)
            queries.event_add(db, now, number, f"out:{out.kind}", f"to {to}")
        return queued

    def compose_draft(self, row: OutboxRow, file: MeetingFile | None) -> tuple[str, bytes]:
        """Compose the draft mail of ``row`` for ``file`` (the meeting as it is now; None for
        a mail about no meeting): (subject, bytes to send). The mail is dated when it was
        queued and keeps the Message-ID it was queued with.

        Raises:
            PermanentError: the row holds no readable draft, or the mail cannot be rendered
                (a template error, an action item no longer there).
        """
        try:
            draft = Draft.from_text(row.draft or "")
            ctx = replace(self.context(), now=row.created_utc)
            cctx = replace(self._compose_context(file, ctx, draft.lang), message_id=row.message_id)
            composed = compose_bytes(draft.out, file, cctx)
        except (ValueError, LookupError, TemplateError) as exc:
            raise PermanentError(f"cannot compose {row.kind}: {exc}") from exc
        return composed.subject, composed.raw

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

    def _compose_context(
        self, file: MeetingFile | None, ctx: RuleContext, lang: str
    ) -> ComposeContext:
        return ComposeContext(
            from_addr=self.sender.address,
            from_name=self.sender.name,
            msgid_domain=self.sender.msgid_domain,
            now_utc=ctx.now,
            tz=ctx.days.tz,
            lang=lang,
            deadlines=deadline_times(file, ctx.days, ctx.timings) if file else {},
            names=directory_names(ctx.directory, lang),
            departments=department_names(ctx.directory, lang),
            load_material=self.load_material,
        )


def _draft_text(out: Outgoing, lang: str) -> str | None:
    """``out`` as a draft's text, or None (logged) when a template value in ``out.extra``
    is of a type a draft cannot hold: that mail is composed at once instead."""
    try:
        return Draft(out, lang).to_text()
    except TypeError as exc:
        log.warning("%s: composed now, not as a draft: %s", out.kind, exc)
        return None


def _idem_key(number: int | None, out: Outgoing) -> str:
    """The idempotency key of ``out``: meeting, kind, action item, the rules' key, To."""
    return f"{number}:{out.kind}:{out.action_k or ''}:{out.key}:{','.join(sorted(out.to))}"


def by_language(out: Outgoing, directory: Directory, default: str) -> list[tuple[str, Outgoing]]:
    """``out`` split into one intent per mail language of its recipients: ``default``'s
    first (a calendar that sends one invitation per change, Exchange, tells with the first
    part's text), then the others in the order they first appear in ``out.to``.

    A recipient's language is their configured ``lang`` (:meth:`Directory.lang_of`), else
    ``default`` (``[daemon] lang``). A Cc address goes with the To addresses of its
    language; when none has it, it becomes the To of its own mail. With one language
    ``out`` comes back unchanged (same recipients, same idempotency key as before).
    """
    to: dict[str, list[str]] = {}
    if any(directory.lang_of(a, default) == default for a in out.to):
        to[default] = []
    for address in out.to:
        to.setdefault(directory.lang_of(address, default), []).append(address)
    cc: dict[str, list[str]] = {}
    for address in out.cc:
        cc.setdefault(directory.lang_of(address, default), []).append(address)
    if len(to) == 1 and set(cc) <= set(to):
        return [(next(iter(to)), out)]
    groups = [(lang, replace(out, to=addrs, cc=cc.pop(lang, []))) for lang, addrs in to.items()]
    groups += [(lang, replace(out, to=addrs, cc=[])) for lang, addrs in cc.items()]
    return groups


class DirectoryNames(Mapping[str, str]):
    """Address → the name to show in a ``lang`` mail (:meth:`Directory.display_name`),
    looked up when a template asks: an address without a name is not in it. Not a copy: a
    copy of a directory of 20,000 people cost 9 ms a mail."""

    def __init__(self, directory: Directory, lang: str) -> None:
        self.directory, self.lang = directory, lang

    def __getitem__(self, address: str) -> str:
        name = self.directory.display_name(address, self.lang)
        if not name:
            raise KeyError(address)
        return name

    def __iter__(self) -> Iterator[str]:
        return (a for a in self.directory.entries if self.directory.display_name(a, self.lang))

    def __len__(self) -> int:  # counts: for completeness only, never on a mail's path
        return sum(1 for _ in self)

    def __bool__(self) -> bool:  # without it, ``names or {}`` would count every entry
        return bool(self.directory.entries)


def directory_names(directory: Directory, lang: str) -> DirectoryNames:
    """Address → the name to show in a ``lang`` mail (a :class:`DirectoryNames`)."""
    return DirectoryNames(directory, lang)


def department_names(directory: Directory, lang: str) -> dict[str, str]:
    """Department name → its name in a ``lang`` mail (:meth:`Directory.display_department`)."""
    return {d: directory.display_department(d, lang) for d in directory.departments}
