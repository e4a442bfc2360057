"""The events the rules react to: a parsed message, a deadline, an operator command."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from daemon.domain.messages import AgendaEdit, Inspection
from daemon.domain.model import Material
from daemon.domain.questions import Answer


@dataclass
class Incoming:
    """A parsed inbound message linked to a meeting.

    Attributes:
        msg: what the parser understood.
        reply_to_kind: ``X-Meetingd-Kind`` of our mail it answers (via In-Reply-To), or None.
        reply_to_key: the idempotency key of that mail, or None.
        materials: its attachments, already stored by content hash by the service.
        refused: attachments over the size limit, not stored: ``{"filename", "size"}``.
        vouched: the calendar backend vouches for the sender (an answer it recorded
            itself), so the receiving server's verdict is not needed.
        question_id: the question our mail asked, when this message replies to it.
        answer: what the message says as the answer to that question (read in its
            context by ``daemon.inbound.answers``), or None.
    """

    msg: Inspection
    reply_to_kind: str | None = None
    reply_to_key: str | None = None
    materials: list[Material] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    vouched: bool = False
    question_id: int | None = None
    answer: Answer | None = None

    @property
    def sender(self) -> str:
        return (self.msg.sender or "").lower()

    @property
    def key(self) -> str:
        """A stable key of this message for idempotent answers."""
        return self.msg.message_id or f"{self.sender}@{self.msg.date}"


@dataclass(frozen=True)
class Command:
    """An operator's command from the CLI (or a host's mail that means the same).

    ``verb``: approve | reject | reschedule | cancel | include_topic | exclude_topic | agenda
    | assign. ``start``/``end`` (aware) for a reschedule; ``reason`` is shown to the
    attendees; ``topic_key`` is the idempotency key of the ``topic_late`` mail a decision
    answers; ``edits`` are an ``agenda`` change set; ``action_k`` and ``owner`` (a name, an
    address or a department) an ``assign``.
    """

    verb: Literal[
        "approve",
        "reject",
        "reschedule",
        "cancel",
        "include_topic",
        "exclude_topic",
        "agenda",
        "assign",
    ]
    actor: str = "operator"
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    reason: str | None = None
    topic_key: str | None = None
    edits: tuple[AgendaEdit, ...] = ()
    action_k: int | None = None
    owner: str | None = None
