"""The last resort of :func:`daemon.inbound.inspect.inspect_bytes`: a header-only reading.

When the full reading raised (it should not: see :mod:`daemon.inbound.inspect`), the mail
must still not be anonymous. This reads the header block alone (RFC 5322 §2.1, no MIME body
is parsed, so no nesting is followed), takes the sender from the raw From header
(:mod:`daemon.inbound.addresses`), and runs only the bounce and auto-reply rules of
:mod:`daemon.inbound.classify`, so automatic mail is still never answered.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.utils
import logging
import re
from email.policy import compat32

from daemon.domain.messages import Inspection
from daemon.domain.problems import problem
from daemon.inbound.addresses import read_sender
from daemon.inbound.charsets import decode_header_value
from daemon.inbound.dates import plausible_instant
from daemon.inbound.mime import Mail
from daemon.inbound.parse.itip import CalendarInfo

log = logging.getLogger(__name__)

INTERNAL_ERROR = "the message could not be parsed"
_MTG_TAG = re.compile(r"\[\s*(MTG-\d+)\s*(?:/\s*A-\d+\s*)?\]", re.I)
_LOOP_RULES = ("bounce.", "auto_reply.")


def header_only_inspection(
    raw: bytes, file: str | None, exc: BaseException, now: dt.datetime
) -> Inspection:
    """What the headers of ``raw`` say, after the full reading raised ``exc``.

    Args:
        raw: the message's bytes.
        file: the path to report.
        exc: the error of the full reading (named in the problem).
        now: the aware reference instant for a mail without a readable Date.

    Returns:
        An :class:`Inspection` with kind ``bounce``/``auto_reply`` when the headers show
        automatic mail, else ``unknown``; sender, subject, Message-ID, thread and date as the
        headers give them; ``rule_hits`` starting with ``error``; a first problem starting
        with :data:`INTERNAL_ERROR`. Never raises (if even the headers cannot be read, the
        result names no sender).
    """
    reason = problem("internal_error", error=f"{exc.__class__.__name__}: {str(exc)[:200]}")
    try:
        return _from_headers(raw, file, reason, now)
    except Exception:
        log.exception("header-only reading failed too for %s", file)
        return Inspection(
            file=file, kind="unknown", sender=None, problems=[reason], rule_hits=["error"]
        )


def _from_headers(raw: bytes, file: str | None, reason: str, now: dt.datetime) -> Inspection:
    from daemon.inbound.classify import NO_ANSWER_SIGNS, RULES, Context  # imports parsers

    msg = email.parser.BytesHeaderParser(policy=compat32).parsebytes(raw)
    headers: dict[str, str] = {}
    raw_from = ""
    for key, value in msg.raw_items():
        name = key.lower()
        if name not in headers:
            headers[name] = decode_header_value(value)
            raw_from = value if name == "from" else raw_from
    sender = read_sender(raw_from)
    mail = Mail(
        subject=headers.get("subject", "").strip(),
        sender=sender.address,
        sender_name=sender.name,
        sender_suspicious=sender.suspicious,
        headers=headers,
        content_type=msg.get_content_type(),
        message_id=headers.get("message-id", "").strip() or None,
    )
    if mail.content_type == "multipart/report":
        mail.report_type = str(msg.get_param("report-type") or "").lower() or None
    refs = f"{headers.get('in-reply-to', '')} {headers.get('references', '')}".split()
    mail.in_reply_to = refs
    mail.date = _date(headers.get("date"))
    insp = Inspection(
        file=file,
        kind="unknown",
        sender=mail.sender,
        sender_name=mail.sender_name,
        sender_suspicious=mail.sender_suspicious,
        message_id=mail.message_id,
        in_reply_to=list(refs),
        subject=mail.subject,
        date=mail.date,
        problems=[reason, *sender.problems],
        rule_hits=["error"],
    )
    tag = _MTG_TAG.search(mail.subject)
    insp.meeting_ref = tag.group(1).upper() if tag else None
    ctx = Context(
        mail=mail,
        fresh="",
        ref=mail.date or now,
        cal=CalendarInfo(),
        meeting_ref=insp.meeting_ref,
    )
    ctx.headers = headers
    for name, rule in RULES:
        if name.startswith(_LOOP_RULES) and rule(ctx, insp):
            insp.rule_hits.append(name)
            insp.auto_submitted = True
            return insp
    signs = [name for name, check in NO_ANSWER_SIGNS if check(headers) is not None]
    if signs:  # nothing else could be read: as classify does, an automatic mail
        insp.kind, insp.auto_submitted = "auto_reply", True
        insp.rule_hits.extend(signs)
    return insp


def _date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when if plausible_instant(when) else None
