"""Every real file in shared/corpus/public inspects without an exception and gives a valid kind."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon.inbound.inspect import inspect_bytes
from tests.unit.inbound_helpers import REPO, shared_dir

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
PUBLIC = sorted(
    p for p in (shared_dir() / "corpus" / "public").glob("*") if p.name != "MANIFEST.tsv"
)


@pytest.mark.skipif(not PUBLIC, reason="shared corpus not found (set MEETINGD_SHARED)")
@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: p.name)
def test_public_file_inspects(path):
    insp = inspect_bytes(path.read_bytes(), str(path))
    assert insp.kind in KINDS
    assert "error" not in insp.rule_hits, insp.problems
    json.dumps(insp.to_json(), ensure_ascii=False)


@pytest.mark.skipif(not PUBLIC, reason="shared corpus not found (set MEETINGD_SHARED)")
def test_cli_prints_one_line_per_file_and_exits_zero(tmp_path):
    missing = tmp_path / "nope.eml"
    files = [str(p) for p in PUBLIC] + [str(missing)]
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


@pytest.mark.skipif(not PUBLIC, reason="shared corpus not found (set MEETINGD_SHARED)")
def test_bounce_with_returned_invitation_is_not_an_rsvp():
    path = shared_dir() / "corpus" / "public" / "ccs__dsn_failure_with_ics"
    insp = inspect_bytes(path.read_bytes())
    assert insp.kind == "bounce" and insp.rsvp is None
