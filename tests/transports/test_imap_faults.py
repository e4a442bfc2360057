"""IMAP/SMTP transports under faults, against a real Dovecot and aiosmtpd.

Every scenario drives a tiny pipeline (store unique on the source key, then ack) and checks
that nothing is lost (every message stored and moved to the processed folder) and nothing is
applied twice (one store per message, one copy in processed/Sent, one SMTP delivery).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from daemon.errors import PermanentError, TransientError, UserError
from daemon.transports import imap, smtp
from daemon.transports.base import OutgoingMail
from tests.transports.servers import Dovecot, FaultProxy, SmtpServer, free_port

PROCESSED = "meetingd/processed"


def _mail(n: int, msgid: bool = True) -> bytes:
    header = f"Message-ID: <fault-{n}-{time.monotonic_ns()}@example.test>\r\n" if msgid else ""
    return f"From: a@example.test\r\n{header}Subject: m{n}\r\n\r\nbody {n}\r\n".encode()


class Pipeline:
    """Store-then-ack, as ``daemon/inbound/pipeline.py`` does; counts applications."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}
        self.applied: list[bytes] = []

    def run(self, source: imap.ImapSource, limit: int = 100) -> int:
        batch = source.fetch(limit)
        for msg in batch:
            if msg.source_key not in self.store:
                self.store[msg.source_key] = msg.raw
                self.applied.append(msg.raw)
            source.ack(msg.source_key)
        return len(batch)


def _assert_exactly_once(dovecot: Dovecot, user: str, pipe: Pipeline, raws: list[bytes]) -> None:
    assert sorted(pipe.applied) == sorted(raws), "each message applied exactly once"
    assert sorted(dovecot.messages(user, PROCESSED)) == sorted(raws), "one copy each, none lost"
    assert dovecot.messages(user) == []


@pytest.fixture
def source(dovecot: Dovecot, mail_user: str, tmp_path: Path) -> Any:
    made: list[imap.ImapSource] = []

    def make(port: int | None = None, **extra: Any) -> imap.ImapSource:
        settings = dovecot.settings(mail_user, **{"idle_seconds": 5, **extra})
        if port is not None:
            settings["port"] = port
        made.append(imap.create(settings, tmp_path))
        return made[-1]

    yield make
    for src in made:
        src.close()


def test_restart_during_idle(dovecot: Dovecot, mail_user: str, source: Any) -> None:
    src, pipe = source(), Pipeline()
    before = _mail(1)
    dovecot.append(mail_user, before)
    pipe.run(src)
    restart = threading.Timer(0.3, dovecot.restart)
    restart.start()
    started = time.monotonic()
    assert src.wait(10) is True  # the dropped IDLE wakes the caller at once
    assert time.monotonic() - started < 5
    restart.join()  # the test's own APPEND needs the server back
    after = _mail(2)
    dovecot.append(mail_user, after)
    deadline = time.monotonic() + 10
    while len(pipe.applied) < 2 and time.monotonic() < deadline:
        src.wait(2)
        pipe.run(src)
    _assert_exactly_once(dovecot, mail_user, pipe, [before, after])


def test_restart_during_fetch(dovecot: Dovecot, mail_user: str, source: Any) -> None:
    proxy = FaultProxy(dovecot.port)
    try:
        raws = [_mail(n) for n in range(3)]
        for raw in raws:
            dovecot.append(mail_user, raw)
        proxy.cut_when("up", b"FETCH", action=dovecot.restart)
        src, pipe = source(port=proxy.port), Pipeline()
        assert pipe.run(src) == 3
        assert proxy.cuts == 1
        assert pipe.run(src) == 0
        _assert_exactly_once(dovecot, mail_user, pipe, raws)
    finally:
        proxy.close()


def test_reply_to_move_lost(dovecot: Dovecot, mail_user: str, source: Any) -> None:
    """The server moved the message but the reply never came: the retried ack is a no-op."""
    proxy = FaultProxy(dovecot.port)
    try:
        raw = _mail(1)
        dovecot.append(mail_user, raw)
        proxy.cut_when("down", b"Move completed")
        src, pipe = source(port=proxy.port), Pipeline()
        pipe.run(src)
        assert proxy.cuts == 1
        _assert_exactly_once(dovecot, mail_user, pipe, [raw])
    finally:
        proxy.close()


@pytest.mark.parametrize("direction,pattern", [("up", b"APPEND"), ("down", b"APPENDUID")])
def test_connection_dropped_during_sent_append(
    dovecot: Dovecot, smtp_server: SmtpServer, tmp_path: Path, direction: str, pattern: bytes
) -> None:
    """Dropped before the server stored the copy, or after (reply lost): one copy in Sent."""
    proxy = FaultProxy(dovecot.port)
    user = f"sent-{direction}-{time.monotonic_ns()}@example.test"
    sent = dovecot.settings(user, port=proxy.port)
    sink = smtp.create(smtp_server.settings(sent_imap=sent), tmp_path)
    try:
        proxy.cut_when(direction, pattern)
        raw = b"From: m@example.test\r\nMessage-ID: <app-1@example.test>\r\n\r\nhi\r\n"
        sink.send(OutgoingMail("<app-1@example.test>", ("x@example.test",), raw))
        assert proxy.cuts == 1
        assert len(smtp_server.received) == 1
        assert dovecot.messages(user, "Sent") == [raw]
        assert sink.find_sent("<app-1@example.test>") is True
    finally:
        sink.close()
        proxy.close()


@pytest.mark.parametrize(
    "stage,reply", [("DATA", "451 4.3.0 try later"), ("MAIL", "421 4.3.2 shutting down")]
)
def test_smtp_transient_reply_then_success(
    smtp_server: SmtpServer, tmp_path: Path, stage: str, reply: str
) -> None:
    sink = smtp.create(smtp_server.settings(), tmp_path)
    raw = b"From: m@example.test\r\nMessage-ID: <t-1@example.test>\r\n\r\nhi\r\n"
    mail = OutgoingMail("<t-1@example.test>", ("y@example.test",), raw)
    try:
        smtp_server.fail_next(stage, reply)
        sink.send(mail)  # retried inside send with back-off
        assert [r.raw for r in smtp_server.received] == [raw]
    finally:
        sink.close()


def test_smtp_4xx_after_retries_is_transient_and_later_send_works(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    sink = smtp.create(smtp_server.settings(send_attempts=1), tmp_path)
    mail = OutgoingMail("<t-2@example.test>", ("y@example.test",), b"From: m@example.test\r\n\r\nx")
    try:
        smtp_server.fail_next("DATA", "421 4.3.2 shutting down")
        with pytest.raises(TransientError, match="421"):
            sink.send(mail)
        assert smtp_server.received == []
        sink.send(mail)  # the dropped connection is reopened
        assert len(smtp_server.received) == 1
    finally:
        sink.close()


def test_smtp_5xx_is_permanent_with_the_reply(smtp_server: SmtpServer, tmp_path: Path) -> None:
    sink = smtp.create(smtp_server.settings(), tmp_path)
    mail = OutgoingMail("<p-1@example.test>", ("y@example.test",), b"From: m@example.test\r\n\r\nx")
    try:
        smtp_server.fail_next("DATA", "554 5.7.1 rejected by policy")
        with pytest.raises(PermanentError, match="554 5.7.1 rejected by policy"):
            sink.send(mail)
        assert smtp_server.received == []
    finally:
        sink.close()


def test_imap_auth_failure_is_permanent_and_quick(
    mail_user: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A private Dovecot: its auth penalty (a growing delay per failing IP) must not slow the
    # shared one down.
    dovecot = Dovecot().start()
    monkeypatch.setenv("WRONG_PASSWORD", "not-the-password")
    settings = dovecot.settings(mail_user, password_env="WRONG_PASSWORD", retries=6)
    src = imap.create(settings, tmp_path)
    caplog.set_level(logging.INFO, logger="daemon.transports.mailconn")
    try:
        for call in (src.fetch, lambda: src.wait(30)):
            caplog.clear()
            started = time.monotonic()
            with pytest.raises(PermanentError, match="refused"):
                call()
            # Dovecot delays a failure (1 s, plus the penalty): allow for that, but never for
            # six attempts with back-off.
            assert time.monotonic() - started < 8
            connects = [r for r in caplog.records if r.getMessage().startswith("imap: connect")]
            assert len(connects) == 1, "a refused login is not retried"
    finally:
        dovecot.close()


def test_smtp_auth_failure_is_permanent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = SmtpServer(None, auth=True).start()
    monkeypatch.setenv("WRONG_PASSWORD", "nope")
    try:
        settings = server.settings(username="m", password_env="WRONG_PASSWORD")
        sink = smtp.create(settings, tmp_path)
        mail = OutgoingMail("<a@x>", ("y@example.test",), b"From: m@example.test\r\n\r\nx")
        started = time.monotonic()
        with pytest.raises(PermanentError, match="535"):
            sink.send(mail)
        assert time.monotonic() - started < 3 and server.received == []
        sink.close()
    finally:
        server.stop()


def test_server_unreachable_is_transient(mail_user: str, dovecot: Dovecot, tmp_path: Path) -> None:
    settings = dovecot.settings(mail_user, port=free_port(), retries=3)
    src = imap.create(settings, tmp_path)
    with pytest.raises(TransientError, match="after 3 attempts"):
        src.fetch()
    assert src.wait(0.1) is True  # the caller's fetch reports; wait does not raise


@pytest.mark.parametrize("keep_msgid", [True, False])
def test_uidvalidity_change_rekeys_without_reprocessing(
    dovecot: Dovecot, mail_user: str, source: Any, keep_msgid: bool
) -> None:
    first, pending, late = _mail(1), _mail(2, msgid=keep_msgid), _mail(3)
    dovecot.append(mail_user, first)
    dovecot.append(mail_user, pending)
    old, pipe = source(), Pipeline()
    (k1, k2) = [m.source_key for m in old.fetch()]
    pipe.store[k2] = pending  # stored, then a crash before ack
    pipe.applied.append(pending)
    old.ack(k1)
    pipe.store[k1] = first
    pipe.applied.append(first)
    dovecot.doveadm("mailbox", "update", "--uid-validity", "777", "-u", mail_user, "INBOX")
    dovecot.append(mail_user, late)
    restarted = source()
    keys = [m.source_key for m in restarted.fetch()]
    assert keys[0] == k2 and keys[1].startswith("777:")  # the pending one keeps its key
    while pipe.run(restarted):
        pass
    _assert_exactly_once(dovecot, mail_user, pipe, [first, pending, late])


def test_uidvalidity_change_under_a_running_source(
    dovecot: Dovecot, mail_user: str, source: Any
) -> None:
    raw = _mail(1)
    dovecot.append(mail_user, raw)
    src = source()
    (msg,) = src.fetch()
    dovecot.doveadm("mailbox", "update", "--uid-validity", "4242", "-u", mail_user, "INBOX")
    src.ack(msg.source_key)  # stale UIDVALIDITY: found by Message-ID and content
    assert dovecot.messages(mail_user) == [] and dovecot.messages(mail_user, PROCESSED) == [raw]
    src.ack("4242:999")  # unknown UID: no-op


@pytest.mark.parametrize("disabled", [["MOVE"], ["MOVE", "UIDPLUS"]])
def test_ack_without_move(dovecot: Dovecot, mail_user: str, source: Any, disabled: list[str]):
    raws = [_mail(n) for n in range(2)]
    for raw in raws:
        dovecot.append(mail_user, raw)
    src, pipe = source(disable_extensions=disabled), Pipeline()
    pipe.run(src)
    _assert_exactly_once(dovecot, mail_user, pipe, raws)


def test_fetch_does_not_mark_read(dovecot: Dovecot, mail_user: str, source: Any) -> None:
    dovecot.append(mail_user, _mail(1))
    source().fetch()
    with dovecot.client(mail_user) as conn:
        conn.select_folder("INBOX", readonly=True)
        assert conn.search(["SEEN"]) == []


def test_polling_fallback_without_idle(dovecot: Dovecot, mail_user: str, source: Any) -> None:
    src = source(disable_extensions=["IDLE"], poll_seconds=0.2)
    assert src.wait(0.3) is False
    threading.Timer(0.3, dovecot.append, (mail_user, _mail(1))).start()
    started = time.monotonic()
    assert src.wait(5) is True
    assert time.monotonic() - started < 2


def test_idle_is_reissued_and_still_sees_mail(dovecot: Dovecot, mail_user: str, source: Any):
    src = source(idle_seconds=0.3)
    started = time.monotonic()
    assert src.wait(1.0) is False  # IDLE re-issued about three times, no mail
    assert 0.9 < time.monotonic() - started < 2
    threading.Timer(0.8, dovecot.append, (mail_user, _mail(1))).start()
    assert src.wait(5) is True
    assert time.monotonic() - started < 4


def test_settings_problems_are_reported_together(tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        imap.create({"password": "x", "security": "ssl", "port": -1}, tmp_path)
    text = str(err.value)
    for needle in ("plain 'password'", "security", "host is required", "port"):
        assert needle in text
    with pytest.raises(UserError, match="NO_SUCH_VAR"):
        smtp.create({"host": "h", "password_env": "NO_SUCH_VAR"}, tmp_path)


def test_password_command(dovecot: Dovecot, mail_user: str, tmp_path: Path) -> None:
    settings = dovecot.settings(mail_user)
    del settings["password_env"]
    settings["password_command"] = "printf '%s\\n' \"$MEETINGD_TEST_IMAP_PASSWORD\""
    src = imap.create(settings, tmp_path)
    assert src.fetch() == []
    src.close()


def test_mail_racing_the_start_of_idle_is_seen_quickly(
    dovecot: Dovecot, mail_user: str, source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """APPENDs land while IDLE is being set up; Dovecot may then stay silent until a sync."""
    pending: list[tuple[float, bytes]] = []
    appender = dovecot.client(mail_user)  # logged in already: its APPEND takes ~2 ms
    original = imap.ImapSource._has_new

    def racing_check(self: imap.ImapSource) -> bool:
        """Start an APPEND as the source checks the folder, just before it enters IDLE."""
        if pending:
            delay, raw = pending.pop()
            threading.Timer(delay, appender.append, ("INBOX", raw)).start()
        return original(self)

    monkeypatch.setattr(imap.ImapSource, "_has_new", racing_check)
    src, pipe = source(), Pipeline()
    src.fetch()
    raws = [_mail(n) for n in range(12)]
    try:
        for n, raw in enumerate(raws):
            pending.append(((n % 6) * 0.001, raw))  # 0 .. 5 ms after the check began
            started = time.monotonic()
            while not pipe.run(src):
                assert src.wait(10) is True
                assert time.monotonic() - started < 3, f"mail {n} not announced for 3 s"
    finally:
        appender.logout()
    _assert_exactly_once(dovecot, mail_user, pipe, raws)


def test_folder_created_by_another_client_meanwhile(
    dovecot: Dovecot, smtp_server: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LIST said "no Sent", then CREATE says [ALREADYEXISTS]: the copy is still filed."""
    user = f"race-{time.monotonic_ns()}@example.test"
    with dovecot.client(user) as conn:
        conn.create_folder("Sent")
    lied: list[str] = []
    original = IMAPClient.folder_exists

    def first_says_missing(self: IMAPClient, folder: str) -> bool:
        if folder == "Sent" and not lied:
            lied.append(folder)
            return False
        return bool(original(self, folder))

    monkeypatch.setattr(IMAPClient, "folder_exists", first_says_missing)
    sink = smtp.create(smtp_server.settings(sent_imap=dovecot.settings(user)), tmp_path)
    raw = b"From: m@example.test\r\nMessage-ID: <race-1@example.test>\r\n\r\nhi\r\n"
    try:
        sink.send(OutgoingMail("<race-1@example.test>", ("x@example.test",), raw))
        assert lied and dovecot.messages(user, "Sent") == [raw]
    finally:
        sink.close()
