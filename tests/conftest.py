"""Fixtures shared by every test folder: a migrated database and a frozen clock.

Fixtures of one folder stay in that folder's ``conftest.py`` (``tests/unit``: the labelled
corpus; ``tests/transports``: Dovecot and the SMTP server).

``frozen_clock`` starts at :data:`tests.instants.T0`; another instant, for one test::

    @pytest.mark.parametrize("frozen_clock", [when], indirect=True)
    def test_x(frozen_clock: FrozenClock) -> None: ...

or ``freeze_clock(when)`` inside a test or a fixture (a module may also override
``frozen_clock`` with one built on ``freeze_clock``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from daemon.clock import FrozenClock, SystemClock, set_clock
from daemon.store.db import open_db
from tests.instants import T0


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where :func:`db` keeps its file (reopen it there to simulate a restart)."""
    return tmp_path / "meetingd.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """A fresh SQLite database at ``db_path``, every migration applied; closed after the test."""
    database = open_db(db_path)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def freeze_clock() -> Iterator[Callable[[dt.datetime], FrozenClock]]:
    """``freeze_clock(when)`` installs a :class:`FrozenClock` at ``when`` (aware) as the
    process-wide clock and returns it; :class:`SystemClock` is back after the test."""

    def install(when: dt.datetime) -> FrozenClock:
        fake = FrozenClock(when)
        set_clock(fake)
        return fake

    try:
        yield install
    finally:
        set_clock(SystemClock())


@pytest.fixture
def frozen_clock(
    request: pytest.FixtureRequest, freeze_clock: Callable[[dt.datetime], FrozenClock]
) -> FrozenClock:
    """The installed :class:`FrozenClock`, at ``T0`` or at the instant given by indirect
    parametrization; :class:`SystemClock` is back after the test."""
    when: dt.datetime = getattr(request, "param", T0)
    return freeze_clock(when)
