"""Is this mail automatic? The loop guard's checks over :mod:`daemon.inbound.loop_phrases`.

Each function answers one question about the headers or the subject and returns the reason
(for the audit log) or ``None``. :mod:`daemon.inbound.classify` turns a reason into kind
``auto_reply`` (an automatic answer, a list or bulk mail) or ``bounce`` (a delivery report,
including "still trying" delay notices); the daemon answers neither (RFC 3834 §2).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from daemon.inbound.loop_phrases import (
    AUTO_REPLY_HEADERS,
    AUTO_REPLY_SUBJECTS,
    DELAY_ACTIONS,
    DELAY_SUBJECT_PAIRS,
    DELAY_SUBJECTS,
    NULL_RETURN_PATHS,
    PRECEDENCE_AUTO_REPLY,
    PRECEDENCE_NO_REPLY,
    REPLY_PREFIXES,
    SUPPRESS_TOKENS,
)


def _phrases(table: Mapping[str, Iterable[str]]) -> re.Pattern[str]:
    """One pattern matching any phrase of ``table`` at the start, the longest first; an
    ASCII phrase ending in a letter or digit must end a word ("auto reply", not
    "autoreplying")."""
    phrases = sorted({p.lower() for group in table.values() for p in group}, key=len, reverse=True)
    alts = [
        re.escape(p) + (r"(?![^\W\d_])" if p[-1].isascii() and p[-1].isalnum() else "")
        for p in phrases
    ]
    return re.compile("|".join(alts))


_AUTO = _phrases(AUTO_REPLY_SUBJECTS)
_DELAY = _phrases(DELAY_SUBJECTS)
_PREFIX = re.compile(
    r"^(?:\s*(?:"
    + "|".join(re.escape(p) for p in sorted(REPLY_PREFIXES, key=len, reverse=True))
    + r")\s*(?:\[\d+\]|\(\d+\))?\s*:)+",
    re.I,
)
_OPENERS = " \t[【(（「<〔"
_TOKEN = re.compile(r"[A-Za-z_]+")


@functools.lru_cache(maxsize=64)
def subject_key(subject: str) -> str:
    """``subject`` as the tables are matched against it: lower-case, full-width colons as
    ``:``, reply/forward prefixes, leading brackets and spaces removed, runs of spaces as
    one (``"RE: [自动回复]：休假"`` → ``"自动回复]:休假"``)."""
    text = " ".join(subject.replace("：", ":").split()).lower()
    for _ in range(3):  # "RE: [自动回复] AW: ..." — prefixes and brackets, a few rounds
        shorter = _PREFIX.sub("", text).lstrip(_OPENERS)
        if shorter == text:
            break
        text = shorter
    return text


def _starts(key: str, phrases: re.Pattern[str]) -> str | None:
    m = phrases.match(key)
    return m.group(0) if m else None


def auto_reply_subject(subject: str) -> str | None:
    """The phrase of :data:`AUTO_REPLY_SUBJECTS` that ``subject`` starts with, else ``None``."""
    return _starts(subject_key(subject), _AUTO)


def delay_notice(subject: str, delivery_actions: Iterable[str] = ()) -> str | None:
    """Why the mail is a "delivery delayed" report: a DSN ``Action: delayed`` (RFC 3464
    §2.3.3) in ``delivery_actions``, or a subject from :data:`DELAY_SUBJECTS` /
    :data:`DELAY_SUBJECT_PAIRS`; ``None`` when it is not one."""
    for action in delivery_actions:
        if action.split(";")[0].strip() in DELAY_ACTIONS:
            return f"Action: {action}"
    key = subject_key(subject)
    found = _starts(key, _DELAY)
    if found:
        return found
    for first, then in DELAY_SUBJECT_PAIRS:
        if key.startswith(first) and then in key:
            return f"{first} … {then}"
    return None


def _precedence_in(headers: Mapping[str, str], values: tuple[str, ...]) -> str | None:
    value = headers.get("precedence", "").strip().lower()
    return f"Precedence: {value}" if value and value in values else None


def precedence(headers: Mapping[str, str]) -> str | None:
    """``Precedence: bulk/junk/list`` (RFC 3834 §2): never answered."""
    return _precedence_in(headers, PRECEDENCE_NO_REPLY)


def precedence_auto_reply(headers: Mapping[str, str]) -> str | None:
    """``Precedence: auto_reply``: written by an automatic responder on its answers."""
    return _precedence_in(headers, PRECEDENCE_AUTO_REPLY)


def null_return_path(headers: Mapping[str, str]) -> str | None:
    """``Return-Path: <>`` (RFC 5321 §4.5.5): a null reverse-path, used by bounces and by
    automatic replies (RFC 3834 §3.3)."""
    if "return-path" not in headers:
        return None
    value = "".join(headers["return-path"].split())
    return "Return-Path: <>" if value in NULL_RETURN_PATHS else None


def suppress_header(headers: Mapping[str, str]) -> str | None:
    """``X-Auto-Response-Suppress`` naming All, OOF or AutoReply: the sender asks for no
    automatic answer (MS-OXCMAIL 2.1.3.2.20)."""
    value = headers.get("x-auto-response-suppress", "")
    if not value:
        return None
    tokens = {t.lower() for t in _TOKEN.findall(value)}
    hit = sorted(tokens.intersection(SUPPRESS_TOKENS))
    return f"X-Auto-Response-Suppress: {', '.join(hit)}" if hit else None


def auto_reply_header(headers: Mapping[str, str]) -> str | None:
    """The first header of :data:`AUTO_REPLY_HEADERS` present (``X-Autoreply`` ...)."""
    return next((h for h in AUTO_REPLY_HEADERS if h in headers), None)


def auto_submitted(headers: Mapping[str, str]) -> str | None:
    """``Auto-Submitted`` other than ``no`` (RFC 3834 §5)."""
    value = headers.get("auto-submitted", "")
    if not value:
        return None
    value = value.strip().lower()
    return f"Auto-Submitted: {value}" if value and not value.startswith("no") else None
