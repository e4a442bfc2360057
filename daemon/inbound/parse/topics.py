"""Topic submissions (议题申报) in reply to a call for topics.

Structure first: a table whose header row names topic fields (``序号 | 议题 | 背景 | 痛点 |
期望成果``) gives one topic per row, its cells assigned by column header; otherwise labelled
fields (the labels are data in :mod:`daemon.inbound.phrases.fields`: 议题/主题, 背景/现状,
痛点/问题描述, 期望成果/诉求, Topic/Background/Pain point/Expected outcome…), numbered or
bulleted, with full- or half-width colons, one or several topics per mail (a new title
label, or a repeated field, starts the next topic), and HTML tables of ``label | value`` rows.
A label with no value is a blank form field and is ignored, so a pasted blank form never
becomes a topic.

A free-form submission ("王总好，我们这边主要想提一下供应商付款周期的问题。目前…") becomes one
topic marked ``freeform``: the greeting is never the title; the first sentence of substance
(after a lead-in such as 想提一下 / I'd like to raise) is the title and the rest the
background; the fields not written are listed in ``missing``.
"""

from __future__ import annotations

import logging
import re

from daemon.domain.messages import TopicSubmission
from daemon.inbound.parse.labels import LabelSet, clean_value, strip_number
from daemon.inbound.parse.structure import is_rule, pipe_cells
from daemon.inbound.phrases.fields import TOPIC_FIELDS
from daemon.inbound.phrases.letter import (
    GREETING_START,
    INTRO_START,
    SIGN_OFF_LINE,
    SIGNATURE_WORDS,
    TOPIC_LEAD,
)
from daemon.inbound.phrases.topics import (
    COMPLEX_PHRASES,
    INLINE_TOPIC_LABEL,
    NO_TOPIC_PHRASES,
    TITLE_FILLER_START,
    TITLE_TAIL_END,
)

log = logging.getLogger(__name__)

FIELDS = ("title", "background", "pain_point", "expected_outcome")
TOPIC_LABELS = LabelSet(TOPIC_FIELDS, ordinals=True)
_ENDS = ("。", ".", "!", "！", "?", "？")
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?|(?<=[a-z)\d])\.(?:\s+|$)")
_EN_END = re.compile(r"(?<=[a-z)\d][.!?])\s+(?=[A-Z])")
_TITLE_MAX = 60
_SIGNED_NAME = re.compile(
    r"^(?:[\u4e00-\u9fff·]{2,4}|(?-i:[A-Z][a-z'\-]+)(?: [A-Z][a-z'\-]+){0,2})$"
)


def _finish(cur: dict[str, str], complex_: bool) -> TopicSubmission | None:
    values = {k: clean_value(cur.get(k)) for k in FIELDS}
    if not any(values.values()):
        return None
    return TopicSubmission(
        title=values["title"],
        background=values["background"],
        pain_point=values["pain_point"],
        expected_outcome=values["expected_outcome"],
        missing=[k for k in FIELDS if not values[k]],
        complex=complex_,
    )


def _table_topics(lines: list[str], complex_: bool) -> list[TopicSubmission]:
    """Topics of a table with a header row (one topic per row), or ``[]``."""
    topics: list[TopicSubmission] = []
    columns: list[str | None] | None = None
    for line in lines:
        if not line.strip() or is_rule(line):
            continue
        cells = pipe_cells(line)
        if cells is None:
            columns = None
            continue
        header = TOPIC_LABELS.header(cells, "title")
        if header is not None:
            columns = header
            continue
        if columns is None:
            continue
        row = {name: cells[i] for i, name in enumerate(columns) if name and i < len(cells)}
        done = _finish(row, complex_)
        if done:
            topics.append(done)
    return topics


def parse_topics(fresh: str, has_material: bool = False) -> list[TopicSubmission]:
    """Labelled topics in the sender's fresh text.

    Args:
        fresh: the sender's own text (quotes/signatures stripped; HTML already converted).
        has_material: the mail carries attachments (sets ``complex``).

    Returns:
        One :class:`TopicSubmission` per topic, in order; ``[]`` when no labelled field has a
        value.
    """
    if not TOPIC_LABELS.present(fresh):
        return []
    complex_ = has_material or COMPLEX_PHRASES.search(fresh) is not None
    lines = fresh.split("\n")
    if "|" in fresh:
        tabled = _table_topics(lines, complex_)
        if tabled:
            return tabled
    topics: list[TopicSubmission] = []
    cur: dict[str, str] = {}
    last: str | None = None
    for line in lines:
        hit = TOPIC_LABELS.match(line)
        if hit is None:
            if last and line.strip() and cur.get(last) and not cur[last].endswith(_ENDS):
                cur[last] += line.strip()
            else:
                last = None
            continue
        if hit.value and cur.get(hit.field):  # a repeated field (or title) starts the next topic
            done = _finish(cur, complex_)
            if done:
                topics.append(done)
            cur = {}
        if hit.value:
            cur[hit.field] = hit.value
            last = hit.field
        else:
            last = None
    done = _finish(cur, complex_)
    if done:
        topics.append(done)
    return topics


def _sentences(fresh: str) -> list[str]:
    """The sentences of substance: greetings, announcing clauses, sign-offs and what follows
    a sign-off (the signature) left out."""
    out: list[str] = []
    for raw in fresh.split("\n"):
        line = strip_number(raw.strip()) if raw.strip() else ""
        if not line:
            continue
        if SIGN_OFF_LINE.search(line) or (out and SIGNATURE_WORDS.search(line)):
            break
        for pat in (GREETING_START, INTRO_START):
            m = pat.search(line)
            if m:
                line = line[m.end() :].strip()
        for part in _EN_END.split(line):
            out.extend(s.strip() for s in _SENTENCE.findall(part) if s.strip())
    return out


def _title_of(sentence: str) -> str:
    """The title a sentence of substance gives: its words after a lead-in, at most
    ``_TITLE_MAX`` characters (cut at a comma when longer)."""
    m = TOPIC_LEAD.search(sentence)
    text = sentence[m.end() :] if m and m.start() <= 12 else sentence
    filler = TITLE_FILLER_START.search(text)
    text = (text[filler.end() :] if filler else text).strip()
    tail = TITLE_TAIL_END.search(text)
    if tail and tail.start() >= 4:
        text = text[: tail.start()]
    if len(text) > _TITLE_MAX:
        head = re.split(r"[，,；;]", text, maxsplit=1)[0]
        text = head if 4 <= len(head) <= _TITLE_MAX else text[:_TITLE_MAX]
    return text.strip().rstrip("。.!！?？")


def parse_freeform_topic(fresh: str, has_material: bool = False) -> TopicSubmission | None:
    """One topic from unlabelled prose (see the module docstring).

    Returns ``None`` for text with no sentence of substance, or that says it proposes no topic
    ("本次没有议题", "no topics from us"). ``missing`` lists the fields not written;
    ``freeform`` is true.
    """
    complex_ = has_material or COMPLEX_PHRASES.search(fresh) is not None
    if NO_TOPIC_PHRASES.search(fresh) and not INLINE_TOPIC_LABEL.search(fresh):
        return None  # "本次没有议题": the sender proposes none
    m = INLINE_TOPIC_LABEL.search(fresh)
    if m:  # "我们想提个议题：X。" then the background
        line_end = fresh.find("\n", m.end())
        sentences = _sentences(fresh[line_end:]) if line_end >= 0 else []
        title = clean_value(fresh[m.end() : line_end if line_end >= 0 else None].strip())
    else:
        sentences = _sentences(fresh)
        title = None
        while sentences and not title:
            title = clean_value(_title_of(sentences.pop(0)))
    if not title:
        return None
    if sentences and _SIGNED_NAME.match(sentences[-1]):
        sentences.pop()  # the sender's name under the text
    background = clean_value(
        "".join(s if re.search(r"[\u4e00-\u9fff]", s) else s + " " for s in sentences).strip()
    )
    values = {"title": title, "background": background}
    return TopicSubmission(
        title=title,
        background=background,
        missing=[f for f in FIELDS if not values.get(f)],
        complex=complex_,
        freeform=True,
    )
