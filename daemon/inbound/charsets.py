"""Charset handling for real-world mail: labels people send, and what the bytes really are.

Mail clients mislabel text all the time: GBK (and GB18030) text goes out labelled ``gb2312``,
Big5 with HKSCS extensions goes out as ``big5``, Korean Outlook writes ``ks_c_5601-1987``, and
some clients label UTF-8 text with a legacy charset. :func:`decode_text` picks the decoder
that fits and never raises.

Only text codecs are ever used for a label (RFC 2045 §5.1, RFC 2047 §2: a charset names a
character set): a label that Python resolves to a bytes-to-bytes codec (``base64``, ``rot13``,
``hex``, ``zlib``, ``uu``, ``quopri``, ``bz2``) or to a text codec that is not a character set
(``idna``, ``punycode``, ``undefined``, ``unicode_escape``) is treated as unknown.
"""

from __future__ import annotations

import binascii
import codecs
import functools
import logging
import re
from email.header import decode_header

log = logging.getLogger(__name__)

# Labels mapped to the superset codec that decodes what clients actually send.
_ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}

# Text codecs Python knows that are not MIME character sets: they transform text (IDNA,
# Punycode, backslash escapes) or always fail (``undefined``); ``replace`` may raise in them.
_NOT_CHARSETS = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "mbcs", "oem"}
)
_DECODE_ERRORS = (UnicodeError, LookupError, ValueError, TypeError)

_SURROGATE = re.compile("[\udc80-\udcff]")
_WIDE = ("utf-16", "utf-32", "utf_16", "utf_32")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?]*\?=")
# Base64 encoded words in one run (whitespace or line breaks between them), plain text on the
# same line before and after (``=?utf-8?b?...?= <a@b.example>``): decoded directly, with the
# result email.header.decode_header gives (it is slow; other forms go to it).
_B_WORD = r"=\?([^?\s]+)\?[bB]\?([A-Za-z0-9+/]*=*)\?="
_B_WORDS = re.compile(
    rf"(?P<pre>[ -~\t]*?)(?P<run>{_B_WORD}(?:[ \t]*\r?\n?[ \t]*{_B_WORD})*)(?P<tail>[ -~\t]*)"
)
_B_WORD_RE = re.compile(_B_WORD)


@functools.lru_cache(maxsize=256)
def codec_for(label: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or ``None`` when unknown.

    Args:
        label: a charset label as written in a header (any case, may be quoted).

    Returns:
        The name of a text codec that decodes the labelled character set (superset aliases
        applied), or ``None`` for an unknown label and for a label that names a codec which
        is not a character set (``base64``, ``rot13``, ``idna``...). Never raises.
    """
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _decode(data: bytes, codec: str, errors: str = "strict") -> str | None:
    """``data.decode(codec, errors)``, or ``None`` when the codec refuses the bytes."""
    try:
        return data.decode(codec, errors)
    except _DECODE_ERRORS:
        return None


def decode_text(data: bytes, label: str | None = None) -> str:
    """Decode ``data`` as text, trusting the bytes over the label when they disagree.

    Order: UTF-16/32 labels are honoured; pure ASCII is ASCII; bytes that are valid UTF-8 are
    UTF-8 (a legacy label on UTF-8 text is a common mislabel; the reverse almost never decodes
    cleanly); then the labelled codec (through the superset aliases); then GB18030; finally
    the labelled codec or UTF-8 with replacement characters, and Latin-1 as the last resort.
    A label that is not a character set (see :func:`codec_for`) counts as no label.

    Args:
        data: the bytes of a body part or of one encoded word.
        label: the charset label as written (``None`` when there was none).

    Returns:
        The text. Never raises.
    """
    codec = codec_for(label)
    if codec and codec.startswith(_WIDE):
        wide = _decode(data, codec, "replace")
        if wide is not None:
            return wide
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for name in (codec, "gb18030"):
        if name and name not in ("ascii", "utf-8"):
            text = _decode(data, name)
            if text is not None:
                return text
    text = _decode(data, codec if codec and codec != "ascii" else "utf-8", "replace")
    return text if text is not None else data.decode("latin-1")


def decode_header_value(value: object, hint: str | None = None) -> str:
    """Decode an RFC 2047 header value (or a raw 8-bit one) to text. Never raises.

    Handles encoded words with unknown charsets or bad padding, unquoted encoded words inside
    parameters, and raw 8-bit bytes (which the ``email`` package keeps as surrogate escapes);
    those are decoded with ``hint`` (the message's body charset) when given, as clients that
    send raw 8-bit headers write them in the body's charset.
    """
    if value is None:
        return ""
    text = str(value)
    if not text.isascii() and _SURROGATE.search(text):
        text = decode_text(text.encode("ascii", "surrogateescape"), hint)
    if "=?" not in text:
        return " ".join(text.split()) if "\n" in text else text
    fast = _b_words(text)
    if fast is not None:
        return " ".join(fast.split()) if "\n" in fast else fast
    try:
        parts = decode_header(text)
    except Exception:  # malformed encoded words: keep the raw text
        log.debug("undecodable header %r", text[:80])
        return text
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(decode_text(chunk, charset))
        else:
            out.append(chunk)
    joined = "".join(out)
    return " ".join(joined.split()) if "\n" in joined else joined


def _b_words(text: str) -> str | None:
    """``text`` decoded when it is one run of base64 words in one charset, else ``None``."""
    m = _B_WORDS.fullmatch(text) if text.isascii() else None
    if m is None or "=?" in m.group("pre") or "=?" in m.group("tail"):
        return None
    words = _B_WORD_RE.findall(m.group("run"))
    charset = words[0][0].lower()
    if any(c.lower() != charset for c, _ in words):
        return None
    try:
        data = b"".join(binascii.a2b_base64(w + "==="[: -len(w) % 4]) for _, w in words)
    except binascii.Error:
        return None
    return m.group("pre").lstrip() + decode_text(data, charset) + m.group("tail")


def has_encoded_word(value: str) -> bool:
    """True when ``value`` contains an RFC 2047 encoded word."""
    return bool(_ENCODED_WORD.search(value))
