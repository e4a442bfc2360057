"""Configuration: every problem at once, each naming file, key and fix; no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from daemon import config
from daemon.errors import UserError

ROOT = Path(__file__).resolve().parents[2]


def test_example_file_is_the_generated_one_and_loads() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert text == config.example_toml(), "regenerate: meetingd init --dir /tmp/x"
    cfg = config.load(ROOT / "config.example.toml")
    for section, keys in config.SPEC.items():
        for key in keys:
            assert f"\n{key.name} = " in text, (section, key.name)
            assert cfg.get(section, key.name) is not None


def test_embedded_default_needs_no_file() -> None:
    cfg = config.load(None)
    assert cfg.get("transport", "source") == "maildir"
    assert cfg.get("process", "topics_due_days") == 3


def test_every_problem_is_reported_with_file_key_and_fix(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text(
        '[process]\ntopics_due_days = "three"\nescalate_after = 0\nbogus = 1\n'
        '[calendar]\ntimezone = "Mars/Base"\nextra_holidays = ["2027-13-01"]\n'
        '[transport]\nsource = "pigeon"\n',
        encoding="utf-8",
    )
    with pytest.raises(UserError) as err:
        config.load(bad)
    problems = err.value.problems
    assert len(problems) == 6
    assert all(str(bad) in p for p in problems)
    joined = "\n".join(problems)
    for needle in (
        "topics_due_days",
        "escalate_after",
        "bogus",
        "timezone",
        "extra_holidays",
        "source",
    ):
        assert needle in joined
    assert "Fix:" in joined


def test_cli_prints_problems_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text("[daemon\nlang = 'zh'\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "daemon", "check-config", "-c", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert str(bad) in run.stderr and "not valid TOML" in run.stderr
    assert "Traceback" not in run.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "daemon", "check-config", "-c", str(tmp_path / "none.toml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "meetingd init" in missing.stderr
