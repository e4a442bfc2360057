"""The whole demo over EWS against the fake Exchange endpoint: how long it takes and how
many EWS requests the daemon makes (in all, per pass, per operation).

Usage: ``.venv/bin/python bench/ews_demo.py``. Prints the wall time, the passes run, the
requests by operation and per pass, and the mails and meeting notices Exchange sent. The
fake answers in-process on loopback, so the figures count the daemon's chattiness, not
Exchange's speed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from daemon.demo import run_demo  # noqa: E402
from daemon.service import Service  # noqa: E402
from tests.system.test_demo import M  # noqa: E402
from tests.system.test_ews_demo import DAEMON, PASSWORD_ENV, transport_toml  # noqa: E402
from tests.transports.fake_ews import FakeEwsServer, Mailbox  # noqa: E402


def main() -> int:
    server = FakeEwsServer(Mailbox(DAEMON, "会议助手")).start()
    os.environ[PASSWORD_ENV] = server.password
    passes = 0
    original = Service.run_once

    def counted(self: Service, max_rounds: int = 20):  # type: ignore[no-untyped-def]
        nonlocal passes
        passes += 1
        return original(self, max_rounds)

    Service.run_once = counted  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as work:
            started = time.perf_counter()
            code = run_demo(
                Path(work),
                "zh",
                M,
                None,
                transport_toml(server),
                lambda raw: server.mailbox.deliver_mime("inbox", raw),
            )
            seconds = time.perf_counter() - started
    finally:
        Service.run_once = original  # type: ignore[method-assign]
        server.stop()
    ops = Counter(r.operation for r in server.requests)
    sent = Counter(t.kind for t in server.mailbox.transmissions)
    print(f"exit code                {code}")
    print(f"wall time                {seconds:.1f} s")
    print(f"passes (run_once)        {passes}")
    per_pass = len(server.requests) / max(passes, 1)
    print(f"EWS requests             {len(server.requests)} ({per_pass:.1f} per pass)")
    for op, n in ops.most_common():
        print(f"  {op:<22} {n}")
    print("sent by Exchange         " + ", ".join(f"{k} {n}" for k, n in sorted(sent.items())))
    return code


if __name__ == "__main__":
    sys.exit(main())
