"""Plain-text listings for the operator's CLI verbs (status, actions, outbox, quarantine).

Times are shown in the company time zone as ``YYYY-MM-DD HH:MM``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlite_utils import Database

from daemon.store import meetings, overview, queries

if TYPE_CHECKING:  # the service pulls in the whole daemon: import it lazily
    from daemon.service import Service


def _local(service: Service, when: dt.datetime | None) -> str:
    return _at(service.days.tz, when)


def _at(tz: dt.tzinfo, when: dt.datetime | None) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else "-"


#: How many open meetings ``meetingd status`` lists without ``--all``.
STATUS_PAGE = 20


def _meeting_block(m: overview.MeetingSummary, tz: dt.tzinfo) -> Iterator[str]:
    yield f"[{m.ref}] {m.title}"
    yield f"  status {m.status}; starts {_at(tz, m.start_utc)}; host {m.host or '-'}"
    yield (
        f"  {m.attendees} attendees, {m.answered} answered; "
        f"{m.topics} topics; {m.actions} action items"
    )
    if m.next_kind is not None:
        yield f"  next: {m.next_kind} at {_at(tz, m.next_due_utc)}"


def status_lines(
    db: Database,
    tz: dt.tzinfo,
    now: dt.datetime,
    *,
    everything: bool = False,
    number: int | None = None,
    limit: int = STATUS_PAGE,
) -> Iterator[str]:
    """What ``meetingd status`` prints, computed by SQL (:mod:`daemon.store.overview`).

    Default: a count of meetings by status, then the first ``limit`` open meetings (not
    closed, cancelled or rejected) by number, one block each (status, start in ``tz``,
    answers, the next pending deadline), and a line naming how many more there are.
    ``everything``: every meeting's block. ``number``: that meeting's block and each of
    its pending deadlines (``KeyError`` if there is no such meeting). Always ends with the
    inbox counts and the outgoing queue at ``now`` (UTC).
    """
    by_status = overview.meetings_by_status(db)
    total = sum(by_status.values())
    if number is not None:
        found = overview.summary(db, number)
        if found is None:
            raise KeyError(f"no meeting MTG-{number}")
        yield from _meeting_block(found, tz)
        for d in queries.deadlines_pending(db, number):
            yield f"  pending: {d.kind} {d.key or '-'} at {_at(tz, d.due_utc)}"
    elif not total:
        yield "no meetings yet"
        return
    else:
        counts = ", ".join(f"{n} {s}" for s, n in by_status.items())
        yield f"meetings: {total} ({counts})"
        shown = 0
        for m in overview.summaries(
            db, open_only=not everything, limit=None if everything else limit
        ):
            shown += 1
            yield from _meeting_block(m, tz)
        open_total = total - sum(by_status.get(s, 0) for s in overview.FINISHED)
        if not everything and open_total > shown:
            yield (
                f"... {open_total - shown} more open meetings; every meeting: "
                "`meetingd status --all`, one: `meetingd status --meeting MTG-n`"
            )
    inbox = overview.inbox_by_state(db)
    yield "inbox: " + (", ".join(f"{n} {s}" for s, n in inbox.items()) or "empty")
    q = overview.outbox_queue(db, now)
    later = f", {q.later} later (next at {_at(tz, q.next_utc)})" if q.later else ""
    yield f"outbox: {q.due} due{later}, {q.sending} sending, {q.failed} failed, {q.sent} sent"


def action_lines(service: Service, number: int | None) -> Iterator[str]:
    """Every action item (of one meeting or all): ref, owner, due, status.

    ``number`` must be an existing meeting (the CLI checks it); ``KeyError`` otherwise.
    Yields one line saying so when there is no action item.
    """
    numbers = [number] if number else [m.number for m in meetings.list_meetings(service.db)]
    empty = True
    for n in numbers:
        for a in meetings.load_file(service.db, n).actions:
            empty = False
            owner = a.owner or f"? ({a.owner_name})"
            yield f"[MTG-{n}/A-{a.k}] {a.status:<11} due {a.due or '-'}  {owner}: {a.what}"
    if empty:
        yield f"no action items for MTG-{number}" if number else "no action items yet"


def outbox_lines(service: Service, state: str | None) -> Iterator[str]:
    """Outgoing mails, newest last, with the failure reason where one failed.

    Yields one line saying so when there is none (in ``state``, if given).
    """
    rows = queries.outbox_list(service.db, state=state)
    if not rows:
        yield f"no outgoing mail in state {state}" if state else "no outgoing mail yet"
    for row in rows:
        line = (
            f"{row.id:>5} {row.state:<8} {row.kind:<20} {_local(service, row.created_utc)} "
            f"to {', '.join(row.recipients)}"
        )
        yield line + (f"\n      error: {row.error}" if row.error else "")


def quarantine_lines(service: Service) -> Iterator[str]:
    """Quarantined messages with the reason (replay with ``--replay ID``)."""
    rows = queries.inbox_list(service.db, state="quarantined")
    if not rows:
        yield "nothing quarantined"
    for row in rows:
        yield f"{row.id:>5} from {row.sender or '?'} {row.message_id or ''}\n      {row.error}"
