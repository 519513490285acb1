"""open_devices over loopback: real drivers against the simulators of every device kind."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pytest

from drivers.axle_scale import Flag
from drivers.base import IndicatorValue
from drivers.cameras.listener import DAHUA, HIKVISION
from drivers.lanes import LaneDevices, open_devices
from drivers.lanes.axles import AxleScaleFeed
from drivers.lanes.specs import AxleSpec
from drivers.modbus import shipped_map
from drivers.modbus.sim import IoModuleSim, WeightTransmitterSim, WimControllerSim
from drivers.protocols import encoder
from drivers.sim.camera import CameraSimulator, PlateEvent
from drivers.sim.crossing import PROFILES, Crossing, Scale, random_truck, simulate
from drivers.sim.sign import SignSimulator
from drivers.sim.stream import StreamSimulator
from station.config import DeviceConfig, LaneConfig
from station.domain.readings import (
    DeviceState,
    DeviceStatus,
    InputChange,
    PlateRead,
    WeightReading,
    WimAxle,
    WimVehicle,
)
from station.lanes.ports import DeviceEvent, NoOutputs
from tests.support.ports import free_port

RATE_HZ = 25
FAST = 20  # the second axle scale streams the same crossing 20 times faster
WIM_MAP = "station-wim-v1"
CLOCK_OFFSET = 1e9  # events stamped by the station's clock, not time.monotonic(), stand out


def clock() -> float:
    return time.monotonic() + CLOCK_OFFSET


def device(device_id: str, kind: str, driver: str, port: str, **options: object) -> DeviceConfig:
    return DeviceConfig(device_id, kind, driver, port, False, dict(options))


def lane(number: int, *devices: DeviceConfig, mode: str = "AXLE") -> LaneConfig:
    return LaneConfig(number, 0, mode, f"{number}号车道", devices)


def wait_until(condition: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


class Recorder:
    """The lane sink: records (lane, event) from driver threads; tests wait on it."""

    def __init__(self) -> None:
        self.events: list[tuple[int, DeviceEvent]] = []
        self._changed = threading.Condition()

    def __call__(self, lane_number: int, event: DeviceEvent) -> None:
        with self._changed:
            self.events.append((lane_number, event))
            self._changed.notify_all()

    def of(self, device_id: str, kind: type) -> list[tuple[int, DeviceEvent]]:
        with self._changed:
            return [
                (n, e)
                for n, e in self.events
                if isinstance(e, kind) and getattr(e, "device_id", "") == device_id
            ]

    def wait(
        self, device_id: str, kind: type, match: Callable[[object], bool] = bool, timeout=10.0
    ) -> tuple[int, DeviceEvent]:
        def found() -> tuple[int, DeviceEvent] | None:
            hits = [(n, e) for n, e in self.of(device_id, kind) if match(e)]
            return hits[0] if hits else None

        with self._changed:
            self._changed.wait_for(found, timeout)
        hit = found()
        assert hit is not None, f"no matching {kind.__name__} from {device_id} in {timeout} s"
        return hit


def crossing() -> Crossing:
    """A 3-axle truck at 6 km/h sampled at the indicator's 25 Hz (about 5.4 s)."""
    truck = random_truck(np.random.default_rng(1), PROFILES[1])
    return simulate(1, truck=truck, speed_kmh=6.0, scale=Scale(sample_rate_hz=RATE_HZ))


def crossing_frames(run: Crossing) -> list[bytes]:
    encode = encoder("yaohua-tf0")
    kgs = [0] * RATE_HZ + [kg for _, kg in run.samples] + [0] * (RATE_HZ * 30)
    return [encode(IndicatorValue(kg, stable=False)) for kg in kgs]


def platform_frames(gross_kg: int) -> list[bytes]:
    encode = encoder("toledo")
    values = [IndicatorValue(0, True, centre_of_zero=True)] * 5
    values += [IndicatorValue(gross_kg, True)] * 20
    return [encode(value) for value in values]


# --------------------------------------------------------------------------- a live station


@dataclass
class Station:
    devices: LaneDevices
    sink: Recorder
    run: Crossing
    io: IoModuleSim
    weight: WeightTransmitterSim
    wim: WimControllerSim
    sign: SignSimulator
    camera_port: int


@pytest.fixture(scope="module")
def station() -> Iterator[Station]:
    run = crossing()
    frames = crossing_frames(run)
    slow = StreamSimulator.on_tcp(frames, rate_hz=RATE_HZ, repeat=False)
    fast = StreamSimulator.on_tcp(frames, rate_hz=RATE_HZ * FAST, repeat=False)
    platform = StreamSimulator.on_tcp(platform_frames(30_000), rate_hz=RATE_HZ)
    io = IoModuleSim(shipped_map("adam-6050")).start_tcp()
    weight = WeightTransmitterSim(shipped_map("flintec-ft112")).start_tcp()
    wim = WimControllerSim(shipped_map("station-wim-v1")).start_tcp()
    sign = SignSimulator()
    sign.start()
    camera_port = free_port()
    listen = f"http://127.0.0.1:{camera_port}"
    # The default gap of 20 s would only slow the test down; the rate is the indicator's,
    # whatever speed the simulator streams at.
    axle_options = {"vehicle_gap_s": 3.0, "rate_hz": RATE_HZ}
    lanes = [
        lane(
            1,
            device("lane1-axles", "axle_scale", "yaohua-tf0", slow.url, **axle_options),
            device("lane1-camera", "camera", HIKVISION, f"{listen}/anpr/lane1"),
            device("lane1-io", "io", "modbus-io", io.url, map="adam-6050", curtain_input=1),
            device("lane1-sign", "sign", "onbon", f"tcp://127.0.0.1:{sign.port}"),
        ),
        lane(
            2,
            device("lane2-axles", "axle_scale", "yaohua-tf0", fast.url, **axle_options),
            device("lane2-camera", "camera", DAHUA, f"{listen}/lane2"),
        ),
        lane(
            3,
            device("lane3-platform", "scale", "toledo", platform.url),
            device("lane3-transmitter", "scale", "modbus-weight", weight.url, map="flintec-ft112"),
            mode="STATIC",
        ),
        lane(4, device("lane4-wim", "wim", "modbus-wim", wim.url, map="station-wim-v1")),
    ]
    simulators = (slow, fast, platform)
    for sim in simulators:
        # Frames sent before the worker connects are lost: accept it first, then stream.
        sim.pause()
        sim.start()
    sink = Recorder()
    devices = open_devices(lanes, sink, clock)
    try:
        wait_until(lambda: all(sim.client_count == 1 for sim in simulators))
        for sim in simulators:
            sim.resume()
        yield Station(devices, sink, run, io, weight, wim, sign, camera_port)
    finally:
        devices.close()
        for sim in simulators:
            sim.stop()
        for server in (io, weight, wim):
            server.stop()
        sign.stop()


def test_an_axle_scale_crossing_becomes_one_vehicle_with_its_trace(station: Station) -> None:
    lane_number, vehicle = station.sink.wait("lane1-axles", WimVehicle, timeout=20.0)
    assert isinstance(vehicle, WimVehicle)
    truth = station.run.truck.loads_kg
    assert lane_number == 1 and vehicle.vehicle_counter == 1
    assert len(vehicle.axles) == len(truth) and Flag.PARTIAL_ON_PLATFORM not in vehicle.flags
    for axle, load in zip(vehicle.axles, truth, strict=True):
        assert abs(axle.weight_kg - load) <= 0.03 * load
    assert abs(vehicle.sum_weight_kg - sum(truth)) <= 0.02 * sum(truth)
    assert abs(vehicle.speed_kmh_x10 - 60) <= 3
    assert vehicle.trace_hz == RATE_HZ and vehicle.t_mono > CLOCK_OFFSET
    samples = [kg for _, kg in station.run.samples]
    # The trace is the passage: shorter than the crossing's zero run-in and run-out allow,
    # and it holds the heaviest sample the indicator sent.
    assert len(samples) // 2 < len(vehicle.trace_kg) <= len(samples) + 2 * RATE_HZ
    assert max(vehicle.trace_kg) == max(samples)
    assert vehicle.trace_kg[0] < 200 and vehicle.trace_kg[-1] < 200
    assert len(station.sink.of("lane1-axles", WimVehicle)) == 1


def test_the_same_crossing_20_times_faster_gives_the_same_axles(station: Station) -> None:
    _, slow = station.sink.wait("lane1-axles", WimVehicle, timeout=20.0)
    lane_number, fast = station.sink.wait("lane2-axles", WimVehicle, timeout=5.0)
    assert isinstance(slow, WimVehicle) and isinstance(fast, WimVehicle)
    assert lane_number == 2
    # The sample clock makes arrival speed irrelevant: the very same result, speeds included.
    assert fast.axles == slow.axles
    assert fast.speed_kmh_x10 == slow.speed_kmh_x10 and fast.flags == slow.flags
    assert fast.trace_kg == slow.trace_kg and fast.trace_hz == RATE_HZ


def test_an_axle_scale_delivers_live_readings_about_ten_a_second(station: Station) -> None:
    station.sink.wait("lane2-axles", WimVehicle, timeout=20.0)
    readings = [e for _, e in station.sink.of("lane2-axles", WeightReading)]
    assert readings and all(r.t_mono > CLOCK_OFFSET for r in readings)
    span = readings[-1].t_mono - readings[0].t_mono
    # 500 frames a second arrive; the display gets the latest of them, ~10 a second.
    assert len(readings) <= 11 * span + 2


def test_a_static_platform_delivers_every_reading(station: Station) -> None:
    lane_number, reading = station.sink.wait(
        "lane3-platform", WeightReading, lambda r: r.weight_kg == 30_000 and r.stable
    )
    assert lane_number == 3 and reading.t_mono > CLOCK_OFFSET
    time.sleep(1.0)
    assert len(station.sink.of("lane3-platform", WeightReading)) >= RATE_HZ // 2


def test_a_modbus_transmitter_is_polled(station: Station) -> None:
    station.weight.set(gross_kg=41_230, stable=True)
    lane_number, reading = station.sink.wait(
        "lane3-transmitter", WeightReading, lambda r: r.weight_kg == 41_230 and r.stable
    )
    assert lane_number == 3 and reading.t_mono > CLOCK_OFFSET


def test_a_wim_controller_vehicle_is_delivered(station: Station) -> None:
    station.wim.queue_vehicle([7_000, 11_000, 11_500], [3_500, 1_350, 0], speed_kmh_x10=85)
    lane_number, vehicle = station.sink.wait("lane4-wim", WimVehicle)
    assert isinstance(vehicle, WimVehicle) and lane_number == 4
    assert vehicle.axles == (WimAxle(7_000, 3_500), WimAxle(11_000, 1_350), WimAxle(11_500))
    assert vehicle.speed_kmh_x10 == 85 and vehicle.t_mono > CLOCK_OFFSET
    wait_until(lambda: station.wim.pending == 0)  # acknowledged


@pytest.mark.parametrize(
    ("vendor", "path", "device_id", "lane_number", "plate"),
    [
        (HIKVISION, "/anpr/lane1", "lane1-camera", 1, "豫A12345"),
        (DAHUA, "/lane2", "lane2-camera", 2, "冀B6M789"),
    ],
)
def test_a_plate_reaches_the_lane_of_its_camera(
    station: Station, vendor: str, path: str, device_id: str, lane_number: int, plate: str
) -> None:
    camera = CameraSimulator(f"http://127.0.0.1:{station.camera_port}{path}", vendor)
    # The camera says lane 7 (its own numbering); the station's lane is the configured one.
    assert camera.post_plate(PlateEvent(plate=plate, colour="yellow", lane=7)).accepted
    got_lane, read = station.sink.wait(device_id, PlateRead, lambda p: p.plate == plate)
    assert isinstance(read, PlateRead)
    assert got_lane == lane_number and read.lane == lane_number and read.t_mono > CLOCK_OFFSET


def test_loop_and_curtain_inputs_are_reported_by_name(station: Station) -> None:
    sink = station.sink
    _, first = sink.wait("lane1-io", InputChange, lambda c: c.name == "loop")
    assert isinstance(first, InputChange) and first.state is False  # the state at start-up
    station.io.set_input(0, True)
    _, loop = sink.wait("lane1-io", InputChange, lambda c: c.name == "loop" and c.state)
    station.io.set_input(1, True)
    _, curtain = sink.wait("lane1-io", InputChange, lambda c: c.name == "curtain" and c.state)
    assert isinstance(loop, InputChange) and isinstance(curtain, InputChange)
    assert (loop.channel, curtain.channel) == (0, 1) and loop.t_mono > CLOCK_OFFSET
    station.io.set_input(0, False)
    sink.wait("lane1-io", InputChange, lambda c: c.name == "loop" and not c.state)


def test_light_barrier_and_sign_follow_the_lane(station: Station) -> None:
    outputs = station.devices.outputs(1)
    started = time.monotonic()
    outputs.set_light(True)
    outputs.set_barrier(True)
    outputs.show("请过磅")
    assert time.monotonic() - started < 0.05  # queued, never waited for
    wait_until(lambda: station.io.outputs[:2] == [True, True])
    wait_until(lambda: "请过磅" in station.sign.texts)
    outputs.set_light(False)
    outputs.set_barrier(False)
    wait_until(lambda: station.io.outputs[:2] == [False, False])
    assert not any(station.io.outputs[2:])
    assert isinstance(station.devices.outputs(2), NoOutputs)


def test_every_live_device_is_connected(station: Station) -> None:
    ids = ["lane1-axles", "lane1-camera", "lane1-io", "lane1-sign", "lane2-axles"]
    ids += ["lane2-camera", "lane3-platform", "lane3-transmitter", "lane4-wim"]
    wait_until(lambda: all(station.devices.connected(i) for i in ids))
    with pytest.raises(KeyError):
        station.devices.connected("no-such-device")


def test_a_vehicle_separator_ends_the_passage_without_waiting_for_the_gap() -> None:
    run = crossing()
    frames = crossing_frames(run)
    sim = StreamSimulator.on_tcp(frames, rate_hz=RATE_HZ * 10, repeat=False)
    io = IoModuleSim(shipped_map("adam-6050")).start_tcp()
    sim.pause()
    sim.start()
    axles = device(
        "axles", "axle_scale", "yaohua-tf0", sim.url, separator="curtain", vehicle_gap_s=600.0
    )
    curtain = device("io", "io", "modbus-io", io.url, map="adam-6050", curtain_input=1)
    lanes = [lane(1, axles, curtain)]
    sink = Recorder()
    devices = open_devices(lanes, sink, clock)
    try:
        wait_until(lambda: sim.client_count == 1)
        io.set_input(1, True)  # the truck breaks the curtain, then crosses the scale
        sink.wait("io", InputChange, lambda c: c.name == "curtain" and c.state)
        sim.resume()
        crossed = RATE_HZ + len(run.samples) + RATE_HZ // 2
        wait_until(lambda: sim.frames_sent >= crossed)
        time.sleep(0.3)
        assert sink.of("axles", WimVehicle) == []  # a 600 s gap: only the curtain can end it
        io.set_input(1, False)
        _, gone = sink.wait("io", InputChange, lambda c: c.name == "curtain" and not c.state)
        _, vehicle = sink.wait("axles", WimVehicle, timeout=3.0)
        assert isinstance(vehicle, WimVehicle) and vehicle.t_mono >= gone.t_mono
        assert len(vehicle.axles) == len(run.truck.loads_kg)
        assert Flag.PARTIAL_ON_PLATFORM not in vehicle.flags
    finally:
        devices.close()
        sim.stop()
        io.stop()


# --------------------------------------------------------------------------- failures


def test_dead_ports_report_offline_and_do_not_hold_up_start_up() -> None:
    dead = free_port()  # nothing listens there
    lanes = [
        lane(
            1,
            device("axles", "axle_scale", "yaohua-tf0", f"socket://127.0.0.1:{dead}"),
            device("io", "io", "modbus-io", f"tcp://127.0.0.1:{dead}", map="adam-6050"),
            device("sign", "sign", "onbon", f"tcp://127.0.0.1:{dead}"),
        ),
        lane(2, device("wim", "wim", "modbus-wim", f"tcp://127.0.0.1:{dead}", map=WIM_MAP)),
    ]
    sink = Recorder()
    started = time.monotonic()
    devices = open_devices(lanes, sink, clock)
    try:
        assert time.monotonic() - started < 0.5
        outputs = devices.outputs(1)
        before = time.monotonic()
        outputs.set_light(True)
        outputs.set_barrier(True)
        outputs.show("停车")
        assert time.monotonic() - before < 0.05
        for device_id in ("axles", "io", "sign", "wim"):
            _, status = sink.wait(device_id, DeviceStatus, lambda s: s.state is DeviceState.OFFLINE)
            assert status.t_mono > CLOCK_OFFSET
            assert not devices.connected(device_id)
    finally:
        closing = time.monotonic()
        devices.close()
        assert time.monotonic() - closing < 2.5


def test_a_wish_made_while_the_module_is_down_is_applied_when_it_returns() -> None:
    port = free_port()
    io_device = device("io", "io", "modbus-io", f"tcp://127.0.0.1:{port}", map="adam-6050")
    sink = Recorder()
    devices = open_devices([lane(1, io_device)], sink, clock)
    io = IoModuleSim(shipped_map("adam-6050"))
    try:
        sink.wait("io", DeviceStatus, lambda s: s.state is DeviceState.OFFLINE)
        outputs = devices.outputs(1)
        outputs.set_barrier(True)
        outputs.set_barrier(False)  # the latest wish wins: "open" is never written
        outputs.set_light(True)
        io.start_tcp(port=port)
        wait_until(lambda: io.outputs[0], timeout=8.0)
        wait_until(lambda: (1, False) in io.output_log)
        assert (1, True) not in io.output_log
        assert devices.connected("io")
    finally:
        devices.close()
        io.stop()


def test_close_stops_every_thread_and_is_idempotent() -> None:
    stream = StreamSimulator.on_tcp(platform_frames(12_000), rate_hz=RATE_HZ)
    io = IoModuleSim(shipped_map("adam-6050")).start_tcp()
    sign = SignSimulator()
    sign.start()
    stream.start()
    camera_port = free_port()
    lanes = [
        lane(
            1,
            device("platform", "scale", "toledo", stream.url),
            device("io", "io", "modbus-io", io.url, map="adam-6050"),
            device("sign", "sign", "onbon", f"tcp://127.0.0.1:{sign.port}"),
            device("camera", "camera", HIKVISION, f"http://127.0.0.1:{camera_port}/anpr"),
        )
    ]
    before = set(threading.enumerate())
    sink = Recorder()
    devices = open_devices(lanes, sink, clock)
    try:
        wait_until(lambda: all(devices.connected(i) for i in ("platform", "io", "sign", "camera")))
        camera = CameraSimulator(f"http://127.0.0.1:{camera_port}/anpr", HIKVISION)
        assert camera.post_plate(PlateEvent(plate="晋E88P21")).accepted
        devices.outputs(1).show("请前行")
        wait_until(lambda: "请前行" in sign.texts)
        assert len(set(threading.enumerate()) - before) >= 5  # port, 2 loops, listener threads
        closing = time.monotonic()
        devices.close()
        assert time.monotonic() - closing < 2.5
        assert [t.name for t in set(threading.enumerate()) - before] == []
        count = len(sink.events)
        devices.close()
        assert len(sink.events) == count  # nothing is delivered after close
    finally:
        devices.close()
        stream.stop()
        io.stop()
        sign.stop()


def test_a_camera_port_in_use_is_retried_in_the_background() -> None:
    holder = socket.create_server(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    lanes = [lane(1, device("camera", "camera", HIKVISION, f"http://127.0.0.1:{port}/anpr"))]
    sink = Recorder()
    devices = open_devices(lanes, sink, clock)
    try:
        sink.wait("camera", DeviceStatus, lambda s: s.state is DeviceState.OFFLINE)
        assert not devices.connected("camera")
        holder.close()
        sink.wait("camera", DeviceStatus, lambda s: s.state is DeviceState.OK, timeout=5.0)
        assert devices.connected("camera")
    finally:
        holder.close()
        devices.close()


# Never opened: every device below is refused before anything starts.
IO_PORT = "tcp://127.0.0.1:502"


@pytest.mark.parametrize(
    ("bad", "key", "problem"),
    [
        (device("x", "other", "gpio", "COM1"), "driver", "supported"),
        (device("x", "scale", "modbus-wim", IO_PORT, map="station-wim-v1"), "driver", "modbus-"),
        (device("x", "scale", "toledo", "COM1", pol_s=1), "options", "pol_s"),
        (device("x", "io", "modbus-io", IO_PORT, map="station-wim-v1"), "options.map", "io map"),
        (
            device("x", "io", "modbus-io", IO_PORT, map="adam-6050", light_output=9),
            "options.light_output",
            "-1 to 5",
        ),
        (device("x", "camera", DAHUA, "tcp://127.0.0.1:80"), "port", "http://"),
        (device("x", "sign", "onbon", "tcp://h:5005", pingg_s=1), "options.pingg_s", "ping_s"),
        (
            device("x", "axle_scale", "toledo", "COM1", separator="curtain"),
            "options.separator",
            "curtain_input",
        ),
    ],
)
def test_a_bad_device_is_refused_naming_its_key_before_anything_starts(
    bad: DeviceConfig, key: str, problem: str
) -> None:
    good = device("ok", "axle_scale", "yaohua-tf0", f"socket://127.0.0.1:{free_port()}")
    before = threading.active_count()
    with pytest.raises(ValueError, match=r"^lanes\[0\]\.devices\[1\]\.") as raised:
        open_devices([lane(1, good, bad)], Recorder(), clock)
    assert str(raised.value).startswith(f"lanes[0].devices[1].{key}:")
    assert problem in str(raised.value)
    assert threading.active_count() == before


# --------------------------------------------------------------------------- the axle feed


def feed_samples(kgs: list[int]) -> tuple[AxleScaleFeed, list[WimVehicle]]:
    vehicles: list[WimVehicle] = []
    feed = AxleScaleFeed(
        "axles",
        AxleSpec(rate_hz=RATE_HZ, platform_length_m=0.8, vehicle_gap_s=3.0),
        clock=clock,
        on_reading=lambda _r: None,
        on_vehicle=vehicles.append,
    )
    for kg in kgs:
        feed.readings([WeightReading("axles", kg, False, 0.0)])
    return feed, vehicles


def test_the_trace_is_cut_from_the_pre_roll_to_the_end_of_the_passage() -> None:
    run = crossing()
    kgs = [0] * 60 + [kg for _, kg in run.samples] + [0] * (RATE_HZ * 4)
    _, vehicles = feed_samples(kgs)
    assert len(vehicles) == 1
    above = [i for i, kg in enumerate(kgs) if kg >= 200]
    assert vehicles[0].trace_kg == tuple(kgs[above[0] - 8 : above[-1] + 3 + 8 + 1])


def test_a_stream_lost_mid_passage_gives_a_partial_vehicle() -> None:
    run = crossing()
    kgs = [0] * 60 + [kg for _, kg in run.samples]
    feed, vehicles = feed_samples(kgs[: 60 + int(len(run.samples) * 0.6)])
    assert vehicles == []
    feed.stream_state(DeviceState.OFFLINE)
    assert len(vehicles) == 1 and Flag.PARTIAL_ON_PLATFORM in vehicles[0].flags
    assert 0 < len(vehicles[0].axles) < len(run.truck.loads_kg)


def test_the_rest_of_a_vehicle_after_a_stream_break_is_flagged_partial() -> None:
    run = crossing()
    samples = [kg for _, kg in run.samples]
    # The break comes between two axles: the platform is empty when the stream returns.
    gaps = [i for i in range(len(samples) // 3, len(samples)) if samples[i] < 50]
    cut = gaps[len(gaps) // 2]
    feed, vehicles = feed_samples([0] * 60 + samples[:cut])
    feed.stream_state(DeviceState.STALE)
    assert len(vehicles) == 1 and Flag.PARTIAL_ON_PLATFORM in vehicles[0].flags
    for kg in samples[cut:] + [0] * (RATE_HZ * 4):
        feed.readings([WeightReading("axles", kg, False, 0.0)])
    assert len(vehicles) == 2 and Flag.PARTIAL_ON_PLATFORM in vehicles[1].flags
    assert len(vehicles[0].axles) + len(vehicles[1].axles) == len(run.truck.loads_kg)
    for kg in [0] * 60 + samples + [0] * (RATE_HZ * 4):
        feed.readings([WeightReading("axles", kg, False, 0.0)])
    assert len(vehicles) == 3 and Flag.PARTIAL_ON_PLATFORM not in vehicles[2].flags
