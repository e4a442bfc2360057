"""Start-up cost: ``meetingd --help`` and ``meetingd status`` on an empty database, each
against ``python -c pass``, as whole processes.

Usage: ``.venv/bin/python bench/startup.py [--runs 9]``. Runs the commands in turn (A B A B
…) and prints each median and the median of the pairwise ratios. Goals (issue 15): --help
<= 3x, status on an empty database <= 5x. Also prints how many modules each imports.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _run import env, meetingd, timed
from state import CODE

EMPTY_TOML = '[daemon]\nvar_dir = "."\n\n[mailbox]\naddress = "meetings@corp.example"\n'


def modules(argv: list[str]) -> int:
    """How many modules a process that runs ``argv``'s ``-m daemon ARGS`` has imported."""
    code = (
        "import sys, runpy; sys.argv = ['meetingd', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('daemon', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(len(sys.modules), file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv[3:]],
        capture_output=True,
        env=env(),
        check=False,
        cwd=CODE,
    )
    return int(proc.stderr.decode().strip().splitlines()[-1])


def pair(a: list[str], b: list[str], runs: int) -> tuple[float, float, float]:
    """(median seconds of a, of b, median of the ratios a/b run by run) after a warm-up."""
    timed(a), timed(b)
    ta, tb = [], []
    for _ in range(runs):
        ta.append(timed(a).seconds)
        tb.append(timed(b).seconds)
    ratios = [x / y for x, y in zip(ta, tb, strict=True)]
    return statistics.median(ta), statistics.median(tb), statistics.median(ratios)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=9)
    opts = ap.parse_args()
    base = [sys.executable, "-c", "pass"]
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "meetingd.toml"
        config.write_text(EMPTY_TOML)
        timed(meetingd("status", "-c", str(config)))  # create and migrate the database
        cases = {
            "meetingd --help": meetingd("--help"),
            "meetingd status (empty database)": meetingd("status", "-c", str(config)),
        }
        goals = {"meetingd --help": 3.0, "meetingd status (empty database)": 5.0}
        for name, argv in cases.items():
            a, b, ratio = pair(argv, base, opts.runs)
            print(
                f"{name}: {a * 1000:.0f} ms; python -c pass: {b * 1000:.0f} ms;"
                f" ratio {ratio:.2f}x (goal <= {goals[name]:.0f}x); {modules(argv)} modules"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
