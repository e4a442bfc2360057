"""What the daemon understands of one email: the entry point behind ``meetingd inspect``.

:func:`inspect_bytes` never raises. The reader is built not to fail on any input (bounded
nesting, text codecs only, plausible dates, no recursion on the From header); should an
internal error still occur, :mod:`daemon.inbound.fallback` reads the header block alone, so
the result still names the sender, subject and (for automatic mail) the kind, with a
``problems`` entry starting with :data:`~daemon.inbound.fallback.INTERNAL_ERROR` (the
pipeline quarantines such messages). :func:`main` implements
``python -m daemon.inbound.inspect [--json] FILE...``: one JSON line per file, in order, exit 0
even for unreadable files. Contract: ``shared/design/inspect.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from pathlib import Path

from daemon.domain.messages import Inspection
from daemon.domain.problems import problem
from daemon.inbound.authresults import read_auth_results
from daemon.inbound.classify import Context, classify
from daemon.inbound.fallback import header_only_inspection
from daemon.inbound.mime import Mail, parse_mail
from daemon.inbound.parse.actions import ACTION_TAG
from daemon.inbound.parse.commands import parse_command
from daemon.inbound.parse.itip import CalendarInfo, read_calendars
from daemon.inbound.text import fresh_text

log = logging.getLogger(__name__)

_MTG_TAG = re.compile(r"\[\s*(MTG-\d+)\s*(?:/\s*A-\d+\s*)?\]", re.I)
_MTG_ANY = re.compile(r"\b(MTG-\d+)\b", re.I)


def _meeting_ref(mail: Mail, cal: CalendarInfo) -> str | None:
    for text in (mail.subject, cal.summary, *mail.returned_subjects):
        m = _MTG_TAG.search(text or "")
        if m:
            return m.group(1).upper()
    for ref in mail.in_reply_to:
        m = _MTG_ANY.search(ref)
        if m:
            return m.group(1).upper()
    return None


def _inspect(raw: bytes, file: str | None, now: dt.datetime) -> Inspection:
    mail = parse_mail(raw)
    cal = read_calendars(mail.calendars, mail.sender) if mail.calendars else CalendarInfo()
    insp = Inspection(
        file=file,
        kind="unknown",
        sender=mail.sender,
        sender_name=mail.sender_name,
        sender_suspicious=mail.sender_suspicious,
        authentication=read_auth_results(mail.auth_results) if mail.auth_results else [],
        exchange_auth_as=mail.headers.get("x-ms-exchange-organization-authas"),
        uid=cal.uid,
        itip_method=cal.method,
        message_id=mail.message_id,
        in_reply_to=list(mail.in_reply_to),
        subject=mail.subject,
        date=mail.date,
        auto_submitted=mail.headers.get("auto-submitted", "no").strip().lower()[:2] != "no",
        body_text=mail.text,
        attachments=[a for a in mail.attachments],
        problems=list(mail.problems) + list(cal.problems),
    )
    insp.meeting_ref = _meeting_ref(mail, cal)
    tag = ACTION_TAG.search(mail.subject)
    insp.action_ref = f"A-{int(tag.group(2))}" if tag else None
    fresh = fresh_text(mail.text)
    if mail.text.strip() and not fresh:
        insp.problems.append(problem("only_quoted"))
    ref = mail.date or now
    insp.fresh_text = fresh
    insp.command = parse_command(fresh, ref, insp.problems) if fresh else None
    ctx = Context(mail=mail, fresh=fresh, ref=ref, cal=cal, meeting_ref=insp.meeting_ref)
    ctx.headers = mail.headers
    classify(ctx, insp)
    if insp.kind in ("auto_reply", "bounce"):
        insp.auto_submitted = True  # automatic mail, whichever loop rule told (RFC 3834)
    if cal.method and cal.method not in ("REPLY", "COUNTER") and insp.kind == "unknown":
        insp.problems.append(problem("calendar_not_reply", method=cal.method))
    if insp.kind == "unknown" and mail.date is None and not mail.is_bare_calendar:
        insp.problems.append(problem("no_date_header"))
    return insp


def inspect_bytes(raw: bytes, file: str | None = None, *, now: dt.datetime) -> Inspection:
    """Inspect one raw message (or mbox / bare .ics / header-less text).

    Args:
        raw: the file's bytes as received (RFC 5322 / MIME, RFC 5545 for a bare .ics).
        file: the path to report in ``Inspection.file`` (not opened).
        now: the aware reference instant for a mail without a readable ``Date`` (relative
            dates such as "下周三" are read against it). The reader never reads the clock.

    Returns:
        An :class:`Inspection`. ``auto_submitted`` is true for every mail the loop guard
        recognises (kinds ``auto_reply`` and ``bounce``, or ``Auto-Submitted`` other than
        ``no``). Never raises: an internal error is the last resort, caught here; the
        result then comes from a header-only read (sender, subject, thread, and the kind
        when the headers show automatic mail), carries rule ``error`` and a problem naming
        the error.
    """
    try:
        return _inspect(raw, file, now)
    except Exception as exc:  # the contract: never raise, report instead
        log.exception("inspect failed for %s", file)
        return header_only_inspection(raw, file, exc, now)


def inspect_path(path: str | Path, *, now: dt.datetime) -> Inspection:
    """Read ``path`` and inspect it (``now`` as for :func:`inspect_bytes`); an unreadable
    file gives kind ``unknown`` with a problem."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return Inspection(
            file=name,
            kind="unknown",
            sender=None,
            problems=[problem("file_unreadable", error=str(exc.strerror or exc))],
        )
    return inspect_bytes(raw, name, now=now)


def main(argv: list[str] | None = None) -> int:
    """``python -m daemon.inbound.inspect [--json] FILE...``: one JSON line per file; exit 0.

    The reference instant for mails without a Date is the clock's now (read here, at the
    edge, never by the reader)."""
    from daemon import clock

    args = list(sys.argv[1:] if argv is None else argv)
    files = [a for a in args if a != "--json"]
    out = sys.stdout
    for name in files:
        insp = inspect_path(name, now=clock.now())
        out.write(json.dumps(insp.to_json(), ensure_ascii=False, default=str) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
