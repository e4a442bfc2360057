"""What the rules decide: outgoing mails, deadlines, log lines (pure dataclasses).

The rules never render or send anything: they return an :class:`Effects`, and the service
renders each :class:`Outgoing` with ``daemon.outbound`` and enqueues it in the same
transaction as the state change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from daemon.domain.model import Deadline

CalendarMethod = Literal["REQUEST", "CANCEL"]

# Every X-Meetingd-Kind value the daemon sends (public interface: extend, never rename).
KINDS: tuple[str, ...] = (
    "request_received",
    "goal_rejected",
    "request_question",
    "approval_request",
    "request_rejected",
    "invite",
    "invite_update",
    "cancel",
    "call_for_topics",
    "topic_receipt",
    "topic_question",
    "topic_reminder",
    "topic_late",
    "topic_merged",
    "not_a_participant",
    "agenda",
    "materials_reminder",
    "materials",
    "attachment_refused",
    "rsvp_nudge",
    "rsvp_receipt",
    "proxy_request",
    "proxy_invite",
    "counter_proposal",
    "attendance_report",
    "minutes_request",
    "minutes_reminder",
    "minutes",
    "owner_question",
    "action_assigned",
    "action_reminder",
    "action_overdue",
    "action_escalation",
    "action_update_receipt",
    "action_delay_report",
    "review_invite",
    "not_understood",
    "change_refused",
    "minutes_confirm",
    "minutes_update",
    "counter_decision",
    "request_approved",
    "materials_receipt",
    "empty_agenda",
    "handover",
    "attendee_forwarded",
)


@dataclass
class Outgoing:
    """One mail the rules want sent.

    Attributes:
        kind: the ``X-Meetingd-Kind`` value, one of :data:`KINDS`.
        to, cc: lower-case addresses.
        key: makes the idempotency key unique within (meeting, kind), e.g. the recipient or
            the deadline key; the same (meeting, kind, key) is never enqueued twice.
        action_k: set on action mails, giving the ``[MTG-n/A-k]`` subject tag.
        calendar: iTIP method to attach (RFC 5546), or None.
        calendar_attendees: limit the calendar object's ATTENDEE list (e.g. a delegate
            REQUEST carries only the delegate with DELEGATED-FROM); None means everyone.
        in_reply_to: Message-ID (with brackets) of the mail this one answers.
        extra: kind-specific template values (documented in ``mail_templates/README.md``).
        attachments: sha256 digests of stored materials to attach.
        question_id: the :class:`~daemon.domain.model.Question` this mail asks (a reply to
            it is read as the answer), or None.
    """

    kind: str
    to: list[str]
    cc: list[str] = field(default_factory=list)
    key: str = ""
    action_k: int | None = None
    calendar: CalendarMethod | None = None
    calendar_attendees: list[str] | None = None
    in_reply_to: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    attachments: list[str] = field(default_factory=list)
    question_id: int | None = None


@dataclass
class Effects:
    """The result of applying one event to one meeting.

    ``deadlines`` is the FULL set of pending deadlines the meeting should have after this
    event, or None to leave them as they are; the store adds new ones and cancels those
    no longer listed (already fired ones are kept as fired). ``quarantine`` is set when
    the message could not be acted on: the service keeps it quarantined with that reason
    and tells the sender (``not_understood``). ``refusals`` are the log lines of changes
    the sender was not allowed to make (see :mod:`daemon.domain.authz`); the service records
    each as a ``refused`` event. ``question_id``: with ``quarantine``, the question the
    mail failed to answer (the notice asks it again, and carries it), with
    ``notice_problems``: what in the answer could not be read. ``spawn_review``: the
    service opens the review meeting (:func:`daemon.domain.review.open_review`).
    """

    outgoing: list[Outgoing] = field(default_factory=list)
    deadlines: list[Deadline] | None = None
    log: list[str] = field(default_factory=list)
    quarantine: str | None = None
    refusals: list[str] = field(default_factory=list)
    question_id: int | None = None
    notice_problems: list[str] = field(default_factory=list)
    spawn_review: bool = False
