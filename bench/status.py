"""``meetingd status`` at a company's scale: wall time and peak RSS of the whole process.

Usage: ``.venv/bin/python bench/status.py [--size 10000] [--runs 3] [-- STATUS ARGS]``
Prints the median wall seconds, the peak RSS and the number of lines printed, for the
state of ``--size`` meetings (:mod:`bench.state`). Goals (issue 15): <= 1 s and <= 150 MB
at 10,000 meetings, <= 0.3 s at 1,000.
"""

from __future__ import annotations

import argparse
import sys

from _run import median_run, meetingd
from state import state


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("args", nargs="*", help="extra arguments of `meetingd status`")
    opts = ap.parse_args()
    st = state(opts.size)
    argv = meetingd("status", "-c", str(st.config), *opts.args)
    seconds, rss, last = median_run(argv, opts.runs, opts.warmup)
    lines = last.out.count(b"\n")
    print(f"meetingd status {' '.join(opts.args)} at {opts.size} meetings (exit {last.code}):")
    print(f"  wall {seconds:.3f} s median of {opts.runs}; peak RSS {rss / 2**20:.0f} MiB;")
    print(f"  {lines} lines, {len(last.out)} bytes printed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
