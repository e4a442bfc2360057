"""The Graph mail source and sink against the fake Graph (real msal, httpx, SQLite): delta,
MIME, the processed folder, sendMail, Sent Items, and every fault with nothing lost and
nothing applied twice."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlite_utils import Database

from daemon.errors import PermanentError
from daemon.inbound import pipeline
from daemon.store import queries
from daemon.transports import graph
from daemon.transports.base import OutgoingMail
from daemon.transports.graph import GraphMail
from tests.transports.fake_graph.fixture import graph_server
from tests.transports.fake_graph.server import GraphServer
from tests.transports.graph_setup import MAILBOX, graph_settings, state, var

__all__ = ["graph_server"]

NOW = dt.datetime(2026, 9, 14, 1, 0, tzinfo=dt.UTC)


def mime(n: int, to: str = MAILBOX) -> bytes:
    return (
        f"From: Li Lei <li.lei@example.test>\r\nTo: {to}\r\nSubject: topic {n}\r\n"
        f"Message-ID: <m{n}@example.test>\r\nDate: Mon, 14 Sep 2026 09:00:00 +0800\r\n"
        f"\r\nbody {n} \xe4\xbc\x9a\xe8\xae\xae\r\n"
    ).encode("latin-1")


@pytest.fixture
def mail(graph_server: GraphServer, db: Database, tmp_path: Path) -> Iterator[GraphMail]:
    part = graph.create(graph_settings(graph_server), var(tmp_path), state=state(db))
    yield part
    part.close()


def reopen(server: GraphServer, db: Database, tmp: Path) -> GraphMail:
    """The source as a restarted daemon builds it (same SQLite state, new process parts)."""
    return graph.create(graph_settings(server), var(tmp), state=state(db))


def processed(server: GraphServer) -> list[bytes]:
    box = server.state.mailbox()
    folder = next(f for f in box.folders.values() if f.display_name == "meetingd processed")
    return [m.mime for m in box.in_folder(folder.id)]


def inbox_raws(db: Database) -> list[bytes]:
    return (
        [r.raw for r in queries.inbox_list(db)]
        if hasattr(queries, "inbox_list")
        else [bytes(r["raw"]) for r in db.query("SELECT raw FROM inbox ORDER BY id")]
    )


def test_fetch_returns_the_mime_and_ack_moves_it(
    graph_server: GraphServer, mail: GraphMail
) -> None:
    raws = [mime(n) for n in range(3)]
    for raw in raws:
        graph_server.state.deliver_mime(raw)

    fetched = mail.fetch()

    assert [m.raw for m in fetched] == raws
    for message in fetched:
        mail.ack(message.source_key)
    assert graph_server.state.messages_in("inbox") == []
    assert processed(graph_server) == raws
    assert mail.fetch() == []
    mail.ack(fetched[0].source_key)  # again: a no-op
    assert processed(graph_server) == raws


def test_the_whole_delta_link_is_kept_in_sqlite(
    graph_server: GraphServer, mail: GraphMail, db: Database
) -> None:
    graph_server.state.delta_page_size = 2
    for n in range(5):
        graph_server.state.deliver_mime(mime(n))

    assert len(mail.fetch()) == 5

    links = [str(v) for k, v in _state_rows(db) if k.startswith("delta:")]
    assert len(links) == 1 and links[0].startswith(graph_server.base_url)
    assert "$deltatoken=" in links[0]


def _state_rows(db: Database) -> list[tuple[str, object]]:
    import json

    return [
        (r["key"], json.loads(r["value"]))
        for r in db.query("SELECT key, value FROM transport_state WHERE scope = 'graph'")
    ]


def test_unacked_mail_comes_back_after_a_restart_and_is_stored_once(
    graph_server: GraphServer, mail: GraphMail, db: Database, tmp_path: Path
) -> None:
    """A crash between the pipeline's commit and the move: the message is fetched again
    (delta would not tell it twice), found stored, and acked."""
    for n in range(3):
        graph_server.state.deliver_mime(mime(n))
    graph_server.inject("POST /v1.0/users/*/messages/*/move", "503", times=100)

    assert pipeline.ingest(db, mail, NOW) == 3  # stored; every move failed

    graph_server.clear_faults()
    again = reopen(graph_server, db, tmp_path)
    try:
        assert pipeline.ingest(db, again, NOW) == 0  # same keys: nothing stored twice
    finally:
        again.close()
    assert len(inbox_raws(db)) == 3
    assert graph_server.state.messages_in("inbox") == []
    assert len(processed(graph_server)) == 3


def test_stale_delta_link_resyncs_and_reprocesses_nothing(
    graph_server: GraphServer, mail: GraphMail, db: Database
) -> None:
    graph_server.state.deliver_mime(mime(1))
    graph_server.state.deliver_mime(mime(2))
    graph_server.inject("POST /v1.0/users/*/messages/*/move", "503", times=6)  # one ack fails
    assert pipeline.ingest(db, mail, NOW) == 2
    graph_server.clear_faults()
    graph_server.state.expire_delta_links()
    graph_server.state.deliver_mime(mime(3))

    assert pipeline.ingest(db, mail, NOW) == 1

    statuses = [r.status for r in graph_server.requests if r.path.endswith("/delta")]
    assert 410 in statuses
    assert sorted(inbox_raws(db)) == sorted(mime(n) for n in (1, 2, 3))
    assert graph_server.state.messages_in("inbox") == []
    assert len(processed(graph_server)) == 3


def test_429_waits_for_retry_after(graph_server: GraphServer, mail: GraphMail) -> None:
    graph_server.state.deliver_mime(mime(1))
    graph_server.inject("*/messages/delta", "429", retry_after=1)
    started = time.monotonic()

    fetched = mail.fetch()

    assert [m.raw for m in fetched] == [mime(1)]
    assert mail.http.waits == [1.0]
    assert time.monotonic() - started >= 1.0


def test_503_backs_off_and_nothing_is_lost(
    graph_server: GraphServer, mail: GraphMail, db: Database
) -> None:
    for n in range(3):
        graph_server.state.deliver_mime(mime(n))
    graph_server.inject("/v1.0/*", "503", times=3)

    assert pipeline.ingest(db, mail, NOW) == 3

    assert mail.http.waits == [0.05, 0.1, 0.2]
    assert len(processed(graph_server)) == 3


def test_a_retry_after_beyond_max_wait_is_left_to_the_next_pass(
    graph_server: GraphServer, db: Database, tmp_path: Path
) -> None:
    part = graph.create(graph_settings(graph_server, max_wait=5), var(tmp_path), state=state(db))
    graph_server.state.deliver_mime(mime(1))
    graph_server.inject("*/messages/delta", "429", retry_after=600)
    try:
        assert pipeline.ingest(db, part, NOW) == 0  # logged, retried next pass
        assert pipeline.ingest(db, part, NOW) == 1
    finally:
        part.close()
    assert part.http.waits == []


def test_expired_token_is_replaced_once(graph_server: GraphServer, mail: GraphMail) -> None:
    graph_server.state.deliver_mime(mime(1))
    assert len(mail.fetch()) == 1
    graph_server.tokens.expire_all()

    assert len(mail.fetch()) == 1

    grants = [g for g, _ in graph_server.tokens.requests if g == "client_credentials"]
    assert len(grants) == 2


def test_a_fresh_token_refused_again_is_permanent_not_a_loop(
    graph_server: GraphServer, mail: GraphMail
) -> None:
    graph_server.inject("/v1.0/*", "401", times=50)

    with pytest.raises(PermanentError, match="was refused too"):
        mail.fetch()

    grants = [g for g, _ in graph_server.tokens.requests if g == "client_credentials"]
    assert len(grants) == 2


def test_dropped_connections_are_retried(
    graph_server: GraphServer, mail: GraphMail, db: Database
) -> None:
    for n in range(2):
        graph_server.state.deliver_mime(mime(n))
    graph_server.inject("GET /v1.0/*", "drop", times=2)
    graph_server.inject("POST /v1.0/*/move", "lost")  # moved, but the answer never came

    assert pipeline.ingest(db, mail, NOW) == 2

    assert graph_server.state.messages_in("inbox") == []
    assert len(processed(graph_server)) == 2


def outgoing(n: int) -> OutgoingMail:
    raw = (
        f"From: meetingd <{MAILBOX}>\nTo: li.lei@example.test\nSubject: agenda {n}\n"
        f"Message-ID: <agenda.{n}@meetingd.test>\n\n议程 {n}\n"
    ).encode()
    return OutgoingMail(f"<agenda.{n}@meetingd.test>", ("li.lei@example.test",), raw)


def test_send_keeps_the_message_id_and_settles_by_it(
    graph_server: GraphServer, mail: GraphMail
) -> None:
    assert mail.find_sent("<agenda.1@meetingd.test>") is False

    mail.send(outgoing(1))

    [sent] = graph_server.state.sent
    assert sent.internet_message_id == "<agenda.1@meetingd.test>"
    assert sent.mime == outgoing(1).raw.replace(b"\n", b"\r\n")
    assert mail.find_sent("<agenda.1@meetingd.test>") is True


@pytest.mark.parametrize("fault", ["drop", "lost", "503", "429"])
def test_send_through_a_fault_sends_exactly_once(
    graph_server: GraphServer, mail: GraphMail, fault: str
) -> None:
    graph_server.inject("POST /v1.0/users/*/sendMail", fault)  # type: ignore[arg-type]

    mail.send(outgoing(2))

    assert [s.internet_message_id for s in graph_server.state.sent] == ["<agenda.2@meetingd.test>"]


def test_at_most_four_requests_per_mailbox(graph_server: GraphServer, mail: GraphMail) -> None:
    graph_server.state.concurrency_limit = 4
    graph_server.inject("/v1.0/*", "slow", times=12, delay=0.2)

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda n: mail.find_sent(f"<x{n}@t>"), range(12)))

    assert answers == [False] * 12
    assert graph_server.state.peak_concurrency(MAILBOX) == 4
    assert all(r.status == 200 for r in graph_server.requests if r.path.startswith("/v1.0"))


def test_missing_send_permission_names_it(graph_server: GraphServer, mail: GraphMail) -> None:
    graph_server.tokens.config.roles = {"Mail.ReadWrite", "Calendars.ReadWrite"}

    with pytest.raises(PermanentError, match="permission Mail.Send is missing"):
        mail.send(outgoing(3))


def test_access_policy_block_is_named(graph_server: GraphServer, mail: GraphMail) -> None:
    graph_server.state.allowed_mailboxes = {"someone.else@contoso.test"}

    with pytest.raises(PermanentError, match="application access policy blocks mailbox"):
        mail.fetch()


@pytest.mark.parametrize(
    ("change", "fix"),
    [
        ({"client_id": "0d6b3b5e-0000-4000-8000-000000000000"}, "Application \\(client\\) ID"),
        ({"tenant": "contoso-typo.onmicrosoft.com"}, "tenant is unknown"),
    ],
    ids=["client-id", "tenant"],
)
def test_refused_sign_in_says_what_to_fix(
    graph_server: GraphServer, db: Database, tmp_path: Path, change: dict[str, str], fix: str
) -> None:
    part = graph.create(graph_settings(graph_server, **change), var(tmp_path), state=state(db))
    try:
        with pytest.raises(PermanentError, match=fix):
            part.fetch()
    finally:
        part.close()


@pytest.mark.parametrize(
    ("config", "fix"),
    [
        ({"admin_consent": False}, "Grant admin consent"),
        ({"client_secret": "rotated"}, "Value \\(not its Secret ID\\)"),
    ],
    ids=["no-consent", "wrong-secret"],
)
def test_refused_token_says_what_to_fix(
    graph_server: GraphServer, mail: GraphMail, config: dict[str, object], fix: str
) -> None:
    for key, value in config.items():
        setattr(graph_server.tokens.config, key, value)

    with pytest.raises(PermanentError, match=fix):
        mail.send(outgoing(4))
    assert graph_server.state.sent == []


def test_threads_share_one_token(graph_server: GraphServer, mail: GraphMail) -> None:
    barrier = threading.Barrier(4)

    def one(n: int) -> bool | None:
        barrier.wait()
        return mail.find_sent(f"<y{n}@t>")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(4)))
    assert len(graph_server.tokens.issued()) == 1


def test_wait_returns_early_when_mail_is_waiting(
    graph_server: GraphServer, mail: GraphMail
) -> None:
    started = time.monotonic()
    assert mail.wait(0.3) is True  # nothing there: the whole timeout
    assert time.monotonic() - started >= 0.3
    graph_server.state.deliver_mime(mime(1))
    time.sleep(0.1)  # poll_seconds of the test settings

    started = time.monotonic()
    assert mail.wait(5) is True

    assert time.monotonic() - started < 2
    assert [m.raw for m in mail.fetch()] == [mime(1)]


def test_a_mail_over_graphs_4_mb_limit_fails_with_the_fix(
    graph_server: GraphServer, mail: GraphMail
) -> None:
    big = outgoing(5)
    big = OutgoingMail(big.message_id, big.recipients, big.raw + b"x" * (3 * 1024 * 1024 + 1))

    with pytest.raises(PermanentError, match="max_material_bytes"):
        mail.send(big)

    assert graph_server.state.sent == []
    assert not [r for r in graph_server.requests if r.path.endswith("/sendMail")]
