"""Changes to a meeting by command (CLI, or the host's reply): approve, reject, reschedule,
cancel, and the host's decision on a late topic."""

from __future__ import annotations

import datetime as dt

from daemon.domain import requests
from daemon.domain.agenda_edits import apply_edits
from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.events import Command
from daemon.domain.model import MeetingFile
from daemon.domain.owners import assign, resolve_owner
from daemon.domain.problems import problem
from daemon.domain.refused import CommandRefused
from daemon.domain.roster import everyone
from daemon.domain.timed import agenda_rows, publish_agenda


def run(file: MeetingFile, cmd: Command, ctx: RuleContext, fx: Effects) -> None:
    """Apply ``cmd`` to ``file``, adding its mails to ``fx``.

    Raises:
        CommandRefused: the command does not fit the meeting's state; the text says why.
    """
    m = file.meeting
    if cmd.verb in ("approve", "reject"):
        if m.status != "awaiting_approval":
            raise CommandRefused(problem("not_awaiting_approval", ref=m.ref, status=m.status))
        if cmd.verb == "approve":
            requests.approve(file, ctx, cmd.actor, fx)
        else:
            requests.reject(file, ctx, cmd.actor, fx, cmd.reason)
    elif cmd.verb == "reschedule":
        reschedule(file, cmd, ctx, fx)
    elif cmd.verb == "cancel":
        cancel(file, cmd, fx)
    elif cmd.verb == "agenda":
        key = f"agenda:{ctx.now.isoformat()}"
        apply_edits(file, list(cmd.edits), ctx, fx, actor=cmd.actor, key=key)
    elif cmd.verb == "assign":
        assign_owner(file, cmd, ctx, fx)
    else:
        decide_late_topic(file, cmd, ctx, fx)


def assign_owner(file: MeetingFile, cmd: Command, ctx: RuleContext, fx: Effects) -> None:
    """``meetingd assign REF/A-k PERSON``: give the item its owner (a department: its head).

    Raises:
        CommandRefused: no such item, or PERSON matches nobody (or several people).
    """
    item = file.action(cmd.action_k or 0)
    if item is None:
        raise CommandRefused(problem("no_action_item", ref=file.meeting.ref, k=cmd.action_k))
    owner = resolve_owner(cmd.owner, ctx)
    if owner is None:
        raise CommandRefused(problem("owner_not_found", written=cmd.owner))
    assign(file, item.k, owner, cmd.owner, ctx, fx, by=cmd.actor)


def reschedule(file: MeetingFile, cmd: Command, ctx: RuleContext, fx: Effects) -> None:
    """Move the meeting: a new revision, ``invite_update`` to everyone, RSVPs reset (deadlines
    are re-derived from the new start by the caller)."""
    m = file.meeting
    if m.status != "scheduled":
        raise CommandRefused(problem("cannot_move", ref=m.ref, status=m.status))
    if cmd.start is None:
        raise CommandRefused(problem("reschedule_needs_start"))
    if cmd.start <= ctx.now:
        raise CommandRefused(problem("new_start_passed", start=cmd.start))
    length = (
        (m.end_utc - m.start_utc)
        if m.start_utc and m.end_utc
        else dt.timedelta(minutes=ctx.timings.default_minutes)
    )
    old = m.start_utc
    m.start_utc = cmd.start.astimezone(dt.UTC)
    m.end_utc = cmd.end.astimezone(dt.UTC) if cmd.end else m.start_utc + length
    m.revision += 1
    file.rsvps = []
    rows = agenda_rows(file, ctx)[0] if m.agenda_sent_utc else []
    fx.outgoing.append(
        Outgoing(
            "invite_update",
            everyone(file),
            key=f"rev{m.revision}",
            calendar="REQUEST",
            extra={"agenda": rows, "reason": cmd.reason or "rescheduled", "old_start": old},
        )
    )
    fx.log.append(f"{m.ref}: moved from {old} to {m.start_utc} by {cmd.actor}; RSVPs reset")


def cancel(file: MeetingFile, cmd: Command, fx: Effects) -> None:
    """Cancel: a new revision, ``cancel`` to everyone; the caller drops every deadline."""
    m = file.meeting
    if m.status in ("cancelled", "rejected", "closed"):
        raise CommandRefused(problem("already_status", ref=m.ref, status=m.status))
    m.status = "cancelled"
    m.revision += 1
    if m.uid:
        fx.outgoing.append(
            Outgoing(
                "cancel",
                everyone(file),
                key=f"rev{m.revision}",
                calendar="CANCEL",
                extra={"reason": cmd.reason},
            )
        )
    fx.log.append(f"{m.ref}: cancelled by {cmd.actor}; every pending deadline stopped")


def decide_late_topic(file: MeetingFile, cmd: Command, ctx: RuleContext, fx: Effects) -> None:
    """The host includes or excludes the late topics still undecided. An included topic
    joins the agenda; once the agenda went out, the invite is updated with it."""
    m = file.meeting
    pending = [t for t in file.topics if t.late and t.decision is None and t.merged_into is None]
    if not pending:
        raise CommandRefused(problem("no_late_topic", ref=m.ref))
    include = cmd.verb == "include_topic"
    for topic in pending:
        topic.decision = "included" if include else "excluded"
    fx.log.append(
        f"{m.ref}: {cmd.actor} {'included' if include else 'excluded'} late topic(s) "
        + ", ".join(t.title for t in pending)
    )
    topics_closed = m.agenda_sent_utc or any(q.kind == "empty_agenda" for q in file.questions)
    if include and topics_closed and m.status == "scheduled":
        publish_agenda(file, ctx, fx, key=f"late-{pending[0].id}", reason="late_topic")
