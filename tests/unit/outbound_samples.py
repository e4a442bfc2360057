"""A realistic meeting and per-kind ``Outgoing.extra`` values for the outbound tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from daemon.domain.effects import Outgoing
from daemon.domain.model import (
    ActionItem,
    Material,
    Meeting,
    MeetingFile,
    Participant,
    Risk,
    Rsvp,
    Topic,
)
from daemon.outbound.compose import ComposeContext

TZ = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
HOST = "sun.li@corp.example"
RECORDER = "chen.jing@corp.example"
TECH = "liu.yang@corp.example"
MKT = "wang.fang@corp.example"
PROXY = "zhou.qiang@corp.example"
LEGAL = "huang.min@corp.example"
NOW = dt.datetime(2026, 9, 21, 2, 0, tzinfo=UTC)  # Mon 21 Sep 2026 10:00 Shanghai


def local(y: int, mo: int, d: int, h: int = 18, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=TZ)


DEADLINES = {
    "topics_due": local(2026, 9, 29),
    "materials_due": local(2026, 9, 30),
    "replies_due": local(2026, 10, 8),
    "minutes_due": local(2026, 10, 12),
}


def meeting_file(*, proxy: bool = True) -> MeetingFile:
    m = Meeting(
        number=7,
        title="新产品上市跨部门协调会",
        status="scheduled",
        requester=TECH,
        core_problem="新产品上市前市场部与技术部的协作分工不清",
        expected_outcome="明确市场部与技术部的协作分工，并确定每项工作的责任人及完成时限",
        start_utc=local(2026, 10, 9, 14).astimezone(UTC),
        end_utc=local(2026, 10, 9, 16).astimezone(UTC),
        location="3楼大会议室",
        host=HOST,
        recorder=RECORDER,
        uid="mtg-7-4f2a@corp.example",
        revision=1,
    )
    people = [
        Participant(HOST, "host", "孙丽", "总经办"),
        Participant(RECORDER, "recorder", "陈静", "总经办"),
        Participant(TECH, "core", "刘洋", "技术部"),
        Participant(MKT, "core", "王芳", "市场部"),
        Participant(LEGAL, "observer", "黄敏", "法务部"),
    ]
    if proxy:
        people.append(Participant(PROXY, "proxy", "周强", "市场部", delegate_of=MKT))
    topics = [
        Topic(
            1, "客户投诉处理流程优化", MKT, "投诉处理时长超标", "责任划分不清晰", "明确时效与责任人"
        ),
        Topic(2, "功能开发排期", TECH, "人力紧张", None, None, missing=["pain_point"]),
    ]
    actions = [
        ActionItem(1, "完成功能开发", TECH, dt.date(2026, 10, 20), "刘洋", "市场部提供需求文档"),
        ActionItem(2, "提交最终需求文档", MKT, dt.date(2026, 10, 14), "王芳", status="delayed"),
    ]
    return MeetingFile(
        meeting=m,
        participants=people,
        topics=topics,
        materials=[Material("ab" * 32, "风险分析报告.pdf", "application/pdf", 183_500, TECH)],
        rsvps=[Rsvp(TECH, "ACCEPTED"), Rsvp(MKT, "DECLINED", delegate=PROXY)],
        actions=actions,
        risks=[Risk("需求文档延迟提交", "技术部启动备用方案", "zhao.lei@corp.example")],
        decisions=["市场部延迟活动启动时间3天，技术部优先保障该功能开发。"],
    )


def context(lang: str = "zh", now: dt.datetime = NOW, **kw: Any) -> ComposeContext:
    """The compose context of a ``lang`` mail at ``now``; ``kw`` replaces any field."""
    values: dict[str, Any] = {
        "from_addr": "meetings@corp.example",
        "from_name": "会议助手" if lang == "zh" else "Meeting assistant",
        "msgid_domain": "corp.example",
        "now_utc": now,
        "tz": TZ,
        "lang": lang,
        "deadlines": dict(DEADLINES),
        "names": {"zhao.lei@corp.example": "赵磊"},
    }
    return ComposeContext(**{**values, **kw})


_AGENDA = [
    {"start": "14:00", "end": "14:10", "minutes": 10, "title": "开场", "presenter": HOST},
    {
        "start": "14:10",
        "end": "14:50",
        "minutes": 40,
        "title": "客户投诉处理流程优化",
        "presenter": MKT,
    },
    {"start": "14:50", "end": "15:30", "minutes": 40, "title": "功能开发排期", "presenter": TECH},
    {"start": "15:30", "end": "15:45", "minutes": 15, "title": "确认行动项", "presenter": None},
    {"start": "15:45", "end": "15:50", "minutes": 5, "title": "总结", "presenter": HOST},
]
_TOPICS = [
    {
        "title": "客户投诉处理流程优化",
        "background": "投诉处理时长超标",
        "pain_point": "责任划分不清晰",
        "expected_outcome": "明确时效与责任人",
        "missing": [],
    },
    {
        "title": "功能开发排期",
        "background": "人力紧张",
        "pain_point": None,
        "expected_outcome": None,
        "missing": ["pain_point", "expected_outcome"],
    },
]
_ACTIONS = [
    {
        "k": 1,
        "what": "完成功能开发",
        "owner": TECH,
        "owner_name": "刘洋",
        "due": dt.date(2026, 10, 20),
        "support": "需求文档",
    },
    {
        "k": 2,
        "what": "复核合同条款",
        "owner": None,
        "owner_name": "赵磊",
        "due": None,
        "support": None,
    },
]

#: kind -> (to, extra, action_k, calendar)
SAMPLES: dict[str, tuple[list[str], dict[str, Any], int | None, str | None]] = {
    "request_received": ([TECH], {}, None, None),
    "goal_rejected": ([TECH], {"issues": ["预期成果“讨论问题”不可衡量"]}, None, None),
    "request_question": (
        [TECH],
        {
            "missing": [
                "host",
                "recorder",
                "start",
                "participants",
                "title",
                "expected_outcome",
                "participant:陈",
            ]
        },
        None,
        None,
    ),
    "approval_request": ([HOST], {}, None, None),
    "request_rejected": ([TECH], {"reason": "本月已安排同类会议"}, None, None),
    "invite": ([HOST, RECORDER, TECH, MKT, LEGAL], {"agenda": [], "reason": None}, None, "REQUEST"),
    "invite_update": (
        [HOST, RECORDER, TECH, MKT, LEGAL],
        {"agenda": _AGENDA, "reason": "agenda"},
        None,
        "REQUEST",
    ),
    "cancel": (
        [HOST, RECORDER, TECH, MKT, LEGAL],
        {"reason": "主要议题已在周会解决"},
        None,
        "CANCEL",
    ),
    "call_for_topics": ([TECH, MKT], {}, None, None),
    "topic_receipt": ([MKT], {"topics": _TOPICS, "late": False}, None, None),
    "topic_question": ([TECH], {"topics": _TOPICS[1:]}, None, None),
    "topic_reminder": ([TECH], {}, None, None),
    "topic_late": (
        [HOST],
        {"topics": _TOPICS[:1], "submitter": MKT, "submitter_name": "王芳"},
        None,
        None,
    ),
    "topic_merged": (
        [TECH, MKT],
        {"kept": "客户投诉处理流程优化", "merged": ["投诉流程改进"], "submitters": [TECH, MKT]},
        None,
        None,
    ),
    "not_a_participant": (["someone@corp.example"], {}, None, None),
    "agenda": (
        [HOST],
        {"agenda": _AGENDA, "total_minutes": 110, "slot_minutes": 120, "overflow_minutes": 0},
        None,
        None,
    ),
    "materials_reminder": ([TECH], {"topics": ["功能开发排期"]}, None, None),
    "materials": (
        [HOST, TECH, MKT],
        {"materials": [{"filename": "风险分析报告.pdf", "size": 183500, "submitter": TECH}]},
        None,
        None,
    ),
    "attachment_refused": (
        [TECH],
        {"files": [{"filename": "盘点数据.pdf", "size": 31_457_280}], "limit": 20_000_000},
        None,
        None,
    ),
    "rsvp_nudge": ([RECORDER], {}, None, None),
    "rsvp_receipt": (
        [MKT],
        {"partstat": "DECLINED", "delegate": PROXY, "delegate_name": "周强"},
        None,
        None,
    ),
    "proxy_request": ([MKT], {"missing": ["delegate", "written_opinion"]}, None, None),
    "proxy_invite": ([PROXY], {"delegator": MKT, "delegator_name": "王芳"}, None, "REQUEST"),
    "counter_proposal": (
        [HOST],
        {
            "attendee": TECH,
            "attendee_name": "刘洋",
            "proposed_start": local(2026, 10, 10, 14),
            "proposed_end": local(2026, 10, 10, 16),
            "comment": "9日出差",
        },
        None,
        None,
    ),
    "attendance_report": (
        [HOST],
        {
            "coming": [TECH],
            "proxies": [{"from": MKT, "to": PROXY}],
            "declined": [MKT],  # has a proxy: must not be listed as not attending
            "tentative": [LEGAL],
            "silent": [RECORDER],
            "uncovered": [{"role": "recorder", "who": RECORDER}],
            "opinions": [{"from": MKT, "text": "建议推迟一周上线"}],
            "uninvited": [
                {
                    "address": "zhao.lei@partner.example",
                    "forwarded_by": TECH,
                    "partstat": "ACCEPTED",
                }
            ],
        },
        None,
        None,
    ),
    "minutes_request": (
        [RECORDER],
        {"topics": ["客户投诉处理流程优化", "功能开发排期"]},
        None,
        None,
    ),
    "minutes_reminder": ([RECORDER], {"topics": ["客户投诉处理流程优化"]}, None, None),
    "minutes": (
        [HOST, RECORDER, TECH, MKT, PROXY, LEGAL],
        {
            "decisions": ["市场部延迟活动启动3天。"],
            "actions": _ACTIONS,
            "risks": [
                {"risk": "文档延迟", "mitigation": "启动备用方案", "owner": "zhao.lei@corp.example"}
            ],
            "review_date": dt.date(2026, 10, 23),
        },
        None,
        None,
    ),
    "owner_question": (
        [RECORDER],
        {
            "unknown": [
                {
                    "what": "复核合同条款",
                    "owner_written": "老赵",
                    "candidates": ["zhao.lei@corp.example"],
                }
            ]
        },
        None,
        None,
    ),
    "action_assigned": ([TECH], {}, 1, None),
    "action_reminder": ([TECH], {"when": "before"}, 1, None),
    "action_overdue": ([TECH], {"notice": 2, "days_overdue": 4}, 1, None),
    "action_escalation": ([HOST], {"notices": 3}, 1, None),
    "action_update_receipt": (
        [MKT],
        {"status": "delayed", "new_due": dt.date(2026, 10, 24)},
        2,
        None,
    ),
    "action_delay_report": (
        [HOST],
        {
            "old_due": dt.date(2026, 10, 14),
            "new_due": dt.date(2026, 10, 24),
            "note": "第三方接口联调推迟",
        },
        2,
        None,
    ),
    "review_invite": (
        [HOST, TECH, MKT],
        {"agenda": [], "reason": None, "actions": [{**a, "status": "open"} for a in _ACTIONS]},
        None,
        "REQUEST",
    ),
    "not_understood": (
        [TECH],
        {
            "problems": ["没有找到议题格式（议题/背景/痛点/期望成果）"],
            "subject": "回复: [MTG-7] 议题征集",
        },
        None,
        None,
    ),
    "minutes_confirm": (
        [RECORDER],
        {
            "decisions": ["市场部延迟活动启动3天。"],
            "actions": [
                {**_ACTIONS[0], "doubts": []},
                {**_ACTIONS[1], "doubts": ["owner", "due"]},
            ],
            "risks": [{"risk": "文档延迟", "mitigation": "启动备用方案", "owner": None}],
            "review_date": None,
            "version": 2,
            "doubtful": 1,
        },
        None,
        None,
    ),
    "minutes_update": (
        [HOST, RECORDER, TECH, MKT],
        {
            "decisions": ["市场部延迟活动启动3天。"],
            "actions": _ACTIONS[:1],
            "risks": [],
            "review_date": dt.date(2026, 10, 23),
            "version": 3,
            "added": [],
            "changed": _ACTIONS[:1],
            "removed": _ACTIONS[1:],
            "decisions_changed": False,
        },
        None,
        None,
    ),
    "counter_decision": (
        [MKT],
        {"decision": "keep", "start": dt.datetime(2026, 10, 9, 6, 0, tzinfo=UTC)},
        None,
        None,
    ),
    "request_approved": ([MKT], {"invited": 6}, None, None),
    "materials_receipt": (
        [TECH],
        {"materials": ["风险分析报告.pdf"], "distributed": False},
        None,
        None,
    ),
    "empty_agenda": ([HOST], {}, None, None),
    "handover": ([LEGAL], {"what": "owner", "about": "A-2"}, None, None),
    "attendee_forwarded": (
        [HOST],
        {
            "attendee": "zhao.lei@partner.example",
            "attendee_name": "赵磊",
            "forwarded_by": TECH,
            "forwarded_by_name": "刘洋",
        },
        None,
        None,
    ),
    "change_refused": (
        [MKT],
        {
            "change": "cancel",
            "allowed": ["host"],
            "about": None,
            "subject": "回复: [MTG-7] 会议通知",
        },
        None,
        None,
    ),
}


def outgoing(kind: str, key: str = "") -> Outgoing:
    to, extra, k, cal = SAMPLES[kind]
    return Outgoing(
        kind=kind,
        to=list(to),
        key=key or f"{kind}:{to[0]}",
        action_k=k,
        calendar=cal,  # type: ignore[arg-type]
        calendar_attendees=[PROXY] if kind == "proxy_invite" else None,
        extra=dict(extra),
    )


class DictState:
    """The transport state of a calendar, in a dict (what ``TransportState`` keeps in SQL)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def put(self, key: str, value: Any) -> None:
        self.values[key] = value


def calendar_mail(
    kind: str, file: MeetingFile | None = None, calendar: Any = None, lang: str = "zh"
) -> EmailMessage:
    """The mail an iMIP calendar sends for the sample intent ``kind``: composed as the
    mailer does, the snapshot applied by ``calendar`` (a fresh iMIP one over a memory sink
    unless given), parsed back."""
    from daemon.outbound.compose import compose_rendered
    from daemon.outbound.snapshot import snapshot_of
    from daemon.transports.imip import ImipCalendar
    from daemon.transports.memory import MemoryTransport

    file = file or meeting_file()
    out = outgoing(kind)
    msg, rendered = compose_rendered(out, file, context(lang))
    calendar = calendar or ImipCalendar(MemoryTransport(), DictState())
    snapshot = snapshot_of(
        file,
        out,
        tz="Asia/Shanghai",
        organizer="meetings@corp.example",
        organizer_name="会议助手",
        description=rendered.text,
    )
    snapshot = dataclasses.replace(
        snapshot,
        mail=msg.as_bytes(policy=email.policy.SMTP),
        message_id=str(msg["Message-ID"]),
        recipients=tuple(out.to),
    )
    key = f"{kind}:{len(calendar.sink.sent)}"
    if snapshot.action == "cancel":
        calendar.cancel_meeting(snapshot.uid, key, snapshot)
    else:
        calendar.upsert_meeting(snapshot, key)
    sent = email.message_from_bytes(calendar.sink.sent[-1].raw, policy=email.policy.default)
    assert isinstance(sent, EmailMessage)
    return sent
