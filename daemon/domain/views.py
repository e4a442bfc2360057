"""Derived views of a meeting for the mails: its deadline times and the review meeting."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from daemon.domain.context import RuleContext, Timings, WorkingDays
from daemon.domain.model import MeetingFile, Participant
from daemon.domain.timed import review_window


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


def review_file(file: MeetingFile, ctx: RuleContext, lang: str | None = None) -> MeetingFile:
    """The review meeting (复盘) as its own calendar object: same tag, its own UID, the
    host and the action owners as attendees; its title is prefixed in ``lang`` (the mail's
    language; default the meeting's)."""
    m = file.meeting
    start, end = review_window(file, ctx)
    owners = sorted({a.owner for a in file.actions if a.owner})
    people = [p for p in file.participants if p.address == m.host]
    people += [
        file.person(o) or Participant(o, "core", ctx.directory.name_of(o))
        for o in owners
        if o != m.host
    ]
    title = ("复盘：" if (lang or m.lang) == "zh" else "Review: ") + m.title
    meeting = replace(
        m,
        uid=m.review_uid or f"review-{m.uid}",
        revision=0,
        title=title,
        start_utc=start,
        end_utc=end,
    )
    # A new event: nobody has answered it yet, whatever they said to the meeting itself.
    return replace(file, meeting=meeting, participants=[replace(p) for p in people], rsvps=[])
