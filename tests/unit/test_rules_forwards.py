"""Forwarded invitations: the forwarded-to person is recorded as uninvited (never as an
attendee), the host is told once, and their later answer is recorded, not refused."""

from __future__ import annotations

import dataclasses

from daemon.domain import rules
from daemon.domain.attendance import report
from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects
from daemon.domain.events import Incoming
from daemon.domain.messages import PartStat, RsvpReply
from daemon.domain.model import MeetingFile
from daemon.domain.roster import add_participant, everyone, unanswered
from tests.unit.rules_helpers import addr, approved_meeting, kinds, local, message

START = local(2026, 10, 9, 14)
NOW = local(2026, 9, 14, 10)
GUEST = "zhao.lei@partner.example"


def forward(
    file: MeetingFile, c: RuleContext, by: str, to: str, *, vouched: bool = True
) -> Effects:
    """The calendar backend's notice that ``by`` forwarded the invitation to ``to``."""
    notice = RsvpReply(to, "NEEDS-ACTION", source="itip", forwarded_by=by)
    inc = Incoming(message("rsvp", by, rsvp=notice, itip_method="REPLY"), vouched=vouched)
    return rules.apply_message(file, inc, c)


def answer(file: MeetingFile, c: RuleContext, who: str, partstat: PartStat) -> Effects:
    reply = RsvpReply(who, partstat, source="itip")
    inc = Incoming(message("rsvp", who, rsvp=reply, itip_method="REPLY"), vouched=True)
    return rules.apply_message(file, inc, c)


def test_a_forward_records_the_person_as_uninvited_and_tells_the_host() -> None:
    file, c = approved_meeting(START, NOW)
    invited = everyone(file)
    fx = forward(file, c, addr("ma.chao"), GUEST)
    assert kinds(fx) == ["attendee_forwarded"]
    mail = fx.outgoing[0]
    assert mail.to == [file.meeting.host]
    assert mail.extra["attendee"] == GUEST and mail.extra["forwarded_by"] == addr("ma.chao")
    assert file.person(GUEST) is None and everyone(file) == invited  # never invited
    guest = file.guest(GUEST)
    assert guest is not None and guest.forwarded_by == addr("ma.chao")
    assert guest.partstat == "NEEDS-ACTION" and guest.forwarded_utc == c.now
    assert GUEST not in unanswered(file)  # nobody chases them


def test_the_same_person_forwarded_again_is_recorded_and_told_once() -> None:
    file, c = approved_meeting(START, NOW)
    forward(file, c, addr("ma.chao"), GUEST)
    again = forward(file, c, addr("ma.chao"), GUEST)
    other = forward(file, c, addr("lin.yu"), GUEST.upper())
    assert kinds(again) == [] and kinds(other) == []
    assert [u.address for u in file.uninvited] == [GUEST]
    assert file.uninvited[0].forwarded_by == addr("ma.chao")


def test_a_forward_to_someone_invited_changes_nothing() -> None:
    file, c = approved_meeting(START, NOW)
    fx = forward(file, c, addr("ma.chao"), addr("lin.yu"))
    assert kinds(fx) == [] and file.uninvited == []
    assert any("invited already" in line for line in fx.log)


def test_a_forward_claimed_by_mail_is_not_taken() -> None:
    file, c = approved_meeting(START, NOW)
    fx = forward(file, c, addr("ma.chao"), GUEST, vouched=False)
    assert file.uninvited == [] and "attendee_forwarded" not in kinds(fx)


def test_only_the_forwarder_themself_may_report_a_forward() -> None:
    file, c = approved_meeting(START, NOW)
    notice = RsvpReply(GUEST, "NEEDS-ACTION", source="itip", forwarded_by=addr("ma.chao"))
    inc = Incoming(message("rsvp", addr("lin.yu"), rsvp=notice), vouched=True)
    fx = rules.apply_message(file, inc, c)
    assert file.uninvited == [] and kinds(fx) == ["change_refused"]


def test_the_forwarded_to_persons_answer_is_recorded_not_refused() -> None:
    file, c = approved_meeting(START, NOW)
    forward(file, c, addr("ma.chao"), GUEST)
    later = local(2026, 9, 15, 11)
    fx = answer(file, dataclasses.replace(c, now=later), GUEST, "ACCEPTED")
    assert "not_a_participant" not in kinds(fx) and kinds(fx) == []
    guest = file.guest(GUEST)
    assert guest is not None and guest.partstat == "ACCEPTED" and guest.answered_utc == later
    assert file.rsvp(GUEST) is None and file.person(GUEST) is None
    got = report(file, c)
    assert GUEST not in got["coming"]
    assert got["uninvited"] == [
        {"address": GUEST, "forwarded_by": addr("ma.chao"), "partstat": "ACCEPTED"}
    ]


def test_an_answer_from_a_stranger_nobody_forwarded_to_is_still_refused() -> None:
    file, c = approved_meeting(START, NOW)
    fx = answer(file, c, "nobody@elsewhere.example", "ACCEPTED")
    assert kinds(fx) == ["not_a_participant"]


def test_someone_invited_after_being_forwarded_to_counts_as_an_attendee_only() -> None:
    file, c = approved_meeting(START, NOW)
    forward(file, c, addr("ma.chao"), GUEST)
    add_participant(file, GUEST, "observer", c.directory)
    fx = answer(file, c, GUEST, "ACCEPTED")
    rsvp = file.rsvp(GUEST)
    assert rsvp is not None and rsvp.partstat == "ACCEPTED" and "not_a_participant" not in kinds(fx)
    got = report(file, c)
    assert GUEST in got["coming"] and got["uninvited"] == []
