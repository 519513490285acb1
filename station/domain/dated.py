"""Selection of versioned data (limit and penalty tables) by the day they are in force."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import date
from itertools import pairwise
from typing import Generic, Protocol, TypeVar


class Dated(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def effective_from(self) -> date: ...
    @property
    def effective_until(self) -> date | None: ...


T = TypeVar("T", bound=Dated)


class DatedDataError(ValueError):
    """Versioned tables overlap or none is in force."""


class NoLimitRule(ValueError):
    """No table is in force on the day, or no row of it covers the vehicle."""

    def __init__(self, message: str, field: str = "axles") -> None:
        super().__init__(message)
        self.field = field


def check_no_overlap(items: list[T]) -> list[T]:
    """Return the items sorted by start; raise when two periods overlap."""
    ordered = sorted(items, key=lambda item: item.effective_from)
    for earlier, later in pairwise(ordered):
        if earlier.effective_until is None or earlier.effective_until >= later.effective_from:
            raise DatedDataError(
                f"tables {earlier.id} and {later.id} overlap: give {earlier.id} an "
                f"effective_until before {later.effective_from.isoformat()}"
            )
    return ordered


def in_force(item: Dated, day: date) -> bool:
    until = item.effective_until
    return item.effective_from <= day and (until is None or day <= until)


def describe_periods(items: list[T]) -> str:
    return ", ".join(
        f"{item.id} from {item.effective_from.isoformat()}"
        + (f" to {item.effective_until.isoformat()}" if item.effective_until else "")
        for item in items
    )


class DatedBook(Generic[T]):
    """Versioned tables of one kind, the one in force picked by day.

    `kind` names the tables in messages ("limit", "penalty"); `error` is the table-data
    error raised when the tables overlap or there are none.
    """

    def __init__(self, tables: Iterable[T], kind: str, error: type[ValueError]) -> None:
        try:
            ordered = check_no_overlap(list(tables))
        except DatedDataError as exc:
            raise error(f"{kind} {exc}") from None
        if not ordered:
            raise error(f"no {kind} table loaded")
        self._kind = kind
        self._tables = tuple(ordered)
        self._starts = [t.effective_from for t in ordered]

    @property
    def tables(self) -> tuple[T, ...]:
        return self._tables

    def table_for(self, day: date) -> T:
        position = bisect.bisect_right(self._starts, day) - 1
        if position >= 0 and in_force(self._tables[position], day):
            return self._tables[position]
        known = describe_periods(list(self._tables))
        message = f"date: no {self._kind} table in force on {day.isoformat()} ({known})"
        raise NoLimitRule(message, "date")
