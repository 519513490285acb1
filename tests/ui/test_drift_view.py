"""The Drift view on a real SQLite station whose axle scale starts to read 1 % high.

The station's traffic is generated with `station.storage.bulk` (valid, sealed records) with
two changes for this test: every vehicle is on lane 1's axle scale, and the gross weights
have what real traffic has and `station.simulation` has not (tests/unit/test_drift.py): a
peak of empty trucks at each class's tare and a peak of trucks loaded up to the legal limit,
read with a class-5 scale's random error (SD 1.5 %). From TRAFFIC_ONSET on the scale reads
1 % high. Pairs with the static lane and the daily zero checks go through the ordinary
storage API.

Timeline (500 trucks a day from Monday 2026-09-07): days 0-7 are the baseline (4000
vehicles), days 8-13 clean monitored traffic (3000), from day 14 (2026-09-21) the drift.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6 import QtCore

from station.config import StationConfig, parse_config
from station.domain.records import PlateColor, PlateSource, WeighMode
from station.domain.vehicle import Vehicle
from station.lanes.runtime import StationRuntime
from station.security import Role
from station.services.recording import Observed, Plate, WeighingContext, stage_observed
from station.simulation import SyntheticVehicle, synthetic_vehicle
from station.storage import bulk
from station.storage.accounts import SignedIn
from station.storage.checks import record_scale_check
from station.storage.database import Database, open_database
from station.storage.scales import register_scale
from station.tables import default_limit_book
from station.timeutil import beijing_today
from tests.ui.test_responsive import LIMIT_S, Heartbeat
from ui.context import AppContext, Session
from ui.drift_view import DriftView
from ui.tasks import Tasks

SITE = "410102210001"
AXLE, PLATFORM = "lane1-axle-scale", "lane2-platform"
CONFIG = f"""
[station]
site_code = "{SITE}"
name = "测试站"
[storage]
data_dir = "{{data}}"

[[lanes]]
number = 1
mode = "AXLE"
[[lanes.devices]]
id = "{AXLE}"
kind = "axle_scale"
driver = "yaohua-tf0"
simulate = true
[[lanes.devices]]
id = "cam1"
kind = "camera"
driver = "hikvision"
simulate = true

[[lanes]]
number = 2
mode = "STATIC"
direction = 1
[[lanes.devices]]
id = "{PLATFORM}"
kind = "scale"
driver = "toledo"
simulate = true
"""
START = datetime(2026, 9, 7)  # a Monday
PER_DAY = 500
DAYS = 22
BASELINE_DAYS = 8
DRIFT_DAY = 14
TRAFFIC_ONSET = DRIFT_DAY * PER_DAY  # the first vehicle weighed 1 % high
DRIFT = 0.01
NOISE = 0.015  # class 5
PAIRS = 60
E_KG = 10
BOOK = default_limit_book()


# ---- the station's data ------------------------------------------------------------------------


@dataclass
class PeakedTraffic:
    """Stands in for bulk's vehicle draw: synthetic_vehicle's classes and axles, with the
    gross of peaked traffic as a class-5 scale reads it, 1 % high from vehicle `onset` on."""

    onset: int
    drift: float
    drawn: int = 0

    def __call__(self, rng: random.Random, fleet: tuple[str, ...]) -> SyntheticVehicle:
        del fleet
        sample = synthetic_vehicle(rng)
        gain = 1 + (self.drift if self.drawn >= self.onset else 0.0)
        self.drawn += 1
        gross = true_gross(rng, limit_of(sample.vehicle)) * gain * (1 + rng.gauss(0, NOISE))
        return replace(sample, vehicle=with_gross(sample.vehicle, round(gross / 10) * 10))


def limit_of(vehicle: Vehicle) -> int:
    return BOOK.judge(vehicle, START.date()).limit_weight_kg


def true_gross(rng: random.Random, limit: int) -> float:
    """35 % empty, 20 % part loads, 35 % loaded up to the limit, 10 % overloaded."""
    tare = 0.33 * limit * (1 + rng.gauss(0, 0.06))
    roll = rng.random()
    if roll < 0.35:
        return tare + rng.uniform(0, 400)
    if roll < 0.55:
        return tare + rng.uniform(0.05, 0.95) * (limit - tare)
    if roll < 0.90:
        return max(tare, limit * rng.gauss(0.975, 0.025))
    return limit * rng.uniform(1.0, 1.5)


def with_gross(vehicle: Vehicle, gross: int) -> Vehicle:
    """The vehicle with its axle loads scaled to `gross` (10 kg steps, the last takes the rest)."""
    factor = gross / vehicle.sum_weight_kg
    weights = [round((axle.weight_kg or 0) * factor / 10) * 10 for axle in vehicle.axles]
    weights[-1] += gross - sum(weights)
    axles = tuple(replace(a, weight_kg=w) for a, w in zip(vehicle.axles, weights, strict=True))
    return replace(vehicle, axles=axles)


def context(scale_id: str, mode: WeighMode, lane: int) -> WeighingContext:
    return WeighingContext(
        lane=lane, direction=0, weigh_mode=mode, scale_id=scale_id, cert_no="JD-TEST-0001",
        cert_valid_until=date(2030, 6, 30), operator_id="tester",
    )  # fmt: skip


def pair_time(n: int, count: int = PAIRS, days: int = DAYS) -> datetime:
    """When the n-th pair's truck crosses the axle scale (the platform follows 30 min later)."""
    return START + timedelta(hours=days * 24 * n / count + 3)


def add_pairs(
    database: Database,
    rng: random.Random,
    *,
    count: int = PAIRS,
    days: int = DAYS,
    bias: float = DRIFT,
    bias_from: datetime = START + timedelta(days=DRIFT_DAY),
) -> None:
    """Trucks weighed on the axle scale, then on the static platform 30 minutes later; the
    axle scale reads `bias` high from `bias_from` on."""
    axle = context(AXLE, WeighMode.AXLE, 1)
    static = context(PLATFORM, WeighMode.STATIC, 2)
    with database.transaction() as session:
        for n in range(count):
            moment = pair_time(n, count, days)
            truth = synthetic_vehicle(rng).vehicle
            truth = with_gross(truth, round(true_gross(rng, limit_of(truth)) / 10) * 10)
            gain = 1 + (bias if moment >= bias_from else 0.0)
            reading = round(truth.sum_weight_kg * gain * (1 + rng.gauss(0, NOISE)) / 10) * 10
            plate = Plate(f"豫D{n:05d}", PlateColor.YELLOW, PlateSource.ANPR)
            for ctx, vehicle, at in (
                (axle, with_gross(truth, reading), moment),
                (static, replace(truth, gross_kg=truth.sum_weight_kg), moment + timedelta(0, 1800)),
            ):
                observed = Observed(vehicle, BOOK.judge(vehicle, at.date()), plate)
                stage_observed(session, SITE, ctx, observed, at)


def add_zero_checks(database: Database, scale_id: str, days: int, creep_kg_per_day: float) -> None:
    """A zero check every morning: the zero (plus a creep) read with ±0.5 e of noise, in e."""
    rng = random.Random(5)
    for day in range(days):
        zero = creep_kg_per_day * day + rng.gauss(0, E_KG / 2)
        record_scale_check(
            database, scale_id=scale_id, reference_kg=0, reading_kg=round(zero / E_KG) * E_KG,
            actor="tech", moment=START + timedelta(days=day, hours=7), tolerance_kg=E_KG,
        )  # fmt: skip


def station_config(folder: Path) -> StationConfig:
    path = folder / "station.toml"
    path.write_text(CONFIG.replace("{data}", (folder / "data").as_posix()), encoding="utf-8")
    return parse_config(path.read_text(encoding="utf-8"), path)


def new_database(folder: Path) -> Database:
    folder.mkdir(parents=True, exist_ok=True)
    database, _ = open_database(f"sqlite:///{folder / 'station.sqlite3'}")
    for scale_id in (AXLE, PLATFORM):
        register_scale(database, "tester", scale_id, max_kg=100_000, division_kg=E_KG)
    return database


@pytest.fixture(scope="module")
def drifting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StationConfig, Database]]:
    """The station of the module docstring (about 4 s to build)."""
    folder = tmp_path_factory.mktemp("drifting")
    database = new_database(folder)
    with pytest.MonkeyPatch.context() as patch:
        lane_one = bulk._context
        patch.setattr(bulk, "_context", lambda _lane, operator, at: lane_one(1, operator, at))
        patch.setattr(bulk, "_vehicle", PeakedTraffic(TRAFFIC_ONSET, DRIFT))
        bulk.generate(
            database, SITE, DAYS * PER_DAY, 3, START, per_day=PER_DAY, traces=False, workers=0
        )
    add_pairs(database, random.Random(8))
    add_zero_checks(database, AXLE, DAYS, 0.0)
    yield station_config(folder), database
    database.dispose()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[StationConfig, Database]]:
    """A station with its two scales registered and nothing recorded."""
    database = new_database(tmp_path)
    yield station_config(tmp_path), database
    database.dispose()


# ---- the view ----------------------------------------------------------------------------------


@pytest.fixture
def make_view(qtbot) -> Iterator:
    made: list[AppContext] = []

    def make(config: StationConfig, database: Database) -> DriftView:
        runtime = StationRuntime(
            config, database=database, limits=BOOK, open_devices=None, clock=time.monotonic
        )
        session = Session()
        session.sign_in(SignedIn("tech", "技术员", Role.TECHNICIAN, False))
        ctx = AppContext(config, database, runtime, Tasks(), session, language="en")
        made.append(ctx)
        view = DriftView(ctx)
        qtbot.addWidget(view)
        view.resize(1280, 860)
        return view

    yield make
    for ctx in made:
        ctx.tasks.wait()


def analyse(qtbot, view: DriftView, first: date, last: date, baseline_days: int) -> None:
    view.set_period(first, last, baseline_days)
    with qtbot.waitSignal(view.refreshed, timeout=15_000):
        if view.isVisible():
            view.refresh()
        else:
            view.show()  # the first look starts the analysis
    assert not view.busy and view.report is not None


def curve_points(item) -> int:
    """Points given to a curve (PlotDataItem.xData: before any downsampling) or scatter."""
    xs = item.xData if hasattr(item, "xData") else item.getData()[0]
    return 0 if xs is None else len(xs)


def screenshot(qtbot, view: DriftView, path: Path) -> None:
    """What the technician sees (look at it after a change of the layout)."""
    qtbot.wait(50)  # the layout follows the new banner text in the event loop
    assert view.grab().save(str(path))
    assert path.stat().st_size > 10_000


def test_a_one_percent_drift_turns_the_banner_red_with_its_evidence(
    qtbot, make_view, drifting, tmp_path: Path
) -> None:
    view = make_view(*drifting)
    assert view.selected_scale() is not None and view.selected_scale().scale_id == AXLE
    assert [s.scale_id for s in view.scales] == [AXLE, PLATFORM]
    last_day = (START + timedelta(days=DAYS - 1)).date()
    analyse(qtbot, view, START.date(), last_day, BASELINE_DAYS)
    first = view.report
    qtbot.wait(200)  # the first paint of the plots with data (about 100 ms offscreen)
    with Heartbeat() as beat:  # again, with the window laid out: the GUI thread never waits
        analyse(qtbot, view, START.date(), last_day, BASELINE_DAYS)
    assert beat.longest < LIMIT_S, f"the GUI thread stalled {beat.longest * 1000:.0f} ms"
    report = view.report
    assert report is not first and report == first  # the same data give the same evidence
    traffic = report.traffic
    assert traffic.alarm and traffic.direction == 1
    baseline_end = START + timedelta(days=BASELINE_DAYS)
    pairs_before = sum(1 for n in range(PAIRS) if pair_time(n) < baseline_end)
    assert report.baseline_count == BASELINE_DAYS * PER_DAY + pairs_before
    drift_from = START + timedelta(days=DRIFT_DAY)  # found within 3000 vehicles (6 days)
    assert drift_from <= traffic.alarm_at <= drift_from + timedelta(days=6)

    assert view.banner_state == "warning"
    assert view.banner_title.text() == f"Drift warning on scale {AXLE}"
    text = view.banner_text.text()
    cusum = text.splitlines()[0]
    assert cusum.startswith("Typical trucks: the scale reads high. CUSUM alarm at vehicle ")
    assert f"({traffic.alarm_at:%Y-%m-%d %H:%M})" in cusum
    assert "weights about +" in cusum and "k=0.1, h=70." in cusum
    assert 0.005 < traffic.estimated_shift < 0.025
    groups = sum(1 for c in traffic.clusters if c.counted)
    assert f"in {groups} groups" in cusum and groups >= 2
    # The zero did not move and the pairs (1 % is at the threshold) do not warn.
    assert "\nZero: moved " in text and "within ±20 kg" in text
    assert "\nIn motion against static: the last 50 pairs differ by +" in text
    palette = view.banner.styleSheet()
    assert "#fdecea" in palette and "#c62828" in palette

    # The plots hold the evidence.
    assert curve_points(view.zero_points) == DAYS
    assert curve_points(view.zero_fit) == 2 and curve_points(view.zero_high) == 2
    assert curve_points(view.pair_points) == PAIRS == len(report.comparison.pairs)
    assert curve_points(view.pair_mean) == PAIRS - 30 + 1
    weeks = len({(START + timedelta(days=d)).isocalendar()[:2] for d in range(DAYS)})
    assert curve_points(view.weekly_all) == weeks == 4
    used = [curve for curve in view.weekly_groups if curve_points(curve)]
    assert len(used) == groups
    assert curve_points(view.cusum_upper) == traffic.counted == curve_points(view.cusum_lower)
    assert view.cusum_alarm.isVisible() and view.cusum_alarm.value() == traffic.alarm_index + 1
    assert view.cusum_h[0].value() == 70 and view.cusum_h[1].value() == -70
    # The drift weeks stand out against the clean ones.
    combined = [row for row in report.weekly if row.key is None]
    assert all(abs(row.relative) < 0.004 for row in combined[:2])
    assert all(0.005 < row.relative < 0.015 for row in combined[2:])
    screenshot(qtbot, view, tmp_path / "drift_view.png")


def test_clean_traffic_is_green(qtbot, make_view, drifting, tmp_path: Path) -> None:
    view = make_view(*drifting)
    last_clean = (START + timedelta(days=DRIFT_DAY - 1)).date()
    analyse(qtbot, view, START.date(), last_clean, BASELINE_DAYS)
    report = view.report
    assert not report.warning and report.traffic.counted > 1_000
    assert view.banner_state == "ok"
    assert view.banner_title.text() == f"No drift found on scale {AXLE}"
    text = view.banner_text.text()
    assert text.startswith("Typical trucks: no alarm; ")
    assert "Zero: moved " in text and "In motion against static: the last " in text
    assert "#e8f5e9" in view.banner.styleSheet()
    assert not view.cusum_alarm.isVisible()
    assert curve_points(view.weekly_all) == 2
    assert curve_points(view.zero_points) == DRIFT_DAY
    screenshot(qtbot, view, tmp_path / "drift_view_clean.png")


def test_a_creeping_zero_and_a_biased_axle_scale_warn_without_traffic(
    qtbot, make_view, fresh
) -> None:
    config, database = fresh
    add_zero_checks(database, AXLE, 40, 1.0)  # 1 kg a day: 3 e in the 30-day window
    add_pairs(database, random.Random(2), count=40, days=40, bias=0.03, bias_from=START)
    view = make_view(config, database)
    last_day = (START + timedelta(days=39)).date()
    analyse(qtbot, view, START.date(), last_day, 14)
    assert view.banner_state == "warning"
    lines = view.banner_text.text().splitlines()
    assert lines[0].startswith(
        "Typical trucks: not enough data: in the 14 baseline vehicles no group of one class, "
        "empty or full, has 200 vehicles with a spread under 10.0"
    )
    assert lines[1].startswith("Zero: moved +") and "beyond ±20 kg; it is now at +" in lines[1]
    assert lines[2].startswith(
        "In motion against static: this scale reads high. The last 40 pairs differ by +"
    )
    assert "beyond ±1.0" in lines[2] and "; first warning 2026-" in lines[2]
    assert curve_points(view.zero_points) == 40 and curve_points(view.zero_fit) == 2
    assert curve_points(view.pair_points) == 40 and curve_points(view.pair_mean) == 11
    assert curve_points(view.cusum_upper) == 0 and not view.cusum_alarm.isVisible()

    with qtbot.waitSignal(view.refreshed, timeout=15_000):
        view.scale_box.setCurrentIndex(1)  # the static platform: the reference of the pairs
    assert view.report.scale.scale_id == PLATFORM
    assert view.banner_title.text() == f"Drift warning on scale {PLATFORM}"
    lines = view.banner_text.text().splitlines()
    assert lines[1] == "Zero: not enough data: 0 zero checks in the last 30 days, 5 needed."
    assert lines[2].startswith(
        "In motion against static: the in-motion scales read higher than this scale. "
    )
    assert curve_points(view.zero_points) == 0 and curve_points(view.zero_fit) == 0


def test_the_default_period_is_the_last_eight_weeks_and_one_analysis_runs_at_a_time(
    qtbot, make_view, fresh
) -> None:
    view = make_view(*fresh)
    today = beijing_today()
    assert view.date_to.date() == QtCore.QDate(today.year, today.month, today.day)
    assert view.date_from.date().daysTo(view.date_to.date()) == 8 * 7 - 1
    assert view.baseline_days.value() == 14
    period = view.period()
    assert period.baseline_end - period.start == timedelta(days=14)
    assert period.end - period.start == timedelta(weeks=8)
    with qtbot.waitSignal(view.refreshed, timeout=15_000):
        view.show()
        assert view.busy and not view.refresh_button.isEnabled()
        view.refresh()  # kept, and run when the first lands
        view.refresh()
    assert view.busy  # the kept request is out now
    qtbot.waitUntil(lambda: not view.busy, timeout=15_000)
    assert view.refresh_button.isEnabled()
    assert view.banner_state == "insufficient"
    assert view.banner_title.text() == f"Not enough data to judge scale {AXLE}"
    assert view.banner_text.text().splitlines() == [
        "Typical trucks: not enough data: no weighings in the baseline days.",
        "Zero: not enough data: 0 zero checks in the last 30 days, 5 needed.",
        "In motion against static: not enough data: 0 pairs, 30 needed.",
    ]
