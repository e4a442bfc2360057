"""Row dataclasses returned by :mod:`daemon.store.queries` (plain data, no SQL).

Times are aware ``datetime`` values in UTC; ``raw`` fields are the exact RFC 5322 bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from daemon.domain.model import Deadline


@dataclass(frozen=True)
class InboxRow:
    """One stored inbound message.

    ``state``: ``new`` (waiting), ``applied``, ``ignored`` or ``quarantined``. ``attempts``
    counts failed processing attempts; ``error`` is the last failure or the ignore reason.
    """

    id: int
    source_key: str
    raw: bytes = field(repr=False)
    received_utc: dt.datetime
    state: str
    attempts: int
    error: str | None
    message_id: str | None
    sender: str | None
    kind: str | None
    meeting_number: int | None
    applied_utc: dt.datetime | None


@dataclass(frozen=True)
class OutboxRow:
    """One outgoing mail.

    ``state``: ``queued`` -> ``sending`` -> ``sent``, or ``failed``. ``attempts`` counts send
    attempts (incremented when claimed); ``next_attempt_utc`` is when a queued mail is due;
    ``claimed_utc`` is when it was last claimed for sending (None if never, or claimed before
    migration 0003). ``recipients`` are envelope addresses, lower-case. ``intent`` is set
    for a calendar intent: the JSON snapshot the calendar backend applies (``raw`` is then
    the announcing mail, without a calendar part). ``draft`` is set for a mail queued
    before it was composed (tagged JSON, see :mod:`daemon.outbound.drafts`): ``raw`` is
    empty and ``subject`` blank until the dispatcher composes it.
    """

    id: int
    idem_key: str
    message_id: str
    meeting_number: int | None
    kind: str
    recipients: tuple[str, ...]
    subject: str
    raw: bytes = field(repr=False)
    state: str
    attempts: int
    next_attempt_utc: dt.datetime
    error: str | None
    created_utc: dt.datetime
    sent_utc: dt.datetime | None
    claimed_utc: dt.datetime | None
    intent: dict[str, Any] | None = None
    question_id: int | None = None
    draft: str | None = None


@dataclass(frozen=True)
class DeadlineRow:
    """One deadline of a meeting. ``state``: ``pending``, ``fired`` or ``cancelled``.

    ``attempts`` counts failed firing attempts; ``error`` is the last one.
    """

    id: int
    meeting_number: int
    kind: str
    key: str
    due_utc: dt.datetime
    state: str
    fired_utc: dt.datetime | None
    attempts: int
    error: str | None

    @property
    def deadline(self) -> Deadline:
        """The domain :class:`~daemon.domain.model.Deadline` of this row."""
        return Deadline(kind=self.kind, due_utc=self.due_utc, key=self.key)


@dataclass(frozen=True)
class EventRow:
    """One audit/timeline line: what happened, when (UTC), to which meeting (or None)."""

    id: int
    at_utc: dt.datetime
    meeting_number: int | None
    kind: str
    text: str
