"""What the rules need besides the meeting: the time, working days, timings, people.

Pure dataclasses and a Protocol; the service builds a :class:`RuleContext` per event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from daemon.domain.directory import Directory
from daemon.domain.identity import SenderPolicy


class WorkingDays(Protocol):
    """Working-day arithmetic (implemented by ``daemon.workdays.WorkCalendar``)."""

    tz: ZoneInfo

    def add(self, day: dt.date, n: int) -> dt.date: ...

    def is_working_day(self, day: dt.date) -> bool: ...

    def local_date(self, when: dt.datetime) -> dt.date: ...

    def roll_forward(self, day: dt.date) -> dt.date: ...

    def at(self, day: dt.date, time: dt.time | None = None) -> dt.datetime: ...

    def deadline_before(self, meeting_start: dt.datetime, n: int) -> dt.datetime: ...


@dataclass(frozen=True)
class Timings:
    """The process timings, in working days or minutes (defaults from PROCESS.md)."""

    topics_due_days: int = 3
    topic_reminder_days: int = 1
    materials_due_days: int = 2
    replies_due_days: int = 1
    rsvp_nudge_days: int = 1
    minutes_reminder_days: int = 1
    confirm_reminder_days: int = 1
    owner_reminder_days: int = 1
    action_reminder_days: int = 2
    overdue_every_days: int = 2
    escalate_after: int = 3
    review_after_days: int = 10
    review_minutes: int = 60
    default_minutes: int = 120
    opening_minutes: int = 10
    topic_minutes: int = 20
    actions_minutes: int = 15
    wrapup_minutes: int = 5
    merge_similarity: int = 80
    max_material_bytes: int = 20_000_000
    minutes_confirm: str = "always"  # [minutes] confirm: always | when_unsure | never


@dataclass(frozen=True)
class RuleContext:
    """One event's surroundings.

    Attributes:
        now: aware UTC instant of the event.
        days: working-day calendar in the company zone.
        timings: process timings.
        directory: people and departments.
        daemon_address: the daemon's own mailbox (never answered).
        lang: default language of new meetings.
        security: whose word on the sender's address counts (off by default).
        admin: the operator's address (``[mailbox] admin``), or None: what must be handed
            over goes there.
    """

    now: dt.datetime
    days: WorkingDays
    timings: Timings
    directory: Directory
    daemon_address: str
    lang: str = "zh"
    security: SenderPolicy = SenderPolicy()
    admin: str | None = None
