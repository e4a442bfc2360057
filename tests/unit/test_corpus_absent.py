"""Without ../shared (a user's fresh clone) the corpus tests skip with ONE line saying where
the corpus goes, and the fuzz tests still run on the project's own seeds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.unit import test_fuzz_parsers
from tests.unit.inbound_helpers import REPO

FUZZ_TESTS = [name for name in dir(test_fuzz_parsers) if name.startswith("test_")]

CORPUS_TESTS = [
    "tests/unit/test_corpus_cases.py",
    "tests/unit/test_corpus_public.py",
    "tests/unit/test_fuzz_parsers.py",
]


def test_absent_corpus_skips_with_one_line(tmp_path: Path) -> None:
    nowhere = tmp_path / "no-shared"
    env = {**os.environ, "MEETINGD_SHARED": str(nowhere)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider", *CORPUS_TESTS],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    skipped = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1, skipped
    assert skipped[0].endswith(
        f"labelled corpus not found: put it at {nowhere / 'corpus'} or set MEETINGD_SHARED "
        "(the folder holding corpus/ and tools/)"
    )
    summary = run.stdout.splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) == len(FUZZ_TESTS), summary  # every fuzz test ran
    assert "failed" not in summary and "error" not in summary
