"""Inbound pipeline: store-then-ack, crash between store and ack, failures and quarantine."""

from __future__ import annotations

from sqlite_utils import Database

from daemon.clock import FrozenClock
from daemon.errors import ParseError, TransientError
from daemon.inbound.pipeline import ingest, process_pending
from daemon.store import queries
from daemon.store.rows import InboxRow
from daemon.transports.memory import MemoryTransport
from tests.instants import T0


def mail(n: int, sender: str = "a@example.com") -> bytes:
    return (
        f"From: A <{sender}>\r\nTo: mtg@example.com\r\nSubject: t{n}\r\n"
        f"Message-ID: <m{n}@example.com>\r\n\r\nbody {n}\r\n"
    ).encode()


def apply_all(db: Database, row: InboxRow) -> None:
    queries.event_add(db, T0, None, "handled", row.source_key)
    queries.inbox_applied(
        db, row.id, kind="rsvp", meeting_number=None, message_id=None, sender=None, now=T0
    )


def test_ingest_stores_then_acks(db: Database, frozen_clock: FrozenClock) -> None:
    source = MemoryTransport()
    k1, k2 = source.deliver(mail(1)), source.deliver(mail(2))
    assert ingest(db, source, frozen_clock.now()) == 2
    assert source.inbox == {} and set(source.processed) == {k1, k2}
    rows = queries.inbox_pending(db)
    assert [r.source_key for r in rows] == [k1, k2]
    assert rows[0].raw == mail(1)
    assert (rows[0].message_id, rows[0].sender) == ("<m1@example.com>", "a@example.com")


def test_crash_between_store_and_ack_makes_no_duplicate(
    db: Database, frozen_clock: FrozenClock
) -> None:
    source = MemoryTransport()
    key = source.deliver(mail(1))
    source.ack_errors.append(OSError("killed before ack"))
    assert ingest(db, source, frozen_clock.now()) == 1
    assert key in source.inbox  # not acked: the "crash"
    assert ingest(db, source, frozen_clock.now()) == 0  # re-fetched, found stored, acked
    assert key in source.processed and source.inbox == {}
    assert len(queries.inbox_list(db)) == 1


def test_process_applies_in_one_transaction(db: Database, frozen_clock: FrozenClock) -> None:
    source = MemoryTransport()
    source.deliver(mail(1))
    ingest(db, source, frozen_clock.now())
    report = process_pending(db, apply_all, frozen_clock.now())
    assert (report.applied, report.failed) == (1, 0)
    assert [r.state for r in queries.inbox_list(db)] == ["applied"]
    assert [e.kind for e in queries.events_list(db)] == ["handled"]
    assert process_pending(db, apply_all, frozen_clock.now()).processed == 0


def test_ignored_rows_are_counted(db: Database, frozen_clock: FrozenClock) -> None:
    queries.inbox_store(db, "k", mail(1), frozen_clock.now())

    def ignore(db: Database, row: InboxRow) -> None:
        queries.inbox_ignored(db, row.id, "auto-reply", kind="auto_reply", sender=None, now=T0)

    assert process_pending(db, ignore, frozen_clock.now()).ignored == 1
    (row,) = queries.inbox_list(db, "ignored")
    assert row.error == "auto-reply"


def test_failure_rolls_back_then_quarantines_after_three(
    db: Database, frozen_clock: FrozenClock
) -> None:
    queries.inbox_store(db, "bad", mail(1), frozen_clock.now())
    calls: list[tuple[int, str]] = []

    def broken(db: Database, row: InboxRow) -> None:
        queries.event_add(db, T0, None, "half-done", "must be rolled back")
        raise ParseError("no meeting tag in the subject")

    def on_quarantine(db: Database, row: InboxRow, reason: str) -> None:
        calls.append((row.id, reason))
        queries.event_add(db, T0, None, "not_understood", f"reply to {row.sender}")

    for attempt in (1, 2):
        report = process_pending(db, broken, frozen_clock.now(), on_quarantine)
        assert (report.failed, report.quarantined) == (1, 0)
        (row,) = queries.inbox_pending(db)
        assert row.attempts == attempt
    report = process_pending(db, broken, frozen_clock.now(), on_quarantine)
    assert (report.failed, report.quarantined) == (1, 1)
    (row,) = queries.inbox_list(db, "quarantined")
    assert row.error == "ParseError: no meeting tag in the subject"
    assert row.raw == mail(1)  # never lost
    assert calls == [(row.id, "ParseError: no meeting tag in the subject")]
    kinds = [e.kind for e in queries.events_list(db)]
    assert "half-done" not in kinds and kinds == ["quarantined", "not_understood"]
    assert process_pending(db, broken, frozen_clock.now(), on_quarantine).failed == 0

    assert queries.inbox_replay(db, row.id) is True
    assert process_pending(db, apply_all, frozen_clock.now()).applied == 1
    assert queries.inbox_list(db, "applied")[0].id == row.id


def test_handler_that_does_not_mark_counts_as_failure(
    db: Database, frozen_clock: FrozenClock
) -> None:
    queries.inbox_store(db, "k", mail(1), frozen_clock.now())
    report = process_pending(db, lambda db, row: None, frozen_clock.now())
    assert report.failed == 1
    (row,) = queries.inbox_pending(db)
    assert "left the message in state 'new'" in (row.error or "")


def test_failing_on_quarantine_does_not_undo_quarantine(
    db: Database, frozen_clock: FrozenClock
) -> None:
    queries.inbox_store(db, "k", mail(1), frozen_clock.now())

    def broken(db: Database, row: InboxRow) -> None:
        raise ValueError("x")

    def bad_hook(db: Database, row: InboxRow, reason: str) -> None:
        raise RuntimeError("cannot render reply")

    for _ in range(3):
        process_pending(db, broken, frozen_clock.now(), bad_hook)
    assert [r.state for r in queries.inbox_list(db)] == ["quarantined"]


def test_fetch_failure_is_logged_not_raised(db: Database, frozen_clock: FrozenClock) -> None:
    source = MemoryTransport()
    source.deliver(mail(1))
    source.fetch_errors.append(TransientError("server down"))
    assert ingest(db, source, frozen_clock.now()) == 0
    assert ingest(db, source, frozen_clock.now()) == 1
