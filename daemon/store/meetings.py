"""Loading and saving a whole :class:`~daemon.domain.model.MeetingFile`.

This module holds the meeting tables' names and SQL (the queue tables live in
:mod:`daemon.store.queries`): the mapping is generic, driven by :data:`CHILDREN` and the
dataclass fields, so it reads best next to the table list. Columns are named like the
fields; child rows carry ``meeting_number`` and ``pos`` (their list position). Adding a model
field needs only a migration. Call the writers inside :func:`daemon.store.db.atomic`
(:func:`save_file` opens one itself, nested as a SAVEPOINT when the caller has one open).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlite_utils import Database

from daemon.domain.model import (
    ActionItem,
    Material,
    Meeting,
    MeetingFile,
    Participant,
    Question,
    Risk,
    Rsvp,
    Topic,
    Uninvited,
)
from daemon.store.codec import decode_dataclass, encode_dataclass, field_names
from daemon.store.db import atomic

log = logging.getLogger(__name__)

# MeetingFile attribute -> (table, dataclass). ``decisions`` (list[str]) is handled apart.
CHILDREN: dict[str, tuple[str, type]] = {
    "participants": ("participants", Participant),
    "topics": ("topics", Topic),
    "materials": ("materials", Material),
    "rsvps": ("rsvps", Rsvp),
    "actions": ("action_items", ActionItem),
    "risks": ("risks", Risk),
    "questions": ("questions", Question),
    "uninvited": ("uninvited", Uninvited),
}


def _insert(db: Database, table: str, row: dict[str, Any]) -> None:
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    db.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def next_meeting_number(db: Database) -> int:
    """The number for a new meeting: one more than the highest stored (1 when none)."""
    row = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM meetings").fetchone()
    return int(row[0])


# Child tables whose rows carry a key unique within the meeting besides their position.
UNIQUE_KEYS: dict[str, str] = {
    "topics": "id",
    "rsvps": "address",
    "action_items": "k",
    "questions": "id",
    "uninvited": "address",
}


def save_file(db: Database, file: MeetingFile) -> None:
    """Write ``file`` as it now is, in one transaction, touching only what changed.

    The stored rows of the meeting are read first (primary-key ranges) and compared with
    ``file``: the meeting row is upserted only when it differs; for each child table a
    changed row is updated in place, new positions inserted, positions past the end
    deleted. A table whose unique keys (topic id, action ``k``, RSVP address, question id)
    moved between positions is rewritten whole, so no update can collide with a key still
    held by another row. Saving an unchanged file writes nothing.

    Raises ``sqlite3.IntegrityError`` on a duplicate topic id, action ``k`` or RSVP address,
    or a UID already used by another meeting; ``ValueError`` on a naive datetime.
    """
    meeting = encode_dataclass(file.meeting)
    number = file.meeting.number
    with atomic(db):
        stored = _meeting_rows(db, "WHERE number = ?", [number])
        if not stored or {c: stored[0].get(c) for c in meeting} != meeting:
            cols = list(meeting)
            updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "number")
            db.execute(
                f"INSERT INTO meetings ({', '.join(cols)})"
                f" VALUES ({', '.join('?' for _ in cols)})"
                f" ON CONFLICT(number) DO UPDATE SET {updates}",
                list(meeting.values()),
            )
        for attr, (table, _cls) in CHILDREN.items():
            rows = [encode_dataclass(item) for item in getattr(file, attr)]
            _sync_rows(db, table, number, rows, UNIQUE_KEYS.get(table))
        _sync_rows(db, "decisions", number, [{"text": t} for t in file.decisions], None)
    log.debug("MTG-%s saved (status %s)", number, file.meeting.status)


def _sync_rows(
    db: Database, table: str, number: int, rows: list[dict[str, Any]], unique: str | None
) -> None:
    """Make the rows of ``table`` for meeting ``number`` equal ``rows`` (by position)."""
    cols = list(rows[0]) if rows else []
    old = [
        {c: r.get(c) for c in cols} if cols else r
        for r in db.query(f"SELECT * FROM {table} WHERE meeting_number = ? ORDER BY pos", [number])
    ]
    common = min(len(old), len(rows))
    if unique is not None and any(old[i][unique] != rows[i][unique] for i in range(common)):
        db.execute(f"DELETE FROM {table} WHERE meeting_number = ?", [number])
        old, common = [], 0
    if len(old) > len(rows):
        db.execute(
            f"DELETE FROM {table} WHERE meeting_number = ? AND pos >= ?", [number, len(rows)]
        )
    for pos in range(common):
        if old[pos] != rows[pos]:
            changed = [c for c in cols if old[pos][c] != rows[pos][c]]
            db.execute(
                f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in changed)}"
                " WHERE meeting_number = ? AND pos = ?",
                [*(rows[pos][c] for c in changed), number, pos],
            )
    for pos in range(common, len(rows)):
        _insert(db, table, {"meeting_number": number, "pos": pos, **rows[pos]})


def _meeting_rows(db: Database, where: str, params: list[Any]) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT * FROM meetings {where} ORDER BY number", params))


def load_file(db: Database, number: int) -> MeetingFile:
    """The whole file of meeting ``number``. Raises ``KeyError`` if there is no such meeting."""
    rows = _meeting_rows(db, "WHERE number = ?", [number])
    if not rows:
        raise KeyError(f"no meeting MTG-{number}")
    file = MeetingFile(meeting=decode_dataclass(Meeting, rows[0]))
    for attr, (table, cls) in CHILDREN.items():
        children = db.query(
            f"SELECT * FROM {table} WHERE meeting_number = ? ORDER BY pos", [number]
        )
        setattr(file, attr, [decode_dataclass(cls, row) for row in children])
    file.decisions = [
        row["text"]
        for row in db.query(
            "SELECT text FROM decisions WHERE meeting_number = ? ORDER BY pos", [number]
        )
    ]
    return file


def find_by_uid(db: Database, uid: str) -> int | None:
    """The number of the meeting with iCalendar UID ``uid``, or None."""
    row = db.execute("SELECT number FROM meetings WHERE uid = ?", [uid]).fetchone()
    return None if row is None else int(row[0])


def find_by_request_message_id(db: Database, message_id: str) -> int | None:
    """The number of the meeting created from the request mail ``message_id``, or None."""
    row = db.execute(
        "SELECT number FROM meetings WHERE request_message_id = ? ORDER BY number LIMIT 1",
        [message_id],
    ).fetchone()
    return None if row is None else int(row[0])


def list_meetings(db: Database) -> list[Meeting]:
    """Every meeting row (without children), by number."""
    return [decode_dataclass(Meeting, row) for row in _meeting_rows(db, "", [])]


def columns_missing(db: Database) -> list[str]:
    """``table.column`` for each model field with no column (empty when the schema fits)."""
    missing = []
    for table, cls in [("meetings", Meeting), *CHILDREN.values()]:
        have = set(db[table].columns_dict)
        missing += [f"{table}.{name}" for name in field_names(cls) if name not in have]
    return missing
