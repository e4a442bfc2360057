"""Section headings of minutes: DATA only, read by :mod:`daemon.inbound.parse.minutes`.

A heading is a short line of its own (``一、决议``, ``Decisions:``, ``## Action items``,
``【风险提示】``); it names the section the following lines belong to. ``followup`` is the
section of the next review (后续安排, Next steps).
"""

from __future__ import annotations

from daemon.inbound.phrases import phrases

SECTION_HEADINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "decisions": {
        "zh": (
            r"(?:会议|會議)?(?:决议|決議)(?:事项|事項)?",
            r"(?:决定|決定)事项|(?:决定|決定)事項",
            r"(?:会议|會議)?(?:结论|結論)",
            r"(?:会议|會議)?(?:共识|共識)",
            r"议定事项|議定事項",
        ),
        "en": (
            r"decisions?(?: made)?",
            r"resolutions?",
            r"conclusions?",
            r"agreed(?: points)?",
        ),
    },
    "actions": {
        "zh": (
            r"行动项|行動項",
            r"待办事项|待辦事項|待办|待辦",
            r"行动计划|行動計劃",
            r"后续行动|後續行動",
            r"任务分工|任務分工",
            r"工作安排",
        ),
        "en": (
            r"action items?",
            r"actions",
            r"todos?",
            r"to-dos?",
            r"next actions",
            r"action plan",
        ),
    },
    "risks": {
        "zh": (r"风险提示|風險提示", r"风险|風險", r"风险及应对|風險及應對"),
        "en": (r"risks?", r"risk register", r"risks? (?:and|&) mitigations?"),
    },
    "followup": {
        "zh": (r"后续安排|後續安排", r"后续|後續", r"下一步", r"复盘|復盤", r"下次会议|下次會議"),
        "en": (r"next steps?", r"follow-?ups?", r"review", r"next review", r"next meeting"),
    },
}

# Labels that make only the rest of their own line a decision ("会议决定：…", "Decided: …").
INLINE_HEADINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "decisions": {
        "zh": (r"(?:会议|會議)?(?:决定|決定)", r"(?:一致)?同意", r"(?:会议|會議)?确定"),
        "en": (r"decided", r"agreed", r"decision"),
    },
    "risks": {"zh": (r"(?:主要)?风险(?:点)?", r"(?:主要)?風險(?:點)?"), "en": (r"risk",)},
}

SECTIONS = {name: phrases(f"{name} heading", table) for name, table in SECTION_HEADINGS.items()}
INLINE_SECTIONS = {
    name: phrases(f"{name} inline heading", table) for name, table in INLINE_HEADINGS.items()
}
# Words of every decisions, actions and risks heading: a text without any holds no section.
CONTENT_SECTION_WORDS = phrases(
    "content heading",
    {
        lang: tuple(f for n in ("decisions", "actions", "risks") for f in SECTION_HEADINGS[n][lang])
        for lang in ("zh", "en")
    },
)
