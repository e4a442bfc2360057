"""The runner's tick at a company's scale: idle, and at the 09:30 burst (in process).

Usage: ``.venv/bin/python bench/tick.py [--size 10000] [--idle 20]``. On the state of
``--size`` meetings (:mod:`bench.state`):

* idle tick: settle + fire deadlines + dispatch, one minute before the burst (nothing due),
  median of ``--idle`` ticks. Goal (issue 15): <= 50 ms.
* burst firing: every deadline due at the burst instant fired by ``fire_deadlines`` (which
  queues drafts), then the mails they queued composed and dispatched to a Maildir sink,
  both timed; milliseconds per deadline and per mail. Goal: <= 2 ms per deadline. (The
  real ``meetingd run`` is in ``bench/burst.py``.)
* peak RSS of this process at the end. Goal: <= 150 MB.

Every write is rolled back at the end: the cached state is left as built.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import time

from _service import rolled_back, set_now
from state import state

from daemon.outbound import outbox


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--idle", type=int, default=20)
    opts = ap.parse_args()
    st = state(opts.size)
    with rolled_back(st, st.burst - dt.timedelta(minutes=1)) as (service, _source):
        times = []
        for _ in range(opts.idle + 1):
            started = time.perf_counter()
            service.settle(outbox.SETTLE_AFTER)
            service.fire_deadlines()
            service.dispatch()
            times.append(time.perf_counter() - started)
        idle_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{opts.size} meetings:")
        print(f"  idle tick: {statistics.median(times[1:]) * 1000:.2f} ms median (goal <= 50 ms)")
        set_now(st.burst)
        started = time.perf_counter()
        fired = service.fire_deadlines()
        fire_s = time.perf_counter() - started
        queued = service.db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'queued'")
        mails = queued.fetchone()[0]
        started = time.perf_counter()
        sent = 0
        while True:
            done, _failed = service.dispatch()
            if not done:
                break
            sent += done
        send_s = time.perf_counter() - started
        per = fire_s / fired * 1000 if fired else float("nan")
        print(f"  burst: {fired} deadlines fired in {fire_s:.1f} s: {per:.2f} ms each (goal <= 2)")
        each = send_s / sent * 1000 if sent else float("nan")
        print(
            f"  burst: {mails} mails queued, {sent} composed and sent in {send_s:.1f} s:"
            f" {each:.2f} ms each"
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS: idle {idle_rss:.0f} MiB, after the burst {rss:.0f} MiB (goal <= 150)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
