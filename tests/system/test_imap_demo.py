"""The full demo over IMAP and SMTP: Dovecot (IMAP source, Sent folder) and aiosmtpd (sink).

Every scripted reply is APPENDed into the daemon's Dovecot INBOX; every mail the daemon sends
goes through the aiosmtpd server (which files it into each recipient's Dovecot INBOX) and a
copy lands in the daemon's Sent folder. Checks: every kind goes out, each exactly once, the
inbox is drained into the processed folder (nothing deleted, nothing left), Sent holds one
copy of each mail, and the invites carry a parseable ``text/calendar; method=REQUEST``.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from daemon.demo import run_demo
from tests.mails import read_mail
from tests.system.test_demo import REQUIRED, M
from tests.transports.servers import PASSWORD, Dovecot, SmtpServer

DAEMON = "meetings@corp.example"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Dovecot, SmtpServer]]:
    dovecot = Dovecot().start()
    smtp = SmtpServer(dovecot).start()
    try:
        yield dovecot, smtp
    finally:
        smtp.stop()
        dovecot.close()


def transport_toml(dovecot: Dovecot, smtp: SmtpServer) -> str:
    imap = f"""host = "127.0.0.1"
port = {dovecot.port}
security = "none"
username = "{DAEMON}"
password_env = "MEETINGD_TEST_IMAP_PASSWORD"
retries = 4
backoff_seconds = 0.05
"""
    return f"""
[transport]
source = "imap"
sink = "smtp"

[transport.imap]
{imap}
[transport.smtp]
host = "127.0.0.1"
port = {smtp.port}
security = "none"
backoff_seconds = 0.05

[transport.smtp.sent_imap]
{imap}"""


@pytest.fixture(scope="module")
def run(
    servers: tuple[Dovecot, SmtpServer],
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch_module: pytest.MonkeyPatch,
) -> tuple[Dovecot, SmtpServer, int]:
    dovecot, smtp = servers
    monkeypatch_module.setenv("MEETINGD_TEST_IMAP_PASSWORD", PASSWORD)
    delivered: list[bytes] = []

    def deliver(raw: bytes) -> None:
        delivered.append(raw)
        dovecot.append(DAEMON, raw)

    workdir: Path = tmp_path_factory.mktemp("imap-demo")
    code = run_demo(workdir, "zh", M, None, transport_toml(dovecot, smtp), deliver)
    assert code == 0
    return dovecot, smtp, len(delivered)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def parsed(raws: list[bytes]) -> list[EmailMessage]:
    return [read_mail(r) for r in raws]


def test_every_kind_goes_out_once_over_smtp(run: tuple[Dovecot, SmtpServer, int]) -> None:
    _dovecot, smtp, _n = run
    sent = parsed([r.raw for r in smtp.received])
    kinds = {m["X-Meetingd-Kind"] for m in sent}
    assert kinds >= REQUIRED, REQUIRED - kinds
    ids = [m["Message-ID"] for m in sent]
    assert len(ids) == len(set(ids)), "a mail was sent twice"
    assert all(m["Auto-Submitted"] == "auto-generated" for m in sent)


def test_inbox_drained_into_processed(run: tuple[Dovecot, SmtpServer, int]) -> None:
    dovecot, _smtp, delivered = run
    assert dovecot.messages(DAEMON) == []
    assert len(dovecot.messages(DAEMON, "meetingd/processed")) == delivered


def test_sent_folder_holds_one_copy_of_each(run: tuple[Dovecot, SmtpServer, int]) -> None:
    dovecot, smtp, _n = run
    in_sent = sorted(m["Message-ID"] for m in parsed(dovecot.messages(DAEMON, "Sent")))
    assert in_sent == sorted(m["Message-ID"] for m in parsed([r.raw for r in smtp.received]))


def test_invites_reach_the_participants_as_imip(run: tuple[Dovecot, SmtpServer, int]) -> None:
    dovecot, _smtp, _n = run
    inbox = parsed(dovecot.messages("liu.yang@corp.example"))
    invites = [m for m in inbox if m["X-Meetingd-Kind"] == "invite"]
    assert invites
    parts = [p for p in invites[0].walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1 and parts[0].get_param("method") == "REQUEST"
    assert "BEGIN:VEVENT" in parts[0].get_content()
