"""Weighing lists by plate and by day: exact rows, order, day bounds, and the indexes used."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Select, text

from station.domain.records import PlateColor, PlateSource
from station.domain.vehicle import Axle, Configuration, Tyres, Vehicle
from station.services.recording import Plate, check_record_for
from station.storage.evidence import WeighingEvidence, new_check_no, stage_weighing
from station.storage.queries import (
    WeighingRow,
    day_statement,
    plate_statement,
    weighings_by_plate,
    weighings_on_day,
)
from station.tables import default_limit_book
from tests.support.factory import CONTEXT, SITE, Station, sqlite_station

PLATE = "豫A12345"
TRUCK = "GB1589-2016:2axle-truck"  # limit 18000 kg


def two_axle_truck(front: int, rear: int) -> Vehicle:
    return Vehicle(
        Configuration.TRUCK,
        (
            Axle(front, Tyres.SINGLE, spacing_mm=4200, steering=True),
            Axle(rear, Tyres.DUAL, drive=True, spacing_mm=0),
        ),
    )


def commit(
    station: Station, plate: str, moment: datetime, front: int, rear: int, lane: int
) -> None:
    vehicle = two_axle_truck(front, rear)
    verdict = default_limit_book().judge(vehicle, moment.date())
    with station.database.transaction() as session:
        record = check_record_for(
            vehicle,
            verdict,
            replace(CONTEXT, lane=lane),
            check_no=new_check_no(session, SITE, moment),
            check_time=moment,
            plate=Plate(plate, PlateColor.YELLOW, PlateSource.ANPR),
            speed_kmh="5.0",
        )
        stage_weighing(session, SITE, WeighingEvidence(record, vehicle))


# Committed in this order (not the order of time), so the check numbers' serials follow it.
TRAFFIC = (
    (PLATE, datetime(2026, 11, 25, 12, 0, 0), 7000, 13500, 1),  # 20261125 00001, over
    ("豫B00001", datetime(2026, 11, 25, 23, 59, 59), 6000, 10000, 2),  # 20261125 00002
    (PLATE, datetime(2026, 11, 24, 23, 59, 59), 6000, 12000, 1),  # 20261124 00001, at the limit
    ("豫B00002", datetime(2026, 11, 25, 0, 0, 0), 6200, 11850, 3),  # 20261125 00003, 50 kg over
    (PLATE, datetime(2026, 11, 26, 0, 0, 0), 5000, 9000, 4),  # 20261126 00001
    ("豫B00003", datetime(2026, 11, 25, 12, 0, 0), 6000, 11000, 2),  # 20261125 00004, same second
)


@pytest.fixture
def traffic(station: Station) -> Station:
    for plate, moment, front, rear, lane in TRAFFIC:
        commit(station, plate, moment, front, rear, lane)
    return station


def row(serial: str, moment: datetime, plate: str, lane: int, total: int, rate: str) -> WeighingRow:
    over = max(0, total - 18000)
    return WeighingRow(
        check_no=f"{SITE}{serial}",
        check_time=moment,
        plate_num=plate,
        lane=lane,
        sum_weight=total,
        limit_weight=18000,
        over_weight=over,
        over_rate=rate,
        is_over=over > 0,
        vehicle_class=TRUCK,
    )


def test_a_plates_weighings_come_newest_first(traffic: Station) -> None:
    assert weighings_by_plate(traffic.database, PLATE) == [
        row("2026112600001", datetime(2026, 11, 26, 0, 0, 0), PLATE, 4, 14000, "0.00"),
        row("2026112500001", datetime(2026, 11, 25, 12, 0, 0), PLATE, 1, 20500, "13.89"),
        row("2026112400001", datetime(2026, 11, 24, 23, 59, 59), PLATE, 1, 18000, "0.00"),
    ]


def test_the_plate_list_is_cut_at_the_limit(traffic: Station) -> None:
    rows = weighings_by_plate(traffic.database, PLATE, limit=2)

    assert [r.check_no for r in rows] == [f"{SITE}2026112600001", f"{SITE}2026112500001"]
    assert weighings_by_plate(traffic.database, "京A00000") == []
    with pytest.raises(ValueError, match="limit"):
        weighings_by_plate(traffic.database, PLATE, limit=0)


def test_a_days_list_runs_from_midnight_to_midnight_in_time_order(traffic: Station) -> None:
    assert weighings_on_day(traffic.database, date(2026, 11, 25)) == [
        row("2026112500003", datetime(2026, 11, 25, 0, 0, 0), "豫B00002", 3, 18050, "0.28"),
        row("2026112500001", datetime(2026, 11, 25, 12, 0, 0), PLATE, 1, 20500, "13.89"),
        row("2026112500004", datetime(2026, 11, 25, 12, 0, 0), "豫B00003", 2, 17000, "0.00"),
        row("2026112500002", datetime(2026, 11, 25, 23, 59, 59), "豫B00001", 2, 16000, "0.00"),
    ]
    assert weighings_on_day(traffic.database, date(2026, 11, 27)) == []


@pytest.mark.parametrize(
    ("statement", "index"),
    [
        (plate_statement(PLATE), "ix_weighing_plate_time"),
        (day_statement(date(2026, 11, 25)), "ix_weighing_check_time"),
    ],
)
def test_the_lists_are_read_from_their_index_without_sorting(
    tmp_path: Path, statement: Select, index: str
) -> None:
    station = sqlite_station(tmp_path)
    compiled = statement.compile(
        dialect=station.database.reader.dialect, compile_kwargs={"literal_binds": True}
    )
    with station.database.read() as session:
        plan = [r.detail for r in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
    station.database.dispose()

    assert len(plan) == 1, plan  # no "USE TEMP B-TREE FOR ORDER BY"
    assert plan[0].startswith(f"SEARCH weighing USING INDEX {index} ("), plan
