"""What each deadline does when it falls due (PROCESS.md §1 and §3 "when" columns)."""

from __future__ import annotations

import datetime as dt

from daemon.domain import deadlines as dl
from daemon.domain import questions
from daemon.domain.agenda import build_agenda
from daemon.domain.attendance import missing_for_decline, proxy_request, report
from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.followup import action_row
from daemon.domain.minutes import ask_confirmation, owner_question
from daemon.domain.model import Deadline, Material, MeetingFile
from daemon.domain.roster import everyone, unanswered, with_role
from daemon.domain.topics import live_topics, silent_departments


def on_deadline(file: MeetingFile, deadline: Deadline, ctx: RuleContext) -> Effects:
    """Fire ``deadline`` on ``file``; returns the mails to send (never raises on a deadline
    that no longer applies: it logs and sends nothing)."""
    effects = Effects()
    handler = _HANDLERS.get(deadline.kind)
    if handler is None:
        effects.log.append(f"{file.meeting.ref}: unknown deadline kind {deadline.kind}")
        return effects
    handler(file, deadline, ctx, effects)
    return effects


def _topic_reminder(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    silent = silent_departments(file, ctx)
    for department, people in silent.items():
        fx.outgoing.append(Outgoing("topic_reminder", people, key=f"{d.key}:{department}"))
    fx.log.append(f"{file.meeting.ref}: topic reminder to {len(silent)} silent department(s)")


def agenda_rows(file: MeetingFile, ctx: RuleContext) -> tuple[list[dict[str, object]], int, int]:
    """(timed agenda rows, total minutes, slot minutes) of the live topics."""
    m = file.meeting
    t = ctx.timings
    slot = m.duration_minutes or t.default_minutes
    agenda = build_agenda(
        [(x.title, x.submitter, x.minutes) for x in live_topics(file)],
        slot,
        lang=m.lang,
        opening=t.opening_minutes,
        per_topic=t.topic_minutes,
        actions=t.actions_minutes,
        wrapup=t.wrapup_minutes,
    )
    assert m.start_utc is not None
    return agenda.timed(m.start_utc.astimezone(ctx.days.tz)), agenda.total_minutes, slot


def publish_agenda(
    file: MeetingFile, ctx: RuleContext, fx: Effects, key: str, reason: str = "agenda"
) -> None:
    """Send the time-boxed agenda to the host (with the overflow, if any) and put it into
    the invite: a new revision, ``invite_update`` to every attendee."""
    m = file.meeting
    rows, total, slot = agenda_rows(file, ctx)
    m.agenda_sent_utc = ctx.now
    m.revision += 1
    if m.host:
        q = questions.ask(file, "agenda", m.host, ctx.now)
        fx.outgoing.append(
            Outgoing(
                "agenda",
                [m.host],
                key=key,
                question_id=q.id,
                extra={
                    "agenda": rows,
                    "total_minutes": total,
                    "slot_minutes": slot,
                    "overflow_minutes": max(0, total - slot),
                },
            )
        )
    fx.outgoing.append(
        Outgoing(
            "invite_update",
            everyone(file),
            key=f"rev{m.revision}",
            calendar="REQUEST",
            extra={"agenda": rows, "reason": reason},
        )
    )
    fx.log.append(
        f"{m.ref}: agenda of {len(live_topics(file))} topic(s), {total}/{slot} min"
        + (f", over by {total - slot} min" if total > slot else "")
    )


def _topics_due(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    m = file.meeting
    if not live_topics(file) and m.host:
        q = questions.ask(file, "empty_agenda", m.host, ctx.now)
        fx.outgoing.append(Outgoing("empty_agenda", [m.host], key=d.key, question_id=q.id))
        fx.log.append(f"{m.ref}: no topic by the deadline; the host is asked what to do")
        return
    publish_agenda(file, ctx, fx, d.key)
    with_material = {x.topic_id for x in file.materials}
    for topic in live_topics(file):
        if topic.complex and topic.id not in with_material:
            fx.outgoing.append(
                Outgoing(
                    "materials_reminder",
                    [topic.submitter],
                    key=f"{d.key}:{topic.id}",
                    extra={"topics": [topic.title]},
                )
            )


def distribute(file: MeetingFile, materials: list[Material], fx: Effects, key: str) -> None:
    """Send ``materials`` (attached) to every attendee and mark them distributed."""
    if not materials:
        return
    for material in materials:
        material.distributed = True
    fx.outgoing.append(
        Outgoing(
            "materials",
            everyone(file),
            key=key,
            attachments=[x.sha256 for x in materials],
            extra={
                "materials": [
                    {"filename": x.filename, "size": x.size, "submitter": x.submitter}
                    for x in materials
                ]
            },
        )
    )
    fx.log.append(f"{file.meeting.ref}: {len(materials)} material(s) sent to all attendees")


def _materials_due(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    pending = [x for x in file.materials if not x.distributed]
    if not pending:
        fx.log.append(f"{file.meeting.ref}: no materials to distribute")
    distribute(file, pending, fx, d.key)


def _rsvp_nudge(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    silent = unanswered(file)
    for address in silent:
        fx.outgoing.append(Outgoing("rsvp_nudge", [address], key=f"{d.key}:{address}"))
    fx.log.append(f"{file.meeting.ref}: RSVP nudge to {len(silent)} silent attendee(s)")


def _replies_due(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    m = file.meeting
    for rsvp in file.rsvps:
        missing = missing_for_decline(rsvp) if rsvp.partstat in ("DECLINED", "DELEGATED") else []
        if missing:
            fx.outgoing.append(proxy_request(file, rsvp, ctx, key=f"{d.key}:final"))
    if m.host:
        fx.outgoing.append(
            Outgoing("attendance_report", [m.host], key=d.key, extra=report(file, ctx))
        )
    fx.log.append(f"{m.ref}: attendance report to the host")


def _meeting_end(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    m = file.meeting
    m.status = "held"
    topics = [x.title for x in live_topics(file)]
    if m.recorder:
        fx.outgoing.append(
            Outgoing("minutes_request", [m.recorder], key=d.key, extra={"topics": topics})
        )
    fx.log.append(f"{m.ref}: meeting ended; minutes asked of {m.recorder}")


def _minutes_reminder(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    m = file.meeting
    if m.status == "held" and m.recorder:
        fx.outgoing.append(
            Outgoing(
                "minutes_reminder",
                [m.recorder],
                key=d.key,
                extra={"topics": [x.title for x in live_topics(file)]},
            )
        )
        fx.log.append(f"{m.ref}: minutes reminder to {m.recorder}")


_REMINDER_WHEN = {dl.ACTION_BEFORE: "before", dl.ACTION_DUE: "due_day"}


def _action(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    """Reminder before and on the due day, overdue notice, or escalation of one item."""
    k, _notice = dl.parse_action_key(d.key)
    item = file.action(k)
    m = file.meeting
    if item is None or item.status == "done" or item.owner is None:
        fx.log.append(f"{m.ref}: {d.kind} A-{k} skipped (done or gone)")
        return
    extra: dict[str, object]
    if d.kind in _REMINDER_WHEN:
        when = _REMINDER_WHEN[d.kind]
        kind, to, key, extra = "action_reminder", item.owner, f"{when}:{d.key}", {"when": when}
    elif d.kind == dl.ACTION_OVERDUE:
        item.overdue_notices += 1
        assert item.due is not None
        late = (ctx.days.local_date(ctx.now) - item.due).days
        kind, to, key = "action_overdue", item.owner, d.key
        extra = {"notice": item.overdue_notices, "days_overdue": late}
    elif d.kind == dl.ACTION_ESCALATION and m.host:
        item.escalated = True
        kind, to, key, extra = "action_escalation", m.host, d.key, {"notices": item.overdue_notices}
    else:
        return
    fx.outgoing.append(Outgoing(kind, [to], key=key, action_k=k, extra=extra))
    fx.log.append(f"{m.ref}: {d.kind} for A-{k} ({item.owner})")


def _review_invite(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    """The review meeting is due to be booked: the service opens it as a meeting of its
    own (:func:`daemon.domain.review.open_review`)."""
    m = file.meeting
    if m.review_number is not None:
        fx.log.append(f"{m.ref}: review meeting MTG-{m.review_number} already booked")
        return
    fx.spawn_review = True
    fx.log.append(f"{m.ref}: review meeting for {d.key} to be opened")


def review_window(file: MeetingFile, ctx: RuleContext) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (UTC) of the review meeting: same local time as the meeting."""
    m = file.meeting
    assert m.start_utc is not None
    day = dl.review_date(file, ctx)
    local = m.start_utc.astimezone(ctx.days.tz)
    start = dt.datetime.combine(day, local.time(), tzinfo=ctx.days.tz).astimezone(dt.UTC)
    return start, start + dt.timedelta(minutes=ctx.timings.review_minutes)


def _confirm_reminder(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    """The recorder has not confirmed the minutes: ask again; the second time, the host
    (who may confirm them too)."""
    m = file.meeting
    n = int(d.key.rpartition("#")[2] or 1)
    to = m.recorder if n == 1 or not m.host else m.host
    if m.status != "minutes_draft" or to is None:
        return
    ask_confirmation(file, to, ctx, fx, key=d.key, reply=None)


def _owner_reminder(file: MeetingFile, d: Deadline, ctx: RuleContext, fx: Effects) -> None:
    """An owner is still unknown: ask the recorder again, then the host, then hand the
    question to the operator (``[mailbox] admin``)."""
    m = file.meeting
    qid, _, n = d.key.removeprefix("Q").partition("#")
    q = file.question(int(qid))
    if q is None or q.state != "open":
        return
    q.reminders += 1
    to = {"1": m.recorder, "2": m.host, "3": ctx.admin}.get(n) or None
    if to is None:
        fx.log.append(f"{m.ref}: question {q.id} ({q.about}) unanswered; nobody left to ask")
        return
    if n == "3":
        fx.outgoing.append(
            Outgoing("handover", [to], key=d.key, extra={"what": "owner", "about": q.about})
        )
    else:
        fx.outgoing.append(owner_question(file, q.id, to, ctx, key=d.key))
    fx.log.append(f"{m.ref}: owner of {q.about} asked again of {to} (reminder {n})")


_HANDLERS = {
    dl.TOPIC_REMINDER: _topic_reminder,
    dl.TOPICS_DUE: _topics_due,
    dl.MATERIALS_DUE: _materials_due,
    dl.RSVP_NUDGE: _rsvp_nudge,
    dl.REPLIES_DUE: _replies_due,
    dl.MEETING_END: _meeting_end,
    dl.MINUTES_REMINDER: _minutes_reminder,
    dl.ACTION_BEFORE: _action,
    dl.ACTION_DUE: _action,
    dl.ACTION_OVERDUE: _action,
    dl.ACTION_ESCALATION: _action,
    dl.REVIEW_INVITE: _review_invite,
    dl.CONFIRM_REMINDER: _confirm_reminder,
    dl.OWNER_REMINDER: _owner_reminder,
}

__all__ = ["on_deadline", "agenda_rows", "review_window", "action_row", "with_role"]
