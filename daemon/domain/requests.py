"""Meeting request → goal check → host approval (PROCESS.md §1, first two rows)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from daemon.domain import questions
from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.events import Incoming
from daemon.domain.messages import MeetingRequestForm
from daemon.domain.model import Meeting, MeetingFile, Role
from daemon.domain.problems import problem
from daemon.domain.refused import CommandRefused
from daemon.domain.roster import add_participant, everyone, with_role

_YES_WORDS = r"同意|批准|通过|通過|可以|\bapprov\w*|\bagree\w*|\byes\b|\bok(?:ay)?\b|\bgo ahead"
# A negation within a few characters before a yes-word turns it into a no ("不太同意",
# "先别通过", "I don't really agree", "cannot approve").
_NEGATED = re.compile(
    r"(?:不|没|沒|别|別|未|暂不|先不|无法|無法)[^，。,.;；!！?？]{0,3}(?:" + _YES_WORDS + ")"
    r"|\b(?:not|don'?t|do not|cannot|can'?t|won'?t|never)\b[\w\s]{0,12}?(?:" + _YES_WORDS + ")",
    re.I,
)
_NO = re.compile(r"驳回|駁回|拒绝|拒絕|否决|否決|\breject\w*|\bdecline\w*|\bno\b", re.I)
_YES = re.compile(_YES_WORDS, re.I)
_HEDGE = re.compile(r"\?|？|再看|考虑|考慮|商量|later|think about", re.I)


def new_meeting(number: int, inc: Incoming, ctx: RuleContext) -> tuple[MeetingFile, Effects]:
    """Open meeting ``number`` from a meeting request and check it.

    Returns the new file and its effects: ``request_received`` + ``approval_request`` when
    the request is complete and its goal measurable, else ``goal_rejected`` or
    ``request_question`` to the requester.
    """
    form = inc.msg.meeting_request or MeetingRequestForm(title=None)
    meeting = Meeting(
        number=number,
        title=form.title or inc.msg.subject or f"MTG-{number}",
        status="requested",
        requester=inc.sender,
        lang=ctx.lang,
        request_message_id=inc.msg.message_id,
        created_utc=ctx.now,
    )
    file = MeetingFile(meeting)
    effects = Effects(log=[f"MTG-{number}: new request from {inc.sender}"])
    apply_form(file, form, inc, ctx, effects)
    return file, effects


def apply_form(
    file: MeetingFile,
    form: MeetingRequestForm,
    inc: Incoming,
    ctx: RuleContext,
    effects: Effects,
) -> None:
    """Merge a (re)submitted request form into ``file`` and decide the next step."""
    m = file.meeting
    if m.status not in ("requested", "goal_rejected", "incomplete", "awaiting_approval"):
        effects.log.append(f"{m.ref}: request form ignored in status {m.status}")
        return
    for name in ("title", "core_problem", "expected_outcome", "location"):
        value = getattr(form, name)
        if value:
            setattr(m, name, value)
    if form.start is not None:
        m.start_utc = form.start.astimezone(dt.UTC)
        minutes = form.duration_minutes or ctx.timings.default_minutes
        m.end_utc = m.start_utc + dt.timedelta(minutes=minutes)
    unresolved: list[str] = []
    people: list[tuple[str, str | None, str | None]] = [
        ("host", form.host, form.host_name),
        ("recorder", form.recorder, form.recorder_name),
    ]
    for role, written, written_name in people:
        who = written or (ctx.directory.resolve(written_name).address if written_name else None)
        if who is None and written_name:
            unresolved.append(written_name)
        if who:
            setattr(m, role, who.lower())
            add_participant(file, who, role, ctx.directory)  # type: ignore[arg-type]
    for address in form.participants:
        add_participant(file, address, "core", ctx.directory)
    for address in form.observers:
        add_participant(file, address, "observer", ctx.directory)
    unresolved += _resolve_names(file, form.unresolved_names, "core", ctx)
    unresolved += _resolve_names(file, form.observer_names, "observer", ctx)

    missing = [
        name
        for name, ok in [
            ("title", bool(m.title)),
            ("expected_outcome", bool(m.expected_outcome)),
            ("host", bool(m.host) and m.host != ctx.daemon_address),
            ("recorder", bool(m.recorder) and m.recorder != ctx.daemon_address),
            ("start", m.start_utc is not None and m.start_utc > ctx.now),
            ("participants", bool(with_role(file, "core"))),
        ]
        if not ok
    ]
    missing += [f"participant:{name}" for name in unresolved]
    reply_to = inc.msg.message_id
    if form.goal_issues:
        m.status = "goal_rejected"
        q = questions.ask(file, "goal", m.requester, ctx.now, wanted=["expected_outcome"])
        effects.outgoing.append(
            Outgoing(
                "goal_rejected",
                [m.requester],
                key=inc.key,
                in_reply_to=reply_to,
                extra={"issues": list(form.goal_issues)},
                question_id=q.id,
            )
        )
        effects.log.append(f"{m.ref}: goal rejected: {'; '.join(form.goal_issues)}")
    elif missing:
        m.status = "incomplete"
        q = questions.ask(file, "request_fields", m.requester, ctx.now, wanted=missing)
        effects.outgoing.append(
            Outgoing(
                "request_question",
                [m.requester],
                key=inc.key,
                in_reply_to=reply_to,
                extra={"missing": missing},
                question_id=q.id,
            )
        )
        effects.log.append(f"{m.ref}: request incomplete, asked for {', '.join(missing)}")
    else:
        m.status = "awaiting_approval"
        assert m.host is not None
        effects.outgoing.append(
            Outgoing("request_received", [m.requester], key=inc.key, in_reply_to=reply_to)
        )
        q = questions.ask(file, "approval", m.host, ctx.now)
        effects.outgoing.append(
            Outgoing("approval_request", [m.host], key=inc.key, question_id=q.id)
        )
        effects.log.append(f"{m.ref}: request complete; approval asked of {m.host}")


def _resolve_names(file: MeetingFile, names: list[str], role: Role, ctx: RuleContext) -> list[str]:
    """Add people written by name with ``role``; return the names that did not resolve
    to exactly one person (they are asked about, never guessed)."""
    unresolved = []
    for name in names:
        found = ctx.directory.resolve(name)
        if found.address:
            add_participant(file, found.address, role, ctx.directory)
        else:
            unresolved.append(name)
    return unresolved


def read_approval(inc: Incoming) -> bool | None:
    """The host's answer to an approval request: True (approve), False (reject) or None.

    A calendar-style yes/no from the parser counts; otherwise the first line the host wrote
    now (never the quoted request) saying yes or no decides. A negated yes ("不太同意",
    "不可以", "I don't agree", "cannot approve") is a no; a yes with a question or a
    hedge ("可以再商量？") is unclear (None), so the host is asked again, never guessed.
    """
    if inc.msg.rsvp is not None:
        if inc.msg.rsvp.partstat == "ACCEPTED":
            return True
        if inc.msg.rsvp.partstat == "DECLINED":
            return False
    for line in inc.msg.fresh_text.splitlines():
        if _NEGATED.search(line) or _NO.search(line):
            return False
        if _YES.search(line):
            return None if _HEDGE.search(line) else True
    return None


def approve(file: MeetingFile, ctx: RuleContext, actor: str, effects: Effects) -> None:
    """Approve: give the meeting its UID, send the invite and the call for topics.

    Raises:
        CommandRefused: the meeting's time has passed meanwhile (reschedule it first).
    """
    m = file.meeting
    if m.status != "awaiting_approval":
        effects.log.append(f"{m.ref}: approval by {actor} ignored in status {m.status}")
        return
    if m.start_utc is None or m.start_utc <= ctx.now:
        raise CommandRefused(problem("time_passed", ref=m.ref))
    m.status = "scheduled"
    m.approved_utc = ctx.now
    if m.uid is None:
        seed = f"{m.number}:{m.created_utc}:{m.request_message_id}".encode()
        domain = ctx.daemon_address.rpartition("@")[2] or "meetingd.local"
        m.uid = f"meetingd-{m.number}-{hashlib.sha256(seed).hexdigest()[:12]}@{domain}"
    effects.outgoing.append(Outgoing("invite", everyone(file), calendar="REQUEST"))
    core = with_role(file, "core")
    effects.outgoing.append(Outgoing("call_for_topics", core, cc=[m.host] if m.host else []))
    if m.requester and m.requester not in (actor, m.host):
        effects.outgoing.append(
            Outgoing("request_approved", [m.requester], extra={"invited": len(everyone(file))})
        )
    effects.log.append(f"{m.ref}: approved by {actor}; invite to {len(everyone(file))} people")


def reject(
    file: MeetingFile, ctx: RuleContext, actor: str, effects: Effects, reason: str | None = None
) -> None:
    """The host said no: tell the requester."""
    m = file.meeting
    if m.status != "awaiting_approval":
        effects.log.append(f"{m.ref}: rejection by {actor} ignored in status {m.status}")
        return
    m.status = "rejected"
    effects.outgoing.append(Outgoing("request_rejected", [m.requester], extra={"reason": reason}))
    effects.log.append(f"{m.ref}: rejected by {actor}")
