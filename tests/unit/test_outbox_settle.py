"""Mail left ``sending`` by a crash: one claim at a time, and settling for every kind of sink
(found, not found, cannot tell, cannot answer now)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlite_utils import Database

from daemon.outbound import outbox
from daemon.store import queries
from daemon.transports.base import OutgoingMail
from daemon.transports.memory import MemoryTransport
from tests.instants import T0
from tests.unit.test_outbox import enqueue

SECOND = dt.timedelta(seconds=1)


class Crash(BaseException):
    """Stands for kill -9: nothing after it runs (not an ``Exception``, so never recorded)."""


class CrashOnSecondSend(MemoryTransport):
    def send(self, mail: OutgoingMail) -> None:
        if self.sent:
            raise Crash
        super().send(mail)


class CannotTell(MemoryTransport):
    """A sink like SMTP without a Sent folder."""

    def find_sent(self, message_id: str) -> bool | None:
        return None


class Unreachable(MemoryTransport):
    def find_sent(self, message_id: str) -> bool | None:
        raise OSError("imap down")


def stuck(db: Database, n: int = 1) -> None:
    """``n`` mails queued, then claimed at T0 by a daemon that died before sending."""
    for i in range(1, n + 1):
        enqueue(db, n=i, key=f"k{i}")
    for _ in range(n):
        assert queries.outbox_claim(db, T0) is not None


def states(db: Database) -> list[str]:
    return [r.state for r in queries.outbox_list(db)]


def test_dispatch_claims_one_mail_at_a_time(db: Database) -> None:
    for i in range(1, 4):
        enqueue(db, n=i, key=f"k{i}")
    with pytest.raises(Crash):
        outbox.dispatch(db, CrashOnSecondSend(), T0)
    assert states(db) == ["sent", "sending", "queued"]  # a crash strands one mail, not three


def test_dispatch_limit_is_a_budget(db: Database) -> None:
    for i in range(1, 4):
        enqueue(db, n=i, key=f"k{i}")
    assert outbox.dispatch(db, MemoryTransport(), T0, limit=2).sent == 2
    assert states(db) == ["sent", "sent", "queued"]


def test_claim_records_when(db: Database) -> None:
    enqueue(db)
    assert queries.outbox_claim(db, T0 + SECOND) == queries.outbox_get(db, 1)
    row = queries.outbox_get(db, 1)
    assert row is not None and row.claimed_utc == T0 + SECOND and row.attempts == 1
    assert queries.outbox_claim(db, T0 + SECOND) is None  # nothing else due


@pytest.mark.parametrize("delivered", [True, False])
def test_a_sink_that_can_tell_settles_at_once(db: Database, delivered: bool) -> None:
    sink = MemoryTransport()
    stuck(db)
    if delivered:
        sink.sent.append(outbox._mail(queries.outbox_sending(db)[0]))
    assert outbox.settle_stuck(db, sink, T0) == 1
    assert states(db) == ["sent" if delivered else "queued"]
    assert queries.events_list(db) == []


def test_a_tick_settles_only_old_claims(db: Database) -> None:
    stuck(db)
    sink = MemoryTransport()
    late = T0 + outbox.SETTLE_AFTER
    assert outbox.settle_stuck(db, sink, late - SECOND, outbox.SETTLE_AFTER) == 0
    assert states(db) == ["sending"]
    assert outbox.settle_stuck(db, sink, late, outbox.SETTLE_AFTER) == 1
    assert states(db) == ["queued"]


def test_a_sink_that_cannot_tell_resends_after_the_timeout(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    stuck(db)
    sink = CannotTell()
    late = T0 + outbox.SETTLE_AFTER
    assert outbox.settle_stuck(db, sink, T0) == 0  # at start: too young to resend blindly
    assert outbox.settle_stuck(db, sink, late - SECOND, outbox.SETTLE_AFTER) == 0
    assert states(db) == ["sending"] and queries.events_list(db) == []
    with caplog.at_level(logging.WARNING, logger="daemon.outbound.outbox"):
        assert outbox.settle_stuck(db, sink, late, outbox.SETTLE_AFTER) == 1
    assert states(db) == ["queued"]
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "resent" in warning and "cannot tell" in warning and "<out1@meetingd>" in warning
    (event,) = queries.events_list(db)
    assert event.kind == "resent" and event.at_utc == late and "<out1@meetingd>" in event.text
    assert outbox.dispatch(db, sink, late).sent == 1


def test_a_sink_that_cannot_answer_now_leaves_the_mail_sending(db: Database) -> None:
    stuck(db, 2)
    assert outbox.settle_stuck(db, Unreachable(), T0) == 0
    assert states(db) == ["sending", "sending"]
    assert outbox.settle_stuck(db, MemoryTransport(), T0) == 2
    assert states(db) == ["queued", "queued"]


def test_a_claim_without_a_time_counts_as_old(db: Database) -> None:
    stuck(db)
    db.execute("UPDATE outbox SET claimed_utc = NULL")  # claimed before migration 0003
    assert outbox.settle_stuck(db, CannotTell(), T0, outbox.SETTLE_AFTER) == 1
    assert states(db) == ["queued"]
