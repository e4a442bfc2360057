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

The filters, tests and globals the templates use are in :mod:`daemon.outbound.filters`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from daemon.errors import UserError
from daemon.outbound import filters
from daemon.outbound.filters import DEFAULT_TZ, FALLBACK_LANG

log = logging.getLogger(__name__)

#: Environment variable naming a template directory that replaces the built-in one.
TEMPLATE_DIR_ENV = "MEETINGD_TEMPLATE_DIR"


@dataclass(frozen=True)
class Rendered:
    """A rendered mail: ``subject`` (one line, no tag), ``text`` and ``html`` (``str``)."""

    subject: str
    text: str
    html: str


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
    """The Jinja2 environment over ``template_dir`` with the filters of
    :mod:`daemon.outbound.filters`."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    filters.install(env)
    env.globals["messages"] = load_messages(template_dir)
    return env


def load_messages(template_dir: Path) -> dict[str, dict[str, dict[str, str]]]:
    """The sentence tables of every language: ``<template_dir>/<lang>/messages.toml`` read
    as lang → table (``problems``) → code → sentence; a language without the file has none.

    Raises:
        UserError: a ``messages.toml`` is not valid TOML or holds something else than tables
            of strings (names the file and the fix).
    """
    out: dict[str, dict[str, dict[str, str]]] = {}
    for path in sorted(template_dir.glob("*/messages.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UserError(f"{path}: cannot be read ({exc}). Fix the file.") from None
        for name, table in data.items():
            if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
                raise UserError(
                    f'{path}: [{name}] must be a table of sentences (code = "text"). Fix it.'
                )
        out[path.parent.name] = data
    return out


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

    def missing(self, kinds: Iterable[str]) -> list[str]:
        """``lang/kind`` for each of ``kinds`` without its zh or en text template."""
        return [f"{lang}/{k}" for k in kinds for lang in ("zh", "en") if not self.has(k, lang)]

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


def check_templates(kinds: Iterable[str]) -> None:
    """Fail at start, not on the first mail, when templates are missing.

    Raises:
        UserError: no template folder, or one of ``kinds`` without its zh/en text template.
    """
    try:
        renderer = default_renderer()
    except FileNotFoundError as exc:
        raise UserError(f"{exc}. Fix: reinstall meetingd or set {TEMPLATE_DIR_ENV}.") from None
    missing = renderer.missing(kinds)
    if missing:
        raise UserError(
            f"{renderer.template_dir}: no template for {', '.join(missing)}. "
            f"Fix: reinstall meetingd or set {TEMPLATE_DIR_ENV} to a complete copy."
        )
