"""Working days: China's holidays and make-up workdays, and company overrides."""

import datetime as dt

import pytest

from daemon.workdays import WorkCalendar

D = dt.date


@pytest.fixture(scope="module")
def cn() -> WorkCalendar:
    return WorkCalendar()


def test_national_day_2026_topic_deadline(cn: WorkCalendar) -> None:
    # Meeting Fri 2026-10-09: Oct 1-7 are off, so M-3 working days is Tue Sep 29.
    assert cn.add(D(2026, 10, 9), -3) == D(2026, 9, 29)
    assert cn.add(D(2026, 10, 9), -1) == D(2026, 10, 8)


def test_make_up_workday_counts(cn: WorkCalendar) -> None:
    assert D(2026, 9, 20).weekday() == 6  # a Sunday ...
    assert cn.is_working_day(D(2026, 9, 20))  # ... worked in exchange for a holiday
    # Counting back from Tue Sep 22 crosses it: Mon 21, Sun 20 (make-up), Fri 18.
    assert cn.add(D(2026, 9, 22), -2) == D(2026, 9, 20)


def test_weekend_and_holiday_are_not_working_days(cn: WorkCalendar) -> None:
    assert not cn.is_working_day(D(2026, 10, 1))
    assert not cn.is_working_day(D(2026, 11, 29))  # a plain Sunday
    assert cn.is_working_day(D(2026, 11, 30))


def test_deadline_is_end_of_day_in_company_zone(cn: WorkCalendar) -> None:
    start = dt.datetime(2026, 10, 9, 14, 0, tzinfo=cn.tz)
    due = cn.deadline_before(start, 3)
    assert due == dt.datetime(2026, 9, 29, 10, 0, tzinfo=dt.UTC)  # 18:00 +08:00


def test_overrides_for_a_year_the_library_does_not_know() -> None:
    # 2031's make-up days are not announced yet: the company adds its own.
    plain = WorkCalendar()
    company = WorkCalendar(
        extra_holidays=[D(2031, 6, 12)],  # a Thursday the company gives off
        extra_workdays=[D(2031, 6, 14)],  # a Saturday worked in exchange
    )
    assert plain.is_working_day(D(2031, 6, 12)) and not plain.is_working_day(D(2031, 6, 14))
    assert not company.is_working_day(D(2031, 6, 12))
    assert company.is_working_day(D(2031, 6, 14))
    # Counting back from Mon 16: Sat 14 (worked), Fri 13, then Wed 11 (Thu 12 is off).
    assert company.add(D(2031, 6, 16), -3) == D(2031, 6, 11)
    assert plain.add(D(2031, 6, 16), -3) == D(2031, 6, 11)
    assert company.add(D(2031, 6, 16), -2) == D(2031, 6, 13)
    assert plain.add(D(2031, 6, 16), -2) == D(2031, 6, 12)


def test_between_and_roll_forward(cn: WorkCalendar) -> None:
    assert cn.working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3  # 8, 9, Sat 10
    assert cn.working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3
    assert cn.roll_forward(D(2026, 10, 3)) == D(2026, 10, 8)
