"""The whole inbound path per message (ingest -> link -> apply -> enqueue -> dispatch) at
100 meetings and at 10,000, on the same mails.

Usage: ``.venv/bin/python bench/inbound.py [--sizes 100,10000] [--rounds 5]``. The mails
are the demo's own (topics, calendar answers, a decline with a proxy, an out-of-office, a
bounce, a stray mail), readdressed to live meetings of the state and linked by their
``[MTG-n]`` tag or UID only (no In-Reply-To). Each round feeds them one by one through the
service and undoes them after (a savepoint), so every round sees the same state; the
sizes' rounds alternate, so a slow patch of the machine weighs on both alike. Prints
the median milliseconds per message, the SQL statements per message and the 10k/100
ratio. Goals (issue 15): <= 5 ms median at 10,000 and <= 1.2x the cost at 100.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import statistics
import sys
import time
from dataclasses import dataclass, field

from _service import rolled_back
from state import State, state

from daemon.demo.readdress import readdress
from daemon.demo.run import demo_mails
from daemon.demo.script import SCRIPT, SCRIPT_DAY
from daemon.service import Service
from daemon.store import meetings
from daemon.transports.memory import MemoryTransport

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


@dataclass
class Run:
    """One state's service, its mails and the figures of its rounds so far."""

    service: Service
    source: MemoryTransport
    mails: list[bytes]
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)

    def round(self, kept: bool) -> None:
        """Feed every mail once, one by one, and undo them after (a savepoint); ``kept``:
        record the figures (False: a warm-up round)."""
        conn = self.service.db.conn
        count = [0]
        conn.set_trace_callback(lambda _sql: count.__setitem__(0, count[0] + 1))
        conn.execute("SAVEPOINT bench_round")
        for raw in self.mails:
            self.source.deliver(raw)
            count[0] = 0
            started, cpu_started = time.perf_counter(), time.process_time()
            self.service.ingest_and_process()
            self.service.dispatch()
            if kept:
                self.times.append(time.perf_counter() - started)
                self.cpu.append(time.process_time() - cpu_started)
                self.statements.append(count[0])
        conn.execute("ROLLBACK TO bench_round")
        conn.execute("RELEASE bench_round")
        conn.set_trace_callback(None)


def measure(sizes: list[int], rounds: int) -> dict[int, tuple[float, float, float, int]]:
    """Size -> (median wall ms per message, median CPU ms per message, median SQL
    statements per message, mails). The states' rounds alternate (one round of each size
    in turn), so a machine that slows down for a while slows every size alike and the
    ratio stays fair. CPU time (this process) is the steadier figure on a loaded machine."""
    states = [state(size) for size in sizes]
    if len({st.burst for st in states}) != 1:
        raise SystemExit("the states have different burst instants: rebuild them")
    at = states[0].burst - dt.timedelta(days=4)
    with contextlib.ExitStack() as stack:
        runs = {}
        for size, st in zip(sizes, states, strict=True):
            service, source = stack.enter_context(rolled_back(st, at))
            runs[size] = Run(service, source, bench_mails(st, service.db))
        for r in range(rounds + 1):  # the first round warms up
            for run in runs.values():
                run.round(kept=r > 0)
        return {
            size: (
                statistics.median(run.times) * 1000,
                statistics.median(run.cpu) * 1000,
                statistics.median(run.statements),
                len(run.mails),
            )
            for size, run in runs.items()
        }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,10000")
    ap.add_argument("--rounds", type=int, default=5)
    opts = ap.parse_args()
    results = {}
    measured = measure([int(size) for size in opts.sizes.split(",")], opts.rounds)
    for size, (ms, cpu_ms, sql, n) in measured.items():
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
