"""A raw-count transmitter through the station runtime (station/lanes/rawcounts.py).

The transmitter's readings carry counts; the runtime turns them into kg with the scale's
coefficients in force before the lane, the screen's tap or the device log sees anything.
Without coefficients there is no weight, only a fault that says why; a technician's change
(seal open) is applied at the next counter check, and a weighing converted with
coefficients no longer in force is held. The clock is the test's, so the checks are
deterministic; events go in where the drivers would put them.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from drivers.lanes.plan import plan_devices
from station.config import ConfigError, parse_config
from station.domain.readings import (
    DeviceState,
    DeviceStatus,
    PlateColour,
    PlateRead,
    WeightReading,
    WimAxle,
    WimVehicle,
)
from station.lanes import rawcounts
from station.lanes.notices import DeviceChanged, Notice, WeighingCompleted
from station.lanes.ports import NoOutputs
from station.lanes.runtime import StationRuntime
from station.security import Role
from station.storage.calibration import change_coefficients, close_seal, open_seal
from station.storage.database import Database, open_database
from station.storage.models import DeviceEvent, EnforcementCase
from station.storage.scales import Certificate, record_certificate, register_scale
from station.storage.views import weighing_detail
from station.tables import default_limit_book
from station.timeutil import beijing_now

DEVICE = """
[[lanes.devices]]
id = "platform"
kind = "scale"
driver = "modbus-weight"
port = "tcp://127.0.0.1:5020"
[lanes.devices.options]
map = "{map}"
{options}
"""
CONFIG = """
[station]
site_code = "410102210001"
name = "测试站"
{storage}
[workflow]
plate_wait_ms = 2000
stable_ms = 1000

[[lanes]]
number = 1
mode = "STATIC"
{device}
[[lanes.devices]]
id = "wim1"
kind = "wim"
driver = "modbus-wim"
simulate = true
[[lanes.devices]]
id = "cam1"
kind = "camera"
driver = "hikvision"
simulate = true
"""
# Coefficients A and B; the same 89 203 counts are 22 000 kg under A, 17 580 kg under B.
A = {"zero_counts": 1200, "span_kg_per_count": "0.25"}  # 88 003 x 0.25 = 22 000.75 -> 22 000
B = {"zero_counts": "1300", "span_kg_per_count": "0.2"}  # 87 903 x 0.2 = 17 580.6 -> 17 580
LOADED = 89203
NO_COEFFICIENTS = "no calibration coefficients for scale platform"


def config_text(tmp_path: Path, options: str = "raw_counts = true", map_: str = "flintec-ft112"):
    storage = f'[storage]\ndata_dir = "{tmp_path.as_posix()}"\n'
    device = DEVICE.format(map=map_, options=options)
    return CONFIG.format(storage=storage, device=device)


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Devices:
    """The runtime's device port, played by the test."""

    sink: object = None

    def __call__(self, lanes, sink, clock, converters):
        del lanes, clock, converters
        self.sink = sink
        return self

    def outputs(self, lane: int) -> NoOutputs:
        del lane
        return NoOutputs()

    def connected(self, device_id: str) -> bool:
        del device_id
        return True

    def close(self) -> None:
        pass


@dataclass
class Station:
    runtime: StationRuntime
    database: Database
    devices: Devices
    clock: Clock
    root: Path
    notices: list[Notice] = field(default_factory=list)
    tapped: list[object] = field(default_factory=list)
    counted: list[object] = field(default_factory=list)

    def put(self, event: object, step: float = 0.1) -> None:
        self.clock.now += step
        self.devices.sink(1, event)  # type: ignore[operator]

    def settle(self) -> None:
        """Everything put so far has been handled (commands queue behind events)."""
        self.runtime.summary()

    def counts(self, value: int, stable: bool = True) -> None:
        self.put(WeightReading("platform", value, stable, self.clock.now + 0.1))

    def status(self, state: DeviceState) -> None:
        self.put(DeviceStatus("platform", state, self.clock.now + 0.1))

    def vehicle(self, plate: str, counts: int = LOADED) -> WeighingCompleted:
        """A 2-axle truck onto the platform, read, stable for over a second, and off."""
        done = threading.Event()
        found: list[WeighingCompleted] = []

        def seen(notice: Notice) -> None:
            if isinstance(notice, WeighingCompleted) and notice.plate == plate:
                found.append(notice)
                done.set()

        self.runtime.subscribe(seen)
        self.counts(counts // 2, stable=False)
        self.put(PlateRead("cam1", plate, PlateColour.YELLOW, 95, self.clock.now + 0.1))
        axles = (WimAxle(7000, 4200), WimAxle(15000, 0))
        self.put(WimVehicle("wim1", 1, axles, 30, self.clock.now + 0.1))
        for _ in range(15):
            self.counts(counts)
        assert done.wait(10), self.notices
        self.empty()
        return found[0]

    def empty(self) -> None:
        for _ in range(3):
            self.counts(1250)  # a few kg either side of zero under A and B
        self.settle()

    def wait_past_check(self) -> None:
        self.clock.now += rawcounts.CHECK_S + 0.1

    def weights(self) -> list[int]:
        return [e.weight_kg for e in self.tapped if isinstance(e, WeightReading)]

    def states(self) -> list[tuple[DeviceState, str]]:
        return [
            (n.status.state, n.status.detail)
            for n in self.notices
            if isinstance(n, DeviceChanged) and n.status.device_id == "platform"
        ]

    def detail(self, check_no: str):
        found = weighing_detail(
            self.database, check_no, self.root / "pictures", site_name="站", deadline_hours=24
        )
        assert found is not None
        return found


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    config = parse_config(config_text(tmp_path), tmp_path / "station.toml")
    database, _ = open_database(f"sqlite:///{tmp_path / 'station.sqlite3'}")
    register_scale(database, "t", "platform", max_kg=60000, division_kg=10)
    until = beijing_now().date() + timedelta(days=200)
    record_certificate(database, "t", "platform", Certificate("JD-1", "所", until))
    clock, devices = Clock(), Devices()
    runtime = StationRuntime(
        config, database=database, limits=default_limit_book(), open_devices=devices, clock=clock
    )
    made = Station(runtime, database, devices, clock, tmp_path)
    runtime.subscribe(made.notices.append)
    runtime.tap(lambda lane, event: made.tapped.append(event))
    runtime.tap_counts(lambda lane, event: made.counted.append(event))
    runtime.start()
    yield made
    runtime.stop()
    database.dispose()


def set_coefficients(database: Database, values: dict, *, close: bool = True) -> int:
    open_seal(database, "platform", "tech1", "span adjustment")
    counter = change_coefficients(
        database, "platform", values, actor="tech1", actor_role=Role.TECHNICIAN, reason="span"
    )
    if close:
        close_seal(database, "platform", "tech1")
    return counter


def next_second() -> None:
    """Wait until beijing_now() (whole seconds) has moved on."""
    start = beijing_now()
    while beijing_now() == start:
        time.sleep(0.02)


def cases(database: Database) -> int:
    with database.read() as session:
        return len(session.execute(select(EnforcementCase)).all())


# ---- no coefficients: no weight, a fault with the reason ----------------------------------


def test_without_coefficients_there_is_no_weight_and_a_fault_says_why(station: Station) -> None:
    station.status(DeviceState.CONNECTING)
    station.status(DeviceState.OK)
    for _ in range(20):
        station.counts(LOADED)
    station.settle()

    assert station.weights() == []  # nothing reached the lane or the screen
    counts = [e.weight_kg for e in station.counted if isinstance(e, WeightReading)]
    assert counts == [LOADED] * 20  # a calibration procedure still sees the counts
    assert station.runtime.raw_count_devices == {"platform"}
    assert not any(isinstance(n, WeighingCompleted) for n in station.notices)
    assert station.runtime.lane_states() == {1: "waiting"}
    assert station.states() == [
        (DeviceState.CONNECTING, ""),
        (DeviceState.STALE, NO_COEFFICIENTS),
    ]
    with station.database.read() as session:
        rows = session.scalars(select(DeviceEvent).order_by(DeviceEvent.id)).all()
        logged = [(row.device_id, row.state, row.detail) for row in rows]
    assert logged[-1] == ("platform", "STALE", NO_COEFFICIENTS)

    # A device that goes down shows as down; back up, it is still without coefficients.
    station.status(DeviceState.OFFLINE)
    station.status(DeviceState.OK)
    station.settle()
    assert station.states()[-2:] == [
        (DeviceState.OFFLINE, ""),
        (DeviceState.STALE, NO_COEFFICIENTS),
    ]

    # The technician stores coefficients: the next check brings the weight (and OK) back.
    set_coefficients(station.database, A)
    station.wait_past_check()
    station.counts(LOADED, stable=False)
    station.settle()
    assert station.states()[-1] == (DeviceState.OK, "")
    assert station.weights() == [22000]


# ---- coefficients in force ---------------------------------------------------------------


def test_counts_become_kg_with_the_coefficients_in_force(station: Station) -> None:
    assert set_coefficients(station.database, A) == 1
    station.status(DeviceState.OK)

    done = station.vehicle("豫A10001")

    assert (done.sum_kg, done.is_over, done.over_kg) == (22000, True, 4000)
    assert done.flags == () and done.case_status == "OPEN" and done.notice_no
    assert station.states() == [(DeviceState.OK, "")]
    assert set(station.weights()) == {10850, 22000, 10}  # half on, on, off (12.5 kg -> 10)
    detail = station.detail(done.check_no)
    assert (detail.sum_kg, detail.calibration_counter, detail.scale_id) == (22000, 1, "platform")
    assert set(detail.trace) == {10850, 22000}  # the record's trace is in kg


def test_a_change_by_the_technician_is_used_from_the_next_check_on(station: Station) -> None:
    set_coefficients(station.database, A)
    first = station.vehicle("豫A10002")
    assert (first.sum_kg, first.case_status) == (22000, "OPEN")

    # Seal open, coefficients B, seal closed: counter 2, within the first weighing's second
    # (the counter is stored with the weighing, not looked up by its whole-second time).
    assert set_coefficients(station.database, B) == 2
    station.wait_past_check()

    second = station.vehicle("豫A10003")

    assert (second.sum_kg, second.is_over, second.flags) == (17580, False, ())
    assert second.case_result == "NOT_OVER"
    assert station.detail(second.check_no).calibration_counter == 2
    assert station.detail(first.check_no).calibration_counter == 1  # never changes afterwards


def test_weighing_with_the_seal_open_is_converted_but_held(station: Station) -> None:
    set_coefficients(station.database, A)
    set_coefficients(station.database, B, close=False)  # the seal stays open
    station.wait_past_check()

    held = station.vehicle("豫A10004")

    assert held.sum_kg == 17580 and held.step == "hold" and held.flags == ("SEAL_OPEN",)
    assert held.case_id is None and cases(station.database) == 0
    assert station.detail(held.check_no).calibration_counter == 2


def test_a_weight_from_coefficients_no_longer_in_force_is_held(
    station: Station, monkeypatch
) -> None:
    monkeypatch.setattr(rawcounts, "CHECK_S", 60.0)  # no check falls inside a vehicle here
    set_coefficients(station.database, A)
    station.vehicle("豫A10005")  # the runtime now holds A (counter 1)

    # The technician changes to B and closes the seal before the next counter check.
    set_coefficients(station.database, B)
    stale = station.vehicle("豫A10006")

    assert stale.sum_kg == 22000  # converted with A, which is no longer in force
    assert stale.step == "hold" and stale.flags == ("CALIBRATION_CHANGED",)
    assert stale.case_id is None and cases(station.database) == 1  # only the first vehicle's
    # The ticket names the coefficients that made the weight (A, counter 1), not those in force.
    assert station.detail(stale.check_no).calibration_counter == 1

    station.wait_past_check()
    fresh = station.vehicle("豫A10007")
    assert (fresh.sum_kg, fresh.flags, fresh.case_result) == (17580, (), "NOT_OVER")


def test_unusable_coefficients_give_no_weight_and_name_the_problem(station: Station) -> None:
    set_coefficients(station.database, {"zero_counts": 1200, "span": "0.25"})
    station.status(DeviceState.OK)
    station.counts(LOADED)
    station.settle()
    assert station.weights() == []
    [(state, detail)] = station.states()
    assert state is DeviceState.STALE
    assert detail.startswith("calibration coefficients of scale platform unusable: missing")


def test_devices_without_raw_counts_pass_unchanged(tmp_path: Path) -> None:
    converter = rawcounts.RawCounts(None, ["platform"], lambda: 0.0)  # type: ignore[arg-type]
    reading = WeightReading("other", 12345, True, 1.0)
    assert converter.handle(reading) == [reading]
    assert converter.converted_with("other", 1.0) is None


# ---- configuration -------------------------------------------------------------------------


def test_the_option_is_checked_by_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    config = parse_config(config_text(tmp_path), path)
    assert config.lanes[0].devices[0].options["raw_counts"] is True
    parse_config(config_text(tmp_path, "raw_counts = false"), path)

    with pytest.raises(ConfigError) as caught:
        parse_config(config_text(tmp_path, 'raw_counts = "yes"'), path)
    assert caught.value.key == "lanes[0].devices[0].options.raw_counts"
    assert "must be true or false" in caught.value.problem
    assert (
        caught.value.line
        == config_text(tmp_path, 'raw_counts = "yes"').split("\n").index('raw_counts = "yes"') + 1
    )

    text = config_text(tmp_path).replace('kind = "scale"', 'kind = "wim"')
    with pytest.raises(ConfigError, match=r"options\.raw_counts: only a weight transmitter"):
        parse_config(text, path)
    text = config_text(tmp_path).replace('"modbus-weight"', '"toledo"')
    with pytest.raises(ConfigError, match="not kind 'scale' with driver 'toledo'"):
        parse_config(text, path)


def test_the_driver_plan_needs_a_map_that_gives_counts_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"

    def platform_only(text: str):
        [lane] = parse_config(text, path).lanes
        return [dataclasses.replace(lane, devices=lane.devices[:1])]

    [planned] = plan_devices(platform_only(config_text(tmp_path)))
    assert planned.device_id == "platform"
    plan_devices(platform_only(config_text(tmp_path, "", "eagle-ei4000-kg")))  # kg: fine

    floats = platform_only(config_text(tmp_path, map_="eagle-ei4000-kg"))
    with pytest.raises(ValueError, match=r"devices\[0\]\.options\.raw_counts: the map .* float32"):
        plan_devices(floats)
