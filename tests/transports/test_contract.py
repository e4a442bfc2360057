"""One contract suite for every transport: memory, maildir and imap+smtp (real Dovecot/aiosmtpd).

Each transport is wrapped in a :class:`Kit` that can put mail into its inbox, read what its sink
delivered and what its source acknowledged, and open a second source instance over the same
storage (a restarted daemon). The tests below talk to the transport only through the
``MailSource`` / ``MailSink`` contract of ``daemon/transports/base.py``.
"""

from __future__ import annotations

import mailbox
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from daemon.transports import base
from daemon.transports.base import MailSink, MailSource, OutgoingMail
from tests.transports.servers import Dovecot, SmtpServer


def _mail(n: int, msgid: bool = True) -> bytes:
    header = f"Message-ID: <in-{n}-{time.monotonic_ns()}@example.test>\r\n" if msgid else ""
    return (
        f"From: Li Lei <li.lei@example.test>\r\nTo: meetings@example.test\r\n{header}"
        f"Subject: reply {n}\r\n\r\nbody {n}\r\n"
    ).encode()


def _same(a: bytes, b: bytes) -> bool:
    """Equal up to line endings (Maildir stores LF, IMAP and SMTP use CRLF)."""
    return a.replace(b"\r\n", b"\n") == b.replace(b"\r\n", b"\n")


@dataclass
class Kit:
    """A transport under test plus the hooks the contract suite needs."""

    name: str
    open_source: Callable[[], MailSource]
    sink: MailSink
    deliver: Callable[[bytes], None]
    sent: Callable[[], list[bytes]]
    processed: Callable[[], list[bytes]]
    opened: list[Any] = field(default_factory=list)

    def source(self) -> MailSource:
        src = self.open_source()
        self.opened.append(src)
        return src


def _memory_kit(tmp_path: Path) -> Kit:
    settings = {"name": f"contract-{tmp_path.name}"}
    mem = base.load_factory("memory")(settings, tmp_path)
    return Kit(
        "memory",
        lambda: base.load_factory("memory")(settings, tmp_path),
        mem,
        mem.deliver,
        lambda: [m.raw for m in mem.sent],
        lambda: list(mem.processed.values()),
    )


def _maildir_kit(tmp_path: Path) -> Kit:
    factory = base.load_factory("maildir")
    sink = factory({}, tmp_path)

    def deliver(raw: bytes) -> None:
        mailbox.Maildir(tmp_path / "inbox", create=True).add(raw)
        time.sleep(0.01)  # distinct file times: Maildir order is arrival order

    def folder(name: str) -> list[bytes]:
        return [m.as_bytes() for m in mailbox.Maildir(tmp_path / name, create=True)]

    return Kit(
        "maildir",
        lambda: factory({}, tmp_path),
        sink,
        deliver,
        lambda: folder("outbox"),
        lambda: folder("processed"),
    )


def _imap_kit(tmp_path: Path, dovecot: Dovecot, smtp: SmtpServer, user: str) -> Kit:
    settings = dovecot.settings(user, idle_seconds=5)
    sender = "sender-" + user
    sink = base.load_factory("smtp")(smtp.settings(sent_imap=dovecot.settings(sender)), tmp_path)
    return Kit(
        "imap+smtp",
        lambda: base.load_factory("imap")(settings, tmp_path),
        sink,
        lambda raw: dovecot.append(user, raw),
        lambda: [r.raw for r in smtp.received],
        lambda: dovecot.messages(user, "meetingd/processed"),
    )


@pytest.fixture(params=["memory", "maildir", "imap"])
def kit(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Kit]:
    if request.param == "memory":
        made = _memory_kit(tmp_path)
    elif request.param == "maildir":
        made = _maildir_kit(tmp_path)
    else:
        made = _imap_kit(
            tmp_path,
            request.getfixturevalue("dovecot"),
            request.getfixturevalue("smtp_server"),
            request.getfixturevalue("mail_user"),
        )
    yield made
    base.close_all([*made.opened, made.sink])


def test_fetch_returns_unacked_mail_oldest_first(kit: Kit) -> None:
    raws = [_mail(n) for n in range(3)]
    for raw in raws:
        kit.deliver(raw)
    got = kit.source().fetch()
    assert len(got) == 3
    assert all(_same(m.raw, r) for m, r in zip(got, raws, strict=True))
    assert len({m.source_key for m in got}) == 3


def test_fetch_respects_limit(kit: Kit) -> None:
    raws = [_mail(n) for n in range(3)]
    for raw in raws:
        kit.deliver(raw)
    got = kit.source().fetch(limit=2)
    assert [_same(m.raw, r) for m, r in zip(got, raws[:2], strict=True)] == [True, True]


def test_refetch_gives_same_keys_until_acked(kit: Kit) -> None:
    for n in range(3):
        kit.deliver(_mail(n))
    src = kit.source()
    first = src.fetch()
    assert [m.source_key for m in src.fetch()] == [m.source_key for m in first]
    src.ack(first[0].source_key)
    assert [m.source_key for m in src.fetch()] == [m.source_key for m in first[1:]]
    for m in first[1:]:
        src.ack(m.source_key)
    assert src.fetch() == []


def test_ack_moves_never_deletes_and_is_idempotent(kit: Kit) -> None:
    raw = _mail(1)
    kit.deliver(raw)
    src = kit.source()
    (msg,) = src.fetch()
    src.ack(msg.source_key)
    src.ack(msg.source_key)  # already acknowledged: no-op
    src.ack("no-such-key")  # unknown: no-op
    assert src.fetch() == []
    processed = kit.processed()
    assert len(processed) == 1 and _same(processed[0], raw)


def test_crash_between_ingest_and_ack_refetches_same_key(kit: Kit) -> None:
    raw = _mail(1)
    kit.deliver(raw)
    stored = {m.source_key: m.raw for m in kit.source().fetch()}  # ingested, then "crash"
    restarted = kit.source()
    again = restarted.fetch()
    assert [m.source_key for m in again] == list(stored)
    applied = [m for m in again if m.source_key not in stored]  # the pipeline's dedupe
    assert applied == []
    restarted.ack(again[0].source_key)
    assert restarted.fetch() == [] and len(kit.processed()) == 1


def test_wait_reports_waiting_mail(kit: Kit) -> None:
    kit.deliver(_mail(1))
    started = time.monotonic()
    assert kit.source().wait(5) is True
    assert time.monotonic() - started < 2


def test_send_and_find_sent(kit: Kit) -> None:
    raw = (
        b"From: Meetings <meetings@example.test>\r\nTo: wang.fang@example.test\r\n"
        b"Message-ID: <out-1@example.test>\r\nSubject: invite\r\nAuto-Submitted: auto-generated"
        b"\r\n\r\nline one\r\n.starts with a dot\r\n"
    )
    mail = OutgoingMail("<out-1@example.test>", ("wang.fang@example.test",), raw)
    # these sinks can tell: a bool, never None ("cannot tell")
    assert kit.sink.find_sent(mail.message_id) is False
    kit.sink.send(mail)
    sent = kit.sent()
    assert len(sent) == 1 and _same(sent[0], raw)
    assert kit.sink.find_sent(mail.message_id) is True
    assert kit.sink.find_sent("<never-sent@example.test>") is False


def test_smtp_without_a_sent_folder_cannot_tell(smtp_server: SmtpServer, tmp_path: Path) -> None:
    """``find_sent`` is None, never a guessed False: the outbox resends only after a timeout."""
    sink = base.load_factory("smtp")(smtp_server.settings(), tmp_path)
    try:
        raw = b"From: m@example.test\r\nMessage-ID: <out-2@example.test>\r\n\r\nhi\r\n"
        assert sink.find_sent("<out-2@example.test>") is None
        sink.send(OutgoingMail("<out-2@example.test>", ("x@example.test",), raw))
        assert len(smtp_server.received) == 1
        assert sink.find_sent("<out-2@example.test>") is None
    finally:
        sink.close()


def test_nothing_lost_nothing_twice_over_a_run(kit: Kit) -> None:
    src = kit.source()
    store: dict[str, bytes] = {}
    for n in range(5):
        kit.deliver(_mail(n))
        if n % 2:
            for msg in src.fetch(limit=2):
                store.setdefault(msg.source_key, msg.raw)
                src.ack(msg.source_key)
    while batch := src.fetch(limit=2):
        for msg in batch:
            store.setdefault(msg.source_key, msg.raw)
            src.ack(msg.source_key)
    assert len(store) == 5 and len(kit.processed()) == 5
