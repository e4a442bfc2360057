"""Commands written in a reply: reschedule, cancel, include or exclude a late topic.

Only what the sender wrote now is read (quoted originals are stripped before). Who may give
a command is the rules' decision (the host); this module only reads the words.

Phrases: 改期到/改到/调整到/推迟到/挪到/换到 … (a date and time), "reschedule to",
"move the meeting to", "postpone to"; 取消会议/会议取消/"cancel the meeting";
纳入/同意纳入/"include it" and 不纳入/"do not include" for a late topic. The phrases are data
in :mod:`daemon.inbound.phrases.agenda`.
"""

from __future__ import annotations

import datetime as dt

from daemon.domain.messages import HostCommand
from daemon.inbound.dates import date_problems, parse_when
from daemon.inbound.phrases.agenda import (
    AGENDA_EDIT,
    CANCEL_PHRASES,
    EXCLUDE_PHRASES,
    INCLUDE_PHRASES,
    NEGATION_PHRASES,
    RESCHEDULE_PHRASES,
)


def parse_command(
    fresh: str, ref: dt.datetime, problems: list[str] | None = None
) -> HostCommand | None:
    """The command in ``fresh`` (the sender's own new text), or None.

    Args:
        fresh: text the sender wrote now.
        ref: the message's aware Date; relative dates and the time zone come from it.
        problems: where to add why a reschedule's date or length was not taken (a year
            outside :data:`daemon.inbound.dates.YEARS`, a length over 24 hours).

    A reschedule without a readable date is not a command (None): the rules then treat the
    mail as they would otherwise, and nothing is moved by guess. Never raises on any text.
    """
    if not AGENDA_EDIT.present(fresh):
        return None
    for line in fresh.splitlines():
        line = line.strip()
        if not line:
            continue
        if CANCEL_PHRASES.pattern.search(line) and not NEGATION_PHRASES.search(line):
            return HostCommand("cancel")
        if RESCHEDULE_PHRASES.pattern.search(line):
            start, minutes = parse_when(line, ref)
            if problems is not None:
                problems.extend(p for p in date_problems(line) if p not in problems)
            if start is not None and (start.hour or start.minute):
                return HostCommand("reschedule", start, minutes)
        if EXCLUDE_PHRASES.pattern.search(line):
            return HostCommand("exclude_topic")
        if INCLUDE_PHRASES.pattern.search(line):
            return HostCommand("include_topic")
    return None
