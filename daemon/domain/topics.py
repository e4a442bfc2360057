"""Topic intake (议题征集): receipts, questions, late topics, merging near-duplicates."""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz

from daemon.domain import questions
from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.events import Incoming
from daemon.domain.messages import TopicSubmission
from daemon.domain.model import MeetingFile, Topic
from daemon.domain.roster import department_key

FIELDS = ("title", "background", "pain_point", "expected_outcome")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")


def similarity(a: str, b: str) -> float:
    """0–100 similarity of two titles.

    Chinese titles are compared as sorted sets of character bigrams (word order and small
    function words such as 的 barely matter: "客户投诉处理流程优化" ≈ "优化客户投诉的处理流程");
    other titles as sorted words. A short title contained in a longer one is not a
    duplicate ("流程优化" vs "客户投诉处理流程优化").
    """
    a, b = _NOISE.sub(" ", a.lower()).strip(), _NOISE.sub(" ", b.lower()).strip()
    if not a or not b:
        return 0.0
    if _CJK.search(a + b):
        return float(fuzz.token_sort_ratio(_bigrams(a), _bigrams(b)))
    return float(max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)))


def _bigrams(text: str) -> str:
    chars = text.replace(" ", "")
    return " ".join(chars[i : i + 2] for i in range(max(1, len(chars) - 1)))


def topics_due(file: MeetingFile, ctx: RuleContext) -> bool:
    """True once the topic deadline (M − N working days, end of day) has passed."""
    start = file.meeting.start_utc
    return start is not None and ctx.now > ctx.days.deadline_before(
        start, ctx.timings.topics_due_days
    )


def on_topics(file: MeetingFile, inc: Incoming, ctx: RuleContext, effects: Effects) -> None:
    """Take the topics of one submission: store, merge, answer (who may submit is
    :mod:`daemon.domain.authz`'s decision, made before)."""
    m = file.meeting
    sender = inc.sender
    late = topics_due(file, ctx)
    taken: list[Topic] = []
    for sub in inc.msg.topics:
        if not any(getattr(sub, f) for f in FIELDS):
            continue
        topic = _follow_up_of(file, sender, sub, inc) or _new_topic(file, sender, sub, ctx)
        _fill(topic, sub)
        topic.late = topic.late or late
        topic.complex = topic.complex or sub.complex
        taken.append(topic)
    for material in inc.materials:
        material.topic_id = taken[0].id if taken else None
        if all(x.sha256 != material.sha256 for x in file.materials):
            file.materials.append(material)
    if not taken:
        effects.log.append(f"{m.ref}: submission from {sender} held no topic")
        return
    rows = [_row(t) for t in taken]
    incomplete = [t for t in taken if t.missing]
    kind = "topic_question" if incomplete else "topic_receipt"
    question_id = None
    if incomplete:
        about = ",".join(str(t.id) for t in incomplete)
        wanted = sorted({f for t in incomplete for f in t.missing})
        question_id = questions.ask(
            file, "topic_fields", sender, ctx.now, about=about, wanted=wanted
        ).id
    effects.outgoing.append(
        Outgoing(
            kind,
            [sender],
            key=inc.key,
            in_reply_to=inc.msg.message_id,
            extra={"topics": rows, "late": late},
            question_id=question_id,
        )
    )
    effects.log.append(
        f"{m.ref}: {len(taken)} topic(s) from {sender}"
        + (" (late)" if late else "")
        + (f", missing {[t.missing for t in taken]}" if kind == "topic_question" else "")
    )
    for topic in taken:
        _merge_duplicates(file, topic, ctx, effects)
    undecided = [t for t in taken if t.late and t.merged_into is None]
    if undecided and m.host:  # a late topic merged into one on the agenda needs no decision
        about = ",".join(str(t.id) for t in undecided)
        q = questions.ask(file, "late_topic", m.host, ctx.now, about=about)
        effects.outgoing.append(
            Outgoing(
                "topic_late",
                [m.host],
                key=inc.key,
                question_id=q.id,
                extra={
                    "topics": [_row(t) for t in undecided],
                    "submitter": sender,
                    "submitter_name": ctx.directory.name_of(sender),
                },
            )
        )


def _new_topic(file: MeetingFile, sender: str, sub: TopicSubmission, ctx: RuleContext) -> Topic:
    topic = Topic(
        id=max((t.id for t in file.topics), default=0) + 1,
        title=sub.title or "",
        submitter=sender,
        department=department_key(file, sender, ctx.directory),
        received_utc=ctx.now,
    )
    file.topics.append(topic)
    return topic


def _follow_up_of(
    file: MeetingFile, sender: str, sub: TopicSubmission, inc: Incoming
) -> Topic | None:
    """The sender's earlier topic this submission completes (answer to a topic_question,
    or the same title again), or None."""
    own = [t for t in file.topics if t.submitter == sender]
    if not own:
        return None
    if sub.title:
        best = max(own, key=lambda t: similarity(t.title, sub.title or ""))
        if similarity(best.title, sub.title) >= 90:
            return best
        return None if sub.freeform else _completed_by(own, sub, inc)
    if inc.reply_to_kind == "topic_question":
        incomplete = [t for t in own if t.missing]
        return incomplete[-1] if incomplete else None
    return None


def _completed_by(own: list[Topic], sub: TopicSubmission, inc: Incoming) -> Topic | None:
    """The sender's latest incomplete topic that a labelled submission under another title
    completes: it answers our question about the missing fields, or the earlier topic was
    written as prose (no pain point and no expected outcome given), and the submission
    gives at least one of the fields that topic lacks. ``None`` otherwise."""
    open_ = [t for t in own if t.missing and t.merged_into is None]
    if not open_:
        return None
    last = open_[-1]
    prose_like = {"pain_point", "expected_outcome"} <= set(last.missing)
    if not (inc.reply_to_kind == "topic_question" or prose_like):
        return None
    return last if any(getattr(sub, f) for f in last.missing if f != "title") else None


def _fill(topic: Topic, sub: TopicSubmission) -> None:
    for name in FIELDS:
        value = getattr(sub, name)
        if value:
            setattr(topic, name, value)
    topic.missing = [name for name in FIELDS if not getattr(topic, name)]


def _merge_duplicates(file: MeetingFile, topic: Topic, ctx: RuleContext, effects: Effects) -> None:
    """Merge ``topic`` into an earlier near-identical topic of another department."""
    if topic.merged_into is not None or not topic.title:
        return
    for other in file.topics:
        if (
            other.id == topic.id
            or other.merged_into is not None
            or other.department == topic.department
            or similarity(other.title, topic.title) < ctx.timings.merge_similarity
        ):
            continue
        topic.merged_into = other.id
        if topic.submitter not in other.also_from:
            other.also_from.append(topic.submitter)
        for name in ("background", "pain_point", "expected_outcome"):
            if not getattr(other, name) and getattr(topic, name):
                setattr(other, name, getattr(topic, name))
        submitters = [other.submitter, *other.also_from]
        effects.outgoing.append(
            Outgoing(
                "topic_merged",
                submitters,
                key=f"topic-{topic.id}",
                extra={"kept": other.title, "merged": [topic.title], "submitters": submitters},
            )
        )
        effects.log.append(
            f"{file.meeting.ref}: topic {topic.id} '{topic.title}' merged into "
            f"{other.id} '{other.title}' ({similarity(other.title, topic.title):.0f}%)"
        )
        return


def _row(topic: Topic) -> dict[str, Any]:
    return {name: getattr(topic, name) for name in (*FIELDS, "missing")}


def live_topics(file: MeetingFile) -> list[Topic]:
    """Topics on the agenda: not merged away, not dropped, with a title; in the host's order
    (``position``), else in order of arrival."""
    live = [
        t
        for t in file.topics
        if t.merged_into is None and t.title and t.decision not in ("excluded", "dropped")
    ]
    arrival = {t.id: i for i, t in enumerate(live)}
    return sorted(live, key=lambda t: t.position if t.position is not None else arrival[t.id])


def silent_departments(file: MeetingFile, ctx: RuleContext) -> dict[str, list[str]]:
    """Core departments that have not submitted a topic → their core participants."""
    from daemon.domain.roster import core_departments

    submitted = {t.department for t in file.topics}
    submitted |= {department_key(file, a, ctx.directory) for t in file.topics for a in t.also_from}
    return {
        d: people
        for d, people in core_departments(file, ctx.directory).items()
        if d not in submitted
    }
