"""A forwarded invitation over EWS, end to end: the daemon on the fake Exchange 2016 endpoint
(``tests/transports/fake_ews``, real exchangelib), an attendee forwards the meeting in
Outlook, Exchange adds the person to the organizer's item and files a meeting forward
notification. The person is recorded once as uninvited, the host is told once, nothing is
repeated on a sync from scratch, and the person's own answer later is recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon import clock
from daemon.config import load
from daemon.service import Service
from daemon.store import meetings, queries
from daemon.transports.ews import account
from tests.mails import DAEMON, REQUEST_ZH, mail, read_mail
from tests.system.test_ews_demo import PASSWORD_ENV, transport_toml
from tests.transports.fake_ews import FakeEwsServer, Mailbox
from tests.transports.fake_ews.fixture import forget_protocols

NOW = dt.datetime(2026, 9, 14, 1, 0, tzinfo=dt.UTC)
HOST, ATTENDEE = "qian.feng@corp.example", "feng.tao@corp.example"
GUEST = "zhao.lei@partner.example"


@pytest.fixture()
def daemon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Service, Mailbox]]:
    server = FakeEwsServer(Mailbox(DAEMON, "会议助手")).start()
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    monkeypatch.setattr(account, "_CONNECTIONS", {})
    cfg = tmp_path / "meetingd.toml"
    cfg.write_text(
        f'[mailbox]\naddress = "{DAEMON}"\n[daemon]\nvar_dir = "var"\n' + transport_toml(server),
        encoding="utf-8",
    )
    clock.set_clock(clock.FrozenClock(NOW))
    svc = Service(load(cfg))
    try:
        yield svc, server.mailbox
    finally:
        svc.close()
        server.stop()
        forget_protocols(server.url)
        clock.set_clock(clock.SystemClock())
    assert not server.internal_errors, server.internal_errors


def sent(box: Mailbox, kind: str) -> list[str]:
    """Message-IDs of the mails of ``kind`` Exchange sent."""
    out = []
    for t in box.transmissions:
        if t.kind == "message" and f"X-Meetingd-Kind: {kind}".encode() in (t.mime or b""):
            out.append(str(read_mail(t.mime or b"")["Message-ID"]))
    return out


def approved(svc: Service, box: Mailbox) -> str:
    box.deliver_mime("inbox", mail(ATTENDEE, "会议需求申请：仓储系统切换协调会", REQUEST_ZH))
    svc.run_once()
    [approval] = sent(box, "approval_request")
    box.deliver_mime("inbox", mail(HOST, "回复: 审批", "同意。", In_Reply_To=approval))
    svc.run_once()
    uid = meetings.load_file(svc.db, 1).meeting.uid
    assert uid and box.find_calendar_item(uid)  # Exchange has the meeting
    return uid


def test_a_forward_records_the_person_once_and_tells_the_host_once(
    daemon: tuple[Service, Mailbox],
) -> None:
    svc, box = daemon
    uid = approved(svc, box)
    box.forward_notification(uid, ATTENDEE, [f"赵磊 <{GUEST}>"])
    svc.run_once()
    svc.run_once()
    # Forwarded to the same person again, and the inbox synced from scratch.
    box.forward_notification(uid, "wei.dong@corp.example", [GUEST])
    svc.source.book.set_sync_state("inbox", None)  # type: ignore[attr-defined]
    svc.run_once()
    svc.run_once()

    file = meetings.load_file(svc.db, 1)
    assert file.person(GUEST) is None  # never invited by the organizer
    assert [(u.address, u.forwarded_by) for u in file.uninvited] == [(GUEST, ATTENDEE)]
    told = [r for r in queries.outbox_list(svc.db) if r.kind == "attendee_forwarded"]
    assert len(told) == 1 and told[0].state == "sent"
    assert told[0].recipients == (HOST,)
    assert len(sent(box, "attendee_forwarded")) == 1
    notices = [r for r in queries.inbox_list(svc.db) if r.source_key.startswith("calendar:")]
    assert [r.source_key for r in notices] == [f"calendar:ews-forward:{uid}:{GUEST}"]
    assert box.inbox_items() == []

    # The person accepts in Outlook: recorded on their record, nobody is told they are
    # not a participant.
    box.respond(uid, GUEST, "Accept")
    svc.run_once()
    svc.run_once()
    guest = meetings.load_file(svc.db, 1).guest(GUEST)
    assert guest is not None and guest.partstat == "ACCEPTED"
    assert not sent(box, "not_a_participant")
