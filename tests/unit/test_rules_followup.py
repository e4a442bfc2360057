"""After the meeting: minutes, owners (known, unknown, ambiguous), reminders, overdue,
escalation, delays, and the review meeting."""

import datetime as dt

from daemon.domain import rules
from daemon.domain.deadlines import deadlines_for
from daemon.domain.effects import Effects
from daemon.domain.events import Incoming
from daemon.domain.messages import ActionItemSpec, ActionUpdate, MinutesDoc, RiskSpec
from daemon.domain.model import MeetingFile
from tests.unit.rules_helpers import (
    DAYS,
    addr,
    approved_meeting,
    ctx,
    kinds,
    local,
    message,
    sent_to,
)

START = local(2026, 12, 8, 14)


def held_meeting() -> MeetingFile:
    file, c = approved_meeting(START, local(2026, 11, 23, 10))
    end = next(d for d in deadlines_for(file, c) if d.kind == "meeting_end")
    fx = rules.apply_deadline(file, end, ctx(end.due_utc))
    assert sent_to(fx, "minutes_request") == {addr("xu.li")}
    return file


def minutes(
    file: MeetingFile,
    *items: ActionItemSpec,
    when: dt.datetime | None = None,
    review: dt.date | None = None,
    confirm: str = "never",
) -> Effects:
    """The recorder's minutes (distributed at once unless ``confirm`` says otherwise)."""
    doc = MinutesDoc(
        ["按新流程执行"], list(items), [RiskSpec("供应商延期", "启用备选", "马超")], review
    )
    c = ctx(when or local(2026, 12, 8, 17, 30), minutes_confirm=confirm)
    return rules.apply_message(file, Incoming(message("minutes", addr("xu.li"), minutes=doc)), c)


def test_minutes_go_to_everyone_and_each_owner_gets_their_items() -> None:
    file = held_meeting()
    fx = minutes(
        file,
        ActionItemSpec("完成接口开发", "马超", dt.date(2026, 12, 18), "测试环境"),
        ActionItemSpec("提交需求文档", "Lin Yu", dt.date(2026, 12, 11)),
    )
    assert file.meeting.status == "minutes_received"
    assert sent_to(fx, "minutes") == {p.address for p in file.participants}
    assigned = [(o.to, o.action_k) for o in fx.outgoing if o.kind == "action_assigned"]
    assert assigned == [([addr("ma.chao")], 1), ([addr("lin.yu")], 2)]


def test_unknown_or_ambiguous_owner_is_asked_about_never_guessed() -> None:
    file = held_meeting()
    fx = minutes(
        file,
        ActionItemSpec("核对报销", "何军", dt.date(2026, 12, 18)),
        ActionItemSpec("联系客户", "张三", dt.date(2026, 12, 18)),
    )
    assert "action_assigned" not in kinds(fx)
    question = next(o for o in fx.outgoing if o.kind == "owner_question")
    assert question.to == [addr("xu.li")]
    unknown = {u["owner_written"]: sorted(u["candidates"]) for u in question.extra["unknown"]}
    assert unknown == {"何军": sorted([addr("he.jun"), addr("he.jun2")]), "张三": []}
    assert all(a.owner is None for a in file.actions)
    # The recorder sends the minutes again with the address: the item is assigned.
    fx = minutes(file, ActionItemSpec("核对报销", "何军 he.jun2@example.cn", dt.date(2026, 12, 18)))
    assert [(o.to, o.action_k) for o in fx.outgoing if o.kind == "action_assigned"] == [
        ([addr("he.jun2")], 1)
    ]


def test_reminders_overdue_every_two_working_days_then_escalation() -> None:
    file = held_meeting()
    minutes(file, ActionItemSpec("提交需求文档", "林雨", dt.date(2026, 12, 11)))
    c = ctx(local(2026, 12, 9))
    timeline = sorted(
        (d for d in deadlines_for(file, c) if d.key.startswith("A-1")), key=lambda d: d.due_utc
    )
    days = [(d.kind, d.due_utc.astimezone(DAYS.tz).date()) for d in timeline]
    assert days == [
        ("action_before", dt.date(2026, 12, 9)),
        ("action_due", dt.date(2026, 12, 11)),
        ("action_overdue", dt.date(2026, 12, 15)),
        ("action_overdue", dt.date(2026, 12, 17)),
        ("action_overdue", dt.date(2026, 12, 21)),
        ("action_escalation", dt.date(2026, 12, 21)),
    ]
    sent = []
    for d in timeline:
        fx = rules.apply_deadline(file, d, ctx(d.due_utc))
        sent += [(o.kind, tuple(o.to)) for o in fx.outgoing]
    assert [k for k, _ in sent] == [
        "action_reminder",
        "action_reminder",
        "action_overdue",
        "action_overdue",
        "action_overdue",
        "action_escalation",
    ]
    assert sent[-1][1] == (addr("gao.ming"),)
    assert file.actions[0].overdue_notices == 3 and file.actions[0].escalated


def test_done_stops_reminders_and_delay_moves_them_and_tells_the_host() -> None:
    file = held_meeting()
    minutes(
        file,
        ActionItemSpec("完成接口开发", "马超", dt.date(2026, 12, 18)),
        ActionItemSpec("提交需求文档", "林雨", dt.date(2026, 12, 11)),
    )
    c = ctx(local(2026, 12, 10))
    delay = ActionUpdate("A-1", "delayed", dt.date(2026, 12, 24), "联调推迟")
    fx = rules.apply_message(
        file, Incoming(message("action_update", addr("ma.chao"), action_update=delay)), c
    )
    assert kinds(fx) == ["action_update_receipt", "action_delay_report"]
    assert sent_to(fx, "action_delay_report") == {addr("gao.ming")}
    action = file.action(1)
    assert action is not None and action.due == dt.date(2026, 12, 24)
    keys = {d.key for d in fx.deadlines or []}
    assert any(k.startswith("A-1:2026-12-24") for k in keys)
    assert not any(k.startswith("A-1:2026-12-18") for k in keys)
    done = ActionUpdate("A-2", "done", None, "已提交")
    fx = rules.apply_message(
        file, Incoming(message("action_update", addr("lin.yu"), action_update=done)), c
    )
    assert not any(k.startswith("A-2") for k in {d.key for d in fx.deadlines or []})


def test_review_meeting_is_booked_ten_working_days_after_with_every_status() -> None:
    file = held_meeting()
    minutes(file, ActionItemSpec("完成接口开发", "马超", dt.date(2026, 12, 18)))
    c = ctx(local(2026, 12, 9))
    review = next(d for d in deadlines_for(file, c) if d.kind == "review_invite")
    assert review.key == "2026-12-22"  # M + 10 working days
    fx = rules.apply_deadline(file, review, ctx(review.due_utc))
    assert fx.spawn_review and not fx.outgoing
    # The review is a meeting of its own: its own number, UID and people.
    child, cfx = rules.open_review(2, file, ctx(review.due_utc))
    assert child.meeting.review_of == file.meeting.number and file.meeting.review_number == 2
    assert child.meeting.uid and child.meeting.uid != file.meeting.uid
    invite = next(o for o in cfx.outgoing if o.kind == "review_invite")
    assert invite.calendar == "REQUEST"
    assert set(invite.to) == {addr("gao.ming"), addr("ma.chao"), addr("xu.li")}
    assert invite.extra["actions"][0]["status"] == "open"
    assert "topics_due" not in {d.kind for d in cfx.deadlines or []}
    # Once booked, the reviewed meeting asks for no second one.
    assert "review_invite" not in {d.kind for d in deadlines_for(file, ctx(review.due_utc))}


def test_review_date_written_in_the_minutes_wins() -> None:
    file = held_meeting()
    minutes(
        file,
        ActionItemSpec("完成接口开发", "马超", dt.date(2026, 12, 18)),
        review=dt.date(2026, 12, 29),
    )
    review = next(
        d for d in deadlines_for(file, ctx(local(2026, 12, 9))) if d.kind == "review_invite"
    )
    assert review.key == "2026-12-29"


def test_reminders_already_past_at_assignment_are_not_sent() -> None:
    file = held_meeting()
    # Minutes arrive late: the "2 working days before" reminder time has passed.
    minutes(
        file,
        ActionItemSpec("提交需求文档", "林雨", dt.date(2026, 12, 11)),
        when=local(2026, 12, 10, 11),
    )
    kinds_ = [
        d.kind for d in deadlines_for(file, ctx(local(2026, 12, 10, 11))) if d.key.startswith("A-1")
    ]
    assert "action_before" not in kinds_ and "action_due" in kinds_


def test_cancelled_meeting_tells_the_sender_instead_of_dropping() -> None:
    from daemon.domain.events import Command

    file = held_meeting()
    file.meeting.status = "scheduled"
    rules.apply_command(file, Command("cancel"), ctx(local(2026, 12, 1)))
    fx = minutes(file, ActionItemSpec("x", "马超", dt.date(2026, 12, 18)))
    assert fx.quarantine == "meeting_cancelled" and fx.outgoing == []
