"""After a crash: mails and calendar intents left ``sending`` are settled by asking Exchange
(Sent Items for the Message-ID, our items for the intent's key), through the outbox."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlite_utils import Database

from daemon.outbound import outbox
from daemon.store import queries
from daemon.store.db import atomic
from daemon.transports.base import OutgoingMail
from tests.transports.ews_parts import ews_parts
from tests.transports.fake_ews import FakeEwsServer
from tests.transports.fake_ews.fixture import ews_server
from tests.transports.test_ews_transport import snapshot

__all__ = ["ews_server"]

NOW = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)


def message(n: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "organizer@example.test"
    msg["To"] = "bob@example.test"
    msg["Subject"] = f"[MTG-1] mail {n}"
    msg["Message-ID"] = f"<settle.{n}@meetingd.example.test>"
    msg.set_content("text")
    return msg


def test_left_sending_is_settled_by_asking_exchange(
    ews_server: FakeEwsServer, db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    box, cal = ews_parts(ews_server, db, monkeypatch, tmp_path)
    intent = snapshot()
    with atomic(db):
        for n in (1, 2):
            outbox.enqueue(
                db,
                idem_key=f"mail-{n}",
                meeting_number=None,
                kind="agenda",
                message=message(n),
                now=NOW,
            )
        outbox.enqueue(
            db,
            idem_key="invite-1",
            meeting_number=None,
            kind="invite",
            message=message(3),
            now=NOW,
            intent=intent.to_json(),
        )
    claimed = [queries.outbox_claim(db, NOW) for _ in range(3)]
    rows = {r.idem_key: r for r in claimed if r is not None}
    # The crash came after mail-1 went out and the invite was applied, before mail-2 went.
    first = rows["mail-1"]
    box.send(OutgoingMail(first.message_id, tuple(first.recipients), first.raw))
    cal.upsert_meeting(intent, "invite-1")

    assert outbox.settle_stuck(db, box, NOW, calendar=cal) == 3
    state = {r.idem_key: r.state for r in queries.outbox_list(db)}
    assert state == {"mail-1": "sent", "mail-2": "queued", "invite-1": "sent"}
    outbox.dispatch(db, box, NOW, calendar=cal)
    assert {r.state for r in queries.outbox_list(db)} == {"sent"}
    messages = [str(t.message_id) for t in ews_server.mailbox.transmissions if t.kind == "message"]
    assert sorted(messages) == [
        "<settle.1@meetingd.example.test>",
        "<settle.2@meetingd.example.test>",
    ]
    assert [t.kind for t in ews_server.mailbox.transmissions].count("meeting_request") == 1
