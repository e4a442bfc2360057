"""Apply a reply as the answer to the question it replies to (:mod:`daemon.domain.questions`).

:func:`apply_answer` runs before any other reading of a reply that answers one of our open
questions. Only someone who may make the change the question is about may answer it
(:data:`daemon.domain.questions.CHANGE_OF`). An answer that fits is applied and the question
closed (or narrowed to what is still missing); one that does not fit changes nothing and is
asked again, quoting the question (quarantine reason ``answer_unclear``).

Pure: mutates the :class:`MeetingFile`, adds to :class:`Effects`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from daemon.domain import attendance, authz, changes, minutes, questions, requests
from daemon.domain.agenda_edits import apply_edits
from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.events import Command, Incoming
from daemon.domain.messages import RsvpReply
from daemon.domain.model import MeetingFile, Question
from daemon.domain.owners import assign, resolve_owner
from daemon.domain.refused import CommandRefused, refused_reason
from daemon.domain.refusing import refuse
from daemon.domain.timed import publish_agenda


def apply_answer(
    file: MeetingFile, inc: Incoming, q: Question, ctx: RuleContext, fx: Effects
) -> bool:
    """Apply ``inc.answer`` to open question ``q``; True when the mail was taken as the answer
    (applied, refused, or asked again), False when it answered nothing and should be read as
    any other mail."""
    answer = inc.answer
    if q.kind not in _HANDLERS or answer is None or (answer.empty() and not answer.problems):
        return False
    attendee = q.about if q.kind == "proxy" else None
    refusal = authz.check(
        questions.CHANGE_OF[q.kind],
        inc.sender,
        file,
        ctx.directory,
        attendee=attendee,
        about=q.about,
    )
    if refusal is not None:
        refuse(file, inc, refusal, fx)
        return True
    handler = _HANDLERS[q.kind]
    try:
        handler(file, inc, q, ctx, fx)
    except CommandRefused as exc:
        fx.quarantine = refused_reason(exc)
    fx.log += questions.close_moot(file, ctx.now)
    return True


def unclear(
    file: MeetingFile,
    q: Question,
    fx: Effects,
    why: str = "answer_unclear",
    inc: Incoming | None = None,
) -> None:
    """Change nothing; quarantine the reply and ask ``q`` again (the notice quotes it)."""
    fx.quarantine = why
    fx.question_id = q.id
    fx.notice_problems = list(inc.answer.problems) if inc and inc.answer else []
    fx.log.append(f"{file.meeting.ref}: reply to question {q.id} ({q.kind}) did not answer it")


# ----------------------------------------------------------------- per question
def _proxy(file: MeetingFile, inc: Incoming, q: Question, ctx: RuleContext, fx: Effects) -> None:
    assert inc.answer is not None
    values = inc.answer.values
    rsvp = file.rsvp(q.about)
    if rsvp is None or not values:
        unclear(file, q, fx, inc=inc)
        return
    reply = RsvpReply(
        attendee=q.about,
        partstat="DELEGATED" if rsvp.partstat == "DELEGATED" else "DECLINED",
        delegate=values.get("delegate"),
        delegate_name=values.get("delegate_name"),
        written_opinion=values.get("written_opinion"),
        source="text",
    )
    if reply.delegate is None and reply.delegate_name:
        found = ctx.directory.resolve(reply.delegate_name)
        if found.address is None:
            unclear(file, q, fx, "proxy_unknown", inc)
            return
        reply.delegate = found.address
    msg = dataclasses.replace(inc.msg, kind="rsvp", rsvp=reply)
    attendance.on_rsvp(file, dataclasses.replace(inc, msg=msg), ctx, fx)


def _owner(file: MeetingFile, inc: Incoming, q: Question, ctx: RuleContext, fx: Effects) -> None:
    assert inc.answer is not None
    taken, left = [], []
    for ref, written in inc.answer.values.items():
        item = file.action(int(ref[2:]))
        if item is None or item.owner:
            continue
        address = resolve_owner(written, ctx)
        if address is None:
            left.append(ref)
            continue
        assign(file, item.k, address, written, ctx, fx, by=inc.sender)
        taken.append(ref)
    if not taken:
        unclear(file, q, fx, "owner_unknown", inc)
    elif left:
        fx.log.append(f"{file.meeting.ref}: owner of {', '.join(left)} still unknown")


def _request(file: MeetingFile, inc: Incoming, q: Question, ctx: RuleContext, fx: Effects) -> None:
    assert inc.answer is not None
    form = inc.answer.form
    if form is None or not inc.answer.values:
        unclear(file, q, fx, inc=inc)
        return
    requests.apply_form(file, form, inc, ctx, fx)


def _topic(file: MeetingFile, inc: Incoming, q: Question, ctx: RuleContext, fx: Effects) -> None:
    assert inc.answer is not None
    ids = q.about.split(",")
    targets = [t for t in file.topics if str(t.id) in ids and t.missing]
    if len(targets) != 1 or not inc.answer.values:
        unclear(file, q, fx, inc=inc)
        return
    topic = targets[0]
    for name, value in inc.answer.values.items():
        setattr(topic, name, value)
    topic.missing = [f for f in topic.missing if not getattr(topic, f)]
    kind = "topic_question" if topic.missing else "topic_receipt"
    row = {
        name: getattr(topic, name)
        for name in ("title", "background", "pain_point", "expected_outcome", "missing")
    }
    question_id = None
    if topic.missing:
        question_id = questions.ask(
            file, "topic_fields", inc.sender, ctx.now, about=str(topic.id), wanted=topic.missing
        ).id
    fx.outgoing.append(
        Outgoing(
            kind,
            [inc.sender],
            key=inc.key,
            in_reply_to=inc.msg.message_id,
            extra={"topics": [row], "late": topic.late},
            question_id=question_id,
        )
    )
    fx.log.append(
        f"{file.meeting.ref}: topic {topic.id} completed by {inc.sender}"
        + (f"; still missing {', '.join(topic.missing)}" if topic.missing else "")
    )


def _counter(file: MeetingFile, inc: Incoming, q: Question, ctx: RuleContext, fx: Effects) -> None:
    assert inc.answer is not None
    decision = inc.answer.decision
    rsvp = file.rsvp(q.about)
    proposed = rsvp.proposed_start_utc if rsvp else None
    if decision == "keep":
        fx.outgoing.append(
            Outgoing(
                "counter_decision",
                [q.about],
                key=inc.key,
                extra={"decision": "keep", "start": file.meeting.start_utc},
            )
        )
        fx.log.append(f"{file.meeting.ref}: host keeps the time proposed away by {q.about}")
        fx.log.append(questions.close(q, "answered: keep", ctx.now))
        return
    start = inc.answer.start if decision == "move" else proposed if decision == "accept" else None
    if start is None:
        unclear(file, q, fx, inc=inc)
        return
    end = None
    if decision == "accept" and rsvp and rsvp.proposed_end_utc:
        end = rsvp.proposed_end_utc
    elif inc.answer.duration_minutes:
        end = start + dt.timedelta(minutes=inc.answer.duration_minutes)
    changes.reschedule(
        file,
        Command("reschedule", actor=inc.sender, start=start, end=end, reason="counter"),
        ctx,
        fx,
    )
    fx.log.append(questions.close(q, f"answered: {decision}", ctx.now))


def _late_topic(
    file: MeetingFile, inc: Incoming, q: Question, ctx: RuleContext, fx: Effects
) -> None:
    assert inc.answer is not None
    decision = inc.answer.decision
    if decision not in ("include", "exclude"):
        unclear(file, q, fx, inc=inc)
        return
    verb: Literal["include_topic", "exclude_topic"] = (
        "include_topic" if decision == "include" else "exclude_topic"
    )
    cmd = Command(verb, actor=inc.sender, topic_key=inc.reply_to_key)
    changes.decide_late_topic(file, cmd, ctx, fx)
    fx.log.append(questions.close(q, f"answered: {inc.answer.decision}", ctx.now))


def _empty_agenda(
    file: MeetingFile, inc: Incoming, q: Question, ctx: RuleContext, fx: Effects
) -> None:
    assert inc.answer is not None
    decision = inc.answer.decision
    if decision == "hold":
        fx.log.append(f"{file.meeting.ref}: the host holds the meeting without topics")
        publish_agenda(file, ctx, fx, key=inc.key)
    elif decision == "cancel":
        reason = inc.msg.fresh_text.strip()[:300] or None
        changes.cancel(file, Command("cancel", actor=inc.sender, reason=reason), fx)
    elif decision == "move" and inc.answer.start is not None:
        end = None
        if inc.answer.duration_minutes:
            end = inc.answer.start + dt.timedelta(minutes=inc.answer.duration_minutes)
        cmd = Command("reschedule", actor=inc.sender, start=inc.answer.start, end=end)
        changes.reschedule(file, cmd, ctx, fx)
    else:
        unclear(file, q, fx, inc=inc)
        return
    fx.log.append(questions.close(q, f"answered: {decision}", ctx.now))


def _minutes_confirm(
    file: MeetingFile, inc: Incoming, q: Question, ctx: RuleContext, fx: Effects
) -> None:
    assert inc.answer is not None
    if inc.answer.decision == "confirm":
        fx.log.append(questions.close(q, "confirmed", ctx.now))
        minutes.distribute(file, ctx, fx, key=inc.key)
    elif inc.answer.decision == "correct" and inc.answer.minutes is not None:
        minutes.take(file, inc, inc.answer.minutes, ctx, fx)
    else:
        unclear(file, q, fx, inc=inc)


def _agenda(file: MeetingFile, inc: Incoming, q: Question, ctx: RuleContext, fx: Effects) -> None:
    assert inc.answer is not None
    if inc.answer.decision == "keep":
        fx.log.append(f"{file.meeting.ref}: the host keeps the agenda as it is")
        return
    if not inc.answer.edits:
        unclear(file, q, fx, "agenda_unclear", inc)
        return
    apply_edits(file, inc.answer.edits, ctx, fx, actor=inc.sender, key=inc.key)


_HANDLERS = {
    "proxy": _proxy,
    "owner": _owner,
    "goal": _request,
    "request_fields": _request,
    "topic_fields": _topic,
    "counter": _counter,
    "late_topic": _late_topic,
    "empty_agenda": _empty_agenda,
    "minutes_confirm": _minutes_confirm,
    "agenda": _agenda,
}
