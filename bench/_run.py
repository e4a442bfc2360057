"""Running a ``meetingd`` command as its own process and reading its cost (for the benchmarks).

:func:`timed` starts ``python -m daemon ARGS`` with the code measured (``MEETINGD_CODE``, see
:mod:`bench.state`) and returns its wall time (seconds) and peak RSS (bytes, from
``wait4``'s resource usage, Linux kilobytes).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from state import CODE


@dataclass(frozen=True)
class Run:
    """One finished process: ``seconds`` wall, ``rss`` peak bytes, ``code`` exit status,
    ``out`` its standard output."""

    seconds: float
    rss: int
    code: int
    out: bytes


def env() -> dict[str, str]:
    """The environment of a measured process: the code measured first on ``PYTHONPATH``.
    Start it in ``CODE`` too: ``python -m`` puts the working folder before ``PYTHONPATH``.

    ``PYTHONDONTWRITEBYTECODE`` is dropped: with it (some sandboxes and CI images set it)
    every start compiles every module of the daemon from source again, about 60 ms that
    an installed daemon never pays; the warm-up run writes the bytecode caches."""
    out = dict(os.environ)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    out["PYTHONPATH"] = str(CODE)
    return out


def timed(argv: Sequence[str]) -> Run:
    """Run ``argv`` (a full command line) once; its output is kept, stderr discarded."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env(), cwd=CODE
    )
    out = proc.stdout.read() if proc.stdout else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss * 1024, proc.returncode, out)


def meetingd(*args: str) -> list[str]:
    """The command line of ``meetingd ARGS`` run by this interpreter."""
    return [sys.executable, "-m", "daemon", *args]


def median_run(argv: Sequence[str], runs: int, warmup: int = 1) -> tuple[float, int, Run]:
    """(median seconds, largest peak RSS in bytes, the last run) over ``runs`` runs after
    ``warmup`` uncounted ones."""
    for _ in range(warmup):
        timed(argv)
    done = [timed(argv) for _ in range(runs)]
    return statistics.median(r.seconds for r in done), max(r.rss for r in done), done[-1]
