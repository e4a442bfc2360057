"""Classification rules: auto-replies, bounces, ordering, and quoted text never answering."""

from __future__ import annotations

import pytest

from daemon.inbound.inspect import inspect_bytes
from tests.mails import INSPECT_NOW
from tests.unit.inbound_helpers import make_mail


@pytest.mark.parametrize(
    ("headers", "subject", "rule"),
    [
        ("Auto-Submitted: auto-generated\n", "Re: [MTG-7] x", "auto_reply.auto_submitted"),
        ("X-Autoreply: yes\n", "Re: [MTG-7] x", "auto_reply.x_autoreply"),
        ("X-Autorespond: yes\n", "Re: [MTG-7] x", "auto_reply.x_autoreply"),
        ("Precedence: auto_reply\n", "Re: [MTG-7] x", "auto_reply.precedence"),
        ("", "Automatic reply: [MTG-7] x", "auto_reply.subject"),
        ("", "自動回覆：[MTG-7] x", "auto_reply.subject"),
        ("", "Out of Office: [MTG-7] x", "auto_reply.subject"),
        ("", "Abwesenheitsnotiz: [MTG-7] x", "auto_reply.subject"),
    ],
)
def test_auto_replies(headers, subject, rule):
    insp = inspect_bytes(
        make_mail("我参加", subject=subject, extra_headers=headers), now=INSPECT_NOW
    )
    assert insp.kind == "auto_reply" and insp.rule_hits == [rule]
    assert insp.meeting_ref == "MTG-7"


def test_auto_submitted_no_is_a_person():
    raw = make_mail("我参加", extra_headers="Auto-Submitted: no\n")
    assert inspect_bytes(raw, now=INSPECT_NOW).kind == "rsvp"


def test_list_post_with_bulk_precedence_is_never_answered():
    # RFC 3834 §2: Precedence bulk/list/junk is never answered, even a post a person wrote
    raw = make_mail("hello", extra_headers="Precedence: bulk\nList-Id: <l.example.org>\n")
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert insp.kind == "auto_reply" and insp.rule_hits == ["no_answer.precedence"]
    assert insp.auto_submitted


@pytest.mark.parametrize(
    ("sender", "subject"),
    [
        ("postmaster@example.org", "Delivery failed"),
        ("Mail Delivery System <noreply@example.org>", "x"),
        ("System Administrator <admin@example.org>", "Undeliverable: [MTG-7] x"),
        ("a@example.org", "系统退信：[MTG-7] 请确认"),
    ],
)
def test_bounces(sender, subject):
    assert (
        inspect_bytes(make_mail("x", sender=sender, subject=subject), now=INSPECT_NOW).kind
        == "bounce"
    )


def test_answer_only_in_quoted_original_is_not_an_rsvp():
    body = "\n发件人: 会议助手\n发送时间: 2026年12月1日\n主题: [MTG-7]\n\n请回复参加或不参加"
    insp = inspect_bytes(make_mail(body), now=INSPECT_NOW)
    assert insp.kind == "unknown" and insp.rsvp is None and insp.problems


def test_decline_above_quote_with_accept_inside():
    body = "无法参加。\n\nOn Mon, Dec 7, 2026 Desk <d@example.org> wrote:\n> 参加\n"
    insp = inspect_bytes(make_mail(body), now=INSPECT_NOW)
    assert insp.rsvp and insp.rsvp.partstat == "DECLINED"


def test_rsvp_outside_meeting_thread_is_not_guessed():
    insp = inspect_bytes(make_mail("我参加", subject="周末羽毛球"), now=INSPECT_NOW)
    assert insp.kind == "unknown"


def test_action_tag_without_status_is_a_problem():
    insp = inspect_bytes(make_mail("收到", subject="Re: [MTG-7/A-2] 提醒"), now=INSPECT_NOW)
    assert insp.kind == "unknown" and insp.action_ref == "A-2" and insp.problems


def test_html_only_gbk_topic_in_foxmail_divs():
    html = (
        "<div>议题：报销流程</div><div>痛点：审批慢</div>"
        "<div>----- 原始邮件 -----</div><div>议题：</div>"
    )
    raw = make_mail(html, subject="回复：[MTG-7] 议题征集", charset="gbk", ctype="text/html")
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert insp.kind == "topic_submission" and len(insp.topics) == 1
    assert insp.topics[0].title == "报销流程"


def test_never_raises_on_internal_error(monkeypatch):
    import daemon.inbound.inspect as mod

    monkeypatch.setattr(mod, "parse_mail", lambda raw: 1 / 0)
    insp = mod.inspect_bytes(b"x", now=INSPECT_NOW)
    assert insp.kind == "unknown" and "ZeroDivisionError" in insp.problems[0]
