"""Heavy modules are imported where they are used: ``meetingd --help`` and ``meetingd
status`` on an up-to-date database import neither the scheduler, nor asyncio, ssl,
holidays or the calendar library (start-up cost, issue 15; timed in bench/startup.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("holidays", "apscheduler", "asyncio", "ssl", "multiprocessing", "icalendar", "jinja2")
PROBE = """
import runpy, sys
sys.argv = ["meetingd", *sys.argv[1:]]
try:
    runpy.run_module("daemon", run_name="__main__")
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


def modules_after(*args: str) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60
    )
    return set(run.stderr.strip().splitlines()[-1].split())


def heavy(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if m.split(".")[0] in HEAVY)


def test_help_imports_nothing_heavy() -> None:
    loaded = modules_after("--help")
    assert heavy(loaded) == []
    assert "daemon.config" not in loaded and "sqlite_utils" not in loaded


@pytest.mark.parametrize("country", ["CN", "DE"])
def test_status_imports_nothing_heavy(tmp_path: Path, country: str) -> None:
    config = tmp_path / "meetingd.toml"
    config.write_text(f'[daemon]\nvar_dir = "."\n\n[calendar]\ncountry = "{country}"\n')
    first = modules_after("status", "-c", str(config))  # creates and migrates the database
    assert heavy(first) == []
    again = modules_after("status", "-c", str(config))
    assert heavy(again) == []
    assert "sqlite_utils" not in again, "an up-to-date database opens without sqlite-utils"


def test_an_unknown_country_is_still_refused(tmp_path: Path) -> None:
    config = tmp_path / "meetingd.toml"
    config.write_text('[calendar]\ncountry = "XX"\n')
    run = subprocess.run(
        [sys.executable, "-m", "daemon", "check-config", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "unknown country 'XX'" in run.stderr
