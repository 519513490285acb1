"""Axle scales on a Modbus weight transmitter, in kg or in raw counts.

The feed is driven sample by sample with the station's real converter (coefficients put
in as the runtime puts them); the transmitter is the simulator on a real pymodbus server,
read by the real drivers through open_devices; the plan's refusals name the key.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from drivers.axle_scale import Flag
from drivers.lanes import open_devices
from drivers.lanes.axles import CALIBRATION_CHANGED, AxleScaleFeed
from drivers.lanes.plan import MAX_POLLED_RATE_HZ, SUPPORTED, plan_devices
from drivers.lanes.specs import AxleSpec, ModbusSpec
from drivers.modbus import ModbusBus, ModbusWeightDriver, shipped_map
from drivers.sim.indicator import SimulatorConfigError
from drivers.sim.transmitter import AxleTransmitterSim, CountModel, clean_passage
from drivers.simulate import DeviceSpec, start_simulators, stop_all
from station.config import DeviceConfig, LaneConfig
from station.domain.coefficients import RawCountCoefficients
from station.domain.readings import DeviceState, WeightReading, WimAxle, WimVehicle
from station.lanes.ports import DeviceEvent
from station.lanes.rawcounts import InForce, RawCountConverter
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
RATE_HZ = 25
# Over Modbus each poll is a sample: the fastest poll rate makes a passage take the least time.
POLLED_HZ = 100
MAP = "flintec-ft112"  # int32 values, scale 1, kg: counts pass through unchanged
COUNTS = CountModel(1200, Decimal("0.25"))
A = InForce(RawCountCoefficients(1200, Decimal("0.25")), 10, 1)  # the cells' own: exact
# Span 20 % low, zero 100 counts high: the empty platform shows -20 kg, which the segmenter
# takes as its zero only when it starts afresh with B (the axles are then span x 0.8).
B = InForce(RawCountCoefficients(1300, Decimal("0.2")), 10, 2)
LOADS = (7000, 12000)
LOADS_UNDER_B = (5600, 9600)


def device(device_id: str, kind: str, driver: str, port: str, **options: object) -> DeviceConfig:
    return DeviceConfig(device_id, kind, driver, port, False, dict(options))


def lane(*devices: DeviceConfig) -> LaneConfig:
    return LaneConfig(1, 0, "AXLE", "1号车道", devices)


def converter(in_force: InForce | None = A) -> RawCountConverter:
    made = RawCountConverter("axle")
    made.put(in_force)
    return made


# --------------------------------------------------------------------------- the feed


class Fed:
    """An axle feed of raw counts, played sample by sample as a poller would."""

    def __init__(self, convert: RawCountConverter) -> None:
        self.converter = convert
        self.vehicles: list[WimVehicle] = []
        self.live: list[WeightReading] = []
        self.t = 0.0
        spec = AxleSpec(rate_hz=RATE_HZ, platform_length_m=0.8, vehicle_gap_s=2.5)
        self.feed = AxleScaleFeed(
            "axle",
            spec,
            clock=lambda: self.t,
            on_reading=self.live.append,
            on_vehicle=self.vehicles.append,
            converter=convert,
        )

    def play(self, kgs: list[int], at: dict[int, Callable[[], None]] | None = None) -> None:
        """Feed the counts of `kgs`; `at[i]` is done just before sample i."""
        for index, kg in enumerate(kgs):
            if at and index in at:
                at[index]()
            self.t += 1 / RATE_HZ
            self.feed.readings([WeightReading("axle", COUNTS.counts(kg), False, self.t)])

    def vehicle(self, loads: tuple[int, ...], lead: int = 30) -> WimVehicle:
        before = len(self.vehicles)
        self.play(clean_passage(loads, lead=lead, tail=3 * RATE_HZ))
        assert len(self.vehicles) == before + 1
        return self.vehicles[-1]


def test_a_passage_is_weighed_in_kg_and_names_its_coefficients() -> None:
    fed = Fed(converter(A))
    vehicle = fed.vehicle(LOADS)
    assert [axle.weight_kg for axle in vehicle.axles] == list(LOADS)
    assert vehicle.calibration_counter == 1 and vehicle.flags == ()
    assert max(vehicle.trace_kg) == max(LOADS) and min(vehicle.trace_kg) == 0  # kg, not counts
    assert fed.live and all(r.calibration_counter == 1 for r in fed.live)
    assert all(r.weight_kg <= max(LOADS) for r in fed.live)


def test_new_coefficients_between_vehicles_weigh_the_next_one_alone() -> None:
    fed = Fed(converter(A))
    first = fed.vehicle(LOADS)
    fed.converter.put(B)
    # Soon after: the zero of the 50 samples before still holds A's; started afresh, the
    # segmenter learns B's from the few samples before the truck.
    second = fed.vehicle(LOADS, lead=12)
    assert (first.calibration_counter, second.calibration_counter) == (1, 2)
    assert [axle.weight_kg for axle in second.axles] == list(LOADS_UNDER_B)
    assert second.flags == () and max(second.trace_kg) == max(LOADS_UNDER_B) - 20
    assert min(second.trace_kg) == -20  # B's zero, nothing of A's


def test_new_coefficients_inside_a_passage_flag_it_and_name_the_older() -> None:
    fed = Fed(converter(A))
    passage = clean_passage(LOADS, tail=3 * RATE_HZ)
    between_axles = 30 + 20 + 20  # lead, first axle, part of the gap
    fed.play(passage, at={between_axles: lambda: fed.converter.put(B)})
    [mixed] = fed.vehicles
    assert mixed.calibration_counter == 1 and CALIBRATION_CHANGED in mixed.flags
    assert len(mixed.axles) == 2 and mixed.axles[0].weight_kg == LOADS[0]  # then neither's
    after = fed.vehicle(LOADS)
    assert after.calibration_counter == 2 and after.flags == ()
    assert [axle.weight_kg for axle in after.axles] == list(LOADS_UNDER_B)


def test_without_coefficients_the_stream_breaks_and_no_weight_comes() -> None:
    fed = Fed(converter(A))
    passage = clean_passage(LOADS, tail=3 * RATE_HZ)
    fed.play(passage, at={80: lambda: fed.converter.put(None)})  # in the gap after axle 1
    [partial] = fed.vehicles
    assert Flag.PARTIAL_ON_PLATFORM in partial.flags
    assert [axle.weight_kg for axle in partial.axles] == [LOADS[0]]
    live = len(fed.live)
    fed.play(clean_passage(LOADS, tail=3 * RATE_HZ))
    assert len(fed.vehicles) == 1 and len(fed.live) == live  # dropped, nothing invented
    fed.converter.put(B)
    assert [axle.weight_kg for axle in fed.vehicle(LOADS).axles] == list(LOADS_UNDER_B)


def test_a_feed_without_converter_takes_kg_as_they_come() -> None:
    vehicles: list[WimVehicle] = []
    spec = AxleSpec(rate_hz=RATE_HZ, platform_length_m=0.8, vehicle_gap_s=2.5)
    feed = AxleScaleFeed("axle", spec, clock=time.monotonic, on_reading=lambda r: None,
                         on_vehicle=vehicles.append)  # fmt: skip
    for index, kg in enumerate(clean_passage(LOADS, tail=3 * RATE_HZ)):
        feed.readings([WeightReading("axle", kg, False, float(index))])
    [vehicle] = vehicles
    assert [a.weight_kg for a in vehicle.axles] == list(LOADS)
    assert vehicle.calibration_counter is None


# --------------------------------------------------------------------------- the plan


def axle_transmitter(**options: object) -> DeviceConfig:
    merged = {"map": MAP, "raw_counts": True, "rate_hz": RATE_HZ, **options}
    return device("axle", "axle_scale", "modbus-weight", "tcp://127.0.0.1:5020", **merged)


def test_the_plan_polls_an_axle_transmitter_once_per_sample() -> None:
    assert "modbus-weight" in SUPPORTED["axle_scale"]
    [planned] = plan_devices([lane(axle_transmitter(platform_length_m=0.7, vehicle_gap_s=5))])
    spec = planned.spec
    assert isinstance(spec, ModbusSpec) and spec.raw_counts
    assert spec.poll_s == 1 / RATE_HZ
    assert spec.axles == AxleSpec(rate_hz=RATE_HZ, platform_length_m=0.7, vehicle_gap_s=5.0)
    [kg] = plan_devices([lane(axle_transmitter(raw_counts=False))])
    assert isinstance(kg.spec, ModbusSpec) and not kg.spec.raw_counts and kg.spec.axles


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"poll_s": 0.04}, r"devices\[0\]\.options\.poll_s: an axle scale's transmitter is "
         r"polled once per sample, every 1/rate_hz s; set rate_hz"),
        ({"rate_hz": MAX_POLLED_RATE_HZ + 1}, rf"options\.rate_hz: {MAX_POLLED_RATE_HZ + 1}: "
         rf"an axle scale's transmitter is polled once per sample; allowed: 1 to "
         rf"{MAX_POLLED_RATE_HZ}"),
        ({"map": "eagle-ei4000-kg"}, r"options\.raw_counts: the map .* float32 .* must give "
         r"counts as they are"),
        ({"layout": "x"}, r"options\.layout: unknown option; allowed: map, unit, baud, .*"
         r"rate_hz, raw_counts, platform_length_m, vehicle_gap_s, separator$"),
        ({"separator": "curtain"}, r"options\.separator: lane 1 has no I/O module with a "
         r"'curtain' input"),
        ({"vehicle_gap_s": 0}, r"options\.vehicle_gap_s: must be a number above 0, not 0"),
    ],
)  # fmt: skip
def test_the_plan_refuses_a_bad_axle_transmitter(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_devices([lane(axle_transmitter(**options))])


def test_an_axle_transmitter_needs_its_modbus_port_to_itself() -> None:
    io = device("io", "io", "modbus-io", "tcp://127.0.0.1:5020", map="adam-6050")
    with pytest.raises(ValueError, match=r"devices\[0\]\.port: an axle scale's transmitter is "
                       r"polled once per sample, so it needs its Modbus port to itself; "
                       r"lanes\[0\]\.devices\[1\] is on"):  # fmt: skip
        plan_devices([lane(axle_transmitter(), io)])
    elsewhere = device("io", "io", "modbus-io", "tcp://127.0.0.1:5021", map="adam-6050")
    assert len(plan_devices([lane(axle_transmitter(), elsewhere)])) == 2


def test_a_raw_count_axle_scale_is_not_opened_without_the_stations_converter() -> None:
    with pytest.raises(ValueError, match=r"devices\[0\]\.options\.raw_counts: no converter"):
        open_devices([lane(axle_transmitter())], lambda lane, event: None, time.monotonic)


# --------------------------------------------------------------------------- over Modbus


class Sink:
    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []
        self.changed = threading.Condition()

    def __call__(self, lane_number: int, event: DeviceEvent) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def vehicles(self) -> list[WimVehicle]:
        with self.changed:
            return [e for e in self.events if isinstance(e, WimVehicle)]

    def wait_vehicles(self, count: int, timeout: float = 20.0) -> list[WimVehicle]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.vehicles()) >= count, timeout)
        found = self.vehicles()
        assert len(found) >= count, f"{len(found)} of {count} vehicles in {timeout} s"
        return found


@pytest.fixture
def transmitter() -> Iterator[AxleTransmitterSim]:
    sim = AxleTransmitterSim(shipped_map(MAP), counts=COUNTS).start_tcp()
    yield sim
    sim.stop()


@pytest.mark.parametrize("raw", [True, False])
def test_a_truck_on_the_transmitter_becomes_one_vehicle(
    transmitter: AxleTransmitterSim, raw: bool
) -> None:
    if not raw:
        transmitter.count_model = None  # a transmitter set up to send kg
    axles = device("axle", "axle_scale", "modbus-weight", transmitter.url, map=MAP,
                   raw_counts=raw, rate_hz=POLLED_HZ, vehicle_gap_s=0.6)  # fmt: skip
    sink = Sink()
    devices = open_devices([lane(axles)], sink, time.monotonic, {"axle": converter(B)})
    try:
        done = transmitter.play(clean_passage(LOADS))
        assert done.wait(20)
        [vehicle] = sink.wait_vehicles(1)
    finally:
        devices.close()
    expected = LOADS_UNDER_B if raw else LOADS  # a kg transmitter's converter is never used
    assert vehicle.axles == (WimAxle(expected[0], 3250), WimAxle(expected[1], 0))
    assert vehicle.calibration_counter == (2 if raw else None) and vehicle.flags == ()
    assert vehicle.speed_kmh_x10 == 180 and vehicle.trace_hz == POLLED_HZ  # 4.5 km/h at 25 Hz
    states = [e.state for e in sink.events if not isinstance(e, WeightReading | WimVehicle)]
    assert states[:2] == [DeviceState.CONNECTING, DeviceState.OK]


def test_a_lost_transmitter_ends_the_passage_as_partial(transmitter: AxleTransmitterSim) -> None:
    axles = device("axle", "axle_scale", "modbus-weight", transmitter.url, map=MAP,
                   raw_counts=True, rate_hz=POLLED_HZ, vehicle_gap_s=600.0)  # fmt: skip
    sink = Sink()
    devices = open_devices([lane(axles)], sink, time.monotonic, {"axle": converter(A)})
    try:
        transmitter.play(clean_passage(LOADS, tail=0) + [LOADS[1]] * 1000)
        deadline = time.monotonic() + 20
        while transmitter.samples_served < 150:  # both axles weighed, the second held on
            assert time.monotonic() < deadline
            time.sleep(0.02)
        transmitter.stop()
        [vehicle] = sink.wait_vehicles(1)
    finally:
        devices.close()
    assert Flag.PARTIAL_ON_PLATFORM in vehicle.flags and vehicle.calibration_counter == 1
    assert vehicle.axles[0].weight_kg == LOADS[0]


# --------------------------------------------------------------------------- main.py simulate


def test_the_simulator_sends_crossing_trucks_in_counts() -> None:
    port = f"tcp://127.0.0.1:{free_port()}"
    options = {"map": MAP, "raw_counts": True, "sim_zero_counts": 1200, "sim_kg_per_count": "0.25"}
    running = start_simulators([DeviceSpec("axle", "axle_scale", "modbus-weight", port, options)])
    bus = ModbusBus(port)
    try:
        assert "zero_counts = 1200, span_kg_per_count = 0.25" in running[0].description
        driver = ModbusWeightDriver(bus, shipped_map(MAP), "axle")
        counts = [driver.poll().weight_kg for _ in range(400)]  # the first truck is on by then
    finally:
        bus.close()
        stop_all(running)
    assert counts[0] == 1200  # the empty platform
    assert min(counts) >= 1200 - 40 and max(counts) > 1200 + 4 * 1000  # a truck, in counts


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("sim_kg_per_count", 0.25, r"axle: options\.sim_kg_per_count must be a decimal string "
         r"above 0 \(e\.g\. \"0\.5\"\), not 0\.25"),
        ("sim_kg_per_count", "-1", r"options\.sim_kg_per_count must be a decimal string above 0"),
        ("sim_zero_counts", "1200", r"axle: options\.sim_zero_counts must be an integer, not "
         r"'1200'"),
    ],
)  # fmt: skip
def test_the_simulator_refuses_bad_count_options(option: str, value: object, message: str) -> None:
    options = {"map": MAP, "raw_counts": True, option: value}
    spec = DeviceSpec("axle", "axle_scale", "modbus-weight", f"tcp://127.0.0.1:{free_port()}",
                      options)  # fmt: skip
    with pytest.raises(SimulatorConfigError, match=message):
        start_simulators([spec])


def test_main_simulate_exits_2_naming_a_bad_count_option(tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text(
        f"""
[station]
site_code = "410102210001"
name = "测试站"
[storage]
data_dir = "{tmp_path.as_posix()}"

[[lanes]]
number = 1
mode = "AXLE"
[[lanes.devices]]
id = "axle"
kind = "axle_scale"
driver = "modbus-weight"
port = "tcp://127.0.0.1:{free_port()}"
simulate = true
[lanes.devices.options]
map = "{MAP}"
raw_counts = true
sim_kg_per_count = "zero"
""",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "main.py", "simulate", "--config", str(config), "--duration", "0.1"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "simulate: axle: options.sim_kg_per_count must be a decimal string above 0 "
        "(e.g. \"0.5\"), not 'zero'"
    ]
