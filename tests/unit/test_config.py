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


def _problems(tmp_path: Path, text: str, check_dirs: bool = False) -> list[str]:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as err:
        config.load(path, check_dirs=check_dirs)
    assert all(p.startswith(f"{path}: ") for p in err.value.problems), err.value.problems
    return err.value.problems


def test_bounds_address_level_country_and_every_bad_date_at_once(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        '[daemon]\nlog_level = "LOUD"\n[mailbox]\naddress = "not-an-email"\n'
        "[process]\nmerge_similarity = 500\n"
        '[calendar]\ncountry = "XX"\nextra_holidays = ["2027-02-30", "tomorrow"]\n',
    )
    joined = "\n".join(problems)
    assert len(problems) == 6, joined
    for needle in (
        "[daemon] log_level: unknown level 'LOUD'",
        "[mailbox] address: must be an email address",
        "[process] merge_similarity: must be at most 100, got 500",
        "[calendar] country: unknown country 'XX'",
        "'2027-02-30' is not a date",
        "'tomorrow' is not a date",
    ):
        assert needle in joined


def test_log_level_is_a_spec_key_and_empty_address_is_refused(tmp_path: Path) -> None:
    assert "log_level" in {k.name for k in config.SPEC["daemon"]}
    cfg_file = tmp_path / "ok.toml"
    cfg_file.write_text('[daemon]\nlog_level = "debug"\n', encoding="utf-8")
    assert config.load(cfg_file).get("daemon", "log_level") == "DEBUG"
    problems = _problems(tmp_path, '[mailbox]\naddress = ""\n')
    assert "[mailbox] address" in problems[0]


def test_unknown_country_never_reaches_the_calendar(tmp_path: Path) -> None:
    from daemon.workdays import WorkCalendar

    with pytest.raises(ValueError, match="XX"):
        WorkCalendar("XX")


def test_unwritable_var_dir_is_reported_by_check_and_at_start(tmp_path: Path) -> None:
    from daemon.service import Service

    text = '[daemon]\nvar_dir = "/proc/forbidden"\n'
    problems = _problems(tmp_path, text, check_dirs=True)
    assert len(problems) == 1 and "[daemon] var_dir: cannot create or write" in problems[0]
    cfg = config.load(tmp_path / "m.toml")  # without the check it loads ...
    with pytest.raises(UserError) as err:  # ... and the service refuses to start, clearly
        Service(cfg)
    assert str(tmp_path / "m.toml") in str(err.value) and "var_dir" in str(err.value)
    run = subprocess.run(
        [sys.executable, "-m", "daemon", "check-config", "-c", str(tmp_path / "m.toml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and "var_dir" in run.stderr and "Traceback" not in run.stderr


def test_sending_limits_are_checked_together(tmp_path: Path) -> None:
    path = tmp_path / "meetingd.toml"
    path.write_text("[sending]\nper_minute = 30\nrecipients_per_day = 20\nbudget_seconds = 0\n")
    with pytest.raises(UserError) as err:
        config.load(path)
    problems = err.value.problems
    assert any("[sending] recipients_per_day: 20 is too few" in p for p in problems)
    assert any("[sending] per_minute: 30 mails a minute exceeds" in p for p in problems)
    assert any("[sending] budget_seconds:" in p for p in problems)
    assert all(p.startswith(f"{path}: [sending] ") for p in problems), problems
    assert all("Fix:" in p for p in problems if "budget_seconds" not in p), problems


def test_exchange_online_limits_load(tmp_path: Path) -> None:
    path = tmp_path / "meetingd.toml"
    path.write_text("[sending]\nper_minute = 30\nrecipients_per_day = 10000\n")
    sending = config.load(path).values["sending"]
    assert (sending["per_minute"], sending["recipients_per_day"]) == (30, 10000)
