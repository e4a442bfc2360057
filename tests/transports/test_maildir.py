"""The embedded Maildir transport (source and sink) against the contract suites.

Maildir has no server: nothing to be unreachable and no login to refuse, so it declares no
faults (a broken disk raises ``OSError``, which the callers treat as transient).
"""

from __future__ import annotations

import mailbox
import os
import time
from pathlib import Path

import pytest

from daemon.transports.base import load_factory
from daemon.transports.maildir import MaildirTransport
from tests.transports.contracts import MailSinkContract, MailSourceContract, SinkKit, SourceKit


class MaildirKit(SourceKit, SinkKit):
    """Maildirs under ``var_dir``; ``inject`` writes with increasing file times."""

    def __init__(self, var_dir: Path) -> None:
        super().__init__()
        self.var_dir = var_dir
        var_dir.mkdir(parents=True, exist_ok=True)
        self._mtime = time.time() - 3600

    def _open(self, role: str) -> MaildirTransport:
        made = load_factory("maildir", role)({}, self.var_dir)
        assert isinstance(made, MaildirTransport)
        return made

    def open_source(self) -> MaildirTransport:
        return self._open("source")

    def open_sink(self) -> MaildirTransport:
        return self._open("sink")

    def inject(self, raw: bytes) -> None:
        box = mailbox.Maildir(self.var_dir / "inbox", create=True)
        key = box.add(raw)
        self._mtime += 1  # distinct file times: Maildir order is arrival (file time) order
        (path,) = (self.var_dir / "inbox" / "new").glob(f"{key}*")
        os.utime(path, (self._mtime, self._mtime))

    def _folder(self, name: str) -> list[bytes]:
        root = self.var_dir / name
        paths = [p for sub in ("new", "cur") for p in (root / sub).glob("*") if p.is_file()]
        return [p.read_bytes() for p in sorted(paths, key=lambda p: p.stat().st_mtime_ns)]

    def processed(self) -> list[bytes]:
        return self._folder("processed")

    def delivered(self) -> list[bytes]:
        return self._folder("outbox")


@pytest.fixture
def maildir_kit(tmp_path: Path) -> MaildirKit:
    return MaildirKit(tmp_path / "var")


class TestMaildirSource(MailSourceContract):
    source_faults = frozenset()  # no server, no login

    @pytest.fixture
    def source_kit(self, maildir_kit: MaildirKit) -> SourceKit:
        return maildir_kit


class TestMaildirSink(MailSinkContract):
    send_dedupes = True  # the file name is derived from the Message-ID
    sink_faults = frozenset()
    can_be_unreachable = False

    @pytest.fixture
    def sink_kit(self, maildir_kit: MaildirKit) -> SinkKit:
        return maildir_kit
