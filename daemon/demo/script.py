"""The demo's company, its people and the script of mails they send (data for
:mod:`daemon.demo.run`).

Every mail is one of the demo's own files in ``daemon/demo/mails/`` (see the README there),
written for a meeting on :data:`SCRIPT_DAY`. Each :class:`Step` says when it arrives, in
working days from the demo's meeting day M, and how :mod:`daemon.demo.readdress` points it
at the demo meeting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SCRIPT_DAY = dt.date(2027, 3, 9)  # the meeting day the demo mails were written for
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
    """One scripted mail: its file in ``daemon/demo/mails/``, when it arrives (working days
    from M, local time), the demo meeting it belongs to, and how to address it.

    ``reply_to`` is the kind of the daemon's mail it answers (the last one of that kind sent
    to the mail's sender; its Message-ID becomes In-Reply-To); ``with_uid`` puts the
    meeting's iCalendar UID into its calendar part; ``action`` tags it ``[MTG-n/A-k]``.
    """

    mail: str
    day: int
    time: dt.time
    reply_to: str | None = None
    action: int | None = None
    with_uid: bool = False
    meeting: int = 1


_H = dt.time

SCRIPT = [
    # MTG-1 is requested; MTG-2's goal is vague: rejected, resubmitted by reply, approved.
    Step("01-request-foxmail-zh", -10, _H(9, 0)),
    Step("02-request-vague-outlook-zh", -10, _H(9, 15), meeting=2),
    Step("03-host-approves-qqmail-zh", -10, _H(10, 30), reply_to="approval_request"),
    Step("04-request-revised-outlook-zh", -10, _H(11, 0), reply_to="goal_rejected", meeting=2),
    Step("05-host-approves-iphone-zh", -10, _H(11, 30), reply_to="approval_request", meeting=2),
    # Topics and calendar answers come in; the host moves MTG-2.
    Step("06-topic-exmail-zh", -9, _H(10, 0), reply_to="call_for_topics"),
    Step("09-outlook-accept-zh", -9, _H(11, 0), with_uid=True),
    Step("07-apple-calendar-accept", -9, _H(11, 15), with_uid=True),
    Step("08-google-calendar-tentative-en", -9, _H(11, 30), with_uid=True),
    Step("11-host-moves-mtg2-zh", -9, _H(15, 0), reply_to="invite", meeting=2),
    Step("12-plain-accept-outlook-zh", -9, _H(15, 30), reply_to="invite_update", meeting=2),
    Step("13-two-topics-coremail-zh", -8, _H(10, 0), reply_to="call_for_topics"),
    Step("14-topic-html-table-outlook-zh", -8, _H(10, 30), reply_to="call_for_topics"),
    Step("15-topic-attachment-rfc2231-zh", -8, _H(11, 0)),
    Step("16-topic-en-outsider", -8, _H(11, 30)),
    Step("17-topic-freeform-incomplete-zh", -8, _H(14, 0), reply_to="call_for_topics"),
    # Declines (one without a proxy), a delegation, automatic mail and a stray mail.
    Step("18-outlook-decline-en", -7, _H(9, 15), with_uid=True),
    # He answers the proxy question with nothing but the proxy and his view.
    Step("33-proxy-bare-reply-en", -7, _H(14, 0), reply_to="proxy_request"),
    Step("19-thunderbird-delegated", -7, _H(10, 0), with_uid=True),
    Step("20-out-of-office-exchange-zh", -7, _H(10, 5)),
    Step("21-bounce-dsn", -7, _H(10, 10)),
    Step("22-unrelated-zh", -7, _H(15, 0)),
    # Purchasing raises Customer Service's problem too: merged, both told.
    Step("23-topic-near-duplicate-zh", -7, _H(16, 0), reply_to="call_for_topics"),
    Step("24-outlook-counter-zh", -6, _H(9, 40), with_uid=True),
    Step("10-plain-accept-gmail-en", -6, _H(10, 30), reply_to="invite"),
    Step("25-host-cancels-mtg2-zh", -6, _H(11, 0), reply_to="invite_update", meeting=2),
    Step("26-plain-decline-proxy-zh", -6, _H(16, 0), reply_to="invite"),
    # The silent department sends its topic after the deadline; the host takes it.
    Step("27-late-topic-en-gmail", -3, _H(19, 0), reply_to="topic_reminder"),
    Step("28-host-takes-late-topic-zh", -3, _H(20, 0), reply_to="topic_late"),
    # The host retimes and reorders the agenda by reply: one invite update for both.
    Step("38-host-agenda-change-zh", -2, _H(9, 0), reply_to="agenda"),
    # Minutes with one owner nobody can identify ("小张"): the recorder confirms first.
    Step("29-minutes-zh", 1, _H(11, 0), reply_to="minutes_request"),
    # The recorder corrects them once, confirms, then names the owner by a bare reply.
    Step("34-minutes-correction-zh", 1, _H(14, 0), reply_to="minutes_confirm"),
    Step("35-minutes-confirm-zh", 1, _H(15, 0), reply_to="minutes_confirm"),
    Step("36-owner-bare-reply-zh", 1, _H(16, 0), reply_to="owner_question"),
    Step("30-action-in-progress-zh", 2, _H(10, 0), action=1),
    Step("31-action-delay-zh", 4, _H(10, 0), action=1),
    Step("32-action-done-zh", 7, _H(10, 0), action=1),
    # A reply to the review meeting's invite stays on the review meeting (MTG-3).
    Step("37-review-decline-proxy-zh", 9, _H(10, 0), reply_to="review_invite", meeting=3),
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
