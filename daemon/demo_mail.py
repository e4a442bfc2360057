"""Readdress a labelled corpus email to the demo meeting.

The demo feeds the daemon real mails from ``shared/corpus/cases`` (Outlook, Google,
Thunderbird, Foxmail-style replies). Each is rewritten only where it must point at the demo
meeting: the subject tag, the iCalendar UID, In-Reply-To, the dates (shifted by whole days
so that "12月18日" keeps its distance from the meeting), Date, Message-ID and, when asked,
the sender. Parts that need no change keep their original bytes and charset.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import re
from email.message import EmailMessage

_ZH_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
_ICS_DATE = re.compile(r"(?<=[:;=])(\d{8})(?=T\d{6})")
_TAG = re.compile(r"MTG-\d+(/A-\d+)?")
_UID = re.compile(r"^UID:.*$", re.M)


def shift_zh_dates(text: str, days: int, reference_year: int) -> str:
    """Move every ``[YYYY年]M月D日`` in ``text`` by ``days`` days (the year is written only
    where it was written)."""

    def move(m: re.Match[str]) -> str:
        year = int(m.group(1) or reference_year)
        try:
            day = dt.date(year, int(m.group(2)), int(m.group(3))) + dt.timedelta(days=days)
        except ValueError:
            return m.group(0)
        head = f"{day.year}年" if m.group(1) else ""
        return f"{head}{day.month}月{day.day}日"

    return _ZH_DATE.sub(move, text)


def shift_ics_dates(text: str, days: int) -> str:
    """Move every iCalendar DATE-TIME value (``YYYYMMDDThhmmss``) by ``days`` days."""

    def move(m: re.Match[str]) -> str:
        day = dt.datetime.strptime(m.group(1), "%Y%m%d").date() + dt.timedelta(days=days)
        return day.strftime("%Y%m%d")

    return _ICS_DATE.sub(move, text)


def readdress(
    raw: bytes,
    *,
    number: int,
    when: dt.datetime,
    message_id: str,
    shift_days: int,
    action_k: int | None = None,
    uid: str | None = None,
    in_reply_to: str | None = None,
    sender: tuple[str, str] | None = None,
    replace: dict[str, str] | None = None,
) -> bytes:
    """Return ``raw`` rewritten for meeting ``number``.

    Args:
        when: aware send time (the simulated clock), written as the Date header.
        shift_days: calendar days added to every date in text and calendar parts.
        action_k: rewrite ``[MTG-x/A-y]`` to ``[MTG-number/A-action_k]``.
        uid: the meeting's iCalendar UID, put into calendar parts.
        in_reply_to: Message-ID of the daemon's mail this one answers.
        sender: (display name, address) to send as.
        replace: literal substitutions in text parts, made before dates are shifted (so
            dates written in them are shifted too).
    """
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    tag = f"MTG-{number}" + (f"/A-{action_k}" if action_k else "")

    def retag(text: str) -> str:
        return _TAG.sub(
            lambda m: tag if action_k or not m.group(1) else f"MTG-{number}{m.group(1)}", text
        )

    for name in ("Subject", "Thread-Topic"):
        if name in msg:
            value = str(msg[name])
            for old, repl in (replace or {}).items():
                value = value.replace(old, repl)
            value = retag(value)
            del msg[name]
            msg[name] = value
    for name in ("Date", "Message-ID", "In-Reply-To", "References"):
        del msg[name]
    msg["Date"] = email.utils.format_datetime(when)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    if sender:
        del msg["From"]
        msg["From"] = email.utils.formataddr(sender)
    year = when.year
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text" or part.get_filename():
            continue
        assert isinstance(part, EmailMessage)
        text = part.get_content()
        new = text
        for old, repl in (replace or {}).items():
            new = new.replace(old, repl)
        new = retag(shift_zh_dates(new, shift_days, year))
        subtype = part.get_content_subtype()
        params: dict[str, str] = {}
        if subtype == "calendar":
            new = new.replace("\r\n ", "").replace("\n ", "")
            new = shift_ics_dates(new, shift_days)
            if uid:
                new = _UID.sub(f"UID:{uid}", new)
            method = part.get_param("method")
            if isinstance(method, str):
                params["method"] = method
        if new != text:
            part.set_content(new, subtype=subtype, charset="utf-8", params=params)
    return msg.as_bytes()
