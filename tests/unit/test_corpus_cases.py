"""Every labelled case in shared/corpus/cases through the parser, checked as check_cases.py."""

from __future__ import annotations

import json

import pytest

from daemon.inbound.inspect import inspect_bytes
from tests.unit.inbound_helpers import load_check_cases, shared_dir

CASES = sorted((shared_dir() / "corpus" / "cases").glob("*.eml"))


@pytest.mark.skipif(not CASES, reason="shared corpus not found (set MEETINGD_SHARED)")
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case_matches_expected(path):
    checker = load_check_cases()
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    actual = json.loads(json.dumps(inspect_bytes(path.read_bytes(), str(path)).to_json()))
    assert checker.diff(expected, actual) is None
