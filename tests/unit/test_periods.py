"""Report periods: every boundary of day, week, dekad and month, leap years included."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from station.periods import Period, PeriodKind, period_of


def span(kind: str, day: date) -> tuple[date, date]:
    """First and last day (inclusive) of the period containing `day`."""
    found = period_of(kind, day)
    return found.first_day, found.last_day


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (date(2026, 11, 25), date(2026, 11, 25), date(2026, 11, 25)),
        (date(2026, 12, 31), date(2026, 12, 31), date(2026, 12, 31)),
        (date(2024, 2, 29), date(2024, 2, 29), date(2024, 2, 29)),
    ],
)
def test_daily(day: date, first: date, last: date) -> None:
    start = datetime(day.year, day.month, day.day)
    assert period_of("daily", day) == Period(PeriodKind.DAILY, start, start + timedelta(days=1))
    assert span("daily", day) == (first, last)


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 29)),  # a Monday
        (date(2026, 11, 29), date(2026, 11, 23), date(2026, 11, 29)),  # a Sunday
        (date(2026, 12, 31), date(2026, 12, 28), date(2027, 1, 3)),  # across the new year
        (date(2024, 2, 29), date(2024, 2, 26), date(2024, 3, 3)),  # across a leap day
    ],
)
def test_weekly_runs_monday_to_sunday(day: date, first: date, last: date) -> None:
    assert span("weekly", day) == (first, last)
    assert first.weekday() == 0 and last.weekday() == 6


@pytest.mark.parametrize(
    ("day", "first", "last", "part"),
    [
        (date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 10), 1),
        (date(2026, 11, 10), date(2026, 11, 1), date(2026, 11, 10), 1),
        (date(2026, 11, 11), date(2026, 11, 11), date(2026, 11, 20), 2),
        (date(2026, 11, 20), date(2026, 11, 11), date(2026, 11, 20), 2),
        (date(2026, 11, 21), date(2026, 11, 21), date(2026, 11, 30), 3),  # 10 days
        (date(2026, 12, 31), date(2026, 12, 21), date(2026, 12, 31), 3),  # 11 days
        (date(2026, 2, 28), date(2026, 2, 21), date(2026, 2, 28), 3),  # 8 days
        (date(2024, 2, 29), date(2024, 2, 21), date(2024, 2, 29), 3),  # leap year: 9 days
        (date(2024, 2, 21), date(2024, 2, 21), date(2024, 2, 29), 3),
    ],
)
def test_dekads(day: date, first: date, last: date, part: int) -> None:
    assert span("dekad", day) == (first, last)
    assert period_of("dekad", day).dekad == part


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 11, 30), date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 12, 15), date(2026, 12, 1), date(2026, 12, 31)),  # end of the year
        (date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),
        (date(2024, 2, 29), date(2024, 2, 1), date(2024, 2, 29)),  # leap February
        (date(2100, 2, 1), date(2100, 2, 1), date(2100, 2, 28)),  # not a leap year
        (date(2000, 2, 1), date(2000, 2, 1), date(2000, 2, 29)),  # a leap year
        (date(2026, 1, 31), date(2026, 1, 1), date(2026, 1, 31)),
    ],
)
def test_monthly(day: date, first: date, last: date) -> None:
    assert span("monthly", day) == (first, last)


def test_periods_are_half_open_midnights() -> None:
    found = period_of(PeriodKind.MONTHLY, date(2026, 12, 5))
    assert found.start == datetime(2026, 12, 1)
    assert found.end == datetime(2027, 1, 1)  # exclusive: 31 Dec 23:59:59 is inside
    assert len(found.days) == 31 and found.days[-1] == date(2026, 12, 31)
    assert found.dekad is None


def test_a_datetime_is_taken_as_its_day() -> None:
    found = period_of("daily", datetime(2026, 11, 25, 23, 59, 59))
    assert (found.start, found.end) == (datetime(2026, 11, 25), datetime(2026, 11, 26))


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        period_of("yearly", date(2026, 1, 1))
