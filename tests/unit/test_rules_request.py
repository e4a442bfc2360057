"""Request → goal check → approval, and the deadlines an approved meeting gets."""

import datetime as dt

import pytest

from daemon.domain import requests, rules
from daemon.domain.deadlines import deadlines_for
from daemon.domain.events import Command, Incoming
from daemon.domain.messages import RsvpReply
from daemon.domain.refused import CommandRefused
from tests.unit.rules_helpers import (
    DAYS,
    addr,
    approved_meeting,
    ctx,
    kinds,
    local,
    message,
    open_request,
    request_form,
    sent_to,
)


def test_complete_request_asks_the_host() -> None:
    c = ctx(local(2026, 9, 14))
    file, fx = open_request(request_form(local(2026, 10, 9, 14)), c)
    assert file.meeting.status == "awaiting_approval"
    assert sent_to(fx, "request_received") == {addr("lin.yu")}
    assert sent_to(fx, "approval_request") == {addr("gao.ming")}
    assert fx.deadlines == []  # nothing is timed before approval


def test_vague_goal_is_rejected_with_reasons_and_can_be_resubmitted() -> None:
    c = ctx(local(2026, 9, 14))
    vague = request_form(
        local(2026, 10, 9, 14),
        expected_outcome="讨论库存问题",
        goal_issues=["期望成果只说了讨论，没有可衡量的结果"],
    )
    file, fx = open_request(vague, c)
    assert file.meeting.status == "goal_rejected"
    assert kinds(fx) == ["goal_rejected"]
    assert fx.outgoing[0].extra["issues"] == vague.goal_issues
    fixed = request_form(local(2026, 10, 9, 14))
    fx = rules.apply_message(
        file, Incoming(message("meeting_request", addr("lin.yu"), meeting_request=fixed)), c
    )
    assert file.meeting.status == "awaiting_approval"
    assert "approval_request" in kinds(fx)


def test_missing_host_and_time_are_asked_about() -> None:
    c = ctx(local(2026, 9, 14))
    form = request_form(None, host=None)  # type: ignore[arg-type]
    file, fx = open_request(form, c)
    assert file.meeting.status == "incomplete"
    assert set(fx.outgoing[0].extra["missing"]) == {"host", "start"}


def test_ambiguous_participant_name_is_asked_about_not_guessed() -> None:
    c = ctx(local(2026, 9, 14))
    form = request_form(local(2026, 10, 9, 14), unresolved_names=["何军"])
    file, fx = open_request(form, c)
    assert file.meeting.status == "incomplete"
    assert "participant:何军" in fx.outgoing[0].extra["missing"]
    assert all(p.address not in (addr("he.jun"), addr("he.jun2")) for p in file.participants)


def test_host_reply_decides_and_only_the_host_counts() -> None:
    c = ctx(local(2026, 9, 14))
    file, _ = open_request(request_form(local(2026, 10, 9, 14)), c)
    # Someone else's "yes" is an RSVP, not an approval.
    yes = RsvpReply(addr("ma.chao"), "ACCEPTED")
    rules.apply_message(file, Incoming(message("rsvp", addr("ma.chao"), rsvp=yes)), c)
    assert file.meeting.status == "awaiting_approval"
    fx = rules.apply_message(
        file, Incoming(message("unknown", addr("gao.ming"), body_text="不同意，先内部对齐")), c
    )
    assert file.meeting.status == "rejected"
    assert sent_to(fx, "request_rejected") == {addr("lin.yu")}


def test_unclear_host_reply_is_quarantined_to_ask_again() -> None:
    c = ctx(local(2026, 9, 14))
    file, _ = open_request(request_form(local(2026, 10, 9, 14)), c)
    fx = rules.apply_message(
        file, Incoming(message("unknown", addr("gao.ming"), body_text="我看一下")), c
    )
    assert fx.quarantine == "approval_unclear"
    assert file.meeting.status == "awaiting_approval"


def test_approval_sends_invite_and_call_for_topics_with_national_day_deadlines() -> None:
    file, c = approved_meeting(local(2026, 10, 9, 14), local(2026, 9, 14, 10))
    deadlines = {d.kind: d.due_utc.astimezone(DAYS.tz) for d in deadlines_for(file, c)}
    assert deadlines["topics_due"] == local(2026, 9, 29, 18)
    assert deadlines["topic_reminder"] == local(2026, 9, 28, 9, 30)
    assert deadlines["materials_due"] == local(2026, 9, 30, 18)
    assert deadlines["replies_due"] == local(2026, 10, 8, 18)
    assert deadlines["rsvp_nudge"] < deadlines["replies_due"]
    assert deadlines["meeting_end"] == local(2026, 10, 9, 16)
    assert file.meeting.uid and file.meeting.revision == 0


def test_operator_commands_follow_the_state() -> None:
    c = ctx(local(2026, 9, 14))
    file, _ = open_request(request_form(local(2026, 10, 9, 14)), c)
    fx = rules.apply_command(file, Command("approve"), c)
    assert {"invite", "call_for_topics"} <= set(kinds(fx))
    invite = next(o for o in fx.outgoing if o.kind == "invite")
    assert invite.calendar == "REQUEST"
    assert set(invite.to) == {p.address for p in file.participants}
    call = next(o for o in fx.outgoing if o.kind == "call_for_topics")
    assert set(call.to) == {addr("ma.chao"), addr("lin.yu")}
    try:
        rules.apply_command(file, Command("approve"), c)
    except CommandRefused as exc:
        assert "not awaiting approval" in str(exc)
    else:
        raise AssertionError("approving twice must be refused")


def test_reschedule_across_a_holiday_rederives_everything() -> None:
    file, c = approved_meeting(local(2026, 9, 30, 14), local(2026, 9, 14, 10))
    rsvp = RsvpReply(addr("ma.chao"), "ACCEPTED", source="itip")
    rules.apply_message(file, Incoming(message("rsvp", addr("ma.chao"), rsvp=rsvp)), c)
    before = {d.kind: d for d in deadlines_for(file, c)}
    # Sep 25 is Mid-Autumn and Sep 26-27 a weekend: M-3 of Wed Sep 30 is Thu Sep 24.
    assert before["topics_due"].due_utc.astimezone(DAYS.tz).date() == dt.date(2026, 9, 24)
    fx = rules.apply_command(file, Command("reschedule", start=local(2026, 10, 9, 14)), c)
    assert file.meeting.revision == 1
    assert file.rsvps == []
    update = next(o for o in fx.outgoing if o.kind == "invite_update")
    assert update.calendar == "REQUEST"
    after = {d.kind: d for d in fx.deadlines or []}
    assert after["topics_due"].due_utc.astimezone(DAYS.tz) == local(2026, 9, 29, 18)
    assert after["topics_due"].key != before["topics_due"].key  # old ones get cancelled


def test_cancel_sends_itip_cancel_and_stops_every_deadline() -> None:
    file, c = approved_meeting(local(2026, 10, 9, 14), local(2026, 9, 14, 10))
    fx = rules.apply_command(file, Command("cancel", reason="项目暂停"), c)
    assert kinds(fx) == ["cancel"]
    assert fx.outgoing[0].calendar == "CANCEL"
    assert fx.deadlines == []
    assert file.meeting.revision == 1
    assert file.meeting.status == "cancelled"


@pytest.mark.parametrize(
    ("text", "decision"),
    [
        ("同意", True),
        ("可以，按申请的时间开。", True),
        ("Approved, go ahead.", True),
        ("我看了，不太同意这个时间。", False),
        ("不可以", False),
        ("先别通过，等预算确认", False),
        ("I don't agree with the date", False),
        ("I cannot approve this yet", False),
        ("驳回，目标还不够具体", False),
        ("可以再商量？", None),
        ("我看一下", None),
    ],
)
def test_host_answer_is_read_carefully(text: str, decision: bool | None) -> None:
    reply = Incoming(message("unknown", addr("gao.ming"), body_text=text))
    assert requests.read_approval(reply) is decision


def test_request_for_a_past_time_is_asked_again_and_cannot_be_approved() -> None:
    c = ctx(local(2026, 9, 14))
    past = request_form(local(2026, 9, 1, 14))
    file, fx = open_request(past, c)
    assert file.meeting.status == "incomplete"
    assert "start" in fx.outgoing[0].extra["missing"]
    # A request approved too late (its time passed while waiting) is refused, not sent.
    ok = request_form(local(2026, 9, 15, 14))
    file, _ = open_request(ok, c, 2)
    later = ctx(local(2026, 9, 16))
    fx = rules.apply_message(
        file, Incoming(message("unknown", addr("gao.ming"), body_text="同意")), later
    )
    assert fx.quarantine and "already passed" in fx.quarantine
    assert file.meeting.status == "awaiting_approval" and fx.outgoing == []


def test_the_daemon_itself_cannot_be_host() -> None:
    c = ctx(local(2026, 9, 14))
    form = request_form(local(2026, 10, 9, 14), host=addr("meetings"))
    file, fx = open_request(form, c)
    assert file.meeting.status == "incomplete" and "host" in fx.outgoing[0].extra["missing"]


def test_host_and_observer_written_by_name_are_resolved_to_their_roles() -> None:
    c = ctx(local(2026, 9, 14))
    form = request_form(
        local(2026, 10, 9, 14), host=None, host_name="高明", observers=[], observer_names=["方慧"]
    )
    file, fx = open_request(form, c)
    assert file.meeting.host == addr("gao.ming")
    assert file.person(addr("fang.hui")).role == "observer"  # type: ignore[union-attr]
    assert file.meeting.status == "awaiting_approval"
