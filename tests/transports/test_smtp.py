"""The SMTP sink against the contract suite: aiosmtpd delivering into a real Dovecot.

Two configurations: with a Sent copy over IMAP (``sent_imap``: ``find_sent`` searches it and
answers True/False) and without one (``find_sent`` answers None, "cannot tell"). Faults are
the server's replies: ``451`` to every try of a send (transient), ``554`` (permanent).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from daemon.errors import PermanentError
from daemon.transports.base import MailSink, OutgoingMail, load_factory
from daemon.transports.smtp import SmtpSink
from tests.transports.contracts import Fault, MailSinkContract, SinkKit
from tests.transports.servers import Dovecot, SmtpServer, free_port


class SmtpKit(SinkKit):
    """The SMTP sink of ``smtp_server``; with ``sent_user``, a Sent copy in that Dovecot user."""

    def __init__(
        self, server: SmtpServer, dovecot: Dovecot, sent_user: str | None, var_dir: Path
    ) -> None:
        super().__init__()
        self.server, self.dovecot, self.var_dir = server, dovecot, var_dir
        self.sent_user = sent_user

    def _create(self, smtp: dict[str, Any], sent: dict[str, Any] | None) -> MailSink:
        settings = dict(smtp)
        if sent is not None:
            settings["sent_imap"] = sent
        made = load_factory("smtp", "sink")(settings, self.var_dir)
        assert isinstance(made, SmtpSink)
        return made

    def open_sink(self) -> MailSink:
        sent = self.dovecot.settings(self.sent_user) if self.sent_user else None
        return self._create(self.server.settings(), sent)

    def delivered(self) -> list[bytes]:
        return [r.raw for r in self.server.received]

    def arm_fault(self, fault: Fault) -> None:
        if fault == "permanent":
            self.server.fail_next("DATA", "554 5.7.1 rejected by policy")
            return
        for _ in range(int(self.server.settings()["send_attempts"])):
            self.server.fail_next("DATA", "451 4.3.0 try again later")

    def unreachable_sink(self) -> MailSink:
        smtp = self.server.settings(port=free_port(), send_attempts=1)
        sent = None
        if self.sent_user:
            sent = self.dovecot.settings(self.sent_user, port=free_port(), retries=1)
        return self._create(smtp, sent)


class TestSmtpSinkWithSentCopy(MailSinkContract):
    @pytest.fixture
    def sink_kit(
        self, smtp_server: SmtpServer, dovecot: Dovecot, mail_user: str, tmp_path: Path
    ) -> Iterator[SinkKit]:
        yield SmtpKit(smtp_server, dovecot, "sent-" + mail_user, tmp_path)


class TestSmtpSinkWithoutSentCopy(MailSinkContract):
    find_sent_reliable = False  # SMTP alone cannot tell whether a mail was delivered

    @pytest.fixture
    def sink_kit(
        self, smtp_server: SmtpServer, dovecot: Dovecot, tmp_path: Path
    ) -> Iterator[SinkKit]:
        yield SmtpKit(smtp_server, dovecot, None, tmp_path)


def test_envelope_recipients_are_the_mails_recipients(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    sink = load_factory("smtp", "sink")(smtp_server.settings(), tmp_path)
    try:
        raw = b"From: m@example.test\r\nMessage-ID: <rcpt@example.test>\r\n\r\nhi\r\n"
        sink.send(OutgoingMail("<rcpt@example.test>", ("a@example.test", "b@example.test"), raw))
        (got,) = smtp_server.received
        assert got.rcpt_tos == ["a@example.test", "b@example.test"]
        assert got.mail_from == "m@example.test"
    finally:
        sink.close()


UTF8_RAW = (
    "From: m@example.test\r\nTo: 卫东@example.test\r\nMessage-ID: <u8@example.test>\r\n\r\n你好\r\n"
).encode()


@pytest.mark.parametrize("offered", [True, False])
def test_a_non_ascii_address_goes_with_smtputf8_or_fails_naming_it(
    offered: bool, tmp_path: Path
) -> None:
    server = SmtpServer(None, smtputf8=offered).start()
    sink = load_factory("smtp", "sink")(server.settings(), tmp_path)
    mail = OutgoingMail("<u8@example.test>", ("卫东@example.test", "b@example.test"), UTF8_RAW)
    try:
        if offered:
            sink.send(mail)
            (got,) = server.received
            assert got.rcpt_tos == ["卫东@example.test", "b@example.test"]
            assert got.raw.replace(b"\r\n", b"\n") == UTF8_RAW.replace(b"\r\n", b"\n")
        else:
            with pytest.raises(PermanentError, match="SMTPUTF8.*卫东@example.test"):
                sink.send(mail)
            assert server.received == []
    finally:
        sink.close()
        server.stop()
