"""Derived views of a meeting for the mails: its deadline times."""

from __future__ import annotations

import datetime as dt

from daemon.domain.context import Timings, WorkingDays
from daemon.domain.model import MeetingFile


def deadline_times(file: MeetingFile, days: WorkingDays, t: Timings) -> dict[str, dt.datetime]:
    """Aware UTC instants of the meeting's deadlines, keyed for the templates:
    ``topics_due``, ``materials_due``, ``replies_due``, ``minutes_due`` (empty before the
    meeting has a time)."""
    m = file.meeting
    if m.start_utc is None:
        return {}
    out = {
        "topics_due": days.deadline_before(m.start_utc, t.topics_due_days),
        "materials_due": days.deadline_before(m.start_utc, t.materials_due_days),
        "replies_due": days.deadline_before(m.start_utc, t.replies_due_days),
    }
    if m.end_utc is not None:
        # The recorder is reminded that morning; the minutes are due by its end.
        out["minutes_due"] = days.at(days.add(days.local_date(m.end_utc), t.minutes_reminder_days))
    return out
