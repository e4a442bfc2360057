"""Attendance (确认反馈): RSVPs, proxies (代理人), written input, counter-proposals, report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from daemon.domain import forwards, questions
from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.events import Incoming
from daemon.domain.model import MeetingFile, Rsvp
from daemon.domain.roster import add_participant, everyone, is_covered, proxy_of, unanswered


def attendee_of(file: MeetingFile, inc: Incoming) -> str:
    """The attendee an answer is about (lower-case address).

    A plain reply is about its sender. An iTIP REPLY or COUNTER is about its ATTENDEE
    (RFC 5546 §3.2.3), except when that address is not invited and the sender is: then the
    sender answered under another address of theirs, and the answer is the sender's. Who may
    give the answer is :mod:`daemon.domain.authz`'s decision (only the attendee themself).
    """
    reply = inc.msg.rsvp
    attendee = ((reply.attendee if reply else None) or inc.sender).lower()
    if file.person(attendee) is None and file.person(inc.sender) is not None:
        return inc.sender
    return attendee


def on_rsvp(file: MeetingFile, inc: Incoming, ctx: RuleContext, effects: Effects) -> None:
    """Record an attendance answer (iTIP REPLY/COUNTER or a plain reply) and follow up."""
    m = file.meeting
    reply = inc.msg.rsvp
    assert reply is not None
    attendee = attendee_of(file, inc)
    guest = file.guest(attendee) if file.person(attendee) is None else None
    if guest is not None:
        # Forwarded to by an attendee: recorded as theirs, the host decides (forwards.py).
        forwards.on_guest_answer(file, guest, inc, ctx, effects)
        return
    if file.person(attendee) is None:
        # Only the organizer invites: an answer from outside the list changes nothing.
        effects.outgoing.append(
            Outgoing(
                "not_a_participant",
                [inc.sender],
                key=inc.key,
                in_reply_to=inc.msg.message_id,
                extra={"what": "rsvp"},
            )
        )
        effects.log.append(f"{m.ref}: answer from uninvited {attendee} not recorded")
        return
    if inc.msg.itip_method == "COUNTER" or reply.proposed_start is not None:
        _counter(file, inc, attendee, ctx, effects)
        return
    rsvp = file.rsvp(attendee)
    if rsvp is None:
        rsvp = Rsvp(attendee)
        file.rsvps.append(rsvp)
    rsvp.partstat = reply.partstat
    rsvp.source = reply.source
    rsvp.updated_utc = ctx.now
    rsvp.comment = reply.comment or rsvp.comment
    rsvp.written_opinion = reply.written_opinion or rsvp.written_opinion
    if reply.delegate:
        rsvp.delegate = reply.delegate.lower()
    if reply.delegate_name:
        rsvp.delegate_name = reply.delegate_name
    if rsvp.partstat == "DELEGATED" and not rsvp.written_opinion and reply.comment:
        rsvp.written_opinion = reply.comment
    effects.log.append(
        f"{m.ref}: {attendee} answered {rsvp.partstat} ({reply.source})"
        + (
            f", proxy {rsvp.delegate or rsvp.delegate_name}"
            if rsvp.partstat in ("DECLINED", "DELEGATED") and (rsvp.delegate or rsvp.delegate_name)
            else ""
        )
    )
    if rsvp.partstat in ("DECLINED", "DELEGATED"):
        _decline(file, rsvp, inc, ctx, effects)
    elif reply.source == "text":
        effects.outgoing.append(_receipt(rsvp, inc))


def _receipt(rsvp: Rsvp, inc: Incoming) -> Outgoing:
    return Outgoing(
        "rsvp_receipt",
        [rsvp.address],
        key=inc.key,
        in_reply_to=inc.msg.message_id,
        extra={
            "partstat": rsvp.partstat,
            "delegate": rsvp.delegate,
            "delegate_name": rsvp.delegate_name,
        },
    )


def _decline(
    file: MeetingFile, rsvp: Rsvp, inc: Incoming, ctx: RuleContext, effects: Effects
) -> None:
    """A decline needs a proxy and written input: invite the proxy, ask for what lacks."""
    m = file.meeting
    if not rsvp.delegate and rsvp.delegate_name:
        found = ctx.directory.resolve(rsvp.delegate_name)
        rsvp.delegate = found.address
    if rsvp.delegate and rsvp.delegate != rsvp.address:
        proxy = add_participant(
            file,
            rsvp.delegate,
            "proxy",
            ctx.directory,
            delegate_of=rsvp.address,
            name=rsvp.delegate_name,
        )
        effects.outgoing.append(
            Outgoing(
                "proxy_invite",
                [proxy.address],
                key=f"{rsvp.address}>{proxy.address}",
                calendar="REQUEST",
                calendar_attendees=[proxy.address, rsvp.address],
                extra={
                    "delegator": rsvp.address,
                    "delegator_name": ctx.directory.name_of(rsvp.address),
                },
            )
        )
        effects.log.append(f"{m.ref}: proxy {proxy.address} invited for {rsvp.address}")
    missing = missing_for_decline(rsvp)
    if missing:
        effects.outgoing.append(
            proxy_request(file, rsvp, ctx, key=inc.key, reply=inc.msg.message_id)
        )
        effects.log.append(f"{m.ref}: asked {rsvp.address} for {', '.join(missing)}")
    elif rsvp.source == "text":
        effects.outgoing.append(_receipt(rsvp, inc))


def proxy_request(
    file: MeetingFile, rsvp: Rsvp, ctx: RuleContext, *, key: str, reply: str | None = None
) -> Outgoing:
    """Ask a decliner for what they still owe (their proxy, their written input); the
    question stays open until both are known or they no longer decline."""
    missing = missing_for_decline(rsvp)
    q = questions.ask(file, "proxy", rsvp.address, ctx.now, about=rsvp.address, wanted=missing)
    return Outgoing(
        "proxy_request",
        [rsvp.address],
        key=key,
        in_reply_to=reply,
        extra={"missing": missing},
        question_id=q.id,
    )


def missing_for_decline(rsvp: Rsvp) -> list[str]:
    """What a decliner still owes: ``delegate`` and/or ``written_opinion``."""
    missing = []
    if not rsvp.delegate:
        missing.append("delegate")
    if not rsvp.written_opinion:
        missing.append("written_opinion")
    return missing


def _counter(
    file: MeetingFile, inc: Incoming, attendee: str, ctx: RuleContext, effects: Effects
) -> None:
    m = file.meeting
    reply = inc.msg.rsvp
    assert reply is not None
    rsvp = file.rsvp(attendee)
    if rsvp is None:
        rsvp = Rsvp(attendee, source=reply.source, updated_utc=ctx.now)
        file.rsvps.append(rsvp)
    rsvp.proposed_start_utc = _utc(reply.proposed_start)
    rsvp.proposed_end_utc = _utc(reply.proposed_end)
    if m.host:
        q = questions.ask(file, "counter", m.host, ctx.now, about=attendee)
        effects.outgoing.append(
            Outgoing(
                "counter_proposal",
                [m.host],
                key=inc.key,
                question_id=q.id,
                extra={
                    "attendee": attendee,
                    "attendee_name": ctx.directory.name_of(attendee),
                    "proposed_start": _utc(reply.proposed_start),
                    "proposed_end": _utc(reply.proposed_end),
                    "comment": reply.comment,
                },
            )
        )
    effects.log.append(f"{m.ref}: counter-proposal from {attendee} sent to the host")


def _utc(when: dt.datetime | None) -> dt.datetime | None:
    return when.astimezone(dt.UTC) if when else None


def report(file: MeetingFile, ctx: RuleContext) -> dict[str, Any]:
    """The attendance report for the host: who comes, proxies, silence, uncovered roles
    (``uncovered``: ``{"role": "host"|"recorder", "who": address}`` or ``{"role":
    "department", "who": department name, or the address of a core participant without
    one}``; the mail names them in the host's language). ``uninvited``: people an attendee
    forwarded the invitation to (``{"address", "forwarded_by", "partstat"}``; not counted)."""
    m = file.meeting
    by_status: dict[str, list[str]] = {}
    for rsvp in file.rsvps:
        by_status.setdefault(rsvp.partstat, []).append(rsvp.address)
    proxies = [
        {"from": r.address, "to": proxy_of(file, r.address) or r.delegate_name}
        for r in file.rsvps
        if r.partstat in ("DECLINED", "DELEGATED") and (r.delegate or r.delegate_name)
    ]
    uncovered: list[dict[str, str]] = []
    for role, address in (("host", m.host), ("recorder", m.recorder)):
        if address and not is_covered(file, address):
            uncovered.append({"role": role, "who": address})
    departments: dict[str, bool] = {}
    for p in file.participants:
        if p.role == "core":
            key = p.department or p.address
            departments[key] = departments.get(key, False) or is_covered(file, p.address)
    uncovered += [{"role": "department", "who": d} for d, ok in departments.items() if not ok]
    return {
        "coming": by_status.get("ACCEPTED", []),
        "tentative": by_status.get("TENTATIVE", []),
        "declined": [
            r.address
            for r in file.rsvps
            if r.partstat in ("DECLINED", "DELEGATED") and not (r.delegate or r.delegate_name)
        ],
        "proxies": proxies,
        "silent": unanswered(file),
        "uncovered": uncovered,
        "opinions": [
            {"from": r.address, "text": r.written_opinion} for r in file.rsvps if r.written_opinion
        ],
        "invited": len(everyone(file)),
        "uninvited": [
            {"address": u.address, "forwarded_by": u.forwarded_by, "partstat": u.partstat}
            for u in file.uninvited
            if file.person(u.address) is None  # invited since: counted above
        ],
    }
