"""The phrase tables (daemon/inbound/phrases), one table-driven test per table and language.

Every table of every concept module is listed in :data:`EXAMPLES` with, for each of its
languages, texts a person writes that must match; the test fails when a table gains a
language without examples. Each example also proves the derived pre-check keywords sound
(a text that matches passes the pre-check).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from daemon.inbound.parse.labels import LabelSet
from daemon.inbound.parse.rsvp_text import read_proxy
from daemon.inbound.phrases import (
    Phrases,
    agenda,
    answers,
    fields,
    headings,
    keep_or_move,
    letter,
    minutes,
    phrases,
    required_literals,
    rsvp,
    status,
    subjects,
    topics,
)

# (module, table name) → {language: examples that must match}
EXAMPLES: dict[tuple[Any, str], dict[str, list[str]]] = {
    (answers, "KEEP_TIME"): {
        "zh": ["维持原时间", "按原定时间"],
        "en": ["keep the time", "as planned"],
    },
    (answers, "AGREE"): {"zh": ["可以", "接受"], "en": ["OK", "I agree"]},
    (answers, "REFUSE"): {"zh": ["不同意调整", "拒绝"], "en": ["don't change it", "no"]},
    (answers, "UNDECIDED"): {"zh": ["再想想", "要不再商量？"], "en": ["not sure", "later"]},
    (answers, "CANCEL_MEETING"): {"zh": ["取消吧"], "en": ["cancel it", "call it off"]},
    (answers, "HOLD"): {"zh": ["照常召开", "如期"], "en": ["hold it", "as planned"]},
    (answers, "TAKE_TOPIC"): {"zh": ["纳入", "同意"], "en": ["include it", "yes"]},
    (answers, "LEAVE_TOPIC"): {"zh": ["不纳入", "下次再说"], "en": ["exclude", "next time"]},
    (answers, "CONFIRM_WORDS"): {"zh": ["确认", "可以发送"], "en": ["confirm", "looks good"]},
    (answers, "THANKS"): {"zh": ["谢谢", "辛苦了"], "en": ["Thanks", "kind regards"]},
    (topics, "COMPLEX"): {"zh": ["比较复杂", "涉及多个部门"], "en": ["it is complex"]},
    (topics, "INLINE_TOPIC"): {"zh": ["议题：", "议题是："], "en": ["Topic:", "topic is:"]},
    (topics, "NO_TOPIC"): {"zh": ["本次没有议题", "暂无议题", "无需申报议题"], "en": ["no topics"]},
    (topics, "TITLE_TAILS"): {"zh": ["在下次会上讨论", "会上"], "en": ["at the next meeting"]},
    (topics, "TITLE_FILLERS"): {"zh": ["关于", "一下"], "en": ["about", "the topic of"]},
    (rsvp, "TENTATIVE"): {
        "zh": ["待定", "可能会参加", "尽量参加"],
        "en": ["Maybe", "tentatively yes"],
    },
    (rsvp, "HEDGE"): {
        "zh": ["不能确定能否参加", "还不太确定", "说不准"],
        "en": ["not sure yet", "I can't confirm"],
    },
    (rsvp, "DECLINE"): {"zh": ["无法参加", "请假", "去不了"], "en": ["can't make it", "regrets"]},
    (rsvp, "ACCEPT"): {"zh": ["准时参加", "会到"], "en": ["I'll be there", "count me in"]},
    (rsvp, "ANSWER_LABELS"): {"zh": ["代理人：王五", "书面意见：同意"], "en": ["Proxy: Jane"]},
    (rsvp, "OPINION_INTROS"): {
        "zh": ["书面意见如下：", "我的意见：", "我们的几点意见："],
        "en": ["My input on the budget:", "Written opinion:"],
    },
    (rsvp, "PROXY_LABELS"): {"zh": ["代理人", "代参会人"], "en": ["Proxy", "stand-in"]},
    (status, "BLOCKED"): {"zh": ["卡在审批", "暂停了"], "en": ["blocked by legal", "on hold"]},
    (status, "DELAYED"): {
        "zh": ["延期到12月20日", "要推到下周", "要晚两天"],
        "en": ["push this to Jan 8", "move the deadline to Dec 18", "postponed"],
    },
    (status, "PROGRESS"): {
        "zh": ["进度大概60%", "完成约七成", "正在做"],
        "en": ["60% done", "in progress", "halfway there"],
    },
    (status, "DONE"): {
        "zh": ["已经下发", "这项可以关掉", "已完成", "搞定"],
        "en": ["done", "sent out", "can be closed", "taken care of"],
    },
    (agenda, "CANCEL"): {"zh": ["取消本次会议", "会议取消"], "en": ["cancel the meeting"]},
    (agenda, "NEGATION"): {"zh": ["不要", "无需"], "en": ["don't", "no need"]},
    (agenda, "RESCHEDULE"): {"zh": ["改到周三", "推迟到"], "en": ["reschedule", "move it to"]},
    (agenda, "EXCLUDE"): {"zh": ["不纳入"], "en": ["do not include", "exclude"]},
    (agenda, "INCLUDE"): {"zh": ["纳入", "列入议程"], "en": ["include it", "add it to the agenda"]},
    (agenda, "AGENDA_DROP"): {"zh": ["删除", "去掉"], "en": ["drop", "remove"]},
    (agenda, "AGENDA_DROPPED"): {"zh": ["删除"], "en": ["dropped"]},
    (agenda, "AGENDA_TIME"): {"zh": ["改为", "缩短到"], "en": ["to"]},
    (agenda, "AGENDA_MOVE_TO"): {"zh": ["移到", "提前到"], "en": ["to", "before"]},
    (agenda, "AGENDA_FIRST"): {"zh": ["放第一", "最先"], "en": ["first"]},
    (agenda, "AGENDA_ORDER"): {"zh": ["顺序"], "en": ["new order"]},
    (agenda, "AGENDA_ADD"): {"zh": ["增加", "新增"], "en": ["add a topic"]},
    (agenda, "AGENDA_EDIT_LOOKS"): {"zh": ["删掉", "挪到", "20分钟"], "en": ["move", "30 min"]},
    (agenda, "KEEP"): {
        "zh": ["保留在本次", "这次讨论", "保留"],
        "en": ["keep it", "this meeting"],
    },
    (agenda, "MOVE"): {"zh": ["挪到下次", "下次再讨论", "顺延"], "en": ["next meeting", "defer"]},
    (letter, "GREETING"): {
        "zh": ["王总好，", "各位领导：", "张经理您好，", "尊敬的李总："],
        "en": ["Hi Dana,", "Dear all,", "Good morning team,"],
    },
    (letter, "SIGN_OFF"): {"zh": ["此致", "谢谢！", "顺颂商祺"], "en": ["Best regards,", "Thanks"]},
    (letter, "SENT_FROM"): {
        "zh": ["发自我的iPhone", "——来自企业微信", "来自飞书", "发自QQ邮箱"],
        "en": ["Sent from my iPhone", "Get Outlook for iOS", "Sent with Lark"],
        "de": ["Von meinem iPhone gesendet"],
    },
    (letter, "SIGNATURE_LINE"): {
        "zh": ["电话：010-88886666", "北京某某科技有限公司"],
        "en": ["Mobile: +86 138", "www.example.org", "Acme Ltd."],
    },
    (letter, "TOPIC_LEAD_IN"): {
        "zh": ["我们这边主要想提一下", "希望在会上讨论", "有个议题想提一下"],
        "en": ["I'd like to raise", "We would like to discuss", "we want to propose"],
    },
    (letter, "INTRO"): {"zh": ["会议情况汇总如下："], "en": ["Here are the notes:"]},
    (minutes, "DECIDED"): {"zh": ["会议决定", "一致同意"], "en": ["we agreed", "decided"]},
    (minutes, "ASSIGNED"): {"zh": ["张伟负责", "李娜牵头"], "en": ["Dana will", "Omar to update"]},
    (minutes, "ASSIGNED_ONLY"): {"zh": ["张伟负责", "由李娜牵头"]},
    (minutes, "DUE_AT"): {"zh": ["于12月20日", "在周五"], "en": ["by Friday", "no later than May"]},
    (minutes, "SUPPORT_VERBS"): {
        "zh": ["需采购部", "需要IT"],
        "en": ["needs legal", "requires IT"],
    },
    (minutes, "DUE_MARKS"): {
        "zh": ["12月20日前", "月底之前"],
        "en": ["by Dec 20", "before Friday"],
    },
    (minutes, "SUPPORT_MARKS"): {
        "zh": ["需采购部支持", "需要IT部协助", "请财务部配合"],
        "en": ["needs IT", "with help from legal"],
    },
    (minutes, "CONDITION"): {"zh": ["如遇延期", "若失败", "一旦超支"], "en": ["if it slips"]},
    (minutes, "RISK_WORDS"): {"zh": ["风险在于", "存在隐患"], "en": ["the risk is", "one concern"]},
    (minutes, "REVIEW"): {"zh": ["两周后复盘", "下次会议"], "en": ["next review", "follow-up"]},
    (subjects, "MINUTES_SUBJECT"): {"zh": ["会议纪要", "會議記錄"], "en": ["Minutes", "MoM 12/7"]},
    (subjects, "REQUEST_SUBJECT"): {"zh": ["会议需求申请"], "en": ["Request for a meeting"]},
    (subjects, "TOPIC_SUBJECT"): {"zh": ["议题征集", "提案"], "en": ["Call for topics"]},
    (subjects, "TOPIC_WORDS"): {"zh": ["想提一个", "建议讨论"], "en": ["I propose", "a topic"]},
    (subjects, "MEETING_THREAD"): {"zh": ["会议邀请", "出席"], "en": ["Invitation", "RSVP"]},
}
for _section, _words in {
    "decisions": {"zh": ["决议", "会议结论", "决定事项"], "en": ["Decisions", "Conclusions"]},
    "actions": {"zh": ["行动项", "待办事项", "任务分工"], "en": ["Action items", "To-dos"]},
    "risks": {"zh": ["风险提示", "风险"], "en": ["Risks", "Risk register"]},
    "followup": {"zh": ["后续安排", "下一步"], "en": ["Next steps", "Follow-up"]},
}.items():
    EXAMPLES[(headings, f"SECTION_HEADINGS.{_section}")] = _words
EXAMPLES[(headings, "INLINE_HEADINGS.decisions")] = {
    "zh": ["会议决定", "一致同意"],
    "en": ["Decided", "Agreed"],
}
EXAMPLES[(headings, "INLINE_HEADINGS.risks")] = {"zh": ["主要风险"], "en": ["Risk"]}

LABEL_EXAMPLES: dict[str, dict[str, dict[str, list[str]]]] = {
    "TOPIC_FIELDS": {
        "title": {"zh": ["主题", "议题名称", "标题"], "en": ["Topic", "Subject"]},
        "background": {
            "zh": ["现状", "背景说明", "目前情况"],
            "en": ["Background", "Current state"],
        },
        "pain_point": {"zh": ["痛点", "问题描述", "困难"], "en": ["Pain point", "Challenges"]},
        "expected_outcome": {
            "zh": ["期望成果", "诉求"],
            "en": ["Expected outcome", "Decision needed"],
        },
    },
    "ACTION_FIELDS": {
        "what": {"zh": ["行动内容", "任务"], "en": ["Action", "Task"]},
        "owner": {"zh": ["负责人", "责任人"], "en": ["Owner", "Assignee"]},
        "due": {"zh": ["完成时间", "截止日期"], "en": ["Due", "Deadline"]},
        "support": {"zh": ["支持需求", "需要协助"], "en": ["Support needed", "Dependencies"]},
    },
    "RISK_FIELDS": {
        "risk": {"zh": ["风险", "风险描述"], "en": ["Risk"]},
        "mitigation": {"zh": ["应对措施", "预案"], "en": ["Mitigation", "Fallback"]},
        "owner": {"zh": ["负责人"], "en": ["Owner"]},
    },
}


def _table(module: Any, name: str) -> dict[str, tuple[str, ...]]:
    head, _, sub = name.partition(".")
    table = getattr(module, head)
    return table[sub] if sub else table


def _cases() -> list[Any]:
    out = []
    for (module, name), by_lang in EXAMPLES.items():
        table = _table(module, name)
        for lang in table:
            out.append(pytest.param(module, name, lang, by_lang.get(lang), id=f"{name}-{lang}"))
    return out


@pytest.mark.parametrize(("module", "name", "lang", "examples"), _cases())
def test_each_table_matches_its_examples_per_language(module, name, lang, examples) -> None:  # type: ignore[no-untyped-def]
    assert examples, f"{module.__name__}.{name} has language {lang!r} without examples"
    matcher = phrases(name, {lang: _table(module, name)[lang]})
    for text in examples:
        assert matcher.pattern.search(text), (name, lang, text)
        assert matcher.present(text), f"pre-check keys {matcher.keys} miss {text!r}"


def test_every_concept_table_has_examples() -> None:
    listed = {(m.__name__, n.partition(".")[0]) for m, n in EXAMPLES}
    for module in (rsvp, status, agenda, answers, letter, minutes, headings, subjects, topics):
        for attr, value in vars(module).items():
            is_table = isinstance(value, dict) and all(
                isinstance(v, tuple | dict) for v in value.values()
            )
            if attr.isupper() and is_table and attr != "NAME_PREFIXES":
                if attr in ("NOT_NAMES", "NOT_OWNERS", "PROXY_FORMS", "PROXY_FORMS_IN_DECLINE"):
                    continue  # word lists, or read through read_proxy (tested below)
                assert (module.__name__, attr) in listed, f"{module.__name__}.{attr}"


@pytest.mark.parametrize(
    ("table", "field", "lang"),
    [
        pytest.param(t, f, lang, id=f"{t}-{f}-{lang}")
        for t, by_field in LABEL_EXAMPLES.items()
        for f, by_lang in by_field.items()
        for lang in by_lang
    ],
)
def test_field_labels_per_language(table: str, field: str, lang: str) -> None:
    labels = LabelSet(getattr(fields, table))
    for label in LABEL_EXAMPLES[table][field][lang]:
        hit = labels.match(f"1. {label}：value")
        assert hit is not None and hit.field == field, (table, label)
        assert labels.field_of(f"**{label}**") == field  # as a table header cell


@pytest.mark.parametrize(
    ("text", "name", "addr"),
    [
        ("由市场部经理李明(liming@example.org)代为参会", "李明", "liming@example.org"),
        ("委托采购部张丽（zhangli@example.org）出席", "张丽", "zhangli@example.org"),
        ("让小王替我参加", "小王", None),
        ("张伟替我去", "张伟", None),
        ("Tom Lee will attend on my behalf", "Tom Lee", None),
        ("sending Anna Weber instead", "Anna Weber", None),
    ],
)
def test_proxy_forms(text: str, name: str, addr: str | None) -> None:
    assert read_proxy(text) == (name, addr)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("保留在本次", "keep"),
        ("这次讨论吧", "keep"),
        ("挪到下次", "move"),
        ("下次再讨论", "move"),
        ("Keep it", "keep"),
        ("Move it to the next meeting", "move"),
        ("好的", None),
        ("不保留", "move"),
        ("不用挪到下次，这次讨论", "keep"),
        ("Don't move it to the next meeting", "keep"),
        ("别挪走", "keep"),
    ],
)
def test_keep_or_move(text: str, want: str | None) -> None:
    assert keep_or_move(text) == want


@pytest.mark.parametrize(
    ("fragment", "keys"),
    [
        ("参加", {"参加"}),
        (r"\bwill (?:attend|join)\b", {"will attend", "will join"}),
        (r"共[识識]", {"共识", "共識"}),
        (r"\d+%", {"%"}),
        (r"\d+", None),
        (r"(?:a|b)?c", {"c"}),
    ],
)
def test_required_literals(fragment: str, keys: set[str] | None) -> None:
    got = required_literals(fragment)
    assert (set(got) if got is not None else None) == keys


def test_a_text_without_the_keywords_cannot_match() -> None:
    p = Phrases("t", {"en": (r"\bpush(?:ed)? (?:it )?to\b", "done")})
    assert p.keys is not None
    for text in ("pushed it to Monday", "all DONE", "Pushed to"):
        assert p.search(text)
    assert not p.present("nothing here") and p.search("nothing here") is None
    assert re.search(p.pattern, "push to") is not None
