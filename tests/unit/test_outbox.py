"""Outbound queue: idempotent enqueue, dispatch, retries, permanent failure, crash settling."""

from __future__ import annotations

import datetime as dt
import email.policy
from email.message import EmailMessage

import pytest
from sqlite_utils import Database

from daemon.clock import FrozenClock
from daemon.errors import PermanentError, TransientError
from daemon.outbound import outbox
from daemon.store import queries
from daemon.store.db import atomic
from daemon.transports.memory import MemoryTransport
from tests.instants import T0

MIN = dt.timedelta(minutes=1)


def message(n: int = 1) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "meetingd@example.com"
    msg["To"] = "Host <HOST@example.com>, core@example.com"
    msg["Cc"] = "rec@example.com, core@example.com"
    msg["Bcc"] = "audit@example.com"
    msg["Subject"] = f"[MTG-{n}] 邀请"
    msg["Message-ID"] = f"<out{n}@meetingd>"
    msg.set_content("你好")
    return msg


def enqueue(db: Database, n: int = 1, key: str = "k1") -> bool:
    with atomic(db):
        return outbox.enqueue(
            db, idem_key=key, meeting_number=None, kind="invite", message=message(n), now=T0
        )


def test_enqueue_extracts_fields_and_is_idempotent(db: Database) -> None:
    assert enqueue(db) is True
    assert enqueue(db, n=2) is False
    (row,) = queries.outbox_list(db)
    assert row.message_id == "<out1@meetingd>"
    assert row.recipients == (
        "host@example.com",
        "core@example.com",
        "rec@example.com",
        "audit@example.com",
    )
    assert row.subject == "[MTG-1] 邀请"
    assert b"\r\n" in row.raw and b"Bcc" not in row.raw
    assert row.state == "queued" and row.next_attempt_utc == T0


def test_enqueue_requires_message_id(db: Database) -> None:
    msg = message()
    del msg["Message-ID"]
    with pytest.raises(ValueError):
        outbox.enqueue(db, idem_key="k", meeting_number=None, kind="x", message=msg, now=T0)


def test_dispatch_sends_once(db: Database, frozen_clock: FrozenClock) -> None:
    sink = MemoryTransport()
    enqueue(db)
    report = outbox.dispatch(db, sink, frozen_clock.now())
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert [m.message_id for m in sink.sent] == ["<out1@meetingd>"]
    assert sink.sent[0].raw == queries.outbox_list(db)[0].raw
    assert outbox.dispatch(db, sink, frozen_clock.now()).sent == 0
    (row,) = queries.outbox_list(db, "sent")
    assert row.sent_utc == T0 and row.attempts == 1


def test_transient_failure_backs_off_then_sends(db: Database, frozen_clock: FrozenClock) -> None:
    sink = MemoryTransport()
    sink.send_errors += [TransientError("421 try later"), TransientError("421 again")]
    enqueue(db)
    assert outbox.dispatch(db, sink, frozen_clock.now()).retried == 1
    (row,) = queries.outbox_list(db)
    assert row.state == "queued" and row.next_attempt_utc == T0 + MIN
    assert "421 try later" in (row.error or "")
    frozen_clock.advance(30 * dt.timedelta(seconds=1))
    assert outbox.dispatch(db, sink, frozen_clock.now()).retried == 0  # not due yet
    frozen_clock.set(T0 + MIN)
    assert outbox.dispatch(db, sink, frozen_clock.now()).retried == 1
    assert queries.outbox_list(db)[0].next_attempt_utc == T0 + 3 * MIN  # +2 minutes
    frozen_clock.advance(2 * MIN)
    assert outbox.dispatch(db, sink, frozen_clock.now()).sent == 1
    assert len(sink.sent) == 1


def test_backoff_is_capped() -> None:
    assert [outbox.backoff(a).seconds // 60 for a in (1, 2, 3, 7, 8, 10)] == [1, 2, 4, 60, 60, 60]


def test_gives_up_after_ten_attempts(db: Database, frozen_clock: FrozenClock) -> None:
    sink = MemoryTransport()
    sink.send_errors += [TransientError("down")] * 10
    enqueue(db)
    for _ in range(10):
        outbox.dispatch(db, sink, frozen_clock.now())
        frozen_clock.advance(dt.timedelta(hours=1))
    (row,) = queries.outbox_list(db)
    assert row.state == "failed" and row.attempts == 10
    assert "gave up after 10 attempts" in (row.error or "")
    assert sink.sent == []


def test_permanent_failure(db: Database, frozen_clock: FrozenClock) -> None:
    sink = MemoryTransport()
    sink.send_errors.append(PermanentError("550 no such user"))
    enqueue(db)
    assert outbox.dispatch(db, sink, frozen_clock.now()).failed == 1
    (row,) = queries.outbox_list(db)
    assert row.state == "failed" and "550 no such user" in (row.error or "")
    assert outbox.dispatch(db, sink, frozen_clock.now()).sent == 0


def test_stuck_sending_found_in_sent_is_marked_sent(
    db: Database, frozen_clock: FrozenClock
) -> None:
    sink = MemoryTransport()
    enqueue(db)
    claimed = queries.outbox_claim(db, frozen_clock.now())
    assert claimed is not None
    sink.send(outbox._mail(claimed))  # delivered, then the daemon died before marking
    assert outbox.settle_stuck(db, sink, frozen_clock.now()) == 1
    assert queries.outbox_list(db)[0].state == "sent"
    assert outbox.dispatch(db, sink, frozen_clock.now()).sent == 0
    assert len(sink.sent) == 1


def test_stuck_sending_not_delivered_is_requeued(db: Database, frozen_clock: FrozenClock) -> None:
    sink = MemoryTransport()
    enqueue(db)
    queries.outbox_claim(db, frozen_clock.now())  # died before sending
    assert queries.outbox_sending(db) != []
    assert outbox.settle_stuck(db, sink, frozen_clock.now()) == 1
    assert queries.outbox_list(db)[0].state == "queued"
    assert outbox.dispatch(db, sink, frozen_clock.now()).sent == 1
    assert len(sink.sent) == 1


def test_enqueue_rolls_back_with_its_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError), atomic(db):
        outbox.enqueue(db, idem_key="k", meeting_number=None, kind="x", message=message(), now=T0)
        raise RuntimeError("state change failed")
    assert queries.outbox_list(db) == []


def test_dispatch_inside_a_transaction(db: Database, frozen_clock: FrozenClock) -> None:
    enqueue(db)
    enqueue(db, n=2, key="k2")
    sink = MemoryTransport()
    with atomic(db):  # e.g. a caller that sends and records in one transaction
        assert outbox.dispatch(db, sink, frozen_clock.now()).sent == 2
    assert {r.state for r in queries.outbox_list(db)} == {"sent"}
