"""Minutes written as prose and the parts of an action line: DATA only, read by
:mod:`daemon.inbound.parse.minutes`.

Without section headings, a sentence that holds an owner and a due date is an action item, a
sentence with a condition ("如遇…", "if …") or the word risk is a risk, and a sentence with a
decision word ("会议决定", "agreed") is a decision.
"""

from __future__ import annotations

from daemon.inbound.phrases import phrases

DECIDED: dict[str, tuple[str, ...]] = {
    "zh": (
        "决定",
        "決定",
        "同意",
        "一致认为",
        "一致認為",
        "达成一致",
        "達成一致",
        "确定",
        "確定",
        "通过",
        "通過",
        "明确",
        "明確",
        "议定",
        "議定",
        "批准",
    ),
    "en": (
        r"\bagreed\b",
        r"\bdecided\b",
        r"\bdecision\b",
        r"\bapproved\b",
        r"\bwill go with\b",
        r"\bresolved\b",
        r"\bconfirmed\b",
    ),
}
# Verbs after an owner's name that make the sentence an assignment (张伟负责…). Those of
# ASSIGNED_ONLY say only who; the others are part of the task (李娜跟进合同 → 跟进合同).
ASSIGNED_ONLY: dict[str, tuple[str, ...]] = {
    "zh": ("负责", "負責", "牵头", "牽頭", "承担", "承擔"),
}
ASSIGNED: dict[str, tuple[str, ...]] = {
    "zh": (*ASSIGNED_ONLY["zh"], "跟进", "跟進", "落实", "落實", "来做", "來做"),
    "en": (r"\bwill\b", r"\bto\b(?= [a-z])", r"\bis to\b", r"\bowns\b", r"\btakes\b"),
}
# What a due date is written with: "12月20日前", "before Dec 20", "by Monday".
DUE_MARKS: dict[str, tuple[str, ...]] = {
    "zh": ("之前", "以前", "为止", "為止", "前"),
    "en": (r"\bby\b", r"\bbefore\b", r"\bdue\b", r"\buntil\b", r"\bno later than\b"),
}
# Words just before a date that only say "at" or "by" (cut with the date).
DUE_AT: dict[str, tuple[str, ...]] = {
    "zh": ("于", "於", "在"),
    "en": (r"\bby", r"\bbefore", r"\bdue", r"\buntil", r"\bno later than"),
}
# The verb that leads a support need ("需采购部支持" → "采购部支持").
SUPPORT_VERBS: dict[str, tuple[str, ...]] = {
    "zh": ("需要", "需"),
    "en": (r"needs?\b", r"requires?\b"),
}
# What a support need is written with: "（需采购部支持）", "needs IT".
SUPPORT_MARKS: dict[str, tuple[str, ...]] = {
    "zh": (
        r"需要?[\u4e00-\u9fffA-Za-z]{1,20}?(?:支持|协助|協助|配合|提供|帮助|幫助)",
        r"请[\u4e00-\u9fffA-Za-z]{1,20}?(?:支持|协助|協助|配合)",
        r"由[\u4e00-\u9fffA-Za-z]{1,20}?(?:支持|协助|協助|配合)",
        r"[\u4e00-\u9fffA-Za-z]{1,12}?(?:部|组|組|中心|团队|團隊)(?:配合|协助|協助|支持)",
    ),
    "en": (
        r"\bneeds?\b",
        r"\brequires?\b",
        r"\bwith (?:support|help) from\b",
        r"\bsupport(?:ed)? by\b",
        r"\bhelp from\b",
        r"\bsupport(?: needed)?:",
    ),
}
# A risk written as a condition, with the mitigation after the comma ("如遇X，先Y").
CONDITION: dict[str, tuple[str, ...]] = {
    "zh": ("如遇", "若遇", "如果", "若", "如", "一旦", "假如", "万一", "萬一", "要是"),
    "en": (r"\bif\b", r"\bshould\b", r"\bin case\b", r"\bwhen\b"),
}
RISK_WORDS: dict[str, tuple[str, ...]] = {
    "zh": ("风险", "風險", "隐患", "隱患"),
    "en": (r"\brisks?\b", r"\bconcern\b"),
}
# Where the next review is named ("两周后复盘", "Next review: Monday, December 28").
REVIEW: dict[str, tuple[str, ...]] = {
    "zh": (
        "复盘",
        "復盤",
        "回顾",
        "回顧",
        "下次会议",
        "下次會議",
        "跟进会",
        "跟進會",
        r"再碰(?:一次|一下)?",
        r"碰一(?:次|下)",
    ),
    "en": (r"\breview", r"\bfollow-?up", r"\bretro", r"\bnext meeting\b", r"\bcheck-?in\b"),
}
# Words before a colon in an action line that are not an owner ("备注：…", "Note: …").
NOT_OWNERS: dict[str, tuple[str, ...]] = {
    "zh": ("备注", "備註", "注意", "说明", "說明", "其他", "其它", "补充", "補充", "附件", "另外"),
    "en": ("Note", "Notes", "Remark", "Remarks", "Other", "PS", "FYI", "Update", "Status"),
}

DECIDED_PHRASES = phrases("decided", DECIDED)
CONDITION_START = phrases("condition", CONDITION, wrap=r"^\s*(?:{})")
RISK_PHRASES = phrases("risk", RISK_WORDS)
REVIEW_PHRASES = phrases("review", REVIEW)
