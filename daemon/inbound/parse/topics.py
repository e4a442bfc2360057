"""Topic submissions (议题申报) in reply to a call for topics.

Labelled fields with zh/en synonyms (see ``TOPIC_LABELS``), numbered or bulleted, with
full- or half-width colons, one or several topics per mail (a new title label, or a repeated
field, starts the next topic), HTML tables (rows ``label | value``). A label with no value is
a blank form field and is ignored, so a pasted blank form never becomes a topic. A free-form
submission ("我们想提一个议题：…") becomes one topic with its title and ``missing`` filled in.
"""

from __future__ import annotations

import logging
import re

from daemon.domain.messages import TopicSubmission
from daemon.inbound.parse.labels import LabelSet, clean_value

log = logging.getLogger(__name__)

FIELDS = ("title", "background", "pain_point", "expected_outcome")
TOPIC_LABELS = LabelSet(
    {
        "title": [
            "议题名称",
            "议题标题",
            "议题题目",
            "议题",
            "議題",
            "题目",
            "題目",
            "话题",
            "Topic title",
            "Proposed topic",
            "Topic",
            "Title",
        ],
        "background": [
            "背景说明",
            "背景說明",
            "背景介绍",
            "背景情况",
            "议题背景",
            "背景",
            "Background",
            "Context",
        ],
        "pain_point": [
            "当前痛点",
            "當前痛點",
            "主要痛点",
            "痛点",
            "痛點",
            "存在问题",
            "现存问题",
            "当前问题",
            "主要问题",
            "问题",
            "問題",
            "难点",
            "Pain points",
            "Pain point",
            "Problem",
            "Current problem",
            "Issue",
        ],
        "expected_outcome": [
            "期望成果",
            "期望达成",
            "期望達成",
            "期望结果",
            "期望目标",
            "预期成果",
            "预期目标",
            "预期结果",
            "期望",
            "预期",
            "目标",
            "Expected outcome",
            "Expected result",
            "Desired outcome",
            "Outcome",
            "Goal",
            "Expectation",
        ],
    },
    ordinals=True,
)
_INLINE_TOPIC = re.compile(r"(?:议题|議題|topic)\s*(?:是|为|為)?\s*[:：]\s*(?P<v>[^\n]+)", re.I)
_ENDS = ("。", ".", "!", "！", "?", "？")
_COMPLEX = re.compile(r"复杂|複雜|complex|complicated|牵涉面广|涉及多个部门|需要详细讨论", re.I)


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


def parse_topics(fresh: str, has_material: bool = False) -> list[TopicSubmission]:
    """Labelled topics in the sender's fresh text.

    Args:
        fresh: the sender's own text (quotes/signatures stripped; HTML already converted).
        has_material: the mail carries attachments (sets ``complex``).

    Returns:
        One :class:`TopicSubmission` per topic, in order; ``[]`` when no labelled field has a
        value.
    """
    complex_ = has_material or bool(_COMPLEX.search(fresh))
    topics: list[TopicSubmission] = []
    cur: dict[str, str] = {}
    last: str | None = None
    for line in fresh.split("\n"):
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


def parse_freeform_topic(fresh: str, has_material: bool = False) -> TopicSubmission | None:
    """One topic from unlabelled prose; the title is the text after "议题：" or the first line.

    Returns ``None`` for empty text. ``missing`` always lists the fields not labelled.
    """
    lines = [ln.strip() for ln in fresh.split("\n") if ln.strip()]
    if not lines:
        return None
    m = _INLINE_TOPIC.search(fresh)
    title = m.group("v").strip() if m else lines[0]
    title = clean_value(title)
    if not title:
        return None
    return TopicSubmission(
        title=title,
        missing=[f for f in FIELDS if f != "title"],
        complex=has_material or bool(_COMPLEX.search(fresh)),
    )
