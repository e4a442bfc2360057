"""Mail queued as a draft and composed when it is sent: the Message-ID and the date are
the ones fixed when it was queued, the text is the meeting's as it is when sent, a draft
that cannot be composed fails alone, and a retried mail sends the bytes composed first."""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path

import pytest

from daemon import clock
from daemon.config import load
from daemon.domain.effects import Outgoing
from daemon.domain.model import ActionItem
from daemon.errors import TransientError
from daemon.outbound.drafts import Draft
from daemon.service import Service
from daemon.store import meetings, queries
from daemon.store.db import atomic
from daemon.transports.memory import MemoryTransport
from tests.mails import REQUEST_ZH as REQUEST
from tests.mails import mail

QUEUED_AT = dt.datetime(2026, 9, 14, 9, 0, tzinfo=dt.UTC)
SENT_AT = QUEUED_AT + dt.timedelta(minutes=7)


@pytest.fixture
def frozen_clock(freeze_clock: Callable[[dt.datetime], clock.FrozenClock]) -> clock.FrozenClock:
    return freeze_clock(QUEUED_AT)


def make_service(tmp_path: Path, sink: MemoryTransport | None = None) -> Service:
    cfg_file = tmp_path / "meetingd.toml"
    cfg_file.write_text('[daemon]\nvar_dir = "var"\n', encoding="utf-8")
    return Service(load(cfg_file), source=MemoryTransport(), sink=sink or MemoryTransport())


@pytest.fixture()
def service(tmp_path: Path, frozen_clock: clock.FrozenClock) -> Iterator[Service]:
    svc = make_service(tmp_path)
    yield svc
    svc.close()


def sink(svc: Service) -> MemoryTransport:
    assert isinstance(svc.sink, MemoryTransport)
    return svc.sink


def deliver(svc: Service, raw: bytes) -> None:
    """``raw`` read and applied; the mails it causes queued, not yet sent."""
    source = svc.source
    assert isinstance(source, MemoryTransport)
    source.deliver(raw)
    svc.ingest_and_process()


def requested(svc: Service, request: str = REQUEST) -> None:
    """A meeting request read and applied, its mails queued and not yet sent."""
    deliver(svc, mail("feng.tao@corp.example", "会议需求申请：仓储系统切换协调会", request))


def test_a_mail_is_queued_as_a_draft_and_composed_when_sent(
    service: Service, frozen_clock: clock.FrozenClock
) -> None:
    requested(service)
    queued = queries.outbox_list(service.db)
    assert queued and {r.kind for r in queued} == {"approval_request", "request_received"}
    for row in queued:
        assert row.raw == b"" and row.subject == "" and row.draft
        assert row.message_id.startswith(f"<{row.kind}.1.") and row.recipients
        assert Draft.from_text(row.draft).out.kind == row.kind

    # The meeting changes before the dispatcher gets to the mails: they say it as it is.
    with atomic(service.db):
        file = meetings.load_file(service.db, 1)
        file.meeting.title = "仓储系统切换协调会（第二版）"
        meetings.save_file(service.db, file)
    frozen_clock.set(SENT_AT)
    assert service.dispatch() == (len(queued), 0)

    by_id = {m.message_id: m for m in sink(service).sent}
    for row in queries.outbox_list(service.db):
        sent = by_id[row.message_id]
        assert sent.raw == row.raw and sent.recipients == row.recipients
        msg = message_from_bytes(sent.raw, policy=email.policy.default)
        assert msg["Message-ID"] == row.message_id
        assert msg["X-Meetingd-Kind"] == row.kind
        assert msg["Subject"] == row.subject and row.subject.startswith("[MTG-1] ")
        body = msg.get_body(("plain",))
        assert body is not None and "（第二版）" in body.get_content()
        # dated when the state change queued it, not when the dispatcher got to it
        assert email.utils.parsedate_to_datetime(msg["Date"]) == QUEUED_AT


def test_a_draft_that_cannot_be_composed_fails_alone_and_is_composed_again_when_retried(
    service: Service, frozen_clock: clock.FrozenClock
) -> None:
    requested(service)
    owner = "lu.xin@corp.example"
    with atomic(service.db):
        file = meetings.load_file(service.db, 1)
        service.mailer.enqueue(
            service.db, file, Outgoing("action_assigned", [owner], key=owner, action_k=7)
        )
    frozen_clock.set(SENT_AT)
    sent, failed = service.dispatch()
    assert (sent, failed) == (2, 1)
    (bad,) = queries.outbox_list(service.db, "failed")
    assert bad.kind == "action_assigned" and bad.raw == b""
    assert bad.error and "cannot compose action_assigned" in bad.error and "A-7" in bad.error

    # The item is there now (e.g. the minutes were corrected): the retried draft goes out.
    with atomic(service.db):
        file = meetings.load_file(service.db, 1)
        file.actions.append(ActionItem(7, "切换演练", owner, dt.date(2026, 10, 9)))
        meetings.save_file(service.db, file)
    assert queries.outbox_retry_failed(service.db, bad.id, clock.now())
    assert service.dispatch() == (1, 0)
    last = sink(service).sent[-1]
    msg = message_from_bytes(last.raw, policy=email.policy.default)
    assert msg["Message-ID"] == bad.message_id
    assert str(msg["Subject"]).startswith("[MTG-1/A-7] ")


def test_a_mail_retried_after_a_send_failure_sends_the_bytes_composed_first(
    service: Service, frozen_clock: clock.FrozenClock
) -> None:
    requested(service)
    sink(service).send_errors.append(TransientError("421 try later"))
    frozen_clock.set(SENT_AT)
    first = service.dispatch_round()
    assert first.retried == 1
    retried = next(r for r in queries.outbox_list(service.db) if r.state == "queued")
    assert retried.raw and retried.subject  # composed and kept
    # The meeting changes before the retry: the mail already composed is not composed again.
    with atomic(service.db):
        file = meetings.load_file(service.db, 1)
        file.meeting.title = "另一个标题"
        meetings.save_file(service.db, file)
    frozen_clock.set(SENT_AT + dt.timedelta(minutes=5))
    service.dispatch()
    again = next(m for m in sink(service).sent if m.message_id == retried.message_id)
    assert again.raw == retried.raw


class Remark(str):
    """A template value of a type a draft cannot hold (a ``str`` subclass from outside the
    daemon: stored as a plain ``str`` it would come back without its type)."""


def test_a_mail_whose_values_a_draft_cannot_hold_is_composed_at_once(
    service: Service, frozen_clock: clock.FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    requested(service)
    with atomic(service.db):
        file = meetings.load_file(service.db, 1)
        out = Outgoing(
            "request_received", ["feng.tao@corp.example"], key="again", extra={"r": Remark("x")}
        )
        assert service.mailer.enqueue(service.db, file, out)
    row = next(r for r in queries.outbox_list(service.db) if ":again:" in r.idem_key)
    assert row.draft is None and row.raw and row.subject.startswith("[MTG-1] ")
    assert "composed now, not as a draft" in caplog.text and "Remark" in caplog.text
    frozen_clock.set(SENT_AT)
    assert service.dispatch() == (3, 0)
    assert any(m.message_id == row.message_id and m.raw == row.raw for m in sink(service).sent)


def test_a_meeting_with_a_non_ascii_participant_address_is_approved_and_mailed(
    service: Service, frozen_clock: clock.FrozenClock
) -> None:
    """An address with a non-ASCII local part (RFC 6531/6532) has no ASCII form: its mails
    carry it in UTF-8, and the approval that invites it goes through."""
    requested(service, REQUEST.replace("卫东 wei.dong@corp.example", "卫东 卫东@corp.example"))
    file = meetings.load_file(service.db, 1)
    assert "卫东@corp.example" in {p.address for p in file.participants}
    approval = next(r for r in queries.outbox_list(service.db) if r.kind == "approval_request")
    service.dispatch()
    deliver(
        service,
        mail(
            "qian.feng@corp.example",
            "回复: [MTG-1] 会议审批",
            "同意。",
            In_Reply_To=approval.message_id,
        ),
    )
    assert [r.error for r in queries.inbox_list(service.db) if r.error] == []
    assert meetings.load_file(service.db, 1).meeting.status == "scheduled"
    frozen_clock.set(SENT_AT)
    service.dispatch()
    assert queries.outbox_list(service.db, "failed") == []
    to_him = [m for m in sink(service).sent if "卫东@corp.example" in m.recipients]
    assert to_him
    head = to_him[0].raw.split(b"\r\n\r\n", 1)[0]
    assert "卫东@corp.example".encode() in head  # as UTF-8 (RFC 6532), not as encoded words


class BlindSink(MemoryTransport):
    """A sink that cannot tell whether a mail was delivered (SMTP without a Sent folder)."""

    def find_sent(self, message_id: str) -> bool | None:
        return None


def test_a_draft_claimed_but_never_composed_is_requeued_at_once_without_a_resent_event(
    tmp_path: Path, frozen_clock: clock.FrozenClock
) -> None:
    """Its bytes are stored before any send, so a draft left ``sending`` without them was
    never handed to the sink: even a sink that cannot tell gets it again at once, without
    the "may arrive twice" warning."""
    svc = make_service(tmp_path, BlindSink())
    try:
        requested(svc)
        claimed = queries.outbox_claim(svc.db, clock.now())  # then the process dies
        assert claimed is not None and claimed.draft and claimed.raw == b""
        frozen_clock.set(QUEUED_AT + dt.timedelta(minutes=1))  # restarted a minute later
        assert svc.settle() == 1
        row = queries.outbox_get(svc.db, claimed.id)
        assert row is not None and row.state == "queued"
        assert [e for e in queries.events_list(svc.db) if e.kind == "resent"] == []
        assert svc.dispatch()[0] >= 1
        assert any(m.message_id == claimed.message_id for m in svc.sink.sent)  # type: ignore[attr-defined]
    finally:
        svc.close()
