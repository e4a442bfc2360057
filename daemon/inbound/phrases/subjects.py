"""What a subject (and, for topics, the first words) says a mail is about: DATA only, read
by :mod:`daemon.inbound.classify`."""

from __future__ import annotations

from daemon.inbound.phrases import phrases

MINUTES_SUBJECT: dict[str, tuple[str, ...]] = {
    "zh": ("纪要", "紀要", "会议记录", "會議記錄"),
    "en": (r"\bminutes\b", r"\bMoM\b"),
}
REQUEST_SUBJECT: dict[str, tuple[str, ...]] = {
    "zh": ("会议需求", "會議需求", "会议申请", "會議申請", "申请召开", "申請召開"),
    "en": ("meeting request", r"request for (?:a )?meeting"),
}
TOPIC_SUBJECT: dict[str, tuple[str, ...]] = {
    "zh": ("议题", "議題", "提案"),
    "en": (r"\btopics?\b",),
}
# Words in the text of a topic written as prose (with the lead-ins of ``letter``).
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "zh": ("议题", "議題", "想提", "提一个", "建议讨论", "建議討論"),
    "en": (r"\btopic\b", "propose"),
}
MEETING_THREAD: dict[str, tuple[str, ...]] = {
    "zh": ("会议", "會議", "参会", "參會", "出席", "邀请", "邀請"),
    "en": ("meeting", "invitation", "invite", "attend", "rsvp", "calendar"),
}

MINUTES_SUBJECT_PHRASES = phrases("minutes subject", MINUTES_SUBJECT)
REQUEST_SUBJECT_PHRASES = phrases("request subject", REQUEST_SUBJECT)
TOPIC_SUBJECT_PHRASES = phrases("topic subject", TOPIC_SUBJECT)
TOPIC_WORD_PHRASES = phrases("topic words", TOPIC_WORDS)
MEETING_THREAD_PHRASES = phrases("meeting thread", MEETING_THREAD)
