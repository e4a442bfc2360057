"""The shape of the text before its words: table rows, list items, rules.

The form parsers read structure first and phrases second. This module says what a line is:

* a table row: cells joined by `` | `` (an HTML table, :mod:`daemon.inbound.htmltext`),
  a Markdown or plain-text grid (``| a | b |``, ``a │ b``), tab-separated cells, or cells
  aligned with runs of two or more spaces (only where a header row was recognised);
* a grid rule (``+----+----+``, ``|---|---|``, ``────``), which carries nothing;
* a list item: a dash or bullet, ``1.``/``1、``/``(1)``/``①``, or ``一、``.
"""

from __future__ import annotations

import re

from daemon.inbound.parse.labels import BULLET

_PIPE_CELLS = re.compile(r"\s*[|│｜]\s*")
_SPACE_CELLS = re.compile(r"\s{2,}|\t+")
_RULE = re.compile(r"^\s*[|+│┃├┼┤└┴┘┌┬┐]?[\s\-=_+:|│─━┼├┤┬┴┌┐└┘]{3,}$")
_LIST_ITEM = re.compile(rf"^\s*(?:{BULLET})\s*")


def pipe_cells(line: str) -> list[str] | None:
    """The cells of a ``a | b | c`` row (outer bars dropped), or ``None`` for a line that has
    no cell separator."""
    if "|" not in line and "│" not in line and "｜" not in line:
        return None
    text = line.strip()
    if text.startswith(("|", "│", "｜")):
        text = text[1:]
    if text.endswith(("|", "│", "｜")):
        text = text[:-1]
    cells = [c.strip() for c in _PIPE_CELLS.split(text)]
    return cells if len(cells) >= 2 else None


def spaced_cells(line: str) -> list[str] | None:
    """The cells of a row aligned with tabs or two or more spaces, or ``None``."""
    cells = [c.strip() for c in _SPACE_CELLS.split(line.strip()) if c.strip()]
    return cells if len(cells) >= 2 else None


def row_cells(line: str, spaced: bool = False) -> list[str] | None:
    """The cells of a table row (pipes; with ``spaced``, also tab/space-aligned)."""
    return pipe_cells(line) or (spaced_cells(line) if spaced or "\t" in line else None)


def is_rule(line: str) -> bool:
    """A grid rule line (``+---+``, ``|---|:--|``, ``─────``) that carries no text."""
    if line[:1].isalnum():
        return False
    return bool(_RULE.match(line)) and not any(ch.isalnum() for ch in line)


def list_item(line: str) -> str | None:
    """The text of a list item (bullet or number removed), or ``None`` for other lines."""
    m = _LIST_ITEM.match(line)
    return line[m.end() :].strip() if m else None
