"""Changes by the host's reply: reschedule, cancel, and the decision on a late topic."""

import datetime as dt

from daemon.domain import rules
from daemon.domain.deadlines import deadlines_for
from daemon.domain.events import Incoming
from daemon.domain.messages import HostCommand, TopicSubmission
from daemon.domain.model import Deadline
from daemon.inbound.parse.commands import parse_command
from tests.unit.rules_helpers import DAYS, addr, approved_meeting, ctx, kinds, local, message

START = local(2026, 12, 8, 14)


def reply(file, c, sender, text, **kw):  # type: ignore[no-untyped-def]
    command = parse_command(text, c.now.astimezone(DAYS.tz))
    msg = message("unknown", sender, body_text=text, command=command)
    return rules.apply_message(file, Incoming(msg, **kw), c)


def test_parse_command_reads_the_common_phrasings() -> None:
    ref = local(2026, 12, 1)
    moved = parse_command("各位好，会议改到12月10日下午3点到5点，谢谢", ref)
    assert moved == HostCommand("reschedule", local(2026, 12, 10, 15), 120)
    assert parse_command("Please move the meeting to Dec 9, 10:00", ref) == HostCommand(
        "reschedule", local(2026, 12, 9, 10), None
    )
    assert parse_command("本次取消会议，另行通知", ref) == HostCommand("cancel")
    assert parse_command("不用取消会议", ref) is None
    assert parse_command("改期吧", ref) is None  # no date: nothing moved by guess
    assert parse_command("同意纳入", ref) == HostCommand("include_topic")
    assert parse_command("这个议题不纳入本次会议", ref) == HostCommand("exclude_topic")


def test_host_reply_reschedules_across_a_weekend() -> None:
    file, c = approved_meeting(START, local(2026, 11, 23, 10))
    fx = reply(file, c, addr("gao.ming"), "会议改到12月11日下午2点到4点")
    assert kinds(fx) == ["invite_update"]
    assert file.meeting.start_utc == local(2026, 12, 11, 14).astimezone(dt.UTC)
    assert file.meeting.revision == 1
    due = {d.kind: d.due_utc for d in fx.deadlines or []}
    assert due["topics_due"] == local(2026, 12, 8, 18)  # Fri 11 minus 3 working days


def test_the_same_words_from_someone_else_change_nothing() -> None:
    file, c = approved_meeting(START, local(2026, 11, 23, 10))
    fx = reply(file, c, addr("ma.chao"), "会议改到12月11日下午2点")
    assert "invite_update" not in kinds(fx)
    assert file.meeting.revision == 0


def test_host_reply_cancels_and_every_deadline_stops() -> None:
    file, c = approved_meeting(START, local(2026, 11, 23, 10))
    fx = reply(file, c, addr("gao.ming"), "项目暂停，取消会议。")
    assert kinds(fx) == ["cancel"]
    assert fx.deadlines == []
    fx = reply(file, c, addr("gao.ming"), "取消会议")
    assert kinds(fx) == []  # already cancelled: ignored, not a second CANCEL


def test_refused_command_is_quarantined_with_the_reason() -> None:
    file, c = approved_meeting(START, local(2026, 11, 23, 10))
    fx = reply(file, c, addr("gao.ming"), "会议改到2026年11月20日下午2点")  # passed
    assert fx.quarantine and "already passed" in fx.quarantine


def test_host_includes_a_late_topic_and_the_invite_is_updated() -> None:
    file, c = approved_meeting(START, local(2026, 11, 23, 10))
    due = next(d for d in deadlines_for(file, c) if d.kind == "topics_due")
    rules.apply_deadline(file, due, ctx(due.due_utc))
    late = ctx(due.due_utc + dt.timedelta(hours=2))
    sub = TopicSubmission("渠道返利政策", "b", "p", "o")
    fx = rules.apply_message(
        file, Incoming(message("topic_submission", addr("lin.yu"), topics=[sub])), late
    )
    assert "topic_late" in kinds(fx)
    fx = reply(file, late, addr("gao.ming"), "同意纳入", reply_to_kind="topic_late")
    assert sorted(kinds(fx)) == ["agenda", "invite_update"]
    update = next(o for o in fx.outgoing if o.kind == "invite_update")
    titles = [row["title"] for row in update.extra["agenda"]]
    assert "渠道返利政策" in titles


def test_host_excludes_a_late_topic_and_it_stays_off_the_agenda() -> None:
    file, c = approved_meeting(START, local(2026, 11, 23, 10))
    late = ctx(local(2026, 12, 3, 19))
    sub = TopicSubmission("渠道返利政策", "b", "p", "o")
    rules.apply_message(
        file, Incoming(message("topic_submission", addr("lin.yu"), topics=[sub])), late
    )
    reply(file, late, addr("gao.ming"), "不纳入", reply_to_kind="topic_late")
    fx = rules.apply_deadline(file, Deadline("topics_due", late.now, "k"), late)
    # The only topic was left out: no agenda goes out, the host is asked what to do.
    assert kinds(fx) == ["empty_agenda"] and fx.outgoing[0].to == [addr("gao.ming")]


def test_free_form_agenda_changes_are_asked_again_never_guessed() -> None:
    file, c = approved_meeting(START, local(2026, 11, 23, 10))
    fx = reply(file, c, addr("gao.ming"), "第二个议题放到最后吧", reply_to_kind="agenda")
    assert fx.quarantine == "not_understood" and fx.outgoing == []
    fx = reply(file, c, addr("gao.ming"), "改期到12月8日14:00-17:00", reply_to_kind="agenda")
    assert kinds(fx) == ["invite_update"]
    assert file.meeting.duration_minutes == 180
