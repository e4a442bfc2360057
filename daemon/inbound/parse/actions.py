"""Action item progress reports: done, in progress, delayed (with the new date), blocked.

The action is named by the subject tag ``[MTG-<n>/A-<k>]`` (or ``A-<k>`` in the text). The
status is read from the sender's fresh text, zh and en; the order of checks resolves mixed
wording: blocked, then delayed, then in progress (which also covers "预计下周三完成" — a
completion still to come, and negated completion such as 未完成/not done yet), then done.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import cast

from daemon.domain.messages import ActionStatus, ActionUpdate
from daemon.domain.problems import problem
from daemon.inbound.dates import iter_dates, out_of_range_dates

log = logging.getLogger(__name__)

ACTION_TAG = re.compile(r"\[\s*MTG-(\d+)\s*/\s*A-(\d{1,9})\s*\]", re.I)
_BODY_REF = re.compile(r"(?<![\w-])A-(\d{1,4})(?!\w)")
_BLOCKED = re.compile(
    r"受阻|阻塞|卡住|卡在|无法推进|無法推進|推进不了|停滞|被阻|blocked|blocker|stuck|"
    r"cannot proceed|can't proceed|waiting on|on hold|暂停|暫停",
    re.I,
)
_DELAYED = re.compile(
    r"延期|延后|延後|推迟|推遲|顺延|順延|改到|改期|延迟|延遲|往后推|来不及|來不及|"
    r"delay(?:ed)?|postpone[sd]?|push(?:ed)? (?:back|out|to)|slip(?:ped|s)?|reschedul|"
    r"need (?:more|until|till)|new (?:due )?date|extend(?:ed)? to",
    re.I,
)
_PROGRESS = re.compile(
    r"进行中|進行中|正在|在做|在进行|推进中|推進中|处理中|處理中|开发中|開發中|"
    r"未完成|没完成|沒完成|尚未完成|还没|還沒|预计.{0,12}完成|預計.{0,12}完成|"
    r"in progress|working on|on track|ongoing|under way|underway|not (?:yet )?done|"
    r"not finished|(?:will|should) (?:be )?(?:done|finish|complete)",
    re.I,
)
_DONE = re.compile(
    r"已完成|已经完成|已經完成|完成了|已搞定|搞定了|已办结|已辦結|已交付|已提交|已上线|已上線|"
    r"(?<!未)(?<!没)(?<!沒)完成|\bdone\b|\bcompleted?\b|\bfinished\b|\bdelivered\b|\bshipped\b",
    re.I,
)


def action_ref(subject: str, fresh: str) -> str | None:
    """``A-<k>`` from the subject tag, else from the text; ``None`` when absent."""
    m = ACTION_TAG.search(subject)
    if m:
        return f"A-{int(m.group(2))}"
    b = _BODY_REF.search(fresh)
    return f"A-{int(b.group(1))}" if b else None


def _status(text: str) -> str | None:
    for name, pat in (
        ("blocked", _BLOCKED),
        ("delayed", _DELAYED),
        ("in_progress", _PROGRESS),
        ("done", _DONE),
    ):
        if pat.search(text):
            return name
    return None


def parse_action_update(
    subject: str, fresh: str, ref: dt.date, problems: list[str] | None = None
) -> ActionUpdate | None:
    """Read a progress report.

    Args:
        subject: the decoded subject (for the ``[MTG-n/A-k]`` tag).
        fresh: the sender's own text.
        ref: the local message date (new dates without a year take the next such date).
        problems: where to add why a new date written in a delay was not taken.

    Returns:
        An :class:`ActionUpdate` or ``None`` when no status is written. ``new_due`` is set for
        a delay that names a usable date. Never raises on any text.
    """
    if not fresh.strip():
        return None
    status = _status(fresh)
    if status is None:
        return None
    new_due = None
    if status == "delayed":
        m = _DELAYED.search(fresh)
        tail = fresh[m.start() :] if m else fresh
        for _s, _e, when in iter_dates(tail, ref):
            new_due = when
            break
        bad = out_of_range_dates(tail)
        if new_due is None and bad and problems is not None:
            problems.append(problem("delay_date_unusable", written=bad[0]))
    note = " ".join(ln.strip() for ln in fresh.split("\n") if ln.strip())[:500] or None
    return ActionUpdate(
        action_ref=action_ref(subject, fresh),
        status=cast(ActionStatus, status),
        new_due=new_due,
        note=note,
    )
