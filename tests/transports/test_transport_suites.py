"""Every role a transport declares in ``REGISTRY`` has its contract suite.

For each entry and each of its roles (source, sink, calendar), ``tests/transports/test_<name>.py``
must define a ``Test…`` class that subclasses the matching class of
:data:`tests.transports.contracts.CONTRACTS`. Adding a transport to the registry without its
tests fails here, naming the file and the class to add (see ``tests/transports/README.md``);
so does a pushing source (``TransportEntry.pushes``) whose suite opts out of the wait tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path

from daemon.transports.base import REGISTRY, TransportEntry
from tests.transports.contracts import CONTRACTS

HERE = Path(__file__).parent


def missing_suites(registry: Mapping[str, TransportEntry], folder: Path = HERE) -> list[str]:
    """One sentence per registered role without its contract class (empty: all present)."""
    problems = []
    for name, entry in registry.items():
        path = folder / f"test_{name}.py"
        where = f"tests/transports/{path.name}"
        if not path.exists():
            wanted = ", ".join(CONTRACTS[role].__name__ for role in sorted(entry.roles))
            problems.append(
                f"transport {name!r} has roles {sorted(entry.roles)} but no tests: add {where} "
                f"with a Test class subclassing each of {wanted} "
                "(tests/transports/contracts.py; see tests/transports/README.md)."
            )
            continue
        module = importlib.import_module(f"tests.transports.test_{name}")
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and value.__module__ == module.__name__
            and value.__name__.startswith("Test")
        ]
        for role in sorted(entry.roles):
            contract = CONTRACTS[role]
            suites = [c for c in classes if issubclass(c, contract)]
            if not suites:
                problems.append(
                    f"transport {name!r} declares the role {role!r}, but {where} has no Test "
                    f"class subclassing {contract.__name__}: add one (with its "
                    f"{role}_kit fixture) to {where}."
                )
            if role == "source" and entry.pushes:
                problems.extend(
                    f"transport {name!r} pushes (REGISTRY), but {where}: {c.__name__} sets "
                    "supports_wait = False: a pushing source must pass the wait tests."
                    for c in suites
                    if not getattr(c, "supports_wait", True)
                )
    return problems


def test_every_registered_role_has_its_contract_suite() -> None:
    assert REGISTRY, "the registry is empty"
    assert missing_suites(REGISTRY) == []


def test_a_transport_without_tests_is_reported_with_the_file_to_add() -> None:
    entry = TransportEntry("daemon.transports.nosuch", frozenset({"source", "sink"}), "x")
    (problem,) = missing_suites({"nosuch": entry})
    assert "tests/transports/test_nosuch.py" in problem
    assert "MailSinkContract, MailSourceContract" in problem


def test_a_role_without_its_class_is_reported() -> None:
    entry = TransportEntry("daemon.transports.maildir", frozenset({"source", "calendar"}), "x")
    (problem,) = missing_suites({"maildir": entry})
    assert "'calendar'" in problem and "CalendarContract" in problem
    assert "tests/transports/test_maildir.py" in problem


def test_a_pushing_source_must_pass_the_wait_tests() -> None:
    entry = TransportEntry("daemon.transports.memory", frozenset({"source"}), "x", pushes=True)
    (problem,) = missing_suites({"memory": entry})
    assert "TestMemorySource sets supports_wait = False" in problem
