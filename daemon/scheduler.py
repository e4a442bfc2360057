"""Deadlines fire exactly once, from a single APScheduler interval tick.

Deadlines are rows in the database (``daemon.store.queries``), due times in UTC, so nothing
about them lives in APScheduler: its in-memory job store holds ONE interval job that calls
the service's tick. :func:`fire_due` fires every pending deadline whose due time has passed,
each in its own transaction together with the mail it enqueues; a daemon that was down
catches up on its first tick because everything overdue is simply due.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from sqlite_utils import Database

from daemon.domain.model import Deadline
from daemon.store import queries
from daemon.store.db import atomic

log = logging.getLogger(__name__)

MAX_FIRE_ATTEMPTS = 3

FireFn = Callable[[Database, int, Deadline], None]


def fire_due(
    db: Database,
    now: dt.datetime,
    fire: FireFn,
    budget_seconds: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> int:
    """Fire every pending deadline due at or before ``now`` (UTC); return how many fired.
    With ``budget_seconds``, stop after that long (the rest stays due for the next call,
    so a burst is fired in slices and other writers get their turn in between).

    For each, in ONE transaction: mark it fired (skipped if another run already did), then
    ``fire(db, meeting_number, deadline)``, which enqueues its mail. If ``fire`` raises, the
    transaction rolls back (the deadline stays pending for the next tick) and the failure is
    counted; after 3 failures the deadline is marked fired with its error and an event, so
    it cannot loop forever. Never raises ``Exception`` for a failing ``fire``.
    """
    fired = 0
    started = monotonic()
    for deadline_id, number, deadline in queries.deadlines_due(db, now):
        if budget_seconds is not None and monotonic() - started >= budget_seconds:
            log.info(
                "fired %d deadlines in %.1f s; the rest in the next slice", fired, budget_seconds
            )
            break
        label = f"MTG-{number} deadline {deadline.kind}/{deadline.key or '-'} (id {deadline_id})"
        try:
            with atomic(db):
                if not queries.deadline_fire(db, deadline_id, now):
                    log.info("%s already fired elsewhere: skipped", label)
                    continue
                fire(db, number, deadline)
        except Exception as exc:
            _record_failure(db, deadline_id, number, label, exc, now)
            continue
        fired += 1
        late = now - deadline.due_utc
        log.info("%s fired (due %s, %s late)", label, deadline.due_utc.isoformat(), late)
    return fired


def _record_failure(
    db: Database, deadline_id: int, number: int, label: str, exc: Exception, now: dt.datetime
) -> None:
    reason = f"{type(exc).__name__}: {exc}"
    try:
        with atomic(db):
            gave_up = queries.deadline_failed(db, deadline_id, reason, now, MAX_FIRE_ATTEMPTS)
            if gave_up:
                queries.event_add(db, now, number, "deadline_failed", f"{label}: {reason}")
    except Exception:
        log.exception("%s: cannot record the failure %s", label, reason)
        return
    if gave_up:
        log.error(
            "%s given up after %d failures: %s", label, MAX_FIRE_ATTEMPTS, reason, exc_info=exc
        )
    else:
        log.warning("%s failed, will retry next tick: %s", label, reason, exc_info=exc)


class Ticker:
    """One APScheduler 3.x interval job calling ``tick()`` every ``interval`` seconds.

    ``BackgroundScheduler`` with the default in-memory job store; the job has
    ``coalesce=True`` (missed runs collapse into one) and ``max_instances=1`` (a slow tick
    is never overlapped). The first tick runs at once on :meth:`start`. An exception in
    ``tick`` is logged and the next tick still runs.

    Args:
        tick: callable with no arguments (runs in the scheduler's worker thread).
        interval: seconds between ticks (> 0).
    """

    JOB_ID = "meetingd-tick"

    def __init__(self, tick: Callable[[], object], interval: float) -> None:
        if interval <= 0:
            raise ValueError(f"tick interval must be positive, got {interval}")
        self.tick = tick
        self.interval = interval
        self.scheduler = BackgroundScheduler(timezone=dt.UTC)
        self.scheduler.add_job(
            self._run,
            "interval",
            seconds=interval,
            id=self.JOB_ID,
            coalesce=True,
            max_instances=1,
            next_run_time=dt.datetime.now(dt.UTC),
            misfire_grace_time=None,
        )

    def _run(self) -> None:
        try:
            self.tick()
        except Exception:
            log.exception("tick failed; next tick in %s s", self.interval)

    def start(self) -> None:
        """Start ticking in a background thread."""
        self.scheduler.start()
        log.info("ticker started: every %s s", self.interval)

    def shutdown(self, wait: bool = True) -> None:
        """Stop ticking; with ``wait`` let a running tick finish first. Idempotent."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
            log.info("ticker stopped")


def run_forever(tick: Callable[[], object], interval: float, stop_event: threading.Event) -> None:
    """Tick every ``interval`` seconds until ``stop_event`` is set, then stop cleanly."""
    ticker = Ticker(tick, interval)
    ticker.start()
    try:
        stop_event.wait()
    finally:
        ticker.shutdown(wait=True)
