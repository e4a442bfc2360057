"""What the inbound parser makes of one email: the contract between parsing and the rules.

The JSON form (:meth:`Inspection.to_json`) is the public ``meetingd inspect`` contract described
in ``docs/answering.md``: keys may be added, never renamed.

All addresses are lower-case. Dates are ``datetime.date``; instants are aware ``datetime``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal[
    "rsvp",
    "topic_submission",
    "minutes",
    "action_update",
    "meeting_request",
    "auto_reply",
    "bounce",
    "unknown",
]
# NEEDS-ACTION only on a forward notice (``RsvpReply.forwarded_by``): nobody answered yet.
PartStat = Literal["ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED", "NEEDS-ACTION"]
ActionStatus = Literal["done", "in_progress", "delayed", "blocked"]


@dataclass
class AttachmentInfo:
    """One attachment. ``size`` in bytes; ``data`` is the decoded payload (not in JSON)."""

    filename: str | None
    content_type: str
    size: int
    data: bytes = field(default=b"", repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size}


@dataclass
class RsvpReply:
    """An attendance answer, from iTIP REPLY/COUNTER (RFC 5546) or from plain text.

    ``proposed_start``/``proposed_end`` are set for a COUNTER (aware datetimes).
    ``forwarded_by`` is set on a forward notice the calendar backend recorded (Exchange's
    meeting forward notification): ``attendee`` got the invitation from ``forwarded_by``
    and has not answered (``partstat`` ``NEEDS-ACTION``); it is no answer of theirs.
    """

    attendee: str | None
    partstat: PartStat
    delegate: str | None = None
    delegate_name: str | None = None
    comment: str | None = None
    written_opinion: str | None = None
    proposed_start: dt.datetime | None = None
    proposed_end: dt.datetime | None = None
    source: Literal["itip", "text"] = "text"
    forwarded_by: str | None = None


@dataclass
class TopicSubmission:
    """One proposed agenda topic. ``missing`` lists the field names not given.

    ``freeform`` is true for a topic written as prose without labels (its title is the first
    sentence of substance, the rest its background): a later labelled submission from the
    same sender completes it rather than adding a second topic.
    """

    title: str | None
    background: str | None = None
    pain_point: str | None = None
    expected_outcome: str | None = None
    missing: list[str] = field(default_factory=list)
    complex: bool = False
    freeform: bool = False


@dataclass
class ActionItemSpec:
    """An action item as written in the minutes. ``owner`` is as written (name or address).

    ``doubtful`` lists the fields (``"owner"``, ``"due"``) that could not be read: the item is
    kept, and the dialogue asks the recorder for them; empty when the item is complete.
    """

    what: str
    owner: str | None
    due: dt.date | None
    support: str | None = None
    doubtful: list[str] = field(default_factory=list)


@dataclass
class RiskSpec:
    """A risk from the minutes (风险提示): the risk, its fallback and who owns the fallback."""

    risk: str
    mitigation: str | None = None
    owner: str | None = None


@dataclass
class MinutesDoc:
    """Parsed minutes (会议纪要)."""

    decisions: list[str] = field(default_factory=list)
    action_items: list[ActionItemSpec] = field(default_factory=list)
    risks: list[RiskSpec] = field(default_factory=list)
    review_date: dt.date | None = None
    prose: bool = False  # read from sentences, without section headings


@dataclass
class ActionUpdate:
    """An owner's progress report on one action item ``A-<k>``."""

    action_ref: str | None
    status: ActionStatus
    new_due: dt.date | None = None
    note: str | None = None


@dataclass
class MeetingRequestForm:
    """A meeting request (会议需求申请表). ``start`` is aware; participants are addresses."""

    title: str | None
    core_problem: str | None = None
    expected_outcome: str | None = None
    start: dt.datetime | None = None
    duration_minutes: int | None = None
    location: str | None = None
    host: str | None = None
    recorder: str | None = None
    participants: list[str] = field(default_factory=list)
    observers: list[str] = field(default_factory=list)
    goal_issues: list[str] = field(default_factory=list)
    # Names written without an address (resolved later against the directory):
    # participants, observers, and the host or recorder when no address was given.
    unresolved_names: list[str] = field(default_factory=list)
    observer_names: list[str] = field(default_factory=list)
    host_name: str | None = None
    recorder_name: str | None = None


@dataclass(frozen=True)
class AgendaEdit:
    """One change the host asks of the agenda (reply to ``agenda``, or ``meetingd agenda``).

    ``op``: ``drop`` topic ``n``; ``time``: give topic ``n`` ``minutes``; ``move`` topic ``n``
    to place ``to``; ``add`` a topic ``title`` (with ``minutes`` if given). Topic numbers are
    those the agenda mail shows (1-based, in agenda order).
    """

    op: Literal["drop", "time", "move", "add"]
    n: int | None = None
    minutes: int | None = None
    to: int | None = None
    title: str | None = None


@dataclass(frozen=True)
class AuthResult:
    """One result of an ``Authentication-Results`` header (RFC 8601): the server that
    added it (``authserv_id``, lower-case), the ``method`` (``dmarc``, ``dkim``, ``spf``…)
    and its ``result`` (``pass``, ``fail``…), both lower-case."""

    authserv_id: str
    method: str
    result: str


@dataclass
class HostCommand:
    """A command written in a reply (by the host, the rules check who):
    ``reschedule`` with the new ``start`` (aware) and optional ``duration_minutes``,
    ``cancel``, or ``include_topic`` / ``exclude_topic`` for a late topic."""

    verb: Literal["reschedule", "cancel", "include_topic", "exclude_topic"]
    start: dt.datetime | None = None
    duration_minutes: int | None = None


@dataclass
class Inspection:
    """Everything the parser understood of one message.

    Header facts (``message_id``, ``in_reply_to``, ``references``, ``subject``, ``date``) are
    used by the pipeline to link the message to a meeting; ``rule_hits`` records which named
    classification rules fired, in order, for the audit log.
    """

    file: str | None
    kind: Kind
    sender: str | None
    sender_name: str | None = None
    sender_suspicious: bool = False
    authentication: list[AuthResult] = field(default_factory=list)
    exchange_auth_as: str | None = None
    meeting_ref: str | None = None
    action_ref: str | None = None
    uid: str | None = None
    itip_method: str | None = None
    message_id: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    subject: str = ""
    date: dt.datetime | None = None
    auto_submitted: bool = False
    body_text: str = ""
    fresh_text: str = ""
    command: HostCommand | None = None
    rsvp: RsvpReply | None = None
    topics: list[TopicSubmission] = field(default_factory=list)
    minutes: MinutesDoc | None = None
    action_update: ActionUpdate | None = None
    meeting_request: MeetingRequestForm | None = None
    attachments: list[AttachmentInfo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rule_hits: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``meetingd inspect`` JSON object (see docs/answering.md)."""
        return {
            "file": self.file,
            "kind": self.kind,
            "sender": self.sender,
            "sender_suspicious": self.sender_suspicious,
            "authentication": [_plain(a) for a in self.authentication],
            "meeting_ref": self.meeting_ref,
            "action_ref": self.action_ref,
            "uid": self.uid,
            "rsvp": _rsvp_json(self.rsvp),
            "topics": [_plain(t) for t in self.topics],
            "minutes": _plain(self.minutes),
            "action_update": _plain(self.action_update),
            "meeting_request": _plain(self.meeting_request),
            "attachments": [a.to_json() for a in self.attachments],
            "command": _plain(self.command),
            "problems": list(self.problems),
            "rules": list(self.rule_hits),
        }


def _rsvp_json(r: RsvpReply | None) -> dict[str, Any] | None:
    if r is None:
        return None
    out = _plain(r)
    assert isinstance(out, dict)
    out.pop("source", None)
    return out


def _plain(value: Any) -> Any:
    """Dataclasses/dates → JSON-ready values (dates ISO 8601, datetimes with offset)."""
    from dataclasses import fields, is_dataclass

    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value) if f.name != "data"}
    return str(value)
