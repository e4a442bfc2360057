"""Who sent a mail: the From address read from the raw header, the display name decoded after.

RFC 5322 §3.4 (mailbox, name-addr, angle-addr, group, comments) and RFC 2047 §5 (an encoded
word may stand in a display name or a comment, never in an address). The address is read
from the RAW header value, before any encoded word is decoded, so that a display name such as
``=?utf-8?b?5a2Z5Li9IDxob3N0QGNvcnAuZXhhbXBsZT4=?=`` (which decodes to
``孙丽 <host@corp.example>``) can never supply the address; only then is the display name
decoded. A display name or comment that shows another address than the real one marks the
sender *suspicious* (the rules then act on nothing the mail asks for).

Comments are removed in one left-to-right pass with a depth counter, so a comment nested
10,000 levels deep costs a linear scan and no recursion (``email.utils.parseaddr`` recurses
once per level). The plain forms (``Name <a@b>``, ``a@b``) are read by one regular
expression without the scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from daemon.domain.problems import problem
from daemon.inbound.charsets import decode_header_value

# ``Name <local@domain>`` or a bare ``local@domain`` without quotes, comments or groups.
_ATOM = r'[^()<>@,:;"\[\]\\\s.]+'
_ADDR_SPEC = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
_SIMPLE_FROM = re.compile(
    rf'(?P<name>[^()<>@,:;"\[\]\\]*?)[ \t]*<(?P<addr>{_ADDR_SPEC})>[ \t]*|(?P<bare>{_ADDR_SPEC})'
)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
# An RFC 2047 encoded word as decoders find it (``email.header`` allows any text inside).
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?.*?\?=")
# Placeholders for encoded words while the address is looked for: private-use characters,
# which a header read from bytes never holds (8-bit bytes arrive as surrogate escapes).
_PUA_FIRST, _PUA_N = 0xE000, 0x1900
_PUA = re.compile("[\ue000-\uf8ff]")
_LOCAL = r'(?:"(?:[^"\\]|\\.)*"|[^\s@<>()\[\]\\,;:"\ue000-\uf8ff]+)'
_DOMAIN = r"(?:[^\s@<>()\[\]\\,;:\"\ue000-\uf8ff]+|\[[^\[\]\\\s]*\])"
_VALID = re.compile(rf"{_LOCAL}@{_DOMAIN}")
# Any address-like text shown to a reader (in a decoded display name or comment).
_SHOWN = re.compile(r"[\w.+\-'=!#$%&*/?^`{|}~]+@[\w\-]+(?:\.[\w\-]+)+")
_QUOTED_PAIR = re.compile(r"\\(.)")

NO_SENDER = "the mail has no sender address"


@dataclass(frozen=True)
class Sender:
    """The From header as read: ``address`` lower-case (``None`` when there is none),
    ``name`` the decoded display name (or the comment of ``a@b (Name)``), ``suspicious``
    when what a reader sees names another address, ``problems`` in words a person can act
    on, and ``decoded`` the whole header as a reader sees it (RFC 2047 words decoded)."""

    address: str | None
    name: str | None = None
    suspicious: bool = False
    problems: tuple[str, ...] = ()
    decoded: str = ""


def read_sender(raw: str, hint: str | None = None) -> Sender:
    """Read the From header value ``raw`` as it stands in the message (not decoded).

    Args:
        raw: the header value, possibly folded, with RFC 2047 encoded words and raw 8-bit
            bytes as surrogate escapes (what ``Message.raw_items`` gives).
        hint: the message's body charset, for raw 8-bit display names.

    Returns:
        A :class:`Sender`. The address comes from the first mailbox that has one (RFC 5322
        §3.4: the angle-addr that ends a name-addr, else a bare addr-spec); encoded words
        never supply it. No usable address (``undisclosed-recipients:;``, ``<>``, a bare
        name) gives ``address=None`` and the problem :data:`NO_SENDER`. Never raises.
    """
    value = raw
    if "\n" in value or "\r" in value:
        value = _FOLD.sub("", value).replace("\r", " ").replace("\n", " ")
    m = _SIMPLE_FROM.fullmatch(value)
    if m is not None and "=?" not in (m.group("addr") or m.group("bare")):
        if m.group("bare"):
            return Sender(_address(m.group("bare"), hint), decoded=value.strip())
        name = _decode_name(" ".join(m.group("name").split()), hint)
        shown = f"{name} <{m.group('addr')}>" if name else f"<{m.group('addr')}>"
        if "@" not in name:  # nothing in the name can show another address
            return Sender(_address(m.group("addr"), hint), name or None, decoded=shown)
        return _finish(_address(m.group("addr"), hint), name, [], [], raw, hint, shown)
    sender = _slow(value, hint, raw)
    return replace(sender, decoded=decode_header_value(value, hint).strip())


def _slow(value: str, hint: str | None, raw: str) -> Sender:
    masked, words, comments = _scan(_PUA.sub("?", value))
    found: list[tuple[str, str]] = []  # (address, display) per mailbox with an address
    for box in _mailboxes(masked):
        addr, display = _mailbox(box)
        if addr is not None:
            found.append((addr, display))
    if not found:
        addr, display = _loose(masked)
        found = [(addr, display)] if addr else []
    if not found:
        boxes = _mailboxes(masked)
        text = _unquote(_restore(boxes[0], words)).strip(" <>") if boxes else ""
        return _finish(None, _decode_name(text, hint) or None, comments, [], raw, hint)
    addr, display = found[0]
    others = [a for a, _ in found[1:]]
    name = _decode_name(_unquote(_restore(display, words)), hint)
    return _finish(_address(addr, hint), name, comments, others, raw, hint)


def _finish(
    address: str | None,
    name: str | None,
    comments: list[str],
    others: list[str],
    raw: str,
    hint: str | None = None,
    decoded: str = "",
) -> Sender:
    notes = [" ".join(decode_header_value(c, hint).split()) for c in comments]
    if not name and notes:
        name = next((c for c in notes if c), None)  # ``a@b (Name)``: the comment names
    problems: list[str] = []
    texts = [t for t in (name or "", *notes) if "@" in t]
    shown = {a.strip("'.").lower() for text in texts for a in _SHOWN.findall(text)}
    shown.discard(address or "")
    many = sorted({a.lower() for a in others} - {address or ""})
    if address is None:
        shown_from = " ".join(raw.split())[:120]
        if shown_from:
            problems.append(problem("no_sender_from", written=shown_from))
        else:
            problems.append(problem("no_sender_header"))
    if shown:
        what = ", ".join(sorted(shown))
        if address:
            problems.append(problem("display_name_other", shown=what, address=address))
        else:
            problems.append(problem("display_name_no_address", shown=what))
    if many:
        listed = ", ".join([address or "", *many])
        problems.append(problem("from_many", addresses=listed, address=address))
    return Sender(address, name or None, bool(shown or many), tuple(problems), decoded)


def _address(addr: str, hint: str | None) -> str | None:
    addr = addr.strip()
    if not addr.isascii():  # an RFC 6532 UTF-8 address arrives as surrogate escapes
        addr = decode_header_value(addr, hint)
    return addr.lower() or None


def _decode_name(name: str, hint: str | None) -> str:
    if name.isascii() and "=?" not in name:
        return " ".join(name.split())  # nothing to decode
    return " ".join(decode_header_value(name, hint).split())


def _scan(value: str) -> tuple[str, list[str], list[str]]:
    """One pass over ``value``: comments removed (any depth), encoded words replaced by one
    private-use character each (outside quoted strings). Returns (masked text, the encoded
    words in order, the top-level comments' text)."""
    out: list[str] = []
    words: list[str] = []
    comments: list[str] = []
    comment: list[str] = []
    depth = 0
    quoted = False
    i, n = 0, len(value)
    last_close = value.rfind("?=")  # an encoded word can only start before the last ``?=``
    while i < n:
        ch = value[i]
        if depth:
            if ch == "\\" and i + 1 < n:
                comment.append(value[i + 1])
                i += 2
                continue
            if ch == "(":
                depth += 1
                ch = " "  # nested comments read as words of the outer one
            elif ch == ")":
                depth -= 1
                if not depth:
                    comments.append("".join(comment))
                    comment = []
                    out.append(" ")
                    i += 1
                    continue
                ch = " "
            comment.append(ch)
        elif quoted:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(value[i + 1])
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == "(":
            depth = 1
        elif ch == '"':
            quoted = True
            out.append(ch)
        elif ch == "=" and i < last_close and value.startswith("=?", i) and len(words) < _PUA_N:
            m = _ENCODED_WORD.match(value, i)
            if m is None:
                out.append(ch)
            else:
                out.append(chr(_PUA_FIRST + len(words)))
                words.append(m.group(0))
                i = m.end()
                continue
        else:
            out.append(ch)
        i += 1
    if depth and comment:
        comments.append("".join(comment))  # an unclosed comment runs to the end
    return "".join(out), words, comments


def _restore(text: str, words: list[str]) -> str:
    if not words:
        return text
    return _PUA.sub(lambda m: words[ord(m.group(0)) - _PUA_FIRST], text)


def _mailboxes(masked: str) -> list[str]:
    """The mailboxes of a (comment-free) mailbox-list or group list, in order; group names
    (``undisclosed-recipients:``) and the ``;`` ending a group are dropped."""
    boxes: list[str] = []
    cur: list[str] = []
    quoted = angle = False
    i, n = 0, len(masked)
    while i < n:
        ch = masked[i]
        if quoted:
            cur.append(ch)
            if ch == "\\" and i + 1 < n:
                cur.append(masked[i + 1])
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
            cur.append(ch)
        elif ch == "<":
            angle = True
            cur.append(ch)
        elif ch == ">":
            angle = False
            cur.append(ch)
        elif not angle and ch in ",;":
            boxes.append("".join(cur))
            cur = []
        elif not angle and ch == ":":
            cur = []  # ``group-name:``: what came before names the group
        else:
            cur.append(ch)
        i += 1
    boxes.append("".join(cur))
    return [b for b in boxes if b.strip()]


def _mailbox(box: str) -> tuple[str | None, str]:
    """(address, display text) of one mailbox; the address ``None`` when it has none."""
    spans = _angles(box)
    if spans:
        start, end = spans[-1]  # a name-addr ends with its angle-addr
        inner = box[start + 1 : end].strip()
        if ":" in inner and inner.startswith("@"):
            inner = inner.rsplit(":", 1)[1].strip()  # obsolete route ``<@relay:a@b>``
        return (inner if _VALID.fullmatch(inner) else None), box[:start]
    tokens = _tokens(box)
    addrs = [t for t in tokens if _VALID.fullmatch(t)]
    if len(addrs) != 1 or len(tokens) != 1:
        return None, box  # a bare name, or words around an address: not a mailbox
    return addrs[0], ""


def _angles(box: str) -> list[tuple[int, int]]:
    """(start, end) of every ``<...>`` outside quoted strings (an unclosed one runs on)."""
    spans: list[tuple[int, int]] = []
    quoted = False
    start = -1
    i, n = 0, len(box)
    while i < n:
        ch = box[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"' and start < 0:
            quoted = True
        elif ch == "<" and start < 0:
            start = i
        elif ch == ">" and start >= 0:
            spans.append((start, i))
            start = -1
        i += 1
    if start >= 0:
        spans.append((start, n))
    return spans


def _tokens(box: str) -> list[str]:
    """Whitespace-separated words of ``box``, quoted strings kept whole."""
    words: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in box:
        if quoted:
            cur.append(ch)
            quoted = ch != '"' or (len(cur) > 1 and cur[-2] == "\\")
        elif ch == '"':
            quoted = True
            cur.append(ch)
        elif ch in " \t":
            if cur:
                words.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words


def _loose(masked: str) -> tuple[str | None, str]:
    """For a From no mailbox reading fits (``Liu Yang liu@x``, an unclosed quote): the LAST
    address-like word outside encoded words, and the text before it as display name."""
    last = None
    for m in _VALID.finditer(masked):
        last = m
    if last is None:
        return None, masked
    addr = last.group(0).strip("<>\"'.,;")
    return (addr if _VALID.fullmatch(addr) else None), masked[: last.start()].strip(" <\"'")


def _unquote(display: str) -> str:
    """A display name with its quoted strings unquoted (RFC 5322 §3.2.4)."""
    if '"' not in display:
        return display
    out: list[str] = []
    for piece in re.split(r'("(?:[^"\\]|\\.)*"?)', display):
        if piece.startswith('"'):
            body = piece[1:-1] if piece.endswith('"') and len(piece) > 1 else piece[1:]
            out.append(_QUOTED_PAIR.sub(r"\1", body))
        else:
            out.append(piece)
    return "".join(out)
