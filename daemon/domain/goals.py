"""Measurable-goal check for a meeting request's expected outcome (pure; no I/O).

A meeting's expected outcome must say what will exist after the meeting: a decision, an
owner, a date, a number, an approved plan. "讨论一下问题", "研究相关事宜", "沟通情况",
"discuss the issues", "sync up" are activities, not outcomes. :func:`check_goal` returns the
reasons an outcome is not measurable as problem codes (the mail phrases them in the
requester's language); ``[]`` when fine.
"""

from __future__ import annotations

import re

from daemon.domain.problems import Problem, problem

_CJK = re.compile(r"[\u4e00-\u9fff]")
# Activity verbs that describe talking, not a result.
_VAGUE_ZH = re.compile(
    r"讨论|討論|研究|沟通|溝通|交流|探讨|探討|了解|聊聊|聊一下|商量|商讨|商討|碰一下|碰头|碰頭|"
    r"对齐|對齊|看看|过一下|過一下|同步一下|汇报|匯報|通报|通報"
)
_VAGUE_OBJECT_ZH = re.compile(r"问题|問題|事宜|情况|情況|事项|事項|一下|相关|相關|进展|進展")
_VAGUE_EN = re.compile(
    r"\b(?:discuss(?:ion)?|talk(?:ing)? about|look(?:ing)? into|explore|brainstorm|sync(?: up)?|"
    r"touch base|catch up|go over|review|share|update on|chat about|align)\b",
    re.I,
)
_VAGUE_OBJECT_EN = re.compile(
    r"\b(?:issues?|problems?|matters?|things|topics?|situation|status|progress)\b", re.I
)
# Words that name a concrete result: decided/approved, an owner, a deadline, a number, a list.
_CONCRETE = re.compile(
    r"明确|明確|确定|確定|决定|決定|敲定|批准|审批通过|審批通過|通过|形成|输出|輸出|产出|產出|"
    r"签署|簽署|确认|確認|责任人|責任人|负责人|負責人|时限|時限|截止|完成时间|方案|清单|清單|名单|"
    r"名單|预算|預算|排期|里程碑|\d|"
    r"\b(?:decide|decision|agree(?:d|ment)? on|approve|approval|sign[- ]off|assign|owner|"
    r"deadline|due|by (?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
    r"nov|dec|\d)|plan|list|budget|commit|choose|select|pick)\b",
    re.I,
)


def check_goal(expected_outcome: str | None) -> list[Problem]:
    """Reasons ``expected_outcome`` is not a measurable goal; ``[]`` when it is.

    Args:
        expected_outcome: the request's expected outcome (预期成果) as written, or ``None``.

    Returns:
        :class:`~daemon.domain.problems.Problem` codes (``goal_empty``, and with the
        outcome as ``text``: ``goal_activity``, ``goal_unsettled``, ``goal_too_short``); the
        mail says them in the requester's language. The outcome is checked with the word
        lists of its own language (zh when it contains CJK, else en).
    """
    text = (expected_outcome or "").strip()
    if not text:
        return [problem("goal_empty")]
    concrete = bool(_CONCRETE.search(text))
    if concrete:
        return []
    if _CJK.search(text):
        vague, unsettled, short = (
            _VAGUE_ZH.search(text),
            _VAGUE_OBJECT_ZH.search(text),
            len(text) < 6,
        )
    else:
        vague, unsettled, short = (
            _VAGUE_EN.search(text),
            _VAGUE_OBJECT_EN.search(text),
            len(text.split()) < 3,
        )
    if vague:
        return [problem("goal_activity", text=text)]
    if unsettled:
        return [problem("goal_unsettled", text=text)]
    if short:
        return [problem("goal_too_short", text=text)]
    return []
