"""The host changes the agenda: drop, retime, reorder or add topics (PROCESS.md §1, "议程").

The changes come as one set (a reply to the ``agenda`` mail read by
:mod:`daemon.inbound.parse.agenda_edit`, or ``meetingd agenda``) and are applied all or
nothing: a set that names a topic the agenda does not have changes nothing. Topic numbers
are the agenda's (1-based, in agenda order). Once the agenda went out, the whole set gives
one invite update, never one per line.

Pure.
"""

from __future__ import annotations

from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects
from daemon.domain.messages import AgendaEdit
from daemon.domain.model import MeetingFile, Topic
from daemon.domain.problems import problem
from daemon.domain.refused import CommandRefused
from daemon.domain.timed import publish_agenda
from daemon.domain.topics import live_topics

MAX_TOPIC_MINUTES = 240


def apply_edits(
    file: MeetingFile,
    edits: list[AgendaEdit],
    ctx: RuleContext,
    fx: Effects,
    *,
    actor: str,
    key: str,
) -> None:
    """Apply ``edits`` to the agenda of ``file`` as one change.

    Raises:
        CommandRefused: the meeting is not scheduled, a topic number is not on the agenda, or
            a length is out of range (1 to 240 minutes); nothing is changed then.
    """
    m = file.meeting
    if m.status != "scheduled":
        raise CommandRefused(problem("agenda_not_scheduled", ref=m.ref, status=m.status))
    if not edits:
        raise CommandRefused(problem("agenda_no_change"))
    order = live_topics(file)
    numbered = dict(enumerate(order, 1))
    for e in edits:
        if e.op != "add" and e.n not in numbered:
            raise CommandRefused(problem("agenda_no_topic", n=e.n, count=len(order)))
        if e.minutes is not None and not 1 <= e.minutes <= MAX_TOPIC_MINUTES:
            raise CommandRefused(problem("agenda_bad_length", minutes=e.minutes))
    done: list[str] = []
    for e in edits:
        if e.op == "drop":
            topic = numbered[e.n or 0]
            topic.decision = "dropped"
            order.remove(topic)
            done.append(f"dropped {e.n} '{topic.title}'")
        elif e.op == "time":
            numbered[e.n or 0].minutes = e.minutes
            done.append(f"topic {e.n} set to {e.minutes} min")
    for e in edits:
        if e.op == "move" and numbered[e.n or 0] in order:
            topic = numbered[e.n or 0]
            order.remove(topic)
            order.insert(max(0, min(len(order), (e.to or 1) - 1)), topic)
            done.append(f"topic {e.n} moved to {e.to}")
    for e in edits:
        if e.op == "add" and e.title:
            topic = Topic(
                id=max((t.id for t in file.topics), default=0) + 1,
                title=e.title,
                submitter=actor if "@" in actor else (m.host or actor),
                minutes=e.minutes,
                received_utc=ctx.now,
            )
            file.topics.append(topic)
            order.append(topic)
            done.append(f"added '{e.title}'")
    for position, topic in enumerate(order):
        topic.position = position
    fx.log.append(f"{m.ref}: agenda changed by {actor}: " + "; ".join(done))
    if m.agenda_sent_utc is not None:
        publish_agenda(file, ctx, fx, key=key, reason="agenda_changed")
