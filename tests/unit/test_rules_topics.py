"""Topic intake: receipts, questions, who may submit, late topics, merging, reminders."""

from daemon.domain import rules
from daemon.domain.deadlines import deadlines_for
from daemon.domain.events import Incoming
from daemon.domain.messages import TopicSubmission
from daemon.domain.model import Deadline
from daemon.domain.topics import live_topics
from tests.unit.rules_helpers import addr, approved_meeting, ctx, kinds, local, message, sent_to

START = local(2026, 10, 9, 14)


def topic(title, background="b", pain="p", outcome="o", **kw):  # type: ignore[no-untyped-def]
    missing = [
        n
        for n, v in [
            ("background", background),
            ("pain_point", pain),
            ("expected_outcome", outcome),
        ]
        if not v
    ]
    return TopicSubmission(title, background, pain, outcome, missing=missing, **kw)


def submit(file, c, sender, *subs, **kw):  # type: ignore[no-untyped-def]
    return rules.apply_message(
        file, Incoming(message("topic_submission", sender, topics=list(subs)), **kw), c
    )


def test_complete_topic_gets_a_receipt_saying_what_was_understood() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    fx = submit(
        file, c, addr("ma.chao"), topic("研发排期冲突", "两条产品线", "人手不足", "定优先级")
    )
    assert kinds(fx) == ["topic_receipt"]
    row = fx.outgoing[0].extra["topics"][0]
    assert (row["title"], row["pain_point"], row["missing"]) == ("研发排期冲突", "人手不足", [])
    assert file.topics[0].department == "研发部"


def test_missing_fields_are_asked_for_and_the_answer_completes_the_topic() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    fx = submit(file, c, addr("ma.chao"), topic("测试环境不足", background=None, outcome=None))
    assert kinds(fx) == ["topic_question"]
    assert fx.outgoing[0].extra["topics"][0]["missing"] == ["background", "expected_outcome"]
    answer = TopicSubmission(
        None,
        background="三个团队共用",
        expected_outcome="新增一套环境",
        missing=["title", "pain_point"],
    )
    fx = submit(file, c, addr("ma.chao"), answer, reply_to_kind="topic_question")
    assert len(file.topics) == 1
    assert file.topics[0].missing == []
    assert kinds(fx) == ["topic_receipt"]


def test_members_of_a_core_department_may_submit_others_are_told_politely() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    fx = submit(file, c, addr("song.jia"), topic("报价审批慢"))  # 销售部, like core lin.yu
    assert kinds(fx) == ["topic_receipt"]
    fx = submit(file, c, addr("he.jun2"), topic("报销流程"))  # 财务部: not at the meeting
    assert kinds(fx) == ["not_a_participant"]
    assert len(file.topics) == 1


def test_late_topic_is_acknowledged_as_late_and_put_to_the_host() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    late = ctx(local(2026, 9, 29, 18, 30))  # just after the 18:00 deadline
    fx = submit(file, late, addr("lin.yu"), topic("大促备货"))
    assert kinds(fx) == ["topic_receipt", "topic_late"]
    assert fx.outgoing[0].extra["late"] is True
    assert sent_to(fx, "topic_late") == {addr("gao.ming")}
    assert file.topics[0].late


def test_near_duplicate_chinese_topics_from_two_departments_are_merged() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    submit(file, c, addr("ma.chao"), topic("客户投诉处理流程优化"))
    fx = submit(file, c, addr("lin.yu"), topic("优化客户投诉的处理流程"))
    assert "topic_merged" in kinds(fx)
    assert sent_to(fx, "topic_merged") == {addr("ma.chao"), addr("lin.yu")}
    merged = file.topics[1]
    assert merged.merged_into == file.topics[0].id
    assert [t.title for t in live_topics(file)] == ["客户投诉处理流程优化"]
    # A clearly different topic stays separate.
    fx = submit(file, c, addr("lin.yu"), topic("渠道返利政策"))
    assert "topic_merged" not in kinds(fx)


def test_same_department_duplicates_are_not_merged() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    submit(file, c, addr("lin.yu"), topic("客户投诉处理流程优化"))
    fx = submit(file, c, addr("song.jia"), topic("客户投诉处理流程的优化"))
    assert "topic_merged" not in kinds(fx)


def test_topic_reminder_goes_only_to_silent_departments() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    submit(file, c, addr("song.jia"), topic("报价审批慢"))  # 销售部 answered via a member
    d = next(x for x in deadlines_for(file, c) if x.kind == "topic_reminder")
    fx = rules.apply_deadline(file, d, ctx(d.due_utc))
    assert sent_to(fx, "topic_reminder") == {addr("ma.chao")}


def test_agenda_is_time_boxed_and_warns_the_host_when_it_overflows() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    for i in range(12):
        submit(file, c, addr("ma.chao"), topic(f"议题{i} " + "甲乙丙丁戊己庚辛壬癸子丑"[i] * 3))
    due = next(x for x in deadlines_for(file, c) if x.kind == "topics_due")
    fx = rules.apply_deadline(file, due, ctx(due.due_utc))
    agenda = next(o for o in fx.outgoing if o.kind == "agenda")
    assert agenda.to == [addr("gao.ming")]
    rows = agenda.extra["agenda"]
    assert rows[0]["start"] == "14:00" and rows[0]["part"] == "opening"
    assert agenda.extra["overflow_minutes"] == agenda.extra["total_minutes"] - 120 > 0
    update = next(o for o in fx.outgoing if o.kind == "invite_update")
    assert update.calendar == "REQUEST" and file.meeting.revision == 1


def test_complex_topic_without_material_gets_a_materials_reminder() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    submit(file, c, addr("ma.chao"), topic("架构迁移方案", complex=True))
    submit(file, c, addr("lin.yu"), topic("客户分级"))
    fx = rules.apply_deadline(file, Deadline("topics_due", START, "k"), c)
    assert sent_to(fx, "materials_reminder") == {addr("ma.chao")}


def test_late_duplicate_is_merged_and_not_put_to_the_host() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    submit(file, c, addr("ma.chao"), topic("客户投诉处理流程优化"))
    late = ctx(local(2026, 9, 29, 18, 30))
    fx = submit(file, late, addr("lin.yu"), topic("优化客户投诉的处理流程"))
    assert "topic_merged" in kinds(fx) and "topic_late" not in kinds(fx)


def test_a_later_labelled_submission_completes_a_freeform_topic() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    prose = TopicSubmission(
        "供应商付款周期的问题",
        background="付款周期90天",
        missing=["pain_point", "expected_outcome"],
        freeform=True,
    )
    assert kinds(submit(file, c, addr("ma.chao"), prose)) == ["topic_question"]
    labelled = topic("缩短供应商付款周期", "付款周期90天", "供应商投诉多", "缩短到60天")
    fx = submit(file, c, addr("ma.chao"), labelled)
    assert len(file.topics) == 1, [t.title for t in file.topics]
    assert (file.topics[0].title, file.topics[0].missing) == ("缩短供应商付款周期", [])
    assert kinds(fx) == ["topic_receipt"]


def test_a_second_complete_topic_is_not_taken_for_the_completion_of_the_first() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    submit(file, c, addr("ma.chao"), topic("研发排期冲突", "两条产品线", "人手不足", "定优先级"))
    submit(file, c, addr("ma.chao"), topic("测试环境不足", "三个团队共用", "排队", "新增一套"))
    assert [t.title for t in file.topics] == ["研发排期冲突", "测试环境不足"]
