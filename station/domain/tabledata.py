"""Strict reading of the legal data tables: every key known, every value of the right type.

A mistake in a table must stop the program at load with the file and key named,
never silently change a limit or a fine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

REQUIRED = object()


class TableDataError(ValueError):
    """Base of LimitTableError and PenaltyTableError."""


def _type_name(kind: type) -> str:
    return {
        int: "an integer",
        str: "a string",
        bool: "true or false",
        date: "a date (yyyy-mm-dd)",
        dict: "a table",
        list: "an array",
    }.get(kind, kind.__name__)


class Reader:
    """Reads one TOML table; `where` is its path for messages, e.g. `gb.toml.rows[3]`."""

    def __init__(
        self, data: Any, where: str, error: type[TableDataError], allowed: set[str]
    ) -> None:
        if not isinstance(data, Mapping):
            raise error(f"{where}: expected a table")
        unknown = sorted(set(data) - allowed)
        if unknown:
            known = ", ".join(sorted(allowed))
            raise error(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {known}")
        self.data = data
        self.where = where
        self.error = error

    def fail(self, key: str, problem: str) -> TableDataError:
        return self.error(f"{self.where}.{key}: {problem}")

    def get(self, key: str, kind: type, default: Any = REQUIRED, minimum: int | None = None) -> Any:
        if key not in self.data:
            if default is REQUIRED:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        exact = type(value) is kind if kind in (int, bool) else isinstance(value, kind)
        if kind is date and type(value) is not date:
            exact = False
        if not exact:
            raise self.fail(key, f"must be {_type_name(kind)}, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def choices(self, key: str, allowed: Mapping[str, Any]) -> list[Any]:
        values = self.get(key, list, [])
        out = []
        for value in values:
            if value not in allowed:
                raise self.fail(key, f"{value!r} is not one of {', '.join(sorted(allowed))}")
            out.append(allowed[value])
        return out

    def sub(self, key: str, allowed: set[str], default: Any = REQUIRED) -> Reader:
        value = self.get(key, dict, default)
        return Reader(value, f"{self.where}.{key}", self.error, allowed)

    def period(self) -> tuple[date, date | None]:
        start = self.get("effective_from", date)
        until = self.get("effective_until", date, None)
        if until is not None and until < start:
            raise self.fail("effective_until", f"{until} is before effective_from {start}")
        return start, until
