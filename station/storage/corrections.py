"""Plate corrections: a committed weighing is evidence, so a wrong plate is never edited.

In one transaction the original is voided (with its case and the case's CLOSE record),
and a new CHECK record is committed with the same weighing (axles, trace, pictures, scale,
certificate, operator, check time, verdict) under the corrected plate, flagged
MANUAL_PLATE with plateSource OPERATOR. If the original had a case, the new weighing gets
one the way the lane recorder makes it: an overloaded first weighing opens a case with a
new unload notice number, one within the limit is closed NOT_OVER. The audit chain links
both numbers (PLATE_CORRECTED).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.domain.limits import Verdict
from station.domain.readings import PlateColour
from station.domain.records import (
    UPLOAD_PLATE_COLOR,
    CheckRecord,
    CheckType,
    PictureRef,
    PictureType,
    PlateColor,
    PlateSource,
    RecordedAxle,
    WeighMode,
)
from station.domain.vehicle import Axle, Configuration, Dimensions, Tyres, Vehicle
from station.lanes.plates import typed_plate
from station.storage import cases
from station.storage.calibration import calibration_counter
from station.storage.chainstore import record_audit
from station.storage.database import Database
from station.storage.evidence import (
    TraceData,
    WeighingEvidence,
    decode_trace,
    encode_trace,
    new_check_no,
    stage_weighing,
)
from station.storage.files import StoredFile
from station.storage.models import Picture, RawTrace, Weighing, WeighingAxle, WeighingPicture
from station.timeutil import beijing_now

MANUAL_PLATE = "MANUAL_PLATE"
PLATE_CORRECTED = "PLATE_CORRECTED"


def _fail(field: str, problem: str) -> ValueError:
    return ValueError(f"{field}: {problem}")


@dataclass(frozen=True, slots=True)
class NewPlate:
    number: str
    color: PlateColor


def _new_plate(plate: str, plate_color: PlateColour | int) -> NewPlate:
    """The typed plate checked as the lane checks one (PlateError names `plate`)."""
    number = typed_plate(plate, PlateColour.UNKNOWN).number
    if isinstance(plate_color, PlateColour):
        return NewPlate(number, UPLOAD_PLATE_COLOR[plate_color])
    try:
        return NewPlate(number, PlateColor(plate_color))
    except ValueError:
        raise _fail("plate_color", f"{plate_color!r} is not a plate colour code") from None


# ---- the original weighing, read back as the evidence it was committed from -------------------


def _original(session: Session, check_no: str) -> Weighing:
    row = session.scalars(select(Weighing).where(Weighing.check_no == check_no)).one_or_none()
    if row is None:
        raise _fail("check_no", f"there is no weighing {check_no} here")
    return row


def _verdict(w: Weighing) -> Verdict:
    table_id, _, row_id = w.vehicle_class.partition(":")
    return Verdict(
        sum_weight_kg=w.sum_weight,
        limit_weight_kg=w.limit_weight,
        over_weight_kg=w.over_weight,
        over_rate=w.over_rate,
        is_over=w.is_over,
        table_id=table_id,
        row_id=row_id,
        adjustments=tuple(json.loads(w.adjustments_json)),
        dimensions_over=(),  # not stored and not part of the record
    )


def _vehicle(w: Weighing, axles: list[WeighingAxle]) -> Vehicle:
    return Vehicle(
        Configuration(w.configuration),
        tuple(
            Axle(
                weight_kg=a.weight,
                tyres=Tyres(a.tyres),
                drive=a.drive,
                air_suspension=a.air_suspension,
                spacing_mm=a.spacing,
            )
            for a in axles
        ),
        dimensions=Dimensions(w.length_mm, w.width_mm, w.height_mm),
    )


def _trace(session: Session, w: Weighing) -> TraceData | None:
    row = session.get(RawTrace, w.id)
    if row is None:
        return None
    samples = decode_trace(row.data)
    # Copying an altered trace would seal it under a fresh hash: refuse, verify names it.
    if encode_trace(samples)[1] != row.sha256:
        raise _fail("check_no", f"the raw trace of {w.check_no} does not match its hash")
    return TraceData(row.sample_rate_hz, samples)


def _pictures(
    session: Session, w: Weighing
) -> tuple[tuple[PictureRef, ...], tuple[StoredFile, ...]]:
    rows = session.execute(
        select(WeighingPicture.file_type, Picture)
        .join(Picture, Picture.sha256 == WeighingPicture.sha256)
        .where(WeighingPicture.weighing_id == w.id)
        .order_by(WeighingPicture.file_type, WeighingPicture.sha256)
    ).all()
    refs = tuple(
        PictureRef(PictureType(row.file_type), row.Picture.sha256, row.Picture.size) for row in rows
    )
    files = tuple(
        StoredFile(p.sha256, p.size, p.mime, p.stored_path) for p in {r.Picture for r in rows}
    )
    return refs, files


def _copy_record(
    w: Weighing,
    axles: list[WeighingAxle],
    pictures: tuple[PictureRef, ...],
    check_no: str,
    plate: NewPlate,
) -> CheckRecord:
    return CheckRecord(
        check_no=check_no,
        check_type=CheckType(w.check_type),
        first_check_no=w.first_check_no,
        lane=w.lane,
        direction=w.direction,
        check_time=w.check_time,
        plate_num=plate.number,
        plate_color=plate.color,
        plate_source=PlateSource.OPERATOR,
        axle_type=w.axle_type,
        axles=tuple(RecordedAxle(a.no, a.group_code, a.weight, a.spacing) for a in axles),
        verdict=_verdict(w),
        weigh_mode=WeighMode(w.weigh_mode),
        speed_kmh=w.speed,
        scale_id=w.scale_id,
        cert_no=w.cert_no,
        cert_valid_until=w.cert_valid_until,
        operator_id=w.operator_id,
        pictures=pictures,
        flags=tuple(sorted({*json.loads(w.flags_json), MANUAL_PLATE})),
    )


def _corrected_evidence(
    session: Session, site_code: str, w: Weighing, plate: NewPlate
) -> WeighingEvidence:
    axles = list(
        session.scalars(
            select(WeighingAxle).where(WeighingAxle.weighing_id == w.id).order_by(WeighingAxle.no)
        )
    )
    refs, files = _pictures(session, w)
    trace = _trace(session, w)
    # Numbered on the weighing's day, so the ticket number and its check time agree.
    check_no = new_check_no(session, site_code, w.check_time)
    record = _copy_record(w, axles, refs, check_no, plate)
    # The corrected record was weighed under the original's counter, not today's.
    counter = w.calibration_counter
    if counter is None:
        counter = calibration_counter(session, w.scale_id, w.check_time)
    return WeighingEvidence(record, _vehicle(w, axles), trace, files, counter)


# ---- the correction -------------------------------------------------------------------------


def _new_case(
    session: Session,
    site_code: str,
    record: CheckRecord,
    *,
    actor: str,
    moment: datetime,
) -> None:
    """The case of the corrected weighing, made as the lane recorder makes a first one."""
    verdict = record.verdict
    first = {
        "site_code": site_code,
        "check_no": record.check_no,
        "plate_num": record.plate_num,
        "plate_color": int(record.plate_color),
        "lane": record.lane,
        "sum_kg": verdict.sum_weight_kg,
        "limit_kg": verdict.limit_weight_kg,
        "moment": moment,
        "actor": actor,
    }
    if verdict.is_over:
        cases.open_case(session, over_kg=verdict.over_weight_kg, **first)
    else:
        cases.close_not_over(session, **first)


def correct_plate(
    database: Database,
    site_code: str,
    check_no: str,
    plate: str,
    plate_color: PlateColour | int,
    *,
    actor: str,
    reason: str,
    moment: datetime | None = None,
) -> str:
    """Void weighing `check_no` and record it again under the corrected plate; return the new
    checkNo. `plate_color` is the internal colour or the province's code (PlateColor).

    ValueError names the field refused: `reason` (empty), `plate` (not a plate, or the one
    recorded), `plate_color`, `check_no` (unknown or already voided), `site_code`.
    """
    if not reason.strip():
        raise _fail("reason", "a plate correction needs a reason")
    corrected = _new_plate(plate, plate_color)
    moment = moment or beijing_now()
    with database.transaction() as session:
        original = _original(session, check_no)
        if (original.plate_num, original.plate_color) == (corrected.number, corrected.color):
            raise _fail("plate", f"{corrected.number} is the plate already recorded")
        # Read before the void, which turns the case VOIDED.
        had_case = cases.cases_for(session, check_no) is not None
        cases.void_check(
            session,
            site_code=site_code,
            check_no=check_no,
            reason=reason,
            approver=actor,
            moment=moment,
        )
        evidence = _corrected_evidence(session, site_code, original, corrected)
        committed = stage_weighing(session, site_code, evidence)
        if had_case and evidence.record.check_type is CheckType.FIRST:
            _new_case(session, site_code, evidence.record, actor=actor, moment=moment)
        detail = {
            "old": original.plate_num,
            "oldColor": original.plate_color,
            "new": corrected.number,
            "newColor": int(corrected.color),
            "voidedCheckNo": check_no,
            "newCheckNo": committed.check_no,
            "reason": reason,
        }
        record_audit(session, actor, PLATE_CORRECTED, detail, moment)
    return committed.check_no
