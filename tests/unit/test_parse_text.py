"""Quote, forward and signature stripping: the sender's answer is never read from them."""

from __future__ import annotations

from daemon.inbound.text import fresh_text


def test_outlook_english_header_block_without_separator():
    text = "Sounds good.\n\nFrom: Desk <d@example.org>\nSent: Monday\nTo: me\nSubject: x\n\nNo."
    assert fresh_text(text) == "Sounds good."


def test_chinese_header_block_and_separators():
    for sep in (
        "-----原始邮件-----",
        "------------------ 原始邮件 ------------------",
        "-----Original Message-----",
        "________________________________",
        "---------- Forwarded message ---------",
    ):
        assert fresh_text(f"好的\n{sep}\n发件人: x\n主题: y\n不参加") == "好的"
    assert fresh_text("收到\n寄件者: 甲\n主旨: 乙\n參加") == "收到"


def test_attribution_lines_and_bottom_posting():
    assert fresh_text("Yes\nOn Tue, 1 Dec 2026, Desk <d@x.org>\nwrote:\n> no") == "Yes"
    assert fresh_text("在 2026/12/1 10:00, 会议助手 写道:\n> 不参加\n\n参加") == "参加"
    assert fresh_text("2026年12月1日(火) 9:00 山田 <y@x.jp>:\n> 欠席\n出席します") == "出席します"


def test_only_quoted_text_gives_empty():
    assert fresh_text("> 参加\n> 不参加\n") == ""
    assert fresh_text("于 2026年12月1日 写道：\n> 请回复参加") == ""


def test_signatures_and_phone_footers():
    assert fresh_text("Accepted\n-- \nJohn\nNo thanks") == "Accepted"
    assert fresh_text("参加\n\n发自我的iPhone") == "参加"
    assert fresh_text("I'll attend.\n\nBest regards,\nJane Roe\nQA") == "I'll attend."
    assert fresh_text("Sent from my iPhone") == ""
