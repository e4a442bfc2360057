"""Topic submissions, minutes, action updates and meeting requests with new inputs."""

from __future__ import annotations

import datetime as dt

from daemon.domain.goals import check_goal
from daemon.domain.messages import ActionUpdate
from daemon.inbound.parse.actions import parse_action_update
from daemon.inbound.parse.minutes import parse_minutes
from daemon.inbound.parse.request import parse_request
from daemon.inbound.parse.topics import parse_freeform_topic, parse_topics

TZ = dt.timezone(dt.timedelta(hours=8))
REF = dt.datetime(2027, 3, 10, 9, 0, tzinfo=TZ)


def action_update(subject: str, text: str, today: dt.date) -> ActionUpdate:
    """:func:`parse_action_update`, which must find an update."""
    update = parse_action_update(subject, text, today)
    assert update is not None, text
    return update


def test_topics_numbered_halfwidth_colons_and_synonyms():
    text = (
        "1. 题目: 仓库搬迁\n2. 背景介绍: 租约到期\n3. 存在问题: 没有预算\n4. 期望达成: 确定新址\n\n"
        "- Topic 2: Hiring freeze\n- Context: budget cut\n- Goal: decide exceptions"
    )
    topics = parse_topics(text)
    assert [t.title for t in topics] == ["仓库搬迁", "Hiring freeze"]
    assert topics[0].pain_point == "没有预算" and topics[0].missing == []
    assert topics[1].missing == ["pain_point"]


def test_blank_form_is_not_a_topic_and_complex_flag():
    assert parse_topics("议题：\n背景：\n痛点：\n期望成果：") == []
    t = parse_topics("议题：系统迁移，比较复杂\n背景：旧系统停保")[0]
    assert t.complex and "expected_outcome" in t.missing
    assert parse_topics("Topic: X", has_material=True)[0].complex


def test_table_rows_and_freeform():
    t = parse_topics("当前痛点 | 审批慢\n议题名称 | 报销流程")
    assert len(t) == 1 and t[0].title == "报销流程" and t[0].pain_point == "审批慢"
    f = parse_freeform_topic("建议讨论一个议题：会议室预订冲突太多。\n张三")
    assert f and f.title and f.title.startswith("会议室预订冲突") and "background" in f.missing


def test_minutes_dash_list_labelled_en_and_risk_labels():
    text = (
        "Decisions:\n- Move the launch to May\n"
        "Action items:\n- Update the plan — Bob Lee — Apr 3\n"
        "- Action: Book the hall; Owner: Amy; Due: next Friday; Support: facilities\n"
        "Risks:\n- Risk: vendor late; Mitigation: use stock; Owner: Carl\n"
        "Review on 4/20"
    )
    doc = parse_minutes(text, REF.date())
    assert doc and doc.decisions == ["Move the launch to May"]
    a, b = doc.action_items
    assert (a.what, a.owner, a.due) == ("Update the plan", "Bob Lee", dt.date(2027, 4, 3))
    assert (b.owner, b.due, b.support) == ("Amy", dt.date(2027, 3, 19), "facilities")
    assert (doc.risks[0].risk, doc.risks[0].mitigation, doc.risks[0].owner) == (
        "vendor late",
        "use stock",
        "Carl",
    )
    assert doc.review_date == dt.date(2027, 4, 20)


def test_minutes_table_with_reordered_columns():
    text = "行动项\n负责人 | 事项 | 截止日期\n李四 | 出方案 | 3月15日\n王五 | 报预算 |"
    doc = parse_minutes(text, REF.date())
    assert doc and [(i.what, i.owner, i.due) for i in doc.action_items] == [
        ("出方案", "李四", dt.date(2027, 3, 15)),
        ("报预算", "王五", None),
    ]


def test_action_updates_all_statuses_zh_en():
    d = REF.date()
    subj = "Re: [MTG-3/A-9] reminder"
    assert action_update(subj, "搞定了", d).status == "done"
    assert action_update(subj, "Done, see the wiki", d).action_ref == "A-9"
    assert action_update(subj, "还没完成，预计周五", d).status == "in_progress"
    up = action_update(subj, "需要推迟到4月1日", d)
    assert up.status == "delayed" and up.new_due == dt.date(2027, 4, 1)
    up2 = action_update(subj, "Pushed to Apr 6 because of the audit", d)
    assert up2.status == "delayed" and up2.new_due == dt.date(2027, 4, 6)
    assert action_update(subj, "受阻：等待法务审批", d).status == "blocked"
    assert action_update(subj, "Blocked on the vendor", d).status == "blocked"
    assert parse_action_update(subj, "收到", d) is None


def test_request_english_form_and_names_without_addresses():
    text = (
        "Title: Budget sync\nExpected outcome: discuss the issues\n"
        "Time: Apr 2 10:00-11:30\nLocation: Room 5\nHost: Ann <ann@example.org>\n"
        "Recorder: Ben\nParticipants: c@example.org, d@example.org\nObservers: 财务部 赵六"
    )
    form = parse_request("Meeting request", text, REF)
    assert form.title == "Budget sync" and form.duration_minutes == 90
    assert form.start == dt.datetime(2027, 4, 2, 10, 0, tzinfo=TZ)
    assert form.host == "ann@example.org" and form.recorder is None
    assert form.participants == ["c@example.org", "d@example.org"]
    assert form.recorder_name == "Ben" and form.observer_names == ["赵六"]
    assert form.goal_issues


def test_goal_check():
    assert check_goal("确定新版本的上线日期和负责人") == []
    assert check_goal("研究一下相关事宜")
    assert check_goal("沟通情况")
    assert check_goal("Discuss the issues")
    assert check_goal("Decide the vendor and assign an owner by Apr 2") == []
    assert check_goal(None) and check_goal("  ")
