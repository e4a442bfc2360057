"""Working-day arithmetic for China (and any ``holidays`` country) with company overrides.

Source of public holidays and official make-up workdays (调休): the ``holidays`` package
(``holidays.China().is_working_day``). A company adds its own days with ``extra_holidays``
and ``extra_workdays``; for a year the package does not know yet, weekends are the rule and
the overrides fill in the announcement.

All dates here are local calendar dates in the company time zone; instants are aware
datetimes and are converted to that zone first.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import importlib.util
import logging
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)


@functools.cache
def _country_codes() -> frozenset[str]:
    """ISO 3166 codes (alpha-2, alpha-3 and aliases such as ``UK``) the ``holidays`` package
    knows, read from its registry's source (``holidays/registry.py``, ``COUNTRIES``) without
    importing the package or a country module. Empty if the registry cannot be read."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    registry = Path(next(iter(spec.submodule_search_locations))) / "registry.py"
    try:
        tree = ast.parse(registry.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return frozenset()
    codes: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "COUNTRIES"
            and node.value is not None
        ):
            for entry in ast.literal_eval(node.value).values():
                codes.update(c for c in entry[1:] if c.isupper() and len(c) <= 3)
    return frozenset(codes)


def country_known(code: str) -> bool:
    """True if ``holidays`` has public holidays for the ISO 3166 ``code`` (e.g. ``"CN"``).

    Cheap: reads the package's registry once per process instead of importing it (the
    import costs about 0.1 s; listing the countries imports about 500 modules). When the
    registry cannot be read, falls back to asking the package itself.
    """
    codes = _country_codes()
    if codes:
        return code in codes
    import holidays

    return code in holidays.list_supported_countries()


class WorkCalendar:
    """Working days of one country in one time zone.

    Args:
        country: ISO 3166 code understood by ``holidays`` (default ``"CN"``).
        tz: IANA zone name (default ``"Asia/Shanghai"``).
        extra_holidays: local dates that are never working days.
        extra_workdays: local dates that are always working days (make-up days).
        end_of_day: local time at which a working-day deadline falls due (default 18:00).

    Raises:
        ValueError: unknown country or zone.
    """

    def __init__(
        self,
        country: str = "CN",
        tz: str = "Asia/Shanghai",
        extra_holidays: Iterable[dt.date] = (),
        extra_workdays: Iterable[dt.date] = (),
        end_of_day: dt.time = dt.time(18, 0),
    ) -> None:
        self.tz = ZoneInfo(tz)
        self.country = country
        import holidays  # about 0.1 s: only where working days are computed

        try:
            self._holidays = holidays.country_holidays(country)
        except NotImplementedError:
            raise ValueError(f"unknown country {country!r} (not in the holidays package)") from None
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        self.end_of_day = end_of_day
        self._is_working = lru_cache(maxsize=4096)(self._compute_is_working)

    def is_working_day(self, day: dt.date) -> bool:
        """True if ``day`` (local) is a working day after overrides."""
        return self._is_working(day)

    def _compute_is_working(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        return bool(self._holidays.is_working_day(day))

    def local_date(self, when: dt.datetime) -> dt.date:
        """The local calendar date of an aware instant."""
        return when.astimezone(self.tz).date()

    def add(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``n`` < 0: before; 0: ``day`` itself).

        ``add(M, -3)`` is "3 working days before M": counting back over working days only.
        """
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        current = day
        while remaining:
            current += dt.timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def roll_forward(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next working day."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative if end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        count, current = 0, start
        while current < end:
            current += dt.timedelta(days=1)
            count += self.is_working_day(current)
        return count

    def at(self, day: dt.date, time: dt.time | None = None) -> dt.datetime:
        """The aware UTC instant of ``time`` (default end of day) on local ``day``."""
        local = dt.datetime.combine(day, time or self.end_of_day, tzinfo=self.tz)
        return local.astimezone(dt.UTC)

    def deadline_before(self, meeting_start: dt.datetime, n: int) -> dt.datetime:
        """Due instant (UTC) ``n`` working days before the meeting's local date, end of day."""
        return self.at(self.add(self.local_date(meeting_start), -n))

    def deadline_after(
        self, start: dt.datetime, n: int, time: dt.time | None = None
    ) -> dt.datetime:
        """Due instant (UTC) ``n`` working days after the local date of ``start``."""
        return self.at(self.add(self.local_date(start), n), time)

    def nth_working_day_from(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day counting from ``day`` (exclusive), e.g. for the demo."""
        return self.add(day, n)
