"""Turn an :class:`~daemon.domain.effects.Outgoing` into an RFC 5322 message.

Structure of the result (RFC 2046, RFC 6047 §2.4)::

    multipart/mixed                      only when materials are attached
      multipart/alternative
        text/plain; charset=utf-8
        text/html; charset=utf-8
      application/...; attachment        each material

The calendar object of an invite is not built here: the calendar backend adds it when it
sends the mail (:mod:`daemon.transports.imip`), or sends its own invitation.

Headers: From, To, Cc, Subject (``[MTG-n]`` or ``[MTG-n/A-k]`` first), Date (the daemon's
clock), Message-ID, In-Reply-To/References (replies), ``Auto-Submitted: auto-generated``
(RFC 3834), ``X-Meetingd-Kind``, ``X-Meetingd-Ref``, ``Content-Language``.

``X-Auto-Response-Suppress: OOF, AutoReply`` (Exchange/Outlook) is set on every mail that is
not a calendar object: the daemon never answers auto-replies anyway (RFC 3834), so a flood of
out-of-office replies to reminders would only be noise. Invites and cancellations do not
carry it: an out-of-office answer to an invite tells the coordinator someone is away, and
delivery reports (DR/NDR) are never suppressed, so a bounce still reaches the mailbox.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import hashlib
import logging
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from daemon.domain.effects import Outgoing
from daemon.domain.model import MeetingFile
from daemon.domain.roster import delegated_from
from daemon.outbound import mime
from daemon.outbound.render import Rendered, Renderer, default_renderer

log = logging.getLogger(__name__)

#: sha256 hex digest → (filename, content type "main/sub", bytes)
MaterialLoader = Callable[[str], tuple[str, str, bytes]]


@dataclass(frozen=True)
class ComposeContext:
    """What compose needs besides the meeting and the intent.

    Attributes:
        from_addr, from_name: the daemon's mailbox (also the iCalendar ORGANIZER).
        msgid_domain: right-hand side of generated Message-IDs.
        now_utc: aware ``datetime``; the Date header and DTSTAMP.
        tz: the company time zone (dates in mails, TZID of invites).
        lang: language of the mail (``"zh"``/``"en"``); empty means the meeting's language.
        deadlines: aware datetimes by name: ``topics_due``, ``materials_due``, ``replies_due``,
            ``minutes_due`` ... (shown in the company zone).
        names: address → display name in ``lang`` (directory names: the English name for
            ``en`` where configured; they override the names written on participants).
        departments: department name → its name in ``lang`` (the ``dept`` filter).
        load_material: reads a stored material by sha256, or None (attachments skipped).
        renderer: templates to use; None means :func:`~daemon.outbound.render.default_renderer`.
        message_id: the Message-ID to give the mail (a draft's, fixed when it was queued);
            None makes it with :func:`make_message_id`.
    """

    from_addr: str
    from_name: str | None
    msgid_domain: str
    now_utc: dt.datetime
    tz: ZoneInfo
    lang: str = ""
    deadlines: dict[str, dt.datetime] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    load_material: MaterialLoader | None = None
    renderer: Renderer | None = None
    message_id: str | None = None


def subject_tag(number: int, action_k: int | None = None) -> str:
    """``[MTG-n]`` or ``[MTG-n/A-k]``."""
    return f"[MTG-{number}/A-{action_k}]" if action_k is not None else f"[MTG-{number}]"


def make_message_id(
    kind: str, number: int | None, key: str, action_k: int | None, now_utc: dt.datetime, domain: str
) -> str:
    """``<{kind}.{n}.{token}@{domain}>`` (RFC 5322 §3.6.4, dot-atom only; ``n`` is ``x``
    without a meeting).

    ``token`` is 20 lower-case base32 characters (100 bits) of the SHA-256 of kind, meeting,
    action, key and ``now_utc`` (to the microsecond). Two different keys give the same
    Message-ID only on a 100-bit hash collision (about 2**-60 after a million mails), and the
    same mail composed twice at the same instant keeps its Message-ID. The id stays short
    (about 50 characters plus the domain) so that the header is not folded: a folded
    Message-ID reads back with leading white space in some tools.
    """
    now = now_utc.astimezone(dt.UTC).isoformat(timespec="microseconds")
    seed = "\x1f".join((kind, str(number), str(action_k), key, now)).encode()
    token = base64.b32encode(hashlib.sha256(seed).digest()).decode()[:20].lower()
    return f"<{kind}.{'x' if number is None else number}.{token}@{domain}>"


def _address(addr: str, names: Mapping[str, str]) -> str:
    name = names.get(addr.lower(), "")
    return mime.address(addr, name if name != addr else None)


def _names(file: MeetingFile | None, ctx: ComposeContext) -> Mapping[str, str]:
    """Address (lower-case) → display name: the directory's (``ctx.names``, looked up, not
    copied) over the names written on the meeting's participants and action items."""
    written: dict[str, str] = {}
    if file is not None:
        written.update({p.address: p.name for p in file.participants if p.name})
        written.update({a.owner: a.owner_name for a in file.actions if a.owner and a.owner_name})
    # ChainMap only reads its maps here; typeshed wants them mutable.
    return ChainMap(ctx.names, written)  # type: ignore[arg-type]


def template_context(
    out: Outgoing, file: MeetingFile | None, ctx: ComposeContext, lang: str
) -> dict[str, Any]:
    """The variables every template sees (see ``mail_templates/README.md``)."""
    names = _names(file, ctx)
    recipient = out.to[0] if out.to else ""
    m = file.meeting if file is not None else None
    action = None
    if out.action_k is not None and file is not None:
        action = file.action(out.action_k)
        if action is None:
            raise ValueError(f"{m.ref if m else '?'}: no action item A-{out.action_k}")
    return {
        "m": m,
        "file": file,
        "lang": lang,
        "recipient": recipient,
        "recipient_name": names.get(recipient) if len(out.to) == 1 else None,
        "names": names,
        "departments": dict(ctx.departments),
        "deadlines": dict(ctx.deadlines),
        "x": dict(out.extra),
        "action": action,
        "now": ctx.now_utc.astimezone(ctx.tz),
        "tz": ctx.tz,
        "start": m.start_utc.astimezone(ctx.tz) if m and m.start_utc else None,
        "end": m.end_utc.astimezone(ctx.tz) if m and m.end_utc else None,
        "tag": subject_tag(m.number, out.action_k) if m else "",
        "sender": ctx.from_name,
        # proxy address -> everyone they stand in for (a proxy may cover several people)
        "proxies_for": _proxies_for(file),
    }


def _proxies_for(file: MeetingFile | None) -> dict[str, list[str]]:
    """Proxy address → everyone they stand in for (one proxy may cover several people)."""
    if file is None:
        return {}
    return {
        p.address: delegated_from(file, p.address) for p in file.participants if p.role == "proxy"
    }


@dataclass(frozen=True)
class Composed:
    """A composed mail: its subject (tag first, decoded), Message-ID (with brackets), the
    bytes to send (RFC 5322, CRLF) and what was rendered."""

    subject: str
    message_id: str
    raw: bytes
    rendered: Rendered


def compose(out: Outgoing, file: MeetingFile | None, ctx: ComposeContext) -> EmailMessage:
    """Render ``out`` for ``file`` and build the complete message (see :func:`compose_bytes`)."""
    return compose_rendered(out, file, ctx)[0]


def compose_rendered(
    out: Outgoing, file: MeetingFile | None, ctx: ComposeContext
) -> tuple[EmailMessage, Rendered]:
    """:func:`compose_bytes`, the bytes read back as an ``EmailMessage``
    (``email.policy.default``), and what was rendered."""
    composed = compose_bytes(out, file, ctx)
    message = email.message_from_bytes(composed.raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message, composed.rendered


def compose_bytes(out: Outgoing, file: MeetingFile | None, ctx: ComposeContext) -> Composed:
    """Render ``out`` for ``file`` and build the complete message (a calendar object's
    description is the rendered text).

    ``file`` may be None only for mails about no known meeting (``not_understood``); such a
    mail has no subject tag and no ``X-Meetingd-Ref``.

    Raises:
        ValueError: no recipient; an action mail whose item is missing.
        jinja2.TemplateError: a template is missing or uses an undefined variable.
    """
    if not out.to:
        raise ValueError(f"{out.kind}: no recipient")
    m = file.meeting if file is not None else None
    lang = ctx.lang or (m.lang if m is not None else "zh")
    renderer = ctx.renderer or default_renderer()
    tctx = template_context(out, file, ctx, lang)
    rendered = renderer.render(out.kind, lang, tctx)

    msg = mime.mixed(
        mime.alternative(rendered.text, rendered.html), _materials(out, ctx.load_material)
    )
    names = tctx["names"]
    tag = tctx["tag"]
    subject = mime.one_line(f"{tag} {rendered.subject}" if tag else rendered.subject)
    message_id = ctx.message_id or make_message_id(
        out.kind, m.number if m else None, out.key, out.action_k, ctx.now_utc, ctx.msgid_domain
    )
    headers = [
        ("From", mime.address(ctx.from_addr, ctx.from_name)),
        ("To", ", ".join(_address(a, names) for a in out.to)),
        ("Cc", ", ".join(_address(a, names) for a in out.cc)),
        ("Subject", subject),
        ("Date", format_datetime(ctx.now_utc.astimezone(dt.UTC))),
        ("Message-ID", message_id),
        ("In-Reply-To", out.in_reply_to or ""),
        ("References", out.in_reply_to or ""),
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "OOF, AutoReply" if out.calendar is None else ""),
        ("X-Meetingd-Kind", out.kind),
        ("X-Meetingd-Ref", m.ref if m is not None else ""),
        ("Content-Language", "zh-CN" if lang == "zh" else lang),
    ]
    for name, value in headers:
        if value:
            mime.set_header(msg, name, value)
    log.debug("composed %s %s to %s", out.kind, message_id, out.to)
    return Composed(subject, message_id, mime.to_bytes(msg), rendered)


def _materials(out: Outgoing, load: MaterialLoader | None) -> list[MIMENonMultipart]:
    """Each material of ``out`` as an attachment part."""
    if not out.attachments:
        return []
    if load is None:
        log.warning(
            "%s: %d attachments skipped: no material loader", out.kind, len(out.attachments)
        )
        return []
    parts = []
    for digest in out.attachments:
        filename, content_type, data = load(digest)
        parts.append(mime.attachment_part(data, content_type, filename))
    return parts
