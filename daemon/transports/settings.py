"""The ``[transport.<name>]`` tables: checked against each transport module's ``SETTINGS``.

Every transport module (``daemon.transports.maildir``, ``imap``, ``smtp``, ``memory``)
declares the keys it reads once, as ``SETTINGS: name -> (type, required, default, comment)``.
This module checks a table against that spec (unknown keys, missing required keys, types;
every problem at once) and renders the tables for ``config.example.toml``. The values are
passed to the transport unchanged: the transport applies its own defaults.

Types: ``"str"``, ``"bool"``, ``"int"`` and ``"number"`` (both must be positive),
``"str_list"`` (a list of strings), ``"table:<transport>"`` (a table checked against that
transport's spec), or a tuple of the allowed strings.
"""

from __future__ import annotations

import os
from typing import Any

from daemon.transports.base import REGISTRY, ROLES, names_for

Spec = dict[str, tuple[str | tuple[str, ...], bool, Any, str]]
#: Keys naming an environment variable that holds a secret -> what the secret is.
SECRET_VARIABLES = {"password_env": "the password", "client_secret_env": "the client secret"}


def transport_names() -> dict[str, list[str]]:
    """Role (``source``, ``sink``, ``calendar``) → the transports that can take it."""
    return {role: names_for(role) for role in ROLES}


def settings_spec(name: str) -> Spec:
    """The ``SETTINGS`` of transport ``name`` (its module is imported on first use).

    Raises:
        KeyError: ``name`` is not a registered transport.
    """
    spec: Spec = REGISTRY[name].load().SETTINGS
    return spec


def check_transports(
    where: str, raw: dict[str, Any], chosen: dict[str, str], problems: list[str]
) -> dict[str, dict[str, Any]]:
    """Check every ``[transport.<name>]`` table of ``raw`` (the ``[transport]`` table).

    Args:
        where: the file name that starts every problem.
        raw: the ``[transport]`` table as read from TOML.
        chosen: ``{"source": name, "sink": name}``; their required keys must be present.
        problems: every problem found is appended here (a sentence naming key and fix).

    Returns:
        ``name -> settings`` of every table present (unchanged, for the transports).
    """
    selected = set(chosen.values())
    tables: dict[str, dict[str, Any]] = {}
    for name in REGISTRY:
        table = raw.get(name)
        if table is None and name not in selected:
            continue
        if table is not None and not isinstance(table, dict):
            problems.append(f"{where}: [transport] {name}: must be a table ([transport.{name}]).")
            continue
        required = name in selected
        uses = ", ".join(f'{role} = "{n}"' for role, n in chosen.items() if n == name)
        problems.extend(
            check_settings(
                f"{where}: [transport.{name}]", settings_spec(name), table or {}, required, uses
            )
        )
        if table is not None:
            tables[name] = dict(table)
    _link_tables(where, tables, problems)
    return tables


def env_problems(where: str, tables: dict[str, dict[str, Any]]) -> list[str]:
    """One problem per ``password_env`` or ``client_secret_env`` that names an unset
    environment variable.

    Every table is searched, also those of unselected transports and nested tables such as
    ``[transport.smtp.sent_imap]``; a variable is reported once.

    Args:
        where: the file name that starts every problem.
        tables: ``name -> settings``, as :func:`check_transports` returns them.
    """
    problems: list[str] = []
    seen: set[str] = set()

    def walk(heading: str, table: dict[str, Any]) -> None:
        for key, what in SECRET_VARIABLES.items():
            variable = table.get(key)
            if not isinstance(variable, str) or not variable or variable in seen:
                continue
            seen.add(variable)
            if variable not in os.environ:
                problems.append(
                    f"{where}: [{heading}] {key}: environment variable {variable} is "
                    f"not set. Fix: export {variable}=<{what}> where meetingd runs, or "
                    f"use {key.replace('_env', '_command')}."
                )
        for key, value in table.items():
            if isinstance(value, dict):
                walk(f"{heading}.{key}", value)

    for name, table in tables.items():
        walk(f"transport.{name}", table)
    return problems


def _link_tables(where: str, tables: dict[str, dict[str, Any]], problems: list[str]) -> None:
    """Replace ``key = true`` of a ``table:<x>`` setting by a copy of ``[transport.<x>]``
    (e.g. ``sent_imap = true`` in ``[transport.smtp]`` reuses the IMAP account)."""
    for name, table in tables.items():
        for key, (kind, _needed, _default, _comment) in settings_spec(name).items():
            if (
                not (isinstance(kind, str) and kind.startswith("table:"))
                or table.get(key) is not True
            ):
                continue
            other = kind.partition(":")[2]
            if other in tables:
                table[key] = dict(tables[other])
            else:
                problems.append(
                    f"{where}: [transport.{name}] {key} = true needs a [transport.{other}] "
                    f"table. Fix: add that table, or write {key} as a table of its own."
                )


def check_settings(
    where: str, spec: Spec, table: dict[str, Any], required: bool, uses: str = ""
) -> list[str]:
    """The problems of one settings ``table`` against ``spec`` (empty list: all fine).

    ``required`` False skips the required-key check (the transport is not selected).
    """
    problems = []
    for key in sorted(set(table) - set(spec)):
        if key == "password":
            problems.append(
                f"{where} password: a plain password is not allowed in the file. Fix: set "
                "password_env (an environment variable name) or password_command."
            )
        elif key == "client_secret":
            problems.append(
                f"{where} client_secret: a secret is not allowed in the file. Fix: set "
                "client_secret_env (an environment variable name) or client_secret_command."
            )
        else:
            problems.append(
                f"{where} {key}: unknown key. Fix: remove it or use one of {', '.join(spec)}."
            )
    for key, (kind, needed, default, _comment) in spec.items():
        if key not in table:
            if needed and required:
                because = f" ({uses})" if uses else ""
                problems.append(
                    f"{where} {key}: required{because}. Fix: add "
                    f"{key} = {toml_value(default)} to [{where.rpartition('[')[2]}"
                )
            continue
        problem = _check_value(kind, table[key], needed)
        if problem:
            problems.append(f"{where} {key}: {problem}")
        elif isinstance(kind, str) and kind.startswith("table:") and table[key] is not True:
            inner = settings_spec(kind.partition(":")[2])
            problems.extend(check_settings(f"{where} {key}", inner, table[key], True, key))
    return problems


def _check_value(kind: str | tuple[str, ...], value: Any, needed: bool) -> str | None:
    """The problem with one value, or None."""
    if isinstance(kind, tuple):
        if value not in kind:
            return f"must be one of {', '.join(kind)}, got {value!r}."
        return None
    if kind == "str":
        if not isinstance(value, str):
            return f"must be a string, got {value!r}. Fix: quote it."
        if needed and not value.strip():
            return "must not be empty."
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else f"must be true or false, got {value!r}."
    if kind in ("int", "number"):
        wrong = isinstance(value, bool) or not isinstance(value, int | float)
        if wrong or (kind == "int" and not isinstance(value, int)) or value <= 0:
            noun = "whole number" if kind == "int" else "number"
            return f"must be a positive {noun}, got {value!r}."
        return None
    if kind == "str_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f'must be a list of strings like ["IDLE"], got {value!r}.'
        return None
    if kind.startswith("table:"):
        if value is True or isinstance(value, dict):  # true: the [transport.<x>] table
            return None
        return f"must be a table, or true for the [transport.{kind[6:]}] table, got {value!r}."
    raise AssertionError(kind)


def example_lines() -> list[str]:
    """The transport tables of ``config.example.toml``, each key with default and comment.

    The maildir table is active; imap, smtp and memory are commented out. Keys without a
    default are shown with an empty value; nested tables are left out.
    """
    lines: list[str] = []
    for name, entry in REGISTRY.items():
        if not settings_spec(name):
            continue  # nothing to configure
        commented = entry.example_commented
        mark = "# " if commented else ""
        lines += [f"# {line}".rstrip() for line in entry.example.splitlines()]
        lines.append(f"{mark}[transport.{name}]")
        for key, (kind, _needed, default, comment) in settings_spec(name).items():
            if isinstance(kind, str) and kind.startswith("table:"):
                continue
            value = default if default is not None else ("" if kind == "str" else [])
            if commented:
                lines.append(f"# {key} = {toml_value(value)}  # {comment}")
            else:
                lines += [f"# {comment}", f"{key} = {toml_value(value)}"]
        lines.append("")
    return lines


def toml_value(value: Any) -> str:
    """``value`` written as TOML (str, bool, int, float or a list of them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
