"""Deadlines fire exactly once (even from two connections), catch up; the Ticker ticks."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from daemon.clock import FrozenClock
from daemon.domain.model import Deadline, Meeting, MeetingFile
from daemon.scheduler import Ticker, fire_due, run_forever
from daemon.store import meetings, queries
from daemon.store.db import open_db
from tests.instants import T0

H = dt.timedelta(hours=1)


@pytest.fixture
def db(db: Database) -> Database:
    """The shared database, with meeting 1 (the deadlines' owner) in it."""
    meetings.save_file(db, MeetingFile(Meeting(1, "t", "scheduled", "r@example.com")))
    return db


def enqueue_for(db: Database, number: int, deadline: Deadline) -> None:
    """A realistic fire(): enqueue the deadline's mail (idempotency key per deadline)."""
    key = f"{number}/{deadline.kind}/{deadline.key}"
    queries.outbox_enqueue(
        db,
        idem_key=key,
        message_id=f"<{key}@meetingd>",
        meeting_number=number,
        kind=deadline.kind,
        recipients=["a@example.com"],
        subject=key,
        raw=b"x",
        now=deadline.due_utc,
    )


def test_fires_due_ones_once(db: Database, frozen_clock: FrozenClock) -> None:
    queries.deadlines_sync(
        db, 1, [Deadline("nudge", T0 + H), Deadline("remind", T0 + 2 * H, "A-1")]
    )
    fired: list[str] = []

    def fire(db: Database, number: int, d: Deadline) -> None:
        fired.append(d.kind)
        enqueue_for(db, number, d)

    assert fire_due(db, frozen_clock.now(), fire) == 0
    frozen_clock.advance(H)
    assert fire_due(db, frozen_clock.now(), fire) == 1
    assert fire_due(db, frozen_clock.now(), fire) == 0
    frozen_clock.advance(H)
    assert fire_due(db, frozen_clock.now(), fire) == 1
    assert fired == ["nudge", "remind"]
    assert len(queries.outbox_list(db)) == 2


def test_catch_up_after_downtime_fires_everything_overdue_in_order(
    db: Database, db_path: Path, frozen_clock: FrozenClock
) -> None:
    queries.deadlines_sync(db, 1, [Deadline(f"d{i}", T0 + i * H) for i in (3, 1, 2)])
    db.close()
    frozen_clock.advance(10 * H)  # the daemon was down
    restarted = open_db(db_path)
    fired: list[str] = []
    assert fire_due(restarted, frozen_clock.now(), lambda db, n, d: fired.append(d.kind)) == 3
    assert fired == ["d1", "d2", "d3"]
    rows = queries.deadlines_list(restarted, 1)
    assert {r.state for r in rows} == {"fired"} and {r.fired_utc for r in rows} == {T0 + 10 * H}


def test_exactly_once_from_two_connections_concurrently(db: Database, db_path: Path) -> None:
    queries.deadlines_sync(db, 1, [Deadline("d", T0, str(i)) for i in range(20)])
    fired: list[tuple[str, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        conn = open_db(db_path)

        def fire(db: Database, number: int, d: Deadline) -> None:
            with lock:
                fired.append((name, d.key))
            enqueue_for(db, number, d)
            time.sleep(0.001)

        barrier.wait()
        try:
            fire_due(conn, T0 + H, fire)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(key for _, key in fired) == sorted(str(i) for i in range(20))
    assert len(queries.outbox_list(db)) == 20
    assert {r.state for r in queries.deadlines_list(db)} == {"fired"}


def test_failing_fire_rolls_back_retries_then_gives_up(
    db: Database, frozen_clock: FrozenClock
) -> None:
    queries.deadlines_sync(db, 1, [Deadline("bad", T0), Deadline("good", T0 + H)])
    frozen_clock.advance(H)

    def fire(db: Database, number: int, d: Deadline) -> None:
        enqueue_for(db, number, d)
        if d.kind == "bad":
            raise RuntimeError("template missing")

    assert fire_due(db, frozen_clock.now(), fire) == 1  # good fired, bad rolled back
    assert [r.kind for r in queries.outbox_list(db)] == ["good"]
    states = {r.kind: (r.state, r.attempts) for r in queries.deadlines_list(db)}
    assert states == {"bad": ("pending", 1), "good": ("fired", 0)}
    fire_due(db, frozen_clock.now(), fire)
    fire_due(db, frozen_clock.now(), fire)
    (bad,) = [r for r in queries.deadlines_list(db) if r.kind == "bad"]
    assert (bad.state, bad.attempts) == ("fired", 3)
    assert bad.error == "RuntimeError: template missing"
    assert [e.kind for e in queries.events_list(db, 1)] == ["deadline_failed"]
    assert fire_due(db, frozen_clock.now(), fire) == 0
    assert [r.kind for r in queries.outbox_list(db)] == ["good"]


def test_ticker_really_ticks() -> None:
    ticks = threading.Semaphore(0)
    ticker = Ticker(ticks.release, 0.05)
    ticker.start()
    try:
        for _ in range(3):
            assert ticks.acquire(timeout=5), "the ticker did not tick"
    finally:
        ticker.shutdown()
    ticker.shutdown()  # idempotent


def test_ticker_survives_a_failing_tick() -> None:
    calls: list[int] = []

    def tick() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first tick fails")

    stop = threading.Event()
    runner = threading.Thread(target=run_forever, args=(tick, 0.05, stop))
    runner.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    runner.join(timeout=5)
    assert len(calls) >= 3 and not runner.is_alive()


def test_ticker_rejects_bad_interval() -> None:
    with pytest.raises(ValueError):
        Ticker(lambda: None, 0)


def test_a_budget_fires_a_burst_in_slices(db: Database, frozen_clock: FrozenClock) -> None:
    queries.deadlines_sync(
        db, 1, [Deadline("rsvp_nudge", frozen_clock.now(), f"k{i}") for i in range(5)]
    )
    ticks = iter(range(100))  # one second passes per look at the clock
    fired: list[str] = []

    def slice_() -> int:
        return fire_due(
            db,
            frozen_clock.now(),
            lambda _db, _n, d: fired.append(d.key),
            budget_seconds=3,
            monotonic=lambda: float(next(ticks)),
        )

    assert slice_() == 2
    assert len(queries.deadlines_due(db, frozen_clock.now())) == 3
    assert slice_() + slice_() == 3
    assert sorted(fired) == [f"k{i}" for i in range(5)]
