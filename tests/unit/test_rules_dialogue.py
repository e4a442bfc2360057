"""The dialogue: answers to our questions applied (or refused, or asked again), minutes
confirmed before broadcast and corrected by version, the review as its own meeting, agenda
edits by the host, owners by reply, the requester told."""

from __future__ import annotations

import dataclasses
import datetime as dt

from daemon.domain import rules
from daemon.domain.deadlines import deadlines_for
from daemon.domain.effects import Effects
from daemon.domain.events import Command, Incoming
from daemon.domain.messages import ActionItemSpec, Inspection, MinutesDoc, RsvpReply
from daemon.domain.model import MeetingFile
from daemon.domain.questions import open_questions
from daemon.inbound.answers import read_answer
from tests.unit.rules_helpers import (
    addr,
    approved_meeting,
    ctx,
    directory,
    kinds,
    local,
    message,
    open_request,
    request_form,
    sent_to,
)

START = local(2026, 12, 8, 14)
NOW = local(2026, 11, 23, 10)


def answer(file: MeetingFile, out_kind: str, sender: str, text: str, when: dt.datetime) -> Effects:
    """``text`` from ``sender`` in reply to our last ``out_kind`` mail, read as the answer to
    the question that mail asked (as the service does)."""
    fx_question = next(q for q in reversed(file.questions) if q.state == "open")
    msg = message("unknown", sender, body_text=text, date=when)
    assert fx_question is not None
    inc = Incoming(
        msg,
        reply_to_kind=out_kind,
        question_id=fx_question.id,
        answer=read_answer(fx_question, msg),
    )
    return rules.apply_message(file, inc, ctx(when))


def decline_without_proxy(file: MeetingFile) -> Effects:
    msg = message("rsvp", addr("lin.yu"), rsvp=RsvpReply(addr("lin.yu"), "DECLINED"))
    return rules.apply_message(file, Incoming(msg), ctx(NOW))


def test_a_bare_proxy_answers_the_proxy_question_and_closes_it_when_all_is_known() -> None:
    file, _ = approved_meeting(START, NOW)
    fx = decline_without_proxy(file)
    assert kinds(fx) == ["proxy_request"]
    fx = answer(file, "proxy_request", addr("lin.yu"), "宋佳", NOW)
    assert sent_to(fx, "proxy_invite") == {addr("song.jia")}
    q = next(q for q in file.questions if q.kind == "proxy")
    assert q.state == "open" and q.wanted == ["written_opinion"]  # asked again for the rest
    assert "proxy_request" in kinds(fx)
    fx = answer(file, "proxy_request", addr("lin.yu"), "书面意见：同意新的返利口径。", NOW)
    rsvp = file.rsvp(addr("lin.yu"))
    assert rsvp is not None and rsvp.written_opinion == "同意新的返利口径。"
    assert q.state == "closed" and q.reason == "the proxy and the written input are known"


def test_only_the_decliner_answers_their_proxy_question() -> None:
    file, _ = approved_meeting(START, NOW)
    decline_without_proxy(file)
    fx = answer(file, "proxy_request", addr("ma.chao"), "宋佳", NOW)
    assert kinds(fx) == ["change_refused"] and fx.refusals
    rsvp = file.rsvp(addr("lin.yu"))
    assert rsvp is not None and rsvp.delegate is None


def test_an_answer_that_does_not_fit_changes_nothing_and_asks_again() -> None:
    file, _ = approved_meeting(START, NOW)
    decline_without_proxy(file)
    before = dataclasses.replace(file.rsvps[-1])
    fx = answer(file, "proxy_request", addr("lin.yu"), "不认识这个人", NOW)
    assert fx.quarantine == "not_understood" or fx.quarantine == "answer_unclear"
    assert fx.question_id is not None and file.question(fx.question_id) is not None
    assert file.rsvps[-1] == before and not fx.outgoing


def test_an_unknown_proxy_name_is_asked_about_never_guessed() -> None:
    file, _ = approved_meeting(START, NOW)
    decline_without_proxy(file)
    fx = answer(file, "proxy_request", addr("lin.yu"), "何军", NOW)  # two people are 何军
    assert fx.quarantine == "proxy_unknown" and not fx.outgoing


def counter(file: MeetingFile) -> None:
    proposed = local(2026, 12, 9, 10)
    reply = RsvpReply(addr("ma.chao"), "TENTATIVE", proposed_start=proposed, source="itip")
    msg = message("rsvp", addr("ma.chao"), rsvp=reply, itip_method="COUNTER")
    fx = rules.apply_message(file, Incoming(msg), ctx(NOW))
    assert kinds(fx) == ["counter_proposal"]


def test_the_host_keeps_the_time_and_it_is_not_his_rsvp() -> None:
    file, _ = approved_meeting(START, NOW)
    counter(file)
    host_before = file.rsvp(addr("gao.ming"))
    fx = answer(file, "counter_proposal", addr("gao.ming"), "维持原时间", NOW)
    assert kinds(fx) == ["counter_decision"] and fx.outgoing[0].to == [addr("ma.chao")]
    assert file.meeting.start_utc == START.astimezone(dt.UTC)
    assert file.rsvp(addr("gao.ming")) == host_before
    assert not open_questions(file, "counter")


def test_the_host_accepts_the_proposed_time() -> None:
    file, _ = approved_meeting(START, NOW)
    counter(file)
    fx = answer(file, "counter_proposal", addr("gao.ming"), "可以，就按他说的时间", NOW)
    assert kinds(fx) == ["invite_update"]
    assert file.meeting.start_utc == local(2026, 12, 9, 10).astimezone(dt.UTC)


def held(file: MeetingFile) -> None:
    end = next(d for d in deadlines_for(file, ctx(NOW)) if d.kind == "meeting_end")
    rules.apply_deadline(file, end, ctx(end.due_utc))


MINUTES_AT = local(2026, 12, 8, 17)


def send_minutes(file: MeetingFile, *items: ActionItemSpec, **timings: str) -> Effects:
    doc = MinutesDoc(["按新流程执行"], list(items))
    msg = message("minutes", addr("xu.li"), minutes=doc)
    return rules.apply_message(file, Incoming(msg), ctx(MINUTES_AT, None, **timings))


ITEM_1 = ActionItemSpec("完成接口开发", "马超", dt.date(2026, 12, 18))
ITEM_2 = ActionItemSpec("提交需求文档", "小张", dt.date(2026, 12, 11))


def test_minutes_go_to_the_recorder_first_then_everyone_after_one_correction() -> None:
    file, _ = approved_meeting(START, NOW)
    held(file)
    fx = send_minutes(file, ITEM_1, ITEM_2)
    assert kinds(fx) == ["minutes_confirm"] and fx.outgoing[0].to == [addr("xu.li")]
    marks = {a["k"]: a["doubts"] for a in fx.outgoing[0].extra["actions"]}
    assert marks == {1: [], 2: ["owner"]}  # the unknown owner is marked
    assert file.meeting.status == "minutes_draft" and file.meeting.minutes_version == 1
    # A correction replaces the version: the second item is gone, not appended.
    fx = answer(
        file,
        "minutes_confirm",
        addr("xu.li"),
        "一、决议\n1. 按新流程执行\n二、行动项\n"
        "1. 行动内容：完成接口开发；负责人：马超；完成时间：12月18日\n",
        MINUTES_AT,
    )
    assert kinds(fx) == ["minutes_confirm"] and file.meeting.minutes_version == 2
    assert [a.what for a in file.actions] == ["完成接口开发"]
    fx = answer(file, "minutes_confirm", addr("xu.li"), "确认", MINUTES_AT)
    assert sorted(kinds(fx)) == ["action_assigned", "minutes"]
    assert sent_to(fx, "minutes") >= {p.address for p in file.participants}
    assert file.meeting.status == "minutes_received"


def test_when_unsure_sends_clear_minutes_at_once_and_asks_about_doubtful_ones() -> None:
    file, _ = approved_meeting(START, NOW)
    held(file)
    fx = send_minutes(file, ITEM_1, minutes_confirm="when_unsure")
    assert "minutes" in kinds(fx) and "minutes_confirm" not in kinds(fx)
    other, _ = approved_meeting(START, NOW)
    held(other)
    fx = send_minutes(other, ITEM_1, ITEM_2, minutes_confirm="when_unsure")
    assert kinds(fx) == ["minutes_confirm"]


def test_a_correction_after_distribution_is_a_minutes_update_and_closes_removed_items() -> None:
    file, _ = approved_meeting(START, NOW)
    held(file)
    send_minutes(
        file,
        ITEM_1,
        ActionItemSpec("核对报价", "林雨", dt.date(2026, 12, 15)),
        minutes_confirm="never",
    )
    fx = send_minutes(file, ITEM_1, minutes_confirm="never")
    assert kinds(fx) == ["minutes_update"]
    update = fx.outgoing[0]
    assert [a["what"] for a in update.extra["removed"]] == ["核对报价"]
    assert addr("lin.yu") in update.to  # the removed item's owner is told
    removed = next(a for a in file.actions if a.what == "核对报价")
    assert removed.status == "cancelled"
    assert not [
        d for d in deadlines_for(file, ctx(MINUTES_AT)) if d.key.startswith(f"A-{removed.k}")
    ]


def test_an_owner_named_by_reply_department_means_its_head() -> None:
    d = directory()
    d.heads["研发部"] = addr("ma.chao")
    file, _ = approved_meeting(START, NOW, d)
    held(file)
    send_minutes(file, ITEM_2, minutes_confirm="never")
    q = next(q for q in file.questions if q.kind == "owner")
    msg = message("unknown", addr("xu.li"), body_text="研发部", date=MINUTES_AT)
    inc = Incoming(msg, question_id=q.id, answer=read_answer(q, msg))
    fx = rules.apply_message(file, inc, ctx(MINUTES_AT, d))
    assert sent_to(fx, "action_assigned") == {addr("ma.chao")}
    assert q.state == "closed"


def test_unknown_owners_are_asked_again_then_the_host() -> None:
    file, _ = approved_meeting(START, NOW)
    held(file)
    send_minutes(file, ITEM_2, minutes_confirm="never")
    reminders = sorted(
        (d for d in deadlines_for(file, ctx(MINUTES_AT)) if d.kind == "owner_reminder"),
        key=lambda d: d.due_utc,
    )
    sent = []
    for d in reminders:
        fx = rules.apply_deadline(file, d, ctx(d.due_utc))
        sent += [(o.kind, o.to) for o in fx.outgoing]
    assert sent == [
        ("owner_question", [addr("xu.li")]),
        ("owner_question", [addr("gao.ming")]),
    ]  # no [mailbox] admin configured: the third is only logged


def test_the_review_is_its_own_meeting_and_a_reply_to_it_stays_there() -> None:
    file, _ = approved_meeting(START, NOW)
    held(file)
    send_minutes(file, ITEM_1, minutes_confirm="never")
    due = next(d for d in deadlines_for(file, ctx(MINUTES_AT)) if d.kind == "review_invite")
    assert rules.apply_deadline(file, due, ctx(due.due_utc)).spawn_review
    review, fx = rules.open_review(2, file, ctx(due.due_utc))
    msg = message("rsvp", addr("ma.chao"), rsvp=RsvpReply(addr("ma.chao"), "DECLINED"))
    before = list(file.rsvps)
    fx = rules.apply_message(review, Incoming(msg), ctx(due.due_utc))
    assert kinds(fx) == ["proxy_request"]
    assert file.rsvps == before  # the reviewed meeting is untouched
    assert "topics_due" not in {d.kind for d in deadlines_for(review, ctx(due.due_utc))}


def agenda_published(file: MeetingFile) -> None:
    from daemon.domain.messages import TopicSubmission

    for who, title in ((addr("ma.chao"), "接口改造排期"), (addr("lin.yu"), "渠道返利政策")):
        sub = TopicSubmission(title, "b", "p", "o")
        rules.apply_message(
            file, Incoming(message("topic_submission", who, topics=[sub])), ctx(NOW)
        )
    due = next(d for d in deadlines_for(file, ctx(NOW)) if d.kind == "topics_due")
    fx = rules.apply_deadline(file, due, ctx(due.due_utc))
    assert "agenda" in kinds(fx)


def test_the_host_edits_the_agenda_by_reply_in_one_update() -> None:
    file, _ = approved_meeting(START, NOW)
    agenda_published(file)
    when = local(2026, 12, 4, 9)
    fx = answer(
        file,
        "agenda",
        addr("gao.ming"),
        "删除议题1\n议题2 改为40分钟\n增加议题：年度预算（15分钟）",
        when,
    )
    assert kinds(fx) == ["agenda", "invite_update"]
    rows = [r for r in fx.outgoing[1].extra["agenda"] if r["part"] == "topic"]
    assert [(r["title"], r["minutes"]) for r in rows] == [("渠道返利政策", 40), ("年度预算", 15)]


def test_only_the_host_edits_the_agenda_and_an_unread_line_changes_nothing() -> None:
    file, _ = approved_meeting(START, NOW)
    agenda_published(file)
    when = local(2026, 12, 4, 9)
    fx = answer(file, "agenda", addr("ma.chao"), "删除议题2", when)
    assert kinds(fx) == ["change_refused"]
    fx = answer(file, "agenda", addr("gao.ming"), "删除议题2\n议题1往后放放", when)
    assert fx.quarantine == "agenda_unclear" and not fx.outgoing
    assert [t.title for t in file.topics if t.decision != "dropped"] == [
        "接口改造排期",
        "渠道返利政策",
    ]


def test_agenda_and_assign_commands() -> None:
    file, c = approved_meeting(START, NOW)
    agenda_published(file)
    from daemon.domain.messages import AgendaEdit

    fx = rules.apply_command(
        file,
        Command("agenda", edits=(AgendaEdit("move", n=2, to=1),)),
        ctx(local(2026, 12, 4, 9)),
    )
    rows = [r["title"] for r in fx.outgoing[-1].extra["agenda"] if r["part"] == "topic"]
    assert rows == ["渠道返利政策", "接口改造排期"]
    held(file)
    send_minutes(file, ITEM_2, minutes_confirm="never")
    fx = rules.apply_command(file, Command("assign", action_k=1, owner="林雨"), ctx(MINUTES_AT))
    assert sent_to(fx, "action_assigned") == {addr("lin.yu")}
    assert not open_questions(file, "owner")


def test_an_empty_agenda_asks_the_host_and_hold_sends_it() -> None:
    file, _ = approved_meeting(START, NOW)
    due = next(d for d in deadlines_for(file, ctx(NOW)) if d.kind == "topics_due")
    fx = rules.apply_deadline(file, due, ctx(due.due_utc))
    assert kinds(fx) == ["empty_agenda"]
    fx = answer(file, "empty_agenda", addr("gao.ming"), "照常召开", due.due_utc)
    assert kinds(fx) == ["agenda", "invite_update"]


def test_the_requester_is_told_of_the_approval() -> None:
    c = ctx(NOW)
    file, _ = open_request(request_form(START), c)
    assert file.meeting.requester == addr("lin.yu")
    approval = message("unknown", addr("gao.ming"), body_text="同意")
    fx = rules.apply_message(file, Incoming(approval), c)
    assert sent_to(fx, "request_approved") == {addr("lin.yu")}
    # A host who requested their own meeting is not told what they did themselves.
    own, _ = open_request(request_form(START, host=addr("lin.yu")), c, number=2)
    fx = rules.apply_message(own, Incoming(message("unknown", addr("lin.yu"), body_text="同意")), c)
    assert "request_approved" not in kinds(fx)


def test_materials_get_a_materials_receipt() -> None:
    from daemon.domain.model import Material

    file, _ = approved_meeting(START, NOW)
    material = Material("ab" * 32, "报价单.pdf", "application/pdf", 1000, addr("ma.chao"))
    msg: Inspection = message("unknown", addr("ma.chao"))
    fx = rules.apply_message(file, Incoming(msg, materials=[material]), ctx(NOW))
    assert kinds(fx) == ["materials_receipt"]
    assert fx.outgoing[0].extra["materials"] == ["报价单.pdf"]


def test_a_cancellation_tells_everyone_invited_proxies_included() -> None:
    file, _ = approved_meeting(START, NOW)
    decline_without_proxy(file)
    answer(file, "proxy_request", addr("lin.yu"), "宋佳", NOW)
    fx = rules.apply_command(file, Command("cancel", reason="延期"), ctx(NOW))
    cancel = next(o for o in fx.outgoing if o.kind == "cancel")
    assert addr("song.jia") in cancel.to and addr("lin.yu") in cancel.to
    assert not open_questions(file)  # nothing is asked of a cancelled meeting any more
