"""Read-model of a scale's calibration / verification record (秤台检定/校准记录), as frozen values.

The maintenance wizard fills it; `reports.calibration` renders it. Loads and indications are
integer kilograms; errors and maximum permissible errors (MPE) are integer grams, so nothing
is a float. Metrology follows domain.md §5.2 and §5.3: a truck scale is class III (JJG 539 /
OIML R 76), MPE bands in e, and the in-service MPE is twice the initial one. Times are naive
Beijing time, as stored elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# The test a point belongs to; eccentric points are numbered ("eccentric-1", "eccentric-2", ...).
TESTS = (
    "zero",
    "span",
    "linearity-up",
    "linearity-down",
    "eccentric",
    "repeatability",
    "discrimination",
)
VERIFICATIONS = ("initial", "in_service")


@dataclass(frozen=True, slots=True)
class CalibrationPoint:
    """One reading: the load applied, what the scale showed, its error and the MPE there."""

    test: str
    load_kg: int
    indication_kg: int
    error_g: int  # signed: indication minus conventional true value (after rounding correction)
    mpe_g: int  # the magnitude of the maximum permissible error (printed as +-)
    passed: bool


@dataclass(frozen=True, slots=True)
class TestWeightSet:
    """A set of standard weights used, with its own calibration certificate."""

    __test__ = False  # a name starting with "Test" is not a pytest test class

    set_id: str
    weight_class: str  # e.g. "M1"
    certificate_no: str
    valid_until: date


@dataclass(frozen=True, slots=True)
class CalibrationRecord:
    """One calibration or verification of one scale: as found, adjusted, as left."""

    site_code: str
    station_name: str
    scale_id: str
    scale_model: str
    max_kg: int
    e_kg: int  # verification scale interval e
    accuracy_class: str  # "III" for truck scales
    verification: str  # "initial" or "in_service"
    started_at: datetime
    finished_at: datetime
    technician: str
    weights: tuple[TestWeightSet, ...]
    as_found: tuple[CalibrationPoint, ...]
    as_left: tuple[CalibrationPoint, ...]
    counter_before: int  # the scale's calibration event counter, read before adjusting
    counter_after: int
    certificate_no: str | None
    result_passed: bool
    notes: str = ""
