"""The periodic report (日报/周报/旬报/月报) from the station database, with SQL aggregates.

Every weighing query is a range on `weighing.check_time` (ix_weighing_check_time) grouped in
the database, so a month of 100k weighings returns a few hundred rows, not 100k objects.
Counting rules are in `station.readmodel_periods`. A weighing is voided when a VOID record
targets the seq of its CHECK record (as station/storage/views.py): the VOID records are
found through `record.check_no` (indexed) and their `targetSeq` read from the JSON body in
Python, because the SQL for JSON differs between SQLite and PostgreSQL and voids are few.
Device faults come from the device event log (station/storage/device_events.py), upload
passes from upload_pass (station/storage/outbox.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, and_, case, extract, func, select

from station.domain.records import CaseResult, RecordType
from station.periods import Period
from station.readmodel_periods import (
    HEAVY_THRESHOLDS_KG,
    CaseSummary,
    DayTally,
    DeviceFaults,
    HeavyVehicle,
    OverdueCase,
    PeriodReport,
    Tally,
    UploadPassRow,
)
from station.storage import device_events
from station.storage.cases import CLOSED, OPEN, VOIDED
from station.storage.database import Database
from station.storage.models import EnforcementCase, Outbox, Record, UploadPass, Weighing

FIRST, REWEIGH = 1, 2  # checkType


def _in_period(period: Period) -> ColumnElement[bool]:
    return and_(Weighing.check_time >= period.start, Weighing.check_time < period.end)


def _over_sum() -> ColumnElement[int]:
    return func.coalesce(func.sum(case((Weighing.is_over, 1), else_=0)), 0)


def voided_seqs(conn: Connection, period: Period) -> set[int]:
    """CHECK seqs of the period's weighings that a VOID record withdraws."""
    rows = conn.execute(
        select(Weighing.record_seq, Record.body)
        .join(Record, Record.check_no == Weighing.check_no)
        .where(_in_period(period), Record.record_type == RecordType.VOID.value)
    )
    found = set()
    for seq, body in rows:
        if int(json.loads(body).get("targetSeq", 0)) == seq:
            found.add(seq)
    return found


def _counted(period: Period, voided: set[int], check_type: int = FIRST) -> ColumnElement[bool]:
    kept = Weighing.record_seq.not_in(sorted(voided)) if voided else True
    return and_(_in_period(period), Weighing.check_type == check_type, kept)


def _tallies(conn: Connection, column: ColumnElement[int], where: ColumnElement) -> list[Tally]:
    rows = conn.execute(
        select(column, func.count(), _over_sum()).where(where).group_by(column).order_by(column)
    )
    return [Tally(int(key), int(count), int(over)) for key, count, over in rows]


def _by_day_hour(
    conn: Connection, period: Period, where: ColumnElement
) -> tuple[tuple[Tally, ...], tuple[DayTally, ...]]:
    """One grouping by calendar day and hour (portable `extract`), folded both ways here."""
    parts = [extract(field, Weighing.check_time) for field in ("year", "month", "day", "hour")]
    rows = conn.execute(select(*parts, func.count(), _over_sum()).where(where).group_by(*parts))
    hours: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for year, month, day, hour, count, over in rows:
        for slot in (hours[int(hour)], days[date(int(year), int(month), int(day))]):
            slot[0] += int(count)
            slot[1] += int(over)
    by_hour = tuple(Tally(h, *hours.get(h, (0, 0))) for h in range(24))
    by_day = tuple(DayTally(d, *days.get(d, (0, 0))) for d in period.days)
    return by_hour, by_day


def _count(conn: Connection, where: ColumnElement) -> tuple[int, int]:
    count, over = conn.execute(select(func.count(), _over_sum()).where(where)).one()
    return int(count), int(over)


def _heavy(conn: Connection, where: ColumnElement) -> tuple[HeavyVehicle, ...]:
    rows = conn.execute(
        select(
            Weighing.check_no,
            Weighing.check_time,
            Weighing.plate_num,
            Weighing.sum_weight,
            Weighing.lane,
            Weighing.axle_cnt,
        )
        .where(where, Weighing.sum_weight >= HEAVY_THRESHOLDS_KG[0])
        .order_by(Weighing.check_time, Weighing.id)
    )
    return tuple(HeavyVehicle(*row) for row in rows)


def _heavy_counts(heavy: tuple[HeavyVehicle, ...]) -> tuple[tuple[int, int], ...]:
    return tuple(
        (limit, sum(1 for vehicle in heavy if vehicle.sum_kg >= limit))
        for limit in HEAVY_THRESHOLDS_KG
    )


# ---- cases -----------------------------------------------------------------------------------


def _cases_opened(period: Period) -> ColumnElement[bool]:
    return and_(EnforcementCase.opened_at >= period.start, EnforcementCase.opened_at < period.end)


def _unloaded(conn: Connection, period: Period) -> tuple[int, int]:
    """Count and total of the amounts in the CLOSE records of the period's UNLOADED cases.

    The amount is the CLOSE record's unloadWeight (first gross minus the re-weighing, never
    negative: station/storage/cases.py record_reweigh), the figure the province received.
    """
    bodies = conn.scalars(
        select(Record.body)
        .join(EnforcementCase, EnforcementCase.close_seq == Record.seq)
        .where(
            _cases_opened(period),
            EnforcementCase.status == CLOSED,
            EnforcementCase.result == CaseResult.UNLOADED.value,
        )
    )
    amounts = [json.loads(body).get("unloadWeight") for body in bodies]
    known = [int(amount) for amount in amounts if amount is not None]
    return len(known), sum(known)


def _overdue(
    conn: Connection, period: Period, deadline_hours: int, now: datetime
) -> tuple[OverdueCase, ...]:
    allowed = timedelta(hours=deadline_hours)
    rows = conn.execute(
        select(
            EnforcementCase.check_no,
            EnforcementCase.plate_num,
            EnforcementCase.opened_at,
            EnforcementCase.unload_kg,
        )
        .where(
            _cases_opened(period),
            EnforcementCase.status == OPEN,
            EnforcementCase.opened_at < now - allowed,
        )
        .order_by(EnforcementCase.opened_at, EnforcementCase.id)
    )
    return tuple(
        OverdueCase(check_no, plate, opened, opened + allowed, int(unload))
        for check_no, plate, opened, unload in rows
    )


def case_summary(
    conn: Connection, period: Period, *, deadline_hours: int, now: datetime
) -> CaseSummary:
    rows = conn.execute(
        select(EnforcementCase.status, EnforcementCase.result, func.count())
        .where(_cases_opened(period))
        .group_by(EnforcementCase.status, EnforcementCase.result)
    ).all()
    closed = {result: int(n) for status, result, n in rows if status == CLOSED}
    by_status = defaultdict(int)
    for status, _, n in rows:
        by_status[status] += int(n)
    count, total = _unloaded(conn, period)
    return CaseSummary(
        by_result=tuple((r.value, closed.get(r.value, 0)) for r in CaseResult),
        open=by_status[OPEN],
        voided=by_status[VOIDED],
        unloaded_count=count,
        unloaded_total_kg=total,
        overdue=_overdue(conn, period, deadline_hours, now),
    )


# ---- device faults ---------------------------------------------------------------------------


def device_faults(
    conn: Connection, period: Period, now: datetime
) -> tuple[int | None, tuple[DeviceFaults, ...]]:
    """The period's fault count and faulty devices; None before the device log began."""
    began = device_events.log_began(conn)
    if began is None or began >= period.end:
        return None, ()
    faulty = device_events.period_faults(conn, period.start, period.end, now)
    return sum(device.faults for device in faulty), faulty


# ---- upload passes ---------------------------------------------------------------------------


def upload_passes(conn: Connection, period: Period) -> tuple[UploadPassRow, ...]:
    rows = conn.execute(
        select(UploadPass)
        .where(UploadPass.started_at >= period.start, UploadPass.started_at < period.end)
        .order_by(UploadPass.started_at, UploadPass.id)
    ).all()
    return tuple(
        UploadPassRow(
            started_at=row.started_at,
            trigger=row.trigger,
            status=row.status,
            records_sent=row.records_sent,
            delivered=row.accepted + row.duplicate,
            rejected=row.rejected,
            pictures_sent=row.pictures_sent,
            pending_after=row.pending_after,
        )
        for row in rows
    )


def pending_records(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == "PENDING"))


# ---- the report --------------------------------------------------------------------------------


def period_report(
    database: Database,
    period: Period,
    *,
    site_code: str,
    station_name: str,
    deadline_hours: int,
    now: datetime,
) -> PeriodReport:
    """Aggregate the period's weighings, cases and device faults into the report's read-model.

    One read transaction on one connection, so all figures describe the same moment.
    """
    if deadline_hours < 0:
        raise ValueError("deadline_hours must not be negative")
    with database.reader.connect() as conn, conn.begin():
        voided = voided_seqs(conn, period)
        first = _counted(period, voided)
        weighed, over = _count(conn, first)
        reweighs, _ = _count(conn, _counted(period, voided, REWEIGH))
        by_hour, by_day = _by_day_hour(conn, period, first)
        heavy = _heavy(conn, first)
        faults, faulty = device_faults(conn, period, now)
        return PeriodReport(
            period=period,
            site_code=site_code,
            station_name=station_name,
            generated_at=now,
            deadline_hours=deadline_hours,
            weighed=weighed,
            over=over,
            reweighs=reweighs,
            voided=len(voided),
            by_axles=tuple(_tallies(conn, Weighing.axle_cnt, first)),
            by_lane=tuple(_tallies(conn, Weighing.lane, first)),
            by_hour=by_hour,
            by_day=by_day,
            heavy_counts=_heavy_counts(heavy),
            heavy=heavy,
            cases=case_summary(conn, period, deadline_hours=deadline_hours, now=now),
            device_faults=faults,
            faulty_devices=faulty,
            uploads=upload_passes(conn, period),
            pending_now=pending_records(conn),
        )
