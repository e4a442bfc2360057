"""Every real file in shared/corpus/public inspects without an exception and gives a valid kind.

Skipped (one line saying where the corpus goes) when ../shared is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.inbound.inspect import inspect_bytes
from tests.mails import INSPECT_NOW
from tests.unit.inbound_helpers import REPO, corpus_params

KINDS = {
    "rsvp",
    "topic_submission",
    "minutes",
    "action_update",
    "meeting_request",
    "auto_reply",
    "bounce",
    "unknown",
}


@pytest.mark.parametrize("path", corpus_params("public"), ids=lambda p: p.name)
def test_public_file_inspects(labelled_corpus: Path, path: Path) -> None:
    insp = inspect_bytes(path.read_bytes(), str(path), now=INSPECT_NOW)
    assert insp.kind in KINDS
    assert "error" not in insp.rule_hits, insp.problems
    json.dumps(insp.to_json(), ensure_ascii=False)


def test_cli_prints_one_line_per_file_and_exits_zero(labelled_corpus: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.eml"
    public = sorted(p for p in (labelled_corpus / "public").glob("*") if p.name != "MANIFEST.tsv")
    files = [str(p) for p in public] + [str(missing)]
    run = subprocess.run(
        [sys.executable, "-m", "daemon.inbound.inspect", "--json", *files],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0
    lines = run.stdout.decode().splitlines()
    assert len(lines) == len(files)
    last = json.loads(lines[-1])
    assert last["kind"] == "unknown" and last["problems"]


def test_bounce_with_returned_invitation_is_not_an_rsvp(labelled_corpus: Path) -> None:
    path = labelled_corpus / "public" / "ccs__dsn_failure_with_ics"
    insp = inspect_bytes(path.read_bytes(), now=INSPECT_NOW)
    assert insp.kind == "bounce" and insp.rsvp is None
