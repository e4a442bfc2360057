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

Dates without a year take the year nearest on or after the message date.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from daemon.domain.messages import ActionItemSpec, MinutesDoc, RiskSpec
from daemon.inbound.dates import first_date, iter_dates, out_of_range_dates, parse_date_value
from daemon.inbound.parse.labels import BULLET, LabelSet, clean_value, fold, strip_number
from daemon.inbound.parse.names import cjk_name
from daemon.inbound.parse.structure import is_rule, list_item, pipe_cells, spaced_cells
from daemon.inbound.phrases.fields import ACTION_FIELDS, RISK_FIELDS
from daemon.inbound.phrases.headings import CONTENT_SECTION_WORDS, INLINE_SECTIONS, SECTIONS
from daemon.inbound.phrases.letter import (
    GREETING_START,
    INTRO_START,
    SIGN_OFF_LINE,
    SIGNATURE_WORDS,
)
from daemon.inbound.phrases.minutes import (
    ASSIGNED,
    ASSIGNED_ONLY,
    CONDITION,
    CONDITION_START,
    DECIDED_PHRASES,
    DUE_AT,
    DUE_MARKS,
    NOT_OWNERS,
    REVIEW_PHRASES,
    RISK_PHRASES,
    SUPPORT_MARKS,
    SUPPORT_VERBS,
)
from daemon.inbound.phrases.rsvp import NOT_NAMES

log = logging.getLogger(__name__)

ACTION_LABELS = LabelSet(ACTION_FIELDS)
RISK_LABELS = LabelSet(RISK_FIELDS)
_ALIGNED = "  "  # a row of aligned columns holds a run of spaces
_NOT_OWNERS = frozenset(
    w.lower() for table in (NOT_OWNERS, NOT_NAMES) for ws in table.values() for w in ws
)


def _alts(table: dict[str, tuple[str, ...]]) -> str:
    return "|".join(f"(?:{f})" for frags in table.values() for f in frags)


def _labels(table: dict[str, dict[str, tuple[str, ...]]], name: str) -> str:
    words = sorted((w for ws in table[name].values() for w in ws), key=len, reverse=True)
    return "|".join(re.escape(w) for w in words)


_HEADING_LINE = re.compile(
    rf"^\s*(?:#+\s*)?(?:{BULLET}\s*)?[*_【\[]*(?P<h>[^:：|]{{1,24}}?)[*_】\]]*\s*"
    r"(?:[:：]\s*(?P<rest>.*))?$"
)
_DASH_SPLIT = re.compile(r"\s+[—–-]{1,2}\s+|\s*[—–]{1,2}\s*|\s*[|｜]\s*|\s*[；;]\s*")
_OWNER_COLON = re.compile(r"^(?P<o>[^：:，,。]{1,24}?)\s*[：:]\s*(?P<rest>.+)$")
_CJK_NAMES = re.compile(r"^[\u4e00-\u9fff·]{2,4}(?:\s*[、/和及与與&,，]\s*[\u4e00-\u9fff·]{2,4})*$")
_DEPT_WORD = r"(?:部|组|組|中心|团队|團隊|处|處|室)"
_DEPARTMENT = re.compile(rf"^[\u4e00-\u9fffA-Za-z]{{1,10}}{_DEPT_WORD}$")
_DEPT_BEFORE = re.compile(rf"[\u4e00-\u9fffA-Za-z]{{0,10}}{_DEPT_WORD}的?\s*$")  # "市场部的"
_DEPT_NAME = re.compile(rf"^[\u4e00-\u9fffA-Za-z]{{1,10}}?{_DEPT_WORD}的?[\u4e00-\u9fff·]{{2,3}}$")
_EN_NAMES = re.compile(
    r"^(?-i:[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]*\.?)?)(?:\s*(?:,|&|and)\s*(?-i:[A-Z][a-z'\-]+"
    r"(?:\s+[A-Z][a-z'\-]*\.?)?))*(?:\s*\(?[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\)?)?$"
)
_ADDRESS = re.compile(r"^[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+$")
_PART_DUE = re.compile(
    rf"^(?:(?:{_alts({'en': DUE_MARKS['en']})})\s*|(?:{_labels(ACTION_FIELDS, 'due')})\s*[:：]\s*)",
    re.I,
)
_PART_SUPPORT = re.compile(
    rf"^(?:{_alts({'en': SUPPORT_MARKS['en']})}|{_alts(SUPPORT_VERBS)}|"
    rf"{_labels(ACTION_FIELDS, 'support')})\s*[:：]?\s*",
    re.I,
)
_PART_OWNER = re.compile(rf"^(?:{_labels(ACTION_FIELDS, 'owner')})\s*[:：]\s*", re.I)
_ZH_DUE_TAIL = re.compile(rf"\s*(?:{_alts({'zh': DUE_MARKS['zh']})})?\s*(?:完成)?")
_SUPPORT_PAREN = re.compile(
    rf"[(（]\s*(?P<s>(?:{_alts(SUPPORT_MARKS)})[^)）]*)[)）]|[，,]\s*(?P<t>(?:{_alts(SUPPORT_MARKS)}).*)$",
    re.I,
)
_SUPPORT_LEAD = re.compile(rf"^(?:{_alts(SUPPORT_VERBS)})\s*", re.I)
_ZH_OWNER = re.compile(
    r"(?:^|[，,。；;\s]|由|请|請|的)(?P<o>[\u4e00-\u9fff·]{2,3}?)\s*"
    rf"(?:{_alts({'zh': ASSIGNED['zh']})})"
)
_ZH_OWNER_VERB = re.compile(rf"^\s*(?:{_alts(ASSIGNED_ONLY)})")
_DUE_AT_END = re.compile(rf"(?:{_alts(DUE_AT)})\s*$", re.I)
_EN_OWNER = re.compile(
    r"^(?P<o>(?-i:[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?))\s+"
    rf"(?:{_alts({'en': ASSIGNED['en']})})\s+(?P<rest>.+)$"
)
_MITIGATION = re.compile(
    rf"(?:^|[.。;；,，]\s*|\s[—–-]\s*)(?:{_labels(RISK_FIELDS, 'mitigation')})"
    r"\s*(?:[:：]|是|为|為|\s+is\b)\s*",
    re.I,
)
_OWNER_TAIL = re.compile(
    rf"[，,;；(（]?\s*(?:{_labels(RISK_FIELDS, 'owner')})\s*[:：]\s*"
    r"(?P<o>[^，,;；。)）]+)[)）]?[。.]?\s*$",
    re.I,
)
_CONDITION = re.compile(rf"^(?P<risk>(?:{_alts(CONDITION)})[^，,]+)[，,]\s*(?P<rest>.+)$", re.I)
_SENTENCES = re.compile(r"[^。；;!！?？]+[。；;!！?？]?|(?<=[a-z)\d])\.\s+")
_EN_SENTENCE_END = re.compile(r"(?<=[a-z)\d])\.\s+(?=[A-Z])")


def _section_of(line: str) -> tuple[str, str, bool] | None:
    """``(section, rest, inline)`` for a heading line (``rest``: the text after a colon;
    ``inline``: a label such as "会议决定：" that names only its own line), else ``None``."""
    m = _HEADING_LINE.match(line)
    if not m:
        return None
    head = m.group("h").strip()
    rest = (m.group("rest") or "").strip()
    for name, pat in SECTIONS.items():
        if pat.pattern.fullmatch(head) or (len(head) <= 8 and pat.pattern.search(head)):
            return name, rest, False
    if rest:
        for name, pat in INLINE_SECTIONS.items():
            if pat.pattern.fullmatch(head):
                return name, rest, True
    return None


def _owner_like(text: str) -> bool:
    t = text.strip().strip("*").strip()
    if t.lower() in _NOT_OWNERS:
        return False
    return bool(
        _CJK_NAMES.match(t)
        or _EN_NAMES.match(t)
        or _ADDRESS.match(t)
        or _DEPARTMENT.match(t)
        or _DEPT_NAME.match(t)
    )


def _owner_text(text: str) -> str:
    """The owner as the directory knows them: ``IT部张强`` → ``张强``; others as written."""
    t = text.strip().strip("*").strip()
    return (cjk_name(t) or t) if _DEPT_NAME.match(t) else t


def _due_in(text: str, ref: dt.date) -> tuple[dt.date | None, str]:
    """The due date written in ``text`` and the text without it: ``12月20日前完成X`` gives
    ``完成X``, ``X by Dec 20`` gives ``X``."""
    for start, end, when in iter_dates(text, ref):
        tail = _ZH_DUE_TAIL.match(text, end)
        done_word = "完成" if tail and tail.group(0).strip().endswith("完成") else ""
        cut_end = tail.end() if tail and tail.group(0).strip() else end
        head = _DUE_AT_END.sub("", text[:start].rstrip())
        after = text[cut_end:]
        gap = " " if head and after and not done_word and head[-1:].isascii() else ""
        return when, (head + gap + done_word + after).strip()
    return None, text


def _support_in(text: str) -> tuple[str | None, str]:
    m = _SUPPORT_PAREN.search(text)
    if not m:
        return None, text
    value = (m.group("s") or m.group("t") or "").strip()
    value = _SUPPORT_LEAD.sub("", value)
    return clean_value(value), (text[: m.start()] + text[m.end() :]).strip()


def _item(
    what: str | None,
    owner: str | None,
    due_text: str | None,
    support: str | None,
    ref: dt.date,
    problems: list[str] | None,
    due: dt.date | None = None,
) -> ActionItemSpec | None:
    what = clean_value(what)
    if not what:
        return None
    due_text = clean_value(due_text)
    if due is None and due_text:
        due = parse_date_value(due_text, ref)
        if due is None and problems is not None:
            for bad in out_of_range_dates(due_text):
                problems.append(
                    f"the due date {bad} of the action item {what[:40]!r} is not a usable date: "
                    "please send the minutes again with the real date"
                )
    owner = clean_value(owner)
    doubtful = [name for name, value in (("owner", owner), ("due", due)) if value is None]
    return ActionItemSpec(
        what=what, owner=owner, due=due, support=clean_value(support), doubtful=doubtful
    )


def _dash_parts(text: str, ref: dt.date, problems: list[str] | None) -> ActionItemSpec | None:
    parts = [p.strip() for p in _DASH_SPLIT.split(text) if p and p.strip()]
    if len(parts) < 2:
        return None
    what: list[str] = []
    owner = due_text = support = None
    for part in parts:
        if _PART_OWNER.match(part):
            owner = owner or _PART_OWNER.sub("", part)
        elif due_text is None and (
            _PART_DUE.match(part) or (first_date(part, ref) is not None and len(part) <= 30)
        ):
            due_text = part
        elif support is None and _PART_SUPPORT.match(part) and what:
            support = _PART_SUPPORT.sub("", part)
        elif owner is None and what and _owner_like(part):
            owner = part
        else:
            what.append(part)
    if not what:
        return None
    return _item(" — ".join(what), owner, due_text, support, ref, problems)


def _written_owner(text: str) -> tuple[str | None, str]:
    """The owner a sentence names ("张伟负责…", "由张伟牵头…", "Dana will …") and the
    sentence without them, or ``(None, text)``."""
    en = _EN_OWNER.match(text)
    if en and _owner_like(en.group("o")):
        return en.group("o"), en.group("rest")
    zh = _ZH_OWNER.search(text)
    if zh:
        after = _ZH_OWNER_VERB.sub("", text[zh.end("o") :], count=1)
        left = _DEPT_BEFORE.sub("", text[: zh.start("o")]).rstrip("由请請 ")
        return zh.group("o"), (left + after).strip()
    return None, text


def _owner_before_date(text: str, ref: dt.date) -> tuple[str | None, str]:
    """``技术部刘洋12月30日前完成压测``: a name (or department and name) that is all that
    stands before the due date is the owner."""
    for start, _end, _when in iter_dates(text, ref):
        head = _DUE_AT_END.sub("", text[:start].rstrip()).strip()
        if head and (_CJK_NAMES.match(head) or _DEPT_NAME.match(head)):
            return _owner_text(head), text[start:]
        break
    return None, text


def _starts_with_owner(clause: str, ref: dt.date) -> bool:
    """The clause names its own owner at its start (a new action item in a sentence that
    lists several: "Priya to finalise the plan by Friday, Tom to book the lab by Dec 16")."""
    en = _EN_OWNER.match(clause)
    if en and _owner_like(en.group("o")):
        return True
    zh = _ZH_OWNER.match(clause)
    return bool(zh and zh.start("o") <= 1) or _owner_before_date(clause, ref)[0] is not None


def _free_action(
    text: str, ref: dt.date, problems: list[str] | None, strict: bool = False
) -> ActionItemSpec | None:
    """An action item written without field labels (see the module docstring). With
    ``strict`` (prose outside an actions section) it needs an owner and a due date."""
    owner = None
    m = _OWNER_COLON.match(text)
    if m and ACTION_LABELS.field_of(m.group("o")) is None and _owner_like(m.group("o")):
        owner, text = _owner_text(m.group("o")), m.group("rest").strip()
    elif not strict and (item := _dash_parts(text, ref, problems)) is not None:
        return item
    if owner is None:
        owner, text = _written_owner(text)
    if owner is None:
        owner, text = _owner_before_date(text, ref)
    support, text = _support_in(text)
    due, text = _due_in(text, ref)
    if owner is None:  # "李娜12月15日前负责…": the date stood between the name and its verb
        owner, text = _written_owner(text)
    if strict and (owner is None or due is None):
        return None
    text = text.strip(" ，,;；:：")
    return _item(text, owner, None, support, ref, problems, due=due)


def _risk(line: str) -> RiskSpec | None:
    text = strip_number(line)
    owner = None
    m = _OWNER_TAIL.search(text)
    if m:
        owner = clean_value(m.group("o"))
        text = text[: m.start()]
    fields = RISK_LABELS.segments(text)
    mitigation = clean_value(fields.get("mitigation"))
    if "risk" in fields:
        text = fields["risk"]
        owner = owner or clean_value(fields.get("owner"))
    mit = _MITIGATION.search(text)
    if mit:
        mitigation = mitigation or clean_value(text[mit.end() :])
        text = text[: mit.start()]
    text = text.strip().strip("，,。.;；—–- ")
    if not text:
        return None
    cond = _CONDITION.match(text)
    if cond and mitigation is None:
        return RiskSpec(cond.group("risk").strip(), clean_value(cond.group("rest")), owner)
    return RiskSpec(clean_value(text) or text, mitigation, owner)


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
        if SIGN_OFF_LINE.pattern.match(line) or (
            self._has_content() and SIGNATURE_WORDS.pattern.search(line)
        ):
            return False  # (line-anchored patterns: cheaper than the pre-check on one line)
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
            item = _item(
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
            item = _item(
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
            item = _free_action(text, self.ref, self.problems)
        if item:
            self.doc.action_items.append(item)
        return item is not None

    def _risk_line(self, line: str) -> None:
        text = strip_number(line)
        mit = _MITIGATION.match(text)
        last = self.doc.risks[-1] if self.doc.risks else None
        if mit and last is not None and last.mitigation is None:
            last.mitigation = clean_value(text[mit.end() :])  # "Fallback: …" on its own line
            return
        risk = _risk(line)
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
            if REVIEW_PHRASES.search(sentence) and first_date(sentence, self.ref):
                self._review(sentence)
                continue
            mit = _MITIGATION.match(sentence)
            last = self.doc.risks[-1] if self.doc.risks else None
            if mit and last is not None and last.mitigation is None:
                last.mitigation = clean_value(sentence[mit.end() :])  # "…; fallback: …"
                continue
            items = [
                _free_action(clause, self.ref, self.problems, strict=True)
                for clause in _clauses(sentence, self.ref)
            ]
            if items and all(items):
                self.doc.action_items.extend(i for i in items if i)
                self.doc.prose = True
                continue
            item = _free_action(sentence, self.ref, self.problems, strict=True)
            if item:
                self.doc.action_items.append(item)
                self.doc.prose = True
            elif CONDITION_START.search(sentence) or RISK_PHRASES.search(sentence):
                risk = _risk(sentence)
                if risk:
                    self.doc.risks.append(risk)
                    self.doc.prose = True
            elif DECIDED_PHRASES.search(sentence):
                decision = clean_value(sentence)
                if decision:
                    self.doc.decisions.append(decision)
                    self.doc.prose = True


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
        if out and _starts_with_owner(part, ref):
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
