"""Render a mail's subject, plain text and HTML from Jinja2 templates.

Templates live in ``mail_templates/<lang>/`` (``zh`` and ``en``; ``en`` is the fallback):

* ``<kind>.txt.j2`` — the plain-text body; it ``{% extends "_layout.txt.j2" %}`` and defines
  ``{% block subject %}`` (the subject without the ``[MTG-n]`` tag, which
  :mod:`daemon.outbound.compose` adds) and ``{% block body %}``.
* ``<kind>.html.j2`` — the HTML mail (autoescaped); it extends ``<lang>/_layout.html.j2``
  (heading, greeting, footer) and fills ``{% block body %}``. A kind whose HTML body is just
  its text body laid out as paragraphs and lists extends ``<lang>/_text.html.j2``, which
  converts the text's rendered ``body`` block (context variable ``body_text``) with the
  ``text_to_html`` filter. When ``<kind>.html.j2`` is missing, ``_text.html.j2`` is used.
  HTML templates also see ``subject`` and ``text_body`` (the whole plain-text mail).

The environment uses ``StrictUndefined`` (a misspelt variable is an error, not an empty
string) and autoescapes only templates whose name ends in ``.html.j2``.

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

Plus ``who`` (address → display name from ``names``), ``label`` (field/role/PARTSTAT name →
words in the mail's language), ``fmt_size`` (bytes → "1.2 MB"), ``clause`` (free text without
its final punctuation, so that a template can add its own) and ``text_to_html``; the test
``prefixed`` (``x.missing|select("prefixed", "participant:")``).

Globals: ``upcoming(key)`` is True while ``deadlines[key]`` exists and ``now`` is before it;
templates ask for something "by" a deadline only then (never by a time that has passed).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

log = logging.getLogger(__name__)

FALLBACK_LANG = "en"
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
#: Environment variable naming a template directory that replaces the built-in one.
TEMPLATE_DIR_ENV = "MEETINGD_TEMPLATE_DIR"

_ZH_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Field, role, PARTSTAT and action-status names → words (key | zh | en), ``label`` filter.
_LABEL_TABLE = """
title            | 会议主题         | Title
core_problem     | 需解决的核心问题 | Core problem
expected_outcome | 期望成果         | Expected outcome
start            | 会议时间         | Time
end              | 结束时间         | End
location         | 地点/线上链接    | Place / online link
host             | 主持人           | Host
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
"""
LABELS: dict[str, dict[str, str]] = {"zh": {}, "en": {}}
for _row in _LABEL_TABLE.strip().splitlines():
    _key, _zh, _en = (cell.strip() for cell in _row.split("|"))
    LABELS["zh"][_key], LABELS["en"][_key] = _zh, _en


@dataclass(frozen=True)
class Rendered:
    """A rendered mail: ``subject`` (one line, no tag), ``text`` and ``html`` (``str``)."""

    subject: str
    text: str
    html: str


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
def _f_who(ctx: jinja2.runtime.Context, address: str | None) -> str:
    """Display name for an address: ``names[address]``, else the address itself."""
    if not address:
        return ""
    names: Mapping[str, str] = ctx.get("names") or {}
    return names.get(address, names.get(address.lower(), address))


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


def candidate_dirs(override: str | os.PathLike[str] | None = None) -> list[Path]:
    """Where templates are looked for, in order: ``override``, ``$MEETINGD_TEMPLATE_DIR``,
    ``<repo>/mail_templates`` (a source checkout), ``daemon/mail_templates`` (package data)
    and ``<sys.prefix>/share/meetingd/mail_templates`` (data files of an installed wheel)."""
    import sys

    dirs: list[Path] = []
    if override is not None:
        dirs.append(Path(override))
    if os.environ.get(TEMPLATE_DIR_ENV):
        dirs.append(Path(os.environ[TEMPLATE_DIR_ENV]))
    here = Path(__file__).resolve()
    dirs += [
        here.parents[2] / "mail_templates",
        here.parents[1] / "mail_templates",
        Path(sys.prefix) / "share" / "meetingd" / "mail_templates",
    ]
    return dirs


def find_template_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The first existing directory of :func:`candidate_dirs`.

    Raises:
        FileNotFoundError: none exists (``override`` given but missing counts as an error).
    """
    if override is not None and not Path(override).is_dir():
        raise FileNotFoundError(f"mail template directory {override} does not exist")
    for d in candidate_dirs(override):
        if d.is_dir():
            return d
    raise FileNotFoundError(
        "mail_templates/ not found; set " + TEMPLATE_DIR_ENV + " or pass template_dir"
    )


def make_environment(template_dir: Path) -> jinja2.Environment:
    """The Jinja2 environment over ``template_dir`` with the filters of this module."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        fmt_date=_f_date,
        fmt_dt=_f_dt,
        fmt_range=_f_range,
        fmt_time=_f_time,
        iso=_f_iso,
        label=_f_label,
        who=_f_who,
        who_list=jinja2.pass_context(_f_who_list),
        fmt_size=fmt_size,
        clause=clause,
        text_to_html=text_to_html,
    )
    env.tests["prefixed"] = _t_prefixed
    env.globals["upcoming"] = _g_upcoming
    return env


class Renderer:
    """Renders mails of every kind from one template directory.

    Args:
        template_dir: a directory holding ``zh/`` and ``en/``; None looks it up with
            :func:`find_template_dir`.
        tz: the company time zone used when the context has no ``tz``.
    """

    def __init__(
        self, template_dir: str | os.PathLike[str] | None = None, tz: dt.tzinfo = DEFAULT_TZ
    ) -> None:
        self.template_dir = find_template_dir(template_dir)
        self.tz = tz
        self.env = make_environment(self.template_dir)
        log.debug("mail templates from %s", self.template_dir)

    def languages(self) -> list[str]:
        """Languages with a template folder (sorted)."""
        return sorted(p.name for p in self.template_dir.iterdir() if p.is_dir())

    def has(self, kind: str, lang: str) -> bool:
        """True if ``<lang>/<kind>.txt.j2`` exists."""
        return (self.template_dir / lang / f"{kind}.txt.j2").is_file()

    def render(self, kind: str, lang: str, context: Mapping[str, Any]) -> Rendered:
        """Render ``kind`` in ``lang`` (falling back to English when the kind has no template
        in ``lang``).

        Raises:
            jinja2.TemplateNotFound: the kind has no template in ``lang`` nor in English.
            jinja2.UndefinedError: the template used a variable the context lacks.
        """
        if not self.has(kind, lang):
            if lang != FALLBACK_LANG:
                log.warning("no %s template for %r; using %s", lang, kind, FALLBACK_LANG)
            lang = FALLBACK_LANG
        ctx: dict[str, Any] = {"tz": self.tz, **context, "lang": lang, "kind": kind}
        txt = self.env.get_template(f"{lang}/{kind}.txt.j2")
        # Render the whole text first with one context: that runs the template's top-level
        # imports, which the subject and body blocks rendered on their own then see too.
        tctx = txt.new_context(ctx)
        text = _tidy("".join(txt.root_render_func(tctx)))
        # After rendering, tctx.blocks holds every block of the inheritance chain (most
        # derived first), so a kind that extends another kind inherits its subject.
        if "subject" not in tctx.blocks:
            raise jinja2.TemplateError(f"{lang}/{kind}.txt.j2 has no subject block")
        subject = " ".join("".join(tctx.blocks["subject"][0](tctx)).split())
        body_blocks = tctx.blocks.get("body")
        body = _tidy("".join(body_blocks[0](tctx))).strip() if body_blocks else text
        html_name = f"{lang}/{kind}.html.j2"
        if not (self.template_dir / html_name).is_file():
            html_name = f"{lang}/_text.html.j2"
        html = self.env.get_template(html_name).render(
            {**ctx, "subject": subject, "text_body": text, "body_text": body}
        )
        return Rendered(subject=subject, text=text, html=html.strip() + "\n")


def _tidy(text: str) -> str:
    """Strip trailing spaces and collapse runs of blank lines left by template logic."""
    lines = [ln.rstrip() for ln in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


_default: Renderer | None = None


def default_renderer() -> Renderer:
    """A process-wide :class:`Renderer` over the built-in templates (created on first use)."""
    global _default
    if _default is None:
        _default = Renderer()
    return _default


def render(kind: str, lang: str, context: Mapping[str, Any]) -> Rendered:
    """Render with :func:`default_renderer`; see :meth:`Renderer.render`."""
    return default_renderer().render(kind, lang, context)
