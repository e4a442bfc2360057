"""The inbound queue: a message is never lost and never applied twice.

1. :func:`ingest` fetches from a :class:`~daemon.transports.base.MailSource`, stores each
   message's raw bytes unique on its source key and COMMITS, and only then acknowledges it
   (moves it out of the inbox). A crash between the commit and the ack is harmless: the next
   fetch returns the same key, the store finds it already there, and the ack is repeated.
2. :func:`process_pending` runs the handler on each ``new`` row inside ONE transaction; the
   handler writes the state, enqueues mail and marks the row applied or ignored itself. An
   exception rolls everything back and counts an attempt (in its own transaction); after 3 the
   row is quarantined with the reason and ``on_quarantine`` runs (e.g. a polite reply).
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import email.utils
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from daemon.domain.messages import Inspection
from daemon.errors import PermanentError
from daemon.inbound.addresses import read_sender
from daemon.store import queries
from daemon.store.db import atomic
from daemon.store.rows import InboxRow
from daemon.transports.base import MailSource

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3

Handler = Callable[[Database, InboxRow], None]
OnQuarantine = Callable[[Database, InboxRow, str], None]


def _header_hints(raw: bytes) -> tuple[str | None, str | None]:
    """(Message-ID, lower-case From address) read from the headers, None where unreadable."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        message_id = str(headers.get("Message-ID", "")).strip() or None
        return message_id, read_sender(str(headers.get("From", ""))).address
    except Exception:  # a hint only: the handler parses the message properly
        return None, None


def ingest(db: Database, source: MailSource, now: dt.datetime, limit: int = 100) -> int:
    """Store and acknowledge up to ``limit`` messages from ``source``; return how many were new.

    Each message is committed before its ack. A fetch or ack failure is logged and the rest
    of the batch goes on (an unacked message is simply fetched again next time). Database
    errors propagate: nothing is acked that is not stored.

    Raises:
        PermanentError: the source refused us (e.g. its login); retrying cannot help.
    """
    try:
        fetched = source.fetch(limit)
    except PermanentError:
        raise
    except Exception as exc:
        log.warning("fetch failed, will retry next tick: %s", exc)
        return 0
    stored = 0
    for message in fetched:
        message_id, sender = _header_hints(message.raw)
        with atomic(db):
            row_id = queries.inbox_store(
                db, message.source_key, message.raw, now, message_id=message_id, sender=sender
            )
        if row_id is None:
            log.info("inbox duplicate %s (already stored): acking again", message.source_key)
        else:
            stored += 1
            log.info(
                "inbox %s stored from %s (%s, %d bytes)",
                row_id,
                message.source_key,
                message_id,
                len(message.raw),
            )
        try:
            source.ack(message.source_key)
        except Exception as exc:
            log.warning("ack of %s failed, will ack on re-fetch: %s", message.source_key, exc)
        else:
            log.info("acked %s", message.source_key)
    return stored


@dataclass
class ProcessReport:
    """What one :func:`process_pending` run did (counts of inbox rows)."""

    applied: int = 0
    ignored: int = 0
    failed: int = 0
    quarantined: int = 0

    @property
    def processed(self) -> int:
        return self.applied + self.ignored


class _NotMarked(RuntimeError):
    pass


def _run_handler(db: Database, handler: Handler, row: InboxRow) -> str:
    """Run the handler in one transaction; return the row's new state."""
    with atomic(db):
        handler(db, row)
        after = queries.inbox_get(db, row.id)
        state = after.state if after is not None else "missing"
        if state not in ("applied", "ignored", "quarantined"):
            raise _NotMarked(f"handler left the message in state {state!r}")
    return state


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _notify_quarantine(
    db: Database, row_id: int, reason: str, now: dt.datetime, on_quarantine: OnQuarantine | None
) -> None:
    try:
        with atomic(db):
            row = queries.inbox_get(db, row_id)
            queries.event_add(db, now, None, "quarantined", f"inbox {row_id}: {reason}")
            if on_quarantine is not None and row is not None:
                on_quarantine(db, row, reason)
    except Exception:
        log.exception("inbox %s: quarantine follow-up failed (message kept)", row_id)


def process_pending(
    db: Database,
    handler: Handler,
    now: dt.datetime,
    on_quarantine: OnQuarantine | None = None,
    limit: int = 100,
) -> ProcessReport:
    """Process up to ``limit`` ``new`` inbox rows, oldest first; never raises ``Exception``.

    Args:
        handler: ``handler(db, row)``; runs inside one transaction and must mark the row with
            ``queries.inbox_applied`` or ``queries.inbox_ignored`` (else it counts as failed).
        now: aware UTC time, recorded on quarantine events.
        on_quarantine: ``on_quarantine(db, row, reason)``, run in a new transaction when a row
            becomes quarantined; its failure is logged and does not undo the quarantine.
    """
    report = ProcessReport()
    try:
        rows = queries.inbox_pending(db, limit)
    except Exception:
        log.exception("cannot read the inbox queue")
        return report
    for row in rows:
        try:
            state = _run_handler(db, handler, row)
        except Exception as exc:
            reason = _reason(exc)
            report.failed += 1
            try:
                with atomic(db):
                    quarantined = queries.inbox_failed(db, row.id, reason, MAX_ATTEMPTS)
            except Exception:
                log.exception("inbox %s: cannot record the failure %s", row.id, reason)
                continue
            if quarantined:
                report.quarantined += 1
                log.warning(
                    "inbox %s quarantined after %d attempts: %s", row.id, MAX_ATTEMPTS, reason
                )
                _notify_quarantine(db, row.id, reason, now, on_quarantine)
            else:
                log.warning(
                    "inbox %s failed (attempt %d of %d), will retry: %s",
                    row.id,
                    row.attempts + 1,
                    MAX_ATTEMPTS,
                    reason,
                    exc_info=exc,
                )
            continue
        if state == "applied":
            report.applied += 1
        else:
            report.ignored += 1
    if rows:
        log.info("inbox processed: %s", report)
    return report


def record_received(db: Database, msg: Inspection, number: int, now: dt.datetime) -> None:
    """Record in the event log that ``msg`` (its kind, sender and subject) reached meeting
    ``number`` (before the decisions it causes)."""
    sender = (msg.sender or "").lower()
    queries.event_add(db, now, number, f"in:{msg.kind}", f"{sender}: {msg.subject}")


def record_applied(
    db: Database, row: InboxRow, msg: Inspection, number: int, now: dt.datetime
) -> None:
    """Mark inbox ``row`` applied to meeting ``number`` (caller's transaction, with the
    effects)."""
    queries.inbox_applied(
        db,
        row.id,
        kind=msg.kind,
        meeting_number=number,
        message_id=msg.message_id,
        sender=(msg.sender or "").lower(),
        now=now,
    )
