"""Minutes (会议纪要): decisions, action items, risks and the review date.

Sections start at a heading line (``一、决议``, ``Decisions:``, ``## Action items``,
``三、风险提示``, ``四、后续安排``). Inside a section:

* decisions: one per non-empty line (numbers and bullets stripped);
* action items: labelled segments (``行动内容：…；负责人：…；完成时间：…；支持需求：…``,
  ``Action: …; Owner: …; Due: …``), table rows under a header row (``Action | Owner | Due |
  Support needed``, columns matched by header name), or dash lists ``- what — owner — due``;
* risks: labelled segments or prose "若…，<mitigation>，负责人：<owner>";
* the review date: the date on a line mentioning 复盘/回顾/review/follow-up (a calendar date
  wins over a relative one like 两周后).

Dates without a year take the year nearest on or after the message date.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from daemon.domain.messages import ActionItemSpec, MinutesDoc, RiskSpec
from daemon.domain.problems import problem
from daemon.inbound.dates import first_date, out_of_range_dates, parse_date_value
from daemon.inbound.htmltext import CELL_SEP
from daemon.inbound.parse.labels import BULLET, LabelSet, clean_value, fold, strip_number

log = logging.getLogger(__name__)

_DECISION_WORDS = (
    r"(?:会议)?决议|決議|决定事项|決定事項|结论|結論|decisions?|resolutions?|conclusions?"
)
_ACTION_WORDS = (
    r"行动项|行動項|待办事项|待辦事項|待办|行动计划|后续行动|"
    r"action items?|actions|to-?dos?|next actions"
)
_FOLLOWUP_WORDS = r"后续安排|後續安排|下一步|复盘|復盤|next steps?|follow-?ups?|review"
_HEADINGS: list[tuple[str, re.Pattern[str]]] = [
    ("decisions", re.compile(_DECISION_WORDS, re.I)),
    ("actions", re.compile(_ACTION_WORDS, re.I)),
    ("risks", re.compile(r"风险提示|風險提示|风险|風險|risks?|risk register", re.I)),
    ("followup", re.compile(_FOLLOWUP_WORDS, re.I)),
]
# Words every decisions, actions and risks heading contains (English ones lower-cased): a text
# without any has no content section and is not minutes. Keep in step with the headings.
_CONTENT_KEYS = ("决议", "決議", "决定事项", "決定事項", "结论", "結論", "行动项", "行動項", "待办")
_CONTENT_KEYS_MORE = ("待辦事項", "行动计划", "后续行动", "风险", "風險")
_CONTENT_KEYS_EN = ("decision", "resolution", "conclusion", "action", "todo", "to-do", "risk")
_HEADING_LINE = re.compile(
    rf"^\s*(?:#+\s*)?(?:{BULLET}\s*)?[*_【\[]*(?P<h>[^:：|]{{1,24}}?)[*_】\]]*\s*[:：]?\s*$"
)
ACTION_LABELS = LabelSet(
    {
        "what": [
            "行动内容",
            "行動內容",
            "行动项",
            "行动",
            "事项",
            "事項",
            "任务",
            "任務",
            "工作内容",
            "Action item",
            "Action",
            "Task",
            "What",
            "Item",
        ],
        "owner": [
            "负责人",
            "負責人",
            "责任人",
            "責任人",
            "执行人",
            "Owner",
            "Responsible",
            "Who",
            "Assignee",
        ],
        "due": [
            "完成时间",
            "完成時間",
            "截止时间",
            "截止日期",
            "截止",
            "期限",
            "完成日期",
            "时限",
            "Due date",
            "Due",
            "Deadline",
            "By",
            "When",
        ],
        "support": [
            "支持需求",
            "所需支持",
            "需要支持",
            "支持",
            "协助",
            "Support needed",
            "Support",
            "Help needed",
            "Needs",
        ],
    }
)
RISK_LABELS = LabelSet(
    {
        "risk": ["风险", "風險", "风险点", "Risk"],
        "mitigation": [
            "应对措施",
            "應對措施",
            "应对",
            "备用方案",
            "備用方案",
            "缓解措施",
            "对策",
            "Mitigation",
            "Fallback",
            "Plan B",
        ],
        "owner": ["负责人", "負責人", "责任人", "Owner"],
    }
)
_REVIEW = re.compile(r"复盘|復盤|回顾|回顧|review|follow-?up|retro", re.I)
_REVIEW_KEYS = ("复盘", "復盤", "回顾", "回顧", "review", "follow", "retro")  # in fold(text)
_DASH_SPLIT = re.compile(r"\s+[—–-]{1,2}\s+|\s*[|｜]\s*|\s*[；;]\s*")
_CONDITION = re.compile(
    r"^(?P<risk>(?:若|如果|如|一旦|假如|if\b)[^，,]+)[，,]\s*(?P<rest>.+)$", re.I
)
_OWNER_TAIL = re.compile(
    r"[，,;；]?\s*(?:负责人|負責人|责任人|owner)\s*[:：]\s*(?P<o>[^，,;；。]+)[。.]?\s*$", re.I
)


def _section_of(line: str) -> str | None:
    m = _HEADING_LINE.match(line)
    if not m:
        return None
    head = m.group("h").strip()
    for name, pat in _HEADINGS:
        if pat.fullmatch(head) or (len(head) <= 8 and pat.search(head)):
            return name
    return None


def _table_header(cells: list[str]) -> list[str | None] | None:
    cols = [ACTION_LABELS.match(c.strip() + ":") for c in cells]
    names = [h.field if h and not h.value else None for h in cols]
    return names if "what" in names and ("owner" in names or "due" in names) else None


def _action(
    fields: dict[str, str], ref: dt.date, problems: list[str] | None = None
) -> ActionItemSpec | None:
    what = clean_value(fields.get("what"))
    if not what:
        return None
    due_text = clean_value(fields.get("due"))
    due = parse_date_value(due_text, ref) if due_text else None
    if due is None and due_text and problems is not None:
        for bad in out_of_range_dates(due_text):
            problems.append(problem("minutes_due_unusable", written=bad, what=what[:40]))
    return ActionItemSpec(
        what=what,
        owner=clean_value(fields.get("owner")),
        due=due,
        support=clean_value(fields.get("support")),
    )


def _dash_action(line: str, ref: dt.date) -> ActionItemSpec | None:
    parts = [p.strip() for p in _DASH_SPLIT.split(strip_number(line)) if p.strip()]
    if len(parts) < 2:
        return None
    fields: dict[str, str] = {"what": parts[0]}
    for part in parts[1:]:
        if "due" not in fields and first_date(part, ref) is not None and len(part) <= 30:
            fields["due"] = part
        elif "owner" not in fields:
            fields["owner"] = part
        elif "support" not in fields:
            fields["support"] = part
    return _action(fields, ref)


def _risk(line: str) -> RiskSpec | None:
    fields = RISK_LABELS.segments(line)
    if "risk" in fields:
        risk = clean_value(fields["risk"])
        if not risk:
            return None
        return RiskSpec(
            risk, clean_value(fields.get("mitigation")), clean_value(fields.get("owner"))
        )
    text = strip_number(line)
    owner = None
    m = _OWNER_TAIL.search(text)
    if m:
        owner = clean_value(m.group("o"))
        text = text[: m.start()]
    text = text.strip().strip("，,。")
    if not text:
        return None
    cond = _CONDITION.match(text)
    if cond:
        return RiskSpec(cond.group("risk").strip(), clean_value(cond.group("rest")), owner)
    return RiskSpec(text, None, owner)


def parse_minutes(fresh: str, ref: dt.date, problems: list[str] | None = None) -> MinutesDoc | None:
    """Read minutes from the sender's text.

    Args:
        fresh: the text (HTML already converted; tables as ``a | b | c`` rows).
        ref: the local date of the message (for dates without a year and relative dates).
        problems: where to add why an action item's written due date was not taken (a
            year outside :data:`daemon.inbound.dates.YEARS`).

    Returns:
        A :class:`MinutesDoc`, or ``None`` when no decisions/action items/risks were found.
        Never raises on any text.
    """
    lower = fold(fresh)
    if not (
        any(k in fresh for k in _CONTENT_KEYS + _CONTENT_KEYS_MORE)
        or any(k in lower for k in _CONTENT_KEYS_EN)
    ):
        return None
    review = any(k in lower for k in _REVIEW_KEYS)  # else no line needs the _REVIEW search
    doc = MinutesDoc()
    section: str | None = None
    header: list[str | None] | None = None
    for line in fresh.split("\n"):
        if not line.strip():
            continue
        found = _section_of(line)
        if found:
            section, header = found, None
            if found == "followup" and review and _REVIEW.search(line):
                doc.review_date = first_date(line, ref, prefer_absolute=True) or doc.review_date
            continue
        if section == "decisions":
            text = clean_value(strip_number(line))
            if text:
                doc.decisions.append(text)
        elif section == "actions":
            _action_line(line, ref, doc, header_box := [header], problems)
            header = header_box[0]
        elif section == "risks":
            risk = _risk(line)
            if risk:
                doc.risks.append(risk)
        if review and doc.review_date is None and _REVIEW.search(line):
            doc.review_date = first_date(line, ref, prefer_absolute=True)
    if not (doc.decisions or doc.action_items or doc.risks):
        return None
    return doc


def _action_line(
    line: str,
    ref: dt.date,
    doc: MinutesDoc,
    header_box: list[list[str | None] | None],
    problems: list[str] | None = None,
) -> None:
    if CELL_SEP.strip() in line and ":" not in line and "：" not in line:
        cells = [c.strip() for c in line.split(CELL_SEP.strip())]
        header = header_box[0]
        if header is None:
            header_box[0] = _table_header(cells)
            if header_box[0] is not None:
                return
        if header is not None:
            fields = {name: cells[i] for i, name in enumerate(header) if name and i < len(cells)}
            item = _action(fields, ref, problems)
            if item:
                doc.action_items.append(item)
            return
    fields = ACTION_LABELS.segments(strip_number(line))
    item = _action(fields, ref, problems) if fields else _dash_action(line, ref)
    if item:
        doc.action_items.append(item)
