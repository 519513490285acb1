"""Read-only lists of weighings for the operator's screens: by plate, and one day's traffic.

Both run on an index of `weighing` (see models.py): a plate's history on
ix_weighing_plate_time (plate_num, check_time), a day's list on ix_weighing_check_time.
Times are naive Beijing time, as stored, so a day runs from 00:00 to 24:00 Beijing time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import Select, select

from station.storage.database import Database
from station.storage.models import Weighing, WeighingAxle

DEFAULT_PLATE_LIMIT = 100


class WeighingRow(NamedTuple):
    """One line of a weighing list (immutable).

    A named tuple rather than a frozen dataclass: a day's list is 4000 of them, and 4000
    frozen dataclasses take about 5 ms more to build (16 ms against 11 ms for a day's
    list on the 5M-weighing database, docs/benchmarks.md).
    """

    check_no: str
    check_time: datetime
    plate_num: str
    lane: int
    sum_weight: int
    limit_weight: int
    over_weight: int
    over_rate: str
    is_over: bool
    vehicle_class: str


_COLUMNS = (
    Weighing.check_no,
    Weighing.check_time,
    Weighing.plate_num,
    Weighing.lane,
    Weighing.sum_weight,
    Weighing.limit_weight,
    Weighing.over_weight,
    Weighing.over_rate,
    Weighing.is_over,
    Weighing.vehicle_class,
)


def plate_statement(plate: str, limit: int = DEFAULT_PLATE_LIMIT) -> Select:
    """Newest first; weighings of the same second in the order they were recorded, reversed."""
    return (
        select(*_COLUMNS)
        .where(Weighing.plate_num == plate)
        .order_by(Weighing.check_time.desc(), Weighing.id.desc())
        .limit(limit)
    )


def day_statement(day: date) -> Select:
    """From 00:00 to 24:00 of the day, oldest first, in recording order within a second."""
    begin = datetime.combine(day, time())
    return (
        select(*_COLUMNS)
        .where(Weighing.check_time >= begin, Weighing.check_time < begin + timedelta(days=1))
        .order_by(Weighing.check_time, Weighing.id)
    )


def _rows(database: Database, statement: Select) -> list[WeighingRow]:
    """Run on a plain Core connection: the ORM's row loading would double the time."""
    with database.reader.connect() as conn:
        return [WeighingRow._make(row) for row in conn.execute(statement)]


def weighings_by_plate(
    database: Database, plate: str, limit: int = DEFAULT_PLATE_LIMIT
) -> list[WeighingRow]:
    """The last `limit` weighings of a plate, newest first."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return _rows(database, plate_statement(plate, limit))


def weighings_on_day(database: Database, day: date) -> list[WeighingRow]:
    """All weighings of one Beijing-time day, in time order."""
    return _rows(database, day_statement(day))


def axle_layout(
    database: Database, check_no: str
) -> tuple[tuple[int | None, ...], tuple[int | None, ...]] | None:
    """Axle weights and spacings of a recorded weighing, to weigh the vehicle again alike."""
    with database.read() as session:
        weighing_id = session.execute(
            select(Weighing.id).where(Weighing.check_no == check_no)
        ).scalar_one_or_none()
        if weighing_id is None:
            return None
        rows = session.execute(
            select(WeighingAxle.weight, WeighingAxle.spacing)
            .where(WeighingAxle.weighing_id == weighing_id)
            .order_by(WeighingAxle.no)
        ).all()
    weights = tuple(row.weight for row in rows)
    return weights, tuple(row.spacing for row in rows[:-1])
