"""Gross-mass limits as versioned data tables, and the verdict computed from them.

A table (one TOML file under station/data/limits) holds rows, adjustments and the
outline thresholds of one legal regime with its effective dates. The code here
only knows a small vocabulary of conditions (``when`` keys); every number and
every applicability rule is data, so a revised standard is added as a new file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from station.domain.dated import DatedBook, NoLimitRule
from station.domain.rates import over_rate
from station.domain.tabledata import Reader, TableDataError
from station.domain.vehicle import Axle, Configuration, SpecialType, Tyres, Vehicle


class LimitTableError(TableDataError):
    """A limit table file is malformed (raised at load, never while judging)."""


# ---- condition vocabulary -------------------------------------------------------------


def _drive_axles(vehicle: Vehicle) -> list[Axle]:
    return [axle for axle in vehicle.axles if axle.drive]


def _drive_dual_air(vehicle: Vehicle, wanted: bool) -> bool:
    drives = _drive_axles(vehicle)
    qualifies = bool(drives) and all(
        axle.tyres is Tyres.DUAL and axle.air_suspension for axle in drives
    )
    return qualifies == wanted


def _tractor_drive_axles(vehicle: Vehicle, wanted: int) -> bool:
    return vehicle.drive_axle_count() == wanted


def _semitrailer_axle_spacing_min(vehicle: Vehicle, minimum_mm: int) -> bool:
    """The semi-trailer (the axles behind the last drive axle) is a tandem spaced >= minimum."""
    drive_positions = [i for i, axle in enumerate(vehicle.axles) if axle.drive]
    if not drive_positions:
        return False
    trailer = vehicle.axles[drive_positions[-1] + 1 :]
    if len(trailer) != 2:
        return False
    spacing = trailer[0].spacing_mm
    return spacing is not None and spacing >= minimum_mm


VEHICLE_CONDITIONS: dict[str, Callable[[Vehicle, Any], bool]] = {
    "drive_dual_air": _drive_dual_air,
    "tractor_drive_axles": _tractor_drive_axles,
    "semitrailer_axle_spacing_min_mm": _semitrailer_axle_spacing_min,
}

_CONDITION_TYPES: dict[str, type] = {
    "drive_dual_air": bool,
    "tractor_drive_axles": int,
    "semitrailer_axle_spacing_min_mm": int,
}


def _is_trailer_axle(vehicle: Vehicle, index: int) -> bool:
    """On a combination, axles behind the tractor's last drive axle are trailer axles.

    Without any drive axle marked the split is unknown, and the axle is taken as a
    trailer axle (the chart's default assumption for combinations).
    """
    if vehicle.configuration is Configuration.TRUCK:
        return False
    drives = [i for i, axle in enumerate(vehicle.axles) if axle.drive]
    return not drives or index > drives[-1]


def _in_group(vehicle: Vehicle, index: int, below_mm: int) -> bool:
    """The axle is within `below_mm` of a neighbour, or a spacing is unknown (cannot rule out)."""
    last = vehicle.axle_count - 1
    before = vehicle.axles[index - 1].spacing_mm if index > 0 else below_mm
    after = vehicle.axles[index].spacing_mm if index < last else below_mm
    if before is None or after is None:
        return True
    return before < below_mm or after < below_mm


def _grouped_or_trailer(vehicle: Vehicle, index: int, below_mm: int) -> bool:
    return _is_trailer_axle(vehicle, index) or _in_group(vehicle, index, below_mm)


AXLE_CONDITIONS: dict[str, Callable[[Vehicle, int, Any], bool]] = {
    "tyres": lambda v, i, wanted: v.axles[i].tyres.value == wanted,
    "steering": lambda v, i, wanted: v.is_steering(i) == wanted,
    "drive": lambda v, i, wanted: v.axles[i].drive == wanted,
    "grouped_or_trailer_below_mm": _grouped_or_trailer,
}

_AXLE_CONDITION_TYPES: dict[str, type] = {
    "tyres": str,
    "steering": bool,
    "drive": bool,
    "grouped_or_trailer_below_mm": int,
}


# ---- table structure -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Applicability:
    """Which vehicles a row or adjustment is for."""

    configurations: frozenset[Configuration]
    axles_min: int
    axles_max: int | None
    when: tuple[tuple[str, Any], ...]

    def covers(self, vehicle: Vehicle) -> bool:
        if self.configurations and vehicle.configuration not in self.configurations:
            return False
        count = vehicle.axle_count
        if count < self.axles_min or (self.axles_max is not None and count > self.axles_max):
            return False
        return all(VEHICLE_CONDITIONS[key](vehicle, value) for key, value in self.when)


@dataclass(frozen=True, slots=True)
class LimitRow:
    id: str
    applies: Applicability
    limit_kg: int | None
    special_types: frozenset[SpecialType]
    cap_by_registered_mass: bool
    note: str

    @property
    def from_registered_mass(self) -> bool:
        return self.limit_kg is None

    def covers(self, vehicle: Vehicle) -> bool:
        if self.special_types:
            return vehicle.special_type in self.special_types
        if vehicle.special_type is not None:
            return False
        return self.applies.covers(vehicle)


@dataclass(frozen=True, slots=True)
class Adjustment:
    id: str
    amount_kg: int
    applies: Applicability
    axle_when: tuple[tuple[str, Any], ...]
    note: str

    @property
    def per_axle(self) -> bool:
        return bool(self.axle_when)

    def axles_hit(self, vehicle: Vehicle) -> list[int]:
        return [
            i
            for i in range(vehicle.axle_count)
            if all(AXLE_CONDITIONS[key](vehicle, i, value) for key, value in self.axle_when)
        ]


@dataclass(frozen=True, slots=True)
class Outline:
    height_mm: int
    width_mm: int
    length_mm: int


@dataclass(frozen=True, slots=True)
class LimitTable:
    id: str
    title: str
    effective_from: date
    effective_until: date | None
    rows: tuple[LimitRow, ...]
    adjustments: tuple[Adjustment, ...]
    outline: Outline
    sources: tuple[str, ...]

    def row_for(self, vehicle: Vehicle) -> LimitRow:
        for row in self.rows:
            if row.covers(vehicle):
                return row
        raise NoLimitRule(
            f"axles: no row of {self.id} covers a {vehicle.configuration.value} "
            f"with {vehicle.axle_count} axles"
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """How the limit came about and whether the vehicle is over it (integer kg)."""

    sum_weight_kg: int
    limit_weight_kg: int
    over_weight_kg: int
    over_rate: str
    is_over: bool
    table_id: str
    row_id: str
    adjustments: tuple[str, ...]
    dimensions_over: tuple[str, ...]

    @property
    def vehicle_class(self) -> str:
        return f"{self.table_id}:{self.row_id}"


# ---- judging ---------------------------------------------------------------------------


def _limit_with_adjustments(
    table: LimitTable, row: LimitRow, vehicle: Vehicle
) -> tuple[int, list[str]]:
    if row.from_registered_mass:
        if vehicle.registered_mass_kg is None:
            raise NoLimitRule(
                f"registeredMass: required for a {vehicle.special_type}, whose limit is the "
                "registered total mass",
                field="registeredMass",
            )
        return vehicle.registered_mass_kg, []
    assert row.limit_kg is not None
    limit = row.limit_kg
    steps: list[str] = []
    for adjustment in table.adjustments:
        if not adjustment.applies.covers(vehicle):
            continue
        if adjustment.per_axle:
            for index in adjustment.axles_hit(vehicle):
                limit += adjustment.amount_kg
                steps.append(f"{adjustment.id} axle {index + 1}: {adjustment.amount_kg:+d} kg")
        else:
            limit += adjustment.amount_kg
            steps.append(f"{adjustment.id}: {adjustment.amount_kg:+d} kg")
    registered = vehicle.registered_mass_kg
    if row.cap_by_registered_mass and registered is not None and registered < limit:
        steps.append(f"registered-mass-cap: {limit} -> {registered} kg")
        limit = registered
    return limit, steps


def dimensions_over(vehicle: Vehicle, outline: Outline) -> tuple[str, ...]:
    """Return the outline dimensions strictly above the thresholds, in height/width/length order."""
    dims = vehicle.dimensions
    if dims is None:
        return ()
    checks = (
        ("height", dims.height_mm, outline.height_mm),
        ("width", dims.width_mm, outline.width_mm),
        ("length", dims.length_mm, outline.length_mm),
    )
    return tuple(name for name, value, limit in checks if value is not None and value > limit)


def judge(vehicle: Vehicle, table: LimitTable) -> Verdict:
    """Judge one vehicle against one table. Over means strictly greater than the limit."""
    row = table.row_for(vehicle)
    limit, steps = _limit_with_adjustments(table, row, vehicle)
    if limit <= 0:
        raise NoLimitRule(f"axles: adjustments leave no positive limit ({limit} kg)")
    total = vehicle.sum_weight_kg
    over = max(0, total - limit)
    return Verdict(
        sum_weight_kg=total,
        limit_weight_kg=limit,
        over_weight_kg=over,
        over_rate=over_rate(over, limit),
        is_over=total > limit,
        table_id=table.id,
        row_id=row.id,
        adjustments=tuple(steps),
        dimensions_over=dimensions_over(vehicle, table.outline),
    )


class LimitBook(DatedBook[LimitTable]):
    """All limit tables known to the station, selectable by date."""

    def __init__(self, tables: Iterable[LimitTable]) -> None:
        super().__init__(tables, "limit", LimitTableError)

    def judge(self, vehicle: Vehicle, day: date) -> Verdict:
        return judge(vehicle, self.table_for(day))


# ---- building tables from parsed data ----------------------------------------------------

_APPLIES_KEYS = {"configurations", "axles", "axles_min", "axles_max", "when"}
_ROW_KEYS = _APPLIES_KEYS | {"id", "limit_kg", "special_types", "cap_by_registered_mass", "note"}
_ADJ_KEYS = _APPLIES_KEYS | {"id", "amount_kg", "axle_when", "note"}
_CONFIGURATIONS = {c.value: c for c in Configuration}
_SPECIALS = {s.value: s for s in SpecialType}
_TYRES = {t.value for t in Tyres}


def _conditions(reader: Reader) -> tuple[tuple[str, Any], ...]:
    when = reader.sub("when", set(VEHICLE_CONDITIONS), {})
    return tuple((key, when.get(key, _CONDITION_TYPES[key])) for key in when.data)


def _applicability(reader: Reader) -> Applicability:
    if "axles" in reader.data:
        axles_min = axles_max = reader.get("axles", int, minimum=2)
    else:
        axles_min = reader.get("axles_min", int, 2, minimum=2)
        axles_max = reader.get("axles_max", int, None, minimum=axles_min)
    configurations = frozenset(reader.choices("configurations", _CONFIGURATIONS))
    return Applicability(configurations, axles_min, axles_max, _conditions(reader))


def _row(data: Any, where: str) -> LimitRow:
    reader = Reader(data, where, LimitTableError, _ROW_KEYS)
    specials = frozenset(reader.choices("special_types", _SPECIALS))
    limit = reader.get("limit_kg", int, None, minimum=1)
    if (limit is None) == (not specials):
        raise reader.fail(
            "limit_kg", "give limit_kg, or special_types for a registered-mass row, not both"
        )
    return LimitRow(
        id=reader.get("id", str),
        applies=_applicability(reader),
        limit_kg=limit,
        special_types=specials,
        cap_by_registered_mass=reader.get("cap_by_registered_mass", bool, False),
        note=reader.get("note", str, ""),
    )


def _axle_when(reader: Reader) -> tuple[tuple[str, Any], ...]:
    when = reader.sub("axle_when", set(AXLE_CONDITIONS), {})
    result = []
    for key in when.data:
        value = when.get(key, _AXLE_CONDITION_TYPES[key])
        if key == "tyres" and value not in _TYRES:
            raise when.fail(key, f"{value!r} is not one of {', '.join(sorted(_TYRES))}")
        result.append((key, value))
    return tuple(result)


def _adjustment(data: Any, where: str) -> Adjustment:
    reader = Reader(data, where, LimitTableError, _ADJ_KEYS)
    return Adjustment(
        id=reader.get("id", str),
        amount_kg=reader.get("amount_kg", int),
        applies=_applicability(reader),
        axle_when=_axle_when(reader),
        note=reader.get("note", str, ""),
    )


def _outline(reader: Reader) -> Outline:
    outline = reader.sub("outline", {"height_mm", "width_mm", "length_mm"})
    return Outline(
        height_mm=outline.get("height_mm", int, minimum=1),
        width_mm=outline.get("width_mm", int, minimum=1),
        length_mm=outline.get("length_mm", int, minimum=1),
    )


def _items(reader: Reader, key: str, build: Callable[[Any, str], Any]) -> tuple[Any, ...]:
    return tuple(
        build(item, f"{reader.where}.{key}[{i}]")
        for i, item in enumerate(reader.get(key, list, []))
    )


def table_from_mapping(data: Mapping[str, Any], origin: str = "table") -> LimitTable:
    """Build a table from parsed TOML, raising LimitTableError naming the bad key."""
    reader = Reader(data, origin, LimitTableError, {"table", "outline", "rows", "adjustments"})
    head = reader.sub("table", {"id", "title", "effective_from", "effective_until", "sources"})
    start, until = head.period()
    rows = _items(reader, "rows", _row)
    if not rows:
        raise reader.fail("rows", "a table needs at least one row")
    ids = [r.id for r in rows]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise reader.fail("rows", f"duplicate row id {', '.join(duplicates)}")
    return LimitTable(
        id=head.get("id", str),
        title=head.get("title", str, ""),
        effective_from=start,
        effective_until=until,
        rows=rows,
        adjustments=_items(reader, "adjustments", _adjustment),
        outline=_outline(reader),
        sources=tuple(head.get("sources", list, [])),
    )
