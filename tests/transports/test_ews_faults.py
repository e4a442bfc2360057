"""Exchange's failure modes in the middle of a sync or a send, against the fake EWS server:
throttling (ErrorServerBusy with BackOffMilliseconds), HTTP 503, HTTP 401 and a dropped
connection (before the server acted, and after it acted but before it answered). Each
loses nothing and applies nothing twice."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from daemon.errors import PermanentError, TransientError
from tests.transports.ews_parts import ews_parts
from tests.transports.fake_ews import FakeEwsServer, Fault
from tests.transports.fake_ews.fixture import ews_server
from tests.transports.test_ews_transport import UID, inbound, outgoing, snapshot

__all__ = ["ews_server"]

#: A fault in the middle: the second SyncFolderItems page, or the send itself.
MIDDLE_FAULTS = {
    "throttled beyond max_wait": Fault.server_busy(back_off_ms=10_000),
    "503 beyond max_wait": Fault.http(503),
    "dropped connection": Fault.drop(),
}


@pytest.fixture
def parts(
    ews_server: FakeEwsServer, db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[Any, Any]:
    # page_size 2: five messages take three SyncFolderItems pages. max_wait 0.5 s with a
    # 503 retried every 0.2 s: a 503 that lasts (times=10) ends as a transient error.
    return ews_parts(
        ews_server, db, monkeypatch, tmp_path, page_size=2, max_wait=0.5, retry_wait=0.2
    )


def deliver(server: FakeEwsServer, n: int) -> list[bytes]:
    raws = [inbound(f"m{i}", f"<m{i}@example.test>") for i in range(n)]
    for raw in raws:
        server.mailbox.deliver_mime("inbox", raw)
    return raws


def drain(box: Any) -> list[bytes]:
    """Fetch and acknowledge until the source is empty (as the pipeline would)."""
    seen: list[bytes] = []
    for _ in range(5):
        batch = box.fetch()
        if not batch:
            return seen
        for message in batch:
            seen.append(message.raw)
            box.ack(message.source_key)
    raise AssertionError("the source never drained")


@pytest.mark.parametrize("fault", list(MIDDLE_FAULTS.values()), ids=list(MIDDLE_FAULTS))
def test_a_fault_in_the_middle_of_a_sync_loses_nothing(
    ews_server: FakeEwsServer, parts: tuple[Any, Any], fault: Fault
) -> None:
    box, _ = parts
    raws = deliver(ews_server, 5)
    ews_server.inject("SyncFolderItems", fault, times=10, after=1)
    with pytest.raises(TransientError):
        box.fetch()
    pages = [r for r in ews_server.requests if r.operation == "SyncFolderItems"]
    assert pages[0].status == 200 and pages[1].fault == fault  # it did fail mid-sync
    ews_server.clear_faults()
    assert drain(box) == raws  # every message, once, in order
    assert len(ews_server.mailbox.items_in("meetingd processed")) == 5


def test_throttling_within_max_wait_is_waited_out(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, _ = parts
    raws = deliver(ews_server, 3)
    ews_server.inject("SyncFolderItems", Fault.server_busy(back_off_ms=300), after=1)
    started = time.monotonic()
    assert [m.raw for m in box.fetch()] == raws
    assert time.monotonic() - started >= 0.3  # the back-off was honoured


def test_a_short_503_is_retried_inside_the_call(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, _ = parts
    raws = deliver(ews_server, 3)
    ews_server.inject("SyncFolderItems", "503", after=1)
    assert [m.raw for m in box.fetch()] == raws


def test_a_fault_during_ack_files_the_message_once(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, _ = parts
    [raw] = deliver(ews_server, 1)
    [message] = box.fetch()
    ews_server.inject("MoveItem", Fault.drop_after())  # moved, but the answer is lost
    with pytest.raises(TransientError):
        box.ack(message.source_key)
    box.ack(message.source_key)  # the pipeline acknowledges again: a no-op
    assert box.fetch() == []
    [filed] = ews_server.mailbox.items_in("meetingd processed")
    assert filed.mime == raw


SEND_FAULTS = {**MIDDLE_FAULTS, "dropped after sending": Fault.drop_after()}


@pytest.mark.parametrize("fault", list(SEND_FAULTS.values()), ids=list(SEND_FAULTS))
def test_a_fault_during_a_send_sends_once(
    ews_server: FakeEwsServer, parts: tuple[Any, Any], fault: Fault
) -> None:
    box, _ = parts
    mail = outgoing("<f1@meetingd.example.test>")
    ews_server.inject("CreateItem", fault, times=10 if fault.kind == "http" else 1)
    with pytest.raises(TransientError):
        box.send(mail)
    ews_server.clear_faults()
    # The outbox retries (or, after a crash, settles with find_sent first).
    if box.find_sent(mail.message_id) is False:
        box.send(mail)
    box.send(mail)  # and a retry too many changes nothing
    assert [t.message_id for t in ews_server.mailbox.transmissions] == [mail.message_id]
    assert box.find_sent(mail.message_id) is True


@pytest.mark.parametrize("fault", list(SEND_FAULTS.values()), ids=list(SEND_FAULTS))
def test_a_fault_while_publishing_a_meeting_applies_it_once(
    ews_server: FakeEwsServer, parts: tuple[Any, Any], fault: Fault
) -> None:
    _, cal = parts
    ews_server.inject("CreateItem", fault, times=10 if fault.kind == "http" else 1)
    with pytest.raises(TransientError):
        cal.upsert_meeting(snapshot(), "k1")
    ews_server.clear_faults()
    applied = cal.find_applied("k1")
    assert applied is (fault.kind == "drop_after")  # it did happen only if it got that far
    cal.upsert_meeting(snapshot(), "k1")
    assert len(ews_server.mailbox.calendar_items()) == 1
    assert [t.kind for t in ews_server.mailbox.transmissions] == ["meeting_request"]


def test_a_cancel_whose_answer_was_lost_is_not_sent_twice(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    _, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    ews_server.inject("CreateItem", Fault.drop_after())  # CancelCalendarItem is a CreateItem
    cancel = snapshot()
    with pytest.raises(TransientError):
        cal.cancel_meeting(UID, "k2", cancel)
    assert cal.find_applied("k2") is True
    cal.cancel_meeting(UID, "k2", cancel)
    kinds = [t.kind for t in ews_server.mailbox.transmissions]
    assert kinds == ["meeting_request", "meeting_cancellation"]


def test_a_cancel_that_failed_after_marking_is_not_taken_for_done(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    _, cal = parts
    cal.upsert_meeting(snapshot(), "k1")
    ews_server.inject("CreateItem", Fault.drop())  # the key is written, the cancel is lost
    with pytest.raises(TransientError):
        cal.cancel_meeting(UID, "k2", snapshot())
    assert cal.find_applied("k2") is False
    cal.cancel_meeting(UID, "k2", snapshot())
    assert cal.find_applied("k2") is True
    assert [t.kind for t in ews_server.mailbox.transmissions][-1] == "meeting_cancellation"


def test_a_refused_login_stops_the_source_but_keeps_mail(
    ews_server: FakeEwsServer, parts: tuple[Any, Any]
) -> None:
    box, cal = parts
    ews_server.inject("*", Fault.unauthorized(), times=100)
    with pytest.raises(PermanentError, match="refused the login"):
        box.fetch()
    with pytest.raises(TransientError, match="refused the login"):  # kept, retried later
        box.send(outgoing("<f2@meetingd.example.test>"))
    with pytest.raises(TransientError):
        cal.upsert_meeting(snapshot(), "k1")
    # 401 is not taken for throttling: no waiting out max_wait on every call.
    assert sum(r.status == 401 for r in ews_server.requests) <= 4


@pytest.mark.parametrize("fault", list(MIDDLE_FAULTS.values()), ids=list(MIDDLE_FAULTS))
def test_a_fault_in_the_middle_of_the_calendar_sync_loses_no_answer(
    ews_server: FakeEwsServer, parts: tuple[Any, Any], fault: Fault
) -> None:
    _, cal = parts
    uids = []
    for n in range(5):  # five meetings: three SyncFolderItems pages of two
        snap = dataclasses.replace(snapshot(), uid=f"mtg-{n}@meetingd.example.test")
        cal.upsert_meeting(snap, f"k{n}")
        uids.append(snap.uid)
    for uid in uids:
        ews_server.mailbox.respond(uid, "alice@example.test", "Accept")
    ews_server.inject("SyncFolderItems", fault, times=10, after=1)
    with pytest.raises(TransientError):
        cal.responses(None)
    ews_server.clear_faults()
    answers = cal.responses(None)
    assert sorted(a.uid for a in answers) == sorted(uids)  # each once
    assert len({a.key for a in answers}) == 5
    assert cal.responses(None) == answers
