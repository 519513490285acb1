"""Building the province CHECK record of a judged vehicle, and staging it with its evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from station.domain.axles import axle_group_codes
from station.domain.limits import Verdict
from station.domain.records import (
    CheckRecord,
    CheckType,
    PictureRef,
    PlateColor,
    PlateSource,
    RecordedAxle,
    WeighMode,
)
from station.domain.vehicle import Vehicle
from station.storage.evidence import (
    COUNTER_AT_COMMIT,
    Committed,
    TraceData,
    WeighingEvidence,
    WriteSession,
    new_check_no,
    stage_weighing,
)
from station.storage.files import StoredFile


@dataclass(frozen=True, slots=True)
class WeighingContext:
    """Where and with what a weighing was made."""

    lane: int
    direction: int
    weigh_mode: WeighMode
    scale_id: str
    cert_no: str
    cert_valid_until: date
    operator_id: str


@dataclass(frozen=True, slots=True)
class Plate:
    number: str
    color: PlateColor
    source: PlateSource


def recorded_axles(vehicle: Vehicle, weigh_mode: WeighMode) -> tuple[tuple[RecordedAxle, ...], str]:
    groups, axle_type = axle_group_codes(vehicle.axles)
    weighed = weigh_mode is not WeighMode.STATIC
    last = len(vehicle.axles) - 1
    axles = tuple(
        RecordedAxle(
            no=i + 1,
            group=groups[i],
            weight_kg=axle.weight_kg if weighed else None,
            spacing_mm=0 if i == last and axle.spacing_mm is not None else axle.spacing_mm,
        )
        for i, axle in enumerate(vehicle.axles)
    )
    return axles, axle_type


def check_record_for(
    vehicle: Vehicle,
    verdict: Verdict,
    context: WeighingContext,
    *,
    check_no: str,
    check_time: datetime,
    plate: Plate,
    speed_kmh: str | None = None,
    pictures: tuple[PictureRef, ...] = (),
    flags: tuple[str, ...] = (),
    first_check_no: str | None = None,
) -> CheckRecord:
    axles, axle_type = recorded_axles(vehicle, context.weigh_mode)
    return CheckRecord(
        check_no=check_no,
        check_type=CheckType.REWEIGH if first_check_no else CheckType.FIRST,
        first_check_no=first_check_no,
        lane=context.lane,
        direction=context.direction,
        check_time=check_time,
        plate_num=plate.number,
        plate_color=plate.color,
        plate_source=plate.source,
        axle_type=axle_type,
        axles=axles,
        verdict=verdict,
        weigh_mode=context.weigh_mode,
        speed_kmh=None if context.weigh_mode is WeighMode.STATIC else (speed_kmh or "0.0"),
        scale_id=context.scale_id,
        cert_no=context.cert_no,
        cert_valid_until=context.cert_valid_until,
        operator_id=context.operator_id,
        pictures=pictures,
        flags=flags,
    )


@dataclass(frozen=True, slots=True)
class Observed:
    """What the lane saw of one vehicle, ready to become a record."""

    vehicle: Vehicle
    verdict: Verdict
    plate: Plate
    speed_kmh: str | None = None
    trace: TraceData | None = None
    files: tuple[StoredFile, ...] = ()
    pictures: tuple[PictureRef, ...] = ()
    flags: tuple[str, ...] = ()
    first_check_no: str | None = None  # set for a re-weighing (checkType 2)
    # A raw-count scale's weight carries the counter of the coefficients that converted it.
    calibration_counter: int | str | None = COUNTER_AT_COMMIT


def stage_observed(
    session: WriteSession,
    site_code: str,
    context: WeighingContext,
    observed: Observed,
    moment: datetime,
) -> Committed:
    """Number the ticket, build the CHECK record and stage it with its evidence."""
    record = check_record_for(
        observed.vehicle,
        observed.verdict,
        context,
        check_no=new_check_no(session, site_code, moment),
        check_time=moment,
        plate=observed.plate,
        speed_kmh=observed.speed_kmh,
        pictures=observed.pictures,
        flags=observed.flags,
        first_check_no=observed.first_check_no,
    )
    evidence = WeighingEvidence(
        record, observed.vehicle, observed.trace, observed.files, observed.calibration_counter
    )
    return stage_weighing(session, site_code, evidence)
