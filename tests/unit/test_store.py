"""The store: migrations, full MeetingFile round-trip, uniqueness and the queue tables."""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from daemon.clock import FrozenClock
from daemon.domain.model import (
    ActionItem,
    Deadline,
    Material,
    Meeting,
    MeetingFile,
    Participant,
    Risk,
    Rsvp,
    Topic,
)
from daemon.store import meetings, migrations, queries
from daemon.store.db import atomic, open_db
from tests.instants import T0

UTC = dt.UTC


def full_file(number: int = 1) -> MeetingFile:
    cst = dt.timezone(dt.timedelta(hours=8))
    meeting = Meeting(
        number=number,
        title="供应链协调会",
        status="scheduled",
        requester="li.lei@example.com",
        lang="zh",
        core_problem="交付延迟",
        expected_outcome="确定新的交付日期",
        start_utc=dt.datetime(2026, 10, 9, 14, 0, tzinfo=cst),  # stored as UTC
        end_utc=dt.datetime(2026, 10, 9, 8, 0, tzinfo=UTC),
        location="3F",
        host="host@example.com",
        recorder="rec@example.com",
        uid=f"mtg-{number}@meetingd",
        revision=2,
        review_of=None,
        request_message_id=f"<req-{number}@example.com>",
        created_utc=T0,
        approved_utc=T0 + dt.timedelta(microseconds=1234),
        minutes_received_utc=None,
        review_date=dt.date(2026, 10, 23),
        problems=["缺少主持人", "time"],
    )
    return MeetingFile(
        meeting=meeting,
        participants=[
            Participant("host@example.com", "host", "王主持", "运营"),
            Participant("rec@example.com", "recorder"),
            Participant("p@example.com", "proxy", delegate_of="core@example.com"),
        ],
        topics=[
            Topic(
                7,
                "延迟原因",
                "core@example.com",
                missing=["background"],
                late=True,
                complex=False,
                also_from=["x@example.com"],
                received_utc=T0,
            ),
            Topic(8, "合并", "y@example.com", merged_into=7),
        ],
        materials=[Material("ab" * 32, "a.pdf", "application/pdf", 1024, "y@example.com", 7)],
        rsvps=[
            Rsvp("core@example.com", "DECLINED", delegate="p@example.com", updated_utc=T0),
            Rsvp("host@example.com", "ACCEPTED", proposed_start_utc=T0, source="itip"),
        ],
        actions=[
            ActionItem(1, "更新计划", "core@example.com", dt.date(2026, 10, 16), escalated=True),
            ActionItem(2, "跟进", None, None, status="blocked", overdue_notices=2),
        ],
        risks=[Risk("供应商停产", "备选供应商", "core@example.com"), Risk("只有风险")],
        decisions=["采用方案 B", "下周复盘"],
    )


def test_open_db_creates_dir_wal_and_pragmas(tmp_path: Path) -> None:
    db = open_db(tmp_path / "a" / "b" / "m.db")
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert "_migrations" in db.table_names()


def test_migrations_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    first = open_db(path)
    names = [r["name"] for r in first.query("SELECT name FROM _migrations")]
    assert names == [m.name for m in migrations.MIGRATIONS._migrations]
    assert names[0] == "0001_initial" and names == sorted(names)
    first.close()
    second = open_db(path)
    assert migrations.pending(second) == []
    assert migrations.apply(second) == []
    assert second.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(names)


def test_a_database_from_the_first_release_is_upgraded(tmp_path: Path) -> None:
    import sqlite_utils

    old = sqlite_utils.Database(tmp_path / "old.db")
    migrations.MIGRATIONS.apply(old, stop_before="0002_topic_decision")
    assert "decision" not in old["topics"].columns_dict
    old.close()
    db = open_db(tmp_path / "old.db")
    assert "decision" in db["topics"].columns_dict
    assert meetings.columns_missing(db) == []


def test_schema_has_a_column_for_every_model_field(db: Database) -> None:
    assert meetings.columns_missing(db) == []


def test_meeting_file_round_trip_preserves_types(db: Database) -> None:
    original = full_file()
    meetings.save_file(db, original)
    loaded = meetings.load_file(db, 1)
    assert loaded == original
    assert loaded.meeting.start_utc is not None
    assert loaded.meeting.start_utc.tzinfo == UTC
    assert loaded.meeting.start_utc == dt.datetime(2026, 10, 9, 6, 0, tzinfo=UTC)
    assert isinstance(loaded.actions[0].due, dt.date)
    assert loaded.meeting.review_date == dt.date(2026, 10, 23)
    assert loaded.actions[0].escalated is True
    assert loaded.topics[0].late is True and loaded.topics[0].complex is False
    assert loaded.meeting.minutes_received_utc is None


def test_save_replaces_children_and_updates(db: Database) -> None:
    file = full_file()
    meetings.save_file(db, file)
    file.meeting.status = "held"
    file.participants = file.participants[:1]
    file.decisions = []
    meetings.save_file(db, file)
    loaded = meetings.load_file(db, 1)
    assert loaded.meeting.status == "held"
    assert len(loaded.participants) == 1 and loaded.decisions == []


def writes_during(db: Database, action: functools.partial[None]) -> list[str]:
    """The INSERT/UPDATE/DELETE statements ``action`` runs on ``db``."""
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        action()
    finally:
        db.conn.set_trace_callback(None)
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [sql for sql in seen if sql.lstrip().upper().startswith(verbs)]


def test_saving_an_unchanged_file_writes_nothing(db: Database) -> None:
    meetings.save_file(db, full_file())
    again = meetings.load_file(db, 1)
    assert writes_during(db, functools.partial(meetings.save_file, db, again)) == []


def test_save_writes_only_the_rows_that_changed(db: Database) -> None:
    meetings.save_file(db, full_file())
    file = meetings.load_file(db, 1)
    file.actions[1].status = "done"
    file.topics.append(Topic(9, "新议题", "z@example.com"))
    file.risks = file.risks[:1]
    writes = writes_during(db, functools.partial(meetings.save_file, db, file))
    assert sorted(w.split(" WHERE ")[0].split(" (")[0].split(" = ")[0] for w in writes) == [
        "DELETE FROM risks",
        "INSERT INTO topics",
        "UPDATE action_items SET status",
    ], writes
    assert any("pos >= 1" in w for w in writes)
    assert meetings.load_file(db, 1) == file


def test_save_rewrites_a_table_whose_unique_keys_moved(db: Database) -> None:
    meetings.save_file(db, full_file())
    file = meetings.load_file(db, 1)
    file.rsvps.reverse()  # each address now sits where the other one was
    file.actions.insert(0, ActionItem(3, "先做", None, None))
    meetings.save_file(db, file)
    assert meetings.load_file(db, 1) == file


def test_save_inside_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError), atomic(db):
        meetings.save_file(db, full_file())
        raise RuntimeError("boom")
    with pytest.raises(KeyError):
        meetings.load_file(db, 1)


def test_nested_atomic_inner_failure_rolls_back_inner_only(
    db: Database, frozen_clock: FrozenClock
) -> None:
    with atomic(db):
        queries.event_add(db, frozen_clock.now(), None, "outer", "kept")
        with pytest.raises(ValueError), atomic(db):
            queries.event_add(db, frozen_clock.now(), None, "inner", "dropped")
            raise ValueError("inner")
    assert [e.kind for e in queries.events_list(db)] == ["outer"]


def test_lookups_and_numbers(db: Database) -> None:
    assert meetings.next_meeting_number(db) == 1
    meetings.save_file(db, full_file(1))
    meetings.save_file(db, full_file(2))
    assert meetings.next_meeting_number(db) == 3
    assert meetings.find_by_uid(db, "mtg-2@meetingd") == 2
    assert meetings.find_by_uid(db, "nope") is None
    assert meetings.find_by_request_message_id(db, "<req-1@example.com>") == 1
    assert [m.number for m in meetings.list_meetings(db)] == [1, 2]


def test_uniqueness_constraints(db: Database) -> None:
    file = full_file()
    file.actions.append(ActionItem(1, "dup k", None, None))
    with pytest.raises(sqlite3.IntegrityError):
        meetings.save_file(db, file)
    meetings.save_file(db, full_file(1))
    other = full_file(2)
    other.meeting.uid = "mtg-1@meetingd"
    with pytest.raises(sqlite3.IntegrityError):
        meetings.save_file(db, other)


def test_naive_datetime_refused(db: Database) -> None:
    file = full_file()
    file.meeting.created_utc = dt.datetime(2026, 1, 1)
    with pytest.raises(ValueError):
        meetings.save_file(db, file)


def test_inbox_store_unique_on_source_key(db: Database, frozen_clock: FrozenClock) -> None:
    first = queries.inbox_store(db, "k1", b"raw", frozen_clock.now(), sender="a@example.com")
    assert first is not None
    assert queries.inbox_store(db, "k1", b"other", frozen_clock.now()) is None
    (row,) = queries.inbox_list(db)
    assert row.raw == b"raw" and row.state == "new" and row.received_utc == T0


def test_inbox_states(db: Database, frozen_clock: FrozenClock) -> None:
    i = queries.inbox_store(db, "k", b"x", frozen_clock.now())
    assert i is not None
    assert queries.inbox_failed(db, i, "e1") is False
    assert queries.inbox_failed(db, i, "e2") is False
    assert queries.inbox_failed(db, i, "e3") is True
    row = queries.inbox_get(db, i)
    assert row is not None and row.state == "quarantined" and row.error == "e3"
    assert queries.inbox_replay(db, i) is True
    assert queries.inbox_replay(db, i) is False
    queries.inbox_applied(
        db,
        i,
        kind="rsvp",
        meeting_number=None,
        message_id="<m>",
        sender="s@x",
        now=frozen_clock.now(),
    )
    row = queries.inbox_get(db, i)
    assert row is not None and (row.state, row.kind, row.message_id) == ("applied", "rsvp", "<m>")
    assert queries.inbox_pending(db) == []


def test_outbox_enqueue_idempotent(db: Database, frozen_clock: FrozenClock) -> None:
    enqueue = functools.partial(
        queries.outbox_enqueue,
        db,
        meeting_number=None,
        kind="invite",
        recipients=["a@x"],
        subject="s",
        raw=b"r",
        now=T0,
    )
    assert enqueue(idem_key="k", message_id="<1@x>")
    assert not enqueue(idem_key="k", message_id="<2@x>")
    with pytest.raises(sqlite3.IntegrityError):
        enqueue(idem_key="k2", message_id="<1@x>")
    row = queries.outbox_by_message_id(db, "<1@x>")
    assert row is not None and row.recipients == ("a@x",) and row.state == "queued"


def test_deadlines_sync_rules(db: Database, frozen_clock: FrozenClock) -> None:
    meetings.save_file(db, full_file())
    h = dt.timedelta(hours=1)
    queries.deadlines_sync(db, 1, [Deadline("a", T0 + h), Deadline("b", T0 + h, "x")])
    queries.deadlines_sync(db, 1, [Deadline("a", T0 + 2 * h)])  # b cancelled, a moved
    states = {(r.kind, r.key): (r.state, r.due_utc) for r in queries.deadlines_list(db, 1)}
    assert states == {("a", ""): ("pending", T0 + 2 * h), ("b", "x"): ("cancelled", T0 + h)}
    (a_id, number, deadline) = queries.deadlines_due(db, T0 + 3 * h)[0]
    assert (number, deadline) == (1, Deadline("a", T0 + 2 * h))
    assert queries.deadline_fire(db, a_id, T0 + 3 * h) is True
    assert queries.deadline_fire(db, a_id, T0 + 3 * h) is False
    queries.deadlines_sync(db, 1, [Deadline("a", T0 + 5 * h), Deadline("b", T0 + 4 * h, "x")])
    states = {(r.kind, r.key): (r.state, r.due_utc) for r in queries.deadlines_list(db, 1)}
    assert states == {("a", ""): ("fired", T0 + 2 * h), ("b", "x"): ("pending", T0 + 4 * h)}
    queries.deadlines_sync(db, 1, [])
    assert {r.state for r in queries.deadlines_list(db, 1)} == {"fired", "cancelled"}


def test_events(db: Database, frozen_clock: FrozenClock) -> None:
    meetings.save_file(db, full_file())
    queries.event_add(db, T0 + dt.timedelta(minutes=1), 1, "sent", "invite to 3")
    queries.event_add(db, T0, None, "stored", "inbox 1")
    assert [e.kind for e in queries.events_list(db)] == ["stored", "sent"]
    assert [e.text for e in queries.events_list(db, 1)] == ["invite to 3"]
