"""Simulated traffic: the seeded plan tells the truth the station must find, and the rig
really delivers each visit through the lane's simulated devices over loopback."""

from __future__ import annotations

import dataclasses
import http.server
import itertools
import json
import queue
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from drivers.axle_scale import segment
from drivers.modbus import ModbusBus, ModbusIoDriver, ModbusWeightDriver, shipped_map
from drivers.protocols import make
from drivers.signs.onbon import OnbonSign
from drivers.sim.stream import StreamSimulator
from drivers.sim.traffic import (
    CHEAT_FLAGS,
    KINDS,
    TrafficRig,
    TrafficRigError,
    Visit,
    expected_summary,
    plan_traffic,
    watchlist_plates,
)
from drivers.sim.traffic.passages import axle_passage
from drivers.sim.traffic.plan import axle_scale_model, device_of
from drivers.transport import PortSettings
from drivers.worker import PortWorker
from station.config import LaneConfig, parse_config
from station.domain.readings import WeightReading
from tests.support.ports import free_port

PLATE = re.compile(r"^[\u4e00-\u9fff][A-HJ-NP-Z][A-HJ-NP-Z0-9]{5}$")
AXLE_RATE_HZ = 25  # the axle scale's default output rate (options.rate_hz)


def device(device_id: str, kind: str, driver: str, port: str, **options: object) -> str:
    text = f'[[lanes.devices]]\nid = "{device_id}"\nkind = "{kind}"\ndriver = "{driver}"\n'
    text += f'port = "{port}"\nsimulate = true\n'
    if options:
        text += "[lanes.devices.options]\n"
        text += "".join(f"{key} = {json.dumps(value)}\n" for key, value in options.items())
    return text


def lanes_of(*lanes: tuple[int, str, list[str]]) -> tuple[LaneConfig, ...]:
    """LaneConfigs through the real parser: (number, mode, [device tables])."""
    text = '[station]\nsite_code = "410102210001"\nname = "测试站"\n'
    for number, mode, devices in lanes:
        text += f'\n[[lanes]]\nnumber = {number}\nmode = "{mode}"\n' + "".join(devices)
    return parse_config(text).lanes


def demo_lanes() -> tuple[LaneConfig, ...]:
    """The demo station's two lanes (AXLE with camera, I/O, sign; STATIC re-check)."""
    return lanes_of(
        (1, "AXLE", [
            device("l1-axle", "axle_scale", "yaohua-tf0", f"socket://127.0.0.1:{free_port()}"),
            device("l1-cam", "camera", "hikvision", "http://127.0.0.1:1/anpr/lane1"),
            device("l1-io", "io", "modbus-io", f"tcp://127.0.0.1:{free_port()}", map="adam-6050"),
            device("l1-sign", "sign", "onbon", f"tcp://127.0.0.1:{free_port()}"),
        ]),
        (2, "STATIC", [
            device("l2-platform", "scale", "toledo", f"socket://127.0.0.1:{free_port()}"),
            device("l2-cam", "camera", "dahua", "http://127.0.0.1:1/lane2"),
        ]),
    )  # fmt: skip


# ---- the plan -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned() -> list[Visit]:
    return plan_traffic(seed=11, vehicles=80, lanes=demo_lanes())


def test_the_plan_is_repeatable_from_its_seed() -> None:
    lanes = demo_lanes()
    first = plan_traffic(seed=5, vehicles=30, lanes=lanes)
    assert plan_traffic(seed=5, vehicles=30, lanes=lanes) == first
    assert plan_traffic(seed=6, vehicles=30, lanes=lanes) != first
    assert plan_traffic(seed=5, vehicles=0, lanes=lanes) == []


def test_trucks_plates_and_weights(planned: list[Visit]) -> None:
    firsts = [v for v in planned if v.first]
    assert [v.truck_no for v in firsts] == list(range(80))
    assert [v.index for v in planned] == list(range(len(planned)))
    plates = {v.truck_no: v.plate for v in planned}
    assert len(set(plates.values())) == 80
    assert all(PLATE.match(v.plate) and v.plate_colour == "yellow" for v in planned)
    assert all(plates[v.truck_no] == v.plate for v in planned), "one plate per truck"
    assert {len(v.truck.loads_kg) for v in firsts} == {2, 3, 4, 5, 6}
    limits = {kind.axles: kind.limit_kg for kind in KINDS}
    for visit in planned:
        loads = visit.truck.loads_kg
        assert all(isinstance(kg, int) and kg % 10 == 0 for kg in loads)
        assert sum(loads) == visit.gross_kg == visit.truck.gross_kg
        assert visit.limit_kg == limits[len(loads)]
        assert len(visit.truck.spacings_m) == len(loads) - 1
        assert all(1.3 <= m <= 7.6 for m in visit.truck.spacings_m)
        assert visit.over == (visit.gross_kg > visit.limit_kg)
        assert 3.0 <= visit.speed_kmh <= 8.0


def test_overloaded_share_and_clear_margins(planned: list[Visit]) -> None:
    firsts = [v for v in planned if v.first]
    over = [v for v in firsts if v.over]
    assert 0.10 <= len(over) / len(firsts) <= 0.30
    for visit in firsts:
        ratio = visit.gross_kg / visit.limit_kg
        assert 1.145 <= ratio <= 1.605 if visit.over else 0.445 <= ratio <= 0.885
        assert (visit.fate == "release") == (not visit.over)
    assert {v.fate for v in over} <= {"unload", "police", "permit", "abscond"}


def test_reweighings_come_later_on_the_static_lane(planned: list[Visit]) -> None:
    by_truck: dict[int, list[Visit]] = {}
    gaps: list[int] = []
    for visit in planned:
        by_truck.setdefault(visit.truck_no, []).append(visit)
    for visits in by_truck.values():
        first, *again = visits
        assert first.first and first.lane == 1 and first.mode == "AXLE"
        assert not any(v.first for v in again)
        assert all(v.lane == 2 and v.mode == "STATIC" for v in again)
        assert all(b.index > a.index for a, b in itertools.pairwise(visits))
        gaps.extend(b.index - a.index for a, b in itertools.pairwise(visits))
        if first.fate != "unload":
            assert again == []
            continue
        assert 1 <= len(again) <= 2
        assert not again[-1].over and 0.795 <= again[-1].gross_kg / again[-1].limit_kg <= 0.925
        if len(again) == 2:
            assert again[0].over and 1.035 <= again[0].gross_kg / again[0].limit_kg <= 1.125
        assert all(v.truck.spacings_m == first.truck.spacings_m for v in again), "same truck"
    assert gaps and sorted(gaps)[len(gaps) // 2] >= 3, "a few visits later, not at once"


def test_without_a_static_lane_trucks_come_back_to_their_lane() -> None:
    lanes = lanes_of(
        (3, "AXLE", [device("a", "axle_scale", "yaohua-tf0", "socket://127.0.0.1:1")]),
        (4, "WIM", [device("w", "wim", "modbus-wim", "tcp://127.0.0.1:2", map="station-wim-v1")]),
    )
    visits = plan_traffic(seed=2, vehicles=60, lanes=lanes)
    lane_of_truck = {v.truck_no: v.lane for v in visits if v.first}
    assert set(lane_of_truck.values()) == {3, 4}
    assert any(not v.first for v in visits)
    assert all(v.lane == lane_of_truck[v.truck_no] for v in visits)
    assert all(v.cheat in (None, "manual_plate", "watchlist") for v in visits if v.mode == "WIM")


def test_cheats_are_planned_where_they_can_be_seen(planned: list[Visit]) -> None:
    firsts = [v for v in planned if v.first]
    cheats = [v for v in firsts if v.cheat]
    assert len(cheats) == round(0.15 * len(firsts))
    assert len({v.cheat for v in cheats}) == len(CHEAT_FLAGS), "every kind turns up"
    assert all(v.cheat is None for v in planned if not v.first)
    for visit in cheats:
        assert visit.expected_flags[0] == CHEAT_FLAGS[visit.cheat]
    watched = watchlist_plates(planned)
    assert watched == [v.plate for v in cheats if v.cheat == "watchlist"]
    for visit in planned:
        assert ("WATCHLIST" in visit.expected_flags) == (visit.plate in watched)

    static_only = lanes_of((1, "STATIC", [device("p", "scale", "toledo", "socket://h:1")]))
    visits = plan_traffic(seed=3, vehicles=60, lanes=static_only)
    assert {v.cheat for v in visits} == {None, "manual_plate", "watchlist"}


def test_each_axle_visit_is_planned_with_a_trace_that_tells_its_truth(
    planned: list[Visit],
) -> None:
    scale = axle_scale_model(device_of(demo_lanes()[0], "axle_scale"))
    assert scale.sample_rate_hz == AXLE_RATE_HZ
    cheats = 0
    for visit in (v for v in planned if v.mode == "AXLE"):
        values = axle_passage(visit, scale).values
        samples = [(i / AXLE_RATE_HZ, value.weight_kg) for i, value in enumerate(values)]
        result = segment(samples, platform_length_m=scale.platform_length_m)
        expected = [f for f in visit.expected_flags if f not in ("MANUAL_PLATE", "WATCHLIST")]
        if expected:
            assert expected[0] in result.flags
            cheats += 1
        else:
            assert result.flags == ()
            assert len(result.axles) == len(visit.truck.loads_kg)
            assert abs(result.sum_weight_kg - visit.gross_kg) <= 0.02 * visit.gross_kg
    assert cheats >= 5


def test_expected_summary_agrees_with_the_visits(planned: list[Visit]) -> None:
    summary = expected_summary(planned)
    firsts = [v for v in planned if v.first]
    assert summary["vehicles"] == 80 and summary["weighings"] == len(planned)
    assert summary["over"] == sum(v.over for v in planned)
    cases = summary["cases"]
    assert isinstance(cases, dict) and sum(cases.values()) == 80
    fates = Counter(v.fate for v in firsts)
    assert cases == {
        "NOT_OVER": fates["release"], "UNLOADED": fates["unload"], "POLICE": fates["police"],
        "PERMIT": fates["permit"], "ABSCONDED": fates["abscond"],
    }  # fmt: skip
    assert cases["NOT_OVER"] == sum(not v.over for v in firsts)
    unloading = fates["unload"]
    assert len(planned) - 80 >= unloading, "every unloading truck is weighed again"


# ---- the rig ------------------------------------------------------------------------------------


class Recorder(http.server.BaseHTTPRequestHandler):
    """The station's camera listener, reduced to writing down what was posted."""

    posts: queue.SimpleQueue[tuple[str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.put((self.path, body))  # type: ignore[attr-defined]
        reply = b'{"Result": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.posts = queue.SimpleQueue()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


class Reader:
    """A station-side port worker collecting the decoded readings of one indicator."""

    def __init__(self, port: str, protocol: str) -> None:
        self.readings: queue.SimpleQueue[WeightReading] = queue.SimpleQueue()
        self.worker = PortWorker(
            "reader", PortSettings(port), make(protocol),
            on_readings=lambda batch: [self.readings.put(r) for r in batch],
            on_status=lambda _status: None,
        )  # fmt: skip
        self.worker.start()

    def take(self) -> list[int]:
        out = []
        while not self.readings.empty():
            out.append(self.readings.get().weight_kg)
        return out

    def wait_idle(self) -> list[int]:
        """The zero an empty scale keeps sending, then nothing pending."""
        first = self.readings.get(timeout=5).weight_kg
        time.sleep(0.2)
        return [first, *self.take()]


def lane_with(*devices: str, mode: str = "AXLE") -> tuple[LaneConfig, ...]:
    return lanes_of((1, mode, list(devices)))


def a_visit(planned: list[Visit], *, axles: int, **changes: object) -> Visit:
    """A first visit of a truck with `axles` axles, changed as given (lane 1 by default)."""
    visit = next(v for v in planned if v.first and len(v.truck.loads_kg) == axles)
    return dataclasses.replace(visit, **{"lane": 1, "cheat": None, "expected_flags": (), **changes})


@pytest.mark.parametrize("cheat", [None, "zero_offset"])
def test_the_axle_scale_sends_the_crossing_between_zeros(
    planned: list[Visit], cheat: str | None
) -> None:
    port = f"socket://127.0.0.1:{free_port()}"
    lanes = lane_with(device("axle", "axle_scale", "yaohua-tf0", port))
    # Planned visits as they are: the plan drew their dynamics so the trace tells the truth.
    visit = next(v for v in planned if v.mode == "AXLE" and v.cheat == cheat)
    with TrafficRig(lanes, speedup=8) as rig:
        reader = Reader(port, "yaohua-tf0")
        try:
            assert set(reader.wait_idle()) == {0}, "an empty scale sends its zero"
            rig.drive(visit)
            time.sleep(0.3)  # the worker's last batch
            weights = reader.take()
        finally:
            reader.worker.stop()
    # The worker stamps a whole socket read with one time, so the frames are re-timed at
    # the indicator's rate, as the station must do for an axle scale.
    samples = [(i / AXLE_RATE_HZ, kg) for i, kg in enumerate(weights)]
    result = segment(samples, platform_length_m=0.8)
    assert len(result.axles) == len(visit.truck.loads_kg)
    assert abs(result.sum_weight_kg - visit.gross_kg) <= 0.02 * visit.gross_kg
    assert weights[-1] == 0, "back at zero when drive() returns"
    if cheat == "zero_offset":
        assert "NO_RETURN_TO_ZERO" in result.flags
    else:
        assert result.flags == ()


def test_a_static_visit_stands_still_and_the_camera_posts_its_plate(
    planned: list[Visit], listener: http.server.ThreadingHTTPServer
) -> None:
    port = f"socket://127.0.0.1:{free_port()}"
    camera = f"http://127.0.0.1:{listener.server_address[1]}/lane2"
    lanes = lane_with(
        device("platform", "scale", "toledo", port),
        device("cam", "camera", "dahua", camera),
        mode="STATIC",
    )
    visit = a_visit(planned, axles=3, mode="STATIC")
    with TrafficRig(lanes, speedup=10) as rig:
        reader = Reader(port, "toledo")
        try:
            reader.wait_idle()
            rig.drive(visit)
            time.sleep(0.2)
            readings: list[WeightReading] = []
            while not reader.readings.empty():
                readings.append(reader.readings.get())
        finally:
            reader.worker.stop()
        assert rig.camera_posts == 1 and rig.camera_failures == []
    stable = [r.weight_kg for r in readings if r.stable and r.weight_kg]
    assert len(stable) >= 100 and set(stable) == {visit.gross_kg}, "5 s stable at 25 Hz"
    path, body = listener.posts.get(timeout=1)  # type: ignore[attr-defined]
    assert path == "/lane2/TollgateInfo"
    plate = json.loads(body)["Picture"]["Plate"]
    assert plate["PlateNumber"] == visit.plate and plate["PlateColor"] == "Yellow"
    assert listener.posts.empty(), "posted once"  # type: ignore[attr-defined]


def test_the_loop_light_barrier_and_sign_of_a_lane(
    planned: list[Visit], listener: http.server.ThreadingHTTPServer
) -> None:
    io_port, sign_port = free_port(), free_port()
    lanes = lane_with(
        device("axle", "axle_scale", "yaohua-tf0", f"socket://127.0.0.1:{free_port()}"),
        device("io", "io", "modbus-io", f"tcp://127.0.0.1:{io_port}", map="adam-6050",
               loop_input=2),
        device("sign", "sign", "onbon", f"tcp://127.0.0.1:{sign_port}"),
        device("cam", "camera", "hikvision",
               f"http://127.0.0.1:{listener.server_address[1]}/anpr/lane1"),
    )  # fmt: skip
    visit = a_visit(planned, axles=2, speed_kmh=8.0)
    with TrafficRig(lanes, speedup=10) as rig:
        bus = ModbusBus(f"tcp://127.0.0.1:{io_port}", timeout=0.5)
        io = ModbusIoDriver(bus, shipped_map("adam-6050"), "io")
        seen: list[bool] = []
        driving = threading.Thread(target=rig.drive, args=(visit,))
        try:
            assert rig.light_green(1) is False and rig.barrier_open(1) is False
            io.set_output(0, True)
            assert rig.light_green(1) is True and rig.barrier_open(1) is False
            seen.append(io.read_inputs()[2])  # before the truck: the loop start may be quick
            driving.start()
            while driving.is_alive():
                seen.append(io.read_inputs()[2])
                time.sleep(0.02)
            seen.append(io.read_inputs()[2])
        finally:
            driving.join()
            bus.close()
        with OnbonSign("127.0.0.1", sign_port) as sign:
            sign.show_text("豫A12345 请停车")
        assert rig.sign_text(1) == "豫A12345 请停车"
        assert rig.camera_posts == 1
    assert seen[0] is False and True in seen and seen[-1] is False
    ons = [i for i, on in enumerate(seen) if on]
    assert ons == list(range(ons[0], ons[-1] + 1)), "on once, while the vehicle is there"
    path, body = listener.posts.get(timeout=1)  # type: ignore[attr-defined]
    assert path == "/anpr/lane1" and visit.plate.encode() in body


def test_speedup_divides_the_time_a_visit_takes(planned: list[Visit]) -> None:
    port = f"socket://127.0.0.1:{free_port()}"
    lanes = lane_with(device("axle", "axle_scale", "yaohua-tf0", port))
    visit = a_visit(planned, axles=2, speed_kmh=8.0)
    took = {}
    for speedup in (1, 10):
        with TrafficRig(lanes, speedup=speedup) as rig:
            started = time.monotonic()
            rig.drive(visit)
            took[speedup] = time.monotonic() - started
    assert took[1] > 3.0, "a real crossing takes seconds"
    assert took[1] / took[10] > 4


def test_a_camera_that_cannot_post_is_recorded_not_raised(planned: list[Visit]) -> None:
    lanes = lane_with(
        device("cam", "camera", "hikvision", f"http://127.0.0.1:{free_port()}/anpr"),
        mode="WIM",
    )
    visit = a_visit(planned, axles=2, mode="WIM")
    with TrafficRig(lanes, speedup=20, camera_retry_s=0.3) as rig:
        rig.drive(visit)
        assert rig.camera_posts == 0
        assert rig.camera_failures == [
            f"visit {visit.index} {visit.plate}: cam -> {lanes[0].devices[0].port}: no connection"
        ]
        rig.drive(dataclasses.replace(visit, cheat="manual_plate"))
        assert len(rig.camera_failures) == 1, "manual_plate: the camera sends nothing"


def test_a_wim_controller_queues_the_vehicle(planned: list[Visit]) -> None:
    port = free_port()
    lanes = lane_with(
        device("wim", "wim", "modbus-wim", f"tcp://127.0.0.1:{port}", map="station-wim-v1"),
        mode="WIM",
    )
    visit = a_visit(planned, axles=5, mode="WIM", speed_kmh=15.0)
    with TrafficRig(lanes, speedup=20) as rig:
        rig.drive(visit)
        wim = rig.simulator("wim")
        assert wim.pending == 1
        queued = wim.queue[0]
    assert len(queued.weights_kg) == 5 and queued.speed_kmh_x10 == 150
    assert abs(sum(queued.weights_kg) - visit.gross_kg) <= 0.03 * visit.gross_kg


@pytest.mark.parametrize(
    ("kind", "driver", "scheme", "options"),
    [
        ("axle_scale", "yaohua-tf0", "socket", {}),
        ("io", "modbus-io", "tcp", {"map": "adam-6050"}),
        ("sign", "onbon", "tcp", {}),
    ],
)
def test_a_busy_port_is_named(kind: str, driver: str, scheme: str, options: dict) -> None:
    with socket.create_server(("127.0.0.1", 0), reuse_port=False) as taken:
        port = taken.getsockname()[1]
        lanes = lane_with(
            device("first", "axle_scale", "yaohua-tf0", f"socket://127.0.0.1:{free_port()}"),
            device("busy-one", kind, driver, f"{scheme}://127.0.0.1:{port}", **options),
        )
        rig = TrafficRig(lanes)
        with pytest.raises(TrafficRigError, match=rf"busy-one: .*127\.0\.0\.1:{port}"):
            rig.start()
        rig.stop()


def test_an_unknown_driver_is_refused_before_anything_listens() -> None:
    lanes = lane_with(device("odd", "other", "simulator", "sim://x"))
    with pytest.raises(TrafficRigError, match="odd: no traffic simulator for driver 'simulator'"):
        TrafficRig(lanes).start()


def _poll_weights(driver: str, port: str, until: threading.Thread) -> list[tuple[int, bool]]:
    """(kg, stable) as the station's driver reads them while `until` runs, and once after."""
    seen: list[tuple[int, bool]] = []
    if driver == "modbus-weight":
        bus = ModbusBus(port, timeout=0.5)
        transmitter = ModbusWeightDriver(bus, shipped_map("flintec-ft112"), "tx")
        try:
            while until.is_alive():
                reading = transmitter.poll()
                seen.append((reading.weight_kg, reading.stable))
                time.sleep(0.02)
            until.join()
            reading = transmitter.poll()
            seen.append((reading.weight_kg, reading.stable))
        finally:
            bus.close()
        return seen
    inbox: queue.SimpleQueue[WeightReading] = queue.SimpleQueue()
    worker = PortWorker("polled", PortSettings(port), make(driver), poll_interval_s=0.05,
                        on_readings=lambda batch: [inbox.put(r) for r in batch],
                        on_status=lambda _status: None)  # fmt: skip
    worker.start()
    try:
        until.join()
        time.sleep(0.3)
    finally:
        worker.stop()
    while not inbox.empty():
        reading = inbox.get()
        seen.append((reading.weight_kg, reading.stable))
    return seen


@pytest.mark.parametrize("driver", ["mtsics", "modbus-weight"])
def test_polled_platforms_show_the_standing_truck(planned: list[Visit], driver: str) -> None:
    scheme, options = (
        ("tcp", {"map": "flintec-ft112"}) if driver == "modbus-weight" else ("socket", {})
    )
    port = f"{scheme}://127.0.0.1:{free_port()}"
    lanes = lane_with(device("platform", "scale", driver, port, **options), mode="STATIC")
    visit = a_visit(planned, axles=4, mode="STATIC")
    with TrafficRig(lanes, speedup=8) as rig:
        driving = threading.Thread(target=rig.drive, args=(visit,))
        driving.start()
        seen = _poll_weights(driver, port, driving)
    assert (visit.gross_kg, True) in seen
    assert seen[-1] == (0, True), "the empty platform's zero again"
    assert {kg for kg, stable in seen if stable} <= {0, visit.gross_kg}


def test_a_stream_simulator_plays_frames_once_then_its_idle() -> None:
    sim = StreamSimulator.on_tcp([b"0"], rate_hz=200)
    sim.start()
    try:
        with socket.create_connection(sim.address, timeout=2) as client:
            deadline = time.monotonic() + 2
            while sim.client_count == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            done = sim.play([b"a", b"b", b"c"], then=[b"z"])
            assert done.wait(2)
            received = b""
            while received.count(b"z") < 3:
                received += client.recv(1024)
        assert b"abc" in received and received.rindex(b"c") < received.index(b"z")
        replaced = sim.play([b"x"] * 1000)
        sim.set_frames([b"0"])
        assert replaced.is_set(), "a replaced sequence does not keep its waiter waiting"
        pending = sim.play([b"y"] * 1000)
    finally:
        sim.stop()
    assert pending.is_set(), "nor does a stopped simulator"
