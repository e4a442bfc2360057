"""The outbound queue: enqueue inside the caller's transaction; dispatch claim -> send -> mark.

A mail gets its Message-ID and envelope recipients when it is enqueued, unique on an
idempotency key, in the same transaction as the state change that caused it; its bytes then
too, or, queued as a draft (:mod:`daemon.outbound.drafts`), when it is claimed for sending.
:func:`dispatch` takes one due mail at a time: marks it ``sending`` (committed, with the
claim time), composes it if it is a draft, hands it to the sink, then marks it ``sent`` in
the same transaction that claims the next, so a crash strands at most one mail. A round
stops at its time or size budget (:mod:`daemon.outbound.pacing`) or when the provider's
limits hold mail back. A transient failure retries after 1, 2, 4 … minutes (at most 60) and
gives up after 10 attempts; a permanent one (a draft that cannot be composed too) fails at
once. :func:`settle_stuck` settles a mail left ``sending`` by asking the sink whether its
Message-ID was delivered; only a sink that cannot tell gets the mail resent, after
:data:`SETTLE_AFTER`, logged and recorded as a ``resent`` event.

A calendar intent (a row with ``intent``: invite, update, cancel) goes the same way, handed
to the :class:`~daemon.transports.calendar.Calendar` instead of the sink, and is settled by
asking the calendar (``find_applied``) instead of the sink (``find_sent``).
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.message import EmailMessage
from typing import Any

from sqlite_utils import Database

from daemon import clock
from daemon.errors import PermanentError, TransientError
from daemon.outbound.pacing import SendLimits, Usage, gap_until
from daemon.store import queries
from daemon.store.db import atomic, is_busy, relaxed_sync
from daemon.store.rows import OutboxRow
from daemon.transports.base import MailSink, OutgoingMail
from daemon.transports.calendar import Calendar, MeetingSnapshot

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF_MINUTES = 60
# A mail still ``sending`` this long after its claim is settled by every tick of the runner;
# a sink that cannot tell whether it was delivered gets it resent only after this.
SETTLE_AFTER = dt.timedelta(minutes=10)


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
    intent: dict[str, Any] | None = None,
    question_id: int | None = None,
) -> bool:
    """Queue ``message`` (due at ``now``, UTC); False if ``idem_key`` was already queued.

    ``intent`` (a :meth:`MeetingSnapshot.to_json`) makes it a calendar intent whose
    announcing mail is ``message``; ``question_id`` names the question the mail asks.

    Call it inside the transaction of the state change that caused the mail. A ``Bcc``
    header is used for the envelope and left out of the stored bytes (the message object
    itself is not changed). Raises ``ValueError`` if the message has no Message-ID or no
    recipient.
    """
    message_id = str(message.get("Message-ID", "")).strip()
    if not message_id:
        raise ValueError(f"mail {idem_key!r} has no Message-ID")
    return enqueue_mail(
        db,
        idem_key=idem_key,
        message_id=message_id,
        meeting_number=meeting_number,
        kind=kind,
        recipients=recipients_of(message),
        now=now,
        subject=str(message.get("Subject", "")),
        raw=_message_bytes(message),
        intent=intent,
        question_id=question_id,
    )


def enqueue_mail(
    db: Database,
    *,
    idem_key: str,
    message_id: str,
    meeting_number: int | None,
    kind: str,
    recipients: list[str],
    now: dt.datetime,
    subject: str = "",
    raw: bytes = b"",
    intent: dict[str, Any] | None = None,
    draft: str | None = None,
    question_id: int | None = None,
) -> bool:
    """Queue a mail with this ``message_id`` to the envelope ``recipients``, due at ``now``
    (UTC): composed (``raw``, RFC 5322 bytes sent as they are, and its ``subject``), with
    ``intent`` a calendar intent whose announcing mail it is, or a ``draft`` to be composed
    when it is sent (:mod:`daemon.outbound.drafts`; ``raw`` empty). False if ``idem_key``
    was already queued.

    Call it inside the transaction of the state change that caused the mail. Raises
    ``ValueError`` if there is no recipient, or neither ``raw`` nor ``draft``.
    """
    if not recipients:
        raise ValueError(f"mail {idem_key!r} has no recipient")
    if not raw and draft is None:
        raise ValueError(f"mail {idem_key!r} has neither bytes nor a draft")
    queued = queries.outbox_enqueue(
        db,
        idem_key=idem_key,
        message_id=message_id,
        meeting_number=meeting_number,
        kind=kind,
        recipients=recipients,
        now=now,
        question_id=question_id,
        subject=subject,
        raw=raw,
        intent=intent,
        draft=draft,
    )
    if queued:
        log.info(
            "outbox queued %s %s to %s (%s)", kind, message_id, ", ".join(recipients), idem_key
        )
    else:
        log.info("outbox duplicate %s: already queued, not enqueued again", idem_key)
    return queued


def _message_bytes(message: EmailMessage) -> bytes:
    """The bytes to send for ``message`` (RFC 5322, CRLF): a ``Bcc`` header is left out
    (the message object itself is not changed)."""
    if "Bcc" in message:
        return _without_bcc(message)
    return message.as_bytes(policy=email.policy.SMTP)


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
    """What one :func:`dispatch` round did (counts of mails) and why it stopped.

    ``more``: due mail is left because the round spent its budget (the runner starts the
    next round at once); ``held``: why the provider limits held due mail back (the round
    stopped; the next tick goes on), None if they did not.
    """

    sent: int = 0
    retried: int = 0
    failed: int = 0
    postponed: int = 0
    more: bool = False
    held: str | None = None


def _mail(row: OutboxRow) -> OutgoingMail:
    return OutgoingMail(message_id=row.message_id, recipients=row.recipients, raw=row.raw)


def _snapshot(row: OutboxRow) -> MeetingSnapshot:
    assert row.intent is not None
    return MeetingSnapshot.from_json(
        row.intent, mail=row.raw, message_id=row.message_id, recipients=row.recipients
    )


def _deliver(sink: MailSink, calendar: Calendar | None, row: OutboxRow) -> None:
    """Hand ``row`` to the sink, or its intent to the calendar.

    Raises:
        PermanentError: a calendar intent with no calendar configured; or from the backend.
        TransientError: from the backend.
    """
    if row.intent is None:
        sink.send(_mail(row))
        return
    if calendar is None:
        raise PermanentError("a calendar intent, and no calendar to apply it")
    snapshot = _snapshot(row)
    if snapshot.action == "cancel":
        calendar.cancel_meeting(snapshot.uid, row.idem_key, snapshot)
    else:
        calendar.upsert_meeting(snapshot, row.idem_key)


def _delivered(sink: MailSink, calendar: Calendar | None, row: OutboxRow) -> bool | None:
    """Whether ``row`` went out (see ``find_sent``/``find_applied``). Raises when the
    answer cannot be had now."""
    if row.intent is None:
        return sink.find_sent(row.message_id)
    if calendar is None:
        return None
    return calendar.find_applied(row.idem_key)


#: Composes a draft mail (:mod:`daemon.outbound.drafts`): outbox row -> (subject, raw bytes).
#: Raises :class:`PermanentError` when it cannot be composed; any other error is retried.
Composer = Callable[[OutboxRow], tuple[str, bytes]]


def _composed(db: Database, composer: Composer | None, row: OutboxRow) -> OutboxRow:
    """``row`` with its bytes: a draft not yet composed is composed now and its subject and
    bytes stored (a resend then sends the same bytes).

    Raises:
        PermanentError: a draft and no ``composer``; or from ``composer``.
    """
    if row.draft is None or row.raw:
        return row
    if composer is None:
        raise PermanentError("a draft mail, and nothing to compose it")
    subject, raw = composer(row)
    # Flushed before the send (not relaxed): a draft without bytes was never handed to the
    # sink, which settle_stuck relies on.
    with atomic(db):
        queries.outbox_composed(db, row.id, subject, raw)
    log.debug("outbox %s composed %s (%d bytes)", row.id, row.message_id, len(raw))
    return replace(row, subject=subject, raw=raw)


def _send_one(
    db: Database,
    sink: MailSink,
    calendar: Calendar | None,
    row: OutboxRow,
    now: dt.datetime,
    mark_sent: bool = True,
    composer: Composer | None = None,
) -> tuple[str, OutboxRow]:
    """Compose (a draft) and send one claimed mail and record the outcome; return
    ``sent``/``retried``/``failed`` and the row as sent (composed).

    ``mark_sent`` False leaves a delivered mail ``sending`` for the caller to mark sent
    (with its next claim, :func:`daemon.store.queries.outbox_claim`).
    """
    try:
        row = _composed(db, composer, row)
        _deliver(sink, calendar, row)
    except PermanentError as exc:
        with atomic(db):
            queries.outbox_failed(db, row.id, f"permanent: {exc}")
        log.error("outbox %s %s failed permanently: %s", row.id, row.message_id, exc)
        return "failed", row
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
            return "failed", row
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
        return "retried", row
    if mark_sent:
        with atomic(db):
            queries.outbox_sent(db, row.id, now)
    log.info(
        "outbox %s sent %s %s to %s", row.id, row.kind, row.message_id, ", ".join(row.recipients)
    )
    return "sent", row


def dispatch(
    db: Database,
    sink: MailSink,
    now: dt.datetime,
    limit: int | None = None,
    calendar: Calendar | None = None,
    limits: SendLimits | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    composer: Composer | None = None,
) -> DispatchReport:
    """One round: send due mails (at ``now``, UTC) through ``sink`` one at a time, until
    none is due, the round's time or size budget is spent (``limits``; ``more`` is then
    set when due mail is left) or a provider limit holds the next one back (``held``);
    ``limit`` caps the count too (None: no cap). Calendar intents go to ``calendar``; a
    draft is composed by ``composer`` when claimed (a draft that cannot be composed fails).

    Each mail is claimed and sent before the next is claimed; a delivered mail is marked
    sent in the transaction that claims the next one (one commit per mail), so a crash
    leaves at most one mail ``sending`` (settled by :func:`settle_stuck`). A mail the
    recipient gap holds back stays
    queued with its due time moved (``postponed``). Only database errors propagate; sink
    errors are recorded per mail.
    """
    limits = limits or SendLimits()
    report = DispatchReport()
    usage = Usage(db, limits, now) if limits.provider_limited else None
    started, spent = monotonic(), 0
    unmarked: list[tuple[int, dt.datetime]] = []  # the mail just sent, marked with the next claim
    while limit is None or report.sent + report.retried + report.failed < limit:
        if monotonic() - started >= limits.budget_seconds or spent >= limits.budget_bytes:
            report.more = queries.outbox_due_count(db, now) > 0
            if report.more:
                log.info("outbox: round budget spent (%d bytes); next round at once", spent)
            break
        if usage is not None:
            if unmarked:  # the limits count sent mail: mark the last one first
                with atomic(db):
                    queries.outbox_sent(db, *unmarked.pop())
            nxt = queries.outbox_next_due(db, now)
            if nxt is None:
                break
            report.held = usage.blocked(nxt)
            if report.held:
                _held(db, now, report.held)
                break
            until = gap_until(db, limits, nxt, now)
            if until > now:
                with atomic(db):
                    queries.outbox_postpone(
                        db, nxt.id, until, f"recipient gap: due again at {until.isoformat()}"
                    )
                log.info("outbox %s postponed to %s: recipient gap", nxt.id, until.isoformat())
                report.postponed += 1
                continue
        row = _claim(db, now, unmarked)
        if row is None:
            break
        outcome, row = _send_one(db, sink, calendar, row, now, False, composer)
        setattr(report, outcome, getattr(report, outcome) + 1)
        spent += len(row.raw)
        if outcome == "sent":
            unmarked.append((row.id, now))
            if usage is not None:
                usage.add(row)
    if unmarked:
        with atomic(db):
            queries.outbox_sent(db, *unmarked.pop())
    if usage is not None and report.held is None:
        _held(db, now, None)
    return report


CLAIM_TRIES = 50  # a busy database (deadlines firing in the other thread): try again


def _claim(
    db: Database, now: dt.datetime, unmarked: list[tuple[int, dt.datetime]]
) -> OutboxRow | None:
    """The next due mail, claimed, marking the one just sent (``unmarked``) in the same
    commit; waits out a database the firing thread keeps busy (the mark is kept for the
    next try, so nothing is left ``sending``). Raises ``sqlite3.OperationalError`` after
    :data:`CLAIM_TRIES` busy timeouts."""
    for attempt in range(1, CLAIM_TRIES + 1):
        try:
            with relaxed_sync(db):  # a lost mark means a resend, never a lost mail
                row = queries.outbox_claim(db, now, sent=unmarked[-1] if unmarked else None)
        except Exception as exc:
            if not is_busy(exc) or attempt == CLAIM_TRIES:
                raise
            log.info("outbox: database busy, claim again (%d)", attempt)
            continue
        unmarked.clear()
        return row
    return None


HELD_SCOPE, HELD_KEY = "outbox", "held"


def _held(db: Database, now: dt.datetime, reason: str | None) -> None:
    """Record why due mail is held back (None: it is not), for ``meetingd status``."""
    was = queries.state_get(db, HELD_SCOPE, HELD_KEY)
    value = None if reason is None else {"reason": reason, "since_utc": now.isoformat()}
    if (was or {}).get("reason") == (value or {}).get("reason"):
        return
    with atomic(db):
        queries.state_put(db, HELD_SCOPE, HELD_KEY, value, now)
    if reason is None:
        log.info("outbox: no longer held by the sending limits")
    else:
        log.warning("outbox: due mail held back by the sending limits: %s", reason)


def _claimed_by(row: OutboxRow, cutoff: dt.datetime) -> bool:
    """True if ``row`` was claimed at or before ``cutoff`` (no claim time counts as old)."""
    return row.claimed_utc is None or row.claimed_utc <= cutoff


def settle_stuck(
    db: Database,
    sink: MailSink,
    now: dt.datetime | None = None,
    older_than: dt.timedelta = dt.timedelta(0),
    calendar: Calendar | None = None,
) -> int:
    """Settle mails left ``sending`` whose claim is ``older_than`` old; return how many.

    Args:
        now: UTC; default the clock.
        older_than: 0 (the default) at start: every mail left ``sending``, whatever its
            claim time; the runner's ticks pass :data:`SETTLE_AFTER`. A mail without a
            claim time (claimed before migration 0003) counts as old.

    A draft claimed but never composed (no bytes: they are stored, flushed, before the
    send) cannot have been sent: it is requeued at once. Each other mail's Message-ID is
    looked up with the sink's ``find_sent`` (a calendar intent's
    key with the calendar's ``find_applied``): True marks it sent
    at ``now``; False requeues it; None (the sink cannot tell) requeues it only once its
    claim is :data:`SETTLE_AFTER` old, with a WARNING and a ``resent`` event, because it
    may then arrive twice (at-least-once, declared). A sink that raises leaves the mail
    ``sending`` for the next call. Raises only database errors (``sqlite3.Error``).
    """
    when = now or clock.now()
    settled = 0
    for row in queries.outbox_sending(db):
        if older_than and not _claimed_by(row, when - older_than):
            continue
        if row.draft is not None and not row.raw:
            with atomic(db):
                queries.outbox_requeue(db, row.id)
            settled += 1
            log.info(
                "outbox %s %s was left sending before it was composed: never sent, requeued",
                row.id,
                row.message_id,
            )
            continue
        try:
            delivered = _delivered(sink, calendar, row)
        except Exception as exc:
            log.warning(
                "outbox %s %s: cannot tell if it was sent, left sending: %s",
                row.id,
                row.message_id,
                exc,
            )
            continue
        if delivered is None and not _claimed_by(row, when - SETTLE_AFTER):
            log.info(
                "outbox %s %s left sending: the sink cannot tell whether it was sent;"
                " resent if still sending %d minutes after its claim",
                row.id,
                row.message_id,
                SETTLE_AFTER // dt.timedelta(minutes=1),
            )
            continue
        with atomic(db):
            if delivered:
                queries.outbox_sent(db, row.id, when)
            else:
                queries.outbox_requeue(db, row.id)
            if delivered is None:
                queries.event_add(db, when, row.meeting_number, "resent", _resent_text(row))
        settled += 1
        if delivered is None:
            log.warning("outbox %s: %s", row.id, _resent_text(row))
        else:
            log.info(
                "outbox %s %s was left sending: %s",
                row.id,
                row.message_id,
                "found in sent mail, marked sent" if delivered else "not delivered, requeued",
            )
    return settled


def _resent_text(row: OutboxRow) -> str:
    return (
        f"{row.kind} {row.message_id} to {', '.join(row.recipients)} was left sending and is"
        " resent: the sink cannot tell whether it was delivered (at-least-once: it may arrive"
        " twice)"
    )
