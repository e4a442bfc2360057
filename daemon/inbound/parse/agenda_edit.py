"""The host's agenda changes written in a reply to the ``agenda`` mail (zh and en).

One change per line; topic numbers are those the agenda mail shows ("议题2"):

======================================  =====================================
zh                                      en
======================================  =====================================
删除议题2 / 去掉第2项 / 2 删除           drop 2 / remove topic 2
议题3 改为30分钟 / 第3项 30分钟           topic 3: 30 min / give 3 30 minutes
议题3 移到第1 / 把第3项提前到第1位        move 3 to 1 / topic 3 first
顺序：3,1,2                              order: 3, 1, 2
增加议题：供应商评估（20分钟）            add: supplier review (20 min)
======================================  =====================================

A line that reads as none of these, in a reply that has some, makes the whole reply
unclear: nothing is changed by guess. Pure; never raises.
"""

from __future__ import annotations

import re

from daemon.domain.messages import AgendaEdit
from daemon.inbound.phrases import alternation
from daemon.inbound.phrases.agenda import (
    AGENDA_ADD,
    AGENDA_DROP,
    AGENDA_DROPPED,
    AGENDA_EDIT_LOOK,
    AGENDA_FIRST,
    AGENDA_MOVE_TO,
    AGENDA_ORDER,
    AGENDA_TIME,
)

_N = r"(?:议题|議題|第|topic|item|#)?\s*(?P<n>\d{1,2})\s*(?:项|項|个|個|号|號)?"
_MIN = r"(?P<m>\d{1,3})\s*(?:分钟|分鐘|min(?:ute)?s?\b|')"
_END = r"\s*[。.!！]?$"


def _all(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.I) for p in patterns)


_DROP = _all(
    rf"^(?:{alternation(AGENDA_DROP)})\s*{_N}{_END}",
    rf"^{_N}\s*(?:{alternation(AGENDA_DROPPED)}){_END}",
)
_TIME = _all(
    rf"^(?:give\s+)?{_N}\s*(?:[:：]|{alternation(AGENDA_TIME)})?\s*{_MIN}{_END}",
)
_MOVE = _all(
    rf"^(?:把|将|move\s+)?{_N}\s*(?:{alternation(AGENDA_MOVE_TO)})\s*"
    rf"(?:第|position\s*|place\s*)?(?P<to>\d{{1,2}})\s*(?:位|个|項|项)?{_END}",
    rf"^{_N}\s*(?:{alternation(AGENDA_FIRST)}){_END}",
)
_ORDER = _all(
    rf"^(?:{alternation(AGENDA_ORDER)})\s*[:：]\s*(?P<list>\d{{1,2}}(?:\s*[,，、 ]\s*\d{{1,2}})+)$"
)
_ADD = _all(
    rf"^(?:{alternation({'zh': AGENDA_ADD['zh']})})(?:议题|議題|一项|一個|一个)?\s*[:：]?\s*"
    rf"(?P<t>.+?)(?:\s*[(（]\s*{_MIN}\s*[)）])?{_END}",
    rf"^(?:{alternation({'en': AGENDA_ADD['en']})})\s*[:：]?\s*(?P<t>.+?)"
    rf"(?:\s*[(（]\s*{_MIN}\s*[)）])?{_END}",
)


def _match(patterns: tuple[re.Pattern[str], ...], line: str) -> re.Match[str] | None:
    return next((m for p in patterns if (m := p.match(line))), None)


def parse_agenda_edits(lines: list[str]) -> tuple[list[AgendaEdit], list[str]]:
    """The agenda edits in ``lines`` (the host's own text, one change per line, greetings
    and thanks already removed), and the lines that could not be read: when any line is an
    edit, every other line is unread (the set is then not applied); when none is, only the
    lines that look like an edit are. The verbs are data in
    :mod:`daemon.inbound.phrases.agenda`."""
    edits: list[AgendaEdit] = []
    other: list[str] = []
    for raw in lines:
        line = raw.strip().strip("-*•·").strip()
        line = re.sub(r"^\d{1,2}[.)、]\s+(?=\D)", "", line)  # a list number before the change
        if not line:
            continue
        edit = _one(line)
        if edit is not None:
            edits.extend(edit)
        else:
            other.append(raw.strip())
    unread = other if edits else [line for line in other if AGENDA_EDIT_LOOK.search(line)]
    return edits, unread


def _one(line: str) -> list[AgendaEdit] | None:
    if m := _match(_ORDER, line):
        numbers = [int(x) for x in re.findall(r"\d{1,2}", m.group("list"))]
        return [AgendaEdit("move", n=n, to=i) for i, n in enumerate(numbers, 1)]
    if m := _match(_DROP, line):
        return [AgendaEdit("drop", n=int(m.group("n")))]
    if m := _match(_MOVE, line):
        to = m.groupdict().get("to")
        return [AgendaEdit("move", n=int(m.group("n")), to=int(to) if to else 1)]
    if m := _match(_TIME, line):
        return [AgendaEdit("time", n=int(m.group("n")), minutes=int(m.group("m")))]
    if m := _match(_ADD, line):
        title = m.group("t").strip(" ：:")
        minutes = m.groupdict().get("m")
        if title:
            return [AgendaEdit("add", title=title, minutes=int(minutes) if minutes else None)]
    return None
