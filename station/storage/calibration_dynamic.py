"""The reference-vehicle checks of dynamic axle scales: stored, loaded back, listed.

A check (station.readmodel_calibration.DynamicRecord) is evidence like a static run: it is
written once, into the append-only tables dynamic_run and dynamic_run_item (schema 0008),
with a DYNAMIC_CHECKED calibration event (the counter unchanged; the scale's history lists
it in order with the seal and coefficient events) and a DYNAMIC_CHECK_RECORDED audit event
naming the SHA-256 of the record's canonical JSON.

The store is the authority on what may be recorded:

- only a technician records a check (CalibrationRefused otherwise), and only with the
  scale's seal closed, as for a static run;
- the record's calibration event counter must be the scale's counter now and when the check
  started: a coefficient change during the passes would make them a mix of two scales;
- every value is an integer in range, and the judged items must agree with the passes and
  with themselves (reading = the pass's axles, deviation = reading − reference, passed =
  |deviation| ≤ limit, result = every item passed). The limits themselves come from
  station.domain.metrology in the wizard; the store does not judge them again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from station.chain import canonical_json
from station.readmodel_calibration import (
    AXLE_CLASSES,
    REFERENCES,
    VEHICLE_CLASSES,
    VERIFICATIONS,
    DynamicItem,
    DynamicPass,
    DynamicRecord,
)
from station.security import Role
from station.storage.calibration import (
    CalibrationRefused,
    HistoryEntry,
    _append_event,
    _check_actor,
    _is_technician,
    _lock_scale,
    calibration_counter,
    history,
    seal_is_open,
)
from station.storage.chainstore import record_audit
from station.storage.database import Database
from station.storage.models import DynamicRun, DynamicRunItem
from station.timeutil import beijing_now

RECORDED = "DYNAMIC_CHECK_RECORDED"
DYNAMIC_CHECKED = "DYNAMIC_CHECKED"  # the kind of its calibration_event
MAX_AXLES = 10
# Far above any reference vehicle, and low enough that grams fit the 32-bit columns.
MAX_KG = 1_000_000
MAX_SPEED_KMH = 300
MAX_TEXT = 64


def _fail(field: str, problem: str) -> ValueError:
    return ValueError(f"{field}: {problem}")


# ---- checking a record -------------------------------------------------------------------


def _check_int(field: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(field, f"must be an integer, not {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise _fail(field, f"must be {low} to {high}, not {value}")
    return value


def _check_choice(field: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise _fail(field, f"{value!r} is not one of {', '.join(allowed)}")


def _check_text(field: str, value: str | None) -> None:
    if value is not None and len(value) > MAX_TEXT:
        raise _fail(field, f"at most {MAX_TEXT} characters, not {len(value)}")


def _check_vehicle(record: DynamicRecord) -> None:
    axles = record.static_axles_kg
    if not 2 <= len(axles) <= MAX_AXLES:
        raise _fail("static_axles_kg", f"2 to {MAX_AXLES} axles, not {len(axles)}")
    for n, load in enumerate(axles, start=1):
        _check_int(f"static_axles_kg[{n}]", load, 1, MAX_KG)
    _check_int("static_gross_kg", record.static_gross_kg, 1, MAX_KG)
    if record.two_axle_rigid and len(axles) != 2:
        raise _fail("two_axle_rigid", f"a 2-axle rigid vehicle has 2 axles, not {len(axles)}")
    seen: set[int] = set()
    for index, group in enumerate(record.groups):
        numbers = set(group)
        if len(group) < 2 or len(numbers) != len(group) or numbers & seen:
            raise _fail(f"groups[{index}]", f"{group!r}: 2 or more different axles, each once")
        for n in group:
            _check_int(f"groups[{index}]", n, 1, len(axles))
        seen |= numbers


def _check_passes(record: DynamicRecord) -> None:
    if not record.passes:
        raise _fail("passes", "at least one pass")
    count = len(record.static_axles_kg)
    for no, one in enumerate(record.passes, start=1):
        _check_int(f"passes[{no}].speed_kmh", one.speed_kmh, 0, MAX_SPEED_KMH)
        if len(one.axles_kg) != count:
            raise _fail(f"passes[{no}].axles_kg", f"{count} axle loads, not {len(one.axles_kg)}")
        for n, load in enumerate(one.axles_kg, start=1):
            _check_int(f"passes[{no}].axles_kg[{n}]", load, 0, MAX_KG)


def item_axles(record: DynamicRecord) -> dict[str, tuple[int, ...]]:
    """The items every pass is judged on: name -> axle numbers ("gross": all of them)."""
    count = len(record.static_axles_kg)
    grouped = {n for group in record.groups for n in group}
    names = {"gross": tuple(range(1, count + 1))}
    names |= {f"axle {n}": (n,) for n in range(1, count + 1) if n not in grouped}
    names |= {"group " + "+".join(map(str, g)): tuple(g) for g in record.groups}
    return names


def _check_item(field: str, item: DynamicItem, record: DynamicRecord) -> None:
    axles = item_axles(record)
    if item.item not in axles:
        raise _fail(f"{field}.item", f"{item.item!r} is not one of {', '.join(axles)}")
    _check_int(f"{field}.pass_no", item.pass_no, 1, len(record.passes))
    passed = record.passes[item.pass_no - 1]
    if item.speed_kmh != passed.speed_kmh:
        raise _fail(f"{field}.speed_kmh", f"{item.speed_kmh}, but pass {item.pass_no} was at "
                    f"{passed.speed_kmh} km/h")  # fmt: skip
    reading = sum(passed.axles_kg[n - 1] for n in axles[item.item])
    if item.reading_kg != reading:
        raise _fail(f"{field}.reading_kg", f"{item.reading_kg}, but pass {item.pass_no} "
                    f"gives {reading} kg")  # fmt: skip
    _check_int(f"{field}.reference_g", item.reference_g, 0, MAX_KG * 1000)
    _check_int(f"{field}.limit_g", item.limit_g, 0, MAX_KG * 1000)
    if item.deviation_g != item.reading_kg * 1000 - item.reference_g:
        raise _fail(f"{field}.deviation_g", "must be the reading minus the reference, in g")
    if item.passed != (abs(item.deviation_g) <= item.limit_g):
        raise _fail(f"{field}.passed", "must say whether |deviation| is within the limit")


def _check_items(record: DynamicRecord) -> None:
    for index, item in enumerate(record.items):
        _check_item(f"items[{index}]", item, record)
    wanted = {(no, name) for no in range(1, len(record.passes) + 1) for name in item_axles(record)}
    judged = [(item.pass_no, item.item) for item in record.items]
    if len(judged) != len(set(judged)) or set(judged) != wanted:
        raise _fail("items", f"every pass judged once on each of {', '.join(item_axles(record))}")
    if record.result_passed != all(item.passed for item in record.items):
        raise _fail("result_passed", "must be true exactly when every item passed")


def check_record(record: DynamicRecord) -> None:
    """Raise ValueError naming the first field that is wrong; nothing is written."""
    _check_choice("verification", record.verification, VERIFICATIONS)
    _check_choice("vehicle_class", record.vehicle_class, VEHICLE_CLASSES)
    _check_choice("axle_class", record.axle_class, AXLE_CLASSES)
    _check_choice("reference", record.reference, REFERENCES)
    if record.finished_at < record.started_at:
        raise _fail("finished_at", "the check cannot finish before it started")
    _check_actor(record.technician)
    _check_text("reference_vehicle", record.reference_vehicle)
    _check_text("certificate_no", record.certificate_no)
    _check_int("d_kg", record.d_kg, 1, 1000)
    _check_int("counter", record.counter, 0, 2**31 - 1)
    _check_vehicle(record)
    _check_passes(record)
    _check_items(record)


# ---- the record as evidence --------------------------------------------------------------


def _passes_json(passes: Sequence[DynamicPass]) -> list[list[Any]]:
    return [[p.speed_kmh, list(p.axles_kg)] for p in passes]


def _record_json(record: DynamicRecord) -> dict[str, Any]:
    """The record as canonical JSON data: its digest goes into the audit chain."""
    items = [
        [i.pass_no, i.item, i.speed_kmh, i.reading_kg, i.reference_g, i.deviation_g, i.limit_g,
         i.passed]
        for i in record.items
    ]  # fmt: skip
    return {
        "siteCode": record.site_code,
        "stationName": record.station_name,
        "scaleId": record.scale_id,
        "scaleModel": record.scale_model,
        "dKg": record.d_kg,
        "vehicleClass": record.vehicle_class,
        "axleClass": record.axle_class,
        "reference": record.reference,
        "verification": record.verification,
        "startedAt": record.started_at.isoformat(sep=" "),
        "finishedAt": record.finished_at.isoformat(sep=" "),
        "technician": record.technician,
        "referenceVehicle": record.reference_vehicle,
        "staticAxlesKg": list(record.static_axles_kg),
        "staticGrossKg": record.static_gross_kg,
        "groups": [list(g) for g in record.groups],
        "twoAxleRigid": record.two_axle_rigid,
        "passes": _passes_json(record.passes),
        "items": items,
        "counter": record.counter,
        "certificateNo": record.certificate_no,
        "resultPassed": record.result_passed,
        "notes": record.notes,
    }


def dynamic_record_digest(record: DynamicRecord) -> str:
    """SHA-256 of the record's canonical JSON (what the DYNAMIC_CHECK_RECORDED event names)."""
    return hashlib.sha256(canonical_json(_record_json(record))).hexdigest()


def _text(values: Any) -> str:
    return canonical_json(values).decode("utf-8")


# ---- saving ------------------------------------------------------------------------------


def _check_counter(session: Session, record: DynamicRecord) -> None:
    at_start = calibration_counter(session, record.scale_id, record.started_at) or 0
    now = calibration_counter(session, record.scale_id) or 0
    if record.counter != now:
        raise _fail("counter", f"{record.counter}, but the scale's counter is {now}")
    if at_start != now:
        raise _fail(
            "counter",
            f"the coefficients changed during the check (counter {at_start} at start, {now} "
            "now): run the passes again",
        )


def _run_row(record: DynamicRecord, actor: str, moment: datetime) -> DynamicRun:
    return DynamicRun(
        scale_id=record.scale_id,
        site_code=record.site_code,
        station_name=record.station_name,
        scale_model=record.scale_model,
        d_kg=record.d_kg,
        vehicle_class=record.vehicle_class,
        axle_class=record.axle_class,
        reference=record.reference,
        verification=record.verification,
        started_at=record.started_at,
        finished_at=record.finished_at,
        technician=record.technician,
        reference_vehicle=record.reference_vehicle,
        static_axles_json=_text(list(record.static_axles_kg)),
        static_gross_kg=record.static_gross_kg,
        groups_json=_text([list(g) for g in record.groups]),
        two_axle_rigid=record.two_axle_rigid,
        passes_json=_text(_passes_json(record.passes)),
        counter=record.counter,
        certificate_no=record.certificate_no,
        result_passed=record.result_passed,
        notes=record.notes,
        recorded_at=moment,
        recorded_by=actor,
    )


def save_dynamic_run(
    database: Database,
    record: DynamicRecord,
    *,
    actor: str,
    actor_role: Role | str,
    moment: datetime | None = None,
) -> int:
    """Store one completed reference-vehicle check; returns its run id.

    Refused (CalibrationRefused, nothing written) unless `actor_role` is the technician role
    and the scale's seal is closed; ValueError naming the field for a bad record or a
    counter that is not the scale's (see the module). The run, its items and the
    DYNAMIC_CHECK_RECORDED audit event are one transaction.
    """
    if not _is_technician(actor_role):
        raise CalibrationRefused(
            f"only a {Role.TECHNICIAN.value} may record a dynamic check, not {str(actor_role)!r}"
        )
    _check_actor(actor)
    check_record(record)
    moment = moment or beijing_now()
    with database.transaction() as session:
        _lock_scale(session, record.scale_id)
        if seal_is_open(session, record.scale_id):
            raise CalibrationRefused(
                f"the seal of scale {record.scale_id!r} is open: close it (and record that) "
                "before recording the check"
            )
        _check_counter(session, record)
        row = _run_row(record, actor, moment)
        session.add(row)
        session.flush()  # the items refer to it
        for no, i in enumerate(record.items, start=1):
            session.add(
                DynamicRunItem(
                    run_id=row.id, no=no, pass_no=i.pass_no, item=i.item, speed_kmh=i.speed_kmh,
                    reading_kg=i.reading_kg, reference_g=i.reference_g,
                    deviation_g=i.deviation_g, limit_g=i.limit_g, passed=i.passed,
                )
            )  # fmt: skip
        summary = {
            "dynamicRunId": row.id,
            "verification": record.verification,
            "resultPassed": record.result_passed,
        }
        _append_event(
            session, record.scale_id, DYNAMIC_CHECKED, actor=actor, moment=moment,
            counter=record.counter, before={}, after=summary, reason=record.notes,
        )  # fmt: skip
        detail = {
            "scaleId": record.scale_id,
            "runId": row.id,
            "verification": record.verification,
            "vehicleClass": record.vehicle_class,
            "axleClass": record.axle_class,
            "resultPassed": record.result_passed,
            "counter": record.counter,
            "recordSha256": dynamic_record_digest(record),
        }
        record_audit(session, actor, RECORDED, detail, moment)
        return row.id


# ---- reading back ------------------------------------------------------------------------


def _item_of(i: DynamicRunItem) -> DynamicItem:
    return DynamicItem(
        i.pass_no, i.item, i.speed_kmh, i.reading_kg, i.reference_g, i.deviation_g, i.limit_g,
        i.passed,
    )  # fmt: skip


def _record_of(session: Session, row: DynamicRun) -> DynamicRecord:
    items = session.scalars(
        select(DynamicRunItem).where(DynamicRunItem.run_id == row.id).order_by(DynamicRunItem.no)
    ).all()
    passes = tuple(DynamicPass(speed, tuple(axles)) for speed, axles in json.loads(row.passes_json))
    return DynamicRecord(
        site_code=row.site_code,
        station_name=row.station_name,
        scale_id=row.scale_id,
        scale_model=row.scale_model,
        d_kg=row.d_kg,
        vehicle_class=row.vehicle_class,
        axle_class=row.axle_class,
        reference=row.reference,
        verification=row.verification,
        started_at=row.started_at,
        finished_at=row.finished_at,
        technician=row.technician,
        reference_vehicle=row.reference_vehicle,
        static_axles_kg=tuple(json.loads(row.static_axles_json)),
        static_gross_kg=row.static_gross_kg,
        groups=tuple(tuple(g) for g in json.loads(row.groups_json)),
        two_axle_rigid=row.two_axle_rigid,
        passes=passes,
        items=tuple(_item_of(i) for i in items),
        counter=row.counter,
        certificate_no=row.certificate_no,
        result_passed=row.result_passed,
        notes=row.notes,
    )


def load_dynamic_run(database: Database, run_id: int) -> DynamicRecord:
    """The stored check as reports.calibration_dynamic prints it. ValueError if unknown."""
    with database.read() as session:
        row = session.get(DynamicRun, run_id)
        if row is None:
            raise _fail("run_id", f"no dynamic run {run_id}")
        return _record_of(session, row)


@dataclass(frozen=True, slots=True)
class DynamicRunSummary:
    """One stored check, as the calibration history lists it."""

    id: int
    scale_id: str
    recorded_at: datetime
    recorded_by: str
    started_at: datetime
    finished_at: datetime
    technician: str
    verification: str
    vehicle_class: str
    axle_class: str
    passes: int
    items: int
    failed_items: int
    counter: int
    certificate_no: str | None
    result_passed: bool


def dynamic_runs(database: Database, scale_id: str) -> list[DynamicRunSummary]:
    """The scale's stored checks, newest first (by the time they were recorded)."""
    with database.read() as session:
        rows = session.scalars(
            select(DynamicRun)
            .where(DynamicRun.scale_id == scale_id)
            .order_by(DynamicRun.recorded_at.desc(), DynamicRun.id.desc())
        ).all()
        counts = {
            run_id: (total, int(failed or 0))
            for run_id, total, failed in session.execute(
                select(
                    DynamicRunItem.run_id,
                    func.count(),
                    func.sum(case((DynamicRunItem.passed.is_(False), 1), else_=0)),
                )
                .where(DynamicRunItem.run_id.in_([row.id for row in rows]))
                .group_by(DynamicRunItem.run_id)
            )
        }
        return [_summary(row, *counts.get(row.id, (0, 0))) for row in rows]


def _summary(row: DynamicRun, items: int, failed: int) -> DynamicRunSummary:
    return DynamicRunSummary(
        row.id, row.scale_id, row.recorded_at, row.recorded_by, row.started_at,
        row.finished_at, row.technician, row.verification, row.vehicle_class, row.axle_class,
        len(json.loads(row.passes_json)), items, failed, row.counter, row.certificate_no,
        row.result_passed,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One calibration event of a scale; a DYNAMIC_CHECKED one carries the check it recorded
    (a CALIBRATED one carries its static run in `entry.session`)."""

    entry: HistoryEntry
    run: DynamicRunSummary | None = None


def scale_history(database: Database, scale_id: str) -> list[HistoryRow]:
    """The scale's calibration events, newest first (`calibration.history`), each recorded
    dynamic check with its summary."""
    runs = {run.id: run for run in dynamic_runs(database, scale_id)}
    return [
        HistoryRow(entry, runs.get(entry.after.get("dynamicRunId", -1)))
        if entry.kind == DYNAMIC_CHECKED
        else HistoryRow(entry)
        for entry in history(database, scale_id)
    ]
