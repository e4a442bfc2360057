"""HTML mail bodies to plain text that the line-based parsers can read.

Rules: block elements (``p``, ``div``, ``br``, headings, ``li``) end lines, so Foxmail's
``<div>`` per line and Outlook's ``<p class=MsoNormal>`` become lines; a table row becomes one
line whose cells are joined by `` | `` (empty cells kept, so columns stay aligned row by row);
list items get a ``- `` prefix; a ``mailto:`` link whose text is a name keeps its address
(``王芳 <wangfang@example.org>``); ``blockquote`` content (Gmail, Apple Mail, Yahoo quotes) gets a
``> `` prefix so quote stripping removes it; ``style``, ``script``, ``head`` and Office XML are
dropped. Entities are decoded and non-breaking spaces become spaces.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

log = logging.getLogger(__name__)

CELL_SEP = " | "

_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "section",
        "article",
        "header",
        "footer",
        "pre",
        "hr",
        "address",
        "center",
        "form",
        "dl",
        "dt",
        "dd",
    ]
)
_SKIP = frozenset({"style", "script", "head", "title", "xml", "o:p"})
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u200b\ufeff]+")
_BLANKS = re.compile(r"\n{3,}")


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.skip = 0
        self.quote = 0
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.mailto: list[tuple[str, int]] = []  # open links: (mailto address or "", len(cur))

    # -- line handling
    def _flush(self) -> None:
        text = _SPACES.sub(" ", "".join(self.cur)).strip()
        self.cur = []
        if self.cell is not None:
            if text:
                self.cell.append(text)
            return
        if text or (self.lines and self.lines[-1] != ""):
            prefix = "> " * self.quote
            self.lines.append(prefix + text if text else prefix.rstrip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if tag == "tr":
            self._flush()
            self.row = []
        elif tag in ("td", "th"):
            if self.row is None:
                self.row = []
            self._flush()
            self.cell = []
        elif tag == "li":
            self._flush()
            self.cur.append("- ")
        elif tag == "blockquote":
            self._flush()
            self.quote += 1
        elif tag in _BLOCK:
            self._flush()
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.cur.append(f"[{alt}]")
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            mailto = href.lower().startswith("mailto:")
            addr = href[7:].split("?", 1)[0].strip() if mailto else ""
            self.mailto.append((addr, len(self.cur)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag in ("td", "th"):
            self._flush()
            if self.row is not None and self.cell is not None:
                self.row.append(" ".join(self.cell))
            self.cell = None
        elif tag == "tr":
            self._end_row()
        elif tag == "table":
            self._end_row()
            self._flush()
        elif tag == "blockquote":
            self._flush()
            self.quote = max(0, self.quote - 1)
        elif tag == "a" and self.mailto:
            addr, start = self.mailto.pop()
            shown = "".join(self.cur[start:])
            if addr and "@" in addr and addr.lower() not in shown.lower():
                self.cur.append(f" <{addr}>")  # a name linked to its address keeps both
        elif tag in _BLOCK or tag == "li":
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and self.cell is not None:
            self.cur.append(" ")
            return
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def _end_row(self) -> None:
        if self.cell is not None:
            self.handle_endtag("td")
        if self.row is not None:
            cells = list(self.row)
            self.row = None
            if any(c.strip() for c in cells):
                prefix = "> " * self.quote
                self.lines.append(prefix + CELL_SEP.join(cells).rstrip())

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.cur.append(data.replace("\r", " ").replace("\n", " "))


def html_to_text(html: str) -> str:
    """Convert an HTML body to plain text (see the module docstring for the rules).

    Args:
        html: the decoded HTML document or fragment.

    Returns:
        Text with ``\\n`` line ends. Never raises; malformed HTML is read as far as possible.
    """
    conv = _Converter()
    try:
        conv.feed(html)
        conv.close()
    except Exception:  # html.parser is lenient, but be safe on pathological input
        log.debug("html parse stopped early", exc_info=True)
    conv._end_row()
    conv._flush()
    text = "\n".join(conv.lines).strip("\n")
    return _BLANKS.sub("\n\n", text)
