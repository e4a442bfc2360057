"""Phrases are data: per-concept, per-language tables, and the matchers derived from them.

Each concept module (:mod:`.rsvp`, :mod:`.status`, :mod:`.agenda`, :mod:`.letter`,
:mod:`.headings`, :mod:`.fields`, :mod:`.minutes`) holds plain tables, ``{language: (phrase,
...)}``. A phrase is a small regular-expression fragment (most are plain words). This module
turns a table into a :class:`Phrases` matcher: one compiled alternation of every phrase of
every language, and the cheap pre-check keywords, derived from the same fragments by
:func:`required_literals` (the literal text any match of a fragment must contain). Adding a
synonym or a language is a change to a table only; no keyword list is kept by hand.

Public helpers other layers call (the dialogue's answer reader among them):

* :func:`phrases` builds a :class:`Phrases` from a table;
* :func:`keep_or_move` (``"keep"`` / ``"move"`` / ``None``) reads a bare keep/move answer;
* :func:`daemon.inbound.parse.rsvp_text.read_proxy` reads a proxy (name, address).
"""

from __future__ import annotations

import re
import re._constants as _sc  # the parser of the standard library's own re (3.11+)
import re._parser as _sp
from collections.abc import Iterable, Mapping
from typing import Any

from daemon.inbound.parse.labels import KeySet, fold

Table = Mapping[str, tuple[str, ...]]


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The stronger of two keyword sets: the one whose shortest keyword is longer, then the
    one with fewer keywords."""
    if a is None:
        return b
    if b is None:
        return a
    ka = (min(len(k) for k in a), -len(a))
    kb = (min(len(k) for k in b), -len(b))
    return a if ka >= kb else b


def _pure(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
    """Every text the parsed sequence ``items`` matches, when it is made of literals and
    alternations of literals only (``(?:attend|join)``); else ``None``."""
    out = {""}
    for op, av in items:
        if op is _sc.LITERAL:
            alts: set[str] | None = {chr(av)}
        elif op is _sc.SUBPATTERN and not av[1] and not av[2]:
            alts = _pure(av[3])
        elif op is _sc.BRANCH:
            alts = set()
            for alt in av[1]:
                words = _pure(alt)
                if words is None:
                    return None
                alts |= words
        elif op is _sc.IN and 0 < len(av) <= 4 and all(o is _sc.LITERAL for o, _ in av):
            alts = {chr(v) for _, v in av}
        else:
            return None
        if alts is None or len(out) * len(alts) > 16:
            return None
        out = {a + b for a in out for b in alts}
    return out


def _needs(items: Iterable[tuple[Any, Any]], fold_case: bool) -> frozenset[str] | None:
    """Keywords one of which every match of the parsed sequence ``items`` contains."""
    best: frozenset[str] | None = None
    run: set[str] = set()  # the literal text just before: each way it can be written

    def flush() -> None:
        nonlocal best
        if run and all(run):
            best = _better(best, frozenset(w.lower() if fold_case else w for w in run))
        run.clear()

    def extend(chars: list[str]) -> None:
        grown = {w + c for w in (run or {""}) for c in chars}
        run.clear()
        if len(grown) <= 16:
            run.update(grown)

    for op, av in items:
        if op is _sc.LITERAL:
            extend([chr(av)])
            continue
        words = _pure([(op, av)])
        if words is not None and len(words) <= 8:
            extend(sorted(words))  # (?:attend|join): the run goes on in each way
            continue
        if op is _sc.IN and 0 < len(av) <= 4 and all(o is _sc.LITERAL for o, _ in av):
            extend([chr(v) for _, v in av])  # [识識]: one of a few characters
            continue
        flush()
        if op is _sc.SUBPATTERN:
            best = _better(best, _needs(av[3], fold_case))
        elif op is _sc.BRANCH:
            alts = [_needs(alt, fold_case) for alt in av[1]]
            if alts and all(a is not None for a in alts):
                best = _better(best, frozenset().union(*(a for a in alts if a is not None)))
        elif op in (_sc.MAX_REPEAT, _sc.MIN_REPEAT, _sc.POSSESSIVE_REPEAT) and av[0] >= 1:
            best = _better(best, _needs(av[2], fold_case))
        elif op is _sc.ATOMIC_GROUP:
            best = _better(best, _needs(av, fold_case))
    flush()
    return best


def required_literals(fragment: str, ignore_case: bool = True) -> frozenset[str] | None:
    """The words one of which every match of the regular expression ``fragment`` contains,
    lower-cased when ``ignore_case``; ``None`` when no such literal exists (``\\d+%``).

    Follows the standard library's own parse of the pattern (``re._parser``), so what it
    says holds for ``re``: a text containing none of the words cannot match.
    """
    try:
        parsed = _sp.parse(fragment, re.I if ignore_case else 0)
    except re.error:
        return None
    return _needs(parsed.data, ignore_case)


class Phrases:
    """One concept's phrases in every language, matched as one pattern.

    Args:
        name: the concept (``"accept"``), for logs and errors.
        table: ``{language: (fragment, ...)}``.
        ignore_case: match case-insensitively (the keywords are then lower-case).
        wrap: a format string around the alternation, ``{}`` standing for it (for example
            ``r"^\\s*(?:{})\\s*[,，。.!！]?\\s*$"`` for a whole line).

    Attributes:
        pattern: the compiled alternation (each language's fragments in table order, longer
            fragments first within a language is up to the table).
        keys: the pre-check keywords, or ``None`` when a fragment has no literal (then the
            pre-check always passes).
    """

    def __init__(self, name: str, table: Table, ignore_case: bool = True, wrap: str = "{}"):
        self.name = name
        self.table = table
        self.fragments = tuple(f for frags in table.values() for f in frags)
        self.ignore_case = ignore_case
        # A pattern anchored at the start of the text fails fast by itself: no pre-check.
        self.anchored = wrap.startswith("^")
        flags = re.I if ignore_case else 0
        self.pattern = re.compile(wrap.format("|".join(f"(?:{f})" for f in self.fragments)), flags)
        keys: set[str] = set()
        for frag in self.fragments:
            need = required_literals(frag, ignore_case)
            if need is None:
                self.keys: frozenset[str] | None = None
                break
            keys.update(need)
        else:
            self.keys = frozenset(keys)
        self._keys = KeySet(self.keys) if self.keys is not None else None

    def present(self, text: str, folded: str | None = None) -> bool:
        """The cheap pre-check: may ``text`` hold one of the phrases? (``folded`` is
        :func:`~daemon.inbound.parse.labels.fold` of it, when the caller has it.)"""
        if self._keys is None:
            return True
        hay = (folded if folded is not None else fold(text)) if self.ignore_case else text
        return self._keys.found(hay)

    def search(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        """The first phrase in ``text``, or ``None`` (the pre-check runs first, unless the
        pattern is anchored at the start)."""
        if not self.anchored and not self.present(text, folded):
            return None
        return self.pattern.search(text)

    def __repr__(self) -> str:
        return f"Phrases({self.name!r}, {len(self.fragments)} fragments)"


def phrases(name: str, table: Table, ignore_case: bool = True, wrap: str = "{}") -> Phrases:
    """A :class:`Phrases` matcher for ``table`` (see the class for the arguments)."""
    return Phrases(name, table, ignore_case, wrap)


def alternation(table: Table) -> str:
    """Every fragment of ``table``, each in a group, joined with ``|`` (to build a larger
    pattern around a concept's phrases)."""
    return "|".join(f"(?:{f})" for frags in table.values() for f in frags)


def label_alternation(fields: Mapping[str, Table], name: str) -> str:
    """The labels of field ``name`` in a field table (:mod:`.fields`), escaped, longest
    first, joined with ``|``."""
    words = sorted((w for ws in fields[name].values() for w in ws), key=len, reverse=True)
    return "|".join(re.escape(w) for w in words)


def keep_or_move(text: str) -> str | None:
    """A bare answer to "keep the topic on this meeting or move it to the next?":
    ``"keep"``, ``"move"`` or ``None`` (neither, or both, written).

    A phrase right after a negation counts for the other side: "不保留" is a move, "不用挪到
    下次" / "don't move it to the next meeting" a keep.

    Args:
        text: the sender's fresh text (quotes and signature stripped).
    """
    from daemon.inbound.phrases.agenda import KEEP_PHRASES, MOVE_PHRASES, NEGATION_PHRASES

    folded = fold(text)
    votes: set[str] = set()
    for side, other, pat in (("keep", "move", KEEP_PHRASES), ("move", "keep", MOVE_PHRASES)):
        if not pat.present(text, folded):
            continue
        for m in pat.pattern.finditer(text):
            before = re.split(r"[,，.。;；!！?？\n]", text[max(0, m.start() - 8) : m.start()])[-1]
            negated = bool(NEGATION_PHRASES.pattern.search(before)) or before.endswith(("不", "别"))
            votes.add(other if negated else side)
    return votes.pop() if len(votes) == 1 else None
