"""The only place that reads "now".

Production code calls :func:`now` (an aware ``datetime`` in UTC). Tests and the demo install a
:class:`FrozenClock` with :func:`set_clock` and move it with :meth:`FrozenClock.advance` /
:meth:`FrozenClock.set`.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

UTC = dt.UTC


class Clock(Protocol):
    """Anything with ``now() -> datetime`` (aware, UTC)."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to.

    Args:
        start: aware ``datetime``; converted to UTC. Raises ``ValueError`` if naive.
    """

    def __init__(self, start: dt.datetime) -> None:
        self._now = _aware_utc(start)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        """Jump to ``when`` (aware); the clock may go forward only."""
        when = _aware_utc(when)
        if when < self._now:
            raise ValueError(f"clock cannot go back from {self._now} to {when}")
        self._now = when

    def advance(self, delta: dt.timedelta) -> None:
        """Move forward by ``delta``."""
        self.set(self._now + delta)


def _aware_utc(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return when.astimezone(UTC)


_clock: Clock = SystemClock()


def set_clock(clock: Clock) -> None:
    """Install ``clock`` as the process-wide source of "now"."""
    global _clock
    _clock = clock


def get_clock() -> Clock:
    """The installed clock."""
    return _clock


def now() -> dt.datetime:
    """Current time as an aware ``datetime`` in UTC, from the installed clock."""
    return _clock.now()
