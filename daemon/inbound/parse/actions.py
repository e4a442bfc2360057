"""Action item progress reports: done, in progress, delayed (with the new date), blocked.

The action is named by the subject tag ``[MTG-<n>/A-<k>]`` (or ``A-<k>`` in the text). The
status is read from the sender's fresh text, zh and en; the order of checks resolves mixed
wording: blocked, then delayed, then in progress (which also covers "预计下周三完成" — a
completion still to come, negated completion such as 未完成/not done yet, and a percentage
"进度大概60%"), then done (also without the word: "已经下发…这项可以关掉"). The phrases are
data in :mod:`daemon.inbound.phrases.status`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import cast

from daemon.domain.messages import ActionStatus, ActionUpdate
from daemon.domain.problems import problem
from daemon.inbound.dates import iter_dates, out_of_range_dates
from daemon.inbound.parse.labels import fold
from daemon.inbound.phrases.status import (
    BLOCKED_PHRASES,
    DELAYED_PHRASES,
    DONE_PHRASES,
    PROGRESS_PHRASES,
)

log = logging.getLogger(__name__)

ACTION_TAG = re.compile(r"\[\s*MTG-(\d+)\s*/\s*A-(\d{1,9})\s*\]", re.I)
_BODY_REF = re.compile(r"(?<![\w-])A-(\d{1,4})(?!\w)")


def action_ref(subject: str, fresh: str) -> str | None:
    """``A-<k>`` from the subject tag, else from the text; ``None`` when absent."""
    m = ACTION_TAG.search(subject)
    if m:
        return f"A-{int(m.group(2))}"
    b = _BODY_REF.search(fresh)
    return f"A-{int(b.group(1))}" if b else None


def _status(text: str) -> str | None:
    folded = fold(text)
    for name, pat in (
        ("blocked", BLOCKED_PHRASES),
        ("delayed", DELAYED_PHRASES),
        ("in_progress", PROGRESS_PHRASES),
        ("done", DONE_PHRASES),
    ):
        if pat.search(text, folded):
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
        m = DELAYED_PHRASES.search(fresh)
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
