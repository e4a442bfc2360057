"""Readdress one of the demo's own mails to the demo meeting.

The demo mails (``daemon/demo/mails/``, written as Outlook, Google, Apple, Thunderbird,
Foxmail, Coremail and Gmail send them) were written for a meeting on a fixed day. Each is
rewritten only where it must point at the demo meeting: the subject tag, the iCalendar UID,
In-Reply-To, the dates (shifted by whole days so that "3月12日" keeps its distance from the
meeting), Date and Message-ID, and the ``%NAME%`` placeholders. Parts that need no change
keep their original bytes and charset.
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
_CALENDAR_TYPES = ("text/calendar", "application/ics")
_PLACEHOLDER = re.compile(r"%([A-Z_]+)%")


def _nearest(reference: dt.date, month: int, day: int) -> dt.date:
    """The date ``month``/``day`` in the year that puts it nearest to ``reference``.

    Raises:
        ValueError: no such day in any of those years (e.g. 2月30日).
    """
    candidates = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError(f"no day {month}/{day}")
    return min(candidates, key=lambda d: abs((d - reference).days))


def shift_zh_dates(text: str, days: int, reference: dt.date) -> str:
    """Move every ``[YYYY年]M月D日`` in ``text`` by ``days`` days.

    A date written without a year is read in the year nearest ``reference`` (the day the
    mail was written for); the year is written only where it was written.
    """

    def move(m: re.Match[str]) -> str:
        month, mday = int(m.group(2)), int(m.group(3))
        try:
            if m.group(1):
                written = dt.date(int(m.group(1)), month, mday)
            else:
                written = _nearest(reference, month, mday)
        except ValueError:
            return m.group(0)
        day = written + dt.timedelta(days=days)
        head = f"{day.year}年" if m.group(1) else ""
        return f"{head}{day.month}月{day.day}日"

    return _ZH_DATE.sub(move, text)


def shift_ics_dates(text: str, days: int) -> str:
    """Move every iCalendar DATE-TIME value (``YYYYMMDDThhmmss``) by ``days`` days."""

    def move(m: re.Match[str]) -> str:
        day = dt.datetime.strptime(m.group(1), "%Y%m%d").date() + dt.timedelta(days=days)
        return day.strftime("%Y%m%d")

    return _ICS_DATE.sub(move, text)


def _rewrite_calendar(part: EmailMessage, shift_days: int, uid: str | None) -> None:
    """Shift the dates of a calendar part (inline or attached) and give it ``uid``.

    The part keeps its content type, ``method`` parameter and file name.
    """
    content = part.get_content()
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    new = shift_ics_dates(text.replace("\r\n ", "").replace("\n ", ""), shift_days)
    if uid:
        new = _UID.sub(f"UID:{uid}", new)
    if new == text:
        return
    params: dict[str, str] = {}
    method = part.get_param("method")
    if isinstance(method, str):
        params["method"] = method
    filename = part.get_filename()
    disposition = part.get_content_disposition()
    if part.get_content_maintype() == "text":
        part.set_content(
            new,
            subtype="calendar",
            charset="utf-8",
            params=params,
            disposition=disposition,
            filename=filename,
        )
    else:
        part.set_content(
            new.encode("utf-8"),
            part.get_content_maintype(),
            part.get_content_subtype(),
            params=params,
            disposition=disposition,
            filename=filename,
        )


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace each ``%NAME%`` in ``text`` whose NAME is a key of ``values``.

    Raises:
        KeyError: a placeholder with no value (a mistake in the demo's data).
    """
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def readdress(
    raw: bytes,
    *,
    number: int,
    when: dt.datetime,
    message_id: str,
    written_for: dt.date,
    shift_days: int,
    action_k: int | None = None,
    uid: str | None = None,
    in_reply_to: str | None = None,
    placeholders: dict[str, str] | None = None,
) -> bytes:
    """Return ``raw`` rewritten for meeting ``number``.

    Args:
        when: aware send time (the simulated clock), written as the Date header.
        written_for: the meeting day the mail was written for (the year of dates written
            without one).
        shift_days: calendar days added to every date in text and calendar parts.
        action_k: rewrite ``[MTG-x/A-y]`` to ``[MTG-number/A-action_k]``.
        uid: the meeting's iCalendar UID, put into calendar parts.
        in_reply_to: Message-ID of the daemon's mail this one answers.
        placeholders: values for ``%NAME%`` in text parts, filled after the dates are
            shifted (so they are written as given).

    Raises:
        KeyError: a placeholder in the mail has no value.
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
            value = retag(str(msg[name]))
            del msg[name]
            msg[name] = value
    for name in ("Date", "Message-ID", "In-Reply-To", "References"):
        del msg[name]
    msg["Date"] = email.utils.format_datetime(when)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for part in msg.walk():
        assert isinstance(part, EmailMessage)
        if part.get_content_type() in _CALENDAR_TYPES:
            _rewrite_calendar(part, shift_days, uid)
        elif part.get_content_maintype() == "text" and not part.get_filename():
            text = part.get_content()
            new = retag(shift_zh_dates(text, shift_days, written_for))
            new = fill_placeholders(new, placeholders or {})
            if new != text:
                part.set_content(new, subtype=part.get_content_subtype(), charset="utf-8")
    return msg.as_bytes()
