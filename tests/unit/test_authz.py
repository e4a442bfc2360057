"""Every row of the authorisation table, played with the wrong senders: nothing changes and
the sender is told who may; the right sender makes the change (so each case can fail)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from daemon.domain import authz, rules
from daemon.domain.authz import TABLE, Change, Who
from daemon.domain.context import RuleContext
from daemon.domain.deadlines import deadlines_for
from daemon.domain.effects import Effects
from daemon.domain.events import Command, Incoming
from daemon.domain.messages import (
    ActionItemSpec,
    ActionUpdate,
    HostCommand,
    Inspection,
    Kind,
    MinutesDoc,
    RsvpReply,
    TopicSubmission,
)
from daemon.domain.model import Material, MeetingFile
from daemon.domain.refused import CommandRefused
from tests.unit.rules_helpers import (
    addr,
    approved_meeting,
    ctx,
    kinds,
    local,
    message,
    open_request,
    request_form,
)

START = local(2026, 12, 8, 14)
NOW = local(2026, 11, 23, 10)
HOST, RECORDER, REQUESTER = addr("gao.ming"), addr("xu.li"), addr("lin.yu")
CORE, OBSERVER, OUTSIDER = addr("ma.chao"), addr("fang.hui"), "stranger@elsewhere.example"
MEMBER = addr("song.jia")  # in 销售部, whose core participant is lin.yu


@dataclass
class Case:
    """One row: a meeting in the right state, and the mail that asks for the change."""

    meeting: Callable[[], tuple[MeetingFile, RuleContext]]
    mail: Callable[[str, MeetingFile], Incoming]
    wrong: tuple[str, ...]
    right: str


def awaiting() -> tuple[MeetingFile, RuleContext]:
    c = ctx(NOW)
    file, _ = open_request(request_form(START), c)
    assert file.meeting.status == "awaiting_approval"
    return file, c


def scheduled() -> tuple[MeetingFile, RuleContext]:
    return approved_meeting(START, NOW)


def with_late_topic() -> tuple[MeetingFile, RuleContext]:
    file, _ = scheduled()
    late = ctx(local(2026, 12, 3, 18, 30))  # after the topic deadline (M − 3 working days)
    sub = TopicSubmission("大促备货", "库存不足", "断货", "确定备货量")
    rules.apply_message(file, Incoming(message("topic_submission", CORE, topics=[sub])), late)
    assert file.topics[0].late and file.topics[0].decision is None
    return file, late


def held() -> tuple[MeetingFile, RuleContext]:
    file, c = scheduled()
    end = next(d for d in deadlines_for(file, c) if d.kind == "meeting_end")
    rules.apply_deadline(file, end, ctx(end.due_utc))
    return file, ctx(local(2026, 12, 8, 17, 30))


def with_actions() -> tuple[MeetingFile, RuleContext]:
    file, c = held()
    doc = MinutesDoc(
        ["按新流程执行"], [ActionItemSpec("完成接口开发", "马超", dt.date(2026, 12, 18))]
    )
    rules.apply_message(file, Incoming(message("minutes", RECORDER, minutes=doc)), c)
    assert file.actions[0].owner == CORE
    return file, ctx(local(2026, 12, 9, 10))


def reply(kind: Kind, **fields: object) -> Callable[[str, MeetingFile], Incoming]:
    reply_to = fields.pop("reply_to", None)

    def build(sender: str, _file: MeetingFile) -> Incoming:
        msg = message(kind, sender, **dict(fields))
        return Incoming(msg, reply_to_kind=reply_to)  # type: ignore[arg-type]

    return build


def rsvp_for(attendee: str) -> Callable[[str, MeetingFile], Incoming]:
    def build(sender: str, _file: MeetingFile) -> Incoming:
        answer = RsvpReply(attendee=attendee, partstat="DECLINED", source="itip")
        return Incoming(message("rsvp", sender, rsvp=answer, itip_method="REPLY"))

    return build


def forward_of(attendee: str) -> Callable[[str, MeetingFile], Incoming]:
    """The calendar backend's notice that ``attendee`` forwarded the invitation."""

    def build(sender: str, _file: MeetingFile) -> Incoming:
        notice = RsvpReply(
            attendee=OUTSIDER, partstat="NEEDS-ACTION", source="itip", forwarded_by=attendee
        )
        msg = message("rsvp", sender, rsvp=notice, itip_method="REPLY")
        return Incoming(msg, vouched=True)

    return build


def materials(sender: str, _file: MeetingFile) -> Incoming:
    doc = Material("ab" * 32, "方案.pdf", "application/pdf", 10, sender)
    return Incoming(message("unknown", sender), materials=[doc])


def action_done(sender: str, _file: MeetingFile) -> Incoming:
    update = ActionUpdate("A-1", "done", None, "已完成")
    return Incoming(message("action_update", sender, action_update=update, action_ref="A-1"))


FORM = request_form(START, host=OUTSIDER, recorder=OUTSIDER, title="改过的标题")
MINUTES = MinutesDoc(["改掉的决议"], [ActionItemSpec("多出来的事", "马超", dt.date(2026, 12, 20))])
MOVE = HostCommand("reschedule", local(2026, 12, 9, 10), 60)

CASES: dict[Change, Case] = {
    Change.APPROVE: Case(
        awaiting,
        reply("unknown", body_text="同意", reply_to="approval_request"),
        (OUTSIDER, REQUESTER, CORE, RECORDER),
        HOST,
    ),
    Change.RESCHEDULE: Case(
        scheduled,
        reply("unknown", body_text="会议改到12月9日上午10点", command=MOVE),
        (OUTSIDER, REQUESTER, CORE, RECORDER),
        HOST,
    ),
    Change.CANCEL: Case(
        scheduled,
        reply("unknown", body_text="取消会议", command=HostCommand("cancel")),
        (OUTSIDER, REQUESTER, CORE, RECORDER, OBSERVER),
        HOST,
    ),
    Change.LATE_TOPIC: Case(
        with_late_topic,
        reply(
            "unknown",
            body_text="同意纳入",
            command=HostCommand("include_topic"),
            reply_to="topic_late",
        ),
        (OUTSIDER, CORE, RECORDER),
        HOST,
    ),
    Change.AGENDA: Case(
        scheduled,
        reply("unknown", body_text="把第二个议题挪到最前面", reply_to="agenda"),
        (OUTSIDER, CORE, RECORDER),
        HOST,
    ),
    Change.REQUEST_FORM: Case(
        awaiting,
        reply("meeting_request", meeting_request=FORM),
        (OUTSIDER, CORE, HOST),
        REQUESTER,
    ),
    Change.TOPICS: Case(
        scheduled,
        reply("topic_submission", topics=[TopicSubmission("外部议题", "背景", "痛点", "成果")]),
        (OUTSIDER, OBSERVER),
        MEMBER,
    ),
    Change.MATERIALS: Case(scheduled, materials, (OUTSIDER, OBSERVER), CORE),
    Change.RSVP: Case(scheduled, rsvp_for(HOST), (OUTSIDER, CORE, RECORDER, REQUESTER), HOST),
    Change.FORWARD: Case(scheduled, forward_of(CORE), (OUTSIDER, HOST, RECORDER), CORE),
    Change.MINUTES: Case(
        held, reply("minutes", minutes=MINUTES), (OUTSIDER, CORE, REQUESTER), RECORDER
    ),
    Change.ACTION_UPDATE: Case(
        with_actions, action_done, (OUTSIDER, RECORDER, REQUESTER, OBSERVER), CORE
    ),
}


def test_every_row_of_the_table_has_a_case() -> None:
    assert set(CASES) | {Change.ADMIN} == set(TABLE)


def play(change: Change, sender: str) -> tuple[MeetingFile, MeetingFile, Effects]:
    case = CASES[change]
    file, c = case.meeting()
    before = copy.deepcopy(file)
    effects = rules.apply_message(file, case.mail(sender, file), c)
    return before, file, effects


@pytest.mark.parametrize("change", list(CASES))
def test_the_wrong_sender_changes_nothing_and_is_told(change: Change) -> None:
    for sender in CASES[change].wrong:
        before, after, fx = play(change, sender)
        assert after == before, (change, sender)
        assert kinds(fx) in (["change_refused"], ["not_a_participant"]), (change, sender)
        assert fx.outgoing[0].to == [sender]
        assert fx.refusals and sender in fx.refusals[0], fx.refusals
        assert fx.quarantine is None


@pytest.mark.parametrize("change", list(CASES))
def test_the_right_sender_makes_the_change(change: Change) -> None:
    before, after, fx = play(change, CASES[change].right)
    assert not fx.refusals, fx.refusals
    if change is Change.AGENDA:  # free-form, outside the grammar: asked again, never refused
        assert fx.quarantine == "not_understood"
    else:
        assert after != before, change


def test_a_refusal_names_who_may_and_what_it_was_about() -> None:
    _, _, fx = play(Change.RSVP, CORE)
    extra = fx.outgoing[0].extra
    assert extra["change"] == "rsvp" and extra["allowed"] == ["self"] and extra["about"] == HOST
    _, _, fx = play(Change.ACTION_UPDATE, RECORDER)
    assert fx.outgoing[0].extra["about"] == "A-1"
    assert fx.outgoing[0].extra["allowed"] == ["owner", "host"]


def test_admin_is_the_command_line_only() -> None:
    file, _ = scheduled()
    directory = ctx(NOW).directory
    assert TABLE[Change.ADMIN] == ()
    assert authz.check(Change.ADMIN, HOST, file, directory) is not None
    assert authz.check(Change.ADMIN, Who.OPERATOR, file, directory) is None


def test_the_operator_may_command_anything_and_a_host_command_is_checked_too() -> None:
    file, c = scheduled()
    rules.apply_command(file, Command("cancel", actor="operator"), c)
    assert file.meeting.status == "cancelled"
    file, c = scheduled()
    with pytest.raises(CommandRefused, match="only host"):
        rules.apply_command(file, Command("cancel", actor=CORE), c)
    assert file.meeting.status == "scheduled"


def test_an_attendee_answering_with_a_suggestion_is_still_an_rsvp() -> None:
    """A command word in a participant's own answer is not a refused command."""
    file, c = scheduled()
    msg = message(
        "rsvp",
        CORE,
        body_text="我参加，建议改到下午3点",
        rsvp=RsvpReply(attendee=CORE, partstat="ACCEPTED", source="text"),
        command=HostCommand("reschedule", local(2026, 12, 8, 15), None),
    )
    fx = rules.apply_message(file, Incoming(msg), c)
    assert not fx.refusals and file.rsvp(CORE) is not None
    assert file.meeting.start_utc == START.astimezone(dt.UTC)


def test_a_forged_looking_sender_changes_nothing() -> None:
    file, c = awaiting()
    before = copy.deepcopy(file)
    msg: Inspection = message("unknown", HOST, body_text="同意", sender_suspicious=True)
    fx = rules.apply_message(file, Incoming(msg, reply_to_kind="approval_request"), c)
    assert file == before and fx.quarantine == "suspicious_sender"
    assert not fx.outgoing
