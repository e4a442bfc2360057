"""A burst goes over one SMTP connection: the dispatcher's round hands the mails to the
sink back to back and the sink keeps its connection (real aiosmtpd server)."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from pathlib import Path

from sqlite_utils import Database

from daemon.outbound import outbox
from daemon.store import queries
from daemon.store.db import atomic
from daemon.transports import base
from tests.instants import T0
from tests.transports.servers import SmtpServer


def test_a_round_sends_several_mails_per_connection(
    smtp_server: SmtpServer, db: Database, tmp_path: Path
) -> None:
    with atomic(db):
        for i in range(6):
            msg = EmailMessage(policy=email.policy.SMTP)
            msg["From"] = "meetingd@example.com"
            msg["To"] = f"p{i}@example.test"
            msg["Subject"] = f"reminder {i}"
            msg["Message-ID"] = f"<burst{i}@meetingd>"
            msg.set_content("到时间了")
            outbox.enqueue(
                db,
                idem_key=f"b{i}",
                meeting_number=None,
                kind="topic_reminder",
                message=msg,
                now=T0,
            )
    sink = base.load_factory("smtp")(smtp_server.settings(), tmp_path)
    try:
        report = outbox.dispatch(db, sink, T0)
    finally:
        sink.close()
    assert report.sent == 6 and not report.more
    got = smtp_server.received
    assert sorted(r.rcpt_tos[0] for r in got) == [f"p{i}@example.test" for i in range(6)]
    assert len({r.peer for r in got}) == 1, "one connection for the whole round"
    assert {r.state for r in queries.outbox_list(db)} == {"sent"}
