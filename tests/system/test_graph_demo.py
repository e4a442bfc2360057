"""The whole demo over Microsoft Graph: the fake Graph + Entra ID endpoint on loopback over
TLS (real msal, real httpx), mail in through the delta query, mail out through sendMail,
meetings as Graph events.

Every scripted reply is delivered into the fake mailbox's inbox; the daemon reads it with
the delta query, moves it to the processed folder, sends its mails with ``sendMail`` (MIME)
and keeps the meetings as events in the mailbox's calendar, where the fake tells attendees.
Throttling (429 with Retry-After, 503) and dropped connections are injected on the way.
Checks: every kind goes out (invitations as Graph's own meeting requests), each exactly
once, nothing is left in the inbox and nothing is processed twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from daemon.config import load
from daemon.demo import run_demo
from daemon.store import queries
from daemon.store.db import open_db
from tests.mails import read_mail
from tests.system.test_demo import REQUIRED, M
from tests.transports.fake_graph.server import GraphServer
from tests.transports.graph_setup import fake_graph, graph_toml

DAEMON = "meetings@corp.example"
CALENDAR_KINDS = {"invite", "invite_update", "review_invite"}


@pytest.fixture(scope="module")
def server() -> Iterator[GraphServer]:
    with fake_graph(DAEMON) as fake:
        yield fake


@pytest.fixture(scope="module")
def run(server: GraphServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    delivered = itertools.count(1)
    faults = itertools.cycle(
        [
            ("*/messages/delta", "429"),
            ("POST /v1.0/users/*/sendMail", "503"),
            ("POST /v1.0/*/move", "lost"),
            ("GET /v1.0/*/$value", "drop"),
            ("POST /v1.0/users/*/events", "429"),
            ("PATCH /v1.0/users/*/events/*", "lost"),
        ]
    )

    def deliver(raw: bytes) -> None:
        n = next(delivered)
        if n % 3 == 0:  # a fault now and then, on the daemon's next requests
            pattern, fault = next(faults)
            server.inject(pattern, fault, retry_after=1 if fault == "429" else None)  # type: ignore[arg-type]
        server.state.deliver_mime(raw, DAEMON)

    workdir = tmp_path_factory.mktemp("graph-demo")
    toml = graph_toml(server, mailbox=DAEMON, backoff_seconds=0.01, backoff_max=0.05)
    code = run_demo(workdir, "zh", M, None, toml, deliver)
    assert code == 0
    return workdir, next(delivered) - 1


def sent(server: GraphServer) -> list[EmailMessage]:
    return [read_mail(s.mime) for s in server.state.sent]


def test_every_kind_goes_out_once(server: GraphServer, run: tuple[Path, int]) -> None:
    mails = sent(server)
    kinds = {m["X-Meetingd-Kind"] for m in mails}
    assert kinds >= REQUIRED - CALENDAR_KINDS, REQUIRED - CALENDAR_KINDS - kinds
    ids = [m["Message-ID"] for m in mails]
    assert len(ids) == len(set(ids)), "a mail was sent twice"
    assert all(m["Auto-Submitted"] == "auto-generated" for m in mails)


def test_invitations_are_graph_events(server: GraphServer, run: tuple[Path, int]) -> None:
    workdir, _ = run
    box = server.state.mailbox(DAEMON)
    uids = [
        value
        for event in box.events.values()
        for pid, value in event.extended.values()
        if pid.endswith("meetingd-uid")
    ]
    db = open_db(load(workdir / "meetingd.toml").db_path)
    try:
        intents = [
            r for r in queries.outbox_list(db) if r.kind in CALENDAR_KINDS | {"proxy_invite"}
        ]
        proxies = [r for r in intents if r.kind == "proxy_invite"]
    finally:
        db.close()
    assert intents and all(r.state == "sent" for r in intents)
    assert len(uids) == len(set(uids)) >= 2  # one event per meeting (and review meeting)
    told = [(n.kind, set(n.recipients)) for n in server.state.notifications]
    assert proxies
    for row in proxies:  # a delegate's invitation reaches the delegate only
        assert ("request", set(row.recipients)) in told


def test_inbox_drained_into_processed_once(server: GraphServer, run: tuple[Path, int]) -> None:
    workdir, delivered = run
    box = server.state.mailbox(DAEMON)
    assert server.state.messages_in("inbox", DAEMON) == []
    folder = next(f for f in box.folders.values() if f.display_name == "meetingd processed")
    assert len(box.in_folder(folder.id)) == delivered
    db = open_db(load(workdir / "meetingd.toml").db_path)
    try:
        keys = [r["source_key"] for r in db.query("SELECT source_key FROM inbox")]
    finally:
        db.close()
    graph_keys = [k for k in keys if not k.startswith("calendar:")]
    assert len(graph_keys) == len(set(graph_keys)) == delivered


def test_faults_were_met_and_waited_out(server: GraphServer, run: tuple[Path, int]) -> None:
    statuses = [r.status for r in server.requests]
    assert 429 in statuses and 503 in statuses and None in statuses
    assert server.state.peak_concurrency(DAEMON) <= 4
