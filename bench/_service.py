"""A :class:`~daemon.service.Service` over a cached benchmark state, for in-process
benchmarks, whose every write is undone at the end (one outer transaction rolled back), so
the cached state stays as built.

Mail comes from a :class:`~daemon.transports.memory.MemoryTransport` and goes to a real
Maildir sink in a temporary folder; the clock is frozen where the caller says.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

from state import State

from daemon import clock
from daemon.config import load
from daemon.service import Service
from daemon.transports.maildir import MaildirTransport
from daemon.transports.memory import MemoryTransport


@contextlib.contextmanager
def rolled_back(st: State, at: dt.datetime) -> Iterator[tuple[Service, MemoryTransport]]:
    """(service over ``st`` at the frozen instant ``at``, its mail source); every database
    write made meanwhile is rolled back on exit."""
    logging.basicConfig(level=logging.ERROR)
    frozen = clock.FrozenClock(at)
    clock.set_clock(frozen)
    source = MemoryTransport()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sink = MaildirTransport(root / "in", root / "done", root / "out")
        service = Service(load(st.config), source=source, sink=sink)
        service.db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield service, source
        finally:
            service.db.conn.execute("ROLLBACK")
            service.close()
            clock.set_clock(clock.SystemClock())


def set_now(at: dt.datetime) -> None:
    """Move the frozen clock of :func:`rolled_back` to ``at``."""
    current = clock.get_clock()
    assert isinstance(current, clock.FrozenClock)
    current.set(at)
