"""Unattended operation: the APScheduler tick fires deadlines; a sender thread sends what
the outbox holds in back-to-back rounds while mail is due (woken when mail is queued,
otherwise looking every second), so a burst is sent while its deadlines are still firing;
the main thread waits for new mail (IMAP IDLE or Maildir polling) and processes it at once.
Each thread has its own database connection; firing and sending take their own lock.

The main thread also wakes when the first pending deadline falls due and runs the tick's
work then, so a deadline fires at its time, not up to a tick later; a burst of due mail is
sent in back-to-back rounds.

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
SEND_POLL = 1.0  # seconds between the sender's looks at the outbox when nobody wakes it
SEND_RETRY = 5.0
FIRE_SLICE = 2.0  # seconds of firing at a stretch during a burst ...
FIRE_PAUSE = 0.2  # ... then this pause, for the sender


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

    fire_lock, send_lock = threading.Lock(), threading.Lock()
    mail_waits = threading.Event()  # set when mail was queued: the sender looks at once
    done = threading.Event()  # the daemon is stopping: the sender ends (``stop`` is the caller's)

    def tick() -> None:
        with send_lock:
            service.settle(outbox.SETTLE_AFTER)
        with fire_lock:
            # a burst fires in slices, with a pause between, so the sender gets the
            # database between them and the mails go out while the rest still fires
            while service.fire_deadlines(FIRE_SLICE) and service.deadline_due():
                mail_waits.set()
                if stop.wait(FIRE_PAUSE):
                    break
        mail_waits.set()

    def send_forever() -> None:
        """The sender thread: dispatch rounds back to back while mail is due, so a burst
        drains while the deadlines that cause it are still firing; looks every second."""
        while not (stop.is_set() or done.is_set()):
            mail_waits.wait(SEND_POLL)
            mail_waits.clear()
            try:
                while not (stop.is_set() or done.is_set()) and service.mail_due():
                    with send_lock:
                        report = service.dispatch_round()
                    if not report.more:
                        break
            except Exception:
                log.exception("sending failed; retrying in %s s", SEND_RETRY)
                done.wait(SEND_RETRY)

    sender = threading.Thread(target=send_forever, name="meetingd-sender", daemon=True)
    ticker = Ticker(tick, interval)
    try:
        service.settle()  # every mail a crash left sending, before anything is sent
        sender.start()
        ticker.start()
        log.info("meetingd running: database %s, tick %ss", service.config.db_path, interval)
        while not stop.is_set():
            try:
                report = service.ingest_and_process()
                if report.processed or service.deadline_due():
                    tick()  # answer at once, fire at the due time, rather than at the next tick
            except PermanentError as exc:
                log.error("mail source refused us: %s; stopping", exc)
                return 3
            except Exception:
                log.exception("pass failed; retrying after the wait")
            try:
                wake = max(min(interval, 30.0, service.seconds_to_deadline()), STOP_SLICE)
                _wait_for_mail(service, wake, stop)
            except PermanentError as exc:
                log.error("mail source refused us: %s; stopping", exc)
                return 3
            except Exception:
                log.exception("waiting for mail failed")
                stop.wait(5)
    finally:
        ticker.shutdown(wait=True)
        done.set()
        mail_waits.set()
        if sender.is_alive():
            sender.join()
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
