"""The process rules: one entry point per kind of event, each returning :class:`Effects`.

Pure: every function takes a :class:`MeetingFile` (mutated in place), the event and a
:class:`RuleContext`, and returns what to send and the meeting's full deadline set. The
service persists the file, enqueues the mails and syncs the deadlines in one transaction.
"""

from __future__ import annotations

import datetime as dt

from daemon.domain import (
    answering,
    attendance,
    authz,
    changes,
    followup,
    forwards,
    minutes,
    questions,
    requests,
    review,
    topics,
)
from daemon.domain.authz import Change
from daemon.domain.context import RuleContext
from daemon.domain.deadlines import deadlines_for
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.events import Command, Incoming
from daemon.domain.identity import sender_verified
from daemon.domain.model import Deadline, MeetingFile, Rsvp
from daemon.domain.refused import CommandRefused, refused_reason
from daemon.domain.refusing import refuse
from daemon.domain.timed import distribute, on_deadline


def identity_doubt(inc: Incoming, ctx: RuleContext) -> str | None:
    """Why the sender of ``inc`` may change nothing at all, or None.

    ``suspicious_sender``: the display name carries another address (a forged-looking
    From); ``unverified_sender``: ``[security]`` requires a verified sender and no trusted
    server vouched for this one (:mod:`daemon.domain.identity`). An answer the calendar
    backend recorded itself (``inc.vouched``) needs no server's word.
    """
    if inc.msg.sender_suspicious:
        return "suspicious_sender"
    if inc.vouched:
        return None
    if not sender_verified(ctx.security, inc.msg.authentication, inc.msg.exchange_auth_as):
        return "unverified_sender"
    return None


def open_meeting(number: int, inc: Incoming, ctx: RuleContext) -> tuple[MeetingFile, Effects]:
    """A meeting request that links to no meeting opens meeting ``number`` (check
    :func:`identity_doubt` first: a doubtful sender opens nothing)."""
    file, effects = requests.new_meeting(number, inc, ctx)
    _refused_attachments(inc, ctx, effects)
    return file, _finish(file, effects, ctx)


def apply_message(file: MeetingFile, inc: Incoming, ctx: RuleContext) -> Effects:
    """Apply one parsed message linked to ``file``.

    Every change the mail asks for is checked against :data:`daemon.domain.authz.TABLE`
    first: a sender who may not make it changes nothing and is told who may. Sets
    ``Effects.quarantine`` (with a reason a person can act on) when the message cannot be
    acted on in the meeting's current state.
    """
    m = file.meeting
    kind = inc.msg.kind
    effects = Effects()
    if m.status in ("cancelled", "rejected"):
        effects.log.append(f"{m.ref}: {kind} from {inc.sender} not applied: meeting {m.status}")
        effects.quarantine = f"meeting_{m.status}"  # the sender is told
        return _finish(file, effects, ctx)
    doubt = identity_doubt(inc, ctx)
    if doubt is not None:
        effects.log.append(f"{m.ref}: {kind} from {inc.sender} not applied: {doubt}")
        effects.quarantine = doubt
        return _finish(file, effects, ctx)
    q = file.question(inc.question_id)
    if q is not None and q.state == "open" and answering.apply_answer(file, inc, q, ctx, effects):
        if not effects.quarantine:
            _refused_attachments(inc, ctx, effects)
        return _finish(file, effects, ctx)
    change, about = _change_asked(file, inc)
    refusal = None
    if change is not None:
        attendee = about if change in (Change.RSVP, Change.FORWARD) else None
        owner = _owner(file, about) if change is Change.ACTION_UPDATE else None
        refusal = authz.check(
            change, inc.sender, file, ctx.directory, attendee=attendee, owner=owner, about=about
        )
    if refusal is not None:
        refuse(file, inc, refusal, effects)
    else:
        _dispatch(file, inc, ctx, effects)
    if effects.quarantine == "not_understood" and q is not None and q.state == "open":
        answering.unclear(file, q, effects)  # the notice asks the open question again
    if not effects.quarantine:
        _refused_attachments(inc, ctx, effects)
    return _finish(file, effects, ctx)


def _refused_attachments(inc: Incoming, ctx: RuleContext, effects: Effects) -> None:
    """Tell the sender which attachments were over the size limit and not kept."""
    if inc.refused:
        effects.outgoing.append(
            Outgoing(
                "attachment_refused",
                [inc.sender],
                key=inc.key,
                in_reply_to=inc.msg.message_id,
                extra={"files": inc.refused, "limit": ctx.timings.max_material_bytes},
            )
        )


def _change_asked(file: MeetingFile, inc: Incoming) -> tuple[Change | None, str | None]:
    """The change ``inc`` asks for (routed as :func:`_dispatch` will), and what it is
    about: the attendee of an RSVP, ``A-k`` of an action update. (None, None) when it
    asks for none (the mail is then quarantined as not understood)."""
    m = file.meeting
    kind = inc.msg.kind
    command = _written_command(inc)
    if command is not None and (inc.sender == m.host or kind == "unknown"):
        return _COMMAND_CHANGES[command], None
    answers_approval = inc.sender == m.host or inc.reply_to_kind == "approval_request"
    if m.status == "awaiting_approval" and kind != "meeting_request" and answers_approval:
        return Change.APPROVE, None
    if kind == "meeting_request":
        return Change.REQUEST_FORM, None
    if kind == "rsvp" and inc.msg.rsvp is not None and inc.msg.rsvp.forwarded_by:
        return Change.FORWARD, inc.msg.rsvp.forwarded_by.lower()
    if kind == "rsvp":
        return Change.RSVP, attendance.attendee_of(file, inc)
    if kind == "topic_submission":
        return Change.TOPICS, None
    if kind == "minutes":
        return Change.MINUTES, None
    if kind == "action_update":
        item = followup.item_of(file, inc)
        return Change.ACTION_UPDATE, f"A-{item.k}" if item else None
    if inc.materials:
        return Change.MATERIALS, None
    if inc.reply_to_kind == "agenda":
        return Change.AGENDA, None
    if inc.reply_to_kind == "topic_late":
        return Change.LATE_TOPIC, None
    return None, None


_COMMAND_CHANGES = {
    "approve": Change.APPROVE,
    "reject": Change.APPROVE,
    "reschedule": Change.RESCHEDULE,
    "cancel": Change.CANCEL,
    "include_topic": Change.LATE_TOPIC,
    "exclude_topic": Change.LATE_TOPIC,
    "agenda": Change.AGENDA,
    "assign": Change.MINUTES,
}


def _owner(file: MeetingFile, about: str | None) -> str | None:
    item = file.action(int(about[2:])) if about else None
    return item.owner if item else None


def _dispatch(file: MeetingFile, inc: Incoming, ctx: RuleContext, effects: Effects) -> None:
    """Apply ``inc`` once :func:`apply_message` has checked who sent it."""
    m = file.meeting
    kind = inc.msg.kind
    command = _host_command(file, inc)
    if command is not None:
        try:
            changes.run(file, command, ctx, effects)
        except CommandRefused as exc:
            effects.quarantine = refused_reason(exc)
    elif m.status == "awaiting_approval" and inc.sender == m.host and kind != "meeting_request":
        _approval_reply(file, inc, ctx, effects)
    elif kind == "meeting_request":
        form = inc.msg.meeting_request
        assert form is not None
        requests.apply_form(file, form, inc, ctx, effects)
    elif kind == "rsvp" and inc.msg.rsvp is not None and inc.msg.rsvp.forwarded_by:
        forwards.on_forward(file, inc, ctx, effects)
    elif kind == "rsvp":
        attendance.on_rsvp(file, inc, ctx, effects)
    elif kind == "topic_submission":
        topics.on_topics(file, inc, ctx, effects)
    elif kind == "minutes":
        minutes.on_minutes(file, inc, ctx, effects)
    elif kind == "action_update":
        followup.on_action_update(file, inc, ctx, effects)
    elif inc.materials:
        _materials_only(file, inc, ctx, effects)
    else:
        effects.quarantine = "not_understood"


def _written_command(inc: Incoming) -> str | None:
    """The verb of the command written in ``inc`` that a host could give, or None (never
    one on an action-item mail, whose "延期到" is about the item; a late-topic decision
    only in answer to ``topic_late``)."""
    written = inc.msg.command
    if written is None or inc.msg.action_ref:
        return None
    if written.verb in ("include_topic", "exclude_topic") and inc.reply_to_kind != "topic_late":
        return None
    return written.verb


def _host_command(file: MeetingFile, inc: Incoming) -> Command | None:
    """The reschedule, cancellation or late-topic decision the host wrote, or None."""
    written = inc.msg.command
    verb = _written_command(inc)
    if written is None or verb is None or inc.sender != file.meeting.host:
        return None
    end = None
    if written.start is not None and written.duration_minutes:
        end = written.start + dt.timedelta(minutes=written.duration_minutes)
    reason = inc.msg.fresh_text.strip()[:300] or None
    return Command(
        written.verb,
        actor=inc.sender,
        start=written.start,
        end=end,
        reason=reason,
        topic_key=inc.reply_to_key,
    )


def _approval_reply(file: MeetingFile, inc: Incoming, ctx: RuleContext, fx: Effects) -> None:
    decision = requests.read_approval(inc)
    if decision is True:
        try:
            requests.approve(file, ctx, inc.sender, fx)
        except CommandRefused as exc:
            fx.quarantine = refused_reason(exc)
            return
        # The host who approves by mail will chair it: nobody chases them for an answer.
        file.rsvps.append(Rsvp(inc.sender, "ACCEPTED", source="approval", updated_utc=ctx.now))
    elif decision is False:
        requests.reject(file, ctx, inc.sender, fx, reason=inc.msg.fresh_text.strip()[:500] or None)
    else:
        fx.quarantine = "approval_unclear"


def _materials_only(file: MeetingFile, inc: Incoming, ctx: RuleContext, fx: Effects) -> None:
    """Attachments on a mail tagged for the meeting are background material."""
    known = {x.sha256 for x in file.materials}
    fresh = [x for x in inc.materials if x.sha256 not in known]
    file.materials.extend(fresh)
    materials_sent = any(x.distributed for x in file.materials)
    fx.outgoing.append(
        Outgoing(
            "materials_receipt",
            [inc.sender],
            key=inc.key,
            in_reply_to=inc.msg.message_id,
            extra={"materials": [x.filename for x in fresh], "distributed": materials_sent},
        )
    )
    if materials_sent:  # the rest went out already: these follow at once
        distribute(file, fresh, fx, inc.key)
    fx.log.append(f"{file.meeting.ref}: {len(fresh)} material(s) from {inc.sender}")


def open_review(
    number: int, reviewed: MeetingFile, ctx: RuleContext
) -> tuple[MeetingFile, Effects]:
    """Open review meeting ``number`` of ``reviewed`` (after an :class:`Effects` asked for
    it with ``spawn_review``); see :mod:`daemon.domain.review`."""
    file, effects = review.open_review(number, reviewed, ctx)
    return file, _finish(file, effects, ctx)


def apply_deadline(file: MeetingFile, deadline: Deadline, ctx: RuleContext) -> Effects:
    """Fire one due deadline of ``file``."""
    return _finish(file, on_deadline(file, deadline, ctx), ctx)


def apply_command(file: MeetingFile, cmd: Command, ctx: RuleContext) -> Effects:
    """Apply an operator's command (approve, reject, reschedule, cancel, include_topic,
    exclude_topic).

    Raises:
        CommandRefused: the command does not fit the meeting's state or the actor's role.
    """
    effects = Effects()
    refusal = authz.check(_COMMAND_CHANGES[cmd.verb], cmd.actor, file, ctx.directory)
    if refusal is not None:
        raise CommandRefused(refusal.log_line(file.meeting.ref))
    changes.run(file, cmd, ctx, effects)
    return _finish(file, effects, ctx)


def _finish(file: MeetingFile, effects: Effects, ctx: RuleContext) -> Effects:
    effects.log += questions.close_moot(file, ctx.now)
    effects.deadlines = deadlines_for(file, ctx)
    return effects
