"""What ``meetingd status`` prints, from :mod:`daemon.store.overview` (SQL counts and one
summary row per meeting; no meeting file is loaded). Times are shown in the company time
zone as ``YYYY-MM-DD HH:MM``. Imports only the standard library and the overview queries,
so the verb starts fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from daemon.store import overview


def local_text(tz: dt.tzinfo, when: dt.datetime | None) -> str:
    """``when`` in ``tz`` as ``YYYY-MM-DD HH:MM``; ``-`` for None."""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else "-"


#: How many open meetings ``meetingd status`` lists without ``--all``.
STATUS_PAGE = 20


def _meeting_block(m: overview.MeetingSummary, tz: dt.tzinfo) -> Iterator[str]:
    yield f"[{m.ref}] {m.title}"
    yield f"  status {m.status}; starts {local_text(tz, m.start_utc)}; host {m.host or '-'}"
    yield (
        f"  {m.attendees} attendees, {m.answered} answered; "
        f"{m.topics} topics; {m.actions} action items"
    )
    if m.next_kind is not None:
        yield f"  next: {m.next_kind} at {local_text(tz, m.next_due_utc)}"


def status_lines(
    db: overview.Executes,
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
    its pending deadlines (``KeyError`` if there is no such meeting); no meeting at all: one
    line saying so. Always ends with the
    inbox counts and the outgoing queue at ``now`` (UTC).
    """
    by_status = overview.meetings_by_status(db)
    total = sum(by_status.values())
    if number is not None:
        found = overview.summary(db, number)
        if found is None:
            raise KeyError(f"no meeting MTG-{number}")
        yield from _meeting_block(found, tz)
        for d in overview.pending_deadlines(db, number):
            yield f"  pending: {d.kind} {d.key or '-'} at {local_text(tz, d.due_utc)}"
    elif not total:
        yield "no meetings yet"
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
    count, unowned = overview.unowned_actions(db, number)
    if count:
        yield f"action items without an owner: {count}"
        for u in unowned:
            written = f" (minutes say: {u.written})" if u.written else ""
            yield (
                f"  MTG-{u.number}/A-{u.k} {u.what}{written}; "
                f"fix: meetingd assign MTG-{u.number}/A-{u.k} PERSON"
            )
        if count > len(unowned):
            yield f"  ... {count - len(unowned)} more"
    inbox = overview.inbox_by_state(db)
    yield "inbox: " + (", ".join(f"{n} {s}" for s, n in inbox.items()) or "empty")
    q = overview.outbox_queue(db, now)
    later = f", {q.later} later (next at {local_text(tz, q.next_utc)})" if q.later else ""
    yield f"outbox: {q.due} due{later}, {q.sending} sending, {q.failed} failed, {q.sent} sent"
    held = overview.outbox_held(db)
    if held is not None:
        yield f"  held back by the sending limits since {local_text(tz, held[1])}: {held[0]}"
