"""Raw bytes to mail facts: headers, body text, calendar objects and attachments.

Accepts an RFC 5322 message, an mbox (the first message is read), a bare iCalendar file
(``BEGIN:VCALENDAR`` or a lone ``BEGIN:VEVENT``), or body text without headers. Decoding is
tolerant throughout: RFC 2047 words with unknown charsets, RFC 2231 filenames, empty or broken
Content-Transfer-Encoding, mislabelled charsets (see :mod:`daemon.inbound.charsets`) and TNEF
``winmail.dat`` (body and attachments extracted with ``tnefparse``). Parts inside an attached
``message/rfc822`` (forwarded or bounced originals) are never taken as the sender's body or
calendar; their headers are kept in :attr:`Mail.returned_subjects` for bounce linking.

Nothing here recurses with the input: MIME nesting is bounded at
:data:`daemon.inbound.nesting.MAX_DEPTH` levels (deeper parts become opaque attachments), the
parts are walked with an explicit stack, and the From header is read without recursion by
:mod:`daemon.inbound.addresses`.
"""

from __future__ import annotations

import datetime as dt
import email
import email.parser
import email.utils
import logging
import re
from dataclasses import dataclass, field
from email.message import Message
from email.policy import compat32

from daemon.domain.messages import AttachmentInfo
from daemon.domain.problems import problem
from daemon.inbound.addresses import read_sender
from daemon.inbound.charsets import codec_for, decode_header_value, decode_text
from daemon.inbound.dates import plausible_instant
from daemon.inbound.htmltext import html_to_text
from daemon.inbound.nesting import MAX_DEPTH, OPAQUE_HEADER, parse_bounded

log = logging.getLogger(__name__)

_CAL_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar", "text/vcalendar"})
_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
_MBOX_SEP = re.compile(rb"\r?\n\r?\nFrom \S+.*\r?\n")
_HEADERISH = re.compile(rb"^[!-9;-~]+:", re.M)
_HEADER_LINE = re.compile(r"[!-9;-~]+:")
# ``type/subtype; charset=x`` (x a plain token, quoted or not): read directly, with the result
# Message.get_content_charset gives (it is slow; other forms go to it).
_ONLY_CHARSET = re.compile(
    r'[ \t]*[^;="\s]+[ \t]*;[ \t]*(?P<n>[A-Za-z]+)[ \t]*=[ \t]*'
    r'(?P<q>"?)(?P<v>[\w.:+\-]+)(?P=q)[ \t]*;?[ \t]*',
    re.A,
)
_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


@dataclass
class Mail:
    """What :func:`parse_mail` read from one input.

    ``date`` is aware (``None`` when missing or unreadable); ``text`` is the sender's body as
    plain text (HTML converted) including any quoted originals; ``calendars`` holds the raw
    bytes of every iCalendar object found; ``headers`` maps lower-case names to decoded values
    (the first of each); ``auth_results`` holds the raw value of every
    ``Authentication-Results`` header, in order.
    """

    subject: str = ""
    sender: str | None = None
    sender_name: str | None = None
    sender_suspicious: bool = False
    date: dt.datetime | None = None
    message_id: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"
    report_type: str | None = None
    text: str = ""
    html_only: bool = False
    calendars: list[bytes] = field(default_factory=list)
    attachments: list[AttachmentInfo] = field(default_factory=list)
    returned_subjects: list[str] = field(default_factory=list)
    auth_results: list[str] = field(default_factory=list)
    delivery_actions: list[str] = field(default_factory=list)
    is_bare_calendar: bool = False
    problems: list[str] = field(default_factory=list)


def parse_mail(raw: bytes) -> Mail:
    """Read ``raw`` (message, mbox, bare .ics or header-less text) into a :class:`Mail`.

    Raises nothing on malformed input that the ``email`` package tolerates; unexpected errors
    propagate to the caller (:func:`daemon.inbound.inspect.inspect_bytes` catches them).
    """
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].upper()
    if head.startswith((b"BEGIN:VCALENDAR", b"BEGIN:VEVENT")):
        return Mail(calendars=[raw], is_bare_calendar=True, content_type="text/calendar")
    mail = Mail()
    if raw.startswith(b"From "):
        raw, count = _first_of_mbox(raw)
        if count > 1:
            mail.problems.append(problem("mbox_many", count=count))
    if not _HEADERISH.match(raw):
        mail.text = _normalise(decode_text(raw))
        return mail
    msg, cut = parse_bounded(raw)
    _read_headers(msg, mail)
    _walk(msg, mail)
    if cut:
        mail.problems.append(problem("nested_too_deep", count=cut, depth=MAX_DEPTH))
    return mail


def _first_of_mbox(raw: bytes) -> tuple[bytes, int]:
    first_nl = raw.find(b"\n")
    body = raw[first_nl + 1 :] if first_nl >= 0 else b""
    pieces = _MBOX_SEP.split(body)
    return pieces[0], len(pieces)


def _charset_hint(msg: Message) -> str | None:
    for part in msg.walk():
        charset = _charset(part)
        if charset:
            return charset
    return None


def _read_headers(msg: Message, mail: Mail) -> None:
    hint: str | None = None
    headers = mail.headers
    raw_from = ""
    for key, value in msg.raw_items():
        name = key.lower()
        if name == "authentication-results":
            mail.auth_results.append(value)  # every one, in order (RFC 8601 §5)
        if name in headers:
            continue
        if name == "from":
            raw_from = value
            headers[name] = ""  # decoded once, with the sender, below
            continue
        if value.isascii() and "=?" not in value and "\n" not in value:
            headers[name] = value  # plain ASCII on one line: nothing to decode
            continue
        if hint is None and not value.isascii():  # raw 8-bit: the body charset decides
            hint = _charset_hint(msg) or ""
        headers[name] = decode_header_value(value, hint or None)
    mail.subject = headers.get("subject", "").strip()
    if raw_from and hint is None and not raw_from.isascii():
        hint = _charset_hint(msg) or ""
    sender = read_sender(raw_from, hint or None)
    if "from" in headers:
        headers["from"] = sender.decoded
    mail.sender, mail.sender_name = sender.address, sender.name
    mail.sender_suspicious = sender.suspicious
    mail.problems.extend(sender.problems)
    mail.date = _date(mail.headers.get("date"), mail.problems)
    mid = mail.headers.get("message-id", "").strip()
    mail.message_id = mid or None
    refs = (mail.headers.get("in-reply-to", "") + " " + mail.headers.get("references", "")).split()
    mail.in_reply_to = [r for r in refs if r]
    mail.content_type = msg.get_content_type()
    if mail.content_type == "multipart/report":
        mail.report_type = (msg.get_param("report-type") or "").__str__().lower() or None


def _date(value: str | None, problems: list[str]) -> dt.datetime | None:
    """The Date header (RFC 5322 §3.3) as an aware datetime; ``None`` with a problem when
    unreadable or implausible (a year outside :data:`daemon.inbound.dates.YEARS`)."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append(problem("date_header_unreadable", written=value))
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if not plausible_instant(when):
        problems.append(problem("date_header_implausible", written=value))
        return None
    return when


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # broken base64/QP: fall back to the raw text
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("ascii", "surrogateescape")
    return b""


def _filename(part: Message, disposition: object, content_type: object) -> str | None:
    raw = str(disposition or "") + str(content_type or "")
    if "name" not in raw.lower():  # fast path: get_filename()/get_param() are slow
        return None
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        try:  # what get_filename() reads, without its charset decoding (it may raise)
            name = part.get_param(param, None, header)
        except Exception:
            continue
        if isinstance(name, tuple):  # an RFC 2231 (charset, language, text) triple
            name = _rfc2231(name)
        text = decode_header_value(str(name)).strip() if name is not None else ""
        if text:
            return text
    return None


def _rfc2231(value: tuple[str | None, str | None, str]) -> str:
    """An RFC 2231 parameter value decoded as ``email.utils.collapse_rfc2231_value`` does
    (the labelled charset, replacement characters), but only with a text codec (see
    :func:`daemon.inbound.charsets.codec_for`; that function raises on ``idna``): another
    label decodes as :func:`daemon.inbound.charsets.decode_text` would without one."""
    charset, _lang, text = value
    try:
        data = text.encode("raw-unicode-escape")
    except UnicodeError:
        return text
    codec = codec_for(charset)
    if codec is not None:
        try:
            return data.decode(codec, "replace")
        except (UnicodeError, LookupError, ValueError, TypeError):
            pass
    return decode_text(data)


def _walk(msg: Message, mail: Mail) -> None:
    plain: list[str] = []
    html: list[str] = []
    stack: list[tuple[Message, bool]] = [(msg, False)]
    while stack:
        part, nested = stack.pop()
        ctype = mail.content_type if part is msg else part.get_content_type()
        if ctype == "application/octet-stream" and OPAQUE_HEADER in part:
            declared = str(part.get(OPAQUE_HEADER, "")).strip() or "application/octet-stream"
            data = _payload(part)
            mail.attachments.append(AttachmentInfo(None, declared, len(data), data))
            continue
        if ctype == "message/delivery-status":
            _delivery_status(part, mail)
            continue
        if part.is_multipart() or ctype == "message/rfc822":
            children = part.get_payload()
            if isinstance(children, list):
                inner = nested or ctype == "message/rfc822"
                stack.extend((c, inner) for c in reversed(children) if isinstance(c, Message))
                if ctype == "message/rfc822":
                    for c in children:
                        if isinstance(c, Message) and c.get("subject"):
                            mail.returned_subjects.append(decode_header_value(c["subject"]))
            continue
        _leaf(part, ctype, nested, mail, plain, html)
    if any(p.strip() for p in plain):
        mail.text = "\n".join(p for p in plain if p.strip())
    elif html:
        mail.text = "\n".join(html_to_text(h) for h in html)
        mail.html_only = True
    mail.text = _normalise(mail.text)


def _delivery_status(part: Message, mail: Mail) -> None:
    """The ``Action`` fields of a DSN's per-recipient blocks (RFC 3464 §2.3.3)."""
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        return
    for block in blocks:
        if isinstance(block, Message) and block.get("action"):
            mail.delivery_actions.append(str(block["action"]).strip().lower())


def _leaf(
    part: Message, ctype: str, nested: bool, mail: Mail, plain: list[str], html: list[str]
) -> None:
    content_disposition = part.get("content-disposition")
    content_type = part.get("content-type")
    filename = _filename(part, content_disposition, content_type)
    disposition = str(content_disposition or "").split(";")[0].strip().lower()
    data = _payload(part)
    lower_name = (filename or "").lower()
    if ctype == "text/rfc822-headers":
        subject = _returned_subject(data)
        if subject:
            mail.returned_subjects.append(decode_header_value(subject))
        return
    if ctype in _TNEF_TYPES or lower_name == "winmail.dat":
        if not nested:
            _tnef(data, mail, plain, html)
        return
    is_cal = ctype in _CAL_TYPES or lower_name.endswith((".ics", ".vcs"))
    if is_cal and not nested and data.replace(b"\r", b"") not in _unix(mail.calendars):
        mail.calendars.append(data)  # the same object inline and as invite.ics: read once
    attached = disposition == "attachment" or (filename is not None and not is_cal)
    if attached or (is_cal and filename):
        mail.attachments.append(AttachmentInfo(filename, ctype, len(data), data))
        return
    if nested or is_cal:
        return
    if ctype == "text/plain":
        plain.append(decode_text(data, _charset(part, content_type)))
    elif ctype == "text/html":
        html.append(decode_text(data, _charset(part, content_type)))


def _returned_subject(data: bytes) -> object:
    """The Subject of a ``text/rfc822-headers`` block, as ``email`` reads it (first one).

    A plain ASCII block (``\\n`` or ``\\r\\n`` line ends, well-formed header lines up to
    the Subject and its continuation lines) is scanned directly; anything else is parsed.
    """
    if data.isascii() and data.count(b"\r") == data.count(b"\r\n"):
        value: list[str] = []  # the Subject's lines, ``\\r`` of ``\\r\\n`` kept
        for n, line in enumerate(data.decode("ascii").split("\n")):
            if line[:1] in (" ", "\t") and n:
                if value:
                    value.append(line)  # a continuation line of the Subject
                continue
            if value or line in ("", "\r"):
                break
            if not _HEADER_LINE.match(line):
                return _headers_only(data).get("subject")  # malformed: email decides
            if line[: line.find(":")].lower() == "subject":
                value = [line[line.find(":") + 1 :].lstrip(" \t")]
        return "\n".join(value).rstrip("\r\n") if value else None
    return _headers_only(data).get("subject")


def _headers_only(data: bytes) -> Message:
    """The header block of ``data`` (RFC 5322 §2.1); the body is never parsed."""
    return email.parser.BytesHeaderParser(policy=compat32).parsebytes(data)


def _charset(part: Message, content_type: object = None) -> str | None:
    """The part's charset parameter, lower-case (``content_type``: its Content-Type value)."""
    if isinstance(content_type, str):
        m = _ONLY_CHARSET.fullmatch(content_type)
        if m is not None:
            return m.group("v").lower() if m.group("n").lower() == "charset" else None
    try:
        value = part.get_content_charset()
    except Exception:  # malformed RFC 2231 charset parameter
        return None
    return str(value) if value else None


def _unix(blobs: list[bytes]) -> list[bytes]:
    return [b.replace(b"\r", b"") for b in blobs]


def _tnef(data: bytes, mail: Mail, plain: list[str], html: list[str]) -> None:
    """Extract body and attachments from a TNEF ``winmail.dat`` (MS-OXTNEF)."""
    try:
        from tnefparse import TNEF  # lazy: only Outlook-to-Exchange mail carries TNEF

        tnef = TNEF(data)
    except Exception as exc:
        mail.attachments.append(AttachmentInfo("winmail.dat", "application/ms-tnef", len(data)))
        mail.problems.append(problem("tnef_unreadable", error=exc.__class__.__name__))
        return
    body = getattr(tnef, "body", None)
    if isinstance(body, bytes):
        body = decode_text(body)
    if body:
        plain.append(str(body))
    hbody = getattr(tnef, "htmlbody", None)
    if isinstance(hbody, bytes):
        hbody = decode_text(hbody)
    if hbody:
        html.append(str(hbody))
    for att in getattr(tnef, "attachments", []) or []:
        try:
            name = att.long_filename() or att.name
            payload = att.data or b""
        except Exception:
            continue
        if isinstance(name, bytes):
            name = decode_text(name)
        fname = str(name) if name else None
        blob = payload if isinstance(payload, bytes) else b""
        if fname and fname.lower().endswith((".ics", ".vcs")):
            mail.calendars.append(blob)
        mail.attachments.append(AttachmentInfo(fname, "application/octet-stream", len(blob), blob))


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


def _normalise(text: str) -> str:
    """Unify line ends, drop zero-width characters, turn odd spaces into plain spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _ZERO_WIDTH_RE.search(text):
        text = text.translate(_ZERO_WIDTH)
    return text.replace("\u00a0", " ").replace("\u3000", " ")
