"""The 09:30 burst in a real ``meetingd run`` with its normal tick, at 10,000 meetings.

Usage: ``.venv/bin/python bench/burst.py [--size 10000] [--timeout 600]``. Copies the
state (:mod:`bench.state`; 46 in every 100 meetings have their topic reminder due at the
same 09:30), starts ``meetingd --now <20 s before the burst> run`` on the copy (Maildir
transports, ``tick_seconds = 60``: the burst is found by the first tick after it), and
watches the database once a second until every deadline due at the burst has fired and
every mail queued since is handed to the sink. Prints the seconds from the burst instant
(on the daemon's clock) to the last deadline fired and to the last mail sent, the counts,
and the daemon's peak RSS. Goal (issue 15): everything within 300 s of the burst instant.
Stops the daemon with SIGTERM at the end (or at ``--timeout`` seconds after the burst).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _run import env, meetingd
from state import CODE, scratch_copy, state

LEAD = dt.timedelta(seconds=20)  # the daemon starts this long before the burst


def counts(db: Path, burst: str, first_id: int) -> tuple[int, int, int]:
    """(deadlines due by the burst still pending, mails queued by the run (id >=
    ``first_id``) not yet sent, and sent), read without writing."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        pending = conn.execute(
            "SELECT COUNT(*) FROM deadlines WHERE state = 'pending' AND due_utc <= ?", [burst]
        ).fetchone()[0]
        waiting = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending') AND id >= ?",
            [first_id],
        ).fetchone()[0]
        sent = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND id >= ?", [first_id]
        ).fetchone()[0]
    finally:
        conn.close()
    return int(pending), int(waiting), int(sent)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--timeout", type=float, default=600, help="seconds after the burst")
    opts = ap.parse_args()
    src = state(opts.size)
    work = scratch_copy(src, Path(tempfile.gettempdir()) / "meetingd-bench" / "burst-run")
    burst = src.burst
    stamp = burst.isoformat()
    due = sqlite3.connect(work.db).execute(
        "SELECT COUNT(*) FROM deadlines WHERE state = 'pending' AND due_utc <= ?", [stamp]
    )
    due_count = due.fetchone()[0]
    first_id = sqlite3.connect(work.db).execute("SELECT MAX(id) + 1 FROM outbox").fetchone()[0]
    start_at = (burst - LEAD).isoformat()
    log = open(work.folder / "run.log", "wb")  # noqa: SIM115 - kept open for the daemon
    proc = subprocess.Popen(
        meetingd("--now", start_at, "run", "-c", str(work.config)),
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env(),
        cwd=CODE,
    )
    started = time.monotonic()

    def since_burst() -> float:
        return time.monotonic() - started - LEAD.total_seconds()

    fired_at = sent_at = None
    pending = waiting = sent = 0
    try:
        while since_burst() < opts.timeout and proc.poll() is None:
            time.sleep(1)
            if since_burst() < 0:
                continue
            pending, waiting, sent = counts(work.db, stamp, first_id)
            if fired_at is None and pending == 0:
                fired_at = since_burst()
            if fired_at is not None and waiting == 0 and sent:
                sent_at = since_burst()
                break
    finally:
        proc.send_signal(signal.SIGTERM)
        _pid, _status, usage = os.wait4(proc.pid, 0)
        log.close()
    print(f"burst at {opts.size} meetings: {due_count} deadlines due at {stamp}")
    print(f"  last deadline fired: {_secs(fired_at)} after the burst ({due_count - pending} fired)")
    print(f"  last mail handed to the sink: {_secs(sent_at)} after the burst ({sent} sent,")
    print(f"  {waiting} still queued); goal: both within 300 s")
    print(f"  daemon peak RSS {usage.ru_maxrss / 1024:.0f} MiB; log: {work.folder / 'run.log'}")
    return 0


def _secs(value: float | None) -> str:
    return "not within the timeout" if value is None else f"{value:.0f} s"


if __name__ == "__main__":
    sys.exit(main())
