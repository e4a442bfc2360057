"""After the meeting: minutes intake, action items, owners' updates, the review meeting."""

from __future__ import annotations

import dataclasses
from typing import Any

from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.events import Incoming
from daemon.domain.model import ActionItem, MeetingFile


def minutes_extra(file: MeetingFile, ctx: RuleContext) -> dict[str, Any]:
    """Template values of the ``minutes`` mail (items removed by a correction left out)."""
    return {
        "decisions": list(file.decisions),
        "actions": [action_row(a, ctx) for a in file.actions if a.status != "cancelled"],
        "risks": [dataclasses.asdict(r) for r in file.risks],
        "review_date": file.meeting.review_date,
    }


def action_row(a: ActionItem, ctx: RuleContext) -> dict[str, Any]:
    """One action item as a template row."""
    return {
        "k": a.k,
        "what": a.what,
        "owner": a.owner,
        "owner_name": (ctx.directory.name_of(a.owner) if a.owner else None) or a.owner_name,
        "due": a.due,
        "support": a.support,
        "status": a.status,
        "note": a.note,
    }


def item_of(file: MeetingFile, inc: Incoming) -> ActionItem | None:
    """The action item an update is about: ``A-<k>`` from the mail (body, then subject
    tag), else the sender's only open item; None when neither names one."""
    update = inc.msg.action_update
    ref = (update.action_ref if update else None) or inc.msg.action_ref
    item = file.action(int(ref.removeprefix("A-"))) if ref and ref[2:].isdigit() else None
    if item is None:
        own = [a for a in file.actions if a.owner == inc.sender and a.status != "done"]
        item = own[0] if len(own) == 1 else None
    return item


def on_action_update(file: MeetingFile, inc: Incoming, ctx: RuleContext, effects: Effects) -> None:
    """Apply an owner's done / in progress / delayed / blocked report on ``A-<k>``."""
    m = file.meeting
    update = inc.msg.action_update
    assert update is not None
    item = item_of(file, inc)
    if item is None:
        effects.outgoing.append(
            Outgoing(
                "not_understood",
                [inc.sender],
                key=inc.key,
                in_reply_to=inc.msg.message_id,
                extra={"problems": ["action_ref"], "subject": inc.msg.subject},
            )
        )
        effects.log.append(f"{m.ref}: action update from {inc.sender} names no known item")
        return
    old_due = item.due
    item.status = update.status
    item.note = update.note or item.note
    item.updated_utc = ctx.now
    if update.status == "delayed" and update.new_due:
        item.due = update.new_due
        item.overdue_notices = 0
        item.escalated = False
    effects.outgoing.append(
        Outgoing(
            "action_update_receipt",
            [inc.sender],
            key=inc.key,
            action_k=item.k,
            in_reply_to=inc.msg.message_id,
            extra={"status": item.status, "new_due": update.new_due},
        )
    )
    if update.status in ("delayed", "blocked") and m.host:
        effects.outgoing.append(
            Outgoing(
                "action_delay_report",
                [m.host],
                key=inc.key,
                action_k=item.k,
                extra={
                    "old_due": old_due,
                    "new_due": update.new_due,
                    "note": update.note,
                    "status": update.status,
                },
            )
        )
    effects.log.append(
        f"{m.ref}: A-{item.k} {update.status}"
        + (f", due {old_due} → {item.due}" if old_due != item.due else "")
    )


def review_extra(file: MeetingFile, ctx: RuleContext) -> dict[str, Any]:
    """Template values of the ``review_invite`` mail: every action item's status."""
    return {"actions": [action_row(a, ctx) for a in file.actions], "agenda": [], "reason": None}
