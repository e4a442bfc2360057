"""The outbound queue: enqueue inside the caller's transaction; dispatch claim -> send -> mark.

A mail gets its Message-ID and rendered bytes when it is enqueued, unique on an idempotency
key, in the same transaction as the state change that caused it. :func:`dispatch` marks due
mails ``sending`` (committed), hands each to the sink, then marks it ``sent``; a transient
failure retries after 1, 2, 4 … minutes (at most 60) and gives up after 10 attempts; a
permanent one fails at once. After a crash, :func:`settle_stuck` settles every mail left
``sending`` by asking the sink whether its Message-ID was delivered: never resent blindly.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import logging
from dataclasses import dataclass
from email.message import EmailMessage

from sqlite_utils import Database

from daemon import clock
from daemon.errors import PermanentError, TransientError
from daemon.store import queries
from daemon.store.db import atomic
from daemon.store.rows import OutboxRow
from daemon.transports.base import MailSink, OutgoingMail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF_MINUTES = 60


def recipients_of(message: EmailMessage) -> list[str]:
    """Envelope recipients: To, Cc and Bcc addresses, lower-case, first occurrence kept."""
    values = [str(v) for h in ("To", "Cc", "Bcc") for v in message.get_all(h, [])]
    seen: dict[str, None] = {}
    for _name, address in email.utils.getaddresses(values):
        if address:
            seen.setdefault(address.lower(), None)
    return list(seen)


def enqueue(
    db: Database,
    *,
    idem_key: str,
    meeting_number: int | None,
    kind: str,
    message: EmailMessage,
    now: dt.datetime,
) -> bool:
    """Queue ``message`` (due at ``now``, UTC); False if ``idem_key`` was already queued.

    Call it inside the transaction of the state change that caused the mail. A ``Bcc``
    header is used for the envelope and left out of the stored bytes (the message object
    itself is not changed). Raises ``ValueError`` if the message has no Message-ID or no
    recipient.
    """
    message_id = str(message.get("Message-ID", "")).strip()
    if not message_id:
        raise ValueError(f"mail {idem_key!r} has no Message-ID")
    recipients = recipients_of(message)
    if not recipients:
        raise ValueError(f"mail {idem_key!r} has no recipient")
    raw = message.as_bytes(policy=email.policy.SMTP)
    if "Bcc" in message:
        raw = _without_bcc(message)
    queued = queries.outbox_enqueue(
        db,
        idem_key=idem_key,
        message_id=message_id,
        meeting_number=meeting_number,
        kind=kind,
        recipients=recipients,
        subject=str(message.get("Subject", "")),
        raw=raw,
        now=now,
    )
    if queued:
        log.info(
            "outbox queued %s %s to %s (%s)", kind, message_id, ", ".join(recipients), idem_key
        )
    else:
        log.info("outbox duplicate %s: already queued, not enqueued again", idem_key)
    return queued


def _without_bcc(message: EmailMessage) -> bytes:
    copy = email.message_from_bytes(
        message.as_bytes(policy=email.policy.SMTP), policy=email.policy.SMTP
    )
    del copy["Bcc"]
    return copy.as_bytes(policy=email.policy.SMTP)


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next try after ``attempts`` failed ones: 1, 2, 4 … minutes, max 60."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


@dataclass
class DispatchReport:
    """What one :func:`dispatch` run did (counts of mails)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def _mail(row: OutboxRow) -> OutgoingMail:
    return OutgoingMail(message_id=row.message_id, recipients=row.recipients, raw=row.raw)


def _send_one(db: Database, sink: MailSink, row: OutboxRow, now: dt.datetime) -> str:
    """Send one claimed mail and record the outcome; return ``sent``/``retried``/``failed``."""
    try:
        sink.send(_mail(row))
    except PermanentError as exc:
        with atomic(db):
            queries.outbox_failed(db, row.id, f"permanent: {exc}")
        log.error("outbox %s %s failed permanently: %s", row.id, row.message_id, exc)
        return "failed"
    except Exception as exc:  # TransientError, or anything unexpected: retry later
        kind = "transient" if isinstance(exc, TransientError) else type(exc).__name__
        reason = f"{kind}: {exc}"
        if row.attempts >= MAX_ATTEMPTS:
            with atomic(db):
                queries.outbox_failed(
                    db, row.id, f"gave up after {row.attempts} attempts; {reason}"
                )
            log.error(
                "outbox %s %s failed after %d attempts: %s",
                row.id,
                row.message_id,
                row.attempts,
                reason,
            )
            return "failed"
        next_attempt = now + backoff(row.attempts)
        with atomic(db):
            queries.outbox_retry(db, row.id, reason, next_attempt)
        log.warning(
            "outbox %s %s retry %d at %s: %s",
            row.id,
            row.message_id,
            row.attempts + 1,
            next_attempt.isoformat(),
            reason,
        )
        return "retried"
    with atomic(db):
        queries.outbox_sent(db, row.id, now)
    log.info(
        "outbox %s sent %s %s to %s", row.id, row.kind, row.message_id, ", ".join(row.recipients)
    )
    return "sent"


def dispatch(db: Database, sink: MailSink, now: dt.datetime, limit: int = 50) -> DispatchReport:
    """Send up to ``limit`` due mails through ``sink``; record each outcome.

    Only database errors propagate; sink errors are recorded per mail.
    """
    report = DispatchReport()
    for row in queries.outbox_claim(db, now, limit):
        outcome = _send_one(db, sink, row, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def settle_stuck(db: Database, sink: MailSink, now: dt.datetime | None = None) -> int:
    """Settle mails left ``sending`` by a crash; return how many were settled.

    Run it at start, before any dispatch. A mail the sink says it delivered
    (``find_sent``) is marked sent (at ``now``, default the clock); otherwise it is
    requeued. If the sink cannot tell (an exception), the mail stays ``sending`` and is
    tried again on the next call.
    """
    when = now or clock.now()
    settled = 0
    for row in queries.outbox_sending(db):
        try:
            delivered = sink.find_sent(row.message_id)
        except Exception as exc:
            log.warning(
                "outbox %s %s: cannot tell if it was sent, left sending: %s",
                row.id,
                row.message_id,
                exc,
            )
            continue
        with atomic(db):
            if delivered:
                queries.outbox_sent(db, row.id, when)
            else:
                queries.outbox_requeue(db, row.id)
        settled += 1
        log.info(
            "outbox %s %s was left sending: %s",
            row.id,
            row.message_id,
            "found in sent mail, marked sent" if delivered else "not delivered, requeued",
        )
    return settled
