"""Topic words: DATA only, read by :mod:`daemon.inbound.parse.topics`."""

from __future__ import annotations

from daemon.inbound.phrases import phrases

# A topic the sender says is complex (it then needs material before the meeting).
COMPLEX: dict[str, tuple[str, ...]] = {
    "zh": ("复杂", "複雜", "牵涉面广", "牽涉面廣", "涉及多个部门", "涉及多個部門", "需要详细讨论"),
    "en": ("complex", "complicated"),
}
# "议题：X" inside prose: the word, then 是/为 and a colon.
INLINE_TOPIC: dict[str, tuple[str, ...]] = {
    "zh": (r"(?:议题|議題)\s*(?:是|为|為)?\s*[:：]",),
    "en": (r"\btopic\s*(?:is)?\s*:",),
}
# Words between a lead-in and the title proper ("想提一下【关于】…", "raise 【the topic of】…").
TITLE_FILLERS: dict[str, tuple[str, ...]] = {
    "zh": ("关于", "關於", "就", "是", "一下", "一个", "一個"),
    "en": (r"about\b", r"is\b", r"are\b", r"the topic of\b"),
}

# Words after the title proper ("…停车位不足【在下次会上】", "…parking 【at the next meeting】").
TITLE_TAILS: dict[str, tuple[str, ...]] = {
    "zh": (r"(?:在|于)?(?:下次|本次|这次)?(?:会上|会议上)(?:讨论|討論)?(?:一下)?",),
    "en": (r"\b(?:at|in|during) (?:the|our) (?:next |upcoming )?(?:meeting|session|sync)",),
}

# "We have no topic this time": a reply to the call for topics that proposes none.
NO_TOPIC: dict[str, tuple[str, ...]] = {
    "zh": (
        r"(?:没有|沒有|暂无|暫無)[\u4e00-\u9fff]{0,6}?(?:议题|議題)",
        r"(?:^|[，,。：:\s])(?:无|無)(?:议题|議題)",
        r"(?:不|无需|無需|不用)(?:提|报|報|申报|申報)(?:议题|議題)",
    ),
    "en": (
        r"\bno (?:new )?topics?\b",
        r"\bnothing to (?:add|propose|raise)\b",
        r"\bno agenda items?\b",
    ),
}

COMPLEX_PHRASES = phrases("complex topic", COMPLEX)
NO_TOPIC_PHRASES = phrases("no topic", NO_TOPIC)
INLINE_TOPIC_LABEL = phrases("inline topic", INLINE_TOPIC)
TITLE_TAIL_END = phrases("title tail", TITLE_TAILS, wrap=r"\s*(?:{})\s*[?？。.!！]*\s*$")
TITLE_FILLER_START = phrases("title filler", TITLE_FILLERS, wrap=r"^[\s,，:：、]*(?:{})?\s*")
