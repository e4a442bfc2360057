"""Meeting requests (会议需求申请): the form fields, the time, the people and the goal check.

Fields (zh/en synonyms in ``REQUEST_LABELS``): title, core problem, expected outcome, time
(``2026年12月8日 14:00-16:00`` → start and duration), duration, location, host, recorder,
participants and observers (列席). People fields are read as addresses; names written without an
address go to ``unresolved_names``. The expected outcome is checked by
:func:`daemon.domain.goals.check_goal`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from daemon.domain.goals import check_goal
from daemon.domain.messages import MeetingRequestForm
from daemon.inbound.dates import date_problems, parse_duration, parse_when
from daemon.inbound.parse.labels import LabelSet, clean_value
from daemon.inbound.phrases.fields import REQUEST_FIELDS

log = logging.getLogger(__name__)

REQUEST_LABELS = LabelSet(REQUEST_FIELDS)
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_NAME_SPLIT = re.compile(r"[、，,；;/\s]+")
_SUBJECT_TITLE = re.compile(
    r"(?:会议需求申请|會議需求申請|会议申请|Meeting request)\s*[:：]\s*(?P<t>.+)", re.I
)
_DEPT = re.compile(r".*(?:部|中心|组|組|处|處|科|室|办|辦|团队|團隊|dept|team)$", re.I)


def _people(value: str) -> tuple[list[str], list[str]]:
    addrs = [a.lower() for a in _EMAIL.findall(value)]
    names: list[str] = []
    if not addrs:
        for token in _NAME_SPLIT.split(value):
            token = token.strip("()（）<>")
            if token and not _DEPT.match(token):
                names.append(token)
    return addrs, names


def count_labels(fresh: str) -> int:
    """How many distinct request fields are labelled in ``fresh`` (for classification)."""
    if not REQUEST_LABELS.present(fresh):
        return 0
    return len({hit.field for ln in fresh.split("\n") if (hit := REQUEST_LABELS.match(ln))})


def parse_request(
    subject: str, fresh: str, ref: dt.datetime, problems: list[str] | None = None
) -> MeetingRequestForm:
    """Read a meeting request form.

    Args:
        subject: the decoded subject (title fallback: "会议需求申请：<title>").
        fresh: the sender's own text.
        ref: the aware message Date (time zone of the start; year for dates without one).
        problems: where to add why a written time or length was not taken (a year outside
            :data:`daemon.inbound.dates.YEARS`, a length over 24 hours or under a minute).

    Returns:
        A :class:`MeetingRequestForm`; missing fields stay ``None``/empty and ``goal_issues``
        lists why the expected outcome is not measurable. Never raises on any text.
    """
    values: dict[str, str] = {}
    last: str | None = None
    for line in fresh.split("\n"):
        hit = REQUEST_LABELS.match(line)
        if hit:
            if hit.field not in values:
                values[hit.field] = hit.value
                last = hit.field
            continue
        if last in ("participants", "observers") and _EMAIL.search(line):
            values[last] += "；" + line
        else:
            last = None
    form = MeetingRequestForm(title=clean_value(values.get("title")))
    if not form.title:
        m = _SUBJECT_TITLE.search(subject)
        form.title = clean_value(m.group("t")) if m else None
    form.core_problem = clean_value(values.get("core_problem"))
    form.expected_outcome = clean_value(values.get("expected_outcome"))
    form.location = clean_value(values.get("location"))
    if values.get("time"):
        form.start, form.duration_minutes = parse_when(values["time"], ref)
    if values.get("duration"):
        form.duration_minutes = parse_duration(values["duration"]) or form.duration_minutes
    if problems is not None:
        for key in ("time", "duration"):
            for problem in date_problems(values.get(key, "")):
                if problem not in problems:
                    problems.append(problem)
    for key in ("host", "recorder"):
        addrs, names = _people(values.get(key, ""))
        setattr(form, key, addrs[0] if addrs else None)
        if not addrs and names:
            setattr(form, f"{key}_name", names[0])
    addrs, names = _people(values.get("participants", ""))
    form.participants.extend(addrs)
    form.unresolved_names.extend(names)
    addrs, names = _people(values.get("observers", ""))
    form.observers.extend(addrs)
    form.observer_names.extend(names)
    form.goal_issues = [*check_goal(form.expected_outcome)]
    return form
