"""Minutes: read, confirmed by the recorder, then distributed; corrections replace them
(PROCESS.md §3, issue "confirm before broadcast").

- The recorder's minutes replace whatever version came before (never appended to it);
  every version has a number (``Meeting.minutes_version``).
- Before the minutes go to everyone, the recorder gets ``minutes_confirm``: exactly what was
  understood, with each unresolved or doubtful item marked (``[minutes] confirm``:
  ``always``, ``when_unsure`` or ``never``).
- After distribution, a correction goes out as ``minutes_update`` saying what changed;
  action items it removed are closed (``cancelled``) and their owners told.
- Items whose owner is unknown are asked about (``owner_question``: the recorder first, then
  the host), never guessed.

Pure.
"""

from __future__ import annotations

from typing import Any

from daemon.domain import questions
from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.events import Incoming
from daemon.domain.followup import action_row, minutes_extra
from daemon.domain.messages import ActionItemSpec, MinutesDoc
from daemon.domain.model import ActionItem, MeetingFile, Risk
from daemon.domain.owners import resolve_owner, unowned
from daemon.domain.roster import everyone
from daemon.domain.topics import similarity


def on_minutes(file: MeetingFile, inc: Incoming, ctx: RuleContext, fx: Effects) -> None:
    """The recorder (or the host) sent minutes: take them as the new version."""
    assert inc.msg.minutes is not None
    take(file, inc, inc.msg.minutes, ctx, fx)


def take(file: MeetingFile, inc: Incoming, doc: MinutesDoc, ctx: RuleContext, fx: Effects) -> None:
    """Replace the minutes with ``doc`` (a new version), then confirm or distribute."""
    m = file.meeting
    distributed = m.minutes_distributed_utc is not None
    before = _snapshot(file)
    removed = _replace(file, doc, ctx, keep_removed=distributed)
    m.minutes_version += 1
    m.minutes_received_utc = m.minutes_received_utc or ctx.now
    fx.log.append(
        f"{m.ref}: minutes v{m.minutes_version} from {inc.sender}: {len(file.decisions)} "
        f"decision(s), {len(live_items(file))} action item(s), {len(doubts(file))} doubtful"
    )
    if distributed:
        _update(file, before, removed, ctx, fx, key=inc.key)
        return
    mode = ctx.timings.minutes_confirm
    if mode == "never" or (mode == "when_unsure" and not doubts(file)):
        distribute(file, ctx, fx, key=inc.key)
        return
    ask_confirmation(file, inc.sender, ctx, fx, key=inc.key, reply=inc.msg.message_id)


def live_items(file: MeetingFile) -> list[ActionItem]:
    """Action items not removed by a correction."""
    return [a for a in file.actions if a.status != "cancelled"]


def doubts(file: MeetingFile) -> dict[int, list[str]]:
    """``k`` → what is doubtful about live item ``A-k``: ``owner`` (unresolved), ``due``
    (no date read)."""
    out: dict[int, list[str]] = {}
    for a in live_items(file):
        marks = (["owner"] if a.owner is None else []) + (["due"] if a.due is None else [])
        if marks:
            out[a.k] = marks
    return out


def ask_confirmation(
    file: MeetingFile, recorder: str, ctx: RuleContext, fx: Effects, *, key: str, reply: str | None
) -> None:
    """Show ``recorder`` what was understood and ask them to confirm or correct it."""
    m = file.meeting
    m.status = "minutes_draft"
    q = questions.ask(file, "minutes_confirm", recorder, ctx.now, about=f"v{m.minutes_version}")
    fx.outgoing.append(
        Outgoing(
            "minutes_confirm",
            [recorder],
            key=f"v{m.minutes_version}:{key}",
            in_reply_to=reply,
            question_id=q.id,
            extra={**minutes_extra(file, ctx), **_confirm_extra(file, ctx)},
        )
    )
    fx.log.append(f"{m.ref}: minutes v{m.minutes_version} sent to {recorder} to confirm")


def _confirm_extra(file: MeetingFile, ctx: RuleContext) -> dict[str, Any]:
    marks = doubts(file)
    rows = []
    for a in live_items(file):
        row = action_row(a, ctx)
        row["doubts"] = marks.get(a.k, [])
        rows.append(row)
    return {"actions": rows, "version": file.meeting.minutes_version, "doubtful": len(marks)}


def distribute(file: MeetingFile, ctx: RuleContext, fx: Effects, *, key: str) -> None:
    """Send the confirmed minutes to everyone, assign the owners, ask about unknown ones."""
    m = file.meeting
    m.status = "minutes_received"
    m.minutes_distributed_utc = ctx.now
    extra = {**minutes_extra(file, ctx), "version": m.minutes_version}
    extra["actions"] = [action_row(a, ctx) for a in live_items(file)]
    fx.outgoing.append(Outgoing("minutes", everyone(file), key=key, extra=extra))
    for item in live_items(file):
        if item.owner:
            fx.outgoing.append(
                Outgoing("action_assigned", [item.owner], key=item.owner, action_k=item.k)
            )
    ask_owners(file, ctx, fx, key=key)
    fx.log.append(f"{m.ref}: minutes v{m.minutes_version} sent to {len(everyone(file))} people")


def ask_owners(file: MeetingFile, ctx: RuleContext, fx: Effects, *, key: str) -> None:
    """Ask the recorder (else the host) who owns the items without a resolved owner."""
    m = file.meeting
    ks = unowned(file)
    to = m.recorder or m.host
    if not ks or to is None:
        return
    about = ",".join(f"A-{k}" for k in ks)
    q = questions.ask(file, "owner", to, ctx.now, about=about, wanted=["owner"])
    fx.outgoing.append(owner_question(file, q.id, to, ctx, key=f"{key}:{about}"))
    fx.log.append(f"{m.ref}: asked {to} who owns {about}")


def owner_question(
    file: MeetingFile, question_id: int, to: str, ctx: RuleContext, *, key: str
) -> Outgoing:
    """The ``owner_question`` mail for the unowned items (with who was written and the
    directory's candidates for each)."""
    unknown = []
    for k in unowned(file):
        item = file.action(k)
        assert item is not None
        found = ctx.directory.resolve(item.owner_name)
        unknown.append(
            {
                "k": k,
                "what": item.what,
                "owner_written": item.owner_name,
                "candidates": list(found.candidates),
            }
        )
    return Outgoing(
        "owner_question", [to], key=key, extra={"unknown": unknown}, question_id=question_id
    )


# ----------------------------------------------------------------- replacing a version
def _replace(
    file: MeetingFile, doc: MinutesDoc, ctx: RuleContext, *, keep_removed: bool
) -> list[ActionItem]:
    """Make ``file`` hold ``doc``: decisions, risks and review date replaced; action items
    matched by text keep their ``k``, owner and status; the others are removed (kept as
    ``cancelled`` when the earlier version went out). Returns the removed items."""
    m = file.meeting
    file.decisions = list(doc.decisions)
    file.risks = [Risk(r.risk, r.mitigation, r.owner) for r in doc.risks]
    if doc.review_date:
        m.review_date = doc.review_date
    old = live_items(file)
    kept: list[ActionItem] = []
    for spec in doc.action_items:
        item = _match(old, spec.what)
        if item is None:
            item = ActionItem(
                k=max((a.k for a in file.actions), default=0) + 1,
                what=spec.what,
                owner=None,
                due=None,
                updated_utc=ctx.now,
            )
            file.actions.append(item)
        else:
            old.remove(item)
        _fill(item, spec, ctx)
        kept.append(item)
    for item in old:
        item.status = "cancelled"
        item.updated_utc = ctx.now
    if not keep_removed:
        file.actions = [a for a in file.actions if a.status != "cancelled"]
    return old


def _fill(item: ActionItem, spec: ActionItemSpec, ctx: RuleContext) -> None:
    item.what = spec.what
    item.due = spec.due or item.due
    item.support = spec.support or item.support
    if spec.owner and spec.owner != item.owner_name or item.owner is None and spec.owner:
        item.owner_name = spec.owner
        item.owner = resolve_owner(spec.owner, ctx)


def _match(items: list[ActionItem], what: str) -> ActionItem | None:
    best = max(items, key=lambda a: similarity(a.what, what), default=None)
    return best if best is not None and similarity(best.what, what) >= 80 else None


# ----------------------------------------------------------------- after distribution
def _snapshot(file: MeetingFile) -> dict[str, Any]:
    return {
        "decided": list(file.decisions),
        "items": {a.k: (a.what, a.owner, a.due, a.support) for a in live_items(file)},
        "review_date": file.meeting.review_date,
    }


def _update(
    file: MeetingFile,
    before: dict[str, Any],
    removed: list[ActionItem],
    ctx: RuleContext,
    fx: Effects,
    *,
    key: str,
) -> None:
    """Send ``minutes_update`` (what changed) to everyone and every owner concerned."""
    m = file.meeting
    items = before["items"]
    added = [a for a in live_items(file) if a.k not in items]
    changed = [
        a
        for a in live_items(file)
        if a.k in items and items[a.k] != (a.what, a.owner, a.due, a.support)
    ]
    decisions_changed = before["decided"] != file.decisions
    owners = {a.owner for a in [*added, *changed, *removed] if a.owner}
    to = everyone(file) + sorted(o for o in owners if o not in everyone(file))
    fx.outgoing.append(
        Outgoing(
            "minutes_update",
            to,
            key=f"v{m.minutes_version}",
            extra={
                **minutes_extra(file, ctx),
                "actions": [action_row(a, ctx) for a in live_items(file)],
                "version": m.minutes_version,
                "added": [action_row(a, ctx) for a in added],
                "changed": [action_row(a, ctx) for a in changed],
                "removed": [action_row(a, ctx) for a in removed],
                "decisions_changed": decisions_changed,
            },
        )
    )
    for item in live_items(file):
        if item.owner and (item.k not in items or items[item.k][1] != item.owner):
            fx.outgoing.append(
                Outgoing("action_assigned", [item.owner], key=item.owner, action_k=item.k)
            )
    ask_owners(file, ctx, fx, key=key)
    fx.log.append(
        f"{m.ref}: minutes v{m.minutes_version}: {len(added)} added, {len(changed)} changed, "
        f"{len(removed)} removed"
    )
