"""The meeting's state as plain dataclasses (pure: no I/O, no imports from the package).

Times: every ``*_utc`` field is an aware ``datetime`` in UTC; ``due`` fields of action items
are local calendar ``date`` values in the company time zone. Addresses are lower-case.

A :class:`MeetingFile` is everything the rules need about one meeting; the store loads and
saves it whole (meetings are small: tens of rows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["host", "recorder", "core", "observer", "proxy"]
MeetingStatus = Literal[
    "requested",  # form received, being checked
    "goal_rejected",  # goal not measurable; waiting for the requester's resubmission
    "incomplete",  # host/recorder/time/participants missing; asked back
    "awaiting_approval",  # approval request sent to the host
    "rejected",  # the host said no
    "scheduled",  # approved, invite sent
    "held",  # the meeting's end has passed; minutes requested
    "minutes_draft",  # minutes read; waiting for the recorder to confirm them
    "minutes_received",  # minutes parsed and distributed; actions being followed
    "closed",  # every action item done
    "cancelled",
]
ActionState = Literal["open", "in_progress", "delayed", "blocked", "done", "cancelled"]


@dataclass
class Meeting:
    """One coordination meeting (or its review meeting, with ``review_of`` set).

    ``number`` is the ``n`` in ``[MTG-n]``; ``uid`` is the stable iCalendar UID; ``revision``
    counts the versions of the meeting the rules published (an update, a cancellation); the
    calendar backend keeps its own versioning (iMIP's SEQUENCE).
    """

    number: int
    title: str
    status: MeetingStatus
    requester: str
    lang: str = "zh"
    core_problem: str | None = None
    expected_outcome: str | None = None
    start_utc: dt.datetime | None = None
    end_utc: dt.datetime | None = None
    location: str | None = None
    host: str | None = None
    recorder: str | None = None
    uid: str | None = None
    revision: int = 0
    review_of: int | None = None
    request_message_id: str | None = None
    created_utc: dt.datetime | None = None
    approved_utc: dt.datetime | None = None
    minutes_received_utc: dt.datetime | None = None
    agenda_sent_utc: dt.datetime | None = None
    review_date: dt.date | None = None
    review_uid: str | None = None
    problems: list[str] = field(default_factory=list)
    minutes_version: int = 0
    minutes_distributed_utc: dt.datetime | None = None
    review_number: int | None = None

    @property
    def ref(self) -> str:
        """``MTG-<n>``: the subject tag body."""
        return f"MTG-{self.number}"

    @property
    def duration_minutes(self) -> int | None:
        if self.start_utc is None or self.end_utc is None:
            return None
        return int((self.end_utc - self.start_utc).total_seconds() // 60)


@dataclass
class Participant:
    """A person invited to the meeting. ``delegate_of`` is set for a proxy (代理人)."""

    address: str
    role: Role
    name: str | None = None
    department: str | None = None
    delegate_of: str | None = None

    @property
    def required(self) -> bool:
        """iCalendar ROLE: REQ-PARTICIPANT unless an observer (OPT-PARTICIPANT)."""
        return self.role != "observer"


@dataclass
class Uninvited:
    """Someone an attendee forwarded the invitation to (the calendar backend's forward
    notification): recorded, told to the host, never invited by the daemon. They are no
    :class:`Participant`: they get none of the meeting's mails and count for no role.

    Attributes:
        address: lower-case address of the person the invitation was forwarded to.
        forwarded_by: lower-case address of the attendee who forwarded it.
        name: their display name, when the directory knows it.
        forwarded_utc: when the daemon recorded the forward (aware UTC).
        partstat: their own answer (RFC 5545 PARTSTAT), ``NEEDS-ACTION`` until they answer.
        answered_utc: when their last answer was recorded (aware UTC), or None.
    """

    address: str
    forwarded_by: str
    name: str | None = None
    forwarded_utc: dt.datetime | None = None
    partstat: str = "NEEDS-ACTION"
    answered_utc: dt.datetime | None = None


@dataclass
class Topic:
    """An agenda topic. ``merged_into`` points at the topic this one was merged with."""

    id: int
    title: str
    submitter: str
    background: str | None = None
    pain_point: str | None = None
    expected_outcome: str | None = None
    department: str | None = None
    missing: list[str] = field(default_factory=list)
    late: bool = False
    complex: bool = False
    merged_into: int | None = None
    decision: str | None = None  # included | excluded (a late topic); dropped (agenda edit)
    also_from: list[str] = field(default_factory=list)
    received_utc: dt.datetime | None = None
    minutes: int | None = None  # a time box the host fixed (None: shared)
    position: int | None = None  # the host's order on the agenda (None: order of arrival)


@dataclass
class Material:
    """A background document, stored by content hash (sha256 hex) under the var dir."""

    sha256: str
    filename: str
    content_type: str
    size: int
    submitter: str
    topic_id: int | None = None
    received_utc: dt.datetime | None = None
    distributed: bool = False


@dataclass
class Rsvp:
    """The latest attendance answer of one attendee (PARTSTAT per RFC 5545 §3.2.12)."""

    address: str
    partstat: str = "NEEDS-ACTION"
    delegate: str | None = None
    delegate_name: str | None = None
    comment: str | None = None
    written_opinion: str | None = None
    proposed_start_utc: dt.datetime | None = None
    proposed_end_utc: dt.datetime | None = None
    source: str | None = None
    updated_utc: dt.datetime | None = None


@dataclass
class ActionItem:
    """Action item ``A-<k>`` of a meeting: what, owner, due (local date), support."""

    k: int
    what: str
    owner: str | None
    due: dt.date | None
    owner_name: str | None = None
    support: str | None = None
    status: ActionState = "open"
    note: str | None = None
    overdue_notices: int = 0
    escalated: bool = False
    updated_utc: dt.datetime | None = None


@dataclass
class Risk:
    """A risk from the minutes with its fallback and the fallback's owner."""

    risk: str
    mitigation: str | None = None
    owner: str | None = None


@dataclass
class Deadline:
    """A timed step of the process. ``key`` distinguishes repeats (e.g. ``A-3#2``).

    ``due_utc`` is when it fires; firing is recorded by the store exactly once per
    (meeting, kind, key).
    """

    kind: str
    due_utc: dt.datetime
    key: str = ""


@dataclass
class Question:
    """Something the daemon asked a person, and is waiting to hear (see
    :mod:`daemon.domain.questions`).

    Attributes:
        id: unique within the meeting; the mail that asked carries it (outbox
            ``question_id``), so a reply to that mail is read as the answer.
        kind: what was asked (``proxy``, ``request_fields``, ``goal``, ``topic_fields``,
            ``owner``, ``counter``, ``late_topic``, ``minutes_confirm``, ``empty_agenda``,
            ``approval``).
        asked: who was asked (lower-case address).
        about: what it is about: an attendee's address, ``A-3,A-5``, a topic id, …
        wanted: the fields still missing (``delegate``, ``written_opinion``, …).
        state: ``open`` or ``closed``; ``reason`` says why it was closed.
        asked_utc, closed_utc: aware UTC instants.
        reminders: how many times it was asked again.
    """

    id: int
    kind: str
    asked: str
    about: str = ""
    wanted: list[str] = field(default_factory=list)
    state: str = "open"
    asked_utc: dt.datetime | None = None
    closed_utc: dt.datetime | None = None
    reason: str | None = None
    reminders: int = 0


@dataclass
class MeetingFile:
    """Everything known about one meeting: the unit the rules read and write."""

    meeting: Meeting
    participants: list[Participant] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    rsvps: list[Rsvp] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    uninvited: list[Uninvited] = field(default_factory=list)

    def person(self, address: str) -> Participant | None:
        """The participant with this address (case-insensitive), or None."""
        address = address.lower()
        return next((p for p in self.participants if p.address == address), None)

    def guest(self, address: str) -> Uninvited | None:
        """The uninvited person (forwarded to) with this address (case-insensitive), or None."""
        address = address.lower()
        return next((u for u in self.uninvited if u.address == address), None)

    def rsvp(self, address: str) -> Rsvp | None:
        address = address.lower()
        return next((r for r in self.rsvps if r.address == address), None)

    def action(self, k: int) -> ActionItem | None:
        return next((a for a in self.actions if a.k == k), None)

    def question(self, id: int | None) -> Question | None:
        """The question with this id, or None."""
        return next((q for q in self.questions if q.id == id), None)

    def attendees(self) -> list[Participant]:
        """Everyone who gets the invite: host, recorder, core, observers and proxies."""
        return list(self.participants)
