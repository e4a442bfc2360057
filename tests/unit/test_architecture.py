"""The rules of the house, checked on the source: a pure domain, SQL only in the store,
network libraries only in the transports (read with ``ast``, nothing is imported)."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "daemon"
#: Third-party libraries the domain may use (pure computation, no I/O).
DOMAIN_LIBRARIES = {"rapidfuzz"}
#: Libraries that talk to the network: only transports/ may import them.
NETWORK = {
    "exchangelib",
    "imapclient",
    "imaplib",
    "smtplib",
    "httpx",
    "requests",
    "msal",
    "aiosmtpd",
    "http.client",
    "urllib.request",
    "socket",
}
TABLES = [
    "meetings",
    "participants",
    "topics",
    "materials",
    "rsvps",
    "action_items",
    "risks",
    "decisions",
    "deadlines",
    "inbox",
    "outbox",
    "events",
]
_SQL = re.compile(
    r"\b(?:SELECT\s.+\sFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"CREATE\s+(?:TABLE|INDEX)|ALTER\s+TABLE|DROP\s+TABLE)\b",
    re.S,  # our SQL is written in capitals
)


def modules(under: str = "") -> Iterator[tuple[str, ast.Module]]:
    """(path relative to the package, parsed module) for every ``.py`` below ``under``."""
    for path in sorted((PACKAGE / under).rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def imported(tree: ast.Module, path: str) -> Iterator[str]:
    """Every module name ``tree`` imports (relative imports made absolute)."""
    package = ("daemon/" + path).rsplit("/", 1)[0].replace("/", ".")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield f"{base}.{node.module}" if node.module else base
            elif node.module:
                yield node.module


def _top(name: str) -> str:
    return name.split(".")[0]


def test_domain_imports_only_domain_the_standard_library_and_its_libraries() -> None:
    breaches = []
    for path, tree in modules("domain"):
        for name in imported(tree, f"domain/{path}"):
            ok = (
                name == "daemon.domain"
                or name.startswith("daemon.domain.")
                or _top(name) in sys.stdlib_module_names
                or _top(name) in DOMAIN_LIBRARIES
                or name == "__future__"
            )
            if not ok or _top(name) in {"sqlite3", "socket", "subprocess"}:
                breaches.append(f"domain/{path} imports {name}")
    assert not breaches, "\n".join(breaches)


def test_sql_and_table_names_appear_only_in_the_store() -> None:
    breaches = []
    table_use = re.compile(r"^(?:" + "|".join(TABLES) + r")$")
    for path, tree in modules():
        if path.startswith("store/"):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _SQL.search(node.value)
            ):
                breaches.append(f"{path}:{node.lineno} SQL {node.value[:40]!r}")
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                key = node.slice.value
                if isinstance(key, str) and table_use.match(key):
                    breaches.append(f"{path}:{node.lineno} table {key!r}")
            if isinstance(node, ast.Attribute) and node.attr in ("execute", "executescript"):
                breaches.append(f"{path}:{node.lineno} .{node.attr}(…)")
        # Others may hold a sqlite_utils.Database to pass it on, never open sqlite3 itself.
        breaches += [f"{path} imports {n}" for n in imported(tree, path) if _top(n) == "sqlite3"]
    assert not breaches, "\n".join(breaches)


def test_network_libraries_only_in_transports() -> None:
    breaches = []
    for path, tree in modules():
        if path.startswith("transports/"):
            continue
        for name in imported(tree, path):
            if name in NETWORK or _top(name) in NETWORK:
                breaches.append(f"{path} imports {name}")
    assert not breaches, "\n".join(breaches)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import smtplib\n", "imports smtplib"),
        ("from exchangelib import Account\n", "imports exchangelib"),
        ("import httpx.sync\n", "imports httpx.sync"),
    ],
)
def test_the_network_check_finds_a_breach(source: str, found: str) -> None:
    """The checks above can fail: a planted import is named."""
    names = list(imported(ast.parse(source), "domain/x.py"))
    assert any(n in NETWORK or _top(n) in NETWORK for n in names), found


def test_the_sql_check_finds_sql() -> None:
    assert _SQL.search("SELECT id FROM outbox WHERE state = ?")
    assert _SQL.search("UPDATE outbox SET state = 'queued'")
    assert not _SQL.search("Please select a date from the list")
