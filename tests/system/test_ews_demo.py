"""The full demo over EWS: source, sink and calendar on the fake Exchange 2016 endpoint
(``tests/transports/fake_ews``), real exchangelib in between.

Every scripted mail arrives in the daemon's Exchange inbox. The scripted calendar answers
(iTIP REPLY/COUNTER of Outlook, Apple, Google) are given the way Exchange records them: the
attendee answers the meeting item (``Mailbox.respond``), which updates the organizer's item
and files a ``MeetingResponse`` in the inbox. Only a delegation, which a meeting response
cannot express, comes as the client's mail. Plain-text replies come as mail. Checks: every
kind goes out, each mail exactly once and from our own Message-ID; the meetings are calendar
items that Exchange invited, updated and cancelled (no .ics mailed); the answers are
recorded once each; the inbox is drained into the processed folder.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import icalendar
import pytest

from daemon.demo import run_demo
from daemon.store import meetings, queries
from daemon.store.db import open_db
from tests.mails import read_mail
from tests.system.test_demo import REQUIRED, M
from tests.transports.fake_ews import FakeEwsServer, Mailbox
from tests.transports.fake_ews.fixture import forget_protocols

DAEMON = "meetings@corp.example"
PASSWORD_ENV = "MEETINGD_TEST_EWS_PASSWORD"
_RESPONSE: dict[str, Literal["Accept", "Decline", "Tentative"]] = {
    "ACCEPTED": "Accept",
    "DECLINED": "Decline",
    "TENTATIVE": "Tentative",
}


def transport_toml(server: FakeEwsServer) -> str:
    return f"""
[transport]
source = "ews"
sink = "ews"
calendar = "ews"

[transport.ews]
address = "{DAEMON}"
endpoint = "{server.url}"
auth = "basic"
username = "{server.username}"
password_env = "{PASSWORD_ENV}"
version = "2016"
room = "room.3f@corp.example"
max_wait = 2
timeout = 10
retry_wait = 0.05
poll_seconds = 0.05
"""


def calendar_answer(raw: bytes) -> tuple[str, str, str, Any, Any] | None:
    """``(uid, attendee, partstat, proposed_start, proposed_end)`` of an iTIP REPLY or
    COUNTER a meeting response can carry, else None."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    part = next((p for p in msg.walk() if p.get_content_type() == "text/calendar"), None)
    if part is None:
        return None
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    cal = icalendar.Calendar.from_ical(payload)
    method = str(cal.get("METHOD", "")).upper()
    if method not in ("REPLY", "COUNTER"):
        return None
    [event] = cal.walk("VEVENT")
    attendee = event["ATTENDEE"]
    attendee = attendee[0] if isinstance(attendee, list) else attendee
    partstat = str(attendee.params.get("PARTSTAT", "")).upper()
    if method == "COUNTER":
        partstat = "TENTATIVE"
    if partstat not in _RESPONSE:
        return None  # e.g. DELEGATED: a meeting response cannot say it
    address = str(attendee).split(":", 1)[-1].lower()
    proposed = (event.decoded("DTSTART"), event.decoded("DTEND")) if method == "COUNTER" else None
    return str(event["UID"]), address, partstat, *(proposed or (None, None))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server = FakeEwsServer(Mailbox(DAEMON, "会议助手")).start()
    answered: list[tuple[str, str]] = []
    mailed: list[bytes] = []

    def deliver(raw: bytes) -> None:
        answer = calendar_answer(raw)
        if answer is not None:
            uid, attendee, partstat, start, end = answer
            try:
                server.mailbox.respond(uid, attendee, _RESPONSE[partstat], None, start, end)
                answered.append((attendee, partstat))
                return
            except KeyError:
                pass  # not an attendee of the item: the client's mail comes instead
        mailed.append(raw)
        server.mailbox.deliver_mime("inbox", raw)

    workdir: Path = tmp_path_factory.mktemp("ews-demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PASSWORD_ENV, server.password)
        try:
            code = run_demo(workdir, "zh", M, None, transport_toml(server), deliver)
        finally:
            server.stop()
            forget_protocols(server.url)
    assert code == 0
    assert not server.internal_errors, server.internal_errors
    yield {
        "server": server,
        "answered": answered,
        "mailed": mailed,
        "db": open_db(workdir / "meetingd.db"),
    }


def messages(server: FakeEwsServer) -> list[EmailMessage]:
    return [read_mail(t.mime or b"") for t in server.mailbox.transmissions if t.kind == "message"]


def test_every_kind_goes_out_once(run: dict[str, Any]) -> None:
    db = run["db"]
    rows = queries.outbox_list(db)
    assert {r.kind for r in rows} >= REQUIRED, REQUIRED - {r.kind for r in rows}
    assert {r.state for r in rows} == {"sent"}
    sent = messages(run["server"])
    ids = [m["Message-ID"] for m in sent]
    assert len(ids) == len(set(ids)), "a mail was sent twice"
    # Exchange kept our Message-IDs: each mail went out under the id the outbox gave it.
    assert sorted(ids) == sorted(r.message_id for r in rows if r.intent is None)
    assert all(m["Auto-Submitted"] == "auto-generated" for m in sent)
    assert not any(p.get_content_type() == "text/calendar" for m in sent for p in m.walk())


def test_the_meetings_are_calendar_items_exchange_sent(run: dict[str, Any]) -> None:
    server: FakeEwsServer = run["server"]
    kinds = [(t.kind, t.subject) for t in server.mailbox.transmissions if t.kind != "message"]
    requests = [s for k, s in kinds if k == "meeting_request"]
    assert any("MTG-1" in s for s in requests) and any("MTG-2" in s for s in requests)
    assert any(k == "meeting_update" and "MTG-2" in s for k, s in kinds)  # the host moved it
    assert any(k == "meeting_cancellation" and "MTG-2" in s for k, s in kinds)  # and cancelled
    # Nobody of MTG-1 was told it was cancelled; the delegate alone got the delegation.
    assert not any(k == "meeting_cancellation" and "MTG-1" in s for k, s in kinds)
    updates = [t for t in server.mailbox.transmissions if t.kind == "meeting_update"]
    assert ("zhou.qiang@corp.example",) in [t.recipients for t in updates]
    [mtg1] = [i for i in server.mailbox.calendar_items() if i.subject.startswith("[MTG-1] 会员")]
    assert [a.address.email for a in mtg1.resources] == ["room.3f@corp.example"]
    assert mtg1.start_timezone == "China Standard Time"
    cancelled = [i for i in server.mailbox.items_in("deleteditems") if "MTG-2" in i.subject]
    assert cancelled and all(getattr(i, "is_cancelled", False) for i in cancelled)


def test_meeting_responses_are_recorded_once(run: dict[str, Any]) -> None:
    answered = run["answered"]
    assert len(answered) >= 4  # Outlook, Apple, Google, the decline and the counter
    db = run["db"]
    file = meetings.load_file(db, 1)
    for attendee, partstat in answered:
        rsvp = file.rsvp(attendee)
        assert rsvp is not None, attendee
        if partstat != "TENTATIVE":
            assert rsvp.partstat == partstat, (attendee, rsvp)
    calendar_rows = [r for r in queries.inbox_list(db) if r.source_key.startswith("calendar:")]
    keys = [r.source_key for r in calendar_rows]
    assert len(keys) == len(set(keys)) == len(answered)


def test_plain_replies_and_other_mail_went_through_the_inbox(run: dict[str, Any]) -> None:
    server: FakeEwsServer = run["server"]
    assert server.mailbox.inbox_items() == []
    filed = server.mailbox.items_in("meetingd processed")
    assert len(filed) == len(run["mailed"]) + len(run["answered"])
    db = run["db"]
    mailed_rows = [r for r in queries.inbox_list(db) if not r.source_key.startswith("calendar:")]
    assert len(mailed_rows) == len(run["mailed"])


def test_the_counter_proposal_reached_the_host(run: dict[str, Any]) -> None:
    db = run["db"]
    counters = [r for r in queries.outbox_list(db) if r.kind == "counter_proposal"]
    assert counters, "the counter-proposal from a meeting response was not passed on"
