"""The fixtures of ``tests/conftest.py``: a migrated database and a frozen clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from daemon import clock
from daemon.store import meetings, migrations
from tests.instants import T0

LATER = dt.datetime(2026, 12, 15, 18, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def system_clock_after() -> Iterator[None]:
    """Asks before the clock fixtures, so it is torn down after them."""
    yield
    assert isinstance(clock.get_clock(), clock.SystemClock)


def test_db_is_migrated_at_db_path(db: Database, db_path: Path) -> None:
    assert db_path.is_file()
    assert migrations.pending(db) == []
    assert meetings.columns_missing(db) == []
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_frozen_clock_is_installed_at_t0(
    system_clock_after: None, frozen_clock: clock.FrozenClock
) -> None:
    assert clock.get_clock() is frozen_clock
    assert clock.now() == T0
    frozen_clock.advance(dt.timedelta(minutes=5))
    assert clock.now() == T0 + dt.timedelta(minutes=5)


@pytest.mark.parametrize("frozen_clock", [LATER], indirect=True)
def test_frozen_clock_takes_an_instant_by_indirect_parametrization(
    system_clock_after: None, frozen_clock: clock.FrozenClock
) -> None:
    assert clock.now() == LATER and clock.now().tzinfo == dt.UTC


def test_freeze_clock_installs_a_clock_at_any_instant(
    system_clock_after: None, freeze_clock: Callable[[dt.datetime], clock.FrozenClock]
) -> None:
    first = freeze_clock(T0)
    assert clock.get_clock() is first and clock.now() == T0
    second = freeze_clock(LATER)
    assert clock.get_clock() is second and clock.now() == LATER
