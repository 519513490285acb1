"""A raw-count axle scale through the whole station: simulator, drivers, runtime, records.

The transmitter is the simulator on a real pymodbus server sending the counts of its load
cells (drivers.sim.transmitter), one sample per poll; the station's real drivers poll it,
turn the counts into kg with the converter the runtime hands them (the coefficients a
technician stored in the calibration log of a real SQLite database), segment the samples
into axles and deliver the vehicle to the lane, which records it with the counter of the
coefficients that converted it. The clean passages (no bounce) let every axle be checked
to the kilogram.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from drivers.cameras.listener import HIKVISION
from drivers.lanes import open_devices
from drivers.lanes.axles import CALIBRATION_CHANGED
from drivers.modbus import shipped_map
from drivers.sim.camera import CameraSimulator, PlateEvent
from drivers.sim.transmitter import AxleTransmitterSim, CountModel, clean_passage
from station.config import ConfigError, parse_config
from station.domain.readings import DeviceState, WeightReading, WimAxle, WimVehicle
from station.lanes import rawcounts
from station.lanes.notices import DeviceChanged, Notice, WeighingCompleted
from station.lanes.runtime import StationRuntime
from station.readmodel import WeighingDetail
from station.security import Role
from station.storage.calibration import change_coefficients, close_seal, open_seal
from station.storage.database import Database, open_database
from station.storage.models import DeviceEvent, EnforcementCase
from station.storage.scales import Certificate, record_certificate, register_scale
from station.storage.views import weighing_detail
from station.tables import default_limit_book
from station.timeutil import beijing_now
from tests.support.ports import free_port

RATE_HZ = 100  # the fastest an axle transmitter is polled: a passage takes the least time
CONFIG = """
[station]
site_code = "410102210001"
name = "测试站"
[storage]
data_dir = "{data}"
[workflow]
plate_wait_ms = 3000

[[lanes]]
number = 1
mode = "AXLE"
[[lanes.devices]]
id = "axle"
kind = "axle_scale"
driver = "modbus-weight"
port = "{modbus}"
[lanes.devices.options]
map = "flintec-ft112"
raw_counts = true
rate_hz = {rate}
vehicle_gap_s = {gap}
[[lanes.devices]]
id = "cam1"
kind = "camera"
driver = "hikvision"
port = "{camera}"
"""
CELLS = CountModel(1200, Decimal("0.25"))  # how the simulated load cells count
A = CELLS.coefficients()  # the technician's coefficients match the cells: exact kg
B = {"zero_counts": 1300, "span_kg_per_count": "0.2"}  # span 20 % low, empty at -20 kg
LOADS = (7000, 12000)  # a 2-axle truck, 19 000 kg: 1 000 kg over its 18 000 kg limit
LOADS_UNDER_B = (5600, 9600)  # 15 200 kg: within the limit
NO_COEFFICIENTS = "no calibration coefficients for scale axle"


def set_coefficients(database: Database, values: dict, *, close: bool = True) -> int:
    """As the technician does it: seal open, the change recorded, seal closed."""
    open_seal(database, "axle", "tech1", "span adjustment")
    counter = change_coefficients(
        database, "axle", values, actor="tech1", actor_role=Role.TECHNICIAN, reason="span"
    )
    if close:
        close_seal(database, "axle", "tech1")
    return counter


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> float:
    """Seconds it took until `condition()`; fails naming `what` after `timeout`."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.02)
    return time.monotonic() - start


@dataclass
class Station:
    runtime: StationRuntime
    database: Database
    transmitter: AxleTransmitterSim
    camera: CameraSimulator
    root: Path
    notices: list[Notice] = field(default_factory=list)
    tapped: list[object] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, notice: Notice) -> None:
        with self.lock:
            self.notices.append(notice)

    def tap(self, lane: int, event: object) -> None:
        with self.lock:
            self.tapped.append(event)

    def seen(self, kind: type) -> list:
        with self.lock:
            return [e for e in [*self.notices, *self.tapped] if isinstance(e, kind)]

    def post_plate(self, plate: str) -> None:
        """The camera reads the plate as the truck reaches the scale (retried while the
        station's listener is starting)."""
        deadline = time.monotonic() + 5
        while not self.camera.post_plate(PlateEvent(plate=plate, colour="yellow")).accepted:
            assert time.monotonic() < deadline, "the station's camera listener never answered"
            time.sleep(0.1)

    def weigh(
        self, plate: str, loads: tuple[int, ...] = LOADS, **passage: int
    ) -> WeighingCompleted:
        """A truck across the axle scale; its weighing once recorded."""
        self.post_plate(plate)
        self.transmitter.play(clean_passage(loads, **passage))

        def done() -> list[WeighingCompleted]:
            return [n for n in self.seen(WeighingCompleted) if n.plate == plate]

        wait_for(done, 30, f"the weighing of {plate}")
        return done()[0]

    def states(self) -> list[tuple[DeviceState, str]]:
        return [
            (n.status.state, n.status.detail)
            for n in self.seen(DeviceChanged)
            if n.status.device_id == "axle"
        ]

    def detail(self, check_no: str) -> WeighingDetail:
        found = weighing_detail(
            self.database, check_no, self.root / "pictures", site_name="站", deadline_hours=24
        )
        assert found is not None
        return found

    def cases(self) -> int:
        with self.database.read() as session:
            return len(session.execute(select(EnforcementCase)).all())


@pytest.fixture
def open_station(tmp_path: Path) -> Iterator[Callable[..., Station]]:
    """Starts the station, its transmitter and its camera; stops them after the test."""
    started: list[Station] = []

    def start(coefficients: dict | None = A, *, gap_s: float = 0.6) -> Station:
        transmitter = AxleTransmitterSim(shipped_map("flintec-ft112"), counts=CELLS).start_tcp()
        camera_url = f"http://127.0.0.1:{free_port()}/anpr"
        text = CONFIG.format(data=tmp_path.as_posix(), modbus=transmitter.url, rate=RATE_HZ,
                             gap=gap_s, camera=camera_url)  # fmt: skip
        config = parse_config(text, tmp_path / "station.toml")
        database, _ = open_database(f"sqlite:///{tmp_path / 'station.sqlite3'}")
        register_scale(database, "t", "axle", max_kg=60000, division_kg=10)
        until = beijing_now().date() + timedelta(days=200)
        record_certificate(database, "t", "axle", Certificate("JD-1", "所", until))
        if coefficients is not None:
            assert set_coefficients(database, coefficients) == 1
        runtime = StationRuntime(config, database=database, limits=default_limit_book(),
                                 open_devices=open_devices, clock=time.monotonic)  # fmt: skip
        camera = CameraSimulator(camera_url, HIKVISION, attempts=1, timeout_s=2.0)
        station = Station(runtime, database, transmitter, camera, tmp_path)
        runtime.subscribe(station.note)
        runtime.tap(station.tap)
        started.append(station)
        runtime.start()
        return station

    yield start
    for station in started:
        station.runtime.stop()
        station.transmitter.stop()
        station.database.dispose()


# ---- coefficients in force ---------------------------------------------------------------


def test_a_truck_is_weighed_per_axle_in_kg_with_the_coefficients_in_force(
    open_station: Callable[..., Station],
) -> None:
    station = open_station(A)

    done = station.weigh("豫A20001")

    assert (done.sum_kg, done.is_over, done.over_kg) == (19000, True, 1000)
    assert done.case_status == "OPEN" and done.notice_no and done.step == "over"
    assert not set(done.flags) & {CALIBRATION_CHANGED, "SEAL_OPEN", "NO_CERTIFICATE"}
    detail = station.detail(done.check_no)
    assert [axle.weight_kg for axle in detail.axles] == list(LOADS)
    assert (detail.calibration_counter, detail.scale_id, detail.weigh_mode) == (1, "axle", "AXLE")
    assert max(detail.trace) == max(LOADS) and detail.trace_rate_hz == RATE_HZ  # kg, not counts
    [vehicle] = station.seen(WimVehicle)
    assert vehicle.calibration_counter == 1
    live = [r for r in station.seen(WeightReading) if r.device_id == "axle"]
    assert live and all(r.calibration_counter == 1 and r.weight_kg <= 12000 for r in live)
    assert station.states()[-1] == (DeviceState.OK, "")


def test_a_change_by_the_technician_weighs_the_next_truck_within_a_check(
    open_station: Callable[..., Station],
) -> None:
    station = open_station(A)
    first = station.weigh("豫A20002")
    assert first.sum_kg == 19000

    assert set_coefficients(station.database, B) == 2  # seal open, change, seal closed

    def converted_with_b() -> bool:
        readings = [r for r in station.seen(WeightReading) if r.device_id == "axle"]
        return bool(readings) and readings[-1].calibration_counter == 2

    took = wait_for(converted_with_b, rawcounts.CHECK_S + 2, "the coefficients of counter 2")
    assert took <= rawcounts.CHECK_S + 1.0  # the next check, the next polls, some slack
    second = station.weigh("豫A20003")

    assert (second.sum_kg, second.is_over, second.case_result) == (15200, False, "NOT_OVER")
    assert CALIBRATION_CHANGED not in second.flags and second.step == "pass"
    detail = station.detail(second.check_no)
    assert [axle.weight_kg for axle in detail.axles] == list(LOADS_UNDER_B)
    assert detail.calibration_counter == 2
    assert station.detail(first.check_no).calibration_counter == 1  # never changes afterwards


def test_a_truck_converted_with_superseded_coefficients_is_held(
    open_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rawcounts, "CHECK_S", 60.0)  # the change is not seen for a minute
    station = open_station(A)
    station.weigh("豫A20004")  # the runtime has loaded A (counter 1)

    set_coefficients(station.database, B)  # counter 2, seal closed again
    stale = station.weigh("豫A20005")

    assert stale.sum_kg == 19000  # converted with A, no longer in force
    assert stale.step == "hold" and CALIBRATION_CHANGED in stale.flags
    assert stale.case_id is None and station.cases() == 1  # only the first truck's case
    assert station.detail(stale.check_no).calibration_counter == 1  # what made the weight
    vehicle = station.seen(WimVehicle)[-1]
    assert vehicle.calibration_counter == 1 and CALIBRATION_CHANGED not in vehicle.flags


def test_a_change_inside_a_passage_is_flagged_by_the_drivers(
    open_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rawcounts, "CHECK_S", 0.0)  # the counter is read on every tick
    station = open_station(A, gap_s=3.0)
    plate = "豫A20006"
    station.post_plate(plate)
    gap = 250  # 2.5 s between the axles: the change lands between them
    station.transmitter.play(clean_passage(LOADS, gap=gap))
    wait_for(lambda: station.transmitter.samples_served > 30 + 20 + 10, 10, "the first axle")
    set_coefficients(station.database, B)
    changed_at = station.transmitter.samples_served
    wait_for(lambda: [n for n in station.seen(WeighingCompleted) if n.plate == plate], 30, plate)

    [done] = [n for n in station.seen(WeighingCompleted) if n.plate == plate]
    [vehicle] = station.seen(WimVehicle)
    assert changed_at < 30 + 20 + gap - 50  # stored half a second before the second axle
    assert CALIBRATION_CHANGED in vehicle.flags and vehicle.calibration_counter == 1
    assert len(vehicle.axles) == 2 and vehicle.axles[0].weight_kg == LOADS[0]  # then neither's
    assert done.step == "hold" and CALIBRATION_CHANGED in done.flags and done.case_id is None
    assert station.detail(done.check_no).calibration_counter == 1


# ---- no coefficients -----------------------------------------------------------------------


def test_without_coefficients_no_vehicle_and_the_device_says_why(
    open_station: Callable[..., Station],
) -> None:
    station = open_station(None)
    wait_for(lambda: (DeviceState.STALE, NO_COEFFICIENTS) in station.states(), 10, "the fault")

    station.post_plate("豫A20007")
    station.transmitter.play(clean_passage(LOADS))
    wait_for(lambda: not station.transmitter.playing, 10, "the passage")
    time.sleep(1.0)  # longer than the gap that would end the passage

    assert station.seen(WimVehicle) == [] and station.seen(WeighingCompleted) == []
    assert [r for r in station.seen(WeightReading) if r.device_id == "axle"] == []
    assert station.runtime.lane_states() == {1: "waiting"}
    assert station.states()[-1] == (DeviceState.STALE, NO_COEFFICIENTS)
    with station.database.read() as session:
        rows = session.scalars(select(DeviceEvent).where(DeviceEvent.device_id == "axle")).all()
    assert (rows[-1].state, rows[-1].detail) == ("STALE", NO_COEFFICIENTS)

    # The technician stores coefficients: the next check (no reading needed) brings weights.
    set_coefficients(station.database, A)
    took = wait_for(lambda: station.states()[-1] == (DeviceState.OK, ""), 10, "the device OK")
    assert took <= rawcounts.CHECK_S + 1.0
    done = station.weigh("豫A20008")
    assert done.sum_kg == 19000 and station.detail(done.check_no).calibration_counter == 1


# ---- the runtime's side --------------------------------------------------------------------


def test_the_runtime_takes_an_axle_scales_kg_as_converted_and_nothing_unconverted(
    tmp_path: Path,
) -> None:
    database, _ = open_database(f"sqlite:///{tmp_path / 'station.sqlite3'}")
    register_scale(database, "t", "axle", max_kg=60000, division_kg=10)
    set_coefficients(database, A)
    raw = rawcounts.RawCounts(database, ["axle"], lambda: 1.0, in_drivers=["axle"])
    axles = (WimAxle(7000, 3250), WimAxle(12000))
    try:
        # Counts no converter touched are never passed on as a weight.
        assert raw.handle(WimVehicle("axle", 1, axles, 45, 1.0)) == []
        assert raw.handle(WeightReading("axle", CELLS.counts(7000), False, 1.0)) == []
        # What the drivers converted passes as it is, never converted a second time.
        vehicle = WimVehicle("axle", 2, axles, 45, 2.0, calibration_counter=1)
        reading = WeightReading("axle", 7000, False, 2.5, calibration_counter=1)
        assert raw.handle(vehicle) == [vehicle] and raw.handle(reading) == [reading]
        assert raw.converted_with("axle", 2.0) == 1  # the vehicle's counter, for the record
        # The converter handed to the drivers holds the coefficients loaded from the log.
        counts = WeightReading("axle", CELLS.counts(12000), False, 3.0)
        converted = raw.converters["axle"].convert(counts)
        assert converted is not None
        assert (converted.weight_kg, converted.calibration_counter) == (12000, 1)
    finally:
        database.dispose()


def test_the_configuration_allows_raw_counts_on_a_transmitter_only(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    text = CONFIG.format(data=tmp_path.as_posix(), modbus="tcp://127.0.0.1:5020", rate=25,
                         gap=20, camera="http://127.0.0.1:8080/anpr")  # fmt: skip
    assert parse_config(text, path).lanes[0].devices[0].options["raw_counts"] is True

    indicator = text.replace('driver = "modbus-weight"', 'driver = "toledo"')
    with pytest.raises(ConfigError) as caught:
        parse_config(indicator, path)
    assert caught.value.key == "lanes[0].devices[0].options.raw_counts"
    assert caught.value.problem == (
        'only a weight transmitter sends raw counts: kind = "scale" or "axle_scale" with '
        "driver 'modbus-weight', not kind 'axle_scale' with driver 'toledo'"
    )
    assert caught.value.line == indicator.split("\n").index("raw_counts = true") + 1
