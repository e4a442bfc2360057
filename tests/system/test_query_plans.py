"""Indexes by design: every query of a hot path (the tick, linking a mail, the reply-loop
guard, ``meetingd status``) is planned by SQLite on an index, never a scan of a table.

The queries are the ones the daemon really runs: each hot path is run once on a state of
1,000 meetings built the way the benchmarks build theirs (``bench/state.py``: the demo's
meetings run through the daemon, then cloned at the SQL level), every statement it sends is
recorded, and its ``EXPLAIN QUERY PLAN`` checked.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlite_utils import Database

from daemon import clock
from daemon.cli.status_view import status_lines
from daemon.config import load
from daemon.domain.messages import Inspection
from daemon.domain.replies import NOTICE_KINDS
from daemon.inbound.link import Link, link_message
from daemon.outbound import outbox
from daemon.service import Service
from daemon.store import queries
from daemon.transports.memory import MemoryTransport

ROOT = Path(__file__).resolve().parents[2]
SIZE = 1000
#: Plan steps that read no stored table: a constant row, a virtual table (json_each).
HARMLESS = ("SCAN CONSTANT ROW",)


def _bench_state() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_state", ROOT / "bench" / "state.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_state"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    bench = _bench_state()
    root = tmp_path_factory.mktemp("state")
    live, done = bench._templates(root)
    state = bench.build(SIZE, root / str(SIZE), live, done)
    clock.set_clock(clock.FrozenClock(state.burst - dt.timedelta(minutes=1)))
    svc = Service(load(state.config), source=MemoryTransport(), sink=MemoryTransport())
    try:
        yield svc
    finally:
        svc.close()
        clock.set_clock(clock.SystemClock())


def statements(db: Database, run: Callable[[], object]) -> list[str]:
    """Every statement ``run`` sends to ``db`` that reads rows (SELECT, UPDATE, DELETE)."""
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        run()
    finally:
        db.conn.set_trace_callback(None)
    reads = ("SELECT", "UPDATE", "DELETE", "WITH")
    return [s for s in seen if s.lstrip().upper().startswith(reads) and "sqlite_" not in s]


def scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    """The plan steps of ``sql`` that read a table without an index."""
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
    return [
        step
        for step in plan
        if step.startswith("SCAN ")
        and " USING " not in step
        and "VIRTUAL TABLE" not in step
        and not step.startswith(HARMLESS)
    ]


def check(
    service: Service, name: str, run: Callable[[], object], allowed: frozenset[str] = frozenset()
) -> None:
    db = service.db
    db.conn.execute("SAVEPOINT plans")
    try:
        sent = statements(db, run)
    finally:
        db.conn.execute("ROLLBACK TO plans")
        db.conn.execute("RELEASE plans")
    assert sent, f"{name}: no query recorded"
    bad = {sql: found for sql in sent if (found := set(scans(db.conn, sql)) - allowed)}
    assert bad == {}, f"{name}: queries that scan a table: {bad}"


def test_the_idle_tick_uses_indexes(service: Service) -> None:
    def tick() -> None:
        service.settle(outbox.SETTLE_AFTER)
        service.fire_deadlines()
        service.dispatch()

    check(service, "idle tick", tick)


def test_the_burst_tick_uses_indexes(service: Service) -> None:
    burst = clock.now() + dt.timedelta(minutes=1)

    def tick() -> None:
        frozen = clock.get_clock()
        assert isinstance(frozen, clock.FrozenClock)
        frozen.set(burst)
        assert service.fire_deadlines() > 0  # rolled back after; the clock stays at the burst
        assert service.dispatch()[0] > 0

    check(service, "burst tick", tick)


def test_linking_by_tag_uid_and_reply_uses_indexes(service: Service) -> None:
    db = service.db
    ours = queries.outbox_list(db, meeting_number=SIZE)[-1]
    uid = db.execute("SELECT uid FROM meetings WHERE number = ?", [SIZE - 1]).fetchone()[0]
    mails = [
        Inspection(None, "topic_submission", "a@corp.example", meeting_ref=f"MTG-{SIZE - 2}"),
        Inspection(None, "rsvp", "a@corp.example", uid=uid),
        Inspection(None, "topic_submission", "a@corp.example", in_reply_to=[ours.message_id]),
        Inspection(None, "topic_submission", "a@corp.example", meeting_ref="MTG-999999"),
    ]
    found: list[Link] = []
    check(service, "linking", lambda: found.extend(link_message(db, m) for m in mails))
    assert [f.number for f in found] == [SIZE - 2, SIZE - 1, SIZE, None]


def test_the_reply_loop_guard_uses_indexes(service: Service) -> None:
    since = clock.now() - dt.timedelta(days=30)
    counted: list[int] = []
    check(
        service,
        "loop guard",
        lambda: counted.append(
            queries.outbox_count_to(service.db, NOTICE_KINDS, "liu.yang@corp.example", since)
        ),
    )


@pytest.mark.parametrize(
    "options", [{}, {"everything": True}, {"number": 7}], ids=["page", "all", "one"]
)
def test_status_uses_indexes(service: Service, options: dict[str, object]) -> None:
    lines: list[str] = []

    def run() -> None:
        lines.extend(status_lines(service.db, dt.UTC, clock.now(), **options))  # type: ignore[arg-type]

    # --all lists every meeting: one pass over the table in number order is the listing
    # itself, so that one scan is by design; the page and one meeting read by index.
    everything = bool(options.get("everything"))
    check(service, f"status {options}", run, frozenset({"SCAN m"} if everything else ()))
    assert lines[-1].startswith("outbox: ")


def test_the_check_sees_a_scan(service: Service) -> None:
    old_loop_guard = (
        "SELECT COUNT(*) FROM outbox, json_each(outbox.recipients) AS r "
        "WHERE outbox.kind IN ('not_understood') AND r.value = 'x' AND outbox.created_utc >= ''"
    )
    assert scans(service.db.conn, old_loop_guard) == ["SCAN outbox"]
