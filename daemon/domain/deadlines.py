"""Derive a meeting's timed steps from its state (PROCESS.md tables 1 and 3).

Pure. :func:`deadlines_for` returns the FULL set of deadlines the meeting should have now;
the store adds new ones, moves changed ones and cancels the rest. Keys carry the meeting's
start (or an action item's due date), so a reschedule or a delay makes new deadlines
instead of re-firing old ones.

Timing: deadlines fall due at the end of the working day; reminders and nudges go out at
:data:`MORNING` local time, so every reminder is dated before the deadline it announces.
"""

from __future__ import annotations

import datetime as dt

from daemon.domain.context import RuleContext
from daemon.domain.model import ActionItem, Deadline, MeetingFile

MORNING = dt.time(9, 30)

# Kinds, in the order they happen for one meeting.
TOPIC_REMINDER = "topic_reminder"
TOPICS_DUE = "topics_due"
RSVP_NUDGE = "rsvp_nudge"
MATERIALS_DUE = "materials_due"
REPLIES_DUE = "replies_due"
MEETING_END = "meeting_end"
MINUTES_REMINDER = "minutes_reminder"
ACTION_BEFORE = "action_before"
ACTION_DUE = "action_due"
ACTION_OVERDUE = "action_overdue"
ACTION_ESCALATION = "action_escalation"
REVIEW_INVITE = "review_invite"
CONFIRM_REMINDER = "confirm_reminder"
OWNER_REMINDER = "owner_reminder"

ACTIVE = {"scheduled", "held", "minutes_draft", "minutes_received"}


def deadlines_for(file: MeetingFile, ctx: RuleContext) -> list[Deadline]:
    """Every deadline ``file`` should have, given its status (UTC due times).

    Returns [] for a meeting that is not approved yet, cancelled, rejected or closed.
    """
    m = file.meeting
    if m.status not in ACTIVE or m.start_utc is None or m.end_utc is None:
        return []
    days, t = ctx.days, ctx.timings
    start_day = days.local_date(m.start_utc)
    key = m.start_utc.strftime("%Y%m%dT%H%MZ")
    out: list[Deadline] = []
    if m.status == "scheduled":
        topics_due = days.add(start_day, -t.topics_due_days)
        reminders = [
            Deadline(
                TOPIC_REMINDER,
                days.at(days.add(topics_due, -t.topic_reminder_days), MORNING),
                key,
            ),
            Deadline(
                RSVP_NUDGE,
                days.at(days.add(start_day, -(t.replies_due_days + t.rsvp_nudge_days)), MORNING),
                key,
            ),
        ]
        # A reminder whose time had passed when the meeting was approved is pointless.
        approved = m.approved_utc or ctx.now
        if m.review_of is not None:  # a review meeting asks for no topics or materials
            reminders = [d for d in reminders if d.kind == RSVP_NUDGE]
        out += [d for d in reminders if d.due_utc > approved]
        if m.review_of is None:
            out += [
                Deadline(TOPICS_DUE, days.at(topics_due), key),
                Deadline(MATERIALS_DUE, days.at(days.add(start_day, -t.materials_due_days)), key),
            ]
        out += [
            Deadline(REPLIES_DUE, days.at(days.add(start_day, -t.replies_due_days)), key),
            Deadline(MEETING_END, m.end_utc, key),
        ]
    if m.status == "held":
        out.append(
            Deadline(
                MINUTES_REMINDER,
                days.at(days.add(days.local_date(m.end_utc), t.minutes_reminder_days), MORNING),
                key,
            )
        )
    confirm = [q for q in file.questions if q.kind == "minutes_confirm" and q.state == "open"]
    if m.status == "minutes_draft" and confirm and confirm[-1].asked_utc is not None:
        asked = days.local_date(confirm[-1].asked_utc)
        for n in (1, 2):
            when = days.at(days.add(asked, n * t.confirm_reminder_days), MORNING)
            out.append(Deadline(CONFIRM_REMINDER, when, f"v{m.minutes_version}#{n}"))
    if m.status == "minutes_received":
        for action in file.actions:
            out += action_deadlines(action, ctx, since=m.minutes_distributed_utc)
        if m.review_of is None and m.review_number is None:
            review_day = review_date(file, ctx)
            when = days.at(days.add(review_day, -2), MORNING)
            out.append(Deadline(REVIEW_INVITE, when, review_day.isoformat()))
    if m.status in ("minutes_draft", "minutes_received"):
        out += owner_question_deadlines(file, ctx)
    return out


def owner_question_deadlines(file: MeetingFile, ctx: RuleContext) -> list[Deadline]:
    """Asking again about unknown owners: the recorder after N working days, then the
    host, then the operator (``[mailbox] admin``)."""
    days, t = ctx.days, ctx.timings
    out = []
    for q in file.questions:
        if q.kind == "owner" and q.state == "open" and q.asked_utc is not None:
            asked = days.local_date(q.asked_utc)
            for n in (1, 2, 3):
                when = days.at(days.add(asked, n * t.owner_reminder_days), MORNING)
                out.append(Deadline(OWNER_REMINDER, when, f"Q{q.id}#{n}"))
    return out


def action_deadlines(
    action: ActionItem, ctx: RuleContext, since: dt.datetime | None = None
) -> list[Deadline]:
    """Reminders for one open action item: due − N, the due day, every N days overdue
    (``escalate_after`` notices), then the escalation to the host.

    Reminders whose time had passed when the item was assigned (``since``, UTC) are left
    out: the assignment mail itself tells the owner.
    """
    if action.status in ("done", "cancelled") or action.due is None or action.owner is None:
        return []
    days, t = ctx.days, ctx.timings
    due = days.roll_forward(action.due)
    base = f"A-{action.k}:{action.due.isoformat()}"
    reminders = [
        Deadline(ACTION_BEFORE, days.at(days.add(due, -t.action_reminder_days), MORNING), base),
        Deadline(ACTION_DUE, days.at(due, MORNING), base),
    ]
    out = [d for d in reminders if since is None or d.due_utc > since]
    last = due
    for n in range(1, t.escalate_after + 1):
        last = days.add(due, n * t.overdue_every_days)
        out.append(Deadline(ACTION_OVERDUE, days.at(last, MORNING), f"{base}#{n}"))
    escalate_at = days.at(last, MORNING) + dt.timedelta(minutes=1)
    out.append(Deadline(ACTION_ESCALATION, escalate_at, base))
    return out


def review_date(file: MeetingFile, ctx: RuleContext) -> dt.date:
    """The review meeting's local date: the one in the minutes, else M + N working days."""
    m = file.meeting
    if m.review_date is not None:
        return m.review_date
    assert m.start_utc is not None
    return ctx.days.add(ctx.days.local_date(m.start_utc), ctx.timings.review_after_days)


def parse_action_key(key: str) -> tuple[int, int | None]:
    """``"A-3:2026-12-18#2"`` → (3, 2); ``"A-3:2026-12-18"`` → (3, None)."""
    head, _, notice = key.partition("#")
    k = int(head.split(":", 1)[0].removeprefix("A-"))
    return k, int(notice) if notice else None
