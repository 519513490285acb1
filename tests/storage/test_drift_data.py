"""The queries that feed the drift detectors, on real station databases."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from station.domain.drift import (
    StaticComparisonParams,
    detect_traffic_drift,
    static_comparison,
    zero_drift,
)
from station.domain.records import UNREAD_PLATE, PlateColor, PlateSource, WeighMode
from station.domain.vehicle import Vehicle
from station.lanes.capture import SUSPECT_FLAGS
from station.services.recording import Observed, Plate, stage_observed
from station.simulation import synthetic_vehicle
from station.storage import bulk, cases
from station.storage.checks import record_scale_check
from station.storage.drift_data import (
    WEIGHT_FLAGS,
    scale_division_kg,
    traffic_weighings,
    weigh_pairs,
    zero_readings,
)
from station.storage.evidence import Committed
from station.storage.models import Scale, ScaleCheck, Weighing
from station.tables import default_limit_book
from tests.support.factory import CONTEXT, SITE, Station, add_weighings

BOOK = default_limit_book()
START = datetime(2026, 11, 25, 8, 0, 0)  # add_weighings' default start
AXLE_SCALE = CONTEXT.scale_id
STATIC_SCALE = "lane3-static-scale"


def weigh(
    station: Station,
    vehicle: Vehicle,
    moment: datetime,
    plate: str = "豫A12345",
    *,
    mode: WeighMode = WeighMode.AXLE,
    scale_id: str = AXLE_SCALE,
    flags: tuple[str, ...] = (),
    first_check_no: str | None = None,
) -> Committed:
    context = replace(
        CONTEXT, weigh_mode=mode, scale_id=scale_id, lane=3 if mode is WeighMode.STATIC else 1
    )
    observed = Observed(
        vehicle,
        BOOK.judge(vehicle, moment.date()),
        Plate(plate, PlateColor.YELLOW, PlateSource.ANPR),
        flags=flags,
        first_check_no=first_check_no,
    )
    with station.database.transaction() as session:
        return stage_observed(session, SITE, context, observed, moment)


def weigh_static(station: Station, vehicle: Vehicle, moment: datetime, plate: str, **kw) -> str:
    platform = replace(vehicle, gross_kg=vehicle.sum_weight_kg)
    return weigh(
        station, platform, moment, plate, mode=WeighMode.STATIC, scale_id=STATIC_SCALE, **kw
    ).check_no


def scaled(vehicle: Vehicle, factor: float) -> Vehicle:
    """The vehicle as a scale reading `factor` times the truth shows it."""
    axles = tuple(
        replace(axle, weight_kg=round((axle.weight_kg or 0) * factor / 10) * 10)
        for axle in vehicle.axles
    )
    return replace(vehicle, axles=axles)


def void(station: Station, check_no: str, moment: datetime) -> None:
    with station.database.transaction() as session:
        cases.void_check(
            session,
            site_code=SITE,
            check_no=check_no,
            reason="wrong vehicle",
            approver="supervisor",
            moment=moment,
        )


# ---- traffic of a scale --------------------------------------------------------------------------


def test_traffic_weighings_are_the_scales_first_weighings_in_the_range(station: Station) -> None:
    done = add_weighings(station, 30, seed=3)  # 08:00 to 08:29 on the axle scale
    rows = traffic_weighings(
        station.database, AXLE_SCALE, START + timedelta(minutes=5), START + timedelta(minutes=25)
    )
    assert [row.check_no for row in rows] == [c.check_no for c in done[5:25]]
    with station.database.reader.connect() as conn:
        stored = {
            row.check_no: row
            for row in conn.execute(
                select(Weighing).where(Weighing.check_no.in_([r.check_no for r in rows]))
            )
        }
    for row in rows:
        weighing = stored[row.check_no]
        assert row.at == weighing.check_time
        assert row.gross_kg == weighing.sum_weight
        assert (row.axle_count, row.axle_type, row.limit_kg) == (
            weighing.axle_cnt,
            weighing.axle_type,
            weighing.limit_weight,
        )
    assert traffic_weighings(station.database, "other-scale", START, START + timedelta(1)) == []


def test_voided_reweighed_and_suspect_weighings_are_left_out(station: Station) -> None:
    done = add_weighings(station, 6, seed=4)
    rng = random.Random(4)
    later = START + timedelta(minutes=10)
    stopped = weigh(station, synthetic_vehicle(rng).vehicle, later, flags=("STOPPED",))
    unchecked = weigh(station, synthetic_vehicle(rng).vehicle, later, flags=("NO_SCALE_CHECK",))
    reweigh = weigh(station, synthetic_vehicle(rng).vehicle, later, first_check_no=done[0].check_no)
    void(station, done[2].check_no, later)
    rows = traffic_weighings(station.database, AXLE_SCALE, START, START + timedelta(hours=1))
    found = [row.check_no for row in rows]
    assert found == [c.check_no for c in (*done[:2], *done[3:], unchecked)]
    assert stopped.check_no not in found and reweigh.check_no not in found
    everything = traffic_weighings(
        station.database, AXLE_SCALE, START, START + timedelta(hours=1), excluded_flags=()
    )
    assert stopped.check_no in [row.check_no for row in everything]


def test_weight_flags_are_the_lanes_suspect_flags() -> None:
    assert frozenset(SUSPECT_FLAGS) == WEIGHT_FLAGS


def test_a_bulk_database_feeds_the_traffic_detector(station: Station) -> None:
    bulk.generate(station.database, SITE, 4_000, 5, START, per_day=2_000, traces=False)
    began = time.perf_counter()
    rows = traffic_weighings(station.database, "lane1-axle-scale", START, START + timedelta(3))
    seconds = time.perf_counter() - began
    with station.database.reader.connect() as conn:
        expected = conn.scalar(
            select(func.count()).where(
                Weighing.scale_id == "lane1-axle-scale", Weighing.check_type == 1
            )
        )
    assert len(rows) == expected > 500
    assert [row.at for row in rows] == sorted(row.at for row in rows)
    assert seconds < 2.0  # about 15 ms here; 100k weighings: docs/drift.md
    half = len(rows) // 2
    result = detect_traffic_drift(rows[:half], rows[half:])
    assert result.counted + result.skipped == len(rows) - half
    assert result.clusters
    assert weigh_pairs(station.database, START, START + timedelta(3)) == []  # no static lane


# ---- zero readings -------------------------------------------------------------------------------


def test_zero_readings_are_the_zero_checks_of_the_scale(station: Station) -> None:
    day = datetime(2026, 10, 1, 7, 30)
    with station.database.transaction() as session:
        session.add(Scale(id=AXLE_SCALE, max_kg=60_000, division_kg=20))
        session.add(Scale(id="lane2-axle-scale", max_kg=60_000, division_kg=20))
        session.flush()
        session.add(
            ScaleCheck(
                scale_id="lane2-axle-scale",
                checked_at=day,
                checked_by="tech",
                reference_kg=0,
                reading_kg=500,
                passed=False,
            )
        )
    for n in range(40):  # the daily zero check, creeping 0.1 e a day
        kg = round(n * 2.0 / 20) * 20
        record_scale_check(
            station.database, scale_id=AXLE_SCALE, reference_kg=0, reading_kg=kg,
            actor="tech", moment=day + timedelta(days=n), tolerance_kg=10,
        )  # fmt: skip
    record_scale_check(
        station.database,
        scale_id=AXLE_SCALE,
        reference_kg=10_000,
        reading_kg=10_020,
        actor="tech",
        moment=day + timedelta(days=3, hours=1),
        tolerance_kg=40,
    )
    readings = zero_readings(station.database, AXLE_SCALE, day, day + timedelta(days=40))
    assert len(readings) == 40
    assert [r.at for r in readings] == [day + timedelta(days=n) for n in range(40)]
    assert readings[-1].kg == 80
    assert zero_readings(station.database, AXLE_SCALE, day + timedelta(days=39), day) == []
    division = scale_division_kg(station.database, AXLE_SCALE)
    assert division == 20
    assert scale_division_kg(station.database, "no-such-scale") is None
    result = zero_drift(readings, division)
    assert result.warning and result.slope_kg_per_day > 1.5


# ---- in motion against static --------------------------------------------------------------------


def test_weigh_pairs_match_the_same_plate_within_the_window(station: Station) -> None:
    rng = random.Random(12)
    t0 = datetime(2026, 11, 26, 9, 0)
    truck = [synthetic_vehicle(rng).vehicle for _ in range(8)]
    # A: axle scale, then static 30 minutes later: a pair.
    a_dynamic = weigh(station, scaled(truck[0], 1.02), t0, "豫A00001").check_no
    a_static = weigh_static(station, truck[0], t0 + timedelta(minutes=30), "豫A00001")
    # B: three hours apart: no pair.
    weigh(station, truck[1], t0, "豫A00002")
    weigh_static(station, truck[1], t0 + timedelta(hours=3), "豫A00002")
    # C: static only.
    weigh_static(station, truck[2], t0, "豫A00003")
    # E: two axle weighings before the static one: the nearer one pairs.
    weigh(station, truck[3], t0 - timedelta(minutes=90), "豫A00005")
    e_near = weigh(station, truck[3], t0 + timedelta(minutes=50), "豫A00005").check_no
    e_static = weigh_static(station, truck[3], t0 + timedelta(minutes=60), "豫A00005")
    # An unread plate, twice: never a pair.
    weigh(station, truck[4], t0, UNREAD_PLATE)
    weigh_static(station, truck[4], t0 + timedelta(minutes=5), UNREAD_PLATE)
    # F: the static weighing is voided.
    weigh(station, truck[5], t0, "豫A00006")
    f_static = weigh_static(station, truck[5], t0 + timedelta(minutes=20), "豫A00006")
    void(station, f_static, t0 + timedelta(hours=1))
    # G: the static weighing comes first, the axle scale 40 minutes later: a pair.
    g_static = weigh_static(station, truck[6], t0 + timedelta(minutes=10), "豫A00007")
    g_dynamic = weigh(station, truck[6], t0 + timedelta(minutes=50), "豫A00007").check_no

    pairs = weigh_pairs(station.database, t0 - timedelta(hours=1), t0 + timedelta(hours=6))
    assert [(p.dynamic_check_no, p.static_check_no) for p in pairs] == [
        (g_dynamic, g_static),
        (a_dynamic, a_static),
        (e_near, e_static),
    ]  # in the order of the static weighings
    first = pairs[1]
    assert first.plate == "豫A00001" and first.at == t0 + timedelta(minutes=30)
    assert first.static_kg == truck[0].sum_weight_kg
    assert first.deviation == pytest.approx(first.dynamic_kg / first.static_kg - 1)
    assert 0.015 < first.deviation < 0.025
    # Only the static weighings inside the range are paired; a scale can be chosen.
    assert len(weigh_pairs(station.database, t0 + timedelta(minutes=20), t0 + timedelta(1))) == 2
    assert weigh_pairs(station.database, t0, t0 + timedelta(1), dynamic_scale_id="other") == []
    assert weigh_pairs(station.database, t0, t0 + timedelta(1), within_hours=0.1) == []


def test_a_reweigh_after_an_unload_notice_is_no_pair(station: Station) -> None:
    rng = random.Random(3)
    t0 = datetime(2026, 11, 26, 9, 0)
    overloaded = scaled(synthetic_vehicle(rng).vehicle, 1.0)
    while not BOOK.judge(overloaded, t0.date()).is_over:
        overloaded = scaled(overloaded, 1.2)
    first = weigh(station, overloaded, t0, "豫A00004")
    verdict = BOOK.judge(overloaded, t0.date())
    with station.database.transaction() as session:
        cases.open_case(
            session,
            site_code=SITE,
            check_no=first.check_no,
            plate_num="豫A00004",
            plate_color=int(PlateColor.YELLOW),
            lane=1,
            sum_kg=verdict.sum_weight_kg,
            limit_kg=verdict.limit_weight_kg,
            over_kg=verdict.over_weight_kg,
            moment=t0,
            actor="tester",
        )
    # Re-weighed statically an hour later (after unloading a little): not comparable.
    lighter = scaled(overloaded, 0.97)
    weigh_static(
        station, lighter, t0 + timedelta(hours=1), "豫A00004", first_check_no=first.check_no
    )
    assert weigh_pairs(station.database, t0, t0 + timedelta(1)) == []


def test_pairs_from_the_database_feed_the_static_comparison(station: Station) -> None:
    rng = random.Random(21)
    t0 = datetime(2026, 12, 1, 0, 0)
    for n in range(40):  # the axle scale reads 3 % high
        vehicle = synthetic_vehicle(rng).vehicle
        moment = t0 + timedelta(hours=2 * n)
        plate = f"豫C{n:05d}"
        weigh(station, scaled(vehicle, 1.03 + rng.gauss(0, 0.01)), moment, plate)
        weigh_static(station, vehicle, moment + timedelta(minutes=25), plate)
    pairs = weigh_pairs(station.database, t0, t0 + timedelta(days=5))
    assert len(pairs) == 40
    assert [p.at for p in pairs] == sorted(p.at for p in pairs)
    result = static_comparison(pairs)
    assert result.warning and result.direction == 1
    assert result.latest is not None and 0.02 < result.latest.mean < 0.04
    quiet = static_comparison(pairs, StaticComparisonParams(threshold=0.05))
    assert not quiet.warning
