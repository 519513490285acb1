"""Selection of versioned data (limit and penalty tables) by the day they are in force."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Protocol, TypeVar


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
