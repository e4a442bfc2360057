"""Minutes (会议纪要): decisions, action items, risks and the review date.

Structure first, phrases second. Each line is first seen as what it is
(:mod:`daemon.inbound.parse.structure`): a table row, a grid rule, a list item, a section
heading (``一、决议``, ``Decisions:``, ``## Action items``, ``三、风险提示``: the headings are
data in :mod:`daemon.inbound.phrases.headings`), or prose. Then:

* tables: a header row whose cells name action fields (``序号 | 行动内容 | 负责人 | 完成时间 |
  支持需求``, ``Action | Owner | Due``) or risk fields starts a table wherever it stands; each
  row is one item, its cells assigned by column header;
* decisions: one per line (numbers and bullets stripped);
* action items: labelled segments (``行动内容：…；负责人：…；完成时间：…``), an owner before a
  colon (``- 张伟：12月20日前完成…（需采购部支持）``), dash parts (``what — owner — by date —
  needs …``, assigned by their marks: by/前 for the due date, needs/需 for the support, a
  name for the owner), or a sentence (``张伟负责…，12月20日前完成``, ``Dana will … by Dec 20``);
  an item whose owner or due date cannot be read is kept and marked ``doubtful``;
* risks: labelled segments, "若/如遇X，先Y" (the mitigation after the comma), a
  ``Fallback:``/``应对：`` part or line for the mitigation, "负责人：<owner>";
* the review date: a line naming the review (复盘/review/next meeting) with a date (a
  calendar date wins over a relative one like 两周后);
* a section ends at a paragraph that is not a list item, and reading stops at a sign-off or
  a signature line, so "Next review …" and the signature are never risks or decisions.

Minutes written as prose (no headings; ``prose=True``, for a mail the subject or the thread
says is minutes) are read sentence by sentence: an owner with a due date is an action item, a
condition or the word risk a risk, a decision word a decision.

Dates without a year take the year nearest on or after the message date. Action lines are
read by :mod:`daemon.inbound.parse.action_items`, risks by :mod:`daemon.inbound.parse.risks`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from daemon.domain.messages import MinutesDoc, RiskSpec
from daemon.inbound.dates import first_date
from daemon.inbound.parse.action_items import (
    ACTION_LABELS,
    action_item,
    read_action_line,
    starts_with_owner,
)
from daemon.inbound.parse.labels import BULLET, clean_value, fold, strip_number
from daemon.inbound.parse.risks import MITIGATION, RISK_LABELS, read_risk
from daemon.inbound.parse.structure import is_rule, list_item, pipe_cells, spaced_cells
from daemon.inbound.phrases.headings import CONTENT_SECTION_WORDS, INLINE_SECTIONS, SECTIONS
from daemon.inbound.phrases.letter import (
    GREETING_START,
    INTRO_START,
    SIGN_OFF_LINE,
    SIGNATURE_WORDS,
)
from daemon.inbound.phrases.minutes import (
    CONDITION_START,
    DECIDED_PHRASES,
    REVIEW_PHRASES,
    RISK_PHRASES,
)

log = logging.getLogger(__name__)

_SIGN_OFF_MAX = 30  # a sign-off line is short ("此致", "Thanks and best regards,")
_ALIGNED = "  "  # a row of aligned columns holds a run of spaces


_HEADING_LINE = re.compile(
    rf"^\s*(?:#+\s*)?(?:{BULLET}\s*)?[*_【\[]*(?P<h>[^:：|]{{1,24}}?)[*_】\]]*\s*"
    r"(?:[:：]\s*(?P<rest>.*))?$"
)
# Every section heading in one pattern, a named group per section (one search per line).
_ANY_SECTION = re.compile(
    "|".join(f"(?P<{name}>{pat.pattern.pattern})" for name, pat in SECTIONS.items()), re.I
)
_EN_SENTENCE_END = re.compile(r"(?<=[a-z)\d])\.\s+(?=[A-Z])")


def _section_of(line: str) -> tuple[str, str, bool] | None:
    """``(section, rest, inline)`` for a heading line (``rest``: the text after a colon;
    ``inline``: a label such as "会议决定：" that names only its own line), else ``None``."""
    m = _HEADING_LINE.match(line)
    if not m:
        return None
    head = m.group("h").strip()
    rest = (m.group("rest") or "").strip()
    whole = _ANY_SECTION.fullmatch(head) or (len(head) <= 8 and _ANY_SECTION.search(head))
    if whole:
        return next(name for name, value in whole.groupdict().items() if value), rest, False
    if rest:
        for name, pat in INLINE_SECTIONS.items():
            if pat.pattern.fullmatch(head):
                return name, rest, True
    return None


@dataclass
class _Table:
    kind: str  # "actions" or "risks"
    columns: list[str | None]
    spaced: bool


@dataclass
class _Reader:
    ref: dt.date
    problems: list[str] | None
    prose: bool
    doc: MinutesDoc = field(default_factory=MinutesDoc)
    section: str | None = None
    items_in_section: int = 0
    blank: bool = False
    table: _Table | None = None

    def feed(self, raw: str) -> bool:
        """Read one line; ``False`` once reading stops (a sign-off or a signature)."""
        line = raw.strip()
        if not line:
            self.blank = True
            return True
        short = len(line) <= _SIGN_OFF_MAX
        if (short and SIGN_OFF_LINE.pattern.match(line)) or (
            self._has_content() and SIGNATURE_WORDS.search(line)
        ):
            return False
        if is_rule(line):
            return True
        if self._table_line(line):
            return True
        heading = _section_of(line)
        if heading and heading[2]:  # "会议决定：…": this line only
            section, self.section = self.section, heading[0]
            self._content(heading[1])
            self.section, self.blank = section, False
            return True
        if heading:
            self.section, self.items_in_section, self.blank = heading[0], 0, False
            if heading[1] and heading[0] == "followup":
                self._review(line)  # "Next review: December 28"
            elif heading[1]:
                self._content(heading[1])
            elif heading[0] == "followup":
                self._review(line)
            return True
        if (
            self.blank
            and self.items_in_section
            and self.section in ("decisions", "risks", "actions")
            and list_item(line) is None
        ):
            self.section = None  # a paragraph after the list: the section is over
        self.blank = False
        self._content(line)
        return True

    def _has_content(self) -> bool:
        return bool(self.doc.decisions or self.doc.action_items or self.doc.risks)

    def _table_line(self, line: str) -> bool:
        cells = pipe_cells(line)
        spaced = False
        may_align = self.table is None or self.table.spaced
        if cells is None and ("\t" in line or (may_align and _ALIGNED in line)):
            cells, spaced = spaced_cells(line), True
        if cells is None:
            self.table = None
            return False
        for kind, labels, key in (
            ("actions", ACTION_LABELS, "what"),
            ("risks", RISK_LABELS, "risk"),
        ):
            columns = labels.header(cells, key)
            if columns is not None:
                self.table = _Table(kind, columns, spaced)
                return True
        if self.table is None or (spaced and len(cells) < 2):
            return False
        values = {
            name: cells[i] for i, name in enumerate(self.table.columns) if name and i < len(cells)
        }
        if self.table.kind == "actions":
            item = action_item(
                values.get("what"),
                values.get("owner"),
                values.get("due"),
                values.get("support"),
                self.ref,
                self.problems,
            )
            if item:
                self.doc.action_items.append(item)
        else:
            risk = clean_value(values.get("risk"))
            if risk:
                self.doc.risks.append(
                    RiskSpec(
                        risk,
                        clean_value(values.get("mitigation")),
                        clean_value(values.get("owner")),
                    )
                )
        return True

    def _content(self, line: str) -> None:
        section = self.section
        if section in ("decisions", "risks") and list_item(line) is None and self._review(line):
            return  # "Review on 4/20" after the list
        if section == "decisions":
            text = clean_value(strip_number(line))
            if text and not GREETING_START.search(text):
                self.doc.decisions.append(text)
                self.items_in_section += 1
        elif section == "actions":
            if self._action(line):
                self.items_in_section += 1
        elif section == "risks":
            self._risk_line(line)
        elif section == "followup":
            self._review(line)
        elif self.prose:
            self._prose(line)
        elif REVIEW_PHRASES.search(line):
            self._review(line)

    def _action(self, line: str) -> bool:
        text = strip_number(line)
        fields = ACTION_LABELS.segments(text)
        if fields.get("what"):
            item = action_item(
                fields.get("what"),
                fields.get("owner"),
                fields.get("due"),
                fields.get("support"),
                self.ref,
                self.problems,
            )
        else:
            if GREETING_START.search(text) and len(text) < 20:
                return False
            item = read_action_line(text, self.ref, self.problems)
        if item:
            self.doc.action_items.append(item)
        return item is not None

    def _risk_line(self, line: str) -> None:
        text = strip_number(line)
        mit = MITIGATION.match(text)
        last = self.doc.risks[-1] if self.doc.risks else None
        if mit and last is not None and last.mitigation is None:
            last.mitigation = clean_value(text[mit.end() :])  # "Fallback: …" on its own line
            return
        risk = read_risk(line)
        if risk:
            self.doc.risks.append(risk)
            self.items_in_section += 1

    def _review(self, line: str) -> bool:
        """Take the review date from ``line``; whether the line names a review with a date."""
        if not REVIEW_PHRASES.search(line):
            return False
        when = first_date(line, self.ref, prefer_absolute=True)
        if when is not None and self.doc.review_date is None:
            self.doc.review_date = when
        return when is not None

    def _prose(self, line: str) -> None:
        for sentence in _split_sentences(_without_greeting(strip_number(line))):
            dated = first_date(sentence, self.ref) is not None
            if dated and REVIEW_PHRASES.search(sentence):
                self._review(sentence)
                continue
            mit = MITIGATION.match(sentence)
            last = self.doc.risks[-1] if self.doc.risks else None
            if mit and last is not None and last.mitigation is None:
                last.mitigation = clean_value(sentence[mit.end() :])  # "…; fallback: …"
                continue
            if dated and self._prose_actions(sentence):  # an action needs its due date
                continue
            if CONDITION_START.search(sentence) or RISK_PHRASES.search(sentence):
                risk = read_risk(sentence)
                if risk:
                    self.doc.risks.append(risk)
                    self.doc.prose = True
            elif DECIDED_PHRASES.search(sentence):
                decision = clean_value(sentence)
                if decision:
                    self.doc.decisions.append(decision)
                    self.doc.prose = True

    def _prose_actions(self, sentence: str) -> bool:
        """The action items of a sentence (one per clause that names its owner, or the
        sentence as one); whether there were any."""
        clauses = _clauses(sentence, self.ref) if re.search(r"[，,;；]", sentence) else []
        items = [read_action_line(c, self.ref, self.problems, strict=True) for c in clauses]
        if len(items) < 2 or not all(items):
            items = [read_action_line(sentence, self.ref, self.problems, strict=True)]
        found = [i for i in items if i]
        self.doc.action_items.extend(found)
        self.doc.prose = self.doc.prose or bool(found)
        return bool(found)


def _without_greeting(text: str) -> str:
    """``text`` without a greeting ("王总，") or an announcing clause ("…汇总如下：") at its
    start."""
    for pat in (GREETING_START, INTRO_START):
        m = pat.search(text)
        if m:
            text = text[m.end() :].lstrip()
    return text


def _clauses(sentence: str, ref: dt.date) -> list[str]:
    """The sentence cut at the commas before a clause that names its own owner."""
    parts = re.split(r"(?<=[，,;；])\s*", sentence)
    out: list[str] = []
    for part in parts:
        if out and starts_with_owner(part, ref):
            out[-1] = out[-1].rstrip(" ，,;；")
            out.append(part)
        elif out:
            out[-1] += part
        else:
            out.append(part)
    return out


def _split_sentences(text: str) -> list[str]:
    out: list[str] = []
    for part in _EN_SENTENCE_END.split(text):
        out.extend(s.strip() for s in re.split(r"(?<=[。；;!！?？])", part) if s.strip())
    return out


def parse_minutes(
    fresh: str, ref: dt.date, problems: list[str] | None = None, prose: bool = False
) -> MinutesDoc | None:
    """Read minutes from the sender's text.

    Args:
        fresh: the text (HTML already converted; tables as ``a | b | c`` rows).
        ref: the local date of the message (for dates without a year and relative dates).
        problems: where to add why an action item's written due date was not taken (a
            year outside :data:`daemon.inbound.dates.YEARS`).
        prose: the mail is known to be minutes (its subject, or it answers our request for
            the minutes): sentences outside any section are read too.

    Returns:
        A :class:`MinutesDoc`, or ``None`` when no decisions/action items/risks were found.
        Never raises on any text.
    """
    if not prose and not CONTENT_SECTION_WORDS.present(fresh, fold(fresh)):
        return None
    reader = _Reader(ref, problems, prose)
    for line in fresh.split("\n"):
        if not reader.feed(line):
            break
    doc = reader.doc
    if not (doc.decisions or doc.action_items or doc.risks):
        return None
    return doc
