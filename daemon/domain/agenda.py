"""The time-boxed agenda (会议议题清单): opening, one box per topic, action items, wrap-up.

Pure. Minutes are whole minutes; start times are local wall-clock ``datetime`` values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

MIN_TOPIC_MINUTES = 10


@dataclass(frozen=True)
class AgendaItem:
    """One box: ``title`` with its ``presenter`` (address or None) and length in minutes."""

    title: str
    minutes: int
    presenter: str | None = None
    part: str = "topic"  # opening | topic | actions | wrapup
    n: int | None = None  # the topic's number on the agenda (1, 2, …), for edits by reply


@dataclass(frozen=True)
class Agenda:
    """The boxes in order, the total, the slot length and the overflow (0 when it fits)."""

    items: tuple[AgendaItem, ...]
    total_minutes: int
    slot_minutes: int

    @property
    def overflow_minutes(self) -> int:
        return max(0, self.total_minutes - self.slot_minutes)

    def timed(self, start: dt.datetime) -> list[dict[str, object]]:
        """The boxes as template rows ``{start, end, minutes, title, presenter, part, n}``."""
        rows: list[dict[str, object]] = []
        at = start
        for item in self.items:
            end = at + dt.timedelta(minutes=item.minutes)
            rows.append(
                {
                    "start": at.strftime("%H:%M"),
                    "end": end.strftime("%H:%M"),
                    "minutes": item.minutes,
                    "title": item.title,
                    "presenter": item.presenter,
                    "part": item.part,
                    "n": item.n,
                }
            )
            at = end
        return rows


def build_agenda(
    topics: Sequence[tuple[str, str | None] | tuple[str, str | None, int | None]],
    slot_minutes: int,
    *,
    lang: str = "zh",
    opening: int = 10,
    per_topic: int = 20,
    actions: int = 15,
    wrapup: int = 5,
) -> Agenda:
    """Build the agenda for ``topics`` (title, presenter address, and optionally the minutes
    the host fixed for it) in a slot of given length.

    Topic boxes without fixed minutes share what the slot leaves after the fixed boxes,
    between 10 minutes and ``per_topic`` each; when even 10 minutes a topic does not fit,
    the agenda keeps ``per_topic`` minutes a topic and reports the overflow (the host is
    warned).
    """
    labels = _LABELS[lang if lang in _LABELS else "en"]
    rows = [(t[0], t[1], t[2] if len(t) > 2 else None) for t in topics]
    fixed = opening + actions + wrapup + sum(m for _t, _p, m in rows if m)
    free = [r for r in rows if not r[2]]
    per = per_topic
    if free:
        share = (slot_minutes - fixed) // len(free)
        if MIN_TOPIC_MINUTES <= share < per_topic:
            per = share
    items = [AgendaItem(labels["opening"], opening, None, "opening")]
    items += [
        AgendaItem(title, minutes or per, presenter, "topic", n)
        for n, (title, presenter, minutes) in enumerate(rows, 1)
    ]
    items.append(AgendaItem(labels["actions"], actions, None, "actions"))
    items.append(AgendaItem(labels["wrapup"], wrapup, None, "wrapup"))
    return Agenda(tuple(items), sum(i.minutes for i in items), slot_minutes)


_LABELS = {
    "zh": {"opening": "开场与议程确认", "actions": "形成共识与行动项", "wrapup": "会议总结"},
    "en": {
        "opening": "Opening and agenda",
        "actions": "Decisions and action items",
        "wrapup": "Wrap-up",
    },
}
