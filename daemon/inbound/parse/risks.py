"""Risks as people write them in minutes: labelled (``风险：…；应对措施：…；负责人：…``), a
condition with its mitigation after the comma (``如遇X，先Y``, ``If X, we Y``), a
``Fallback:``/``应对：``/``备用方案是…`` part, and an owner at the end (``负责人：赵磊``,
``(owner: Priya)``). The words are data in :mod:`daemon.inbound.phrases`.
"""

from __future__ import annotations

import re

from daemon.domain.messages import RiskSpec
from daemon.inbound.parse.labels import LabelSet, clean_value, strip_number
from daemon.inbound.phrases import alternation, label_alternation
from daemon.inbound.phrases.fields import RISK_FIELDS
from daemon.inbound.phrases.minutes import CONDITION

RISK_LABELS = LabelSet(RISK_FIELDS)
MITIGATION = re.compile(
    rf"(?:^|[.。;；,，]\s*|\s[—–-]\s*)(?:{label_alternation(RISK_FIELDS, 'mitigation')})"
    r"\s*(?:[:：]|是|为|為|\s+is\b)\s*",
    re.I,
)
_OWNER_TAIL = re.compile(
    rf"[，,;；(（]?\s*(?:{label_alternation(RISK_FIELDS, 'owner')})\s*[:：]\s*"
    r"(?P<o>[^，,;；。)）]+)[)）]?[。.]?\s*$",
    re.I,
)
_CONDITION = re.compile(
    rf"^(?P<risk>(?:{alternation(CONDITION)})[^，,]+)[，,]\s*(?P<rest>.+)$", re.I
)


def read_risk(line: str) -> RiskSpec | None:
    """One risk from a line or a sentence (see the module docstring); ``None`` when nothing
    is left once the labels are read. Never raises on any text."""
    text = strip_number(line)
    owner = None
    m = _OWNER_TAIL.search(text)
    if m:
        owner = clean_value(m.group("o"))
        text = text[: m.start()]
    fields = RISK_LABELS.segments(text)
    mitigation = clean_value(fields.get("mitigation"))
    if "risk" in fields:
        text = fields["risk"]
        owner = owner or clean_value(fields.get("owner"))
    mit = MITIGATION.search(text)
    if mit:
        mitigation = mitigation or clean_value(text[mit.end() :])
        text = text[: mit.start()]
    text = text.strip().strip("，,。.;；—–- ")
    if not text:
        return None
    cond = _CONDITION.match(text)
    if cond and mitigation is None:
        return RiskSpec(cond.group("risk").strip(), clean_value(cond.group("rest")), owner)
    return RiskSpec(clean_value(text) or text, mitigation, owner)
