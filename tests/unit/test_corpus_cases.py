"""Every labelled case in shared/corpus/cases through the parser, checked as check_cases.py.

Skipped (one line saying where the corpus goes) when ../shared is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from daemon.inbound.inspect import inspect_bytes
from tests.mails import INSPECT_NOW
from tests.unit.inbound_helpers import corpus_params, load_check_cases


@pytest.mark.parametrize("path", corpus_params("cases", "*.eml"), ids=lambda p: p.stem)
def test_case_matches_expected(labelled_corpus: Path, path: Path) -> None:
    checker = load_check_cases()
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    actual = json.loads(
        json.dumps(inspect_bytes(path.read_bytes(), str(path), now=INSPECT_NOW).to_json())
    )
    assert checker.diff(expected, actual) is None
