"""Attendees answer in Outlook: the daemon, configured for Graph, takes each answer once,
whether it comes as an eventMessageResponse in the inbox, only as the event's status, or
both; a mail and an intent left ``sending`` by a crash are settled from Graph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon import clock
from daemon.config import load
from daemon.service import Service
from daemon.store import meetings, queries
from tests.mails import REQUEST_ZH
from tests.system.test_calendar_backend import ATTENDEE, HOST, NOW, verified
from tests.transports.fake_graph.server import GraphServer
from tests.transports.graph_setup import fake_graph, graph_toml

DAEMON = "meetings@corp.example"
OTHER = "wei.dong@corp.example"


@pytest.fixture
def server() -> Iterator[GraphServer]:
    with fake_graph(DAEMON) as fake:
        yield fake


@pytest.fixture
def service(server: GraphServer, tmp_path: Path) -> Iterator[Service]:
    cfg = tmp_path / "meetingd.toml"
    cfg.write_text(
        '[daemon]\nvar_dir = "var"\n[mailbox]\naddress = "meetings@corp.example"\n'
        '[security]\nauthserv_ids = ["mx.corp.example"]\n'
        + graph_toml(server, mailbox=DAEMON, backoff_seconds=0.01),
        encoding="utf-8",
    )
    clock.set_clock(clock.FrozenClock(NOW))
    svc = Service(load(cfg))
    yield svc
    svc.close()
    clock.set_clock(clock.SystemClock())


def approved(server: GraphServer, svc: Service) -> str:
    server.state.deliver_mime(verified(ATTENDEE, "会议需求申请：仓储系统切换协调会", REQUEST_ZH))
    svc.run_once()
    approval = next(
        s for s in server.state.sent if b"approval_request" in s.mime
    ).internet_message_id
    server.state.deliver_mime(verified(HOST, "回复: 审批", "同意。", In_Reply_To=approval))
    svc.run_once()
    uid = meetings.load_file(svc.db, 1).meeting.uid
    assert uid
    return uid


def answers_of(svc: Service) -> list[str]:
    return [
        r.source_key for r in queries.inbox_list(svc.db) if r.source_key.startswith("calendar:")
    ]


def test_the_invitation_is_a_graph_event(server: GraphServer, service: Service) -> None:
    uid = approved(server, service)
    [event] = server.state.mailbox(DAEMON).events.values()
    assert uid in {v for _, v in event.extended.values()}
    [request] = [n for n in server.state.notifications if n.kind == "request"]
    assert {HOST, ATTENDEE} <= set(request.recipients)
    assert not any(b"text/calendar" in s.mime for s in server.state.sent)


def test_an_outlook_answer_is_applied_once(server: GraphServer, service: Service) -> None:
    uid = approved(server, service)
    server.state.respond(uid, OTHER, "declined", comment="出差")

    service.run_once()
    service.run_once()

    rsvp = meetings.load_file(service.db, 1).rsvp(OTHER)
    assert rsvp is not None and rsvp.partstat == "DECLINED"
    assert len(answers_of(service)) == 1  # the message, not also the status
    asked = [r for r in queries.outbox_list(service.db) if r.kind == "proxy_request"]
    assert [r.recipients for r in asked] == [(OTHER,)]


def test_a_status_alone_is_applied_once(server: GraphServer, service: Service) -> None:
    uid = approved(server, service)
    server.state.respond(uid, OTHER, "accepted")
    with server.state.lock:  # the attendee chose "don't send a response"
        box = server.state.mailbox(DAEMON)
        for message in [m for m in box.messages.values() if m.extra]:
            del box.messages[message.id]

    service.run_once()
    service.run_once()

    rsvp = meetings.load_file(service.db, 1).rsvp(OTHER)
    assert rsvp is not None and rsvp.partstat == "ACCEPTED"
    assert [k.split(":")[1] for k in answers_of(service)] == ["graph-status"]


def test_left_sending_is_settled_from_graph(server: GraphServer, service: Service) -> None:
    approved(server, service)
    rows = queries.outbox_list(service.db)
    invite = next(r for r in rows if r.kind == "invite")
    receipt = next(r for r in rows if r.kind != "invite" and r.state == "sent")
    service.db.execute(
        "UPDATE outbox SET state = 'sending' WHERE id IN (?, ?)", [invite.id, receipt.id]
    )
    sent_before = len(server.state.sent)

    assert service.settle() == 2

    after = {r.id: r.state for r in queries.outbox_list(service.db)}
    assert after[invite.id] == after[receipt.id] == "sent"
    assert len(server.state.sent) == sent_before
    assert len(server.state.mailbox(DAEMON).events) == 1
