"""Action items as people write them in minutes, one line or one clause at a time.

Fields are assigned by label first (``行动内容：…；负责人：…``, done by the caller through
:data:`ACTION_LABELS`), then by position and marks: an owner before a colon (``- 张伟：12月20日前
完成…（需采购部支持）``), dash parts (``what — owner — by date — needs …``: ``by``/``前`` mark the
due date, ``needs``/``需`` the support, a name the owner), or a sentence (``张伟负责…，12月20日前
完成``, ``技术部刘洋12月30日前完成压测``, ``Dana will … by Dec 18``). The marks are data in
:mod:`daemon.inbound.phrases.minutes`. An item whose owner or due date cannot be read keeps
the field ``None`` and names it in ``doubtful``.
"""

from __future__ import annotations

import datetime as dt
import re

from daemon.domain.messages import ActionItemSpec
from daemon.domain.problems import problem
from daemon.inbound.dates import first_date, iter_dates, out_of_range_dates, parse_date_value
from daemon.inbound.parse.labels import LabelSet, clean_value
from daemon.inbound.parse.names import cjk_name
from daemon.inbound.phrases import alternation, label_alternation
from daemon.inbound.phrases.fields import ACTION_FIELDS
from daemon.inbound.phrases.minutes import (
    ASSIGNED,
    ASSIGNED_ONLY,
    DUE_AT,
    DUE_MARKS,
    NOT_OWNERS,
    SUPPORT_MARKS,
    SUPPORT_VERBS,
)
from daemon.inbound.phrases.rsvp import NOT_NAMES

ACTION_LABELS = LabelSet(ACTION_FIELDS)
_NOT_OWNERS = frozenset(
    w.lower() for table in (NOT_OWNERS, NOT_NAMES) for ws in table.values() for w in ws
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
    rf"^(?:(?:{alternation({'en': DUE_MARKS['en']})})\s*"
    rf"|(?:{label_alternation(ACTION_FIELDS, 'due')})\s*[:：]\s*)",
    re.I,
)
_PART_SUPPORT = re.compile(
    rf"^(?:{alternation({'en': SUPPORT_MARKS['en']})}|{alternation(SUPPORT_VERBS)}|"
    rf"{label_alternation(ACTION_FIELDS, 'support')})\s*[:：]?\s*",
    re.I,
)
_PART_OWNER = re.compile(rf"^(?:{label_alternation(ACTION_FIELDS, 'owner')})\s*[:：]\s*", re.I)
_ZH_DUE_TAIL = re.compile(rf"\s*(?:{alternation({'zh': DUE_MARKS['zh']})})?\s*(?:完成)?")
_SUPPORT_PAREN = re.compile(
    rf"[(（]\s*(?P<s>(?:{alternation(SUPPORT_MARKS)})[^)）]*)[)）]|[，,]\s*(?P<t>(?:{alternation(SUPPORT_MARKS)}).*)$",
    re.I,
)
_SUPPORT_LEAD = re.compile(rf"^(?:{alternation(SUPPORT_VERBS)})\s*", re.I)
_ZH_OWNER = re.compile(
    r"(?:^|[，,。；;\s]|由|请|請|的)(?P<o>[\u4e00-\u9fff·]{2,3}?)\s*"
    rf"(?:{alternation({'zh': ASSIGNED['zh']})})"
)
_ZH_OWNER_VERB = re.compile(rf"^\s*(?:{alternation(ASSIGNED_ONLY)})")
_DUE_AT_END = re.compile(rf"(?:{alternation(DUE_AT)})\s*$", re.I)
_EN_OWNER = re.compile(
    r"^(?P<o>(?-i:[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?))\s+"
    rf"(?:{alternation({'en': ASSIGNED['en']})})\s+(?P<rest>.+)$"
)


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
    """The support need written in ``text`` ("（需采购部支持）", "，采购部配合", "(needs IT)")
    and the text without it."""
    m = _SUPPORT_PAREN.search(text)
    if not m:
        return None, text
    value = (m.group("s") or m.group("t") or "").strip()
    value = _SUPPORT_LEAD.sub("", value)
    return clean_value(value), (text[: m.start()] + text[m.end() :]).strip()


def action_item(
    what: str | None,
    owner: str | None,
    due_text: str | None,
    support: str | None,
    ref: dt.date,
    problems: list[str] | None,
    due: dt.date | None = None,
) -> ActionItemSpec | None:
    """An action item from its field values as written (a table row, labelled segments).

    Args:
        what, owner, due_text, support: the values (``None``/``无``/``N/A`` for none).
        ref: the message's local date (dates without a year, relative dates).
        problems: where to add why a written due date was not taken (a year outside
            :data:`daemon.inbound.dates.YEARS`).
        due: the due date when the caller has read it already (``due_text`` is then unused).

    Returns:
        The item, ``doubtful`` naming ``"owner"``/``"due"`` when unreadable; ``None`` when
        there is no ``what``.
    """
    what = clean_value(what)
    if not what:
        return None
    due_text = clean_value(due_text)
    if due is None and due_text:
        due = parse_date_value(due_text, ref)
        if due is None and problems is not None:
            for bad in out_of_range_dates(due_text):
                problems.append(problem("minutes_due_unusable", written=bad, what=what[:40]))
    owner = clean_value(owner)
    doubtful = [name for name, value in (("owner", owner), ("due", due)) if value is None]
    return ActionItemSpec(
        what=what, owner=owner, due=due, support=clean_value(support), doubtful=doubtful
    )


def _dash_parts(text: str, ref: dt.date, problems: list[str] | None) -> ActionItemSpec | None:
    """``what — owner — by date — needs …``: each part assigned by its mark."""
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
    if owner is None and len(what) >= 2 and _owner_like(what[0]):
        owner = _owner_text(what.pop(0))  # "Dana — update the list — by Dec 20"
    if not what:
        return None
    return action_item(" — ".join(what), owner, due_text, support, ref, problems)


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


def starts_with_owner(clause: str, ref: dt.date) -> bool:
    """The clause names its own owner at its start (a new action item in a sentence that
    lists several: "Priya to finalise the plan by Friday, Tom to book the lab by Dec 16")."""
    en = _EN_OWNER.match(clause)
    if en and _owner_like(en.group("o")):
        return True
    zh = _ZH_OWNER.match(clause)
    return bool(zh and zh.start("o") <= 1) or _owner_before_date(clause, ref)[0] is not None


def read_action_line(
    text: str, ref: dt.date, problems: list[str] | None, strict: bool = False
) -> ActionItemSpec | None:
    """An action item written without field labels (see the module docstring).

    Args:
        text: one list item (bullet and number stripped) or one clause of prose.
        ref, problems: as for :func:`action_item`.
        strict: prose outside an actions section: only an owner *and* a due date make the
            text an action item.

    Returns:
        The item or ``None``. Never raises on any text.
    """
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
    return action_item(text, owner, None, support, ref, problems, due=due)
