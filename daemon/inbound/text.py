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
* signatures: ``-- `` or ``--`` alone on a line, "Sent from my iPhone"/"发自我的iPhone" and
  similar, and a lone sign-off line ("Thanks,", "Best regards", "此致") near the end.
"""

from __future__ import annotations

import logging
import re

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
_SENT_FROM = re.compile(
    r"^\s*(?:Sent from (?:my )?\S+|Get Outlook for \S+|Sent from Mail for Windows|"
    r"发自我的\s*\S+|发自\S*邮箱|从我的\s*\S+\s*发送|來自我的\s*\S+|從我的\s*\S+\s*傳送|"
    r"发自\s*网易邮箱\S*|发自\s*WPS\S*|Von meinem \S+ gesendet)",
    re.I,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:thanks(?: and| &)? (?:best )?regards|thanks|thank you|many thanks|cheers|best|"
    r"best regards|kind regards|regards|br|sincerely|yours|all the best|"
    r"此致|敬礼|此致敬礼|祝好|顺颂商祺|顺祝商祺|谢谢|多谢|谢谢！|祝工作顺利|祺安)"
    r"\s*[,，.。!！]?\s*$",
    re.I,
)
_QUOTED = re.compile(r"^\s*(?:>|＞|\|>)")


def _is_header_block(lines: list[str], i: int) -> bool:
    if not _HDR_FROM.match(lines[i]):
        return False
    window = [ln for ln in lines[i + 1 : i + 6] if ln.strip()][:4]
    return any(_HDR_OTHER.match(ln) for ln in window)


def _cut_index(lines: list[str]) -> int:
    """Index of the first line that starts an original, a forward or a signature."""
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line) or _SIG_DASH.match(line) or _SENT_FROM.match(line):
            return i
        if _is_header_block(lines, i):
            return i
        if _ON_WROTE.match(line) or _ZH_WROTE.match(line) or _CJK_ATTRIB.match(line):
            return i
        if (
            _ON_START.match(line)
            and i + 1 < len(lines)
            and _ON_WROTE.match(line + " " + lines[i + 1])
            and len(line) < 200
        ):
            return i
    return len(lines)


def _cut_sign_off(lines: list[str]) -> list[str]:
    """Drop a lone sign-off line and the few short lines (name, title) after it."""
    for i, line in enumerate(lines):
        if _SIGN_OFF.match(line):
            rest = [ln for ln in lines[i + 1 :] if ln.strip()]
            if len(rest) <= 4 and all(len(ln.strip()) <= 60 for ln in rest):
                return lines[:i]
    return lines


def fresh_text(text: str) -> str:
    """The part of a plain-text body the sender wrote now.

    Args:
        text: the decoded body (``\\n`` line ends), quotes and signatures included.

    Returns:
        The text above the first quote/forward/signature marker, with ``>`` lines removed and
        a trailing sign-off dropped; ``""`` when everything was quoted.
    """
    lines = text.split("\n")
    lines = lines[: _cut_index(lines)]
    lines = [ln for ln in lines if not _QUOTED.match(ln)]
    lines = _cut_sign_off(lines)
    return "\n".join(lines).strip()


def quoted_text(text: str) -> str:
    """The part of ``text`` that :func:`fresh_text` drops (for diagnostics)."""
    lines = text.split("\n")
    cut = _cut_index(lines)
    kept = [ln for ln in lines[:cut] if _QUOTED.match(ln)]
    return "\n".join(kept + lines[cut:]).strip()
