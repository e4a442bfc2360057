"""A mail's bytes from its parts, with the standard library's ``email.mime`` classes.

:mod:`daemon.outbound.compose` decides what a mail says; this module turns headers, text,
HTML and attachments into RFC 5322 / MIME bytes (RFC 2045-2047, RFC 2231), CRLF line ends.
It uses the ``email`` package's ``compat32`` classes rather than ``EmailMessage``: the
modern API parses every header it is given and refolds it when it writes the message,
about 2.8 ms a mail against 0.65 ms here (``bench/tick.py``: the dispatcher composes every
mail of the 09:30 burst). What they write is the same structure:

* header values are plain text; a value with non-ASCII characters becomes RFC 2047 encoded
  words (UTF-8), a display name through ``email.utils.formataddr``; lines fold at 78;
* a text part is ``7bit``/``8bit`` UTF-8 when every line fits in 78 bytes (as
  ``email.policy.default`` chooses), otherwise quoted-printable or base64, whichever the
  first lines make shorter;
* an attachment is base64 with ``Content-Disposition: attachment`` and its file name
  (RFC 2231 ``filename*=utf-8''…`` when it is not ASCII).
"""

from __future__ import annotations

import base64
import email.charset
import email.encoders
import email.policy
import quopri
import re
from email.charset import Charset
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formataddr
from typing import cast

#: How the parts are written: compat32 headers, CRLF, no ``>From`` escaping.
POLICY = email.policy.compat32.clone(linesep="\r\n", mangle_from_=False)
MAX_PLAIN_LINE = 78  # bytes; a longer line makes a text part quoted-printable or base64
SNIFF_LINES = 10


def _utf8(body_encoding: int) -> Charset:
    charset = Charset("utf-8")
    charset.body_encoding = body_encoding
    return charset


_QP, _BASE64 = _utf8(email.charset.QP), _utf8(email.charset.BASE64)


def _encoded_charset(text: str) -> Charset | None:
    """None when ``text`` goes as it is (every line fits in :data:`MAX_PLAIN_LINE` bytes);
    else UTF-8 with quoted-printable or base64, whichever the first lines make shorter."""
    lines = text.encode("utf-8").splitlines()
    if max((len(line) for line in lines), default=0) <= MAX_PLAIN_LINE:
        return None
    sniff = b"\r\n".join(lines[:SNIFF_LINES])
    return _BASE64 if len(quopri.encodestring(sniff)) > len(base64.b64encode(sniff)) else _QP


def _part(part: MIMENonMultipart) -> MIMENonMultipart:
    del part["MIME-Version"]  # only the top of the message says it
    return part


def text_part(text: str, subtype: str) -> MIMENonMultipart:
    """A ``text/<subtype>; charset="utf-8"`` part holding ``text`` (``\\n`` line ends)."""
    part = MIMENonMultipart("text", subtype, policy=POLICY, charset="utf-8")
    charset = _encoded_charset(text)
    if charset is None:  # the bytes as they are (surrogate-escaped, as compat32 keeps them)
        part.set_payload(text.encode("utf-8").decode("ascii", "surrogateescape"))
        part["Content-Transfer-Encoding"] = "7bit" if text.isascii() else "8bit"
    elif charset is _BASE64:  # base64 holds the text in canonical form: CRLF (RFC 2045 §6.8)
        part.set_payload(text.replace("\r\n", "\n").replace("\n", "\r\n"), charset)
    else:
        part.set_payload(text, charset)
    return _part(part)


def attachment_part(data: bytes, content_type: str, filename: str) -> MIMENonMultipart:
    """An attachment: ``data`` (bytes) as ``content_type`` ("main/sub"; anything without a
    subtype is ``application/octet-stream``), base64, named ``filename``."""
    maintype, _, subtype = content_type.partition("/")
    if not subtype:
        maintype, subtype = "application", "octet-stream"
    part = MIMENonMultipart(maintype, subtype, policy=POLICY)
    part.set_payload(data)
    email.encoders.encode_base64(part)
    filename = one_line(filename)
    name: str | tuple[str, str, str] = filename if filename.isascii() else ("utf-8", "", filename)
    part.add_header("Content-Disposition", "attachment", filename=name)
    return _part(part)


def alternative(text: str, html: str) -> MIMEMultipart:
    """``multipart/alternative``: the plain text, then the HTML."""
    msg = MIMEMultipart("alternative", policy=POLICY)
    msg.attach(text_part(text, "plain"))
    msg.attach(text_part(html, "html"))
    return msg


def mixed(body: MIMEBase, attachments: list[MIMENonMultipart]) -> MIMEBase:
    """``body`` with ``attachments`` as ``multipart/mixed``; ``body`` itself if none."""
    if not attachments:
        return body
    msg = MIMEMultipart("mixed", policy=POLICY)
    del body["MIME-Version"]
    msg.attach(body)
    for part in attachments:
        msg.attach(part)
    return msg


def address(addr: str, name: str | None) -> str:
    """``Name <addr>`` for a header (the name quoted, or RFC 2047 words when not ASCII), or
    ``addr`` alone when there is no name. A line break in either becomes a space.

    A domain that is not ASCII is written in IDNA form (``xn--…``). A local part that is
    not ASCII has no ASCII form: it is written as UTF-8 (RFC 6532; the server must offer
    SMTPUTF8), and that header is then not folded.
    """
    addr, name = _ascii_domain(one_line(addr)), one_line(name or "")
    if addr.isascii():
        return formataddr((name, addr), charset="utf-8")
    utf8 = addr.encode("utf-8").decode("ascii", "surrogateescape")  # written as it is
    if not name:
        return utf8
    shown = formataddr((name, _PLACEHOLDER), charset="utf-8").removesuffix(f" <{_PLACEHOLDER}>")
    return f"{shown} <{utf8}>"


_PLACEHOLDER = "x@x.invalid"


def _ascii_domain(addr: str) -> str:
    local, at, domain = addr.rpartition("@")
    if not at or domain.isascii():
        return addr
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:  # not a valid IDNA name: left as it is (UTF-8)
        return addr


#: Every line boundary of ``str.splitlines`` (the compat32 writer splits header values at
#: each), with the white space around it.
_BREAK = re.compile(r"[ \t]*[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]\s*")
#: A header line may hold at most 998 octets (RFC 5322 §2.1.1); the writer folds only at
#: white space, so a longer unbroken word of free text is written as encoded words.
MAX_WORD = 900


def one_line(value: str) -> str:
    """``value`` with every line break (any ``str.splitlines`` boundary, and the white
    space around it) made one space: a header value (a subject made from a meeting's title,
    a name someone wrote) can never end its header and start another (header injection)."""
    return _BREAK.sub(" ", value)


def set_header(msg: MIMEBase, name: str, value: str) -> None:
    """Add header ``name`` with ``value`` on one line (:func:`one_line`). Free text
    (``Subject``) with a word too long to fold goes as encoded words."""
    value = one_line(value)
    if name == "Subject" and any(len(word) > MAX_WORD for word in value.split()):
        # compat32 takes a Header as a value (its documented API; typeshed says str only)
        msg[name] = cast(str, Header(value, "utf-8", header_name=name))
    else:
        msg[name] = value


def to_bytes(msg: MIMEBase) -> bytes:
    """The message as bytes to send (CRLF line ends)."""
    return msg.as_bytes(policy=POLICY)
