"""Read-models of a scale's calibration / verification records, as frozen values.

`CalibrationRecord` is a static scale's run (秤台检定/校准记录, `reports.calibration`);
`DynamicRecord` is a dynamic axle scale's reference-vehicle check
(`reports.calibration_dynamic`). The maintenance wizard fills them, the store keeps them,
the reports print them. Loads and indications are integer kilograms; errors, deviations and
their limits are integer grams, so nothing is a float. Metrology follows domain.md §5.1 to
§5.3: a static truck scale is class III (JJG 539 / OIML R 76), MPE bands in e, and the
in-service MPE is twice the initial one; a dynamic axle scale has a vehicle-mass class and
an axle-load class (JJG 907 / OIML R 134). Times are naive Beijing time, as stored elsewhere.
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


# ---- dynamic axle scales: the reference-vehicle check (JJG 907 / OIML R 134) -------------

VEHICLE_CLASSES = ("0.2", "0.5", "1", "2", "5", "10")
AXLE_CLASSES = ("A", "B", "C", "D", "E", "F")
# What each axle and axle group is compared with: the corrected mean of the passes (R 134),
# or the static load of the axle or group.
CORRECTED_MEAN, STATIC_REFERENCE = "corrected_mean", "static"
REFERENCES = (CORRECTED_MEAN, STATIC_REFERENCE)


@dataclass(frozen=True, slots=True)
class DynamicPass:
    """One pass of the reference vehicle over the axle scale: its speed and axle loads."""

    speed_kmh: int
    axles_kg: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DynamicItem:
    """One judged value of one pass: the gross mass, a single axle or an axle group."""

    pass_no: int  # from 1
    item: str  # "gross", "axle 3" or "group 2+3"
    speed_kmh: int
    reading_kg: int
    reference_g: int  # what the reading is compared with, in grams
    deviation_g: int  # signed: reading minus reference
    limit_g: int  # the magnitude of the vehicle MPE or the axle MPD (printed as +-)
    passed: bool


@dataclass(frozen=True, slots=True)
class DynamicRecord:
    """One reference-vehicle check of one dynamic axle scale, as stored and printed.

    The reference vehicle was weighed statically (per axle and gross) on a control
    instrument, then passed over the scale at the set speeds. Axle groups are axle numbers
    from 1; an axle in no group is judged as a single axle.
    """

    site_code: str
    station_name: str
    scale_id: str
    scale_model: str
    d_kg: int  # the scale interval d
    vehicle_class: str  # one of VEHICLE_CLASSES
    axle_class: str  # one of AXLE_CLASSES
    reference: str  # one of REFERENCES
    verification: str  # "initial" or "in_service"
    started_at: datetime
    finished_at: datetime
    technician: str
    reference_vehicle: str  # its plate or description ("" if not noted)
    static_axles_kg: tuple[int, ...]
    static_gross_kg: int
    groups: tuple[tuple[int, ...], ...]
    two_axle_rigid: bool
    passes: tuple[DynamicPass, ...]
    items: tuple[DynamicItem, ...]
    counter: int  # the scale's calibration event counter during the check (unchanged)
    certificate_no: str | None
    result_passed: bool
    notes: str = ""
