"""The IMAP source against the contract suite, on a real Dovecot (``tests/transports/conftest.py``).

Faults: ``transient`` is a server that is not there (a free port), ``permanent`` a refused
login (on a private Dovecot, so its growing auth penalty cannot slow the shared one down).
The deeper IMAP scenarios (restarts, UIDVALIDITY, IDLE races) are in ``test_imap_faults.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from daemon.transports.base import MailSource, load_factory
from daemon.transports.imap import ImapSource
from tests.transports.contracts import Fault, MailSourceContract, SourceKit
from tests.transports.servers import Dovecot, free_port

PROCESSED = "meetingd/processed"


class ImapKit(SourceKit):
    """The INBOX of a fresh Dovecot user; ack moves into ``meetingd/processed``."""

    def __init__(self, dovecot: Dovecot, user: str, var_dir: Path) -> None:
        super().__init__()
        self.dovecot, self.user, self.var_dir = dovecot, user, var_dir
        self.private: list[Dovecot] = []

    def _create(self, **extra: Any) -> MailSource:
        settings = self.dovecot.settings(self.user, idle_seconds=5, **extra)
        made = load_factory("imap", "source")(settings, self.var_dir)
        assert isinstance(made, ImapSource)
        return made

    def open_source(self) -> MailSource:
        return self._create()

    def inject(self, raw: bytes) -> None:
        self.dovecot.append(self.user, raw)

    def processed(self) -> list[bytes]:
        return self.dovecot.messages(self.user, PROCESSED)

    def failing_source(self, fault: Fault) -> MailSource:
        if fault == "transient":
            return self._create(port=free_port(), retries=2)
        server = Dovecot().start()
        self.private.append(server)
        os.environ["MEETINGD_TEST_WRONG_PASSWORD"] = "not-the-password"
        settings = server.settings(self.user, password_env="MEETINGD_TEST_WRONG_PASSWORD")
        made = load_factory("imap", "source")(settings, self.var_dir / "private")
        assert isinstance(made, ImapSource)
        return made

    def close(self) -> None:
        super().close()
        for server in self.private:
            server.close()


class TestImapSource(MailSourceContract):
    @pytest.fixture
    def source_kit(self, dovecot: Dovecot, mail_user: str, tmp_path: Path) -> Iterator[SourceKit]:
        yield ImapKit(dovecot, mail_user, tmp_path)
