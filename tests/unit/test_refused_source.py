"""A mail source that refuses us (PermanentError, e.g. a refused login) stops the daemon:
``meetingd run --once`` exits 3 like ``meetingd run``; passing failures are still retried."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from daemon.cli import main
from daemon.config import load
from daemon.errors import PermanentError, TransientError
from daemon.inbound.pipeline import ingest
from daemon.runner import run_forever
from daemon.service import Service
from daemon.transports import memory
from tests.mails import mail

REFUSED = "imap: login refused for meetings: [AUTHENTICATIONFAILED]"


@pytest.fixture()
def shared_source(tmp_path: Path) -> tuple[Path, memory.MemoryTransport]:
    """A config whose memory source and sink are the returned (named) transport."""
    name = f"refused-{uuid.uuid4().hex}"
    path = tmp_path / "meetingd.toml"
    path.write_text(
        '[daemon]\nvar_dir = "var"\ntick_seconds = 1\n'
        f'[transport]\nsource = "memory"\nsink = "memory"\n[transport.memory]\nname = "{name}"\n',
        encoding="utf-8",
    )
    return path, memory.create({"name": name}, tmp_path)


def test_ingest_lets_a_refusal_through_and_swallows_the_rest(db: Database) -> None:
    source = memory.MemoryTransport()
    source.deliver(mail("a@corp.example", "hi", "x"))
    source.fetch_errors += [TransientError("421 later"), RuntimeError("odd"), PermanentError("no")]
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert ingest(db, source, now) == 0
    assert ingest(db, source, now) == 0
    with pytest.raises(PermanentError, match="no"):
        ingest(db, source, now)
    assert ingest(db, source, now) == 1


def test_run_once_raises_the_refusal(shared_source: tuple[Path, memory.MemoryTransport]) -> None:
    path, source = shared_source
    service = Service(load(path))
    source.fetch_errors.append(PermanentError(REFUSED))
    with pytest.raises(PermanentError):
        service.run_once()
    assert service.run_once().fetched == 0  # a later pass works again
    service.close()


def test_cli_run_once_exits_3_when_the_source_refuses(
    shared_source: tuple[Path, memory.MemoryTransport],
) -> None:
    path, source = shared_source
    source.fetch_errors.append(PermanentError(REFUSED))
    result = CliRunner().invoke(main, ["run", "--once", "-c", str(path)])
    assert result.exit_code == 3, result.output
    assert result.stderr == f"meetingd: the mail source refused us: {REFUSED}\n"
    assert result.stdout == "" and source.closed


def test_cli_run_once_exits_0_on_a_passing_failure(
    shared_source: tuple[Path, memory.MemoryTransport],
) -> None:
    path, source = shared_source
    source.fetch_errors.append(TransientError("421 try later"))
    result = CliRunner().invoke(main, ["run", "--once", "-c", str(path)])
    assert result.exit_code == 0 and result.stdout.startswith("fetched 0, processed 0")


def test_run_forever_stops_with_3_at_the_first_refused_fetch(
    shared_source: tuple[Path, memory.MemoryTransport],
) -> None:
    path, source = shared_source
    source.fetch_errors.append(PermanentError(REFUSED))
    stop = threading.Event()
    timer = threading.Timer(10, stop.set)  # a safety net: the test fails, it does not hang
    timer.start()
    try:
        assert run_forever(Service(load(path)), stop) == 3
    finally:
        timer.cancel()
    assert not stop.is_set()
