"""Ordered, named classification rules: the first rule that hits decides the kind.

Each rule looks at a :class:`Context` (the decoded mail, the sender's fresh text, the calendar
objects) and, when it hits, fills the :class:`~daemon.domain.messages.Inspection` and returns
``True``. The name of the rule that hit is appended to ``Inspection.rule_hits`` for the audit
log. Order matters and is deliberate:

1. bounces (``multipart/report`` DSN, Exchange NDR, MAILER-DAEMON/postmaster, "delivery
   delayed" notices from a relay) come first: a DSN often also carries ``Auto-Submitted``,
   and its returned original may hold an invitation;
2. auto-replies (RFC 3834 ``Auto-Submitted`` other than ``no``, ``X-Autoreply``,
   ``X-Autorespond``, auto subjects in many languages such as 自动回复, 自動応答, Automatic
   reply, Out of Office, Automatische Antwort, Réponse automatique) — never answered. The
   phrases are data in :mod:`daemon.inbound.loop_phrases`. Headers that only ask not to be
   answered (``X-Auto-Response-Suppress: All/OOF/AutoReply``, ``Precedence:
   bulk/junk/list``, ``Return-Path: <>``) are :data:`NO_ANSWER_SIGNS`: they mark the mail
   automatic but leave its kind to the rules below;
3. iTIP REPLY/COUNTER (RFC 5546) — the most reliable answer;
4. minutes, action updates, meeting requests, topic submissions (labelled, then free-form);
5. a plain-text RSVP, only in a meeting thread;
6. unknown.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from daemon.domain.messages import Inspection, MinutesDoc
from daemon.domain.problems import problem
from daemon.inbound import loops
from daemon.inbound.mime import Mail
from daemon.inbound.parse.actions import ACTION_TAG, parse_action_update
from daemon.inbound.parse.itip import CalendarInfo, is_generated_text
from daemon.inbound.parse.minutes import parse_minutes
from daemon.inbound.parse.request import count_labels, parse_request
from daemon.inbound.parse.rsvp_text import parse_rsvp_text, read_proxy
from daemon.inbound.parse.topics import parse_freeform_topic, parse_topics
from daemon.inbound.phrases.letter import TOPIC_LEAD
from daemon.inbound.phrases.subjects import (
    MEETING_THREAD_PHRASES,
    MINUTES_SUBJECT_PHRASES,
    REQUEST_SUBJECT_PHRASES,
    TOPIC_SUBJECT_PHRASES,
    TOPIC_WORD_PHRASES,
)

log = logging.getLogger(__name__)

_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.I)
_BOUNCE_NAME = re.compile(r"mail delivery (?:subsystem|system)|邮件系统退信|系统退信", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliverable|undelivered mail|delivery status notification \(failure\)|"
    r"returned mail|mail delivery failed|delivery failure|failure notice|"
    r"未能送达|无法送达|無法傳遞|无法传递|退信|系统退信|投递失败|投遞失敗)",
    re.I,
)
_READ_RECEIPT = re.compile(r"^\s*(?:read|已读|已讀|lu|gelesen)\s*[:：]", re.I)


@dataclass
class Context:
    """What the rules look at. ``ref`` is the aware message date (or now when missing)."""

    mail: Mail
    fresh: str
    ref: dt.datetime
    cal: CalendarInfo
    meeting_ref: str | None
    headers: dict[str, str] = field(default_factory=dict)
    _minutes: dict[bool, MinutesDoc | None] = field(default_factory=dict)
    minutes_problems: list[str] = field(default_factory=list)

    def minutes(self, prose: bool = False) -> MinutesDoc | None:
        """The fresh text read as minutes (parsed once per ``prose``, shared by the minutes
        rules; why a due date was not taken goes to ``minutes_problems``). With ``prose``,
        sentences outside any section heading are read too."""
        if prose not in self._minutes:
            found: list[str] = []
            self._minutes[prose] = parse_minutes(self.fresh, self.day, found, prose=prose)
            self.minutes_problems[:] = found
        return self._minutes[prose]

    @property
    def day(self) -> dt.date:
        """The message's local date."""
        return self.ref.date()


RuleFn = Callable[[Context, Inspection], bool]


def _dsn(ctx: Context, insp: Inspection) -> bool:
    if ctx.mail.content_type == "multipart/report" and ctx.mail.report_type != (
        "disposition-notification"
    ):
        insp.kind = "bounce"
        return True
    return False


def _mailer_daemon(ctx: Context, insp: Inspection) -> bool:
    sender = ctx.mail.sender or ""
    if _BOUNCE_SENDER.match(sender) or _BOUNCE_NAME.search(ctx.mail.sender_name or ""):
        insp.kind = "bounce"
        return True
    return False


def _ndr(ctx: Context, insp: Inspection) -> bool:
    if "x-ms-exchange-message-is-ndr" in ctx.headers or _BOUNCE_SUBJECT.match(ctx.mail.subject):
        insp.kind = "bounce"
        return True
    return False


def _delay_notice(ctx: Context, insp: Inspection) -> bool:
    if loops.delay_notice(ctx.mail.subject, ctx.mail.delivery_actions):
        insp.kind = "bounce"
        return True
    return False


def _read_receipt(ctx: Context, insp: Inspection) -> bool:
    if ctx.mail.report_type == "disposition-notification" or (
        _READ_RECEIPT.match(ctx.mail.subject) and not ctx.fresh.strip()
    ):
        insp.kind = "auto_reply"
        return True
    return False


def _header_rule(check: Callable[[dict[str, str]], str | None]) -> RuleFn:
    """A rule that makes the mail an ``auto_reply`` when ``check(headers)`` gives a reason."""

    def rule(ctx: Context, insp: Inspection) -> bool:
        if check(ctx.headers) is None:
            return False
        insp.kind = "auto_reply"
        return True

    return rule


def _auto_subject(ctx: Context, insp: Inspection) -> bool:
    if loops.auto_reply_subject(ctx.mail.subject):
        insp.kind = "auto_reply"
        return True
    return False


def _itip(ctx: Context, insp: Inspection) -> bool:
    reply = ctx.cal.rsvp
    if reply is None:
        return False
    if reply.comment is None and ctx.fresh and not is_generated_text(ctx.fresh):
        reply.comment = " ".join(ctx.fresh.split())[:500]
    if reply.partstat == "DECLINED" and reply.delegate is None and reply.comment:
        name, addr = read_proxy(reply.comment)  # "…代我参加" in an Outlook decline comment
        reply.delegate_name = reply.delegate_name or name
        reply.delegate = addr
    insp.kind, insp.rsvp = "rsvp", reply
    return True


def _answers_minutes_request(ctx: Context) -> bool:
    """The mail replies to our request for the minutes (its Message-ID names the kind,
    :func:`daemon.outbound.compose.make_message_id`)."""
    return any(ref.lstrip("<").startswith("minutes_request.") for ref in ctx.mail.in_reply_to)


def _take_minutes(ctx: Context, insp: Inspection, doc: MinutesDoc) -> None:
    """Make the mail minutes; log the action items kept as doubtful (owner or due unread)."""
    insp.kind, insp.minutes = "minutes", doc
    insp.problems.extend(ctx.minutes_problems)
    for item in doc.action_items:
        if item.doubtful:
            log.info(
                "minutes from %s: action item %r kept as doubtful (no readable %s)",
                ctx.mail.sender,
                item.what[:60],
                " or ".join(item.doubtful),
            )


def _minutes(ctx: Context, insp: Inspection) -> bool:
    asked = _answers_minutes_request(ctx)
    if not (asked or MINUTES_SUBJECT_PHRASES.search(ctx.mail.subject)):
        return False
    doc = ctx.minutes(prose=True)
    if doc is None:
        return False
    if doc.prose and not asked and not (doc.action_items or len(doc.decisions) >= 2):
        return False  # "Re: 会议纪要 — 同意" is a comment on the minutes, not minutes
    _take_minutes(ctx, insp, doc)
    return True


def _minutes_sections(ctx: Context, insp: Inspection) -> bool:
    doc = ctx.minutes()
    if doc is None or not (doc.decisions and doc.action_items):
        return False
    _take_minutes(ctx, insp, doc)
    return True


def _action_update(ctx: Context, insp: Inspection) -> bool:
    if not ACTION_TAG.search(ctx.mail.subject):
        return False
    found: list[str] = []
    update = parse_action_update(ctx.mail.subject, ctx.fresh, ctx.day, found)
    insp.problems.extend(found)
    if update is None:
        insp.problems.append(problem("action_no_status"))
        return False
    insp.kind, insp.action_update = "action_update", update
    return True


def _request(ctx: Context, insp: Inspection) -> bool:
    labelled = count_labels(ctx.fresh)
    if not (REQUEST_SUBJECT_PHRASES.search(ctx.mail.subject) and labelled >= 2) and labelled < 5:
        return False
    insp.kind = "meeting_request"
    insp.meeting_request = parse_request(ctx.mail.subject, ctx.fresh, ctx.ref, insp.problems)
    return True


def _topics(ctx: Context, insp: Inspection) -> bool:
    topics = parse_topics(ctx.fresh, has_material=bool(insp.attachments))
    if not topics:
        return False
    insp.kind, insp.topics = "topic_submission", topics
    return True


def _freeform_topic(ctx: Context, insp: Inspection) -> bool:
    if not TOPIC_SUBJECT_PHRASES.search(ctx.mail.subject):
        return False
    if not (TOPIC_WORD_PHRASES.search(ctx.fresh) or TOPIC_LEAD.search(ctx.fresh)):
        return False
    topic = parse_freeform_topic(ctx.fresh, has_material=bool(insp.attachments))
    if topic is None:
        return False
    insp.kind, insp.topics = "topic_submission", [topic]
    insp.problems.append(problem("topic_free_text"))
    return True


def _rsvp_text(ctx: Context, insp: Inspection) -> bool:
    if not (ctx.meeting_ref or MEETING_THREAD_PHRASES.search(ctx.mail.subject)):
        return False
    reply = parse_rsvp_text(ctx.fresh, ctx.mail.sender)
    if reply is None:
        return False
    insp.kind, insp.rsvp = "rsvp", reply
    return True


RULES: list[tuple[str, RuleFn]] = [
    ("bounce.multipart_report", _dsn),
    ("bounce.mailer_daemon", _mailer_daemon),
    ("bounce.ndr_subject", _ndr),
    ("bounce.delay_notice", _delay_notice),
    ("auto_reply.read_receipt", _read_receipt),
    ("auto_reply.auto_submitted", _header_rule(loops.auto_submitted)),
    ("auto_reply.x_autoreply", _header_rule(loops.auto_reply_header)),
    ("auto_reply.precedence", _header_rule(loops.precedence_auto_reply)),
    ("auto_reply.subject", _auto_subject),
    ("itip.reply", _itip),
    ("minutes.subject", _minutes),
    ("minutes.sections", _minutes_sections),
    ("action_update.tagged", _action_update),
    ("meeting_request.form", _request),
    ("topic_submission.labelled", _topics),
    ("topic_submission.freeform", _freeform_topic),
    ("rsvp.text", _rsvp_text),
]


# Headers that ask not to be answered but do not make the mail automatic: a person's calendar
# answer from a mailbox whose server stamps X-Auto-Response-Suppress, or a post through a list,
# still says what it says. They mark the mail ``auto_submitted`` (the daemon then sends no
# answer to it, RFC 3834 §2); a mail that says nothing else is an ``auto_reply``.
NO_ANSWER_SIGNS: list[tuple[str, Callable[[dict[str, str]], str | None]]] = [
    ("no_answer.suppress_header", loops.suppress_header),
    ("no_answer.precedence", loops.precedence),
    ("no_answer.null_return_path", loops.null_return_path),
]


def classify(ctx: Context, insp: Inspection) -> None:
    """Run :data:`RULES` in order; the first hit sets ``insp.kind`` and its payload.

    Records the hit's name in ``insp.rule_hits``; with no hit the kind stays ``unknown`` and
    ``unknown.fallback`` is recorded. :data:`NO_ANSWER_SIGNS` are recorded first and set
    ``insp.auto_submitted``; with no rule hit they make the kind ``auto_reply``. Rule errors
    propagate (the caller turns them into a problem and kind ``unknown``).
    """
    signs = [name for name, check in NO_ANSWER_SIGNS if check(ctx.headers) is not None]
    if signs:
        insp.auto_submitted = True
        insp.rule_hits.extend(signs)
    for name, rule in RULES:
        if rule(ctx, insp):
            insp.rule_hits.append(name)
            log.debug("rule %s hit", name)
            return
    insp.kind = "auto_reply" if signs else "unknown"
    if not signs:
        insp.rule_hits.append("unknown.fallback")
