"""Commands written in a reply: reschedule, cancel, include or exclude a late topic.

Only what the sender wrote now is read (quoted originals are stripped before). Who may give
a command is the rules' decision (the host); this module only reads the words.

Phrases: 改期到/改到/调整到/推迟到/挪到/换到 … (a date and time), "reschedule to",
"move the meeting to", "postpone to"; 取消会议/会议取消/"cancel the meeting";
纳入/同意纳入/"include it" and 不纳入/"do not include" for a late topic.
"""

from __future__ import annotations

import datetime as dt
import re

from daemon.domain.messages import HostCommand
from daemon.inbound.dates import date_problems, parse_when
from daemon.inbound.parse.labels import fold

_CANCEL = re.compile(
    r"取消(?:本次|这次|這次|该|該)?会议|会议取消|會議取消|取消會議|"
    r"\bcancel(?:l?ing)?\s+(?:the|this|our)\s+meeting\b|\bmeeting\s+(?:is\s+)?cancell?ed\b",
    re.I,
)
_NOT = re.compile(r"不要|不用|无需|無需|不必|\bdon'?t\b|\bdo not\b|\bno need\b", re.I)
_MOVE = re.compile(
    r"改期|改到|改在|改为|改為|调整到|调整为|調整到|推迟到|推遲到|延期到|挪到|移到|换到|換到|"
    r"\breschedul\w*|\bmove\s+(?:it|the\s+meeting|this\s+meeting)\s+to\b|\bpostpone\w*\s+to\b",
    re.I,
)
_EXCLUDE = re.compile(
    r"不纳入|不納入|不列入|\bdo not include\b|\bdon'?t include\b|\bexclude\b", re.I
)
_INCLUDE = re.compile(r"纳入|納入|列入议程|\binclude\b|\badd it to the agenda\b", re.I)
# Words every phrase above contains (the English ones lower-cased): a text with none of them
# holds no command, and the per-line regular expressions are skipped. Keep in step with them.
_KEYS = ("取消", "改", "调整", "調整", "推迟到", "推遲到", "延期到", "挪到", "移到", "换到", "換到")
_KEYS_MORE = ("纳入", "納入", "列入")
_KEYS_EN = ("cancel", "reschedul", "move", "postpone", "include", "exclude", "add it to")


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
    if not any(k in fresh for k in _KEYS + _KEYS_MORE):
        lower = fold(fresh)
        if not any(k in lower for k in _KEYS_EN):
            return None
    for line in fresh.splitlines():
        line = line.strip()
        if not line:
            continue
        if _CANCEL.search(line) and not _NOT.search(line):
            return HostCommand("cancel")
        if _MOVE.search(line):
            start, minutes = parse_when(line, ref)
            if problems is not None:
                problems.extend(p for p in date_problems(line) if p not in problems)
            if start is not None and (start.hour or start.minute):
                return HostCommand("reschedule", start, minutes)
        if _EXCLUDE.search(line):
            return HostCommand("exclude_topic")
        if _INCLUDE.search(line):
            return HostCommand("include_topic")
    return None
