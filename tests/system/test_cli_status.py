"""``meetingd status``: counts, a page of open meetings, ``--all``, ``--meeting REF``; the
figures are computed by SQL and must agree with the meeting files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon.cli import main
from daemon.config import load
from daemon.domain.model import (
    ActionItem,
    Deadline,
    Meeting,
    MeetingFile,
    Participant,
    Rsvp,
    Topic,
)
from daemon.service import Service
from daemon.store import meetings, queries
from daemon.store.db import atomic

START = dt.datetime(2030, 1, 7, 6, 0, tzinfo=dt.UTC)  # 14:00 in Asia/Shanghai
STATUSES = ["scheduled", "cancelled", "scheduled", "closed", "held"]


@pytest.fixture()
def cfg_file(tmp_path: Path) -> Path:
    path = tmp_path / "meetingd.toml"
    path.write_text('[daemon]\nvar_dir = "var"\n', encoding="utf-8")
    service = Service(load(path))
    db = service.db
    with atomic(db):
        for number, status in enumerate(STATUSES, start=1):
            people = [f"p{i}@corp.example" for i in range(number + 1)]
            file = MeetingFile(
                meeting=Meeting(
                    number=number,
                    title=f"meeting {number}",
                    status=status,  # type: ignore[arg-type]
                    requester="a@corp.example",
                    host="h@corp.example",
                    start_utc=START + dt.timedelta(days=number),
                ),
                participants=[Participant(a, "core") for a in people],
                rsvps=[
                    Rsvp(a, partstat="ACCEPTED" if i < number else "NEEDS-ACTION")
                    for i, a in enumerate(people)
                ],
                topics=[Topic(i, f"t{i}", "a@corp.example") for i in range(number % 3)],
                actions=[ActionItem(1, "do", None, None)] if number == 5 else [],
            )
            meetings.save_file(db, file)
            due = START + dt.timedelta(days=number, hours=-3)
            queries.deadlines_sync(
                db,
                number,
                [
                    Deadline("rsvp_nudge", due + dt.timedelta(hours=1), "b"),
                    Deadline("topic_reminder", due, "a"),
                ],
            )
    service.close()
    return path


def status(cfg_file: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["status", "-c", str(cfg_file), *args])
    return result.exit_code, result.output.splitlines()


def expected_block(cfg_file: Path, number: int) -> list[str]:
    """The block of ``number`` computed the slow way, from its meeting file."""
    service = Service(load(cfg_file))
    file = meetings.load_file(service.db, number)
    pending = sorted(
        (d for d in queries.deadlines_list(service.db, number) if d.state == "pending"),
        key=lambda d: d.due_utc,
    )
    service.close()
    tz = load(cfg_file).tz
    m = file.meeting
    answered = sum(r.partstat != "NEEDS-ACTION" for r in file.rsvps)
    assert m.start_utc is not None
    return [
        f"[MTG-{number}] {m.title}",
        f"  status {m.status}; starts {m.start_utc.astimezone(tz):%Y-%m-%d %H:%M}; host {m.host}",
        f"  {len(file.participants)} attendees, {answered} answered; "
        f"{len(file.topics)} topics; {len(file.actions)} action items",
        f"  next: {pending[0].kind} at {pending[0].due_utc.astimezone(tz):%Y-%m-%d %H:%M}",
    ]


def test_default_lists_counts_and_a_page_of_open_meetings(cfg_file: Path) -> None:
    code, lines = status(cfg_file, "--limit", "2")
    assert code == 0
    assert lines[0] == "meetings: 5 (1 cancelled, 1 closed, 1 held, 2 scheduled)"
    assert lines[1:9] == expected_block(cfg_file, 1) + expected_block(cfg_file, 3)
    assert lines[9].startswith("... 1 more open meetings; every meeting: `meetingd status --all`")
    assert lines[10:] == [
        "action items without an owner: 1",
        "  MTG-5/A-1 do; fix: meetingd assign MTG-5/A-1 PERSON",
        "inbox: empty",
        "outbox: 0 due, 0 sending, 0 failed, 0 sent",
    ]


def test_all_lists_every_meeting_finished_ones_too(cfg_file: Path) -> None:
    code, lines = status(cfg_file, "--all")
    assert code == 0
    blocks = [line for line in lines if line.startswith("[MTG-")]
    assert blocks == [f"[MTG-{n}] meeting {n}" for n in range(1, 6)]
    assert lines[1:5] == expected_block(cfg_file, 1)
    assert not any(line.startswith("...") for line in lines)


def test_one_meeting_with_its_pending_deadlines(cfg_file: Path) -> None:
    code, lines = status(cfg_file, "--meeting", "MTG-5")
    assert code == 0
    assert lines[:4] == expected_block(cfg_file, 5)
    assert lines[4:6] == [
        "  pending: topic_reminder a at 2030-01-12 11:00",
        "  pending: rsvp_nudge b at 2030-01-12 12:00",
    ]


def test_an_unknown_meeting_is_a_clear_error(cfg_file: Path) -> None:
    code, lines = status(cfg_file, "--meeting", "MTG-9")
    assert code == 2
    assert lines == ["meetingd: no meeting MTG-9. Fix: see `meetingd status --all`."]


def test_the_outbox_queue_shows_what_waits(cfg_file: Path) -> None:
    service = Service(load(cfg_file))
    db = service.db
    later = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    with atomic(db):
        for i, when in enumerate([dt.datetime(2020, 1, 1, tzinfo=dt.UTC), later]):
            queries.outbox_enqueue(
                db,
                idem_key=f"k{i}",
                message_id=f"<m{i}@corp.example>",
                meeting_number=1,
                kind="invite",
                recipients=["p0@corp.example"],
                subject="s",
                raw=b"x",
                now=when,
            )
    service.close()
    code, lines = status(cfg_file, "--limit", "0")
    assert code == 0
    assert (
        lines[-1]
        == "outbox: 1 due, 1 later (next at 2099-01-01 08:00), 0 sending, 0 failed, 0 sent"
    )
