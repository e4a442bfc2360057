"""Labelled inputs the project wrote, read through the real ``inspect`` path.

A case is a body (plain text or HTML), a subject and the part of the ``meetingd inspect`` JSON
a careful reader expects. :func:`check` builds the mail, inspects it and compares: dicts key
by key (keys not named are not compared), lists of dicts item by item and of the same
length, strings after trimming spaces and end punctuation, ``{"__contains": "s"}`` for a
substring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from daemon.inbound.inspect import inspect_bytes
from tests.mails import INSPECT_NOW
from tests.unit.inbound_helpers import make_mail

_ENDS = " \t\n。.;；,，!！"


@dataclass(frozen=True)
class Case:
    """One labelled input: ``want`` is the expected part of the inspect JSON."""

    name: str
    body: str
    want: dict[str, Any]
    subject: str = "Re: [MTG-7] 部门沟通协调会"
    html: bool = False
    sender: str = "Li Lei <lilei@example.org>"
    headers: str = ""


def params(cases: list[Case]) -> list[Any]:
    """``pytest.param`` per case, with the case name as its id."""
    return [pytest.param(c, id=c.name) for c in cases]


def inspect_case(case: Case) -> dict[str, Any]:
    """The inspect JSON of the case's mail."""
    body = f"<html><body>{case.body}</body></html>" if case.html else case.body
    raw = make_mail(
        body,
        subject=case.subject,
        sender=case.sender,
        ctype="text/html" if case.html else "text/plain",
        extra_headers=case.headers,
    )
    return inspect_bytes(raw, f"{case.name}.eml", now=INSPECT_NOW).to_json()


def differences(actual: Any, want: Any, where: str = "") -> list[str]:
    """Where ``actual`` differs from ``want`` (empty when it matches)."""
    if isinstance(want, dict) and "__contains" in want:
        ok = isinstance(actual, str) and want["__contains"] in actual
        return [] if ok else [f"{where}: {actual!r} does not contain {want['__contains']!r}"]
    if isinstance(want, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        out: list[str] = []
        for key, value in want.items():
            out += differences(actual.get(key), value, f"{where}.{key}")
        return out
    if isinstance(want, list) and want and isinstance(want[0], dict):
        if not isinstance(actual, list) or len(actual) != len(want):
            return [f"{where}: expected {len(want)} items, got {actual!r}"]
        out = []
        for i, (a, w) in enumerate(zip(actual, want, strict=True)):
            out += differences(a, w, f"{where}[{i}]")
        return out
    if isinstance(want, str) and isinstance(actual, str):
        same = actual.strip(_ENDS) == want.strip(_ENDS)
        return [] if same else [f"{where}: {actual!r} != {want!r}"]
    return [] if actual == want else [f"{where}: {actual!r} != {want!r}"]


def check(case: Case) -> None:
    """Inspect the case and fail with every difference from what it expects."""
    actual = inspect_case(case)
    diff = differences(actual, case.want)
    assert not diff, "\n".join(diff) + f"\nrules: {actual.get('rules')}"
