"""Commands and agenda edits written in a reply: DATA only, read by
:mod:`daemon.inbound.parse.commands` and by the dialogue's answer reader.

Agenda edits: cancel the meeting, move it (with a date and time), include or exclude a late
topic, and the negations that undo a phrase in the same line ("不要取消"). Keep/move: the
answer to "keep this topic on this meeting, or move it to the next one?".
"""

from __future__ import annotations

from daemon.inbound.phrases import phrases

CANCEL: dict[str, tuple[str, ...]] = {
    "zh": (
        r"取消(?:本次|这次|這次|该|該)?(?:会议|會議)",
        r"(?:会议|會議)取消",
    ),
    "en": (
        r"\bcancel(?:l?ing)?\s+(?:the|this|our)\s+meeting\b",
        r"\bmeeting\s+(?:is\s+)?cancell?ed\b",
    ),
}
NEGATION: dict[str, tuple[str, ...]] = {
    "zh": ("不要", "不用", "无需", "無需", "不必"),
    "en": (r"\bdon'?t\b", r"\bdo not\b", r"\bno need\b"),
}
RESCHEDULE: dict[str, tuple[str, ...]] = {
    "zh": (
        "改期",
        "改到",
        "改在",
        "改为",
        "改為",
        "调整到",
        "调整为",
        "調整到",
        "推迟到",
        "推遲到",
        "延期到",
        "挪到",
        "移到",
        "换到",
        "換到",
    ),
    "en": (
        r"\breschedul\w*",
        r"\bmove\s+(?:it|the\s+meeting|this\s+meeting)\s+to\b",
        r"\bpostpone\w*\s+to\b",
    ),
}
EXCLUDE: dict[str, tuple[str, ...]] = {
    "zh": ("不纳入", "不納入", "不列入"),
    "en": (r"\bdo not include\b", r"\bdon'?t include\b", r"\bexclude\b"),
}
INCLUDE: dict[str, tuple[str, ...]] = {
    "zh": ("纳入", "納入", "列入议程", "列入議程"),
    "en": (r"\binclude\b", r"\badd it to the agenda\b"),
}
# The host's edits of the agenda, one per line (read by parse.agenda_edit): the verbs around
# a topic number ("删除议题2", "move 3 to 1"), a length ("改为30分钟") or a title ("增加议题：…").
AGENDA_DROP: dict[str, tuple[str, ...]] = {
    "zh": ("删除", "删去", "删掉", "去掉", "取消", "拿掉", "不讨论"),
    "en": ("drop", "remove", "delete", "skip", "cut"),
}
AGENDA_DROPPED: dict[str, tuple[str, ...]] = {
    "zh": ("删除", "删去", "删掉", "去掉", "取消", "不讨论"),
    "en": ("dropped", "removed"),
}
AGENDA_TIME: dict[str, tuple[str, ...]] = {
    "zh": (
        "改为",
        "改成",
        "调整为",
        "调整到",
        "缩短为",
        "缩短到",
        "延长为",
        "延长到",
        "时长",
        "用",
        "给",
    ),
    "en": ("to",),
}
AGENDA_MOVE_TO: dict[str, tuple[str, ...]] = {
    "zh": ("移到", "挪到", "调到", "提前到", "放到", "改到"),
    "en": ("to", "before"),
}
AGENDA_FIRST: dict[str, tuple[str, ...]] = {
    "zh": ("放第一", "放在最前", "提到最前", "最先"),
    "en": ("first",),
}
AGENDA_ORDER: dict[str, tuple[str, ...]] = {
    "zh": ("顺序", "順序"),
    "en": ("order", "new order"),
}
AGENDA_ADD: dict[str, tuple[str, ...]] = {
    "zh": ("增加", "新增", "加上", "添加", "补充"),
    "en": (r"add(?: a)?(?: topic)?",),
}
# Words of a line that looks like an agenda edit (one the reader could not read is reported).
AGENDA_EDIT_LOOKS: dict[str, tuple[str, ...]] = {
    "zh": (
        "删",
        "去掉",
        "移到",
        "挪到",
        "提前",
        "顺序",
        "順序",
        "增加",
        "新增",
        "添加",
        "分钟",
        "分鐘",
    ),
    "en": (r"\b(?:drop|remove|move|order|add|min)\b",),
}

# Keep the topic on this meeting / move it to the next one.
KEEP: dict[str, tuple[str, ...]] = {
    "zh": (
        r"(?:保留|留在|放在|就在|还是在|還是在)(?:本次|这次|這次|这一次|本期)",
        r"(?:本次|这次|這次)(?:会议)?(?:讨论|討論|上会|上會)",
        "保留",
        "维持原议程",
        "維持原議程",
    ),
    "en": (
        r"\bkeep (?:it|this|the topic)\b",
        r"\bkeep\b",
        r"\bstay(?:s)? on (?:this|the current) (?:meeting|agenda)\b",
        r"\bthis (?:meeting|time)\b",
    ),
}
MOVE: dict[str, tuple[str, ...]] = {
    "zh": (
        r"(?:挪|移|放|改|推|顺延|順延|留)(?:到|至)?(?:下次|下一次|下期|下一期|下周|下週)",
        r"(?:挪|移)(?:走|开|開)",
        r"下次(?:会议)?(?:再)?(?:讨论|討論|上会|上會)",
        "顺延",
        "順延",
    ),
    "en": (
        r"\bmove (?:it|this|the topic)?\s*(?:to )?(?:the )?next\b",
        r"\bmove it\b",
        r"\bnext (?:meeting|time|session)\b",
        r"\bdefer\b",
        r"\bpostpone (?:it|the topic)\b",
        r"\bpush (?:it|this) to the next\b",
    ),
}

CANCEL_PHRASES = phrases("cancel", CANCEL)
NEGATION_PHRASES = phrases("negation", NEGATION)
RESCHEDULE_PHRASES = phrases("reschedule", RESCHEDULE)
EXCLUDE_PHRASES = phrases("exclude topic", EXCLUDE)
INCLUDE_PHRASES = phrases("include topic", INCLUDE)
AGENDA_EDIT_LOOK = phrases("agenda edit look", AGENDA_EDIT_LOOKS)
KEEP_PHRASES = phrases("keep topic", KEEP)
MOVE_PHRASES = phrases("move topic", MOVE)
# Any agenda edit at all: the cheap pre-check before the per-line reading of a command.
AGENDA_EDIT = phrases(
    "agenda edit",
    {
        lang: tuple(f for t in (CANCEL, RESCHEDULE, EXCLUDE, INCLUDE) for f in t.get(lang, ()))
        for lang in ("zh", "en")
    },
)
