"""The periodic report's figures from real databases (SQLite, and PostgreSQL where the
`station` fixture runs it): weighings and cases committed as the lane commits them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from station.domain.limits import Verdict
from station.domain.records import CaseResult, PlateColor, PlateSource
from station.domain.vehicle import Axle, Configuration, Tyres, Vehicle
from station.periods import period_of
from station.readmodel_periods import DayTally, PeriodReport, Tally
from station.services.recording import Plate, check_record_for
from station.storage.cases import (
    CaseInfo,
    close_case,
    close_not_over,
    open_case,
    record_reweigh,
    void_check,
)
from station.storage.evidence import TraceData, WeighingEvidence, new_check_no, stage_weighing
from station.storage.period_stats import period_report
from station.tables import default_limit_book
from tests.support.factory import CONTEXT, SITE, Station

ACTOR = "tester"
NOW = datetime(2026, 12, 1, 12, 0, 0)
DEADLINE_HOURS = 24
SAMPLES = (0, 150, 3500, 7000, 7010, 6990, 3000, 0)
SIX_AXLES = (
    (Tyres.SINGLE, False, 3200),
    (Tyres.DUAL, True, 1350),
    (Tyres.DUAL, True, 7200),
    (Tyres.DUAL, False, 1310),
    (Tyres.DUAL, False, 1310),
    (Tyres.DUAL, False, 0),
)


def vehicle(weights: tuple[int, ...]) -> Vehicle:
    """3 weights: a 3-axle truck (limit 25 t); 6 weights: a 6-axle articulated (49 t)."""
    if len(weights) == 3:
        front, middle, rear = weights
        axles = (
            Axle(front, Tyres.SINGLE, spacing_mm=3800, steering=True),
            Axle(middle, Tyres.DUAL, drive=True, spacing_mm=1350),
            Axle(rear, Tyres.DUAL, drive=True, spacing_mm=0),
        )
        return Vehicle(Configuration.TRUCK, axles)
    axles = tuple(
        Axle(w, tyres, drive=drive, spacing_mm=spacing)
        for w, (tyres, drive, spacing) in zip(weights, SIX_AXLES, strict=True)
    )
    return Vehicle(Configuration.ARTICULATED, axles)


def _stage(
    session: Session,
    weights: tuple[int, ...],
    *,
    plate: str,
    moment: datetime,
    lane: int,
    first_check_no: str | None = None,
) -> tuple[str, Verdict]:
    truck = vehicle(weights)
    verdict = default_limit_book().judge(truck, moment.date())
    check_no = new_check_no(session, SITE, moment)
    record = check_record_for(
        truck, verdict, replace(CONTEXT, lane=lane), check_no=check_no, check_time=moment,
        plate=Plate(plate, PlateColor.YELLOW, PlateSource.ANPR), speed_kmh="5.0",
        first_check_no=first_check_no,
    )  # fmt: skip
    stage_weighing(session, SITE, WeighingEvidence(record, truck, TraceData(50, SAMPLES), ()))
    return check_no, verdict


def first(
    station: Station, weights: tuple[int, ...], *, plate: str, moment: datetime, lane: int
) -> CaseInfo:
    """A first weighing with its case, as the lane records it: opened when over, else closed."""
    with station.database.transaction() as session:
        check_no, verdict = _stage(session, weights, plate=plate, moment=moment, lane=lane)
        args = {
            "site_code": SITE, "check_no": check_no, "plate_num": plate,
            "plate_color": int(PlateColor.YELLOW), "lane": lane,
            "sum_kg": verdict.sum_weight_kg, "limit_kg": verdict.limit_weight_kg,
            "moment": moment, "actor": ACTOR,
        }  # fmt: skip
        if verdict.is_over:
            return open_case(session, over_kg=verdict.over_weight_kg, **args)
        return close_not_over(session, **args)


def reweigh(station: Station, case: CaseInfo, weights: tuple[int, ...], moment: datetime) -> None:
    with station.database.transaction() as session:
        check_no, verdict = _stage(
            session, weights, plate=case.plate_num, moment=moment, lane=case.lane,
            first_check_no=case.check_no,
        )  # fmt: skip
        record_reweigh(
            session, case, site_code=SITE, recheck_no=check_no, sum_kg=verdict.sum_weight_kg,
            is_over=verdict.is_over, over_kg=verdict.over_weight_kg, moment=moment, actor=ACTOR,
        )  # fmt: skip


WITHIN_3 = (6000, 9000, 9000)  # 24000 kg
OVER_3 = (7000, 11000, 11000)  # 29000 kg: 4000 over
OVER_3B = (7000, 11000, 10501)  # 28501 kg
HEAVY_85 = (13000, 14000, 14500, 14500, 14500, 14500)  # 85000 kg
HEAVY_92 = (14000, 15000, 15500, 15500, 16000, 16000)  # 92000 kg (voided below)
HEAVY_101 = (15000, 17000, 17000, 17500, 17500, 17000)  # 101000 kg: 百吨王


@pytest.fixture
def november(station: Station) -> Station:
    """Traffic of November 2026, with weighings just outside it on both sides."""
    first(station, OVER_3, plate="豫A00001", moment=datetime(2026, 10, 31, 23, 59, 59), lane=1)
    first(station, WITHIN_3, plate="豫A00002", moment=datetime(2026, 11, 3, 8, 10), lane=1)
    w2 = first(station, OVER_3, plate="豫A00003", moment=datetime(2026, 11, 3, 8, 40), lane=2)
    reweigh(station, w2, WITHIN_3, datetime(2026, 11, 3, 10, 0))  # 5000 kg unloaded
    w7 = first(station, OVER_3, plate="豫A00007", moment=datetime(2026, 11, 10, 9, 5), lane=1)
    with station.database.transaction() as session:
        close_case(
            session, w7.id, site_code=SITE, result=CaseResult.POLICE, reason="移交",
            actor=ACTOR, moment=datetime(2026, 11, 10, 11, 0),
        )  # fmt: skip
    first(station, HEAVY_85, plate="豫A00004", moment=datetime(2026, 11, 15, 23, 30), lane=1)
    w5 = first(station, HEAVY_92, plate="豫A00005", moment=datetime(2026, 11, 20, 6, 0), lane=1)
    with station.database.transaction() as session:
        void_check(
            session, site_code=SITE, check_no=w5.check_no, reason="误称", approver="chief",
            moment=datetime(2026, 11, 20, 7, 0),
        )  # fmt: skip
    w8 = first(station, OVER_3B, plate="豫A00008", moment=datetime(2026, 11, 20, 14, 0), lane=2)
    reweigh(station, w8, WITHIN_3, datetime(2026, 11, 20, 15, 0))  # 4501 kg unloaded
    first(station, HEAVY_101, plate="豫A00006", moment=datetime(2026, 11, 30, 23, 59, 59), lane=3)
    first(station, OVER_3, plate="豫A00009", moment=datetime(2026, 12, 1, 0, 0, 0), lane=1)
    return station


def report(station: Station, kind: str, day: date) -> PeriodReport:
    return period_report(
        station.database, period_of(kind, day), site_code=SITE, station_name="测试站",
        deadline_hours=DEADLINE_HOURS, now=NOW,
    )  # fmt: skip


def test_monthly_counts(november: Station) -> None:
    found = report(november, "monthly", date(2026, 11, 17))
    assert (found.weighed, found.over, found.over_rate) == (6, 5, "83.33")
    assert (found.reweighs, found.voided) == (2, 1)
    assert found.by_axles == (Tally(3, 4, 3), Tally(6, 2, 2))
    assert [t.over_rate for t in found.by_axles] == ["75.00", "100.00"]
    assert found.by_lane == (Tally(1, 3, 2), Tally(2, 2, 2), Tally(3, 1, 1))


def test_monthly_hours_and_days(november: Station) -> None:
    found = report(november, "monthly", date(2026, 11, 1))
    hours = {t.key: (t.weighed, t.over) for t in found.by_hour if t.weighed}
    assert hours == {8: (2, 1), 9: (1, 1), 14: (1, 1), 23: (2, 2)}
    assert [t.key for t in found.by_hour] == list(range(24))
    assert len(found.by_day) == 30
    days = {d.day.day: (d.weighed, d.over) for d in found.by_day if d.weighed}
    assert days == {3: (2, 1), 10: (1, 1), 15: (1, 1), 20: (1, 1), 30: (1, 1)}
    assert found.by_day[2] == DayTally(date(2026, 11, 3), 2, 1)
    assert found.by_day[2].over_rate == "50.00"


def test_heavy_vehicles_without_the_voided_one(november: Station) -> None:
    found = report(november, "monthly", date(2026, 11, 1))
    assert [(h.plate_num, h.sum_kg, h.lane, h.axle_cnt) for h in found.heavy] == [
        ("豫A00004", 85000, 1, 6),
        ("豫A00006", 101000, 3, 6),
    ]
    assert found.heavy[1].check_time == datetime(2026, 11, 30, 23, 59, 59)
    assert found.heavy_counts == ((80000, 2), (90000, 1), (100000, 1))


def test_cases_by_result_average_and_overdue(november: Station) -> None:
    cases = report(november, "monthly", date(2026, 11, 1)).cases
    assert dict(cases.by_result) == {
        "NOT_OVER": 1, "UNLOADED": 2, "POLICE": 1, "PERMIT": 0, "ABSCONDED": 0,
    }  # fmt: skip
    assert (cases.open, cases.voided) == (2, 1)
    assert (cases.unloaded_count, cases.unloaded_total_kg) == (2, 9501)
    assert cases.unloaded_average_kg == 4751  # 4750.5 rounded half up
    # The 15th's case is 36 h past its deadline; the 30th's (23:59:59) is not yet due.
    assert [(c.plate_num, c.deadline) for c in cases.overdue] == [
        ("豫A00004", datetime(2026, 11, 16, 23, 30))
    ]
    assert cases.overdue[0].unload_kg == 85000 - 49000


def test_dekad_week_and_day(november: Station) -> None:
    middle = report(november, "dekad", date(2026, 11, 11))  # 11th-20th
    assert (middle.weighed, middle.over, middle.voided, middle.reweighs) == (2, 2, 1, 1)
    assert [h.sum_kg for h in middle.heavy] == [85000]
    week = report(november, "weekly", date(2026, 11, 30))  # Mon 30 Nov to Sun 6 Dec
    assert (week.weighed, len(week.by_day)) == (2, 7)
    day = report(november, "daily", date(2026, 11, 3))
    assert (day.weighed, day.over, day.reweighs) == (2, 1, 1)
    assert day.by_day == (DayTally(date(2026, 11, 3), 2, 1),)
    assert dict(day.cases.by_result)["UNLOADED"] == 1


def test_empty_period(station: Station) -> None:
    found = report(station, "monthly", date(2026, 2, 10))
    assert (found.weighed, found.over, found.over_rate) == (0, 0, "0.00")
    assert found.by_axles == found.by_lane == found.heavy == ()
    assert len(found.by_day) == 28 and all(d.weighed == 0 for d in found.by_day)
    assert found.cases.unloaded_average_kg is None
    assert found.device_faults is None
    assert found.uploads == () and found.upload_passes == 0
