"""Dates and times as people write them in zh and en mail, resolved against the message Date.

Forms: ``2026年12月8日``, ``12月8日``/``12月8号``, ``十二月八日``, ``2026-12-08``/``2026/12/8``,
``12/8`` (month/day), ``12/14/2026`` (month/day/year; day/month when the first number is over
12), ``Dec 8``/``8 Dec 2026``/``December 8th, 2026``; relative ``今天``/``明天``/``后天``,
``下周三``/``本周五``/``周三``, ``N天后``/``两周后``, ``today``/``tomorrow``, ``next Wednesday``
(the Wednesday of the following week, like ``下周三``), ``in 3 days``. Times: ``14:00``,
``2pm``/``2:30 p.m.``, ``下午2点``/``下午两点半``; ranges ``14:00-16:00``, ``下午2点到4点``,
``2-4pm``.

A date without a year takes the year that puts it nearest on or after the reference date (the
message's ``Date``). Regular expressions cover these forms; :func:`parse_date_value` falls back
to ``dateparser`` (imported lazily, it is slow) for a single short field value only.

Only plausible values come out: a date must fall in :data:`YEARS` and a meeting length in
1 minute .. :data:`MAX_MEETING_MINUTES`; anything else (``99999年``, ``0001-01-01``,
``99999999小时``, ``-5 minutes``) reads as absent, and :func:`date_problems` says why in words
a person can act on. No function here raises ``OverflowError`` or ``ValueError`` on any text.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Iterator

from daemon.domain.problems import Problem, problem

log = logging.getLogger(__name__)

# The years a date in mail may name (a Date header, a meeting, a due date).
YEARS = range(1970, 2200)
MAX_MEETING_MINUTES = 24 * 60  # the longest meeting a request or a command may ask for

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_CN_NUM = "〇零一二两兩三四五六七八九十"
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_WEEKDAYS_EN = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip

_MON = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DATE = re.compile(
    r"(?P<iso>(?<!\d)(?P<iy>\d{4,6})\s*[-/.]\s*(?P<im>\d{1,2})\s*[-/.]\s*(?P<id>\d{1,2})(?!\d))"
    r"|(?P<zh>(?:(?P<zy>(?<!\d)\d{4,6}|[〇零一二三四五六七八九]{4})\s*年\s*)?"
    r"(?P<zm>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(?P<zd>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号號])"
    r"|(?P<us>(?<![\d/.])(?P<ua>\d{1,2})/(?P<ub>\d{1,2})(?:/(?P<uy>\d{4}|\d{2}))?(?![\d/]))"
    rf"|(?P<en>\b{_MON}\s+(?P<ed>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?P<ey>\d{{4}}))?)"
    rf"|(?P<en2>\b(?P<fd>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}(?:,?\s*(?P<fy>\d{{4}}))?)"
    r"|(?P<rel>今天|今日|明天|明日|后天|後天|大后天|today|tomorrow|day after tomorrow)"
    r"|(?P<wk>(?P<wp>下下|下个|下個|下|本|这个|這個|这|這|next|this|coming|on)?\s*"
    r"(?:周|週|星期|礼拜|禮拜)(?P<wz>[一二三四五六日天])"
    r"|(?P<wpe>next|this|coming|on)?\s*\b(?P<we>mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?"
    r"|thu(?:r|rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)\b)"
    r"|(?P<after>(?P<an>\d{1,2}|[一二两兩三四五六七八九十]{1,3})\s*(?P<au>天|日|个?工作日|周|週|个?星期|个?礼拜|个?月)[以之]?后)"
    r"|(?P<inn>\bin\s+(?P<inn_n>\d{1,2}|a|one|two|three)\s+(?P<inn_u>day|week|month)s?\b)",
    re.I,
)
_TIME = (
    r"(?:(?P<{p}per>上午|早上|凌晨|中午|下午|晚上|傍晚)\s*)?"
    r"(?:(?P<{p}h>\d{{1,2}})\s*[:：]\s*(?P<{p}m>\d{{2}})"
    r"|(?P<{p}zh>\d{{1,2}}|[零一二两兩三四五六七八九十]{{1,3}})\s*[点點时時]\s*(?:(?P<{p}half>半)|(?P<{p}zm>\d{{1,2}}|[零一二三四五六七八九十]{{1,3}})\s*分?)?"
    r"|(?P<{p}eh>\d{{1,2}})(?=\s*(?:[-–~]\s*\d{{1,2}}(?::\d{{2}})?\s*)?(?:a\.?m\.?|p\.?m\.?)))"
    r"(?:\s*(?P<{p}ap>a\.?m\.?|p\.?m\.?)(?![a-z]))?"
)
_RANGE = re.compile(
    _TIME.format(p="a")
    + r"(?:\s*(?:-|–|—|~|～|至|到|to|until|till)\s*"
    + _TIME.format(p="b")
    + ")?",
    re.I,
)
# What follows a weekday that names its calendar date: "Monday, December 28", "周一 12月28日".
_NAMES_A_DATE = re.compile(
    rf"\s*[,，(（]?\s*(?:\d{{1,4}}\s*[-/.年月]|\d{{1,2}}\s*月|{_MON}\s*\d|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MON})",
    re.I,
)
_ABSOLUTE = re.compile(r"\s*(?:\d|[一二三四五六七八九十〇零]+\s*月|[A-Za-z]{3})")
_DURATION = re.compile(
    r"(?:(?<![\d.])(?P<sign>[-−])\s*)?(?<![\d.])"  # a number starts where no digit is
    r"(?P<n>\d+(?:\.\d+)?|半|一|两|兩|三|四)\s*(?P<u>个?半?小时|個?半?小時|hours?|hrs?|h|分钟|分鐘|minutes?|mins|min)",
    re.I,
)


def cn_number(text: str) -> int | None:
    """Chinese/Arabic numerals to int (``"二十三"`` → 23, ``"二〇二六"`` → 2026), else ``None``."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_NUM for ch in text):
        return None
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    tens, _, ones = text.partition("十")
    t = _CN_DIGITS.get(tens, 1) if tens else 1
    o = _CN_DIGITS.get(ones, 0) if ones else 0
    return t * 10 + o


def plausible_instant(when: dt.datetime | dt.date) -> bool:
    """True when ``when`` (a date, or a datetime in its own zone) falls in :data:`YEARS`."""
    return when.year in YEARS


def _month_day(ref: dt.date, month: int, day: int, year: int | None) -> dt.date | None:
    try:
        if year is not None:
            full = year if year > 99 else 2000 + year
            return dt.date(full, month, day) if full in YEARS else None
        cand = dt.date(ref.year, month, day)
        if cand < ref:
            cand = dt.date(ref.year + 1, month, day)
        return cand if cand.year in YEARS else None
    except (ValueError, OverflowError):
        return None


def _weekday(ref: dt.date, wd: int, prefix: str) -> dt.date:
    prefix = prefix.lower()
    monday = ref - dt.timedelta(days=ref.weekday())
    if prefix in ("下", "下个", "下個", "next"):
        return monday + dt.timedelta(days=7 + wd)
    if prefix == "下下":
        return monday + dt.timedelta(days=14 + wd)
    if prefix in ("本", "这", "這", "这个", "這個", "this"):
        return monday + dt.timedelta(days=wd)
    return ref + dt.timedelta(days=(wd - ref.weekday()) % 7)


def _add_workdays(start: dt.date, n: int) -> dt.date:
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _resolve(m: re.Match[str], ref: dt.date) -> dt.date | None:
    year = _written_year(m)
    if year is not None and year not in YEARS:
        return None  # "0001-01-01", "99999年12月8日": see out_of_range_dates
    try:
        when = _resolve_unchecked(m, ref)
    except (OverflowError, ValueError):  # arithmetic beyond date.max/date.min
        return None
    return when if when is None or when.year in YEARS else None


def _written_year(m: re.Match[str]) -> int | None:
    """The year a date match names explicitly (two-digit years as 20xx), else ``None``."""
    g = m.group
    for name in ("iy", "zy", "uy", "ey", "fy"):
        text = g(name)
        if text:
            year = cn_number(text)
            if year is None:
                return None
            return year if year > 99 or len(text) > 2 else 2000 + year
    return None


def _resolve_unchecked(m: re.Match[str], ref: dt.date) -> dt.date | None:
    g = m.group
    if g("iso"):
        return _month_day(ref, int(g("im")), int(g("id")), int(g("iy")))
    if g("zh"):
        month, day = cn_number(g("zm")), cn_number(g("zd"))
        year = cn_number(g("zy")) if g("zy") else None
        return _month_day(ref, month, day, year) if month and day else None
    if g("us"):
        a, b = int(g("ua")), int(g("ub"))
        month, day = (b, a) if a > 12 else (a, b)
        return _month_day(ref, month, day, int(g("uy")) if g("uy") else None)
    if g("en") or g("en2"):
        text = (g("en") or g("en2")).lower()
        mon = _MONTHS.get(re.sub(r"[^a-z]", "", text)[:3])
        day = int(g("ed") or g("fd"))
        year_text = g("ey") or g("fy")
        year_num = int(year_text) if year_text else None
        return _month_day(ref, mon, day, year_num) if mon else None
    if g("rel"):
        word = g("rel").lower()
        offset = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1}.get(word)
        if offset is None:
            offset = 3 if word == "大后天" else 2
        return ref + dt.timedelta(days=offset)
    if g("wk"):
        if g("wz"):
            return _weekday(ref, _WEEKDAYS_ZH[g("wz")], g("wp") or "")
        return _weekday(ref, _WEEKDAYS_EN[g("we").lower()[:3]], g("wpe") or "")
    if g("after"):
        n = cn_number(g("an"))
        unit = g("au")
        if n is None:
            return None
        if "工作日" in unit:
            return _add_workdays(ref, n)
        if "月" in unit:
            return ref + dt.timedelta(days=30 * n)
        days = 1 if unit in ("天", "日") else 7
        return ref + dt.timedelta(days=n * days)
    if g("inn"):
        word = g("inn_n").lower()
        n = {"a": 1, "one": 1, "two": 2, "three": 3}.get(word) or int(word)
        unit = g("inn_u").lower()
        return ref + dt.timedelta(days=n * {"day": 1, "week": 7, "month": 30}[unit])
    return None


def iter_dates(text: str, ref: dt.date) -> Iterator[tuple[int, int, dt.date]]:
    """Yield ``(start, end, date)`` for every date written in ``text``, in order.

    Args:
        text: any text.
        ref: the local date the message was sent (relative dates count from it).
    """
    for m in _DATE.finditer(text):
        if m.group("we") and not m.group("wpe") and len(m.group("we")) <= 4:
            continue  # a bare English weekday word ("Mon") is too weak on its own
        if m.group("wk") and _NAMES_A_DATE.match(text, m.end()):
            continue  # "Monday, December 28", "周一（12月28日）": the date says which day
        when = _resolve(m, ref)
        if when is not None:
            yield m.start(), m.end(), when


def first_date(text: str, ref: dt.date, prefer_absolute: bool = False) -> dt.date | None:
    """The first date written in ``text`` (see :func:`iter_dates`), or ``None``.

    With ``prefer_absolute``, a calendar date (``12月22日``) wins over a relative one
    (``两周后``) written earlier in the same text.
    """
    fallback = None
    for start, end, when in iter_dates(text, ref):
        if not prefer_absolute or _ABSOLUTE.match(text[start:end]):
            return when
        fallback = fallback or when
    return fallback


def out_of_range_dates(text: str) -> list[str]:
    """The dates written in ``text`` whose year lies outside :data:`YEARS`, as written
    (``"99999年12月8日"``, ``"0001-01-01"``); they read as no date at all."""
    found: list[str] = []
    for m in _DATE.finditer(text):
        year = _written_year(m)
        if year is not None and year not in YEARS:
            found.append(m.group(0).strip())
    return found


def date_problems(text: str) -> list[str]:
    """Why the dates and lengths written in ``text`` were not taken, one sentence each.

    Args:
        text: a field value or a line (a meeting time, a due date, a duration).

    Returns:
        For each date naming a year outside :data:`YEARS`: "the date 99999年12月8日 is not a
        usable date (years 1970-2199): please write the real date"; for a length that is not
        a meeting length: "the duration 99999999小时 is not a meeting length (at most 24
        hours)". Empty when everything written is usable. Never raises.
    """
    problems: list[str] = [
        problem("date_out_of_range", written=written, first=YEARS.start, last=YEARS.stop - 1)
        for written in out_of_range_dates(text)
    ]
    _minutes, why = _read_duration(text)
    if why:
        problems.append(why)
    return problems


def parse_date_value(text: str, ref: dt.date) -> dt.date | None:
    """A date from one short field value (a table cell, ``Due: …``), with a ``dateparser``
    fallback for forms the regular expressions miss. Returns ``None`` when there is no date.
    """
    found = first_date(text, ref)
    if found is not None or not text.strip() or len(text) > 40:
        return found
    try:
        import dateparser  # lazy: slow to import

        parsed = dateparser.parse(
            text,
            languages=["zh", "en"],
            settings={
                "RELATIVE_BASE": dt.datetime.combine(ref, dt.time()),
                "PREFER_DATES_FROM": "future",
            },
        )
    except Exception:
        log.debug("dateparser failed on %r", text, exc_info=True)
        return None
    if not parsed or parsed.year not in YEARS:
        return None
    return parsed.date()


def _hour(m: re.Match[str], p: str, inherit: str | None) -> tuple[int, int, str | None] | None:
    g = m.group
    if g(p + "h") is not None:
        hour, minute = int(g(p + "h")), int(g(p + "m"))
    elif g(p + "zh") is not None:
        hour = cn_number(g(p + "zh")) or 0
        minute = 30 if g(p + "half") else (cn_number(g(p + "zm") or "0") or 0)
    elif g(p + "eh") is not None:
        hour, minute = int(g(p + "eh")), 0
    else:
        return None
    period = g(p + "per") or (g(p + "ap") or "").lower().replace(".", "") or inherit
    if period in ("下午", "晚上", "傍晚", "pm") and hour < 12 or period == "中午" and hour < 6:
        hour += 12
    elif period in ("am", "凌晨", "上午", "早上") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return hour, minute, period


def parse_when(text: str, ref: dt.datetime) -> tuple[dt.datetime | None, int | None]:
    """Start instant and duration (minutes) from text like ``2026年12月8日 14:00-16:00``.

    Args:
        text: the field value or sentence.
        ref: the message's aware ``Date``; its offset is the time zone of the result.

    Returns:
        ``(start, duration_minutes)``; ``start`` is ``None`` without a date, duration is
        ``None`` without an end time or written length.
    """
    local = ref.date()
    day = None
    tail = text
    for _s, stop, when in iter_dates(text, local):
        day, tail = when, text[stop:]
        break
    if day is None:
        return None, None
    start_t = end_t = None
    for m in [*_RANGE.finditer(tail), *_RANGE.finditer(text)]:
        a = _hour(m, "a", None)
        if a is None:
            continue
        b = _hour(m, "b", a[2])
        if b is not None and a[2] is None and b[2] in ("pm",) and a[0] < 12 and a[0] + 12 <= b[0]:
            a = (a[0] + 12, a[1], b[2])
        start_t, end_t = (a[0], a[1]), (b[0], b[1]) if b else None
        break
    if start_t is None:
        return dt.datetime.combine(day, dt.time(), ref.tzinfo), _duration(tail)
    start = dt.datetime.combine(day, dt.time(*start_t), ref.tzinfo)
    if end_t is not None:
        end = dt.datetime.combine(day, dt.time(*end_t), ref.tzinfo)
        if end > start:
            return start, int((end - start).total_seconds() // 60)
    return start, _duration(tail)


def _read_duration(text: str) -> tuple[int | None, Problem | None]:
    """(minutes, why not): the first length written in ``text``; minutes ``None`` when there
    is none, or when it is no meeting length (then ``why`` says so)."""
    m = _DURATION.search(text)
    if not m:
        return None, None
    raw, unit = m.group("n"), m.group("u").lower()
    num = {"半": 0.5, "一": 1, "两": 2, "兩": 2, "三": 3, "四": 4}.get(raw) or float(raw)
    if "半" in unit and raw != "半":
        num += 0.5
    minutes = num if unit.startswith(("分", "min")) else num * 60
    if m.group("sign"):
        minutes = -minutes
    written = " ".join(m.group(0).split())
    if len(written) > 24:
        written = f"{written[:12]}…{written[-8:]}"
    if not math.isfinite(minutes) or minutes > MAX_MEETING_MINUTES:
        return None, problem("duration_too_long", written=written, hours=MAX_MEETING_MINUTES // 60)
    if minutes < 1:
        return None, problem("duration_too_short", written=written)
    return int(minutes), None


def _duration(text: str) -> int | None:
    return _read_duration(text)[0]


def parse_duration(text: str) -> int | None:
    """Minutes from ``2小时``/``90分钟``/``1.5 hours``/``一个半小时``.

    Returns ``None`` when no length is written, and when the length is not a meeting length
    (under 1 minute or over :data:`MAX_MEETING_MINUTES`; :func:`date_problems` says why).
    """
    return _duration(text)
