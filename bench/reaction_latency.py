"""Reaction latency over IMAP IDLE and SMTP: reply APPENDed -> confirmation at the SMTP server.

Starts a private Dovecot and an aiosmtpd server (``tests/transports/servers.py``, the same
helpers as the test fixtures), then, ``--replies`` times (default 50): APPENDs an RSVP reply into
the watched INBOX and measures (``time.monotonic``, seconds) until the daemon's ``rsvp_receipt``
reaches the SMTP server (end of DATA). Prints the median, p95 and max.

Modes:

* default: the real daemon, ``daemon.runner.run_forever`` over ``Service`` with the ``imap``
  source and ``smtp`` sink (Sent copy on). Setup (not measured): a meeting request and the
  host's approval, so the meeting is scheduled and the invite is out.
* ``--echo``: the transports alone: ``ImapSource.wait()`` (IDLE) / ``fetch()`` / ``ack()`` and
  one reply per message through ``SmtpSink.send()``; shows what the transport itself costs.

Usage (as root, Dovecot installed): ``.venv/bin/python bench/reaction_latency.py [--echo]``.
Goal (issue 5): median <= 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from daemon.transports import imap, smtp  # noqa: E402
from daemon.transports.base import OutgoingMail  # noqa: E402
from tests.mails import DAEMON, mail  # noqa: E402
from tests.mails import REQUEST_ZH as REQUEST  # noqa: E402
from tests.transports.servers import Dovecot, Received, SmtpServer  # noqa: E402


def bench_mail(sender: str, subject: str, body: str, n: int, in_reply_to: str = "") -> bytes:
    """A reply with a Message-ID unique to this run (Dovecot keeps earlier runs' mail)."""
    extra = {"In_Reply_To": in_reply_to} if in_reply_to else {}
    message_id = f"<bench-{n}-{time.monotonic_ns()}@client.example>"
    return mail(sender, subject, body, message_id=message_id, **extra)


class Inbox:
    """What reached the SMTP server, with a wait for the next match."""

    def __init__(self, server: SmtpServer) -> None:
        self.cond = threading.Condition()
        self.got: list[tuple[Received, Any]] = []
        server.handler.on_receive.append(self._on)

    def _on(self, got: Received) -> None:
        parsed = email.message_from_bytes(got.raw, policy=email.policy.default)
        with self.cond:
            self.got.append((got, parsed))
            self.cond.notify_all()

    def next(self, kind: str | None, after: int, timeout: float = 30) -> tuple[int, Received, Any]:
        """First mail of ``kind`` (X-Meetingd-Kind; None: any) at index >= ``after``."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(after, len(self.got)):
                    got, parsed = self.got[i]
                    if kind is None or parsed["X-Meetingd-Kind"] == kind:
                        return i, got, parsed
                if not self.cond.wait(deadline - time.monotonic()):
                    raise TimeoutError(f"no {kind} mail within {timeout} s")


def run_service(dovecot: Dovecot, server: SmtpServer, work: Path, replies: int) -> list[float]:
    from daemon import clock
    from daemon.config import load
    from daemon.runner import run_forever
    from daemon.service import Service

    clock.set_clock(clock.FrozenClock(dt.datetime(2026, 9, 14, 1, 0, tzinfo=dt.UTC)))
    (work / "meetingd.toml").write_text('[daemon]\nvar_dir = "var"\n', encoding="utf-8")
    source = imap.create(dovecot.settings(DAEMON, idle_seconds=840), work / "var")
    sink = smtp.create(server.settings(sent_imap=dovecot.settings(DAEMON)), work / "var")
    service = Service(load(work / "meetingd.toml"), source, sink)
    inbox, stop = Inbox(server), threading.Event()
    daemon = threading.Thread(target=run_forever, args=(service, stop), daemon=True)
    daemon.start()
    try:
        dovecot.append(
            DAEMON, bench_mail("feng.tao@corp.example", "会议需求申请：仓储切换", REQUEST, 0)
        )
        _, _, approval = inbox.next("approval_request", 0)
        dovecot.append(
            DAEMON,
            bench_mail(
                "qian.feng@corp.example",
                "回复: " + approval["Subject"],
                "同意。",
                0,
                approval["Message-ID"],
            ),
        )
        index, _, invite = inbox.next("invite", 0)
        latencies = []
        for n in range(1, replies + 1):
            after = len(inbox.got)
            raw = bench_mail(
                "feng.tao@corp.example",
                "回复: " + invite["Subject"],
                "参加",
                n,
                invite["Message-ID"],
            )
            started = time.monotonic()
            dovecot.append(DAEMON, raw)
            _, got, _ = inbox.next("rsvp_receipt", after)
            latencies.append(got.at - started)
        return latencies
    finally:
        stop.set()
        daemon.join(60)


def run_echo(dovecot: Dovecot, server: SmtpServer, work: Path, replies: int) -> list[float]:
    source = imap.create(dovecot.settings(DAEMON, idle_seconds=840), work)
    sink = smtp.create(server.settings(sent_imap=dovecot.settings(DAEMON)), work)
    inbox, stop = Inbox(server), threading.Event()

    def loop() -> None:
        while not stop.is_set():
            for msg in source.fetch():
                parsed = email.message_from_bytes(msg.raw, policy=email.policy.default)
                msgid, to = f"<re-{msg.source_key}@bench>", str(parsed["From"])
                reply = f"From: {DAEMON}\r\nTo: {to}\r\nMessage-ID: {msgid}\r\n\r\nok\r\n"
                sink.send(OutgoingMail(msgid, (to,), reply.encode()))
                source.ack(msg.source_key)
            source.wait(1.0)

    worker = threading.Thread(target=loop, daemon=True)
    worker.start()
    latencies = []
    try:
        for n in range(1, replies + 1):
            after = len(inbox.got)
            started = time.monotonic()
            dovecot.append(DAEMON, bench_mail("feng.tao@corp.example", "Re: bench", "yes", n))
            _, got, _ = inbox.next(None, after)
            latencies.append(got.at - started)
        return latencies
    finally:
        stop.set()
        worker.join(10)
        source.close()
        sink.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=50)
    parser.add_argument("--echo", action="store_true", help="transports only, no daemon")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.ERROR,
        format="%(relativeCreated)7d %(threadName)s %(name)s %(message)s",
    )
    dovecot = Dovecot().start()
    server = SmtpServer(dovecot).start()
    try:
        with tempfile.TemporaryDirectory(prefix="meetingd-bench-") as tmp:
            run = run_echo if args.echo else run_service
            latencies = run(dovecot, server, Path(tmp), args.replies)
    finally:
        server.stop()
        dovecot.close()
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    mode = "transports only (--echo)" if args.echo else "daemon (run_forever + Service)"
    print(f"reaction latency, IMAP IDLE -> SMTP, {mode}, {len(latencies)} replies:")
    print(
        f"  median {statistics.median(latencies):.3f} s   p95 {p95:.3f} s   max {ordered[-1]:.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
