"""Builders for rule-level scenario tests: a context on a chosen day, parsed messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from daemon.domain import rules
from daemon.domain.context import RuleContext, Timings
from daemon.domain.directory import Directory
from daemon.domain.effects import Effects
from daemon.domain.events import Incoming
from daemon.domain.messages import Inspection, Kind, MeetingRequestForm
from daemon.domain.model import MeetingFile
from daemon.workdays import WorkCalendar

DAYS = WorkCalendar()
TZ = DAYS.tz
DOMAIN = "example.cn"


def addr(local: str) -> str:
    return f"{local}@{DOMAIN}"


def directory() -> Directory:
    d = Directory()
    people = [
        ("gao.ming", "高明", "Gao Ming", "运营部"),
        ("xu.li", "徐丽", "Xu Li", "运营部"),
        ("he.jun", "何军", "He Jun", "研发部"),
        ("he.jun2", "何军", "He Jun", "财务部"),  # same name, different person
        ("ma.chao", "马超", "Ma Chao", "研发部"),
        ("lin.yu", "林雨", "Lin Yu", "销售部"),
        ("song.jia", "宋佳", "Song Jia", "销售部"),
        ("fang.hui", "方慧", "Fang Hui", "法务部"),
    ]
    for local, zh, en, dep in people:
        d.add(addr(local), zh, en, department=dep)
    d.departments = {
        "运营部": (addr("gao.ming"), addr("xu.li")),
        "研发部": (addr("ma.chao"),),
        "销售部": (addr("lin.yu"), addr("song.jia")),
        "法务部": (addr("fang.hui"),),
    }
    return d


def local(y: int, mo: int, d: int, h: int = 9, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=TZ)


def ctx(now: dt.datetime, directory_: Directory | None = None, **timings: Any) -> RuleContext:
    return RuleContext(
        now.astimezone(dt.UTC),
        DAYS,
        Timings(**timings),
        directory_ or directory(),
        addr("meetings"),
        "zh",
    )


_counter = [0]


def message(kind: Kind, sender: str, **fields: Any) -> Inspection:
    _counter[0] += 1
    body = fields.pop("body_text", "")
    return Inspection(
        file=None,
        kind=kind,
        sender=sender,
        message_id=f"<t{_counter[0]}@x>",
        body_text=body,
        fresh_text=body,
        subject=fields.pop("subject", "Re: [MTG-1]"),
        **fields,
    )


def request_form(start: dt.datetime, **over: Any) -> MeetingRequestForm:
    values: dict[str, Any] = dict(
        title="渠道库存协调会",
        core_problem="渠道库存积压",
        expected_outcome="确定各渠道库存上限及责任人，12月31日前执行",
        start=start,
        duration_minutes=120,
        location="5楼会议室",
        host=addr("gao.ming"),
        recorder=addr("xu.li"),
        participants=[addr("ma.chao"), addr("lin.yu")],
        observers=[addr("fang.hui")],
    )
    values.update(over)
    return MeetingRequestForm(**values)


def open_request(
    form: MeetingRequestForm, c: RuleContext, number: int = 1
) -> tuple[MeetingFile, Effects]:
    """Open meeting ``number`` from ``form``, sent by lin.yu."""
    inc = Incoming(message("meeting_request", addr("lin.yu"), meeting_request=form))
    return rules.open_meeting(number, inc, c)


def approved_meeting(
    start: dt.datetime, now: dt.datetime, d: Directory | None = None
) -> tuple[MeetingFile, RuleContext]:
    """A meeting requested and approved at ``now``."""
    c = ctx(now, d)
    file, _ = open_request(request_form(start), c)
    rules.apply_message(file, Incoming(message("unknown", addr("gao.ming"), body_text="同意")), c)
    assert file.meeting.status == "scheduled"
    return file, c


def kinds(effects: Effects) -> list[str]:
    return [o.kind for o in effects.outgoing]


def sent_to(effects: Effects, kind: str) -> set[str]:
    return {a for o in effects.outgoing if o.kind == kind for a in o.to}
