"""Device diagnostics over real parts: a simulated indicator on socket://, a Modbus transmitter
on an in-process pymodbus server, a camera posting over HTTP, and a silent TCP server that
accepts connections and never answers (the hung device)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from drivers.base import IndicatorValue
from drivers.cameras.listener import HIKVISION
from drivers.diagnostics import DeviceDiagnostics, FrameLog, RawFrame, StreamCapture, split_frames
from drivers.lanes import LaneDevices, open_devices
from drivers.modbus import BusError, ModbusBus, shipped_map
from drivers.modbus.sim import WeightTransmitterSim
from drivers.modbus.tap import TappedBus
from drivers.protocols import encoder, make
from drivers.sim.camera import CameraSimulator, PlateEvent
from drivers.sim.stream import StreamSimulator
from station.config import DeviceConfig, LaneConfig
from station.domain.readings import DeviceState, DeviceStatus, WeightReading
from station.lanes.ports import DeviceEvent
from tests.support.ports import free_port

RATE_HZ = 25
GROSS_KG = 30_000
TRANSMITTER_KG = 12_340
FAST_CALL_S = 0.05  # diagnostics() and reconnect() never take longer, whatever the devices do


def device(device_id: str, kind: str, driver: str, port: str, **options: object) -> DeviceConfig:
    return DeviceConfig(device_id, kind, driver, port, False, dict(options))


def lane(number: int, *devices: DeviceConfig) -> LaneConfig:
    return LaneConfig(number, 0, "STATIC", f"{number}号车道", devices)


def wait_until(condition: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


class Recorder:
    """The lane sink: counts events per device, from driver threads."""

    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []
        self._lock = threading.Lock()

    def __call__(self, _lane: int, event: DeviceEvent) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, device_id: str, kind: type) -> list[DeviceEvent]:
        with self._lock:
            return [e for e in self.events if isinstance(e, kind) and e.device_id == device_id]


def toledo_frame(kg: int) -> bytes:
    return encoder("toledo")(IndicatorValue(kg, True))


def by_id(devices: LaneDevices) -> dict[str, DeviceDiagnostics]:
    return {item.device_id: item for item in devices.diagnostics()}


def counter(devices: LaneDevices, device_id: str, name: str) -> Any:
    (item,) = [d for d in devices.diagnostics() if d.device_id == device_id]
    return item.counters[name]


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


# --------------------------------------------------------------------------- the ring


def test_a_raw_frame_shows_hex_and_ascii_with_dots_for_unprintables() -> None:
    frame = RawFrame(1.5, "rx", b"\x02AB 1\r\xff", "a note")
    assert frame.hex() == "02 41 42 20 31 0d ff"
    assert frame.hex("") == "02414220310dff"
    assert frame.ascii() == ".AB 1.."
    assert RawFrame(0.0, "tx", b"").hex() == "" and RawFrame(0.0, "tx", b"").ascii() == ""


def test_the_log_keeps_the_newest_frames_oldest_first() -> None:
    log = FrameLog(maxlen=3)
    for index in range(5):
        log.add("rx", bytes([index]), t_mono=float(index))
    frames = log.frames()
    assert [f.data for f in frames] == [b"\x02", b"\x03", b"\x04"]
    assert [f.t_mono for f in frames] == [2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="maxlen"):
        FrameLog(maxlen=0)


def test_the_log_is_written_and_read_from_many_threads_at_once() -> None:
    log = FrameLog(maxlen=50)
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(tag: int) -> None:
        while not stop.is_set():
            log.add("tx", bytes([tag]) * 4)

    def read() -> None:
        try:
            while not stop.is_set():
                assert len(log.frames()) <= 50
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(log.frames()) == 50


def test_split_frames_cuts_after_each_raw_frame_and_keeps_the_rest() -> None:
    data = b"xxAAAAyBBBBzz"
    assert split_frames(data, [b"AAAA", b"BBBB"]) == [b"xx", b"AAAA", b"y", b"BBBB", b"zz"]
    assert split_frames(data, [b"QQQQ"]) == [data]


@pytest.mark.parametrize("chunk", [1, 7, 18, 1000])
def test_received_bytes_are_cut_at_the_decoders_frame_boundaries(chunk: int) -> None:
    frames = [toledo_frame(kg) for kg in range(20_000, 20_200, 20)]
    stream = b"\x00\x7fgarbage" + b"".join(frames)
    protocol, capture = make("toledo"), StreamCapture(FrameLog(maxlen=50))
    for start in range(0, len(stream), chunk):
        data = stream[start : start + chunk]
        discarded = protocol.stats.discarded_bytes
        values = protocol.feed(data)
        discarded = protocol.stats.discarded_bytes != discarded
        capture.received(data, values, protocol.buffered, time.monotonic(), discarded=discarded)
    logged = [f.data for f in capture.log.frames()]
    # Never half a frame: every frame whole and on its own, garbage apart. A decoder that
    # detects the optional checksum may hold the last frame until the next byte comes.
    held = protocol.buffered
    assert b"".join(logged) == stream[: len(stream) - held]
    assert logged[0] == b"\x00\x7fgarbage"  # even when read a byte at a time
    if chunk == 1:
        assert capture.log.frames()[0].note == "discarded"
    assert logged[1:] == frames[: len(logged) - 1]
    assert len(logged) - 1 >= len(frames) - 1
    capture.cut_off(time.monotonic())
    if held:
        assert capture.log.frames()[-1].data == frames[-1]
        assert "cut off" in capture.log.frames()[-1].note


# --------------------------------------------------------------------------- Modbus PDUs


@pytest.fixture
def transmitter() -> Iterator[WeightTransmitterSim]:
    sim = WeightTransmitterSim(shipped_map("flintec-ft112")).start_tcp()
    sim.set(gross_kg=TRANSMITTER_KG)
    yield sim
    sim.stop()


def test_modbus_requests_and_answers_are_logged_as_pdus(transmitter: WeightTransmitterSim) -> None:
    log = FrameLog()
    bus = ModbusBus(transmitter.url, timeout=0.5, retries=0, reconnect_delays=(0.0,))
    try:
        tapped = TappedBus(bus, log)
        assert tapped.read_registers("holding", 4, 2, 1) == [0, TRANSMITTER_KG]
        with pytest.raises(BusError):
            tapped.read_registers("holding", 900, 2, 1)  # not served: illegal data address
        tapped.write_registers(24, [0, 1], 1)  # the zero command
        assert log.frames()[0].data != b""  # rendered once, then again from the cache
        frames = log.frames()
    finally:
        bus.close()
    assert [f.direction for f in frames] == ["tx", "rx"] * 3
    request, answer, bad, refused, write, echo = frames
    assert request.hex() == "03 00 04 00 02"
    assert answer.data == bytes([3, 4]) + (0).to_bytes(2, "big") + TRANSMITTER_KG.to_bytes(2, "big")
    assert str(TRANSMITTER_KG) in answer.note and "unit 1" in answer.note
    assert bad.hex() == "03 03 84 00 02"
    assert refused.hex() == "83 02" and "illegal data address" in refused.note
    assert write.hex() == "10 00 18 00 02 04 00 00 00 01"
    assert echo.hex() == "10 00 18 00 02"
    assert tapped.requests == 3 and tapped.failures == 1 and tapped.timeouts == 0
    assert transmitter.commands == ["zero"]


# --------------------------------------------------------------------------- a live station


@dataclass
class Station:
    devices: LaneDevices
    sink: Recorder
    indicator: StreamSimulator
    transmitter: WeightTransmitterSim
    camera_url: str


@pytest.fixture(scope="module")
def station() -> Iterator[Station]:
    indicator = StreamSimulator.on_tcp([toledo_frame(GROSS_KG)], rate_hz=RATE_HZ)
    transmitter = WeightTransmitterSim(shipped_map("flintec-ft112")).start_tcp()
    transmitter.set(gross_kg=TRANSMITTER_KG)
    indicator.start()
    camera_url = f"http://127.0.0.1:{free_port()}/anpr/lane1"
    lanes = [
        lane(
            1,
            device("platform", "scale", "toledo", indicator.url),
            device("transmitter", "scale", "modbus-weight", transmitter.url, map="flintec-ft112"),
            device("camera", "camera", HIKVISION, camera_url),
        )
    ]
    sink = Recorder()
    devices = open_devices(lanes, sink, time.monotonic)
    try:
        for device_id in ("platform", "transmitter", "camera"):
            wait_until(lambda d=device_id: devices.connected(d))
        yield Station(devices, sink, indicator, transmitter, camera_url)
    finally:
        devices.close()
        indicator.stop()
        transmitter.stop()


def test_every_device_is_described_in_configuration_order(station: Station) -> None:
    items = station.devices.diagnostics()
    assert [(d.device_id, d.lane, d.kind, d.driver) for d in items] == [
        ("platform", 1, "scale", "toledo"),
        ("transmitter", 1, "scale", "modbus-weight"),
        ("camera", 1, "camera", HIKVISION),
    ]
    assert items[0].port == station.indicator.url
    assert items[1].port == station.transmitter.url
    assert items[2].port == station.camera_url
    for item in items:
        assert isinstance(item.state, DeviceState)
        assert all(isinstance(v, int | float | str) for v in item.counters.values())


def test_an_indicators_frames_are_the_bytes_it_sent(station: Station) -> None:
    wait_until(lambda: len(by_id(station.devices)["platform"].frames) >= 10)
    item = by_id(station.devices)["platform"]
    frame = toledo_frame(GROSS_KG)
    received = [f for f in item.frames if f.direction == "rx"]
    assert received and all(f.data == frame for f in received)  # one frame per line
    assert frame.hex(" ") in received[-1].hex()
    assert received[-1].ascii() == ".*0 030000000000.4"  # STX, status, digits, CR, checksum
    assert item.state is DeviceState.OK


def test_an_indicators_counters_grow(station: Station) -> None:
    before = by_id(station.devices)["platform"].counters
    wait_until(lambda: counter(station.devices, "platform", "frames") >= before["frames"] + 10)
    after = by_id(station.devices)["platform"].counters
    assert after["bytes_in"] > before["bytes_in"]
    assert after["checksum_errors"] == 0 and after["port_open"] is True
    assert isinstance(after["last_value_t"], float)


def test_a_modbus_devices_frames_are_its_requests_and_answers(station: Station) -> None:
    wait_until(lambda: counter(station.devices, "transmitter", "polls") >= 3)
    item = by_id(station.devices)["transmitter"]
    frames = item.frames
    requests = [f for f in frames if f.direction == "tx"]
    answers = [f for f in frames if f.direction == "rx"]
    assert requests and answers
    assert requests[-1].data[0] == 3  # read holding registers
    count = int.from_bytes(requests[-1].data[3:5], "big")
    assert answers[-1].data[:2] == bytes([3, 2 * count])
    assert TRANSMITTER_KG.to_bytes(4, "big") in answers[-1].data  # the int32 weight
    counters = item.counters
    assert counters["errors"] == 0 and counters["timeouts"] == 0
    assert counters["requests"] >= counters["polls"] >= 3
    before = counters["polls"]
    wait_until(lambda: counter(station.devices, "transmitter", "polls") > before + 2)


def test_a_cameras_frames_summarise_its_plates(station: Station) -> None:
    before = counter(station.devices, "camera", "events")
    camera = CameraSimulator(station.camera_url, HIKVISION)
    assert camera.post_plate(PlateEvent(plate="晋E88P21")).accepted
    wait_until(lambda: counter(station.devices, "camera", "events") == before + 1)
    item = by_id(station.devices)["camera"]
    last = item.frames[-1]
    assert last.direction == "rx" and last.data == "晋E88P21".encode()
    assert "晋E88P21" in last.note and "blue" in last.note
    assert item.counters["listener_up"] is True
    assert item.counters["requests"] >= 1


def test_reconnect_reopens_an_indicator_which_delivers_again(station: Station) -> None:
    devices = station.devices
    reconnects = counter(devices, "platform", "reconnects")
    requests = counter(devices, "platform", "reconnect_requests")
    assert timed(lambda: devices.reconnect("platform")) < FAST_CALL_S
    assert counter(devices, "platform", "reconnect_requests") == requests + 1  # at once
    wait_until(lambda: counter(devices, "platform", "reconnects") == reconnects + 1)
    # Readings of the old connection were all delivered before the port was reopened.
    seen = len(station.sink.of("platform", WeightReading))
    wait_until(lambda: len(station.sink.of("platform", WeightReading)) > seen + 5)
    wait_until(lambda: by_id(devices)["platform"].state is DeviceState.OK)
    states = [s.state for s in station.sink.of("platform", DeviceStatus)]
    assert states[-2:] == [DeviceState.CONNECTING, DeviceState.OK]


def test_reconnect_reopens_a_modbus_device_which_delivers_again(station: Station) -> None:
    devices = station.devices
    reconnects = counter(devices, "transmitter", "reconnects")
    requests = counter(devices, "transmitter", "reconnect_requests")
    assert timed(lambda: devices.reconnect("transmitter")) < FAST_CALL_S
    assert counter(devices, "transmitter", "reconnect_requests") == requests + 1
    wait_until(lambda: counter(devices, "transmitter", "reconnects") == reconnects + 1)
    seen = len(station.sink.of("transmitter", WeightReading))
    wait_until(lambda: len(station.sink.of("transmitter", WeightReading)) > seen + 2)
    readings = station.sink.of("transmitter", WeightReading)
    assert readings[-1].weight_kg == TRANSMITTER_KG
    states = [s.state for s in station.sink.of("transmitter", DeviceStatus)]
    assert states[-2:] == [DeviceState.CONNECTING, DeviceState.OK]


def test_reconnect_restarts_a_cameras_listener_which_takes_plates_again(station: Station) -> None:
    devices = station.devices
    reconnects = counter(devices, "camera", "reconnects")
    assert timed(lambda: devices.reconnect("camera")) < FAST_CALL_S
    wait_until(lambda: counter(devices, "camera", "reconnects") == reconnects + 1)
    assert counter(devices, "camera", "listener_up") is True
    events = counter(devices, "camera", "events")
    camera = CameraSimulator(station.camera_url, HIKVISION)
    assert camera.post_plate(PlateEvent(plate="苏A12345")).accepted
    wait_until(lambda: counter(devices, "camera", "events") == events + 1)


def test_an_unknown_device_cannot_be_reconnected(station: Station) -> None:
    with pytest.raises(KeyError, match=r"'no-such-device' is not configured; devices: platform"):
        station.devices.reconnect("no-such-device")


def test_diagnostics_are_cheap(station: Station) -> None:
    slowest = max(timed(station.devices.diagnostics) for _ in range(20))
    assert slowest < FAST_CALL_S


# --------------------------------------------------------------------------- a hung device


class SilentServer:
    """Accepts every TCP connection and never sends a byte: a device that hangs."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.server.close()
        for connection in self.accepted:
            connection.close()


def test_a_device_that_accepts_but_never_answers_blocks_neither_call() -> None:
    silent = SilentServer()
    lanes = [
        lane(
            1,
            device("scale", "scale", "toledo", f"socket://127.0.0.1:{silent.port}"),
            device(
                "transmitter",
                "scale",
                "modbus-weight",
                f"tcp://127.0.0.1:{silent.port}",
                map="flintec-ft112",
                timeout_s=2.0,
            ),
            device("sign", "sign", "onbon", f"tcp://127.0.0.1:{silent.port}", timeout_s=2.0),
        )
    ]
    devices = open_devices(lanes, Recorder(), time.monotonic)
    try:
        wait_until(lambda: len(silent.accepted) >= 3)
        # The transmitter and the sign are now inside a request that waits 2 s for an answer.
        wait_until(lambda: counter(devices, "transmitter", "requests") >= 1)
        wait_until(lambda: by_id(devices)["sign"].frames)
        assert max(timed(devices.diagnostics) for _ in range(10)) < FAST_CALL_S
        for device_id in ("scale", "transmitter", "sign"):
            assert timed(lambda d=device_id: devices.reconnect(d)) < FAST_CALL_S
            assert timed(devices.diagnostics) < FAST_CALL_S
        items = by_id(devices)
        for device_id in ("scale", "transmitter", "sign"):
            assert items[device_id].counters["reconnect_requests"] == 1
        request = items["transmitter"].frames[0]
        assert request.direction == "tx" and request.data[0] == 3
        assert items["sign"].frames[0].direction == "tx"
        # The indicator's port is reopened (the server sees a new connection) and stays silent.
        accepted = len(silent.accepted)
        wait_until(lambda: counter(devices, "scale", "reconnects") >= 1)
        wait_until(lambda: len(silent.accepted) > accepted)
        assert by_id(devices)["scale"].state is not DeviceState.OK
    finally:
        closing = time.monotonic()
        devices.close()
        assert time.monotonic() - closing < 2.5
        silent.close()
    assert {d.state for d in devices.diagnostics()} == {DeviceState.OFFLINE}
    devices.reconnect("scale")  # after close: nothing to do, and no error
