"""Helpers for the inbound parser tests: locate the shared corpus and build test messages."""

from __future__ import annotations

import base64
import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """The ``shared`` directory: ``$MEETINGD_SHARED`` or ``<repo>/../shared``."""
    env = os.environ.get("MEETINGD_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def corpus_dir() -> Path:
    """The labelled corpus folder, ``<shared>/corpus`` (it may be absent)."""
    return shared_dir() / "corpus"


def corpus_missing_reason() -> str:
    """The one line shown when the labelled corpus is absent: where it goes."""
    return (
        f"labelled corpus not found: put it at {corpus_dir()} or set MEETINGD_SHARED "
        "(the folder holding corpus/ and tools/)"
    )


def corpus_params(sub: str, pattern: str = "*") -> list[Any]:
    """Files of ``<corpus>/<sub>`` matching ``pattern``, sorted, for ``parametrize``.

    Returns one ``None`` placeholder (id ``no-corpus``) when there are none, so that the
    test runs, asks for the ``labelled_corpus`` fixture and is skipped by it with the one
    line of :func:`corpus_missing_reason` (an empty parameter set would skip with a
    reason of pytest's own).
    """
    files = sorted(p for p in (corpus_dir() / sub).glob(pattern) if p.name != "MANIFEST.tsv")
    return files or [pytest.param(None, id="no-corpus")]


def load_check_cases() -> ModuleType:
    """Import ``shared/tools/check_cases.py`` (its ``diff`` is the matching rule)."""
    path = shared_dir() / "tools" / "check_cases.py"
    spec = importlib.util.spec_from_file_location("check_cases", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_mail(
    body: str,
    subject: str = "Re: [MTG-7] test",
    sender: str = "Tester <tester@example.org>",
    date: str = "Mon, 07 Dec 2026 09:00:00 +0800",
    charset: str = "utf-8",
    ctype: str = "text/plain",
    extra_headers: str = "",
) -> bytes:
    """A single-part message with a base64 body in ``charset``; the subject is RFC 2047 B."""
    subj = "=?utf-8?b?" + base64.b64encode(subject.encode()).decode() + "?="
    payload = base64.encodebytes(body.encode(charset, "replace")).decode()
    head = (
        f"From: {sender}\nTo: meetings@example.org\nSubject: {subj}\nDate: {date}\n"
        f"Message-ID: <t@example.org>\nMIME-Version: 1.0\n"
        f'Content-Type: {ctype}; charset="{charset}"\nContent-Transfer-Encoding: base64\n'
        f"{extra_headers}"
    )
    return (head + "\n" + payload).encode("ascii")
