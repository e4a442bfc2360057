"""Jinja2 filters, tests and globals of the mail templates (see :mod:`daemon.outbound.render`).

Filters (dates are shown in the company time zone, the context variable ``tz``):

============  ===================================  ==========================================
filter        zh                                   en
============  ===================================  ==========================================
fmt_date      2026年9月29日（周二）                Tue 29 Sep 2026
fmt_dt        2026年9月29日（周二）18:00           Tue 29 Sep 2026 18:00
fmt_range     2026年10月9日（周五）14:00–16:00     Fri 9 Oct 2026 14:00–16:00
fmt_time      18:00                                18:00
iso           2026-09-29                           2026-09-29
============  ===================================  ==========================================

Plus ``who`` (address → display name from ``names``, the recipient's language; an optional
argument is the name written for it), ``dept`` (department → its name in that language),
``label`` (field/role/PARTSTAT name → words in the mail's language), ``problem`` (a problem
code → its sentence, see :func:`problem_sentence`), ``fmt_size`` (bytes → "1.2 MB"),
``clause`` (free text without its final punctuation, so that a template can add its own)
and ``text_to_html``; the test
``prefixed`` (``x.missing|select("prefixed", "participant:")``).

Globals: ``upcoming(key)`` is True while ``deadlines[key]`` exists and ``now`` is before it;
templates ask for something "by" a deadline only then (never by a time that has passed).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
import string
from collections.abc import Iterable, Mapping
from typing import Any, cast
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from daemon.domain.problems import code_of

log = logging.getLogger(__name__)

FALLBACK_LANG = "en"
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

_ZH_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Field, role, PARTSTAT, action and meeting status names and the fixed agenda boxes
#: (``agenda_<part>``) → words (key | zh | en), ``label`` filter.
_LABEL_TABLE = """
title            | 会议主题         | Title
core_problem     | 需解决的核心问题 | Core problem
expected_outcome | 期望成果         | Expected outcome
start            | 会议时间         | Time
end              | 结束时间         | End
location         | 地点/线上链接    | Place / online link
host             | 主持人           | Host
department       | 部门             | Department
recorder         | 记录人           | Recorder
participants     | 参会人员         | Participants
core             | 核心参会人       | Core participant
observer         | 列席人员         | Observer
proxy            | 代理人           | Proxy
topic            | 议题             | Topic
background       | 背景             | Background
pain_point       | 痛点             | Pain point
delegate         | 代理人           | Proxy
written_opinion  | 书面意见         | Written input
ACCEPTED         | 参加             | attending
DECLINED         | 不参加           | not attending
TENTATIVE        | 暂定             | tentative
DELEGATED        | 委托代理人参加   | sending a proxy
NEEDS-ACTION     | 尚未答复         | no answer yet
open             | 未开始           | open
in_progress      | 进行中           | in progress
delayed          | 已延期           | delayed
blocked          | 受阻             | blocked
done             | 已完成           | done
agenda_opening   | 开场与议程确认   | Opening and agenda
agenda_actions   | 形成共识与行动项 | Decisions and action items
agenda_wrapup    | 会议总结         | Wrap-up
requested        | 已收到申请       | requested
goal_rejected    | 待完善会议目标   | waiting for a measurable goal
incomplete       | 待补充信息       | waiting for missing details
awaiting_approval | 待主持人审批    | waiting for approval
rejected         | 未获批准         | not approved
scheduled        | 已安排           | scheduled
held             | 已召开           | held
minutes_received | 已收到会议纪要   | minutes received
closed           | 已结束           | closed
cancelled        | 已取消           | cancelled
"""
LABELS: dict[str, dict[str, str]] = {"zh": {}, "en": {}}
for _row in _LABEL_TABLE.strip().splitlines():
    _key, _zh, _en = (cell.strip() for cell in _row.split("|"))
    LABELS["zh"][_key], LABELS["en"][_key] = _zh, _en


# --------------------------------------------------------------------------- formatting


def _local(value: dt.date | dt.datetime, tz: dt.tzinfo | None) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(tz or DEFAULT_TZ)
    return value


def fmt_date(value: dt.date | dt.datetime, lang: str = "zh", tz: dt.tzinfo | None = None) -> str:
    """A calendar date with its weekday; an aware datetime is first moved into ``tz``.

    zh ``2026年9月29日（周二）``, en ``Tue 29 Sep 2026``.
    """
    d = _local(value, tz)
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日（{_ZH_WEEKDAYS[d.weekday()]}）"
    return f"{_EN_WEEKDAYS[d.weekday()]} {d.day} {_EN_MONTHS[d.month - 1]} {d.year}"


def fmt_time(value: dt.datetime | dt.time, tz: dt.tzinfo | None = None) -> str:
    """``HH:MM`` (24-hour) in ``tz``."""
    t = _local(value, tz) if isinstance(value, dt.datetime) else value
    return f"{t.hour:02d}:{t.minute:02d}"  # type: ignore[union-attr]


def fmt_dt(value: dt.datetime, lang: str = "zh", tz: dt.tzinfo | None = None) -> str:
    """Date, weekday and time in ``tz``.

    zh ``2026年9月29日（周二）18:00``, en ``Tue 29 Sep 2026 18:00``.
    """
    sep = "" if lang == "zh" else " "
    return f"{fmt_date(value, lang, tz)}{sep}{fmt_time(value, tz)}"


def fmt_range(
    start: dt.datetime, end: dt.datetime | None, lang: str = "zh", tz: dt.tzinfo | None = None
) -> str:
    """A time span: ``2026年10月9日（周五）14:00–16:00`` (end date shown when it differs)."""
    if end is None:
        return fmt_dt(start, lang, tz)
    zone = tz or DEFAULT_TZ
    same_day = start.astimezone(zone).date() == end.astimezone(zone).date()
    tail = fmt_time(end, tz) if same_day else fmt_dt(end, lang, tz)
    return f"{fmt_dt(start, lang, tz)}–{tail}"


def iso(value: dt.date | dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """ISO 8601 calendar date ``2026-09-29`` (an aware datetime is moved into ``tz`` first)."""
    d = _local(value, tz)
    if isinstance(d, dt.datetime):
        d = d.date()
    return d.isoformat()


def fmt_size(size: int) -> str:
    """Bytes as ``"830 B"``, ``"12.5 KB"``, ``"1.2 MB"`` (base 1024)."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024 or unit == "MB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} MB"  # pragma: no cover


def label(name: str, lang: str = "zh") -> str:
    """Human words for a field, role or PARTSTAT name; unknown names come back unchanged."""
    return LABELS.get(lang, LABELS[FALLBACK_LANG]).get(name, name)


#: What :func:`clause` strips from the end of free text (ASCII and full-width forms).
_END_PUNCT = "。.！!；;，,、 \t\r\n\u3000"


def clause(text: object) -> str:
    """Free text (a reason, note or comment someone wrote) as a clause: surrounding white
    space and final sentence punctuation (。.！!；;，,) removed, so that the template can add
    its own without doubling it. ``"项目调整，取消会议。。"`` → ``"项目调整，取消会议"``;
    None → ``""``."""
    if text is None:
        return ""
    return str(text).strip().rstrip(_END_PUNCT)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def problem_sentence(
    value: str, lang: str, table: Mapping[str, str], tz: dt.tzinfo | None = None
) -> str:
    """A problem (:class:`~daemon.domain.problems.Problem`, a reason code, or plain text) as
    a clause in ``lang``, from ``table`` (the ``[problems]`` table of
    ``mail_templates/<lang>/messages.toml``).

    Parameters are shown as given, except: a nested problem (or any ``{name:problem}``) as
    its own sentence, an aware datetime as :func:`fmt_dt` in ``tz``, and ``{name:label}``
    through :func:`label`. Plain
    text that is no code is shown only when it is written in ``lang`` (CJK for zh, none for
    en); otherwise, like a code without a sentence, it becomes ``table["other"]`` and a
    warning is logged. Final punctuation is stripped (:func:`clause`).
    """
    found = code_of(value)
    if found is None:
        if bool(_CJK.search(value)) == (lang == "zh"):
            return clause(value)
        log.warning("problem text %r is not in %s; the mail says %r instead", value, lang, "other")
        return clause(table.get("other", ""))
    code, params = found
    sentence = table.get(code)
    if sentence is None:
        log.warning("no %s sentence for problem code %r", lang, code)
        return clause(table.get("other", ""))
    return clause(_ProblemFormatter(lang, table, tz).format(sentence, **params))


class _ProblemFormatter(string.Formatter):
    """``str.format`` for the sentences of :func:`problem_sentence`."""

    def __init__(self, lang: str, table: Mapping[str, str], tz: dt.tzinfo | None) -> None:
        self.lang, self.table, self.tz = lang, table, tz

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, str) and (format_spec == "problem" or code_of(value) is not None):
            return problem_sentence(value, self.lang, self.table, self.tz)
        if isinstance(value, dt.datetime):
            return fmt_dt(value, self.lang, self.tz)
        if format_spec == "label":
            return label(str(value), self.lang)
        return str(format(value, format_spec))


_URL = re.compile(r"(https?://[^\s<>\"'，。；）)]+)")
_BULLET = re.compile(r"^\s*(?:[-•·*]|\d+[.、)])\s+")


def text_to_html(text: str) -> Markup:
    """Plain text → safe HTML: blank-line separated paragraphs, bullet lists, links.

    Within a paragraph, a run of lines starting with a bullet (``-``, ``•``, ``·``, ``*``)
    becomes ``<ul>``, a run starting with a number (``1.``, ``1、``) ``<ol>``; other lines are
    joined with ``<br>``. Everything is escaped; ``http(s)://`` URLs become links.
    """
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        for is_item, run in itertools.groupby(lines, key=lambda ln: bool(_BULLET.match(ln))):
            run_lines = list(run)
            if is_item:
                tag = "ol" if re.match(r"^\s*\d", run_lines[0]) else "ul"
                items = "".join(f"<li>{_inline(_BULLET.sub('', ln))}</li>" for ln in run_lines)
                out.append(f"<{tag}>{items}</{tag}>")
            else:
                out.append("<p>" + "<br>\n".join(_inline(ln) for ln in run_lines) + "</p>")
    return Markup("\n".join(out))


def _inline(line: str) -> str:
    escaped = str(escape(line))
    return _URL.sub(r'<a href="\1">\1</a>', escaped)


# --------------------------------------------------------------------------- environment


@jinja2.pass_context
def _f_date(ctx: jinja2.runtime.Context, value: Any, lang: str | None = None) -> str:
    return fmt_date(value, lang or ctx.get("lang", "zh"), ctx.get("tz"))


@jinja2.pass_context
def _f_dt(ctx: jinja2.runtime.Context, value: Any, lang: str | None = None) -> str:
    return fmt_dt(value, lang or ctx.get("lang", "zh"), ctx.get("tz"))


@jinja2.pass_context
def _f_range(ctx: jinja2.runtime.Context, start: Any, end: Any, lang: str | None = None) -> str:
    return fmt_range(start, end, lang or ctx.get("lang", "zh"), ctx.get("tz"))


@jinja2.pass_context
def _f_time(ctx: jinja2.runtime.Context, value: Any) -> str:
    return fmt_time(value, ctx.get("tz"))


@jinja2.pass_context
def _f_iso(ctx: jinja2.runtime.Context, value: Any) -> str:
    return iso(value, ctx.get("tz"))


@jinja2.pass_context
def _f_label(ctx: jinja2.runtime.Context, value: str, lang: str | None = None) -> str:
    return label(value, lang or ctx.get("lang", "zh"))


@jinja2.pass_context
def _f_who(ctx: jinja2.runtime.Context, address: str | None, written: str | None = None) -> str:
    """Display name for an address in the mail's language: ``names[address]``, else the
    name ``written`` for it (``x.owner|who(x.owner_name)``), else the address itself."""
    names: Mapping[str, str] = ctx.get("names") or {}
    if not address:
        return written or ""
    return names.get(address, names.get(address.lower(), written or address))


@jinja2.pass_context
def _f_dept(ctx: jinja2.runtime.Context, name: str | None) -> str:
    """A department's name in the mail's language (context ``departments``; a name not
    configured is shown as written)."""
    if not name:
        return ""
    departments: Mapping[str, str] = ctx.get("departments") or {}
    return departments.get(name, name)


@jinja2.pass_context
def _f_problem(ctx: jinja2.runtime.Context, value: str) -> str:
    """Filter ``problem``: :func:`problem_sentence` in the mail's language, from the tables
    the renderer loaded (environment global ``messages``: lang → table name → code →
    sentence)."""
    lang = ctx.get("lang", "zh")
    tables = cast(
        Mapping[str, Mapping[str, Mapping[str, str]]], ctx.environment.globals["messages"]
    )
    table = tables.get(lang, {}).get("problems", {})
    return problem_sentence(value, lang, table, ctx.get("tz"))


def _t_prefixed(value: object, prefix: str) -> bool:
    """Test ``prefixed``: a string that starts with ``prefix`` (``x.missing|select("prefixed",
    "participant:")``)."""
    return isinstance(value, str) and value.startswith(prefix)


@jinja2.pass_context
def _g_upcoming(ctx: jinja2.runtime.Context, key: str) -> bool:
    """True if ``deadlines[key]`` is set and ``now`` is still before it."""
    due = (ctx.get("deadlines") or {}).get(key)
    now = ctx.get("now")
    if due is None:
        return False
    if now is None:
        return True
    return bool(now < due)


def _f_who_list(ctx: jinja2.runtime.Context, addresses: Iterable[str]) -> list[str]:
    return [_f_who(ctx, a) for a in addresses]


def install(env: jinja2.Environment) -> None:
    """Add every filter, test and global of this module to ``env``."""
    env.filters.update(
        fmt_date=_f_date,
        fmt_dt=_f_dt,
        fmt_range=_f_range,
        fmt_time=_f_time,
        iso=_f_iso,
        label=_f_label,
        who=_f_who,
        who_list=jinja2.pass_context(_f_who_list),
        dept=_f_dept,
        fmt_size=fmt_size,
        clause=clause,
        problem=_f_problem,
        text_to_html=text_to_html,
    )
    env.tests["prefixed"] = _t_prefixed
    env.globals["upcoming"] = _g_upcoming
    env.globals.setdefault("messages", {})
