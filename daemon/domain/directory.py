"""Who is who: resolve names written in requests and minutes to addresses.

Pure: built from the configured people and departments plus the names seen on a meeting's
participants. A name resolves only when exactly one person matches; otherwise the caller
asks a person (an owner is never assigned by guess).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TITLES = re.compile(
    r"(经理|主管|总监|专员|助理|工程师|老师|先生|女士|总|Mr\.?|Ms\.?|Mrs\.?|Dr\.?)$"
)


LANGS = ("zh", "en")


@dataclass(frozen=True)
class Entry:
    """One person: lower-case address, names (zh/en, any number; the configured ``name``
    first), department, the configured English name and mail language (``zh``/``en``, or
    None: the instance default)."""

    address: str
    names: tuple[str, ...] = ()
    department: str | None = None
    name_en: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class Resolution:
    """The result of resolving one written name.

    ``address`` is set only for a unique match; ``candidates`` lists every match (so an
    ambiguous name can be asked about with the choices).
    """

    written: str
    address: str | None
    candidates: tuple[str, ...] = ()


class PersonLike(Protocol):
    """A configured person: lower-case address, zh and en names, department."""

    @property
    def address(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def name_en(self) -> str | None: ...
    @property
    def department(self) -> str | None: ...
    @property
    def lang(self) -> str | None: ...


class DepartmentLike(Protocol):
    """A configured department: name, head and members (lower-case addresses)."""

    @property
    def name(self) -> str: ...
    @property
    def name_en(self) -> str | None: ...
    @property
    def head(self) -> str | None: ...
    @property
    def members(self) -> tuple[str, ...]: ...


@dataclass
class Directory:
    """People and departments. ``departments`` maps a department name to member addresses,
    ``heads`` to its head, ``departments_en`` to its English name."""

    entries: dict[str, Entry] = field(default_factory=dict)
    departments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)
    departments_en: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls, people: Iterable[PersonLike], departments: Iterable[DepartmentLike]
    ) -> Directory:
        """The directory of the configured ``people`` and ``departments`` (anything with
        their attributes, e.g. ``daemon.config.Person`` / ``Department``)."""
        directory = cls()
        for p in people:
            directory.add(p.address, p.name, p.name_en, department=p.department)
            directory.configure(p.address, name_en=p.name_en, lang=p.lang)
        for d in departments:
            directory.departments[d.name] = tuple(d.members)
            if d.head:
                directory.heads[d.name] = d.head
            if d.name_en:
                directory.departments_en[d.name] = d.name_en
        return directory

    def add(self, address: str, *names: str | None, department: str | None = None) -> None:
        """Add or enrich one person (names that are None or empty are skipped)."""
        address = address.lower()
        old = self.entries.get(address) or Entry(address)
        known = list(old.names)
        known += [n.strip() for n in names if n and n.strip() and n.strip() not in known]
        self.entries[address] = replace(
            old, names=tuple(known), department=department or old.department
        )

    def configure(self, address: str, *, name_en: str | None, lang: str | None) -> None:
        """Set the configured English name and mail language of ``address`` (added if new).

        Raises:
            ValueError: ``lang`` is neither None nor one of :data:`LANGS`.
        """
        if lang is not None and lang not in LANGS:
            raise ValueError(f"{address}: lang must be one of {', '.join(LANGS)}, not {lang!r}")
        address = address.lower()
        old = self.entries.get(address) or Entry(address)
        english = name_en.strip() if name_en and name_en.strip() else None
        self.entries[address] = replace(old, name_en=english, lang=lang)

    def lang_of(self, address: str, default: str) -> str:
        """The mail language of ``address``: its configured ``lang``, else ``default``."""
        entry = self.entries.get(address.lower())
        return entry.lang if entry and entry.lang else default

    def display_name(self, address: str, lang: str) -> str | None:
        """The name of ``address`` to show in a mail in ``lang``: for ``en`` the configured
        English name when there is one, else the first known name (None when none)."""
        entry = self.entries.get(address.lower())
        if entry is None:
            return None
        if lang == "en" and entry.name_en:
            return entry.name_en
        return entry.names[0] if entry.names else entry.name_en

    def display_department(self, name: str, lang: str) -> str:
        """A department's name in ``lang``: its configured English name for ``en``, else
        the name as configured (or written)."""
        return self.departments_en.get(name, name) if lang == "en" else name

    def name_of(self, address: str) -> str | None:
        """The first known name of ``address``, or None."""
        entry = self.entries.get(address.lower())
        return entry.names[0] if entry and entry.names else None

    def department_of(self, address: str) -> str | None:
        """The department of ``address``: configured membership first, then the entry."""
        address = address.lower()
        for name, members in self.departments.items():
            if address in members or self.heads.get(name) == address:
                return name
        entry = self.entries.get(address)
        return entry.department if entry else None

    def resolve(self, written: str | None) -> Resolution:
        """Resolve a written owner ("刘洋", "Zhao Lei", "liu.yang", "刘洋 liu.yang@x").

        An address in the text wins. Otherwise names are compared without case, spaces,
        dots and job titles ("刘经理" does not match; "刘洋经理" does), and en names in
        either order ("Lei Zhao" = "Zhao Lei").
        """
        text = (written or "").strip()
        if not text:
            return Resolution(text, None)
        found = _ADDRESS.search(text)
        if found:
            return Resolution(text, found.group(0).lower(), (found.group(0).lower(),))
        key = _key(_TITLES.sub("", text))
        if not key:
            return Resolution(text, None)
        matches = sorted(
            address
            for address, entry in self.entries.items()
            if key in _keys_of(address, entry.names)
        )
        if len(matches) == 1:
            return Resolution(text, matches[0], tuple(matches))
        return Resolution(text, None, tuple(matches))


def _key(text: str) -> str:
    return re.sub(r"[\s._\-·]+", "", text).lower()


def _keys_of(address: str, names: tuple[str, ...]) -> set[str]:
    local = address.partition("@")[0]
    keys = {_key(local)}
    parts = re.split(r"[._\-]+", local)
    if len(parts) == 2:
        keys.add(_key(parts[1] + parts[0]))
    for name in names:
        keys.add(_key(name))
        words = name.split()
        if len(words) == 2:
            keys.add(_key(words[1] + words[0]))
    return keys
