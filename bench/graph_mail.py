"""Graph mail throughput against the local fake Graph (real msal, httpx, TLS, SQLite).

Delivers ``--mails`` messages (default 200) into the fake mailbox's inbox, then drains it
the way the daemon does (``pipeline.ingest``: delta, ``/$value``, store, ``move``) and sends
``--mails`` messages with ``sendMail``; optionally with ``--throttle`` 429s (Retry-After 1)
injected every 50 requests. Prints seconds, messages per second, Graph requests per message
and the peak of concurrent requests for the mailbox (Graph allows 4).

Usage: ``.venv/bin/python bench/graph_mail.py [--mails N] [--throttle]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from daemon.inbound import pipeline  # noqa: E402
from daemon.store.db import open_db  # noqa: E402
from daemon.transports import graph  # noqa: E402
from daemon.transports.base import OutgoingMail  # noqa: E402
from tests.transports.graph_setup import MAILBOX, fake_graph, graph_settings, state  # noqa: E402

NOW = dt.datetime(2026, 9, 14, 1, 0, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=200)
    parser.add_argument("--throttle", action="store_true")
    args = parser.parse_args()
    with fake_graph(MAILBOX) as server, tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "meetingd.db")
        part = graph.create(graph_settings(server), Path(tmp), state=state(db))
        for n in range(args.mails):
            server.state.deliver_mime(
                f"From: a@example.test\r\nTo: {MAILBOX}\r\nSubject: {n}\r\n"
                f"Message-ID: <b{n}@example.test>\r\n\r\nbody {n}\r\n".encode()
            )
        if args.throttle:
            for _ in range(args.mails // 25):
                server.inject("/v1.0/*", "429", retry_after=1)
        before = len(server.requests)
        started = time.monotonic()
        stored = 0
        while stored < args.mails:
            stored += pipeline.ingest(db, part, NOW)
        inbound = time.monotonic() - started
        inbound_requests = len(server.requests) - before
        started = time.monotonic()
        for n in range(args.mails):
            raw = f"From: {MAILBOX}\r\nTo: b@example.test\r\nSubject: {n}\r\n\r\nx\r\n".encode()
            part.send(OutgoingMail(f"<o{n}@meetingd.test>", ("b@example.test",), raw))
        outbound = time.monotonic() - started
        part.close()
        db.close()
        print(
            f"inbound : {args.mails} mails in {inbound:.2f} s = {args.mails / inbound:.1f}/s, "
            f"{inbound_requests / args.mails:.2f} Graph requests per mail"
        )
        print(f"outbound: {args.mails} mails in {outbound:.2f} s = {args.mails / outbound:.1f}/s")
        print(
            f"waited  : {sum(part.http.waits):.1f} s for Retry-After/back-off; peak "
            f"concurrency {server.state.peak_concurrency(MAILBOX)} (limit 4)"
        )


if __name__ == "__main__":
    main()
