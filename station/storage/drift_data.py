"""What the drift detectors (station.domain.drift, docs/drift.md) read from the database.

- `traffic_weighings`: first weighings of one scale in [start, end), oldest first, with gross,
  axle count, axle type code and legal limit. A range on `weighing.check_time`
  (ix_weighing_check_time) read on a Core connection as plain tuples: 100k weighings in well
  under a second.
- `zero_readings`: the zero checks of a scale (scale_check rows with a reference of 0 kg).
- `weigh_pairs`: the same vehicle weighed in motion (AXLE or WIM) and statically (STATIC)
  within `within_hours`: the static weighings of the range, then the in-motion weighings of
  their plates by `plate_num IN (...)` and a time range (ix_weighing_plate_time), matched
  here, nearest in time first, each weighing in one pair at most.

Left out everywhere: voided weighings (a VOID record targets their CHECK record's seq, as in
station/storage/views.py) and weighings flagged with a way the weight itself can be wrong
(`WEIGHT_FLAGS`, the suspect flags of station/lanes/capture.py). Pairs also leave out unread
plates and any weighing whose case was given an unload notice: the load may have changed.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from station.domain.drift import TrafficWeighing, WeighPair, ZeroReading
from station.domain.records import UNREAD_PLATE, CheckType, RecordType, WeighMode
from station.storage.database import Database
from station.storage.models import (
    EnforcementCase,
    Record,
    Scale,
    ScaleCheck,
    UnloadNotice,
    Weighing,
)

# Flags saying the measured weight itself may be wrong; station/lanes/capture.py SUSPECT_FLAGS
# (a test keeps the two the same; storage does not import the lanes).
WEIGHT_FLAGS = frozenset(
    {
        "SPEED_CHANGE",
        "STOPPED",
        "REVERSED",
        "FOLLOWING_VEHICLE",
        "TWO_VEHICLES",
        "PARTIAL_ON_PLATFORM",
        "NO_RETURN_TO_ZERO",
        "UNSTABLE",
    }
)
DYNAMIC_MODES = (WeighMode.AXLE.value, WeighMode.WIM.value)
CHUNK = 500  # values per IN (...): well below every driver's parameter limit


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for index in range(0, len(values), CHUNK):
        yield values[index : index + CHUNK]


def _suspect(flags_json: str, excluded: Collection[str]) -> bool:
    return flags_json not in ("", "[]") and any(flag in excluded for flag in json.loads(flags_json))


def _voided(conn: Connection, seq_by_check_no: dict[str, int]) -> set[str]:
    """The check numbers whose CHECK record a VOID record withdraws."""
    found = set()
    for chunk in _chunks(sorted(seq_by_check_no)):
        rows = conn.execute(
            select(Record.check_no, Record.body).where(
                Record.check_no.in_(chunk), Record.record_type == RecordType.VOID.value
            )
        )
        for check_no, body in rows:
            if int(json.loads(body).get("targetSeq", 0)) == seq_by_check_no[check_no]:
                found.add(check_no)
    return found


# ---- the traffic of a scale ----------------------------------------------------------------------


def traffic_weighings(
    database: Database,
    scale_id: str,
    start: datetime,
    end: datetime,
    *,
    excluded_flags: Collection[str] = WEIGHT_FLAGS,
) -> list[TrafficWeighing]:
    """First weighings of the scale in [start, end), oldest first (ties in recording order)."""
    in_range = (
        Weighing.check_time >= start,
        Weighing.check_time < end,
        Weighing.scale_id == scale_id,
        Weighing.check_type == int(CheckType.FIRST),
    )
    statement = (
        select(
            Weighing.check_time,
            Weighing.sum_weight,
            Weighing.axle_cnt,
            Weighing.axle_type,
            Weighing.limit_weight,
            Weighing.check_no,
            Weighing.flags_json,
        )
        .where(*in_range)
        .order_by(Weighing.check_time, Weighing.id)
    )
    voids = (
        select(Weighing.check_no, Weighing.record_seq, Record.body)
        .join(Record, Record.check_no == Weighing.check_no)
        .where(*in_range, Record.record_type == RecordType.VOID.value)
    )
    with database.reader.connect() as conn:
        voided = {
            check_no
            for check_no, seq, body in conn.execute(voids)
            if int(json.loads(body).get("targetSeq", 0)) == seq
        }
        rows = conn.execute(statement).all()
    return [
        TrafficWeighing(at, gross, axles, axle_type, limit, check_no)
        for at, gross, axles, axle_type, limit, check_no, flags in rows
        if check_no not in voided and not _suspect(flags, excluded_flags)
    ]


# ---- zero readings -------------------------------------------------------------------------------


def zero_readings(
    database: Database, scale_id: str, start: datetime, end: datetime
) -> list[ZeroReading]:
    """The scale's zero checks (reference 0 kg) in [start, end), oldest first."""
    statement = (
        select(ScaleCheck.checked_at, ScaleCheck.reading_kg)
        .where(
            ScaleCheck.scale_id == scale_id,
            ScaleCheck.reference_kg == 0,
            ScaleCheck.checked_at >= start,
            ScaleCheck.checked_at < end,
        )
        .order_by(ScaleCheck.checked_at, ScaleCheck.id)
    )
    with database.reader.connect() as conn:
        return [ZeroReading(at, kg) for at, kg in conn.execute(statement)]


# ---- in motion against static --------------------------------------------------------------------

_PAIR_COLUMNS = (
    Weighing.check_no,
    Weighing.record_seq,
    Weighing.check_time,
    Weighing.plate_num,
    Weighing.plate_color,
    Weighing.sum_weight,
    Weighing.first_check_no,
    Weighing.flags_json,
)


def _static_rows(
    conn: Connection, start: datetime, end: datetime, scale_id: str | None
) -> list[Any]:
    statement = select(*_PAIR_COLUMNS).where(
        Weighing.check_time >= start,
        Weighing.check_time < end,
        Weighing.weigh_mode == WeighMode.STATIC.value,
        Weighing.plate_num.not_in(("", UNREAD_PLATE)),
    )
    if scale_id is not None:
        statement = statement.where(Weighing.scale_id == scale_id)
    return list(conn.execute(statement.order_by(Weighing.check_time, Weighing.id)))


def _dynamic_rows(
    conn: Connection, plates: Sequence[str], start: datetime, end: datetime, scale_id: str | None
) -> list[Any]:
    found: list[Any] = []
    for chunk in _chunks(plates):
        statement = select(*_PAIR_COLUMNS).where(
            Weighing.plate_num.in_(chunk),
            Weighing.check_time >= start,
            Weighing.check_time <= end,
            Weighing.weigh_mode.in_(DYNAMIC_MODES),
        )
        if scale_id is not None:
            statement = statement.where(Weighing.scale_id == scale_id)
        found.extend(conn.execute(statement))
    return found


def _unloaded_cases(conn: Connection, keys: Iterable[str]) -> set[str]:
    """Case keys (check numbers of first weighings) that were given an unload notice."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(keys))):
        found.update(
            conn.scalars(
                select(EnforcementCase.check_no)
                .join(UnloadNotice, UnloadNotice.case_id == EnforcementCase.id)
                .where(EnforcementCase.check_no.in_(chunk))
            )
        )
    return found


def _usable(rows: Iterable[Any], excluded: set[str], flags: Collection[str]) -> list[Any]:
    return [
        row
        for row in rows
        if row.check_no not in excluded
        and (row.first_check_no or row.check_no) not in excluded
        and not _suspect(row.flags_json, flags)
    ]


def weigh_pairs(
    database: Database,
    start: datetime,
    end: datetime,
    *,
    within_hours: float = 2.0,
    dynamic_scale_id: str | None = None,
    static_scale_id: str | None = None,
    excluded_flags: Collection[str] = WEIGHT_FLAGS,
) -> list[WeighPair]:
    """Static weighings in [start, end) paired with an in-motion weighing of the same plate
    and colour at most `within_hours` before or after, oldest static weighing first.

    Each static weighing takes the nearest in-motion weighing not yet taken. 2 hours: the
    time to drive from an axle or WIM lane to the static scale, short enough that nothing
    was loaded or unloaded on the way (a case with an unload notice excludes the pair).
    """
    window = timedelta(hours=within_hours)
    with database.reader.connect() as conn:
        statics = _static_rows(conn, start, end, static_scale_id)
        plates = sorted({row.plate_num for row in statics})
        dynamics = _dynamic_rows(conn, plates, start - window, end + window, dynamic_scale_id)
        every = [*statics, *dynamics]
        excluded = _voided(conn, {row.check_no: row.record_seq for row in every})
        excluded |= _unloaded_cases(conn, (row.first_check_no or row.check_no for row in every))
    statics = _usable(statics, excluded, excluded_flags)
    by_plate: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for row in sorted(_usable(dynamics, excluded, excluded_flags), key=lambda r: r.check_time):
        by_plate[(row.plate_num, row.plate_color)].append(row)
    taken: set[str] = set()
    pairs = []
    for static in statics:
        candidates = by_plate.get((static.plate_num, static.plate_color), [])
        times = [row.check_time for row in candidates]
        low = bisect_left(times, static.check_time - window)
        high = bisect_right(times, static.check_time + window)
        free = [row for row in candidates[low:high] if row.check_no not in taken]
        if not free or static.sum_weight <= 0:
            continue
        dynamic = min(free, key=lambda row: (abs(row.check_time - static.check_time), row.check_no))
        taken.add(dynamic.check_no)
        pairs.append(
            WeighPair(
                at=static.check_time,
                plate=static.plate_num,
                dynamic_kg=dynamic.sum_weight,
                static_kg=static.sum_weight,
                dynamic_check_no=dynamic.check_no,
                static_check_no=static.check_no,
            )
        )
    return pairs


def scale_division_kg(database: Database, scale_id: str) -> int | None:
    """The scale's division e in kg (for `zero_drift`), or None for an unknown scale."""
    with database.reader.connect() as conn:
        return conn.scalar(select(Scale.division_kg).where(Scale.id == scale_id))
