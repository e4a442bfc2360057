"""Keep only what the sender wrote now: strip quoted originals, forwards and signatures.

:func:`fresh_text` cuts the body at the first marker of an original or a signature and drops
``>``-quoted lines anywhere. Markers (zh/en, the forms Outlook, Foxmail, Gmail, Apple Mail,
Thunderbird, Yahoo and phone clients write):

* separators: ``-----原始邮件-----``, ``----- 原始信息 -----``, ``-----邮件原件-----``,
  ``-----Original Message-----``, ``---------- Forwarded message ----------``,
  ``Begin forwarded message:``, ``转发的邮件``, and underscore rules ``_____``;
* Outlook header blocks: a ``发件人:``/``From:`` line followed within four lines by
  ``发送时间``/``Sent``/``Date``/``收件人``/``To``/``主题``/``Subject``;
* attributions: ``On … wrote:`` (also split over two lines), ``在 … 写道：``, ``… 寫道：``,
  ``2022年1月1日(金) 9:00 名前 <addr>:``;
* signatures: ``-- `` or ``--`` alone on a line, "Sent from my iPhone"/"发自我的iPhone",
  the footers of WeCom, Feishu/Lark and DingTalk (发自企业微信, 来自飞书) and similar, and a
  lone sign-off line ("Thanks,", "Best regards", "此致") near the end (footers and sign-offs
  are data in :mod:`daemon.inbound.phrases.letter`).
"""

from __future__ import annotations

import logging
import re

from daemon.inbound.parse.labels import fold
from daemon.inbound.phrases.letter import SENT_FROM_LINE, SIGN_OFF_LINE

log = logging.getLogger(__name__)

_SEPARATOR = re.compile(
    r"^\s*(?:[-=*]{2,}\s*(?:原始邮件|原始郵件|原始信息|原始訊息|邮件原件|郵件原件|原邮件|"
    r"Original Message|Forwarded message|Forwarded Message|转发邮件信息|转发的邮件|轉寄郵件|"
    r"Message d'origine|Ursprüngliche Nachricht)\s*[-=*]{2,}.*"
    r"|Begin forwarded message:?|_{5,}|[-=]{20,}|转发的邮件[:：]?|以下为转发邮件[:：]?)\s*$",
    re.I,
)
_HDR_FROM = re.compile(r"^\s*\*?(?:发件人|寄件者|寄件人|From)\s*\*?\s*[:：]", re.I)
_HDR_OTHER = re.compile(
    r"^\s*\*?(?:发送时间|發送時間|日期|时间|收件人|收件者|抄送|副本|主题|主旨|"
    r"Sent|Date|To|Cc|Subject)\s*\*?\s*[:：]",
    re.I,
)
_ON_WROTE = re.compile(r"^\s*(?:-{2,}\s*)?On\b.{0,300}\bwrote\s*:?\s*$", re.I)
_ON_START = re.compile(r"^\s*(?:-{2,}\s*)?On\s.*\d", re.I)
_ZH_WROTE = re.compile(r"^.{0,200}(?:写道|寫道)\s*[:：]?\s*$")
_CJK_ATTRIB = re.compile(r"^\s*\d{4}\s*[年/.-]\s*\d{1,2}.{0,80}<[^<>\s]+@[^<>\s]+>\s*[:：]?\s*$")
_SIG_DASH = re.compile(r"^\s*--\s*$")
_QUOTED = re.compile(r"^\s*(?:>|＞|\|>)")


def _has_colon(line: str) -> bool:
    return ":" in line or "：" in line


def _is_header_block(lines: list[str], i: int) -> bool:
    if not (_has_colon(lines[i]) and _HDR_FROM.match(lines[i])):
        return False
    window = [ln for ln in lines[i + 1 : i + 6] if ln.strip()][:4]
    return any(_has_colon(ln) and _HDR_OTHER.match(ln) for ln in window)


def _is_attribution(lines: list[str], i: int) -> bool:
    line = lines[i]
    # Cheap pre-checks: each pattern needs its word ("wrote" in this or the next line for the
    # English forms, 写道/寫道, or an address in angle brackets).
    if ("写道" in line or "寫道" in line) and _ZH_WROTE.match(line):
        return True
    if "@" in line and "<" in line and _CJK_ATTRIB.match(line):
        return True
    wrote = "wrote" in fold(line)
    if wrote and _ON_WROTE.match(line):
        return True
    return bool(
        (wrote or (i + 1 < len(lines) and "wrote" in fold(lines[i + 1])))
        and _ON_START.match(line)
        and len(line) < 200
        and i + 1 < len(lines)
        and _ON_WROTE.match(line + " " + lines[i + 1])
    )


def _quote_follows(lines: list[str], i: int) -> int | None:
    """If the lines after ``i`` (header lines and blanks skipped) are ``>``-quoted, the index
    to resume at; ``None`` when an unquoted original follows."""
    j = i + 1
    while j < len(lines) and (
        not lines[j].strip()
        or _HDR_FROM.match(lines[j])
        or _HDR_OTHER.match(lines[j])
        or (j == i + 1 and _ON_WROTE.match(lines[i] + " " + lines[j]))
    ):
        j += 1
    if j < len(lines) and _QUOTED.match(lines[j]):
        return j
    return None


def _scan(lines: list[str]) -> list[str]:
    """Lines the sender wrote: unquoted originals cut the rest, ``>``-quoted ones are skipped
    (so text written below or between quotes is kept)."""
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if ("--" in line and _SIG_DASH.match(line)) or SENT_FROM_LINE.pattern.match(line):
            break
        marker = _SEPARATOR.match(line) or _is_header_block(lines, i) or _is_attribution(lines, i)
        if marker:
            resume = _quote_follows(lines, i)
            if resume is None:
                break
            i = resume
            continue
        if not _QUOTED.match(line):
            kept.append(line)
        i += 1
    return kept


def _cut_index(lines: list[str]) -> int:
    """Index of the first line that starts an unquoted original, a forward or a signature."""
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line) or _SIG_DASH.match(line) or SENT_FROM_LINE.pattern.match(line):
            return i
        if _is_header_block(lines, i) or _is_attribution(lines, i):
            return i
    return len(lines)


def _cut_sign_off(lines: list[str]) -> list[str]:
    """Drop a lone sign-off line and the few short lines (name, title) after it."""
    for i, line in enumerate(lines):
        if SIGN_OFF_LINE.pattern.match(line):
            rest = [ln for ln in lines[i + 1 :] if ln.strip()]
            if len(rest) <= 4 and all(len(ln.strip()) <= 60 for ln in rest):
                return lines[:i]
    return lines


def fresh_text(text: str) -> str:
    """The part of a plain-text body the sender wrote now.

    Args:
        text: the decoded body (``\\n`` line ends), quotes and signatures included.

    Returns:
        The text above the first unquoted original/forward/signature marker, with ``>``-quoted
        blocks (and their attribution lines) removed but text written below or between them
        kept, and a trailing sign-off dropped; ``""`` when everything was quoted.
    """
    lines = _cut_sign_off(_scan(text.split("\n")))
    return "\n".join(lines).strip()


def quoted_text(text: str) -> str:
    """The part of ``text`` that :func:`fresh_text` drops (for diagnostics)."""
    lines = text.split("\n")
    cut = _cut_index(lines)
    kept = [ln for ln in lines[:cut] if _QUOTED.match(ln)]
    return "\n".join(kept + lines[cut:]).strip()
