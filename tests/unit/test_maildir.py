"""The embedded Maildir transport: fetch, ack by moving, idempotent send and find_sent."""

from __future__ import annotations

import mailbox
import os
from pathlib import Path

import pytest
from sqlite_utils import Database

from daemon.clock import FrozenClock
from daemon.inbound.pipeline import ingest
from daemon.store import queries
from daemon.transports.base import MailSink, MailSource, OutgoingMail, load_factory
from daemon.transports.maildir import MaildirTransport, create, file_name_for


def raw(n: int) -> bytes:
    return f"From: a@example.com\nSubject: s{n}\nMessage-ID: <in{n}@x>\n\nbody {n}\n".encode()


@pytest.fixture
def var(tmp_path: Path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def md(var: Path) -> MaildirTransport:
    return create({}, var)


def drop(var: Path, data: bytes, mtime: float | None = None) -> str:
    box = mailbox.Maildir(var / "inbox", create=True)
    key = box.add(data)
    if mtime is not None:
        path = next((var / "inbox" / "new").glob(key + "*"))
        os.utime(path, (mtime, mtime))
    return key


def test_creates_maildirs_and_satisfies_protocols(md: MaildirTransport, var: Path) -> None:
    for name in ("inbox", "processed", "outbox"):
        for sub in ("tmp", "new", "cur"):
            assert (var / name / sub).is_dir()
    assert isinstance(md, MailSource) and isinstance(md, MailSink)
    assert isinstance(load_factory("maildir")({}, var), MaildirTransport)


def test_settings_override_paths(tmp_path: Path) -> None:
    md = create({"inbox": "in", "outbox": str(tmp_path / "abs-out")}, tmp_path)
    assert md.inbox == tmp_path / "in" and md.outbox == tmp_path / "abs-out"
    assert md.processed == tmp_path / "processed"


def test_fetch_oldest_first_from_new_and_cur(md: MaildirTransport, var: Path) -> None:
    k2 = drop(var, raw(2), mtime=2_000_000_000)
    k1 = drop(var, raw(1), mtime=1_000_000_000)
    # a message another client already moved to cur/ with flags
    box = mailbox.Maildir(var / "inbox")
    msg = box.get_message(k2)
    msg.set_subdir("cur")
    msg.add_flag("S")
    box[k2] = msg
    fetched = md.fetch()
    assert [f.source_key for f in fetched][0] == k1
    assert {f.source_key for f in fetched} == {k1, k2}
    assert fetched[0].raw == raw(1)
    assert len(md.fetch(limit=1)) == 1
    assert [f.source_key for f in md.fetch()] == [f.source_key for f in fetched]  # no ack: same


def test_ack_moves_never_deletes_and_is_idempotent(md: MaildirTransport, var: Path) -> None:
    key = drop(var, raw(1))
    md.ack(key)
    assert md.fetch() == []
    moved = list((var / "processed" / "cur").iterdir())
    assert len(moved) == 1 and moved[0].name.startswith(key)
    assert moved[0].read_bytes() == raw(1)
    md.ack(key)  # again: no-op
    md.ack("never-seen")  # unknown: no-op
    assert len(list((var / "processed" / "cur").iterdir())) == 1


def test_send_is_idempotent_and_found(md: MaildirTransport, var: Path) -> None:
    mail = OutgoingMail("<out1@meetingd>", ("a@example.com",), b"Subject: x\r\n\r\nhi\r\n")
    assert md.find_sent("<out1@meetingd>") is False
    md.send(mail)
    md.send(mail)
    files = list((var / "outbox" / "new").iterdir())
    assert [f.name for f in files] == [file_name_for("<out1@meetingd>")]
    assert files[0].read_bytes() == b"Subject: x\n\nhi\n"
    assert md.find_sent("<out1@meetingd>") is True
    assert md.find_sent("<other@meetingd>") is False
    assert list((var / "outbox" / "tmp").iterdir()) == []
    box = mailbox.Maildir(var / "outbox")
    assert [m["Subject"] for m in box] == ["x"]
    # a reader that moved it to cur/ with flags still counts as sent
    key = next(iter(box.keys()))
    msg = box.get_message(key)
    msg.set_subdir("cur")
    msg.add_flag("S")
    box[key] = msg
    assert md.find_sent("<out1@meetingd>") is True
    md.send(mail)
    assert len(box) == 1


def test_file_names_are_stable_and_safe() -> None:
    name = file_name_for("<a/b:c@host>")
    assert name == file_name_for("<a/b:c@host>")
    assert "/" not in name and ":" not in name and not name.startswith(".")
    assert file_name_for("<x@h>") != file_name_for("<x@h2>")


def test_wait_returns_at_once_when_mail_is_there(md: MaildirTransport, var: Path) -> None:
    assert md.wait(0) is True
    drop(var, raw(1))
    assert md.wait(30) is True  # would hang the test if it slept


def test_ingest_crash_before_ack_no_duplicate(
    md: MaildirTransport, var: Path, db: Database, frozen_clock: FrozenClock
) -> None:
    key = drop(var, raw(1))
    with (var / "inbox" / "new").joinpath("x").open("w"):
        pass  # a second message that is just empty bytes
    # simulate the crash: store committed, ack never happened
    for message in md.fetch():
        queries.inbox_store(db, message.source_key, message.raw, frozen_clock.now())
    assert ingest(db, md, frozen_clock.now()) == 0  # re-fetch: both already stored, now acked
    assert md.fetch() == []
    assert len(queries.inbox_list(db)) == 2
    assert any(p.name.startswith(key) for p in (var / "processed" / "cur").iterdir())


def test_find_sent_follows_a_reader_that_renames_flags(md: MaildirTransport, var: Path) -> None:
    cur = var / "outbox" / "cur"
    name = file_name_for("<out2@meetingd>")
    (cur / f"{name}:2,S").write_bytes(b"Subject: x\n\nhi\n")
    assert md.find_sent("<out2@meetingd>") is True
    os.rename(cur / f"{name}:2,S", cur / f"{name}:2,RS")  # the listing seen is now stale
    assert md.find_sent("<out2@meetingd>") is True
    (cur / f"{name}:2,RS").unlink()
    assert md.find_sent("<out2@meetingd>") is False
