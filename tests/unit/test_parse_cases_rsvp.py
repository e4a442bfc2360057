"""Fault classes of plain-text attendance answers (issue 12), through the real inspect path.

Inputs written for the project: hedged answers, proxies written as prose (zh: 由…代为参会,
委托…出席 with full-width parentheses or a mailto link, 让…替我参加, …替我去, 代我参加 in an
Outlook decline comment; en: a name after a sentence end), written opinions over several
lines, and English input without a label.
"""

from __future__ import annotations

import base64

import pytest

from daemon.inbound.inspect import inspect_bytes
from tests.mails import INSPECT_NOW
from tests.unit.parse_cases import Case, check, inspect_case, params

HEDGED = [
    Case(
        "zh-cannot-confirm",
        "目前还不能确定能否参加，周三前回复您。",
        {"rsvp": {"partstat": "TENTATIVE"}},
    ),
    Case(
        "zh-not-sure-can-or-not",
        "还不确定能不能参加，看出差安排",
        {"rsvp": {"partstat": "TENTATIVE"}},
    ),
    Case(
        "zh-not-quite-sure", "王总，我这边不太确定能否出席。", {"rsvp": {"partstat": "TENTATIVE"}}
    ),
    Case(
        "en-not-sure",
        "Hi,\nNot sure yet whether I can attend, I'll confirm by Wednesday.",
        {"rsvp": {"partstat": "TENTATIVE"}},
    ),
    Case(
        "en-cannot-confirm",
        "I can't confirm yet if I will join.",
        {"rsvp": {"partstat": "TENTATIVE"}},
    ),
]

DECLINE_THEN_DOUBT = [
    Case(
        "zh-decline-then-doubt",
        "这次参加不了，不确定下次能不能来。",
        {"rsvp": {"partstat": "DECLINED"}},
    ),
    Case(
        "en-decline-then-doubt",
        "I cannot attend, not sure about the next one either.",
        {"rsvp": {"partstat": "DECLINED"}},
    ),
    Case("zh-tw-hedge", "目前還不確定能不能參加。", {"rsvp": {"partstat": "TENTATIVE"}}),
]

_DECL = {"partstat": "DECLINED"}
PROXIES = [
    Case(
        "zh-you-title-name-addr",
        "王总您好，我当天在外地出差，无法参加。\n由市场部经理李明(liming@example.org)代为参会。",
        {"rsvp": {**_DECL, "delegate_name": "李明", "delegate": "liming@example.org"}},
    ),
    Case(
        "zh-weituo-fullwidth",
        "抱歉，本周四要陪同客户，不能出席。委托采购部张丽（zhangli@example.org）出席。",
        {"rsvp": {**_DECL, "delegate_name": "张丽", "delegate": "zhangli@example.org"}},
    ),
    Case(
        "zh-weituo-mailto-html",
        "<div>各位好：</div><div>那天我参加不了，委托财务部"
        '<a href="mailto:wangqiang@example.org">王强</a>出席，谢谢。</div>',
        {"rsvp": {**_DECL, "delegate_name": "王强", "delegate": "wangqiang@example.org"}},
        html=True,
    ),
    Case(
        "zh-rang-ti-wo",
        "那天我在深圳，让小王替我参加吧。",
        {"rsvp": {**_DECL, "delegate_name": "小王"}},
    ),
    Case("zh-ti-wo-qu", "我去不了，张伟替我去。", {"rsvp": {**_DECL, "delegate_name": "张伟"}}),
    Case(
        "en-sentence-boundary",
        "Sorry, I can't make it: I'm in Singapore. Sara Ortiz will attend.",
        {"rsvp": {**_DECL, "delegate_name": "Sara Ortiz"}},
    ),
    Case(
        "en-on-my-behalf",
        "I will be on leave that day. Tom Lee (tom.lee@example.org) will attend on my behalf.",
        {"rsvp": {**_DECL, "delegate_name": "Tom Lee", "delegate": "tom.lee@example.org"}},
    ),
    Case(
        "en-sending-instead",
        "Unfortunately I cannot join in Berlin. Sending Anna Weber instead.",
        {"rsvp": {**_DECL, "delegate_name": "Anna Weber"}},
    ),
]

COMPANIONS = [
    Case(
        "en-and-sara-too",
        "I will attend, and Sara will join too.",
        {"rsvp": {"partstat": "ACCEPTED", "delegate_name": None}},
    ),
    Case(
        "en-yes-omar-as-well",
        "Yes. Omar will join as well.",
        {"rsvp": {"partstat": "ACCEPTED", "delegate_name": None}},
    ),
    Case(
        "zh-wang-wu-also",
        "我会参加，同时王五也会来。",
        {"rsvp": {"partstat": "ACCEPTED", "delegate_name": None}},
    ),
    Case(
        "en-only-the-proxy-accepts",
        "Hi Wei, unfortunately I'm traveling to Singapore that week. Sara Ortiz "
        "(sara@example.org) will attend.",
        {"rsvp": {**_DECL, "delegate_name": "Sara Ortiz", "delegate": "sara@example.org"}},
    ),
]

OPINIONS = [
    Case(
        "zh-numbered-lines",
        "不参加，书面意见：\n1. 同意方案A；\n2. 预算需财务复核。\n3. 上线时间不晚于1月。",
        {
            "rsvp": {
                **_DECL,
                "written_opinion": "1. 同意方案A；\n2. 预算需财务复核。\n3. 上线时间不晚于1月",
            }
        },
    ),
    Case(
        "zh-next-line",
        "因出差无法参加。书面意见如下：\n建议先试点一个部门，\n再全面推广。\n\n谢谢",
        {"rsvp": {**_DECL, "written_opinion": "建议先试点一个部门，\n再全面推广"}},
    ),
    Case(
        "zh-opinion-then-sign-off",
        "我不能参会。\n我的意见：同意延期，\n但要先通知客户。\n此致\n敬礼",
        {"rsvp": {**_DECL, "written_opinion": "同意延期，\n但要先通知客户"}},
    ),
    Case(
        "en-my-input-on",
        "Sorry, I can't attend.\nMy input on the vendor topic:\nWe should keep vendor B.\n"
        "The switching cost is too high.\n\nBest,\nDana",
        {
            "rsvp": {
                **_DECL,
                "written_opinion": "We should keep vendor B.\nThe switching cost is too high",
            }
        },
    ),
    Case(
        "en-my-thoughts-inline",
        "I won't be able to join. My thoughts on the budget: approve option 2.",
        {"rsvp": {**_DECL, "written_opinion": "approve option 2"}},
    ),
    Case(
        "en-numbered",
        "Regrets for Thursday.\nWritten opinion:\n1) Approve the pilot.\n2) Review in Q2.",
        {"rsvp": {**_DECL, "written_opinion": "1) Approve the pilot.\n2) Review in Q2"}},
    ),
]


@pytest.mark.parametrize("case", params(HEDGED))
def test_hedged_answer_is_tentative(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(DECLINE_THEN_DOUBT))
def test_a_doubt_only_covers_what_follows_it(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(PROXIES))
def test_proxy_written_as_prose(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(COMPANIONS))
def test_a_colleague_who_comes_too_is_not_a_proxy(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(OPINIONS))
def test_written_opinion_over_lines(case: Case) -> None:
    check(case)


def _outlook_decline(body: str, comment: str = "") -> bytes:
    """An Outlook-style decline: a text part and a METHOD:REPLY calendar part."""
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
        "UID:mtg-7@example.org\r\nDTSTAMP:20261207T010000Z\r\n"
        "ATTENDEE;PARTSTAT=DECLINED:mailto:lilei@example.org\r\n"
        + (f"COMMENT:{comment}\r\n" if comment else "")
        + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return (
        "From: Li Lei <lilei@example.org>\r\nTo: meetings@example.org\r\n"
        "Subject: =?utf-8?b?"
        + base64.b64encode("拒绝: [MTG-7] 部门沟通协调会".encode()).decode()
        + "?=\r\nDate: Mon, 07 Dec 2026 09:00:00 +0800\r\nMessage-ID: <d@example.org>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n'
        '--b\r\nContent-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(body.encode()).decode()
        + '\r\n--b\r\nContent-Type: text/calendar; method=REPLY; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(ics.encode()).decode()
        + "\r\n--b--\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("body", "comment", "name", "addr"),
    [
        pytest.param("那天在外地，已安排小李代我参加。", "", "小李", None, id="zh-body"),
        pytest.param("", "出差，由质量部刘洋代我参加", "刘洋", None, id="zh-comment"),
        pytest.param(
            "",
            "On leave. Anna Weber (anna@example.org) will attend in my place.",
            "Anna Weber",
            "anna@example.org",
            id="en-comment",
        ),
    ],
)
def test_proxy_in_an_outlook_decline_comment(
    body: str, comment: str, name: str, addr: str | None
) -> None:
    got = inspect_bytes(_outlook_decline(body, comment), "d.eml", now=INSPECT_NOW).to_json()
    assert got["kind"] == "rsvp" and got["rsvp"]["partstat"] == "DECLINED", got["rules"]
    assert (got["rsvp"]["delegate_name"], got["rsvp"]["delegate"]) == (name, addr)


@pytest.mark.parametrize(
    "footer", ["——来自企业微信", "来自飞书", "发自钉钉", "Sent with Lark", "发自我的iPhone"]
)
def test_chat_app_footers_end_the_sender_text(footer: str) -> None:
    body = f"不参加，委托周强出席。\n\n{footer}\n\n张三 | 销售部 | 电话：010-1234"
    got = inspect_case(Case("footer", body, {}))
    assert got["rsvp"]["delegate_name"] == "周强"
    assert footer not in got["rsvp"]["comment"] and "销售部" not in got["rsvp"]["comment"]
