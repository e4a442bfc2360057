"""The dispatcher's round budget and the provider's sending limits: due mail is held back
visibly (queued, its reason recorded, its due time moved) and never lost."""

from __future__ import annotations

import datetime as dt
import email.policy
import itertools
from email.message import EmailMessage

from sqlite_utils import Database

from daemon.outbound import outbox
from daemon.outbound.pacing import SendLimits
from daemon.store import overview, queries
from daemon.store.db import atomic
from daemon.transports.memory import MemoryTransport
from tests.instants import T0


def queue(db: Database, n: int, to: list[str] | None = None, body: str = "hi") -> None:
    """Queue ``n`` mails at T0, each to ``to`` (default: its own address)."""
    with atomic(db):
        for i in range(n):
            msg = EmailMessage(policy=email.policy.SMTP)
            msg["From"] = "meetingd@example.com"
            msg["To"] = ", ".join(to or [f"p{i}@example.com"])
            msg["Subject"] = f"mail {i}"
            msg["Message-ID"] = f"<m{i}.{len(to or [])}@meetingd>"
            msg.set_content(body)
            outbox.enqueue(
                db, idem_key=f"k{i}", meeting_number=None, kind="invite", message=msg, now=T0
            )


def states(db: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in queries.outbox_list(db):
        counts[row.state] = counts.get(row.state, 0) + 1
    return counts


def test_a_round_stops_at_its_time_budget_and_the_next_goes_on(db: Database) -> None:
    ticks = itertools.count()  # the clock moves one second per look at it
    sink = MemoryTransport()
    queue(db, 5)
    limits = SendLimits(budget_seconds=4)
    first = outbox.dispatch(db, sink, T0, limits=limits, monotonic=lambda: float(next(ticks)))
    assert (first.sent, first.more) == (3, True)
    second = outbox.dispatch(db, sink, T0, limits=limits, monotonic=lambda: float(next(ticks)))
    assert (second.sent, second.more) == (2, False)
    assert len(sink.sent) == 5 and states(db) == {"sent": 5}


def test_a_round_stops_at_its_size_budget(db: Database) -> None:
    sink = MemoryTransport()
    queue(db, 4, body="x" * 2000)
    size = len(queries.outbox_list(db)[0].raw)
    report = outbox.dispatch(db, sink, T0, limits=SendLimits(budget_bytes=2 * size))
    assert (report.sent, report.more) == (2, True)


def test_the_per_minute_limit_holds_mail_back_visibly(db: Database) -> None:
    sink = MemoryTransport()
    queue(db, 5)
    limits = SendLimits(per_minute=2)
    report = outbox.dispatch(db, sink, T0, limits=limits)
    assert report.sent == 2 and report.held is not None and "per_minute" in report.held
    assert not report.more  # held by the provider: wait for the next tick
    held = queries.state_get(db, outbox.HELD_SCOPE, outbox.HELD_KEY)
    assert held["reason"] == report.held
    assert overview.outbox_queue(db, T0).due == 3
    assert outbox.dispatch(db, sink, T0 + dt.timedelta(seconds=30), limits=limits).sent == 0
    later = T0 + dt.timedelta(seconds=61)
    assert outbox.dispatch(db, sink, later, limits=limits).sent == 2
    final = T0 + dt.timedelta(seconds=122)
    assert outbox.dispatch(db, sink, final, limits=limits).held is None
    assert states(db) == {"sent": 5} and len(sink.sent) == 5
    assert queries.state_get(db, outbox.HELD_SCOPE, outbox.HELD_KEY) is None


def test_the_daily_recipient_limit_counts_recipients(db: Database) -> None:
    sink = MemoryTransport()
    people = [f"p{i}@example.com" for i in range(40)]
    queue(db, 3, to=people)
    limits = SendLimits(recipients_per_day=100)
    report = outbox.dispatch(db, sink, T0, limits=limits)
    assert report.sent == 2 and "recipients_per_day" in (report.held or "")
    assert outbox.dispatch(db, sink, T0 + dt.timedelta(hours=23), limits=limits).sent == 0
    assert outbox.dispatch(db, sink, T0 + dt.timedelta(hours=24), limits=limits).sent == 1


def test_a_mail_larger_than_the_daily_limit_still_goes_alone(db: Database) -> None:
    sink = MemoryTransport()
    queue(db, 1, to=[f"p{i}@example.com" for i in range(150)])
    assert outbox.dispatch(db, sink, T0, limits=SendLimits(recipients_per_day=100)).sent == 1


def test_the_recipient_gap_moves_the_due_time(db: Database) -> None:
    sink = MemoryTransport()
    queue(db, 3, to=["host@example.com"])
    limits = SendLimits(recipient_gap=dt.timedelta(minutes=5))
    report = outbox.dispatch(db, sink, T0, limits=limits)
    assert (report.sent, report.postponed) == (1, 2)
    waiting = [r for r in queries.outbox_list(db) if r.state == "queued"]
    assert [r.next_attempt_utc for r in waiting] == [T0 + dt.timedelta(minutes=5)] * 2
    assert all(r.error and "recipient gap" in r.error for r in waiting)
    queue_now = overview.outbox_queue(db, T0)
    assert (queue_now.due, queue_now.later) == (0, 2)
    assert outbox.dispatch(db, sink, T0 + dt.timedelta(minutes=5), limits=limits).sent == 1
    assert outbox.dispatch(db, sink, T0 + dt.timedelta(minutes=10), limits=limits).sent == 1
    assert states(db) == {"sent": 3}


def test_status_shows_why_mail_is_held(db: Database) -> None:
    from daemon.cli.status_view import status_lines

    queue(db, 3)
    outbox.dispatch(db, MemoryTransport(), T0, limits=SendLimits(per_minute=1))
    lines = list(status_lines(db, dt.UTC, T0, limit=0))
    assert lines[-2] == "outbox: 2 due, 0 sending, 0 failed, 1 sent"
    assert lines[-1].startswith(
        f"  held back by the sending limits since {T0:%Y-%m-%d %H:%M}: per_minute limit"
    )
