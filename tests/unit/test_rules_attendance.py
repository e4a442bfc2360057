"""Attendance: RSVPs, proxies and proxy chains, counter-proposals, nudges, the report."""

from typing import Any

from daemon.domain import rules
from daemon.domain.attendance import report
from daemon.domain.context import RuleContext
from daemon.domain.deadlines import deadlines_for
from daemon.domain.effects import Effects
from daemon.domain.events import Incoming
from daemon.domain.messages import PartStat, RsvpReply
from daemon.domain.model import MeetingFile
from tests.unit.rules_helpers import addr, approved_meeting, ctx, kinds, local, message, sent_to

START = local(2026, 10, 9, 14)


def answer(file: MeetingFile, c: RuleContext, who: str, partstat: PartStat, **kw: Any) -> Effects:
    source = kw.pop("source", "text")
    method = kw.pop("itip_method", None)
    reply = RsvpReply(who, partstat, source=source, **kw)
    return rules.apply_message(
        file, Incoming(message("rsvp", who, rsvp=reply, itip_method=method)), c
    )


def fire(file: MeetingFile, kind: str) -> Effects:
    d = next(x for x in deadlines_for(file, ctx(local(2026, 9, 14, 10))) if x.kind == kind)
    return rules.apply_deadline(file, d, ctx(d.due_utc))


def test_calendar_accept_is_recorded_quietly_plain_accept_gets_a_receipt() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    assert kinds(answer(file, c, addr("ma.chao"), "ACCEPTED", source="itip")) == []
    fx = answer(file, c, addr("lin.yu"), "ACCEPTED")
    assert kinds(fx) == ["rsvp_receipt"]
    rsvp = file.rsvp(addr("lin.yu"))
    assert rsvp is not None and rsvp.partstat == "ACCEPTED"


def test_decline_without_proxy_or_opinion_is_asked_for_both() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    fx = answer(file, c, addr("ma.chao"), "DECLINED", source="itip", comment="出差")
    assert kinds(fx) == ["proxy_request"]
    assert fx.outgoing[0].extra["missing"] == ["delegate", "written_opinion"]


def test_named_proxy_is_invited_with_delegated_from() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    fx = answer(
        file, c, addr("ma.chao"), "DECLINED", delegate=addr("he.jun"), written_opinion="同意方案A"
    )
    assert kinds(fx) == ["proxy_invite", "rsvp_receipt"]
    invite = fx.outgoing[0]
    assert invite.to == [addr("he.jun")] and invite.calendar == "REQUEST"
    proxy = file.person(addr("he.jun"))
    assert proxy is not None and proxy.role == "proxy" and proxy.delegate_of == addr("ma.chao")


def test_proxy_named_only_by_name_is_resolved_through_the_directory() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    fx = answer(
        file, c, addr("lin.yu"), "DECLINED", delegate_name="宋佳", written_opinion="按计划推进"
    )
    assert sent_to(fx, "proxy_invite") == {addr("song.jia")}


def test_proxy_chain_covers_the_department_and_the_report_says_so() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    answer(file, c, addr("lin.yu"), "DECLINED", delegate=addr("song.jia"), written_opinion="x")
    # The proxy cannot come either and passes it on.
    fx = answer(file, c, addr("song.jia"), "DECLINED", delegate=addr("he.jun"), written_opinion="y")
    assert sent_to(fx, "proxy_invite") == {addr("he.jun")}
    rep = report(file, c)
    assert {"role": "department", "who": "销售部"} in rep["uncovered"]
    answer(file, c, addr("he.jun"), "ACCEPTED", source="itip")
    rep = report(file, c)
    assert {"from": addr("lin.yu"), "to": addr("he.jun")} in rep["proxies"]
    assert not any(u["who"] == "销售部" for u in rep["uncovered"])


def test_counter_proposal_goes_to_the_host() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    fx = answer(
        file,
        c,
        addr("ma.chao"),
        "TENTATIVE",
        source="itip",
        itip_method="COUNTER",
        proposed_start=local(2026, 10, 9, 15),
        proposed_end=local(2026, 10, 9, 17),
    )
    assert sent_to(fx, "counter_proposal") == {addr("gao.ming")}
    assert fx.outgoing[0].extra["proposed_start"] == local(2026, 10, 9, 15)


def test_nudge_goes_only_to_the_silent() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    answer(file, c, addr("ma.chao"), "ACCEPTED", source="itip")
    answer(file, c, addr("lin.yu"), "DECLINED", delegate=addr("song.jia"), written_opinion="x")
    fx = fire(file, "rsvp_nudge")
    # The host approved by mail, so counts as coming; the proxy must answer too.
    assert sent_to(fx, "rsvp_nudge") == {addr("xu.li"), addr("fang.hui"), addr("song.jia")}


def test_attendance_report_names_missing_key_roles() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    answer(file, c, addr("gao.ming"), "ACCEPTED", source="itip")
    answer(file, c, addr("ma.chao"), "DECLINED", source="itip")
    fx = fire(file, "replies_due")
    rep = next(o for o in fx.outgoing if o.kind == "attendance_report")
    assert rep.to == [addr("gao.ming")]
    assert {"role": "recorder", "who": file.meeting.recorder} in rep.extra["uncovered"]
    assert {"role": "department", "who": "研发部"} in rep.extra["uncovered"]
    assert addr("xu.li") in rep.extra["silent"]
    assert sent_to(fx, "proxy_request") == {addr("ma.chao")}  # still owes both


def test_answer_from_someone_not_invited_changes_nothing() -> None:
    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    before = len(file.participants)
    fx = answer(file, c, "eve@outside.example", "ACCEPTED")
    assert kinds(fx) == ["not_a_participant"]
    assert len(file.participants) == before and file.rsvp("eve@outside.example") is None


def test_one_proxy_for_two_people_is_delegated_from_both() -> None:
    from daemon.domain.roster import delegated_from, delegated_to

    file, c = approved_meeting(START, local(2026, 9, 14, 10))
    answer(file, c, addr("ma.chao"), "DECLINED", delegate=addr("he.jun"), written_opinion="a")
    answer(file, c, addr("lin.yu"), "DECLINED", delegate=addr("he.jun"), written_opinion="b")
    assert sorted(delegated_from(file, addr("he.jun"))) == [addr("lin.yu"), addr("ma.chao")]
    assert delegated_to(file, addr("lin.yu")) == [addr("he.jun")]
    rep = report(file, c)
    assert rep["declined"] == []  # both sent someone: listed under proxies only
    assert len(rep["proxies"]) == 2
