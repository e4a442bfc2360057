"""Attendance answers written as text: DATA only, read by :mod:`daemon.inbound.parse.rsvp_text`.

Per concept, per language, regular-expression fragments (most are plain words). The reader
tries, within one sentence: tentative, then a hedge next to an attendance word, then a
decline, then an acceptance; so "不确定能否参加" is tentative and "不参加" is never "参加".
"""

from __future__ import annotations

from daemon.inbound.phrases import phrases

# Tentative on their own: the sentence is an answer "maybe".
TENTATIVE: dict[str, tuple[str, ...]] = {
    "zh": (
        "待定",
        "暂定",
        "暫定",
        "不一定",
        "尽量",
        "盡量",
        "争取参加",
        "爭取參加",
        "争取到",
        r"(?:可能|也许|也許|或许|或許|大概)(?:会|會)?(?:参加|參加|出席|到|过去)",
        "也许",
        "也許",
        "看情况",
        "看情況",
        "晚点到",
        "晚點到",
    ),
    "en": (
        r"\btentative(?:ly)?\b",
        r"\bmaybe\b",
        r"\bmight\b",
        r"\bpossibly\b",
        r"will try to (?:attend|join|make it)",
        r"\bif I can\b",
        r"\bprobably (?:attend|join|come|make it)\b",
    ),
}
# Hedges: uncertainty about the answer itself; they win over a decline in the same sentence
# ("还不确定能不能参加" holds "不能参加" but says "not sure").
HEDGE: dict[str, tuple[str, ...]] = {
    "zh": (
        r"(?:不|没法|沒法|无法|無法|不能|还没有?|還沒有?|尚未|未)(?:太|很|能)?(?:确定|確定)",
        "说不准",
        "說不準",
        "说不好",
        "說不好",
        "不好说",
        "不好說",
        "未定",
        "没定",
        "沒定",
    ),
    "en": (
        r"\bnot (?:yet )?sure\b",
        r"\bunsure\b",
        r"\buncertain\b",
        r"\bnot (?:yet )?certain\b",
        r"\bcan'?t (?:yet )?(?:confirm|promise)\b",
        r"\bcannot (?:yet )?(?:confirm|promise)\b",
        r"\bhopefully\b",
    ),
}
# A negated attendance.
DECLINE: dict[str, tuple[str, ...]] = {
    "zh": (
        r"(?:不|无法|無法|没法|沒法|不能|不能够|不能夠|不便|不克|未能|没办法|沒辦法)\s*"
        r"(?:参加|參加|参会|參會|出席|与会|與會|到会|到會|前往|去|来|來|到场|到場)",
        "缺席",
        "请假",
        "請假",
        "去不了",
        "来不了",
        "來不了",
        "参加不了",
        "參加不了",
        "不参与",
        "不參與",
        "婉拒",
        "谢绝",
        "謝絕",
        "赶不回来",
        "趕不回來",
    ),
    "en": (
        r"\b(?:can ?not|can't|cannot|won't|will not|unable to|not able to|couldn't|could not)\s+"
        r"(?:be able to\s+)?(?:attend|join|make it|come|be there|participate)",
        r"\bdecline[sd]?\b",
        r"\bregrets?\b",
        r"\bnot (?:be )?attending\b",
        r"\bno,",
        r"^\s*no\b",
    ),
}
ACCEPT: dict[str, tuple[str, ...]] = {
    "zh": (
        "参加",
        "參加",
        "参会",
        "參會",
        "出席",
        "与会",
        "與會",
        "准时到",
        "準時到",
        "会到",
        "會到",
    ),
    "en": (
        r"\baccept(?:ed)?\b",
        r"\bwill (?:attend|join|be there)\b",
        r"\bI'll (?:attend|join|be there)\b",
        r"\battending\b",
        "count me in",
        r"\bI can (?:attend|join|make it)\b",
        "see you there",
        r"^\s*yes\b",
        r"\bconfirm(?:ed)?\b",
    ),
}
# Lines with these labels hold a proxy or an opinion, not the answer itself.
ANSWER_LABELS: dict[str, tuple[str, ...]] = {
    "zh": (
        "代理人",
        "代理",
        "代为参加人",
        "代參加人",
        "委托人",
        "書面意見",
        "书面意见",
        "意见",
        "意見",
    ),
    "en": ("proxy", "delegate", r"written (?:opinion|input)", "opinion", "input"),
}

# Proxies. ``{who}`` stands for the delegate (a name, a title and a name, an address or a
# mailto link: see ``rsvp_text``), the rest is the phrase around it.
PROXY_LABELS: dict[str, tuple[str, ...]] = {
    "zh": ("代理人", "代理", "代为参加人", "代參加人", "代参会人", "代参加人"),
    "en": ("proxy", "delegate", r"stand-?in", "substitute"),
}
PROXY_FORMS: dict[str, tuple[str, ...]] = {
    "zh": (
        r"(?:由|请|請|让|讓|叫)\s*{who}\s*(?:代为|代為|代我|代表我|替我|帮我|幫我|代替我)\s*"
        r"(?:参加|參加|出席|参会|參會|去|过去|與會|与会)",
        r"(?:委托|委託|派|安排|指派)\s*{who}\s*(?:代为|代為|代我|代表我|替我)?\s*"
        r"(?:参加|參加|出席|参会|參會|与会|與會)",
        r"{who}\s*(?:代为|代為|代我|代表我|替我|代替我)\s*(?:参加|參加|出席|参会|參會|去|过去)",
    ),
    "en": (
        r"{who}\s+will\s+(?:attend|join|come|go|be attending|be there|cover|stand in)\s+"
        r"(?:on my behalf|in my place|instead|for me|for us|for our team)",
        r"{who}\s+is\s+(?:attending|joining|coming)\s+(?:on my behalf|in my place|instead|for me)",
        r"(?:sending|send|delegat(?:e|ing) to)\s+{who}\s*(?:instead|in my place|on my behalf)?",
    ),
}
# Forms that name a delegate only in a decline ("I can't come. Sara will attend."): in any
# other answer they name a colleague who comes too.
PROXY_FORMS_IN_DECLINE: dict[str, tuple[str, ...]] = {
    "en": (r"{who}\s+will\s+(?:attend|join|come|go|be attending|be there|cover)\b",),
}
# Words before a Chinese name that are its title or department, not the name.
NAME_PREFIXES: dict[str, tuple[str, ...]] = {
    "zh": (
        "的",
        "部",
        "组",
        "組",
        "处",
        "處",
        "科",
        "室",
        "中心",
        "经理",
        "經理",
        "总监",
        "總監",
        "主管",
        "主任",
        "同事",
        "助理",
        "专员",
        "專員",
        "工程师",
        "工程師",
        "部长",
        "部長",
        "副总",
        "副總",
        "负责人",
        "負責人",
        "代表",
        "同学",
        "组长",
        "組長",
        "科长",
        "科長",
        "处长",
        "處長",
        "队长",
        "隊長",
        "部门",
        "部門",
        "届时",
        "屆時",
        "到时",
        "到時",
        "当天",
        "當天",
        "那天",
        "这次",
        "這次",
        "本次",
        "我们",
        "我們",
        "老师",
    ),
}
# Capitalised words that start an English sentence but are never a delegate's name.
NOT_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "I",
        "We",
        "They",
        "He",
        "She",
        "You",
        "Someone",
        "Somebody",
        "Nobody",
        "Our",
        "My",
        "The",
        "This",
        "That",
        "It",
        "Instead",
        "Unfortunately",
        "Sorry",
    ),
}

# A written opinion: a label, or a sentence that introduces one ("My input on the budget:").
OPINION_INTROS: dict[str, tuple[str, ...]] = {
    "zh": (
        r"书面意见(?:如下)?",
        r"書面意見(?:如下)?",
        r"我的意见(?:如下)?",
        r"我的意見(?:如下)?",
        r"我(?:这边|們|们)?的?(?:几点)?意见(?:如下)?",
        "意见如下",
        "意見如下",
        "意见",
        "意見",
        "建议如下",
    ),
    "en": (
        r"written (?:opinion|input)",
        r"my (?:input|thoughts|comments|views|opinion|feedback)(?: on [^:\n]{1,80})?",
        "for the record",
        "opinion",
        "input",
    ),
}

TENTATIVE_PHRASES = phrases("tentative", TENTATIVE)
HEDGE_PHRASES = phrases("hedge", HEDGE)
DECLINE_PHRASES = phrases("decline", DECLINE)
ACCEPT_PHRASES = phrases("accept", ACCEPT)
ANSWER_LABEL_LINE = phrases("answer label", ANSWER_LABELS, wrap=r"^\s*(?:{})\s*[:：]")
OPINION_START = phrases("opinion", OPINION_INTROS, wrap=r"(?:{})\s*[:：]")
