"""Attendance answers written as plain text, zh (simplified and traditional) and en.

The answer is read sentence by sentence from the sender's fresh text (quotes and signatures
already stripped), skipping labelled lines such as ``代理人：`` and ``书面意见：``; the first
sentence with a signal decides. Within a sentence, tentative wording and hedges (不确定,
不能确定能否…, not sure) win over a decline, and a decline (negated attendance: 不参加,
无法参加, 不克出席, can't make it, won't attend) wins over an acceptance, so "不参加" is never
read as "参加" and "还不确定能不能参加" is tentative. The phrases are data in
:mod:`daemon.inbound.phrases.rsvp`.

A decline may name a proxy (:func:`read_proxy`) and a written opinion (书面意见/意见如下/"My
input on …:"), which runs over the following lines while they continue it (numbered lines,
a paragraph) and stops at a sign-off.
"""

from __future__ import annotations

import logging
import re

from daemon.domain.messages import PartStat, RsvpReply
from daemon.inbound.parse.labels import BULLET, fold
from daemon.inbound.parse.names import cjk_name
from daemon.inbound.phrases import Phrases, phrases
from daemon.inbound.phrases.letter import SIGN_OFF_LINE
from daemon.inbound.phrases.rsvp import (
    ACCEPT_PHRASES,
    ANSWER_LABEL_LINE,
    DECLINE_PHRASES,
    HEDGE_PHRASES,
    NOT_NAMES,
    OPINION_START,
    PROXY_FORMS,
    PROXY_FORMS_IN_DECLINE,
    PROXY_LABELS,
    TENTATIVE_PHRASES,
)

log = logging.getLogger(__name__)

_SENTENCE = re.compile(r"[^。！？!?\n；;]+|(?<=[a-z\d)])\.(?=\s)")
_EN_SENTENCE = re.compile(r"(?<![A-Z])(?<=[\w)])[.!?]\s+(?=[A-Z])")
# Bounded (RFC 5321 §4.5.3.1: local part 64, label 63 octets) so that a long run of word
# characters without "@" costs linear time, not quadratic.
_EMAIL = r"[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}"
_EMAIL_RE = re.compile(_EMAIL)
_ADDR = rf"\s*[(（<《\[]?\s*(?:mailto:)?(?P<addr>{_EMAIL})\s*[)）>》\]]?"
# A name, a name and its address, or an address alone (a match with neither is skipped).
_CJK_WHO = rf"(?P<zh>[\u4e00-\u9fff·]{{2,12}}?)?(?:{_ADDR})?"
_EN_WHO = rf"(?P<en>(?-i:[A-Z][a-z'\-]+(?:[ ](?:[A-Z]\.|[A-Z][a-z'\-]+)){{0,3}}))?(?:{_ADDR})?"


def _forms(table: dict[str, tuple[str, ...]]) -> list[Phrases]:
    """One matcher per form (each holds the ``zh``/``en``/``addr`` groups once)."""
    return [
        phrases(f"proxy {lang}", {lang: (form.replace("{who}", _WHO.get(lang, _EN_WHO)),)})
        for lang, forms in table.items()
        for form in forms
    ]


_WHO = {"zh": _CJK_WHO, "en": _EN_WHO}
_PROXY_FORMS = _forms(PROXY_FORMS)
_PROXY_FORMS_IN_DECLINE = _PROXY_FORMS + _forms(PROXY_FORMS_IN_DECLINE)
_PROXY_LABEL = phrases("proxy label", PROXY_LABELS, wrap=r"(?:{})\s*[:：]\s*(?P<v>[^\n]+)")
_NOT_NAMES = frozenset(n for ns in NOT_NAMES.values() for n in ns)
_CJK_NAME = re.compile(r"[\u4e00-\u9fff·]{2,4}")
_EN_NAME = re.compile(r"[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)+")
_LIST_ITEM = re.compile(rf"^\s*{BULLET}")


def _answer(text: str) -> tuple[PartStat, str] | None:
    """The answer and the sentence that gives it (see the module docstring for the order)."""
    folded = fold(text)
    checks = [
        (name, pat)
        for name, pat in (
            ("TENTATIVE", TENTATIVE_PHRASES),
            ("HEDGE", HEDGE_PHRASES),
            ("DECLINED", DECLINE_PHRASES),
            ("ACCEPTED", ACCEPT_PHRASES),
        )
        if pat.present(text, folded)
    ]
    if not checks:
        return None
    for raw in text.split("\n"):
        if ANSWER_LABEL_LINE.search(raw):
            continue
        for m in _SENTENCE.finditer(raw):
            sentence = m.group(0)
            found = {name: hit for name, pat in checks if (hit := pat.pattern.search(sentence))}
            if not found:
                continue
            hedge, decline = found.get("HEDGE"), found.get("DECLINED")
            if "TENTATIVE" in found or (
                hedge and (not decline or hedge.start() <= decline.start())
            ):
                return "TENTATIVE", sentence  # "还不确定能不能参加": the doubt covers the "不能"
            if decline:
                return "DECLINED", sentence  # "参加不了，不确定下次能不能来"
            if hedge:
                return "TENTATIVE", sentence
            return "ACCEPTED", sentence
    return None


def _only_a_proxy_accepts(sentence: str) -> bool:
    """The sentence's acceptance is someone else's ("Sara Ortiz will attend"): without the
    proxy phrases, nothing in it accepts."""
    if read_proxy(sentence, declined=True) == (None, None):
        return False
    rest = sentence
    for pat in _PROXY_FORMS_IN_DECLINE:
        rest = pat.pattern.sub(lambda m: " " if any(_who(m)) else m.group(0), rest)
    return ACCEPT_PHRASES.pattern.search(rest) is None


def read_proxy(text: str, declined: bool = True) -> tuple[str | None, str | None]:
    """The delegate named in ``text``: ``(name, address)``, either may be ``None``.

    Reads a label (``代理人：王五（wangwu@example.org）``, ``Proxy: Jane Roe``) and prose
    (``由市场部经理李明(liming@…)代为参会``, ``委托采购部张丽（…）出席``, ``让小王替我参加``,
    ``小王替我去``, ``…代我参加``, ``Sara Ortiz will attend``, ``sending Max instead``). A
    title or department before a Chinese name is cut; an English name never runs across a
    sentence end. The address is lower-case. The dialogue's answer reader calls this for a
    bare proxy answer as well.

    Args:
        text: the sender's fresh text.
        declined: the text declines; then "Sara will attend" names a delegate too (otherwise
            only forms that say "instead of me": 替我, 代为, on my behalf, instead).
    """
    folded = fold(text)
    m = _PROXY_LABEL.search(text, folded)
    if m is not None:
        value = m.group("v").strip()
        found = _EMAIL_RE.search(value)
        name_part = _EMAIL_RE.sub(" ", value)
        name_m = _CJK_NAME.search(name_part) or _EN_NAME.search(name_part)
        return (name_m.group(0) if name_m else None), (found.group(0).lower() if found else None)
    sentences: list[str] | None = None  # split once, when a form may be there
    for pat in _PROXY_FORMS_IN_DECLINE if declined else _PROXY_FORMS:
        if not pat.present(text, folded):
            continue
        sentences = _sentences(text) if sentences is None else sentences
        for sentence in sentences:
            for hit in pat.pattern.finditer(sentence):
                name, addr = _who(hit)
                if name or addr:
                    return name, addr
    return None, None


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    for line in text.split("\n"):
        parts.extend(p for p in _EN_SENTENCE.split(line) if p.strip())
    return parts


def _who(hit: re.Match[str]) -> tuple[str | None, str | None]:
    groups = hit.groupdict()
    addr = groups.get("addr")
    name: str | None = None
    if groups.get("zh"):
        name = cjk_name(groups["zh"])
    elif groups.get("en"):
        words = groups["en"].split()
        while words and words[0] in _NOT_NAMES:
            words.pop(0)
        name = " ".join(words) or None
    return name, addr.lower() if addr else None


def _opinion(text: str) -> str | None:
    """The written opinion after its label or intro, over the lines that continue it."""
    m = OPINION_START.search(text)
    if m is None:
        return None
    lines = text[m.end() :].split("\n")
    out = [lines[0].strip()] if lines[0].strip() else []
    rest = lines[1:]
    for i, line in enumerate(rest):
        s = line.strip()
        if not s:
            following = next((ln for ln in rest[i + 1 :] if ln.strip()), "")
            if out and not _LIST_ITEM.match(following):
                break
            continue
        if SIGN_OFF_LINE.search(s) or _PROXY_LABEL.pattern.match(s):
            break
        if out and not _LIST_ITEM.match(s) and _LIST_ITEM.match(out[-1]) and len(out) > 1:
            break
        out.append(s)
    return "\n".join(out) or None


def parse_rsvp_text(fresh: str, sender: str | None) -> RsvpReply | None:
    """Read a plain-text attendance answer.

    Args:
        fresh: the sender's own text (see :func:`daemon.inbound.text.fresh_text`).
        sender: the From address (lower-case); it is the attendee.

    Returns:
        A :class:`RsvpReply` with ``source="text"``, or ``None`` when no answer is written.
        ``delegate``/``delegate_name`` are only filled for a decline; a written opinion for a
        decline or a tentative answer.
    """
    found = _answer(fresh)
    if found is None:
        return None
    partstat, sentence = found
    if partstat == "ACCEPTED" and (
        read_proxy(fresh, declined=False) != (None, None) or _only_a_proxy_accepts(sentence)
    ):
        # "让小王替我参加", or the only acceptance is "Sara Ortiz will attend": someone
        # attends in the sender's place
        partstat = "DECLINED"
    reply = RsvpReply(attendee=sender, partstat=partstat, source="text")
    if partstat == "DECLINED":
        reply.delegate_name, reply.delegate = read_proxy(fresh)
    if partstat != "ACCEPTED":
        reply.written_opinion = _opinion(fresh)
    lines = [ln.strip() for ln in fresh.split("\n") if ln.strip()]
    if lines:
        reply.comment = " ".join(lines)[:500]
    return reply
