"""Every question the daemon asks: a record of what it asked whom, open until answered or no
longer needed, then closed with a reason.

A mail that asks something (``proxy_request``, ``request_question``, ``goal_rejected``,
``topic_question``, ``owner_question``, ``counter_proposal``, ``topic_late``,
``minutes_confirm``, ``empty_agenda``, ``approval_request``) carries the question's id
(:attr:`Outgoing.question_id <daemon.domain.effects.Outgoing.question_id>`). A reply to that
mail is read first as the answer, in the question's own terms (``daemon.inbound.answers``
reads it into an :class:`Answer`); :mod:`daemon.domain.answering` applies it.

Pure: questions live in the :class:`~daemon.domain.model.MeetingFile`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from daemon.domain.authz import Change
from daemon.domain.messages import AgendaEdit, MeetingRequestForm, MinutesDoc
from daemon.domain.model import MeetingFile, Question

#: What each question is about, as a change of the authorisation table: who may answer it.
CHANGE_OF: dict[str, Change] = {
    "proxy": Change.RSVP,
    "request_fields": Change.REQUEST_FORM,
    "goal": Change.REQUEST_FORM,
    "topic_fields": Change.TOPICS,
    "owner": Change.MINUTES,
    "counter": Change.RESCHEDULE,
    "late_topic": Change.LATE_TOPIC,
    "minutes_confirm": Change.MINUTES,
    "empty_agenda": Change.RESCHEDULE,
    "approval": Change.APPROVE,
    "agenda": Change.AGENDA,
}

#: The mail kind that asks each question (and asks it again).
ASKED_BY: dict[str, str] = {
    "proxy": "proxy_request",
    "request_fields": "request_question",
    "goal": "goal_rejected",
    "topic_fields": "topic_question",
    "owner": "owner_question",
    "counter": "counter_proposal",
    "late_topic": "topic_late",
    "minutes_confirm": "minutes_confirm",
    "empty_agenda": "empty_agenda",
    "approval": "approval_request",
    "agenda": "agenda",
}


@dataclass
class Answer:
    """What a reply says as the answer to one question, read in that question's terms.

    Attributes:
        kind: the question's kind.
        values: field → value as written (``delegate``, ``delegate_name``,
            ``written_opinion``, ``expected_outcome``, ``owner`` …; for an owner question
            ``A-3`` → the name written).
        decision: a choice the question offered: ``keep``, ``accept``, ``move``, ``cancel``,
            ``hold``, ``include``, ``exclude``, ``confirm``, ``correct``; or None.
        start, duration_minutes: the new time of a ``move`` (aware), and its length.
        form: a request or goal answer read as a request form (only the given fields set).
        minutes: the corrected minutes of a ``correct`` answer.
        edits: the agenda changes of an ``agenda`` answer, as one set.
        problems: what was written but could not be read (problem codes, e.g.
            ``owner_unreadable`` with ``item="A-3"``).
    """

    kind: str
    values: dict[str, str] = field(default_factory=dict)
    decision: str | None = None
    start: dt.datetime | None = None
    duration_minutes: int | None = None
    form: MeetingRequestForm | None = None
    minutes: MinutesDoc | None = None
    edits: list[AgendaEdit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        """True when the reply answered nothing the question asked."""
        return not self.values and self.decision is None and not self.edits


def ask(
    file: MeetingFile,
    kind: str,
    asked: str,
    now: dt.datetime,
    *,
    about: str = "",
    wanted: list[str] | None = None,
) -> Question:
    """The open question of ``kind`` to ``asked`` about ``about``: the one already open (its
    ``wanted`` replaced), or a new one."""
    for q in file.questions:
        if q.state == "open" and (q.kind, q.asked, q.about) == (kind, asked, about):
            q.wanted = list(wanted or [])
            return q
    q = Question(
        id=max((x.id for x in file.questions), default=0) + 1,
        kind=kind,
        asked=asked,
        about=about,
        wanted=list(wanted or []),
        asked_utc=now,
    )
    file.questions.append(q)
    return q


def close(q: Question, reason: str, now: dt.datetime) -> str:
    """Close ``q`` with ``reason``; returns the log line (for the event log)."""
    q.state, q.reason, q.closed_utc = "closed", reason, now
    return f"question {q.id} ({q.kind} to {q.asked}, {q.about or '-'}) closed: {reason}"


def answered_by(
    file: MeetingFile, question_id: int | None, sender: str, kind: str
) -> Question | None:
    """The open question a reply from ``sender`` answers: the one our mail carried (found by
    In-Reply-To/References), else, for a mail the reader could not place (``kind``
    ``unknown``) tagged for this meeting, the only question open to ``sender``."""
    q = file.question(question_id)
    if q is not None:
        return q if q.state == "open" else None
    if kind != "unknown":
        return None
    mine = [x for x in open_questions(file) if x.asked == sender and x.kind in ASKED_BY]
    return mine[0] if len(mine) == 1 else None


def open_questions(file: MeetingFile, kind: str | None = None) -> list[Question]:
    """The questions still waiting for an answer (of ``kind`` if given), oldest first."""
    return [q for q in file.questions if q.state == "open" and kind in (None, q.kind)]


def moot(file: MeetingFile, q: Question) -> str | None:
    """Why ``q`` no longer matters (the meeting was cancelled, the attendee changed their
    answer, the item got an owner …), or None while it still does."""
    m = file.meeting
    if m.status in ("cancelled", "rejected", "closed"):
        return f"the meeting is {m.status}"
    if q.kind == "proxy":
        rsvp = file.rsvp(q.about)
        if rsvp is None or rsvp.partstat not in ("DECLINED", "DELEGATED"):
            return "the attendee no longer declines"
        if rsvp.delegate and rsvp.written_opinion:
            return "the proxy and the written input are known"
    if q.kind in ("request_fields", "goal", "approval") and m.status not in (
        "requested",
        "goal_rejected",
        "incomplete",
        "awaiting_approval",
    ):
        return f"the request is {m.status}"
    if q.kind == "owner":
        items = [file.action(int(k[2:])) for k in q.about.split(",") if k.startswith("A-")]
        if all(a is None or a.owner for a in items):
            return "every item has an owner"
    if q.kind == "topic_fields":
        ids = set(q.about.split(","))
        pending = [
            t for t in file.topics if str(t.id) in ids and t.missing and t.merged_into is None
        ]
        if not pending:
            return "the topics are complete"
    if q.kind == "agenda" and m.status != "scheduled":
        return f"the meeting is {m.status}"
    if q.kind == "empty_agenda" and m.agenda_sent_utc is not None:
        return "the agenda went out"
    if q.kind == "late_topic" and not any(
        t.late and t.decision is None and t.merged_into is None for t in file.topics
    ):
        return "no late topic waits for a decision"
    return None


def close_moot(file: MeetingFile, now: dt.datetime) -> list[str]:
    """Close every open question that no longer matters; returns the log lines."""
    lines = []
    for q in open_questions(file):
        reason = moot(file, q)
        if reason is not None:
            lines.append(close(q, reason, now))
    return lines
