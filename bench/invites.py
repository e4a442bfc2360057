"""Cost of building one invite's calendar object (``daemon.outbound.invites.build``).

Usage: ``.venv/bin/python bench/invites.py [--runs 50]``. Takes the calendar intents
(invites, updates, cancels) the 1,000-meeting state queued (:mod:`bench.state`) and builds
each one's iCalendar bytes ``--runs`` times in all; prints the median milliseconds per
build (the VTIMEZONE of the company zone, icalendar's ``Timezone.from_tzinfo``, was
recomputed for every one: about 25-36 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sqlite3
import statistics
import sys
import time

from state import state

from daemon.outbound import invites
from daemon.transports.calendar import MeetingSnapshot


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=50)
    opts = ap.parse_args()
    st = state(1000)
    conn = sqlite3.connect(st.db)
    rows = conn.execute(
        "SELECT intent, raw, message_id, recipients FROM outbox WHERE intent IS NOT NULL"
        " ORDER BY id LIMIT 200"
    ).fetchall()
    conn.close()
    snapshots = [
        MeetingSnapshot.from_json(json.loads(i), mail=r, message_id=m, recipients=())
        for i, r, m, _ in rows
    ]
    now = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    times = []
    for snap in itertools.islice(itertools.cycle(snapshots), opts.runs):
        started = time.perf_counter()
        invites.build(snap, sequence=1, now_utc=now)
        times.append(time.perf_counter() - started)
    print(f"invite calendar object: {statistics.median(times) * 1000:.2f} ms median per build")
    print(
        f"  (first build {times[0] * 1000:.2f} ms; {opts.runs} builds of {len(snapshots)} intents)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
