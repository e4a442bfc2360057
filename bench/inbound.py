"""The whole inbound path per message (ingest -> link -> apply -> enqueue -> dispatch) at
100 meetings and at 10,000, on the same mails.

Usage: ``.venv/bin/python bench/inbound.py [--sizes 100,10000] [--rounds 5]``. The mails
are the demo's own (topics, calendar answers, a decline with a proxy, an out-of-office, a
bounce, a stray mail), readdressed to live meetings of the state and linked by their
``[MTG-n]`` tag or UID only (no In-Reply-To). Each round feeds them one by one through the
service and undoes them after (a savepoint), so every round sees the same state. Prints
the median milliseconds per message, the SQL statements per message and the 10k/100
ratio. Goals (issue 15): <= 5 ms median at 10,000 and <= 1.2x the cost at 100.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time

from _service import rolled_back
from state import State, state

from daemon.demo.readdress import readdress
from daemon.demo.run import demo_mails
from daemon.demo.script import SCRIPT, SCRIPT_DAY
from daemon.store import meetings

FIRST_STEP = 12  # the first scripted mail after the live template was taken (MTG-1 only)
LAST_STEP = 26


def bench_mails(st: State, db) -> list[bytes]:  # noqa: ANN001 - a sqlite_utils Database
    """The demo's mails from :data:`FIRST_STEP` on, each to its own live meeting."""
    base = (st.manifest["size"] // 100 - 1) * 100 + 1  # the last block of live clones
    steps = [s for s in SCRIPT[FIRST_STEP:LAST_STEP] if s.meeting == 1]
    mails = []
    when = st.burst - dt.timedelta(days=4)
    for j, step in enumerate(steps):
        number = base + j
        uid = meetings.load_file(db, number).meeting.uid if step.with_uid else None
        raw = (demo_mails() / f"{step.mail}.eml").read_bytes()
        mails.append(
            readdress(
                raw,
                number=number,
                when=when,
                message_id=f"<bench.{j}.{number}@mail.corp.example>",
                written_for=SCRIPT_DAY,
                shift_days=0,
                action_k=step.action,
                uid=uid,
                placeholders={"NEXT_WORKDAY": "3月10日"},
            )
        )
    return mails


def measure(size: int, rounds: int) -> tuple[float, float, float, int]:
    """(median wall ms per message, median CPU ms per message, median SQL statements per
    message, mails) at ``size``. CPU time (this process) is the steadier figure on a
    loaded machine."""
    st = state(size)
    at = st.burst - dt.timedelta(days=4)
    times: list[float] = []
    cpu: list[float] = []
    statements: list[int] = []
    with rolled_back(st, at) as (service, source):
        conn = service.db.conn
        mails = bench_mails(st, service.db)
        count = [0]
        conn.set_trace_callback(lambda _sql: count.__setitem__(0, count[0] + 1))
        for r in range(rounds + 1):  # the first round warms up
            conn.execute("SAVEPOINT bench_round")
            for raw in mails:
                source.deliver(raw)
                count[0] = 0
                started, cpu_started = time.perf_counter(), time.process_time()
                service.ingest_and_process()
                service.dispatch()
                if r:
                    times.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - cpu_started)
                    statements.append(count[0])
            conn.execute("ROLLBACK TO bench_round")
            conn.execute("RELEASE bench_round")
        conn.set_trace_callback(None)
    return (
        statistics.median(times) * 1000,
        statistics.median(cpu) * 1000,
        statistics.median(statements),
        len(mails),
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,10000")
    ap.add_argument("--rounds", type=int, default=5)
    opts = ap.parse_args()
    results = {}
    for size in (int(s) for s in opts.sizes.split(",")):
        ms, cpu_ms, sql, n = measure(size, opts.rounds)
        results[size] = ms
        print(
            f"{size:>6} meetings: {ms:6.2f} ms per message median wall, {cpu_ms:6.2f} ms CPU"
            f" ({n} mails x {opts.rounds} rounds), {sql:.0f} SQL statements per message"
        )
    if len(results) > 1:
        small, big = min(results), max(results)
        print(
            f"ratio {big}/{small}: {results[big] / results[small]:.2f}x (goal <= 1.2x);"
            f" goal at 10000: <= 5 ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
