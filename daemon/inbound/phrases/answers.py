"""Bare answers to the daemon's own questions: DATA only, read by
:mod:`daemon.inbound.answers` (see :mod:`daemon.domain.questions`).

Each table is ``{language: (fragment, ...)}``; the matchers below are derived from them.
Labels of the proxy and of the written input come from :mod:`.rsvp`.
"""

from __future__ import annotations

from daemon.inbound.phrases import phrases, rsvp

# "维持原时间": the host keeps the time an attendee proposed to change.
KEEP_TIME: dict[str, tuple[str, ...]] = {
    "zh": (
        "维持",
        "維持",
        "保持",
        "不变",
        "不變",
        "照旧",
        "照舊",
        "按原",
        "原时间",
        "原時間",
        "原定",
        "不改",
        "不调整",
        "不調整",
    ),
    "en": (
        r"\bkeep\b",
        r"\bstay\b",
        r"\boriginal (?:time|date|slot)\b",
        r"\bno change\b",
        r"\bas planned\b",
    ),
}
# "可以" / "accept": yes to what the question proposed.
AGREE: dict[str, tuple[str, ...]] = {
    "zh": ("接受", "同意", "可以", "好的", "就这样", "就這樣", "没问题", "沒問題", "改吧"),
    "en": (
        r"\baccept\w*",
        r"\bagree\w*",
        r"\bfine\b",
        r"\bok(?:ay)?\b",
        r"\byes\b",
        r"\bsure\b",
        r"\bgo ahead\b",
    ),
}
# "不同意调整": no to what the question proposed.
REFUSE: dict[str, tuple[str, ...]] = {
    "zh": (r"(?:不|别|別|无法|無法|不能)\s*(?:接受|同意|可以|改|调整|調整)", "拒绝", "拒絕"),
    "en": (
        r"\b(?:not|don'?t|do not|cannot|can'?t|won'?t)\s*(?:accept|agree|change|move)",
        r"\bno\b",
    ),
}
# A hedge or a question back: not an answer ("再想想？", "not sure").
UNDECIDED: dict[str, tuple[str, ...]] = {
    "zh": (r"\?", "？", "再看", "再议", "再議", "考虑", "考慮", "商量", "不确定", "不確定", "再想"),
    "en": (r"\blater\b", r"\bnot sure\b", r"\bthink\b"),
}
# The empty agenda: cancel the meeting, or hold it as planned.
CANCEL_MEETING: dict[str, tuple[str, ...]] = {
    "zh": ("取消",),
    "en": (r"\bcancel\w*\b", r"\bcall (?:it )?off\b"),
}
HOLD: dict[str, tuple[str, ...]] = {
    "zh": (
        "照常",
        "如期",
        "正常召开",
        "正常召開",
        "继续开",
        "繼續開",
        "照开",
        "照開",
        "不变",
        "不變",
    ),
    "en": (r"\bhold\b", r"\bgo ahead\b", r"\bas planned\b", r"\bkeep\b"),
}
# A late topic: take it onto this agenda, or leave it.
TAKE_TOPIC: dict[str, tuple[str, ...]] = {
    "zh": ("纳入", "納入", "列入", "加入议程", "加入議程", "同意", "可以"),
    "en": (r"\binclude\b", r"\badd it\b", r"\byes\b", r"\bok(?:ay)?\b"),
}
LEAVE_TOPIC: dict[str, tuple[str, ...]] = {
    "zh": ("不纳入", "不納入", "不列入", "不加", "下次", "下回", "不同意", "不要"),
    "en": (r"\bexclude\b", r"\bnot include\b", r"\bdon'?t include\b", r"\bnext time\b", r"\bno\b"),
}
# Words a confirmation of the minutes is made of ("确认，可以发送。", "OK, send it").
CONFIRM_WORDS: dict[str, tuple[str, ...]] = {
    "zh": (
        "确认无误",
        "確認無誤",
        "确认",
        "確認",
        "无误",
        "無誤",
        "没问题",
        "沒問題",
        "可以",
        "同意",
        "好的",
        "发送吧",
        "發送吧",
        "发送",
        "發送",
        "发吧",
        "發吧",
        "请",
        "請",
        "吧",
        "了",
    ),
    "en": (
        r"\bok(?:ay)?\b",
        r"\bconfirm(?:ed)?\b",
        r"\bcorrect\b",
        r"\blooks good\b",
        r"\blgtm\b",
        r"\byes\b",
        r"\bfine\b",
        r"\bgo ahead\b",
        r"\bsend(?: it| them)?\b",
        r"\bplease\b",
        r"\ball\b",
        r"\bgood\b",
        r"\bapproved?\b",
    ),
}
# Thanks on a line of its own.
THANKS: dict[str, tuple[str, ...]] = {
    "zh": ("谢谢", "謝謝", "多谢", "多謝", "感谢", "感謝", r"辛苦了?"),
    "en": (
        r"thanks?(?: you)?",
        "many thanks",
        "cheers",
        "best",
        "regards",
        "best regards",
        "kind regards",
    ),
}

KEEP_TIME_PHRASES = phrases("keep the time", KEEP_TIME)
AGREE_PHRASES = phrases("agree", AGREE)
REFUSE_PHRASES = phrases("refuse", REFUSE)
UNDECIDED_PHRASES = phrases("undecided", UNDECIDED)
CANCEL_MEETING_PHRASES = phrases("cancel the meeting", CANCEL_MEETING)
HOLD_PHRASES = phrases("hold the meeting", HOLD)
TAKE_TOPIC_PHRASES = phrases("take the topic", TAKE_TOPIC)
LEAVE_TOPIC_PHRASES = phrases("leave the topic", LEAVE_TOPIC)
CONFIRM_WORD = phrases("confirmation word", CONFIRM_WORDS)
THANKS_LINE = phrases("thanks", THANKS, wrap=r"^\s*(?:{})[\w\s,，.。!！~]{{0,20}}$")
PROXY_LABEL_LINE = phrases(
    "proxy label", rsvp.PROXY_LABELS, wrap=r"^\s*(?:{})\s*[:：]\s*(?P<v>.*)$"
)
OPINION_LABEL_LINE = phrases(
    "opinion label", rsvp.OPINION_INTROS, wrap=r"^\s*(?:{})\s*[:：]\s*(?P<v>.*)$"
)
