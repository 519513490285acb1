"""The daily scale check (issue 8 item 4): a reference load, the reading, pass or fail.

The tolerance is the in-service maximum permissible error at that load (JJG 539 / OIML R 76
class III: station/domain/metrology.py). A reference of 0 kg is the zero check of the empty
platform; drift monitoring reads those (station/storage/drift_data.zero_readings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from station.domain.metrology import static_mpe
from station.storage.checks import record_scale_check
from station.storage.database import Database
from station.storage.scales import scale_info


@dataclass(frozen=True, slots=True)
class CheckResult:
    scale_id: str
    reference_kg: int
    reading_kg: int
    tolerance_kg: int
    band: str
    passed: bool

    @property
    def error_kg(self) -> int:
        return self.reading_kg - self.reference_kg


def check_tolerance_kg(max_kg: int, e_kg: int, load_kg: int) -> tuple[int, str]:
    """The in-service MPE at the load, in whole kg (rounded down: never looser), and its band."""
    mpe = static_mpe(max_kg, e_kg, load_kg, in_service=True)
    return mpe.mpe_g // 1000, mpe.band


def daily_check(
    database: Database,
    *,
    scale_id: str,
    reference_kg: int,
    reading_kg: int,
    actor: str,
    moment: datetime,
) -> CheckResult:
    """Store the check; ValueError naming the field for an unknown scale or a bad load."""
    scale = scale_info(database, scale_id)
    if scale is None:
        raise ValueError(f"scale_id: unknown scale {scale_id!r}")
    if reference_kg < 0:
        raise ValueError("reference_kg: must be 0 (zero check) or a positive load")
    if reference_kg > scale.max_kg:
        raise ValueError(f"reference_kg: {reference_kg} kg is above the scale's Max {scale.max_kg}")
    tolerance, band = check_tolerance_kg(scale.max_kg, scale.division_kg, reference_kg)
    passed = record_scale_check(
        database, scale_id=scale_id, reference_kg=reference_kg, reading_kg=reading_kg,
        actor=actor, moment=moment, tolerance_kg=tolerance,
    )  # fmt: skip
    return CheckResult(scale_id, reference_kg, reading_kg, tolerance, band, passed)
