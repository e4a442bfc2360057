"""Attendance answers written as plain text, zh (simplified and traditional) and en.

The answer is read sentence by sentence from the sender's fresh text (quotes and signatures
already stripped), skipping labelled lines such as ``代理人：`` and ``书面意见：``; the first
sentence with a signal decides. Within a sentence, tentative wording wins over a decline, and a
decline (negated attendance: 不参加, 无法参加, 不克出席, can't make it, won't attend) wins over
an acceptance, so "不参加" is never read as "参加".

A decline may name a proxy (代理人/代理/由…代为参加/请…代我参加/委托…参加; "proxy:",
"X will attend on my behalf/in my place", "sending X instead") and a written opinion
(书面意见/意见/"written opinion"/"my input").
"""

from __future__ import annotations

import logging
import re
from typing import cast

from daemon.domain.messages import PartStat, RsvpReply

log = logging.getLogger(__name__)

_TENTATIVE = re.compile(
    r"待定|不确定|不確定|不一定|尽量|盡量|争取参加|爭取參加|可能(?:会|會)?(?:参加|參加|出席|到)|"
    r"也许|也許|看情况|看情況|晚点到|晚點到|tentative|\bmaybe\b|\bmight\b|not sure|possibly|"
    r"\bif I can\b|will try to (?:attend|join|make it)",
    re.I,
)
_DECLINE = re.compile(
    r"(?:不|无法|無法|没法|沒法|不能|不能够|不能夠|不便|不克|未能|没办法|沒辦法|去不了|来不了|來不了)"
    r"\s*(?:参加|參加|参会|參會|出席|与会|與會|到会|到會|前往|去|来|來|到场|到場)|"
    r"缺席|请假|請假|去不了|来不了|來不了|参加不了|參加不了|不参与|不參與|婉拒|谢绝|謝絕|"
    r"\b(?:can ?not|can't|cannot|won't|will not|unable to|not able to|couldn't|could not)\s+"
    r"(?:be able to\s+)?(?:attend|join|make it|come|be there|participate)|"
    r"\bdecline[sd]?\b|\bregrets?\b|\bnot (?:be )?attending\b|\bno,|^\s*no\b",
    re.I,
)
_ACCEPT = re.compile(
    r"参加|參加|参会|參會|出席|与会|與會|准时到|準時到|会到|會到|"
    r"\baccept(?:ed)?\b|\bwill (?:attend|join|be there)\b|\bI'll (?:attend|join|be there)\b|"
    r"\battending\b|count me in|\bI can (?:attend|join|make it)\b|see you there|^\s*yes\b|"
    r"\bconfirm(?:ed)?\b",
    re.I,
)
_LABELLED = re.compile(
    r"^\s*(?:代理人|代理|代为参加人|代參加人|委托人|書面意見|书面意见|意见|意見|proxy|delegate|"
    r"written opinion|opinion|input)\s*[:：]",
    re.I,
)
_SENTENCE = re.compile(r"[^。！？!?\n；;]+")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_PROXY = re.compile(
    r"(?:代理人|代理|代为参加人|代參加人|proxy|delegate|stand-?in|substitute)\s*[:：]\s*(?P<v>[^\n]+)"
    r"|(?:由|请|請|让|讓)\s*(?P<n1>[\u4e00-\u9fff]{2,4}|[A-Z][\w.\-]*(?: [A-Z][\w.\-]*)?)\s*"
    r"[(（<]?(?P<a1>[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+)?[)）>]?\s*"
    r"(?:代为|代為|代我|代表我|替我)(?:参加|參加|出席|参会|參會)"
    r"|(?:委托|委託|派|安排)\s*(?P<n4>[\u4e00-\u9fff]{2,4}|[A-Z][\w.\-]*(?: [A-Z][\w.\-]*)?)\s*"
    r"[(（<]?(?P<a4>[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+)?[)）>]?\s*"
    r"(?:代为|代為|代我|代表我|替我)?(?:参加|參加|出席|参会|參會)"
    r"|(?P<n2>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)*)\s*(?:\(|<)?(?P<a2>[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+)?"
    r"(?:\)|>)?\s+will (?:attend|join|come|go) (?:on my behalf|in my place|instead|for me)"
    r"|(?:sending|send)\s+(?P<n3>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)*)\s*(?:\(|<)?"
    r"(?P<a3>[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+)?(?:\)|>)?\s+instead",
)
_OPINION = re.compile(
    r"(?:书面意见|書面意見|我的意见|我的意見|意见|意見|written opinion|my input|opinion)\s*[:：]\s*"
    r"(?P<v>[^\n]+)",
    re.I,
)
_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
_EN_NAME = re.compile(r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")


def _answer(text: str) -> PartStat | None:
    for raw in text.split("\n"):
        if _LABELLED.match(raw):
            continue
        for m in _SENTENCE.finditer(raw):
            sentence = m.group(0)
            if _TENTATIVE.search(sentence):
                return "TENTATIVE"
            if _DECLINE.search(sentence):
                return "DECLINED"
            if _ACCEPT.search(sentence):
                return "ACCEPTED"
    return None


def _proxy(text: str) -> tuple[str | None, str | None]:
    m = _PROXY.search(text)
    if not m:
        return None, None
    if m.group("v") is not None:
        value = m.group("v").strip()
        addr = _EMAIL.search(value)
        name_part = _EMAIL.sub(" ", value)
        name_m = _CJK_NAME.search(name_part) or _EN_NAME.search(name_part)
        return (name_m.group(0) if name_m else None), (addr.group(0).lower() if addr else None)
    for n, a in (("n1", "a1"), ("n4", "a4"), ("n2", "a2"), ("n3", "a3")):
        if m.group(n) is not None:
            found = m.group(a)
            return m.group(n).strip(), found.lower() if found else None
    return None, None


def parse_rsvp_text(fresh: str, sender: str | None) -> RsvpReply | None:
    """Read a plain-text attendance answer.

    Args:
        fresh: the sender's own text (see :func:`daemon.inbound.text.fresh_text`).
        sender: the From address (lower-case); it is the attendee.

    Returns:
        A :class:`RsvpReply` with ``source="text"``, or ``None`` when no answer is written.
        ``delegate``/``delegate_name`` are only filled for a decline.
    """
    partstat = _answer(fresh)
    if partstat is None:
        return None
    reply = RsvpReply(attendee=sender, partstat=cast(PartStat, partstat), source="text")
    if partstat == "DECLINED":
        reply.delegate_name, reply.delegate = _proxy(fresh)
        op = _OPINION.search(fresh)
        if op:
            reply.written_opinion = op.group("v").strip() or None
    lines = [ln.strip() for ln in fresh.split("\n") if ln.strip()]
    if lines:
        reply.comment = " ".join(lines)[:500]
    return reply
