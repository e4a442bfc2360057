"""What ``meetingd status`` shows, computed by SQL: one summary row per meeting and counts.

Every query here reads indexes and counts (never a meeting file, never the raw bytes of a
mail), so the listing costs the same whatever the history holds: a company's 10,000
meetings list in well under a second. The child counts use the child tables' primary keys
``(meeting_number, pos)``, the next deadline the index ``deadlines_meeting_pending``
(migration 0006), the inbox and outbox counts ``inbox_state`` and ``outbox_due``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from daemon.domain.model import MeetingStatus
from daemon.store.codec import from_iso, opt_from_iso, to_iso
from daemon.store.schema import UNOWNED


class Executes(Protocol):
    """What these queries need of a connection: a ``sqlite_utils.Database`` or a plain
    ``sqlite3.Connection`` (:func:`daemon.store.schema.open_current`) both do."""

    def execute(self, sql: str, parameters: Any = ..., /) -> sqlite3.Cursor: ...

    def close(self) -> None: ...


#: Meeting states with nothing left to do: ``status`` lists them only with ``--all``.
FINISHED = ("closed", "cancelled", "rejected")
#: The other states: a meeting in one of them is open (found through ``meetings_status``).
OPEN = tuple(s for s in typing.get_args(MeetingStatus) if s not in FINISHED)


@dataclass(frozen=True)
class MeetingSummary:
    """One meeting as ``status`` lists it. Times are aware UTC; counts are rows."""

    number: int
    title: str
    status: str
    start_utc: dt.datetime | None
    host: str | None
    attendees: int
    answered: int
    topics: int
    actions: int
    next_kind: str | None
    next_due_utc: dt.datetime | None

    @property
    def ref(self) -> str:
        """``MTG-n``."""
        return f"MTG-{self.number}"


_SUMMARY = """
SELECT m.number, m.title, m.status, m.start_utc, m.host,
    (SELECT COUNT(*) FROM participants AS p WHERE p.meeting_number = m.number) AS attendees,
    (SELECT COUNT(*) FROM rsvps AS r
        WHERE r.meeting_number = m.number AND r.partstat != 'NEEDS-ACTION') AS answered,
    (SELECT COUNT(*) FROM topics AS t WHERE t.meeting_number = m.number) AS topics,
    (SELECT COUNT(*) FROM action_items AS a WHERE a.meeting_number = m.number) AS actions,
    n.kind AS next_kind, n.due_utc AS next_due_utc
FROM meetings AS m
LEFT JOIN deadlines AS n ON n.id = (
    SELECT d.id FROM deadlines AS d
    WHERE d.meeting_number = m.number AND d.state = 'pending'
    ORDER BY d.due_utc, d.id LIMIT 1)
"""


def _summary(row: Sequence[Any]) -> MeetingSummary:
    number, title, status, start, host, attendees, answered, topics, actions, kind, due = row
    return MeetingSummary(
        number,
        title,
        status,
        opt_from_iso(start),
        host,
        attendees,
        answered,
        topics,
        actions,
        kind,
        opt_from_iso(due),
    )


def summaries(
    db: Executes, *, open_only: bool = False, limit: int | None = None
) -> Iterator[MeetingSummary]:
    """Meeting summaries by number (``open_only``: not :data:`FINISHED`), at most ``limit``
    (None: all), read one row at a time."""
    where = f" WHERE m.status IN ({', '.join('?' for _ in OPEN)})" if open_only else ""
    params: list[Any] = list(OPEN) if open_only else []
    tail = ""
    if limit is not None:
        tail = " LIMIT ?"
        params.append(limit)
    for row in db.execute(_SUMMARY + where + " ORDER BY m.number" + tail, params):
        yield _summary(row)


def summary(db: Executes, number: int) -> MeetingSummary | None:
    """The summary of meeting ``number``, or None if there is no such meeting."""
    row = db.execute(_SUMMARY + " WHERE m.number = ?", [number]).fetchone()
    return None if row is None else _summary(row)


def meeting_exists(db: Executes, number: int) -> bool:
    """True if meeting ``number`` is stored (a primary-key lookup)."""
    return db.execute("SELECT 1 FROM meetings WHERE number = ?", [number]).fetchone() is not None


def meetings_by_status(db: Executes) -> dict[str, int]:
    """``status -> number of meetings`` (only the states that occur)."""
    rows = db.execute("SELECT status, COUNT(*) FROM meetings GROUP BY status ORDER BY status")
    return {str(s): int(n) for s, n in rows}


def inbox_by_state(db: Executes) -> dict[str, int]:
    """``state -> number of inbound messages`` (read from the index, not the raw bytes)."""
    rows = db.execute("SELECT state, COUNT(*) FROM inbox GROUP BY state ORDER BY state")
    return {str(s): int(n) for s, n in rows}


@dataclass(frozen=True)
class OutboxQueue:
    """The outgoing queue at one instant: ``due`` queued mails whose time has come,
    ``later`` queued for later (a retry, or held back by the sending limits), ``sending``,
    ``failed``, ``sent``; ``next_utc`` when the first of ``later`` is due (UTC) or None."""

    due: int
    later: int
    sending: int
    failed: int
    sent: int
    next_utc: dt.datetime | None


def outbox_queue(db: Executes, now: dt.datetime) -> OutboxQueue:
    """The outgoing queue at ``now`` (UTC), counted through the ``outbox_due`` index."""
    stamp = to_iso(now)
    counts = {
        str(s): int(n)
        for s, n in db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
    }
    due = db.execute(
        "SELECT COUNT(*) FROM outbox WHERE state = 'queued' AND next_attempt_utc <= ?", [stamp]
    ).fetchone()[0]
    nxt = db.execute(
        "SELECT MIN(next_attempt_utc) FROM outbox WHERE state = 'queued' AND next_attempt_utc > ?",
        [stamp],
    ).fetchone()[0]
    return OutboxQueue(
        due=int(due),
        later=counts.get("queued", 0) - int(due),
        sending=counts.get("sending", 0),
        failed=counts.get("failed", 0),
        sent=counts.get("sent", 0),
        next_utc=opt_from_iso(nxt),
    )


@dataclass(frozen=True)
class PendingDeadline:
    """One pending deadline: ``kind``, ``key`` and ``due_utc`` (aware UTC)."""

    kind: str
    key: str
    due_utc: dt.datetime


def pending_deadlines(db: Executes, number: int) -> list[PendingDeadline]:
    """The pending deadlines of meeting ``number``, by due time (``deadlines_meeting_pending``)."""
    rows = db.execute(
        "SELECT kind, key, due_utc FROM deadlines WHERE meeting_number = ? AND state = 'pending'"
        " ORDER BY due_utc, id",
        [number],
    )
    return [PendingDeadline(k, key, from_iso(due)) for k, key, due in rows]


@dataclass(frozen=True)
class Unowned:
    """A live action item ``A-k`` of meeting ``number`` with no resolved owner (what the
    minutes said: ``written``)."""

    number: int
    k: int
    what: str
    written: str | None


def unowned_actions(
    db: Executes, number: int | None = None, limit: int = 20
) -> tuple[int, list[Unowned]]:
    """(how many, the first ``limit`` by meeting and ``k``) live action items without an
    owner, of meeting ``number`` or of every meeting not finished (index
    ``action_items_unowned``, and ``meetings_status`` for the finished ones)."""
    finished = ", ".join(f"'{s}'" for s in FINISHED)
    where = f"{UNOWNED} AND meeting_number NOT IN (SELECT number FROM meetings WHERE status IN"
    where += f" ({finished}))" + (" AND meeting_number = ?" if number is not None else "")
    params: list[Any] = [number] if number is not None else []
    (count,) = db.execute(f"SELECT COUNT(*) FROM action_items WHERE {where}", params).fetchone()
    rows = db.execute(
        f"SELECT meeting_number, k, what, owner_name FROM action_items WHERE {where}"
        " ORDER BY meeting_number, k LIMIT ?",
        [*params, limit],
    )
    return int(count), [Unowned(int(n), int(k), what, written) for n, k, what, written in rows]


def outbox_held(db: Executes) -> tuple[str, dt.datetime] | None:
    """(why, since when in UTC) the sending limits hold due mail back, as the dispatcher
    last recorded it (``transport_state`` scope ``outbox``, key ``held``), or None."""
    row = db.execute(
        "SELECT value FROM transport_state WHERE scope = 'outbox' AND key = 'held'"
    ).fetchone()
    value = None if row is None else json.loads(row[0])
    if not isinstance(value, dict):
        return None
    return str(value["reason"]), from_iso(value["since_utc"])
