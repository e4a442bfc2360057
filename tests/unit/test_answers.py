"""Replies read as the answer to the question our mail asked (daemon.inbound.answers), through
the real reader: each kind of question, zh and en, bare, with quoted history and a signature,
and answers that do not fit (which must read as nothing, never as a guess)."""

from __future__ import annotations

import datetime as dt

import pytest

from daemon.domain.model import Question
from daemon.domain.questions import Answer
from daemon.inbound.answers import read_answer
from daemon.inbound.inspect import inspect_bytes
from tests.mails import INSPECT_NOW, mail

QUOTE_ZH = """

------------------ 原始邮件 ------------------
发件人: "会议助手" <meetings@corp.example>
发送时间: 2026年9月14日(星期一) 上午9:00
主题: [MTG-4] 请告知代理人

您好，请告知代理人（姓名及邮箱）和书面意见。
"""
QUOTE_EN = """

On Mon, 14 Sep 2026 at 09:00, Meeting Assistant <meetings@corp.example> wrote:
> Please name your proxy (name and email) and send your written input.
"""
SIG_ZH = "\n\n此致\n敬礼\n周强\n技术部\n"
SIG_EN = "\n\n--\nZhao Lei\nPurchasing | Corp\n"


def read(kind: str, body: str, *, about: str = "", wanted: list[str] | None = None) -> Answer:
    """``body`` as a reply from zhao.lei, read as the answer to a question of ``kind``."""
    raw = mail("zhao.lei@corp.example", "回复: [MTG-4] 请回复", body)
    msg = inspect_bytes(raw, "answer.eml", now=INSPECT_NOW)
    q = Question(1, kind, "zhao.lei@corp.example", about=about, wanted=wanted or [])
    return read_answer(q, msg)


PROXY_WANTED = ["delegate", "written_opinion"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("李娜 li.na@corp.example", {"delegate": "li.na@corp.example", "delegate_name": "李娜"}),
        ("代理人：李娜（li.na@corp.example）", {"delegate": "li.na@corp.example"}),
        ("林雨" + SIG_ZH, {"delegate_name": "林雨"}),
        (
            "Sara Ortiz <sara.ortiz@corp.example>" + SIG_EN + QUOTE_EN,
            {"delegate_name": "Sara Ortiz"},
        ),
        ("<wei.dong@corp.example>" + QUOTE_ZH, {"delegate": "wei.dong@corp.example"}),
    ],
)
def test_a_bare_proxy_is_the_proxy(body: str, expected: dict[str, str]) -> None:
    values = read("proxy", body, about="zhao.lei@corp.example", wanted=PROXY_WANTED).values
    assert expected.items() <= values.items()
    assert "written_opinion" not in values  # a name alone is not written input


def test_the_proxy_and_unlabelled_input_below_it() -> None:
    body = "周强 zhou.qiang@corp.example\n建议先沿用现有供应商，\n审计结束后再切换。" + SIG_ZH
    values = read("proxy", body, about="zhao.lei@corp.example", wanted=PROXY_WANTED).values
    assert values["delegate"] == "zhou.qiang@corp.example"
    assert values["written_opinion"] == "建议先沿用现有供应商，\n审计结束后再切换。"


def test_labelled_written_input_over_several_lines_in_english() -> None:
    body = "Written input:\n1. Keep the supplier.\n2. Review in March." + SIG_EN + QUOTE_EN
    answer = read("proxy", body, about="zhao.lei@corp.example", wanted=["written_opinion"])
    assert answer.values == {"written_opinion": "1. Keep the supplier.\n2. Review in March."}


@pytest.mark.parametrize(
    "body",
    ["我再看看吧？" + QUOTE_ZH, "Not sure yet, will let you know." + SIG_EN, "不参加" + QUOTE_ZH],
)
def test_what_names_no_proxy_answers_nothing(body: str) -> None:
    answer = read("proxy", body, about="zhao.lei@corp.example", wanted=PROXY_WANTED)
    assert answer.empty()


def test_a_changed_mind_is_an_rsvp_not_a_proxy() -> None:
    answer = read("proxy", "我能参加了，不用代理人。", about="x", wanted=PROXY_WANTED)
    assert answer.empty()


@pytest.mark.parametrize(
    ("body", "about", "expected"),
    [
        ("周强" + SIG_ZH, "A-3", {"A-3": "周强"}),
        ("A-3：张三 zhang.san@corp.example", "A-3", {"A-3": "zhang.san@corp.example"}),
        ("A-3的负责人是马超" + QUOTE_ZH, "A-3", {"A-3": "马超"}),
        ("A2: Lin Yu\nA-3 由研发部负责", "A-2,A-3", {"A-2": "Lin Yu", "A-3": "研发部"}),
        ("Owner: Ma Chao" + SIG_EN + QUOTE_EN, "A-1", {"A-1": "Ma Chao"}),
        ("马超负责 A-1", "A-1", {"A-1": "马超"}),
    ],
)
def test_owner_answers(body: str, about: str, expected: dict[str, str]) -> None:
    assert read("owner", body, about=about, wanted=["owner"]).values == expected


@pytest.mark.parametrize("body", ["不清楚，问问主持人吧" + QUOTE_ZH, "No idea, sorry." + SIG_EN])
def test_an_owner_answer_that_names_nobody_answers_nothing(body: str) -> None:
    assert read("owner", body, about="A-3", wanted=["owner"]).values == {}


def test_a_bare_goal_is_the_expected_outcome() -> None:
    answer = read("goal", "确定新流程的责任人，12月20日前上线" + SIG_ZH + QUOTE_ZH)
    assert answer.values["expected_outcome"] == "确定新流程的责任人，12月20日前上线"
    assert (
        answer.form is not None
        and answer.form.expected_outcome == answer.values["expected_outcome"]
    )


def test_a_labelled_goal_in_english() -> None:
    answer = read("goal", "Expected outcome: agree the cut-over date and owners by 20 Dec" + SIG_EN)
    assert answer.values["expected_outcome"].startswith("agree the cut-over date")


def test_one_missing_request_field_answered_bare() -> None:
    answer = read("request_fields", "徐丽 xu.li@corp.example" + SIG_ZH, wanted=["recorder"])
    assert answer.values["recorder"] == "xu.li@corp.example"
    start = read("request_fields", "2026年10月9日 14:00-16:00", wanted=["start"])
    assert start.form is not None and start.form.start is not None
    assert start.form.start.astimezone(dt.UTC) == dt.datetime(2026, 10, 9, 6, tzinfo=dt.UTC)


def test_several_missing_fields_need_their_labels() -> None:
    bare = read("request_fields", "徐丽 xu.li@corp.example", wanted=["recorder", "start"])
    assert bare.empty()
    labelled = read(
        "request_fields",
        "记录人：徐丽 xu.li@corp.example\n时间：2026年10月9日 14:00-16:00",
        wanted=["recorder", "start"],
    )
    assert set(labelled.values) >= {"recorder", "start"}


def test_a_missing_topic_field_answered_bare() -> None:
    answer = read(
        "topic_fields", "退货审核要三个部门签字，平均5天" + SIG_ZH, about="2", wanted=["pain_point"]
    )
    assert answer.values == {"pain_point": "退货审核要三个部门签字，平均5天"}


@pytest.mark.parametrize(
    ("kind", "body", "decision"),
    [
        ("counter", "维持原时间" + QUOTE_ZH, "keep"),
        ("counter", "Keep the original time, thanks." + SIG_EN, "keep"),
        ("counter", "不同意调整。", "keep"),
        ("counter", "可以，就按他提议的时间。" + SIG_ZH, "accept"),
        ("counter", "OK, accept it." + QUOTE_EN, "accept"),
        ("counter", "我再想想？", None),
        ("late_topic", "同意" + QUOTE_ZH, "include"),
        ("late_topic", "不纳入，下次再说。", "exclude"),
        ("late_topic", "No, next time." + SIG_EN, "exclude"),
        ("empty_agenda", "照常召开" + SIG_ZH, "hold"),
        ("empty_agenda", "取消吧", "cancel"),
        ("empty_agenda", "Hold it as planned." + QUOTE_EN, "hold"),
        ("minutes_confirm", "确认，可以发送。" + SIG_ZH + QUOTE_ZH, "confirm"),
        ("minutes_confirm", "OK, send it." + SIG_EN, "confirm"),
        ("minutes_confirm", "第二项的负责人不对。", None),
        ("minutes_confirm", "确认，但第2项的时间要改", None),
    ],
)
def test_choices(kind: str, body: str, decision: str | None) -> None:
    assert read(kind, body).decision == decision


def test_a_new_time_moves() -> None:
    for kind in ("counter", "empty_agenda"):
        answer = read(kind, "改到2026年9月18日下午3点" + SIG_ZH)
        assert answer.decision == "move" and answer.start is not None
        assert answer.start.astimezone(dt.UTC) == dt.datetime(2026, 9, 18, 7, tzinfo=dt.UTC)


def test_corrected_minutes_are_a_correction() -> None:
    body = (
        "更正如下：\n一、决议\n1. 按新流程执行。\n二、行动项\n"
        "1. 行动内容：提交需求文档；负责人：林雨；完成时间：9月30日\n" + SIG_ZH
    )
    answer = read("minutes_confirm", body)
    assert answer.decision == "correct" and answer.minutes is not None
    assert [a.what for a in answer.minutes.action_items] == ["提交需求文档"]


def test_agenda_changes_are_one_set_and_an_unread_line_spoils_it() -> None:
    answer = read("agenda", "删除议题2\n议题1 改为30分钟\n增加议题：供应商评估（20分钟）" + SIG_ZH)
    assert [e.op for e in answer.edits] == ["drop", "time", "add"]
    spoiled = read("agenda", "删除议题2\n议题3放后面一点吧，时间分钟数你定")
    assert not spoiled.edits and spoiled.problems
    assert read("agenda", "Thanks, looks fine." + QUOTE_EN).empty()
