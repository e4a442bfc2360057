"""Unattended operation: the APScheduler tick fires deadlines and sends mail; the main
thread waits for new mail (IMAP IDLE or Maildir polling) and processes it at once.

Mail a crash left ``sending`` is settled at start, and by every tick once its claim is
:data:`~daemon.outbound.outbox.SETTLE_AFTER` old (a sink that could not answer at start).

Stops cleanly on SIGTERM/SIGINT: the running step finishes, nothing is half-applied (every
step is a transaction).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType

from daemon.errors import PermanentError
from daemon.outbound import outbox
from daemon.scheduler import Ticker
from daemon.service import Service
from daemon.transports.base import REGISTRY

log = logging.getLogger(__name__)

# A source that only polls (its registry entry does not push) is waited on in short slices
# so a stop request is noticed within STOP_SLICE seconds. A push source (IMAP IDLE) gets the
# whole wait.
STOP_SLICE = 0.5


def run_forever(service: Service, stop: threading.Event | None = None) -> int:
    """Run until ``stop`` is set or a signal arrives; returns the process exit code.

    A ``PermanentError`` from the mail source (e.g. authentication refused) stops the
    daemon with exit code 3 instead of looping.
    """
    stop = stop or threading.Event()
    interval = float(service.config.get("daemon", "tick_seconds"))

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the current step", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    lock = threading.Lock()

    def tick() -> None:
        with lock:
            service.settle(outbox.SETTLE_AFTER)
            service.fire_deadlines()
            report = service.dispatch_round()
        # A burst (e.g. the 09:30 reminders): the next round at once, not at the next tick;
        # the lock is let go between rounds so new mail is still read and answered.
        while report.more and not stop.is_set():
            with lock:
                report = service.dispatch_round()

    ticker = Ticker(tick, interval)
    try:
        service.settle()  # every mail a crash left sending, before anything is sent
        ticker.start()
        log.info("meetingd running: database %s, tick %ss", service.config.db_path, interval)
        while not stop.is_set():
            try:
                report = service.ingest_and_process()
                if report.processed:
                    tick()  # answer at once rather than at the next tick
            except PermanentError as exc:
                log.error("mail source refused us: %s; stopping", exc)
                return 3
            except Exception:
                log.exception("pass failed; retrying after the wait")
            try:
                _wait_for_mail(service, min(interval, 30.0), stop)
            except PermanentError as exc:
                log.error("mail source refused us: %s; stopping", exc)
                return 3
            except Exception:
                log.exception("waiting for mail failed")
                stop.wait(5)
    finally:
        ticker.shutdown(wait=True)
        service.close()
    return 0


def _wait_for_mail(service: Service, timeout: float, stop: threading.Event) -> None:
    """Wait up to ``timeout`` seconds for new mail, returning early once ``stop`` is set.

    A polled source (its registry entry does not push) is asked in slices of :data:`STOP_SLICE`
    seconds; a slice that ends early means mail is there. Other sources block once.

    Raises:
        PermanentError: from the source (e.g. authentication refused).
    """
    source = service.source
    if REGISTRY[service.config.get("transport", "source")].pushes:
        source.wait(timeout)
        return
    deadline = time.monotonic() + timeout
    while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
        piece = min(STOP_SLICE, remaining)
        started = time.monotonic()
        source.wait(piece)
        if time.monotonic() - started < piece * 0.9:
            return  # the source returned before its time: mail is waiting
