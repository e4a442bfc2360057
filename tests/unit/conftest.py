"""Fixtures of the unit tests: the labelled corpus of ``../shared`` (optional).

When the corpus is absent, every test that asks for :func:`labelled_corpus` is skipped, and
:func:`pytest_runtest_makereport` reports all those skips at this file, so ``pytest -ra``
folds them into ONE line saying where the corpus goes.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest

from tests.unit.inbound_helpers import corpus_dir, corpus_missing_reason


@pytest.fixture(scope="session")
def labelled_corpus() -> Path:
    """The labelled corpus folder (with ``cases/`` and ``public/``).

    Skips the test when either is absent (see the module docstring).
    """
    corpus = corpus_dir()
    if not all((corpus / sub).is_dir() for sub in ("cases", "public")):
        pytest.skip(corpus_missing_reason())
    return corpus


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Report every missing-corpus skip at this file (one folded line, not one per test)."""
    report = yield
    longrepr = report.longrepr
    if (
        report.skipped
        and isinstance(longrepr, tuple)
        and str(longrepr[2]).endswith(corpus_missing_reason())
    ):
        report.longrepr = (__file__, 1, longrepr[2])
    return report
