"""``meetingd inspect FILE`` without ``--json``: what the parser understood, for a person.

:func:`summary_lines` turns one :class:`~daemon.domain.messages.Inspection` into aligned
``label: value`` lines: the kind, sender and meeting reference first, then only the parts
that were found (the answer, topics, minutes, progress report, meeting request, host
command), the attachments and the problems. The JSON form (:meth:`Inspection.to_json`) is
the machine contract; this text may change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from daemon.domain.messages import (
    ActionUpdate,
    HostCommand,
    Inspection,
    MeetingRequestForm,
    MinutesDoc,
    RsvpReply,
    TopicSubmission,
)

WIDTH = 18  # width of the label column, in characters
Row = tuple[str, str]


def summary_lines(insp: Inspection) -> list[str]:
    """The readable summary of ``insp``: its file name, then indented ``label: value`` lines.

    Args:
        insp: what :func:`~daemon.inbound.inspect.inspect_bytes` returned.

    Returns:
        Lines without line ends; a value of several lines is continued under the value column.
    """
    rows: list[Row] = [
        ("kind", insp.kind),
        ("sender", _sender(insp)),
        ("meeting", insp.meeting_ref or "none (no [MTG-n] tag)"),
    ]
    rows += _optional(
        ("action item", insp.action_ref),
        ("subject", insp.subject),
        ("date", _instant(insp.date)),
        ("calendar", " ".join(x for x in (insp.itip_method, insp.uid) if x)),
        ("automatic", "yes (Auto-Submitted)" if insp.auto_submitted else None),
    )
    if insp.rsvp:
        rows += _rsvp(insp.rsvp)
    for number, topic in enumerate(insp.topics, 1):
        rows += _topic(number, topic)
    if insp.minutes:
        rows += _minutes(insp.minutes)
    if insp.action_update:
        rows += _action_update(insp.action_update)
    if insp.meeting_request:
        rows += _request(insp.meeting_request)
    if insp.command:
        rows += _command(insp.command)
    rows.append(("attachments", _attachments(insp) or "none"))
    rows.append(("problems", "\n".join(insp.problems) or "none"))
    return [insp.file or "<message>", *_render(rows)]


def _render(rows: Iterable[Row]) -> list[str]:
    """``  label:   value`` lines; further lines of a value are indented under it."""
    out = []
    for label, value in rows:
        first, *rest = str(value).splitlines() or [""]
        out.append(f"  {label + ':':<{WIDTH}}{first}")
        out += [f"  {'':<{WIDTH}}{line}" for line in rest]
    return out


def _optional(*rows: tuple[str, str | None]) -> list[Row]:
    """The rows whose value is set (not None, not empty)."""
    return [(label, value) for label, value in rows if value]


def _sender(insp: Inspection) -> str:
    if not insp.sender:
        return "unknown (no readable From)"
    return f"{insp.sender_name} <{insp.sender}>" if insp.sender_name else insp.sender


def _instant(when: dt.datetime | None) -> str | None:
    """``2026-12-15 18:05 +08:00`` (as written in the mail), or None."""
    if when is None:
        return None
    return when.strftime("%Y-%m-%d %H:%M %z") if when.tzinfo else f"{when:%Y-%m-%d %H:%M}"


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else "no date"


def _rsvp(r: RsvpReply) -> list[Row]:
    answer = r.partstat + (" (calendar reply)" if r.source == "itip" else " (written)")
    delegate = r.delegate or r.delegate_name
    if delegate and r.delegate and r.delegate_name:
        delegate = f"{r.delegate_name} <{r.delegate}>"
    proposed = " – ".join(x for x in (_instant(r.proposed_start), _instant(r.proposed_end)) if x)
    return [("answer", answer)] + _optional(
        ("attendee", r.attendee),
        ("delegate", delegate),
        ("comment", r.comment),
        ("written opinion", r.written_opinion),
        ("proposed time", proposed),
    )


def _topic(number: int, t: TopicSubmission) -> list[Row]:
    rows: list[Row] = [(f"topic {number}", t.title or "(no title)")]
    rows += _optional(
        ("  background", t.background),
        ("  pain point", t.pain_point),
        ("  expected", t.expected_outcome),
        ("  missing", ", ".join(t.missing)),
        ("  complex", "yes" if t.complex else None),
    )
    return rows


def _minutes(m: MinutesDoc) -> list[Row]:
    decisions = "\n".join(f"{i}. {d}" for i, d in enumerate(m.decisions, 1))
    items = "\n".join(
        f"A-{i}. {a.what} — owner {a.owner or 'not given'}, due {_day(a.due)}"
        + (f", support {a.support}" if a.support else "")
        for i, a in enumerate(m.action_items, 1)
    )
    risks = "\n".join(
        r.risk + (f" — fallback: {r.mitigation}" if r.mitigation else "") for r in m.risks
    )
    return [
        ("decisions", decisions or "none found"),
        ("action items", items or "none found"),
    ] + _optional(("risks", risks), ("review date", _day(m.review_date) if m.review_date else None))


def _action_update(u: ActionUpdate) -> list[Row]:
    return [("progress", f"{u.action_ref or 'no A-n'}: {u.status}")] + _optional(
        ("new due date", _day(u.new_due) if u.new_due else None), ("note", u.note)
    )


def _request(f: MeetingRequestForm) -> list[Row]:
    def person(address: str | None, name: str | None) -> str | None:
        return address or (f"{name} (no address)" if name else None)

    length = f"{f.duration_minutes} minutes" if f.duration_minutes else None
    goal = "\n".join(f.goal_issues) if f.goal_issues else "measurable (no issues)"
    return [("title", f.title or "(no title)")] + _optional(
        ("core problem", f.core_problem),
        ("expected outcome", f.expected_outcome),
        ("goal issues", goal),
        ("start", _instant(f.start) or "not given"),
        ("length", length),
        ("location", f.location),
        ("host", person(f.host, f.host_name) or "not given"),
        ("recorder", person(f.recorder, f.recorder_name) or "not given"),
        ("participants", ", ".join(f.participants) or "none with an address"),
        ("observers", ", ".join(f.observers)),
        ("names to resolve", ", ".join(f.unresolved_names + f.observer_names)),
    )


def _command(c: HostCommand) -> list[Row]:
    detail = [_instant(c.start), f"{c.duration_minutes} minutes" if c.duration_minutes else None]
    return [("host command", " ".join([c.verb, *(d for d in detail if d)]))]


def _attachments(insp: Inspection) -> str:
    return "\n".join(
        f"{a.filename or '(no name)'} ({a.content_type}, {a.size} bytes)" for a in insp.attachments
    )
