"""The only place that reads "now".

Production code calls :func:`now` (an aware ``datetime`` in UTC). Tests and the demo install a
:class:`FrozenClock` with :func:`set_clock` and move it with :meth:`FrozenClock.advance` /
:meth:`FrozenClock.set`. ``meetingd --now`` / ``MEETINGD_NOW`` (a testing aid) installs an
:class:`OffsetClock`: it starts at the given instant and runs at real speed; the value is read
with :func:`parse_instant`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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


class OffsetClock:
    """The wall clock moved to ``start``: it reads ``start`` when made, then runs at real speed.

    Args:
        start: aware ``datetime``; converted to UTC. Raises ``ValueError`` if naive.
        real: the wall clock (aware UTC ``datetime``); a parameter for tests.
    """

    def __init__(self, start: dt.datetime, real: Callable[[], dt.datetime] | None = None) -> None:
        real = real or SystemClock().now
        self._real = real
        self._offset = _aware_utc(start) - real()

    @property
    def offset(self) -> dt.timedelta:
        """How far this clock is ahead of the wall clock (negative: behind)."""
        return self._offset

    def now(self) -> dt.datetime:
        return self._real() + self._offset


def parse_instant(text: str, tz: dt.tzinfo) -> dt.datetime:
    """Read ``"YYYY-MM-DD HH:MM"`` (local time in ``tz``) or ISO 8601 with an offset.

    Args:
        text: e.g. ``"2026-12-15 18:05"``, ``"2026-12-15T18:05:00+08:00"`` or ``"...Z"``.
        tz: the time zone of a value written without an offset (the company's).

    Returns:
        An aware ``datetime`` in UTC.

    Raises:
        ValueError: ``text`` is not a date and time.
    """
    when = dt.datetime.fromisoformat(text.strip())
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(UTC)


def local_text(when: dt.datetime, tz: dt.tzinfo) -> str:
    """``when`` (aware) as ``"2026-12-15 18:05 +08:00"`` in ``tz``."""
    local = when.astimezone(tz)
    offset = local.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{local:%Y-%m-%d %H:%M} {sign}{minutes // 60:02d}:{minutes % 60:02d}"


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
