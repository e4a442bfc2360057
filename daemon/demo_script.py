"""The demo's company, people and script of replies (data for ``daemon.demo``).

Each :class:`Step` names a labelled case from ``shared/corpus/cases`` and when it arrives,
in working days from the meeting day M; ``daemon.demo`` readdresses it and feeds it in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CORPUS_DATE = dt.date(2026, 12, 8)  # the meeting day the labelled cases were written for

DEMO_TOML = """\
# Written by `meetingd demo`. Every other key keeps its default (see config.example.toml).
[daemon]
var_dir = "."
lang = "{lang}"
tick_seconds = 60

[mailbox]
address = "meetings@corp.example"
name = "会议助手 Meeting Assistant"

{departments}{people}"""

# Department (zh), its English name and its head; members come from PEOPLE.
DEPARTMENTS = [
    ("总经办", "General Office", "sun.li"),
    ("技术部", "Technology", "liu.yang"),
    ("客户服务部", "Customer Service", "wang.fang"),
    ("采购部", "Purchasing", "zhao.lei"),
    ("市场部", "Marketing", "li.na"),
    ("法务部", "Legal", "huang.min"),
]

PEOPLE = [
    ("sun.li", "孙丽", "Sun Li", "总经办"),
    ("chen.jing", "陈静", "Chen Jing", "总经办"),
    ("liu.yang", "刘洋", "Liu Yang", "技术部"),
    ("zhou.qiang", "周强", "Zhou Qiang", "技术部"),
    ("yang.fan", "杨帆", "Yang Fan", "技术部"),
    ("wang.fang", "王芳", "Wang Fang", "客户服务部"),
    ("zhao.lei", "赵磊", "Zhao Lei", "采购部"),
    ("li.na", "李娜", "Li Na", "市场部"),
    ("huang.min", "黄敏", "Huang Min", "法务部"),
]


@dataclass(frozen=True)
class Step:
    """One scripted reply: the corpus case, when (working days from M, local time), the
    demo meeting it belongs to, and how to address it.

    ``reply_to`` is the kind of the daemon's mail it answers (its Message-ID becomes
    In-Reply-To); ``replace`` are text edits made before the dates are shifted, where
    ``{next_day}`` stands for the working day after the meeting (ISO date).
    """

    case: str
    day: int
    time: dt.time
    reply_to: str | None = None
    sender: str | None = None
    action: int | None = None
    with_uid: bool = False
    meeting: int = 1
    replace: tuple[tuple[str, str], ...] = ()


_ZHAO = "赵磊 zhao.lei@corp.example"
_H = dt.time

SCRIPT = [
    # MTG-1: the main meeting, from request to review.
    Step(
        "p21-meeting-request-zh",
        -10,
        _H(9, 0),
        replace=((_ZHAO, f"{_ZHAO}；李娜 li.na@corp.example"),),
    ),
    # MTG-2: a vague request, rejected; resubmitted; approved; moved; cancelled.
    Step("p22-meeting-request-vague-goal", -10, _H(9, 15), meeting=2),
    Step("p09-gb2312-accept", -10, _H(10, 30), reply_to="approval_request"),
    Step(
        "p21-meeting-request-zh",
        -10,
        _H(11, 0),
        reply_to="goal_rejected",
        meeting=2,
        replace=(("新产品上市跨部门协调会", "季度协作复盘会"), ("14:00-16:00", "09:30-10:30")),
    ),
    Step("p09-gb2312-accept", -10, _H(11, 30), reply_to="approval_request", meeting=2),
    Step("p10-topic-structured-zh", -9, _H(10, 0), reply_to="call_for_topics"),
    Step("p01-outlook-accept-zh", -9, _H(11, 0), with_uid=True),
    Step("p05-plain-accept-quoted-template-zh", -9, _H(11, 30), reply_to="invite"),
    Step(
        "p09-gb2312-accept",
        -9,
        _H(15, 0),
        reply_to="invite",
        meeting=2,
        replace=(("我参加。", "会议改到{next_day}上午10点到11点。"),),
    ),
    Step("p12-two-topics-zh", -8, _H(10, 0), reply_to="call_for_topics"),
    Step(
        "p13-topic-html-table-zh",
        -8,
        _H(10, 30),
        reply_to="call_for_topics",
        replace=(("时限。</td>", "时限（议题较复杂，材料稍后补充）。</td>"),),
    ),
    Step("p15-topic-with-attachment-rfc2231", -8, _H(11, 0)),
    Step("p11-topic-structured-en", -8, _H(11, 30)),
    Step("p14-topic-freeform-incomplete", -8, _H(14, 0), reply_to="call_for_topics"),
    Step("p02-outlook-decline-comment-en", -7, _H(9, 15), with_uid=True),
    Step("p04-thunderbird-delegated", -7, _H(10, 0), with_uid=True),
    Step("p07-out-of-office-zh", -7, _H(10, 5)),
    Step("p08-bounce-dsn", -7, _H(10, 10)),
    Step("p24-unrelated", -7, _H(15, 0)),
    # Purchasing raises Customer Service's problem too: merged, both told.
    Step("p10-topic-structured-zh", -7, _H(16, 0), reply_to="call_for_topics", sender="zhao.lei"),
    Step("p23-outlook-counter-proposal", -6, _H(9, 40), with_uid=True),
    Step(
        "p09-gb2312-accept",
        -6,
        _H(11, 0),
        reply_to="invite_update",
        meeting=2,
        replace=(("我参加。", "项目调整，取消会议。"),),
    ),
    Step("p06-plain-decline-proxy-opinion-zh", -6, _H(16, 0), reply_to="invite"),
    # The silent department sends its topic after the deadline; the host takes it.
    Step("p11-topic-structured-en", -3, _H(19, 0), reply_to="topic_reminder", sender="li.na"),
    Step(
        "p09-gb2312-accept",
        -3,
        _H(20, 0),
        reply_to="topic_late",
        replace=(("我参加。", "同意纳入。"),),
    ),
    # Minutes with one owner nobody can identify ("小张"): the recorder is asked.
    Step(
        "p16-minutes-zh",
        1,
        _H(11, 0),
        reply_to="minutes_request",
        replace=(
            (
                "三、风险提示",
                "3. 行动内容：整理客户反馈；负责人：小张；完成时间：12月16日；"
                "支持需求：无\n三、风险提示",
            ),
        ),
    ),
    Step("p20-action-in-progress-zh", 2, _H(10, 0), action=1),
    Step("p19-action-delay-zh", 4, _H(10, 0), sender="liu.yang", action=1),
    Step("p18-action-done-zh", 7, _H(10, 0), action=1),
]


def departments_toml() -> str:
    """The ``[[departments]]`` tables of the demo company."""
    out = []
    for name, name_en, head in DEPARTMENTS:
        members = ", ".join(f'"{a}@corp.example"' for a, _zh, _en, d in PEOPLE if d == name)
        out.append(
            f'\n[[departments]]\nname = "{name}"\nname_en = "{name_en}"\n'
            f'head = "{head}@corp.example"\nmembers = [{members}]\n'
        )
    return "".join(out)
