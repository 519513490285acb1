"""Axle groups of a weighed vehicle and their loads against the axle-group table.

Informational only: the legal verdict is the gross mass (station.domain.limits). The
screen uses this to show which group carries the load.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from station.domain.tabledata import TableDataError


class AxleGroupTableError(TableDataError):
    """The axle-group table is malformed."""


@dataclass(frozen=True, slots=True)
class GroupRule:
    code: int
    axles: int
    limit_kg: int | None


@dataclass(frozen=True, slots=True)
class AxleGroupTable:
    id: str
    effective_from: date
    rules: Mapping[int, GroupRule]


@dataclass(frozen=True, slots=True)
class GroupLoad:
    code: int
    first_axle: int  # index into the vehicle's axles, 0 = front
    axle_count: int
    load_kg: int | None  # None when an axle of the group has no weight (static scale)
    limit_kg: int | None

    @property
    def over(self) -> bool:
        return (
            self.load_kg is not None
            and self.limit_kg is not None
            and (self.load_kg > self.limit_kg)
        )


def _rule(item: Any, where: str) -> GroupRule:
    if not isinstance(item, dict):
        raise AxleGroupTableError(f"{where}: expected a table")
    code, axles, limit = item.get("code"), item.get("axles"), item.get("limit_kg")
    if not isinstance(code, int) or not 1 <= code <= 7:
        raise AxleGroupTableError(f"{where}.code: must be an integer 1..7, not {code!r}")
    if axles not in (1, 2, 3):
        raise AxleGroupTableError(f"{where}.axles: must be 1, 2 or 3, not {axles!r}")
    if limit is not None and (not isinstance(limit, int) or limit <= 0):
        raise AxleGroupTableError(f"{where}.limit_kg: must be a positive integer kg")
    return GroupRule(code, axles, limit)


def axle_group_table_from_mapping(data: Mapping[str, Any], origin: str) -> AxleGroupTable:
    table = data.get("table", {})
    if not isinstance(table.get("id"), str) or not isinstance(table.get("effective_from"), date):
        raise AxleGroupTableError(f"{origin}: [table] needs id and effective_from (a date)")
    rules = [_rule(item, f"{origin}: groups[{i}]") for i, item in enumerate(data.get("groups", []))]
    return AxleGroupTable(table["id"], table["effective_from"], {r.code: r for r in rules})


def group_loads(axles: Sequence[tuple[int | None, int]], table: AxleGroupTable) -> list[GroupLoad]:
    """Split (weight, group code) axles, front to rear, into groups with their loads.

    Consecutive axles with the same code form groups of the code's size (two tandems in a
    row are two groups); an unknown code counts as a single axle.
    """
    loads: list[GroupLoad] = []
    i = 0
    while i < len(axles):
        code = axles[i][1]
        rule = table.rules.get(code)
        size = rule.axles if rule else 1
        members = [a for a in axles[i : i + size] if a[1] == code]
        weights = [w for w, _ in members]
        load = None if any(w is None for w in weights) else sum(w or 0 for w in weights)
        loads.append(GroupLoad(code, i, len(members), load, rule.limit_kg if rule else None))
        i += len(members)
    return loads
