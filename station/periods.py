"""Report periods: 日报, 周报, 旬报, 月报 (daily, weekly, 10-day, monthly).

Pure date arithmetic. A period is half-open, [start, end), in naive Beijing time as the
database stores times (station/storage/queries.py), so "the day" runs from 00:00 to 24:00
Beijing time. Weeks run Monday to Sunday (the Chinese working week); dekads (旬) are the
1st-10th (上旬), 11th-20th (中旬) and 21st to the end of the month (下旬), so the last dekad
has 8 to 11 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum


class PeriodKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    DEKAD = "dekad"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) of one report period; start and end are midnights."""

    kind: PeriodKind
    start: datetime
    end: datetime  # exclusive

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    @property
    def days(self) -> tuple[date, ...]:
        count = (self.end - self.start).days
        return tuple(self.first_day + timedelta(days=n) for n in range(count))

    @property
    def dekad(self) -> int | None:
        """1, 2 or 3 (上旬, 中旬, 下旬) for a dekad; None for the other kinds."""
        if self.kind is not PeriodKind.DEKAD:
            return None
        return min(3, (self.start.day - 1) // 10 + 1)


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _bounds(kind: PeriodKind, day: date) -> tuple[date, date]:
    if kind is PeriodKind.DAILY:
        return day, day + timedelta(days=1)
    if kind is PeriodKind.WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=7)
    if kind is PeriodKind.MONTHLY:
        return day.replace(day=1), _first_of_next_month(day)
    if day.day <= 10:
        return day.replace(day=1), day.replace(day=11)
    if day.day <= 20:
        return day.replace(day=11), day.replace(day=21)
    return day.replace(day=21), _first_of_next_month(day)


def period_of(kind: PeriodKind | str, day: date) -> Period:
    """The period of `kind` that contains `day` ("daily", "weekly", "dekad", "monthly")."""
    try:
        chosen = PeriodKind(kind)
    except ValueError:
        names = ", ".join(k.value for k in PeriodKind)
        raise ValueError(f"kind: {kind!r} is not one of {names}") from None
    if isinstance(day, datetime):  # a datetime is a date too; its time must not leak in
        day = day.date()
    first, after = _bounds(chosen, day)
    return Period(chosen, datetime.combine(first, time()), datetime.combine(after, time()))
