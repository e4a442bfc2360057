"""Every SQL statement over the queue tables: inbox, outbox, deadlines and events.

(The meeting tables are mapped generically in :mod:`daemon.store.meetings`.) Every function
takes the ``sqlite_utils.Database`` first; times are aware ``datetime`` values in UTC (a naive
one raises ``ValueError``). Writers do not open their own transaction unless documented: call
them inside :func:`daemon.store.db.atomic` (outside one, each statement commits on its own).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlite_utils import Database

from daemon.domain.model import Deadline
from daemon.store.codec import decode_dataclass, from_iso, to_iso, to_json
from daemon.store.db import atomic
from daemon.store.rows import DeadlineRow, EventRow, InboxRow, OutboxRow

log = logging.getLogger(__name__)

R = TypeVar("R")


def _rows(db: Database, cls: type[R], sql: str, params: Sequence[Any] = ()) -> list[R]:
    return [decode_dataclass(cls, row) for row in db.query(sql, list(params))]


def _one(db: Database, cls: type[R], sql: str, params: Sequence[Any] = ()) -> R | None:
    rows = _rows(db, cls, sql, params)
    return rows[0] if rows else None


def _where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    used = {k: v for k, v in filters.items() if v is not None}
    if not used:
        return "", []
    return " WHERE " + " AND ".join(f"{k} = ?" for k in used), list(used.values())


# --------------------------------------------------------------------------- inbox


def inbox_store(
    db: Database,
    source_key: str,
    raw: bytes,
    now: dt.datetime,
    *,
    message_id: str | None = None,
    sender: str | None = None,
) -> int | None:
    """Store one inbound message as ``new``; return its id, or None if ``source_key`` exists.

    ``message_id`` and ``sender`` (lower-case address) are optional header hints for listings.
    """
    cur = db.execute(
        "INSERT INTO inbox (source_key, raw, received_utc, state, message_id, sender)"
        " VALUES (?, ?, ?, 'new', ?, ?) ON CONFLICT(source_key) DO NOTHING",
        [source_key, raw, to_iso(now), message_id, sender],
    )
    return cur.lastrowid if cur.rowcount == 1 else None


def inbox_get(db: Database, id: int) -> InboxRow | None:
    """The inbox row with this id, or None."""
    return _one(db, InboxRow, "SELECT * FROM inbox WHERE id = ?", [id])


def inbox_pending(db: Database, limit: int = 100) -> list[InboxRow]:
    """Up to ``limit`` rows in state ``new``, oldest (lowest id) first."""
    return _rows(
        db, InboxRow, "SELECT * FROM inbox WHERE state = 'new' ORDER BY id LIMIT ?", [limit]
    )


def inbox_list(db: Database, state: str | None = None) -> list[InboxRow]:
    """Every inbox row, or those in ``state``, by id."""
    where, params = _where({"state": state})
    return _rows(db, InboxRow, f"SELECT * FROM inbox{where} ORDER BY id", params)


def inbox_applied(
    db: Database,
    id: int,
    *,
    kind: str | None,
    meeting_number: int | None,
    message_id: str | None,
    sender: str | None,
    now: dt.datetime,
) -> None:
    """Mark row ``id`` applied: its effects are written in the same transaction."""
    db.execute(
        "UPDATE inbox SET state = 'applied', kind = ?, meeting_number = ?,"
        " message_id = COALESCE(?, message_id), sender = COALESCE(?, sender),"
        " applied_utc = ?, error = NULL WHERE id = ?",
        [kind, meeting_number, message_id, sender, to_iso(now), id],
    )
    log.info("inbox %s applied: kind=%s meeting=%s", id, kind, meeting_number)


def inbox_ignored(
    db: Database, id: int, reason: str, *, kind: str | None, sender: str | None, now: dt.datetime
) -> None:
    """Mark row ``id`` ignored (auto-reply, bounce, not for us) with ``reason``."""
    db.execute(
        "UPDATE inbox SET state = 'ignored', error = ?, kind = ?,"
        " sender = COALESCE(?, sender), applied_utc = ? WHERE id = ?",
        [reason, kind, sender, to_iso(now), id],
    )
    log.info("inbox %s ignored: %s", id, reason)


def inbox_failed(db: Database, id: int, error: str, max_attempts: int = 3) -> bool:
    """Count one failed attempt of row ``id``; True when it is now quarantined.

    The row is quarantined when its attempts reach ``max_attempts``.
    """
    db.execute(
        "UPDATE inbox SET attempts = attempts + 1, error = ?,"
        " state = CASE WHEN attempts + 1 >= ? THEN 'quarantined' ELSE state END"
        " WHERE id = ? AND state = 'new'",
        [error, max_attempts, id],
    )
    row = inbox_get(db, id)
    return row is not None and row.state == "quarantined"


def inbox_quarantine(db: Database, id: int, reason: str) -> None:
    """Quarantine row ``id`` at once with ``reason`` (kept; replayable)."""
    db.execute("UPDATE inbox SET state = 'quarantined', error = ? WHERE id = ?", [reason, id])
    log.warning("inbox %s quarantined: %s", id, reason)


def inbox_replay(db: Database, id: int) -> bool:
    """Put a quarantined row back to ``new`` with 0 attempts; False if not quarantined."""
    cur = db.execute(
        "UPDATE inbox SET state = 'new', attempts = 0 WHERE id = ? AND state = 'quarantined'",
        [id],
    )
    done = cur.rowcount == 1
    log.info("inbox %s replay %s", id, "queued" if done else "refused: not quarantined")
    return done


# --------------------------------------------------------------------------- outbox


def outbox_enqueue(
    db: Database,
    *,
    idem_key: str,
    message_id: str,
    meeting_number: int | None,
    kind: str,
    recipients: Sequence[str],
    subject: str,
    raw: bytes,
    now: dt.datetime,
    intent: dict[str, Any] | None = None,
    question_id: int | None = None,
    draft: str | None = None,
) -> bool:
    """Queue a rendered mail (or a calendar ``intent`` with its mail, or a ``draft`` to be
    composed when sent, with empty ``raw`` and ``subject``), due at ``now``; False (nothing
    written) if ``idem_key`` exists.

    Raises ``sqlite3.IntegrityError`` if ``message_id`` is already used by another mail.
    """
    addresses = list(dict.fromkeys(r.lower() for r in recipients))
    cur = db.execute(
        "INSERT INTO outbox (idem_key, message_id, meeting_number, kind, recipients, subject,"
        " raw, state, attempts, next_attempt_utc, created_utc, intent, question_id, draft)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?)"
        " ON CONFLICT(idem_key) DO NOTHING",
        [
            idem_key,
            message_id,
            meeting_number,
            kind,
            to_json(list(recipients)),
            subject,
            raw,
            to_iso(now),
            to_iso(now),
            None if intent is None else to_json(intent),
            question_id,
            draft,
        ],
    )
    if cur.rowcount != 1:
        return False
    db.conn.executemany(
        "INSERT INTO outbox_recipients (outbox_id, address, kind, created_utc) VALUES (?, ?, ?, ?)",
        [(cur.lastrowid, a, kind, to_iso(now)) for a in addresses],
    )
    return True


def outbox_get(db: Database, id: int) -> OutboxRow | None:
    """The outbox row with this id, or None."""
    return _one(db, OutboxRow, "SELECT * FROM outbox WHERE id = ?", [id])


def outbox_claim(
    db: Database, now: dt.datetime, sent: tuple[int, dt.datetime] | None = None
) -> OutboxRow | None:
    """Move the next queued mail due at ``now`` to ``sending`` and return it; None if none.

    Counts one attempt and records ``claimed_utc = now``. Runs in its own transaction (or
    the caller's), so two dispatchers never claim the same mail. The oldest due mail (then
    the lowest id) comes first. ``sent`` (id, when): first mark that mail sent, in the same
    transaction (one commit per mail of a burst instead of two).
    """
    with atomic(db):
        if sent is not None:
            outbox_sent(db, sent[0], sent[1])
        found = db.execute(
            "SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_utc <= ?"
            " ORDER BY next_attempt_utc, id LIMIT 1",
            [to_iso(now)],
        ).fetchone()
        if found is None:
            return None
        db.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_utc = ?"
            " WHERE id = ?",
            [to_iso(now), found[0]],
        )
        return outbox_get(db, found[0])


def outbox_composed(db: Database, id: int, subject: str, raw: bytes) -> None:
    """Record the composed ``subject`` and ``raw`` bytes of draft mail ``id``."""
    db.execute("UPDATE outbox SET subject = ?, raw = ? WHERE id = ?", [subject, raw, id])


def outbox_sent(db: Database, id: int, now: dt.datetime) -> None:
    """Mark mail ``id`` sent at ``now``."""
    db.execute(
        "UPDATE outbox SET state = 'sent', sent_utc = ?, error = NULL WHERE id = ?",
        [to_iso(now), id],
    )


def outbox_retry(db: Database, id: int, error: str, next_attempt: dt.datetime) -> None:
    """Put mail ``id`` back to ``queued``, due at ``next_attempt``, noting ``error``."""
    db.execute(
        "UPDATE outbox SET state = 'queued', error = ?, next_attempt_utc = ? WHERE id = ?",
        [error, to_iso(next_attempt), id],
    )


def outbox_failed(db: Database, id: int, error: str) -> None:
    """Give up on mail ``id`` with ``error`` (state ``failed``)."""
    db.execute("UPDATE outbox SET state = 'failed', error = ? WHERE id = ?", [error, id])


def outbox_sending(db: Database) -> list[OutboxRow]:
    """Mails left in ``sending`` (after a crash), by id."""
    return _rows(db, OutboxRow, "SELECT * FROM outbox WHERE state = 'sending' ORDER BY id")


def outbox_requeue(db: Database, id: int) -> None:
    """Put a ``sending`` or ``failed`` mail back to ``queued`` (its due time unchanged)."""
    db.execute(
        "UPDATE outbox SET state = 'queued' WHERE id = ? AND state IN ('sending', 'failed')", [id]
    )


def outbox_retry_failed(db: Database, id: int, now: dt.datetime) -> bool:
    """Queue failed mail ``id`` again, due at ``now``, with its attempts reset; False if it
    is not ``failed``."""
    with atomic(db):
        cur = db.execute(
            "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_utc = ?"
            " WHERE id = ? AND state = 'failed'",
            [to_iso(now), id],
        )
    return cur.rowcount == 1


def outbox_by_message_id(db: Database, message_id: str) -> OutboxRow | None:
    """The mail we enqueued with this Message-ID (angle brackets included), or None."""
    return _one(db, OutboxRow, "SELECT * FROM outbox WHERE message_id = ?", [message_id])


def outbox_count_to(db: Database, kinds: Sequence[str], recipient: str, since: dt.datetime) -> int:
    """How many mails of any of ``kinds`` were queued to ``recipient`` since ``since`` (UTC).

    An index range over ``outbox_recipients`` (this address, each kind, queued since
    ``since``): its cost follows those mails in the window, not the whole outbox.
    """
    marks = ", ".join("?" for _ in kinds)
    row = db.execute(
        "SELECT COUNT(*) FROM outbox_recipients"
        f" WHERE address = ? AND created_utc >= ? AND kind IN ({marks})",
        [recipient.lower(), to_iso(since), *kinds],
    ).fetchone()
    return int(row[0])


def outbox_next_due(db: Database, now: dt.datetime) -> OutboxRow | None:
    """The mail :func:`outbox_claim` would claim next at ``now``, without claiming it."""
    return _one(
        db,
        OutboxRow,
        "SELECT * FROM outbox WHERE state = 'queued' AND next_attempt_utc <= ?"
        " ORDER BY next_attempt_utc, id LIMIT 1",
        [to_iso(now)],
    )


def outbox_due_count(db: Database, now: dt.datetime) -> int:
    """How many queued mails are due at ``now`` (index ``outbox_due``)."""
    row = db.execute(
        "SELECT COUNT(*) FROM outbox WHERE state = 'queued' AND next_attempt_utc <= ?",
        [to_iso(now)],
    ).fetchone()
    return int(row[0])


def outbox_sent_since(db: Database, since: dt.datetime) -> tuple[int, int]:
    """(mails, recipients) sent after ``since`` (UTC; index ``outbox_sent``)."""
    row = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(json_array_length(recipients)), 0) FROM outbox"
        " WHERE sent_utc > ?",
        [to_iso(since)],
    ).fetchone()
    return int(row[0]), int(row[1])


def outbox_last_sent_to(db: Database, address: str, since: dt.datetime) -> dt.datetime | None:
    """When a mail queued since ``since`` was last sent to ``address`` (UTC), or None: an
    index range over ``outbox_recipients`` joined to the mails by id."""
    row = db.execute(
        "SELECT MAX(o.sent_utc) FROM outbox_recipients AS r JOIN outbox AS o ON o.id = r.outbox_id"
        " WHERE r.address = ? AND r.created_utc >= ? AND o.sent_utc IS NOT NULL",
        [address.lower(), to_iso(since)],
    ).fetchone()
    return None if row[0] is None else from_iso(row[0])


def outbox_postpone(db: Database, id: int, until: dt.datetime, reason: str) -> None:
    """Leave queued mail ``id`` queued but due only at ``until`` (UTC), noting ``reason``."""
    db.execute(
        "UPDATE outbox SET next_attempt_utc = ?, error = ? WHERE id = ? AND state = 'queued'",
        [to_iso(until), reason, id],
    )


def deadline_next_due(db: Database) -> dt.datetime | None:
    """When the first pending deadline falls due (UTC), or None (index ``deadlines_due``)."""
    row = db.execute("SELECT MIN(due_utc) FROM deadlines WHERE state = 'pending'").fetchone()
    return None if row[0] is None else from_iso(row[0])


def outbox_list(
    db: Database, state: str | None = None, meeting_number: int | None = None
) -> list[OutboxRow]:
    """Outbox rows, optionally filtered by state and meeting, by id."""
    where, params = _where({"state": state, "meeting_number": meeting_number})
    return _rows(db, OutboxRow, f"SELECT * FROM outbox{where} ORDER BY id", params)


# --------------------------------------------------------------------------- deadlines


def deadlines_sync(db: Database, meeting_number: int, desired: Sequence[Deadline]) -> None:
    """Make the meeting's pending deadlines equal ``desired``.

    New (kind, key) pairs are inserted pending; pending ones get the desired due time;
    cancelled ones that are desired again become pending; pending ones not desired are
    cancelled; fired ones stay fired whatever ``desired`` says.
    """
    existing = {(r.kind, r.key): r for r in deadlines_list(db, meeting_number)}
    wanted: set[tuple[str, str]] = set()
    for d in desired:
        wanted.add((d.kind, d.key))
        row = existing.get((d.kind, d.key))
        if row is None:
            db.execute(
                "INSERT INTO deadlines (meeting_number, kind, key, due_utc, state)"
                " VALUES (?, ?, ?, ?, 'pending')",
                [meeting_number, d.kind, d.key, to_iso(d.due_utc)],
            )
            log.info("MTG-%s deadline %s/%s set for %s", meeting_number, d.kind, d.key, d.due_utc)
        elif row.state in ("pending", "cancelled") and (
            row.state == "cancelled" or row.due_utc != d.due_utc
        ):
            db.execute(
                "UPDATE deadlines SET state = 'pending', due_utc = ?, attempts = 0, error = NULL"
                " WHERE id = ?",
                [to_iso(d.due_utc), row.id],
            )
            log.info("MTG-%s deadline %s/%s moved to %s", meeting_number, d.kind, d.key, d.due_utc)
    for (kind, key), row in existing.items():
        if row.state == "pending" and (kind, key) not in wanted:
            db.execute("UPDATE deadlines SET state = 'cancelled' WHERE id = ?", [row.id])
            log.info("MTG-%s deadline %s/%s cancelled", meeting_number, kind, key)


def deadlines_due(db: Database, now: dt.datetime) -> list[tuple[int, int, Deadline]]:
    """Pending deadlines due at or before ``now``: ``(id, meeting_number, deadline)``, by due."""
    rows = _rows(
        db,
        DeadlineRow,
        "SELECT * FROM deadlines WHERE state = 'pending' AND due_utc <= ? ORDER BY due_utc, id",
        [to_iso(now)],
    )
    return [(r.id, r.meeting_number, r.deadline) for r in rows]


def deadline_get(db: Database, id: int) -> DeadlineRow | None:
    """The deadline row with this id, or None."""
    return _one(db, DeadlineRow, "SELECT * FROM deadlines WHERE id = ?", [id])


def deadline_fire(db: Database, id: int, now: dt.datetime) -> bool:
    """Mark deadline ``id`` fired at ``now``; False if it was not pending (fires once)."""
    cur = db.execute(
        "UPDATE deadlines SET state = 'fired', fired_utc = ? WHERE id = ? AND state = 'pending'",
        [to_iso(now), id],
    )
    return cur.rowcount == 1


def deadline_failed(
    db: Database, id: int, error: str, now: dt.datetime, max_attempts: int = 3
) -> bool:
    """Count a failed firing of pending deadline ``id``; True when it is given up.

    A deadline that failed ``max_attempts`` times is marked fired (at ``now``) with its
    error, so it cannot loop forever.
    """
    db.execute(
        "UPDATE deadlines SET attempts = attempts + 1, error = ?,"
        " state = CASE WHEN attempts + 1 >= ? THEN 'fired' ELSE state END,"
        " fired_utc = CASE WHEN attempts + 1 >= ? THEN ? ELSE fired_utc END"
        " WHERE id = ? AND state = 'pending'",
        [error, max_attempts, max_attempts, to_iso(now), id],
    )
    row = deadline_get(db, id)
    return row is not None and row.state == "fired"


def deadlines_list(db: Database, meeting_number: int | None = None) -> list[DeadlineRow]:
    """Deadline rows (all states), optionally of one meeting, by due time."""
    where, params = _where({"meeting_number": meeting_number})
    return _rows(db, DeadlineRow, f"SELECT * FROM deadlines{where} ORDER BY due_utc, id", params)


# --------------------------------------------------------------------------- events


def event_add(
    db: Database, now: dt.datetime, meeting_number: int | None, kind: str, text: str
) -> int:
    """Append an audit/timeline line; return its id."""
    cur = db.execute(
        "INSERT INTO events (at_utc, meeting_number, kind, text) VALUES (?, ?, ?, ?)",
        [to_iso(now), meeting_number, kind, text],
    )
    return int(cur.lastrowid or 0)


def events_list(db: Database, meeting_number: int | None = None) -> list[EventRow]:
    """Audit lines, optionally of one meeting, in time order."""
    where, params = _where({"meeting_number": meeting_number})
    return _rows(db, EventRow, f"SELECT * FROM events{where} ORDER BY at_utc, id", params)


# --------------------------------------------------------------------------- transport state


def state_get(db: Database, scope: str, key: str) -> Any:
    """The JSON value a transport stored under (``scope``, ``key``), or None."""
    row = db.execute(
        "SELECT value FROM transport_state WHERE scope = ? AND key = ?", [scope, key]
    ).fetchone()
    return None if row is None else json.loads(row[0])


def state_put(db: Database, scope: str, key: str, value: Any, now: dt.datetime) -> None:
    """Store ``value`` (JSON-ready) under (``scope``, ``key``), replacing what was there."""
    db.execute(
        "INSERT INTO transport_state (scope, key, value, updated_utc) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(scope, key) DO UPDATE SET value = excluded.value,"
        " updated_utc = excluded.updated_utc",
        [scope, key, to_json(value), to_iso(now)],
    )
