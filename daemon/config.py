"""Configuration: one TOML file (read with ``tomllib``) → a frozen :class:`Config`.

Every key, its type, default and meaning is declared once in :data:`SPEC`;
``config.example.toml`` is generated from it (``meetingd init --print-example``) and a test
keeps the two equal. Every problem is reported at once, each naming the file, the key and
the fix, by raising :class:`~daemon.errors.UserError`.

Secrets are never read from the TOML: transports take ``password_env`` (an environment
variable name) or ``password_command`` (a command printing the password).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from daemon import workdays
from daemon.domain.directory import LANGS  # mail languages: [daemon] lang, [[people]] lang
from daemon.errors import UserError
from daemon.transports.base import REGISTRY
from daemon.transports.settings import (
    check_transports,
    env_problems,
    example_lines,
    toml_value,
    transport_names,
)

_EMAIL = re.compile(r"[^@\s<>\"(),;]+@[^@\s<>\"(),;]+")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Key:
    """One config key.

    ``kind`` is one of str, int, bool, time, dates, names (a list of strings), lang, zone,
    email (an address), country (a ``holidays`` country code) or level (a log level);
    ``minimum``/``maximum`` bound an int.
    """

    name: str
    kind: str
    default: Any
    comment: str
    minimum: int | None = None
    maximum: int | None = None


#: ``[minutes] confirm``: when the recorder confirms the minutes before they go out.
CONFIRM_MODES = ("always", "when_unsure", "never")

SPEC: dict[str, list[Key]] = {
    "daemon": [
        Key(
            "var_dir", "str", "var", "Working folder (Maildirs, materials); relative to this file."
        ),
        Key("db", "str", "meetingd.db", "SQLite database file; relative to var_dir."),
        Key("tick_seconds", "int", 60, "How often deadlines are checked and mail is sent.", 1),
        Key(
            "lang",
            "lang",
            "zh",
            "Language of the mails: zh or en (a person's own lang in [[people]] wins).",
        ),
        Key("log_level", "level", "INFO", "DEBUG, INFO, WARNING or ERROR."),
    ],
    "mailbox": [
        Key("address", "email", "meetings@corp.example", "The daemon's own mailbox (organizer)."),
        Key("name", "str", "会议助手 Meeting Assistant", "Display name of the daemon's mails."),
        Key("msgid_domain", "str", "", "Domain of Message-IDs; empty: the address's domain."),
        Key(
            "admin",
            "email_or_empty",
            "",
            "The operator's address: what the daemon must hand over goes there. Empty: none.",
        ),
    ],
    "transport": [
        Key("source", "str", "maildir", "Where mail is read: maildir, imap or memory."),
        Key("sink", "str", "maildir", "Where mail is sent: maildir, smtp or memory."),
        Key(
            "calendar",
            "str",
            "imip",
            "Who keeps meetings in calendars: imip (invitations by mail through the sink).",
        ),
    ],
    "calendar": [
        Key("country", "country", "CN", "Public holidays of this country (holidays package)."),
        Key("timezone", "zone", "Asia/Shanghai", "Company time zone (IANA name)."),
        Key("end_of_day", "time", "18:00", "Local time at which a working-day deadline is due."),
        Key("extra_holidays", "dates", [], 'Company days off, e.g. ["2027-02-01"].'),
        Key("extra_workdays", "dates", [], 'Company make-up workdays, e.g. ["2027-02-07"].'),
    ],
    "process": [
        Key("topics_due_days", "int", 3, "Topics due this many working days before M.", 0),
        Key("topic_reminder_days", "int", 1, "Remind silent departments N days earlier.", 0),
        Key("materials_due_days", "int", 2, "Materials go out at M minus N working days.", 0),
        Key("replies_due_days", "int", 1, "RSVPs due at M minus N working days.", 0),
        Key("rsvp_nudge_days", "int", 1, "Nudge the silent N working days before replies.", 0),
        Key("minutes_reminder_days", "int", 1, "Remind the recorder N days after M.", 0),
        Key("confirm_reminder_days", "int", 1, "Remind an unconfirmed recorder after N days.", 1),
        Key("owner_reminder_days", "int", 1, "Ask again for an unknown owner after N days.", 1),
        Key("action_reminder_days", "int", 2, "Remind owners N working days before due.", 0),
        Key("overdue_every_days", "int", 2, "Overdue notice every N working days.", 1),
        Key("escalate_after", "int", 3, "Escalate to the host after N overdue notices.", 1),
        Key("review_after_days", "int", 10, "Review meeting at M plus N working days.", 1),
        Key("review_minutes", "int", 60, "Length of the review meeting.", 15),
        Key("default_minutes", "int", 120, "Meeting length when the request gives none.", 15),
        Key("opening_minutes", "int", 10, "Agenda: opening (5-10).", 5),
        Key("topic_minutes", "int", 20, "Agenda: default time box of a topic.", 5),
        Key("actions_minutes", "int", 15, "Agenda: action items (10-15).", 5),
        Key("wrapup_minutes", "int", 5, "Agenda: wrap-up.", 0),
        Key("merge_similarity", "int", 80, "Merge topics at this similarity (0-100).", 0, 100),
        Key("max_material_bytes", "int", 20_000_000, "Largest attachment kept, in bytes.", 0),
    ],
    "minutes": [
        Key(
            "confirm",
            "confirm",
            "always",
            "Recorder confirms the minutes before they go out: always, when_unsure or never.",
        ),
    ],
    "sending": [
        Key(
            "budget_seconds",
            "int",
            20,
            "A dispatch round sends for at most this long; a burst goes on in the next round"
            " at once.",
            1,
        ),
        Key(
            "budget_bytes", "int", 50_000_000, "A dispatch round sends at most this many bytes.", 1
        ),
        Key(
            "per_minute",
            "int",
            0,
            "Most mails a minute from the mailbox (Exchange Online: 30); 0: no limit.",
            0,
        ),
        Key(
            "recipients_per_day",
            "int",
            0,
            "Most recipients in any 24 h (Exchange Online: 10000); 0: no limit.",
            0,
        ),
        Key(
            "recipient_gap_seconds",
            "int",
            0,
            "Least seconds between two mails to one address; 0: none.",
            0,
        ),
    ],
    "security": [
        Key(
            "authserv_ids",
            "names",
            [],
            "Trust the Authentication-Results (RFC 8601) these receiving servers add; "
            "state changes then need dmarc=pass. Empty: off.",
        ),
        Key(
            "exchange_internal",
            "bool",
            False,
            "Also trust Exchange's X-MS-Exchange-Organization-AuthAs: Internal mark.",
        ),
    ],
}


@dataclass(frozen=True)
class Department:
    """A department: name (zh), name_en, head address and member addresses (lower-case)."""

    name: str
    name_en: str | None
    head: str | None
    members: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    """A person of the directory: address (lower-case), zh and en names, department, and
    the language of the mails to them (``zh``/``en``; None: ``[daemon] lang``)."""

    address: str
    name: str | None
    name_en: str | None
    department: str | None
    lang: str | None = None


@dataclass(frozen=True)
class Config:
    """The whole configuration. ``values[section][key]`` holds every :data:`SPEC` key."""

    path: Path | None
    values: dict[str, dict[str, Any]]
    transports: dict[str, dict[str, Any]] = field(default_factory=dict)
    departments: tuple[Department, ...] = ()
    people: tuple[Person, ...] = ()

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def var_dir(self) -> Path:
        return (self.base_dir / self.get("daemon", "var_dir")).resolve()

    @property
    def materials_dir(self) -> Path:
        """Where background materials are kept: ``<var_dir>/materials``."""
        return self.var_dir / "materials"

    @property
    def db_path(self) -> Path:
        return self.var_dir / self.get("daemon", "db")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.get("calendar", "timezone"))

    @property
    def address(self) -> str:
        return str(self.get("mailbox", "address")).lower()

    @property
    def msgid_domain(self) -> str:
        return self.get("mailbox", "msgid_domain") or self.address.rpartition("@")[2]


def load(path: Path | str | None, check_dirs: bool = False, check_env: bool = False) -> Config:
    """Read and check ``path`` (None: the embedded default configuration).

    Args:
        path: the TOML file, or None for the embedded default.
        check_dirs: also create ``var_dir`` if missing and test that a file can be written
            there (``meetingd check-config``); its problem is reported with the others.
        check_env: also check that every ``password_env`` of every ``[transport.*]`` table
            names a set environment variable (``meetingd check-config``).

    Raises:
        UserError: the file is missing or unreadable, or one or more keys are wrong; every
            problem names the file, the key and the fix.
    """
    if path is None:
        return _build(None, {}, check_dirs, check_env)
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such file. Fix: run `meetingd init` to create one.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot be read ({exc}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML: {exc}. Fix the syntax at that line.") from None
    return _build(path, data, check_dirs, check_env)


def _build(
    path: Path | None, data: dict[str, Any], check_dirs: bool = False, check_env: bool = False
) -> Config:
    """Check ``data`` (the parsed TOML of ``path``) against :data:`SPEC` and the tables.

    Raises:
        UserError: every problem found, each naming the file, the key and the fix.
    """
    where = str(path) if path else "<embedded default>"
    problems: list[str] = []
    values: dict[str, dict[str, Any]] = {}
    for section, keys in SPEC.items():
        raw = data.get(section, {})
        if not isinstance(raw, dict):
            problems.append(f"{where}: [{section}] must be a table.")
            raw = {}
        known = {k.name for k in keys}
        if section == "transport":
            known |= set(REGISTRY)  # the [transport.<name>] tables
        for unknown in sorted(set(raw) - known):
            problems.append(
                f"{where}: [{section}] {unknown}: unknown key. Fix: remove it or check the "
                f"spelling against config.example.toml."
            )
        values[section] = {}
        for key in keys:
            value = raw.get(key.name, key.default)
            checked, found = _check(key, value)
            problems += [f"{where}: [{section}] {key.name}: {p}" for p in found]
            values[section][key.name] = checked
    chosen: dict[str, str] = {}
    for role, possible in transport_names().items():
        name = values["transport"][role]
        if name in possible:
            chosen[role] = name
        else:
            problems.append(
                f"{where}: [transport] {role}: unknown transport {name!r}. "
                f"Fix: use one of {', '.join(sorted(possible))}."
            )
    problems += _sending_problems(where, values["sending"])
    for section in set(data) - set(SPEC) - {"departments", "people"}:
        problems.append(f"{where}: [{section}]: unknown section. Fix: remove it.")
    raw_transport = data.get("transport", {})
    transports = check_transports(
        where, raw_transport if isinstance(raw_transport, dict) else {}, chosen, problems
    )
    departments = _departments(where, data.get("departments", []), problems)
    names = _department_names(data.get("departments", []))
    people = _people(where, data.get("people", []), names, problems)
    if check_env:
        problems += env_problems(where, transports)
    config = Config(path, values, transports, departments, people)
    if check_dirs and not any("var_dir" in p for p in problems):
        problems += var_dir_problems(config)
    if problems:
        raise UserError(problems)
    return config


def var_dir_problems(config: Config) -> list[str]:
    """Create ``var_dir`` if missing and write (then remove) a test file in it.

    Returns:
        An empty list, or one problem naming the file, ``[daemon] var_dir`` and the fix.
    """
    where = str(config.path) if config.path else "<embedded default>"
    try:
        config.var_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=config.var_dir, prefix=".meetingd-write-test-"):
            pass
    except OSError as exc:
        return [
            f"{where}: [daemon] var_dir: cannot create or write {config.var_dir} "
            f"({exc.strerror or exc}). Fix: use a folder meetingd may write to."
        ]
    return []


def ensure_var_dir(config: Config) -> Path:
    """Create ``config.var_dir`` and check it is writable; return it.

    Raises:
        UserError: the folder cannot be created or written (names file, key and fix).
    """
    problems = var_dir_problems(config)
    if problems:
        raise UserError(problems)
    return config.var_dir


#: A daily recipient limit must let the largest meeting's mail go out: below this it is refused.
MIN_RECIPIENTS_PER_DAY = 100


def _sending_problems(where: str, sending: dict[str, Any]) -> list[str]:
    """Problems of the ``[sending]`` limits taken together (each key is checked alone too)."""
    problems = []
    per_day = sending.get("recipients_per_day")
    if isinstance(per_day, int) and 0 < per_day < MIN_RECIPIENTS_PER_DAY:
        problems.append(
            f"{where}: [sending] recipients_per_day: {per_day} is too few for a meeting's mail."
            f" Fix: 0 (no limit) or at least {MIN_RECIPIENTS_PER_DAY}; Exchange Online allows"
            " 10000."
        )
    per_minute = sending.get("per_minute")
    if isinstance(per_minute, int) and isinstance(per_day, int) and 0 < per_day < per_minute:
        problems.append(
            f"{where}: [sending] per_minute: {per_minute} mails a minute exceeds"
            f" recipients_per_day ({per_day}). Fix: lower per_minute (Exchange Online: 30)."
        )
    return problems


def _check(key: Key, value: Any) -> tuple[Any, list[str]]:
    """Validate one value; returns (converted value, problems; empty when fine)."""
    if key.kind == "dates":
        return _check_dates(value)
    if key.kind == "bool":
        if not isinstance(value, bool):
            return key.default, [f"must be true or false, got {value!r}."]
        return value, []
    if key.kind == "names":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return key.default, [
                f'must be a list of names like ["mx.corp.example"], got {value!r}.'
            ]
        return [v.strip().lower() for v in value], []
    if key.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return key.default, [f"must be a whole number, got {value!r}."]
        if key.minimum is not None and value < key.minimum:
            return key.default, [f"must be at least {key.minimum}, got {value}."]
        if key.maximum is not None and value > key.maximum:
            return key.default, [f"must be at most {key.maximum}, got {value}."]
        return value, []
    if key.kind == "time":
        try:
            return dt.time.fromisoformat(str(value)), []
        except ValueError:
            return dt.time(18), [f'must be a time like "18:00", got {value!r}.']
    if not isinstance(value, str):
        return key.default, [f"must be a string, got {value!r}. Fix: quote it."]
    problem = _check_text(key.kind, value)
    if problem:
        return key.default, [problem]
    return (value.upper() if key.kind == "level" else value), []


def _check_text(kind: str, value: str) -> str | None:
    """The problem with a string value of ``kind``, or None."""
    if kind == "lang" and value not in LANGS:
        return f'must be "zh" or "en", got {value!r}.'
    if kind == "confirm" and value not in CONFIRM_MODES:
        return f"must be one of {', '.join(CONFIRM_MODES)}, got {value!r}."
    if kind == "email_or_empty" and value.strip() and not _EMAIL.fullmatch(value.strip()):
        return f'must be an email address like "ops@corp.example" or "", got {value!r}.'
    if kind == "zone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return f'unknown time zone {value!r}. Fix: use e.g. "Asia/Shanghai".'
    if kind == "email" and not _EMAIL.fullmatch(value.strip()):
        return f'must be an email address like "meetings@corp.example", got {value!r}.'
    if kind == "country" and not workdays.country_known(value):
        return (
            f"unknown country {value!r} (no public holidays known for it). Fix: use an "
            'ISO 3166 code the holidays package supports, e.g. "CN".'
        )
    if kind == "level" and value.upper() not in LOG_LEVELS:
        return f"unknown level {value!r}. Fix: use {', '.join(LOG_LEVELS)}."
    return None


def _check_dates(value: Any) -> tuple[list[dt.date], list[str]]:
    """A list of dates; one problem per item that is not a date."""
    if not isinstance(value, list):
        return [], [f'must be a list of dates like ["2027-02-01"], got {value!r}.']
    out: list[dt.date] = []
    problems: list[str] = []
    for item in value:
        try:
            out.append(item if isinstance(item, dt.date) else dt.date.fromisoformat(item))
        except (TypeError, ValueError):
            problems.append(f'{item!r} is not a date. Fix: write it as "YYYY-MM-DD".')
    return (out if not problems else []), problems


DEPARTMENT_KEYS = ("name", "name_en", "head", "members")
PERSON_KEYS = ("address", "name", "name_en", "department", "lang")


def _unknown_keys(where: str, table: dict[str, Any], known: tuple[str, ...]) -> list[str]:
    """One problem per key of ``table`` (a ``[[departments]]``/``[[people]]`` entry,
    ``where`` names it) that is not in ``known``."""
    return [
        f"{where} {key}: unknown key. Fix: remove it or use one of {', '.join(known)}."
        for key in sorted(set(table) - set(known))
    ]


def _optional_text(where: str, table: dict[str, Any], key: str) -> list[str]:
    """The problem when ``table[key]`` is present but not a string."""
    value = table.get(key)
    if value is None or isinstance(value, str):
        return []
    return [f"{where} {key}: must be a string, got {value!r}. Fix: quote it."]


def _is_address(value: Any) -> bool:
    return isinstance(value, str) and bool(_EMAIL.fullmatch(value.strip()))


def _departments(where: str, raw: Any, problems: list[str]) -> tuple[Department, ...]:
    """The ``[[departments]]`` tables; every problem (unknown key, wrong type, malformed
    head or members, a name used twice) is appended to ``problems``."""
    out: list[Department] = []
    seen: set[str] = set()
    if not isinstance(raw, list):
        problems.append(f"{where}: departments must be an array of tables ([[departments]]).")
        return ()
    for i, d in enumerate(raw):
        if not isinstance(d, dict) or not isinstance(d.get("name"), str) or not d["name"].strip():
            problems.append(
                f"{where}: [[departments]] #{i + 1}: name is required (a string). Fix: add "
                'name = "技术部".'
            )
            continue
        here = f"{where}: [[departments]] {d['name']}:"
        found = _unknown_keys(here, d, DEPARTMENT_KEYS) + _optional_text(here, d, "name_en")
        if d["name"] in seen:
            found.append(f"{here} name: used by two departments. Fix: merge them into one.")
        seen.add(d["name"])
        head = d.get("head")
        if head is not None and not _is_address(head):
            found.append(
                f'{here} head: must be an email address like "liu.yang@corp.example", got {head!r}.'
            )
        members = d.get("members", [])
        if not isinstance(members, list) or not all(_is_address(m) for m in members):
            found.append(
                f"{here} members: must be a list of email addresses like "
                f'["liu.yang@corp.example"], got {members!r}.'
            )
        problems += found
        if found:
            continue
        out.append(
            Department(
                d["name"],
                d.get("name_en"),
                head.strip().lower() if isinstance(head, str) else None,
                tuple(m.strip().lower() for m in members),
            )
        )
    return tuple(out)


def _department_names(raw: Any) -> set[str]:
    """The names written in the ``[[departments]]`` tables (also of those with problems)."""
    if not isinstance(raw, list):
        return set()
    return {d["name"] for d in raw if isinstance(d, dict) and isinstance(d.get("name"), str)}


def _people(where: str, raw: Any, names: set[str], problems: list[str]) -> tuple[Person, ...]:
    """The ``[[people]]`` tables; every problem (unknown key, wrong type, a department not
    among ``names``, the ``[[departments]]`` names) is appended to ``problems``."""
    out = []
    if not isinstance(raw, list):
        problems.append(f"{where}: people must be an array of tables ([[people]]).")
        return ()
    for i, p in enumerate(raw):
        address = p.get("address") if isinstance(p, dict) else None
        if not isinstance(p, dict) or not isinstance(address, str) or not _is_address(address):
            problems.append(
                f"{where}: [[people]] #{i + 1}: address is required (an email). Fix: add "
                'address = "liu.yang@corp.example".'
            )
            continue
        here = f"{where}: [[people]] {address}:"
        found = _unknown_keys(here, p, PERSON_KEYS)
        found += [
            x for key in ("name", "name_en", "department") for x in _optional_text(here, p, key)
        ]
        department = p.get("department")
        if isinstance(department, str) and department not in names:
            known = ", ".join(sorted(names)) or "none is configured"
            found.append(
                f"{here} department: no [[departments]] table is named {department!r} "
                f"(known: {known}). Fix: correct the name or add that department."
            )
        lang = p.get("lang")
        if lang is not None and lang not in LANGS:
            found.append(
                f'{here} lang: must be "zh" or "en", got {lang!r}. Fix: write lang = "en" '
                "(or remove it: mails then use [daemon] lang)."
            )
        problems += found
        if not found:
            out.append(
                Person(
                    address.strip().lower(),
                    p.get("name"),
                    p.get("name_en"),
                    department,
                    lang,
                )
            )
    return tuple(out)


def example_toml() -> str:
    """The text of ``config.example.toml``: every key with its default and a comment."""
    lines = [
        "# meetingd configuration. Every key is shown with its default value.",
        "# Passwords never go here: use password_env or password_command.",
        "",
    ]
    for section, keys in SPEC.items():
        lines.append(f"[{section}]")
        for key in keys:
            lines.append(f"# {key.comment}")
            lines.append(f"{key.name} = {toml_value(key.default)}")
        lines.append("")
    lines += example_lines()
    lines += [
        "# Departments: name (zh), name_en, head and members (addresses).",
        "# [[departments]]",
        '# name = "技术部"',
        '# name_en = "Technology"',
        '# head = "liu.yang@corp.example"',
        '# members = ["liu.yang@corp.example"]',
        "",
        "# People: names written in requests and minutes are resolved to these addresses.",
        "# [[people]]",
        '# address = "liu.yang@corp.example"',
        '# name = "刘洋"',
        '# name_en = "Liu Yang"',
        '# department = "技术部"',
        '# lang = "zh"            # language of the mails to this person: zh or en',
        "#                        # (default: [daemon] lang)",
    ]
    return "\n".join(lines) + "\n"
