"""Penalty estimate under 交通运输部令2016年第62号 Art. 43, with provincial policy as data.

The table (amounts, bands, caps) is versioned data; how a partial 1000 kg counts,
any tolerance and which end of a dimension band is shown are provincial policy
(configuration). The estimate informs the operator and the documents; the
decision itself belongs to the officer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from station.domain.dated import DatedBook
from station.domain.limits import Verdict
from station.domain.tabledata import Reader, TableDataError
from station.domain.vehicle import Dimensions


class PenaltyTableError(TableDataError):
    """A penalty table file is malformed."""


class PenaltyAction(StrEnum):
    NONE = "NONE"
    WARNING = "WARNING"
    FINE = "FINE"


class FineRounding(StrEnum):
    """How an over amount that is not a whole number of units counts."""

    PER_FULL_UNIT = "per_full_1000kg"  # 1500 kg over -> 1 unit
    PER_STARTED_UNIT = "per_started_1000kg"  # 1500 kg over -> 2 units
    PROPORTIONAL = "proportional"  # 1500 kg over -> 750 yuan


class BandEnd(StrEnum):
    MAX = "max"
    MIN = "min"


@dataclass(frozen=True, slots=True)
class PenaltyPolicy:
    """Provincial discretion (裁量基准). Defaults: literal reading of Art. 43, no tolerance."""

    fine_rounding: FineRounding = FineRounding.PER_FULL_UNIT
    tolerance_kg: int = 0
    tolerance_percent: Decimal = Decimal(0)
    dimension_fine: BandEnd = BandEnd.MAX

    def within_tolerance(self, over_kg: int, limit_kg: int) -> bool:
        if over_kg <= self.tolerance_kg:
            return True
        return Decimal(over_kg) * 100 <= self.tolerance_percent * limit_kg


@dataclass(frozen=True, slots=True)
class DimensionBand:
    id: str
    max_height_mm: int | None
    max_width_mm: int | None
    max_length_mm: int | None
    min_yuan: int
    max_yuan: int

    def contains(self, dims: Dimensions) -> bool:
        pairs = (
            (dims.height_mm, self.max_height_mm),
            (dims.width_mm, self.max_width_mm),
            (dims.length_mm, self.max_length_mm),
        )
        return all(value is None or cap is None or value <= cap for value, cap in pairs)


@dataclass(frozen=True, slots=True)
class PenaltyTable:
    id: str
    effective_from: date
    effective_until: date | None
    warning_up_to_kg: int
    unit_kg: int
    yuan_per_unit: int
    weight_max_yuan: int
    total_max_yuan: int
    dimension_bands: tuple[DimensionBand, ...]


@dataclass(frozen=True, slots=True)
class PenaltyEstimate:
    action: PenaltyAction
    fine_yuan: int
    weight_fine_yuan: int
    dimension_fine_yuan: int
    table_id: str


def _weight_units(over_kg: int, table: PenaltyTable, rounding: FineRounding) -> int:
    if rounding is FineRounding.PER_STARTED_UNIT:
        return -(-over_kg // table.unit_kg)
    return over_kg // table.unit_kg


def weight_fine(over_kg: int, table: PenaltyTable, policy: PenaltyPolicy) -> int:
    """Fine for the mass over the limit; 0 up to the warning band."""
    if over_kg <= table.warning_up_to_kg:
        return 0
    if policy.fine_rounding is FineRounding.PROPORTIONAL:
        yuan, remainder = divmod(over_kg * table.yuan_per_unit, table.unit_kg)
        yuan += 1 if 2 * remainder >= table.unit_kg else 0
    else:
        yuan = _weight_units(over_kg, table, policy.fine_rounding) * table.yuan_per_unit
    return min(yuan, table.weight_max_yuan)


def dimension_fine(dims: Dimensions | None, table: PenaltyTable, policy: PenaltyPolicy) -> int:
    if dims is None:
        return 0
    for band in table.dimension_bands:
        if band.contains(dims):
            return band.max_yuan if policy.dimension_fine is BandEnd.MAX else band.min_yuan
    return 0


def estimate(
    verdict: Verdict, dims: Dimensions | None, table: PenaltyTable, policy: PenaltyPolicy
) -> PenaltyEstimate:
    """Estimate the Art. 43 outcome: fines add up and are capped at the total maximum."""
    weight_violation = verdict.is_over and not policy.within_tolerance(
        verdict.over_weight_kg, verdict.limit_weight_kg
    )
    by_weight = weight_fine(verdict.over_weight_kg, table, policy) if weight_violation else 0
    by_size = dimension_fine(dims, table, policy) if verdict.dimensions_over else 0
    total = min(by_weight + by_size, table.total_max_yuan)
    if total > 0:
        action = PenaltyAction.FINE
    elif weight_violation or verdict.dimensions_over:
        action = PenaltyAction.WARNING
    else:
        action = PenaltyAction.NONE
    return PenaltyEstimate(action, total, by_weight, by_size, table.id)


class PenaltyBook(DatedBook[PenaltyTable]):
    """All penalty tables, selectable by date."""

    def __init__(self, tables: Iterable[PenaltyTable]) -> None:
        super().__init__(tables, "penalty", PenaltyTableError)


_BAND_KEYS = {"id", "max_height_mm", "max_width_mm", "max_length_mm", "min_yuan", "max_yuan"}
_WEIGHT_KEYS = {"warning_up_to_kg", "unit_kg", "yuan_per_unit", "max_yuan"}


def _band(data: Any, where: str) -> DimensionBand:
    reader = Reader(data, where, PenaltyTableError, _BAND_KEYS)
    low = reader.get("min_yuan", int, minimum=0)
    return DimensionBand(
        id=reader.get("id", str),
        max_height_mm=reader.get("max_height_mm", int, None, minimum=1),
        max_width_mm=reader.get("max_width_mm", int, None, minimum=1),
        max_length_mm=reader.get("max_length_mm", int, None, minimum=1),
        min_yuan=low,
        max_yuan=reader.get("max_yuan", int, minimum=low),
    )


def penalty_table_from_mapping(data: Mapping[str, Any], origin: str = "penalties") -> PenaltyTable:
    reader = Reader(
        data, origin, PenaltyTableError, {"table", "weight", "total", "dimension_bands"}
    )
    head = reader.sub("table", {"id", "effective_from", "effective_until", "title"})
    weight = reader.sub("weight", _WEIGHT_KEYS)
    start, until = head.period()
    bands = reader.get("dimension_bands", list, [])
    return PenaltyTable(
        id=head.get("id", str),
        effective_from=start,
        effective_until=until,
        warning_up_to_kg=weight.get("warning_up_to_kg", int, minimum=0),
        unit_kg=weight.get("unit_kg", int, minimum=1),
        yuan_per_unit=weight.get("yuan_per_unit", int, minimum=0),
        weight_max_yuan=weight.get("max_yuan", int, minimum=0),
        total_max_yuan=reader.sub("total", {"max_yuan"}).get("max_yuan", int, minimum=0),
        dimension_bands=tuple(
            _band(band, f"{origin}.dimension_bands[{i}]") for i, band in enumerate(bands)
        ),
    )


def parse_percent(text: str) -> Decimal:
    """Parse a tolerance percentage given as text ("0", "10", "2.5")."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {text!r}") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValueError(f"must be between 0 and 100: {text!r}")
    return value
