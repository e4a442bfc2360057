"""Owners of action items: resolving a written owner, assigning one (PROCESS.md §3)."""

from __future__ import annotations

from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.model import MeetingFile
from daemon.domain.problems import problem
from daemon.domain.refused import CommandRefused


def resolve_owner(written: str | None, ctx: RuleContext) -> str | None:
    """The address an owner written as a name, an address or a department name stands for.

    A department ("采购部") resolves to its configured head; a name that matches several
    people, or nobody, is None (it is asked about, never guessed).
    """
    found = ctx.directory.resolve(written)
    if found.address:
        return found.address
    head = ctx.directory.heads.get((written or "").strip())
    return head.lower() if head else None


def assign(
    file: MeetingFile,
    k: int,
    owner: str,
    written: str | None,
    ctx: RuleContext,
    fx: Effects,
    *,
    by: str,
) -> None:
    """Give action item ``A-k`` its owner (lower-case address) and tell them
    (``action_assigned``); ``by`` is who named them, for the log.

    Raises:
        CommandRefused: there is no item ``A-k``.
    """
    item = file.action(k)
    if item is None:
        raise CommandRefused(problem("no_action_item", ref=file.meeting.ref, k=k))
    item.owner = owner.lower()
    item.owner_name = written or item.owner_name
    item.updated_utc = ctx.now
    fx.outgoing.append(Outgoing("action_assigned", [item.owner], key=item.owner, action_k=k))
    fx.log.append(f"{file.meeting.ref}: A-{k} assigned to {item.owner} by {by}")


def unowned(file: MeetingFile) -> list[int]:
    """The ``k`` of every live action item without a resolved owner."""
    return [a.k for a in file.actions if a.owner is None and a.status not in ("done", "cancelled")]
