"""The operator's CLI: clear errors instead of tracebacks, quiet listings, clean SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon.cli import main
from daemon.config import load
from daemon.domain.model import ActionItem, Meeting, MeetingFile
from daemon.service import Service
from daemon.store import meetings

MISSING = "no meeting MTG-9. Fix: see `meetingd status`."


@pytest.fixture()
def cfg_file(tmp_path: Path) -> Path:
    path = tmp_path / "meetingd.toml"
    path.write_text('[daemon]\nvar_dir = "var"\ntick_seconds = 60\n', encoding="utf-8")
    return path


def cli(cfg_file: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "-c", str(cfg_file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "args",
    [
        ("actions", "MTG-9"),
        ("approve", "MTG-9"),
        ("reject", "MTG-9"),
        ("cancel", "9"),
        ("reschedule", "MTG-9", "--start", "2030-01-07 10:00"),
        ("agenda", "MTG-9", "--drop", "1"),
        ("assign", "MTG-9/A-1", "someone@corp.example"),
    ],
)
def test_every_verb_turns_a_missing_meeting_into_a_clear_error(
    cfg_file: Path, args: tuple[str, ...]
) -> None:
    code, output = cli(cfg_file, *args)
    assert code == 2
    assert MISSING in output
    assert "Traceback" not in output and "KeyError" not in output


def test_empty_outbox_and_actions_say_so(cfg_file: Path) -> None:
    assert cli(cfg_file, "outbox") == (0, "no outgoing mail yet\n")
    assert cli(cfg_file, "outbox", "--state", "failed") == (0, "no outgoing mail in state failed\n")
    assert cli(cfg_file, "actions") == (0, "no action items yet\n")


def test_a_refused_command_names_the_meeting_once(cfg_file: Path) -> None:
    service = Service(load(cfg_file))
    meeting = Meeting(number=2, title="t", status="cancelled", requester="a@corp.example")
    meetings.save_file(service.db, MeetingFile(meeting=meeting))
    service.close()
    code, output = cli(cfg_file, "cancel", "MTG-2")
    assert code == 2
    assert output.strip() == "meetingd: MTG-2 is already cancelled."
    assert cli(cfg_file, "actions", "2") == (0, "no action items for MTG-2\n")


def test_assign_and_agenda_say_what_is_wrong(cfg_file: Path) -> None:
    service = Service(load(cfg_file))
    meeting = Meeting(number=3, title="t", status="minutes_received", requester="a@corp.example")
    item = ActionItem(k=1, what="核对报价", owner=None, due=None, owner_name="小张")
    meetings.save_file(service.db, MeetingFile(meeting=meeting, actions=[item]))
    service.close()
    code, output = cli(cfg_file, "status")
    assert "action items without an owner: 1" in output
    assert "MTG-3/A-1 核对报价 (minutes say: 小张); fix: meetingd assign MTG-3/A-1 PERSON" in output
    code, output = cli(cfg_file, "assign", "MTG-3/A-1", "小张")
    assert code == 2 and "matches nobody" in output and "Traceback" not in output
    code, output = cli(cfg_file, "assign", "MTG-3/A-2", "li.na@corp.example")
    assert code == 2 and "no action item A-2" in output
    assert cli(cfg_file, "assign", "MTG-3", "x")[0] == 2
    code, output = cli(cfg_file, "assign", "MTG-3/A-1", "li.na@corp.example")
    assert code == 0 and "A-1 assigned to li.na@corp.example by operator" in output
    assert "without an owner" not in cli(cfg_file, "status")[1]
    code, output = cli(cfg_file, "agenda", "MTG-3", "--time", "2")
    assert code == 2 and "--time '2': not N=NUMBER" in output
    code, output = cli(cfg_file, "agenda", "MTG-3", "--drop", "1")
    assert code == 2 and "only a scheduled meeting's agenda can change" in output


def test_listing_verbs_print_no_info_logs(cfg_file: Path) -> None:
    cfg_file.write_text(
        cfg_file.read_text(encoding="utf-8") + 'log_level = "DEBUG"\n', encoding="utf-8"
    )
    for verb in ("status", "outbox", "quarantine", "check-config"):
        run = subprocess.run(
            [sys.executable, "-m", "daemon", verb, "-c", str(cfg_file)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        assert " INFO " not in run.stderr and " DEBUG " not in run.stderr, (verb, run.stderr)


def test_run_stops_within_seconds_on_sigterm(cfg_file: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "daemon", "run", "-c", str(cfg_file)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    started = threading.Event()
    lines: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "meetingd running" in line:
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(60), "".join(lines)
        time.sleep(1.0)  # idle: inside the wait for new mail
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    assert code == 0, "".join(lines)
    assert took < 3.0, f"took {took:.1f} s to stop"


def test_outbox_retry_queues_a_failed_mail_again(cfg_file: Path) -> None:
    from daemon import clock as clock_mod
    from daemon.config import load
    from daemon.store import queries
    from daemon.store.db import open_db

    db = open_db(load(cfg_file).db_path)
    queries.outbox_enqueue(
        db,
        idem_key="k",
        message_id="<m@x>",
        meeting_number=None,
        kind="not_understood",
        recipients=["a@x.example"],
        subject="s",
        raw=b"x",
        now=clock_mod.now(),
    )
    (row,) = queries.outbox_list(db)
    queries.outbox_failed(db, row.id, "permanent: 550")
    db.conn.commit()
    code, output = cli(cfg_file, "outbox", "--retry", str(row.id))
    assert code == 0 and "sent again" in output
    (again,) = queries.outbox_list(open_db(load(cfg_file).db_path))
    assert again.state == "queued" and again.attempts == 0
    code, output = cli(cfg_file, "outbox", "--retry", str(row.id))
    assert code == 2 and "is not failed" in output
