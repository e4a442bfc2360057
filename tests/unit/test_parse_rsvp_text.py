"""Plain-text RSVPs: zh simplified/traditional and en, negation, proxies and written opinions."""

from __future__ import annotations

import pytest

from daemon.inbound.parse.rsvp_text import parse_rsvp_text


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("准时参加", "ACCEPTED"),
        ("會準時出席", "ACCEPTED"),
        ("Yes, see you there", "ACCEPTED"),
        ("无法参加，抱歉", "DECLINED"),
        ("那天出差，去不了", "DECLINED"),
        ("本人不克出席", "DECLINED"),
        ("Sorry, I won't be able to attend.", "DECLINED"),
        ("Unfortunately I can't make it", "DECLINED"),
        ("待定，看当天安排", "TENTATIVE"),
        ("不确定能否参加", "TENTATIVE"),
        ("Maybe, depends on the release", "TENTATIVE"),
    ],
)
def test_answers(text, want):
    r = parse_rsvp_text(text, "me@example.org")
    assert r is not None and r.partstat == want and r.attendee == "me@example.org"


def test_no_answer_written():
    assert parse_rsvp_text("请问会议室在哪里？", None) is None
    assert parse_rsvp_text("", None) is None


@pytest.mark.parametrize(
    ("text", "name", "addr"),
    [
        ("不参加，由李雷代为参加。", "李雷", None),
        ("无法出席，委托韩梅梅 hmm@example.org 参会", "韩梅梅", "hmm@example.org"),
        ("不参加\n代理：王五（wangwu@example.org）", "王五", "wangwu@example.org"),
        (
            "Can't attend. Jane Roe <jane@example.org> will attend on my behalf.",
            "Jane Roe",
            "jane@example.org",
        ),
        ("Cannot attend, sending Max Mustermann instead", "Max Mustermann", None),
    ],
)
def test_proxy_phrasings(text, name, addr):
    r = parse_rsvp_text(text, None)
    assert r and r.partstat == "DECLINED"
    assert (r.delegate_name, r.delegate) == (name, addr)


def test_written_opinion_and_reason_words_do_not_fake_a_proxy():
    r = parse_rsvp_text("由于出差无法参加。\n书面意见：同意方案二", None)
    assert r and r.delegate_name is None and r.written_opinion == "同意方案二"
    r2 = parse_rsvp_text("Decline.\nWritten opinion: ship it", None)
    assert r2 and r2.written_opinion == "ship it"
