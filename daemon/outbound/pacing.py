"""How fast the outbox may send: a budget per dispatch round and the provider's limits.

A dispatch round stops when it has spent its time (``budget_seconds``) or size
(``budget_bytes``) budget, not after a fixed count; the runner then starts the next round at
once, so a burst drains back to back. The provider's limits hold mail back instead:

* ``per_minute``: mails sent from the mailbox in any 60 s (Exchange Online: 30);
* ``recipients_per_day``: recipients of the mails sent in any 24 h (Exchange Online: 10,000);
* ``recipient_gap``: least time between two mails to one address.

A mail held back stays queued (never dropped): by the first two until the window has room
(the round stops, the next tick goes on), by the gap with its due time moved to when the
address may be mailed again. Usage is counted from the outbox itself (indexes
``outbox_sent`` and ``outbox_recipients``), so it holds across restarts. Values are read
from ``[sending]`` (see :mod:`daemon.config`); 0 turns a limit off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from daemon.store import queries
from daemon.store.rows import OutboxRow

MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class SendLimits:
    """The budget of one dispatch round and the provider's limits (0: none).

    ``budget_seconds`` wall seconds and ``budget_bytes`` bytes of raw mail per round;
    ``per_minute`` mails per rolling minute; ``recipients_per_day`` recipients per rolling
    24 h; ``recipient_gap`` the least time between two mails to one address.
    """

    budget_seconds: float = 20.0
    budget_bytes: int = 50_000_000
    per_minute: int = 0
    recipients_per_day: int = 0
    recipient_gap: dt.timedelta = dt.timedelta(0)

    @classmethod
    def from_config(cls, values: dict[str, Any]) -> SendLimits:
        """From the checked ``[sending]`` table (seconds and counts as ints)."""
        return cls(
            budget_seconds=float(values["budget_seconds"]),
            budget_bytes=int(values["budget_bytes"]),
            per_minute=int(values["per_minute"]),
            recipients_per_day=int(values["recipients_per_day"]),
            recipient_gap=dt.timedelta(seconds=int(values["recipient_gap_seconds"])),
        )

    @property
    def provider_limited(self) -> bool:
        """True if any provider limit is on."""
        return bool(self.per_minute or self.recipients_per_day or self.recipient_gap)


class Usage:
    """What the provider limits have used at ``now``: mails in the last minute and
    recipients in the last day, counted from the outbox once, then kept up to date by
    :meth:`add` as the round sends."""

    def __init__(self, db: Database, limits: SendLimits, now: dt.datetime) -> None:
        self.limits = limits
        self.now = now
        self.minute = queries.outbox_sent_since(db, now - MINUTE)[0] if limits.per_minute else 0
        self.day = queries.outbox_sent_since(db, now - DAY)[1] if limits.recipients_per_day else 0

    def blocked(self, row: OutboxRow) -> str | None:
        """Why ``row`` may not go now under the window limits, or None."""
        if self.limits.per_minute and self.minute >= self.limits.per_minute:
            return f"per_minute limit: {self.minute} mails sent in the last minute"
        # a mail with more recipients than a whole day allows still goes, alone, once the
        # window is empty: held forever would lose it
        if (
            self.limits.recipients_per_day
            and self.day
            and self.day + len(row.recipients) > self.limits.recipients_per_day
        ):
            return (
                f"recipients_per_day limit: {self.day} recipients in the last 24 h,"
                f" this mail has {len(row.recipients)}"
            )
        return None

    def add(self, row: OutboxRow) -> None:
        """Count ``row`` as sent."""
        self.minute += 1
        self.day += len(row.recipients)


def gap_until(db: Database, limits: SendLimits, row: OutboxRow, now: dt.datetime) -> dt.datetime:
    """When ``row`` may go under ``recipient_gap`` (``now`` or earlier: at once)."""
    if not limits.recipient_gap:
        return now
    since = now - limits.recipient_gap - DAY  # mails are sent soon after they are queued
    last = [queries.outbox_last_sent_to(db, a, since) for a in row.recipients]
    latest = max((t for t in last if t is not None), default=None)
    return now if latest is None else latest + limits.recipient_gap
