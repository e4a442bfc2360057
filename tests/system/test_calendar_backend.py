"""A calendar backend that owns the meeting (as Exchange and Graph will): the daemon hands
it intents instead of mailing .ics files, and reads back the answers it recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from daemon import clock
from daemon.config import load
from daemon.service import Service
from daemon.store import meetings, queries
from daemon.transports.memory import MemoryCalendar, MemoryTransport
from tests.mails import REQUEST_ZH, mail

NOW = dt.datetime(2026, 9, 14, 1, 0, tzinfo=dt.UTC)
HOST, ATTENDEE = "qian.feng@corp.example", "feng.tao@corp.example"


@pytest.fixture()
def service(tmp_path: Path):  # type: ignore[no-untyped-def]
    cfg = tmp_path / "meetingd.toml"
    cfg.write_text(
        '[daemon]\nvar_dir = "var"\n[security]\nauthserv_ids = ["mx.corp.example"]\n',
        encoding="utf-8",
    )
    clock.set_clock(clock.FrozenClock(NOW))
    mailbox, calendar = MemoryTransport(), MemoryCalendar()
    svc = Service(load(cfg), source=mailbox, sink=mailbox, calendar=calendar)
    yield svc
    svc.close()
    clock.set_clock(clock.SystemClock())


def verified(sender: str, subject: str, body: str, **headers: str) -> bytes:
    results = "mx.corp.example; dmarc=pass header.from=corp.example"
    return mail(sender, subject, body, Authentication_Results=results, **headers)


def approved(svc: Service) -> str:
    box = svc.source
    assert isinstance(box, MemoryTransport)
    box.deliver(verified(ATTENDEE, "会议需求申请：仓储系统切换协调会", REQUEST_ZH))
    svc.run_once()
    approval = next(m for m in box.sent if b"approval_request" in m.raw)
    box.deliver(verified(HOST, "回复: 审批", "同意。", In_Reply_To=approval.message_id))
    svc.run_once()
    uid = meetings.load_file(svc.db, 1).meeting.uid
    assert uid
    return uid


def test_the_invite_goes_to_the_calendar_not_as_a_mail(service: Service) -> None:
    uid = approved(service)
    calendar, box = service.calendar, service.sink
    assert isinstance(calendar, MemoryCalendar) and isinstance(box, MemoryTransport)
    assert [action for action, _ in calendar.applied.values()] == ["upsert"]
    snapshot = calendar.meetings[uid]
    assert {a.address for a in snapshot.attendees} >= {HOST, ATTENDEE}
    assert snapshot.notify is None  # everyone is told
    assert not any(b"text/calendar" in m.raw for m in box.sent)  # no .ics mailed
    (row,) = [r for r in queries.outbox_list(service.db) if r.kind == "invite"]
    assert row.state == "sent" and row.intent is not None


def test_an_answer_the_backend_recorded_is_applied_once(service: Service) -> None:
    uid = approved(service)
    calendar = service.calendar
    assert isinstance(calendar, MemoryCalendar)
    calendar.answer(uid, "wei.dong@corp.example", "DECLINED", comment="出差")
    service.run_once()
    service.run_once()  # fetched again within the overlap: stored once
    file = meetings.load_file(service.db, 1)
    rsvp = file.rsvp("wei.dong@corp.example")
    assert rsvp is not None and rsvp.partstat == "DECLINED"  # no Authentication-Results needed
    calendar_rows = [
        r for r in queries.inbox_list(service.db) if r.source_key.startswith("calendar:")
    ]
    assert len(calendar_rows) == 1 and calendar_rows[0].state == "applied"
    asked = [r for r in queries.outbox_list(service.db) if r.kind == "proxy_request"]
    assert [r.recipients for r in asked] == [("wei.dong@corp.example",)]


def test_an_intent_left_sending_is_settled_by_the_calendar(service: Service) -> None:
    approved(service)
    calendar = service.calendar
    assert isinstance(calendar, MemoryCalendar)
    (row,) = [r for r in queries.outbox_list(service.db) if r.kind == "invite"]
    service.db.execute("UPDATE outbox SET state = 'sending' WHERE id = ?", [row.id])
    assert service.settle() == 1  # find_applied says it was applied: marked sent
    (again,) = [r for r in queries.outbox_list(service.db) if r.kind == "invite"]
    assert again.state == "sent" and len(calendar.applied) == 1
