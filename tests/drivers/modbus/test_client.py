"""The bus: port strings, one owner, clear errors, recovery, timeouts and the quiet gap."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from drivers.modbus import BusError, DriverError, ModbusBus, ModbusWeightDriver, parse_port
from drivers.modbus.client import rtu_gap
from drivers.modbus.maps import shipped_map
from drivers.modbus.sim import WeightTransmitterSim

MakeBus = Callable[..., ModbusBus]


@pytest.mark.parametrize(
    ("text", "host", "port", "device"),
    [
        ("tcp://192.168.1.20:502", "192.168.1.20", 502, ""),
        ("tcp://plc.local", "plc.local", 502, ""),
        ("TCP://10.0.0.5:1502/", "10.0.0.5", 1502, ""),
        ("tcp://[::1]:5020", "::1", 5020, ""),
        ("/dev/ttyUSB0", "", 502, "/dev/ttyUSB0"),
        ("COM3", "", 502, "COM3"),
        ("socket://10.0.0.9:4001", "", 502, "socket://10.0.0.9:4001"),
    ],
)
def test_ports_are_tcp_urls_or_serial_devices(text: str, host: str, port: int, device: str) -> None:
    spec = parse_port(text)
    assert (spec.host, spec.port, spec.device) == (host, port, device)
    assert spec.is_tcp == bool(host)


@pytest.mark.parametrize("text", ["", "tcp://", "tcp://host:0", "tcp://host:abc", "tcp://h:70000"])
def test_bad_ports_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_port(text)


def test_rtu_gap_is_three_and_a_half_characters() -> None:
    assert rtu_gap(9600) == pytest.approx(3.5 * 10 / 9600)
    assert rtu_gap(9600, parity="E") == pytest.approx(3.5 * 11 / 9600)
    assert rtu_gap(115200) == 0.002


def test_a_bus_has_one_owner(make_bus: MakeBus) -> None:
    bus = make_bus("tcp://127.0.0.1:1")
    with pytest.raises(BusError, match="already has an owner") as caught:
        ModbusBus("TCP://127.0.0.1:1")
    assert caught.value.kind == "in_use"
    bus.close()
    ModbusBus("tcp://127.0.0.1:1").close()


@pytest.fixture
def flintec_sim() -> Iterator[WeightTransmitterSim]:
    with WeightTransmitterSim(shipped_map("flintec-ft112")).start_tcp() as sim:
        sim.set(gross_kg=30_000)
        yield sim


def test_server_down_gives_a_clear_error_then_recovers(
    flintec_sim: WeightTransmitterSim, make_bus: MakeBus
) -> None:
    wmap = shipped_map("flintec-ft112")
    bus = make_bus(flintec_sim.url)
    driver = ModbusWeightDriver(bus, wmap, "scale-1")  # type: ignore[arg-type]
    assert driver.poll().weight_kg == 30_000
    flintec_sim.stop()
    for _ in range(2):  # connection lost, then connection refused
        with pytest.raises(DriverError) as caught:
            driver.poll()
        text = str(caught.value)
        assert text.startswith(f"scale-1 (unit 1 on {flintec_sim.url}): holding registers 0-7: ")
        assert caught.value.kind == "connection"
    flintec_sim.start_tcp()  # same port
    assert driver.poll().weight_kg == 30_000


def test_after_a_failed_connect_the_bus_holds_off(
    flintec_sim: WeightTransmitterSim, make_bus: MakeBus
) -> None:
    now = [100.0]
    url = flintec_sim.url
    flintec_sim.stop()
    bus = make_bus(url, reconnect_delays=(2.0, 5.0), clock=lambda: now[0])
    with pytest.raises(BusError, match="cannot connect"):
        bus.read_registers("holding", 0, 2, 1)
    flintec_sim.start_tcp()
    now[0] += 1.9
    with pytest.raises(BusError, match=r"offline; next attempt in 0\.1 s"):
        bus.read_registers("holding", 0, 2, 1)  # fails at once rather than blocking the worker
    now[0] += 0.1
    assert len(bus.read_registers("holding", 0, 2, 1)) == 2
    flintec_sim.stop()
    with pytest.raises(BusError, match="lost"):  # a lost connection is retried at once
        bus.read_registers("holding", 0, 2, 1)
    for delay in (2.0, 5.0, 5.0):  # the schedule steps up, then repeats its last delay
        with pytest.raises(BusError, match="cannot connect"):
            bus.read_registers("holding", 0, 2, 1)
        with pytest.raises(BusError, match=rf"next attempt in {delay:.1f} s"):
            bus.read_registers("holding", 0, 2, 1)
        now[0] += delay


def test_an_exception_response_names_device_register_and_code(
    flintec_sim: WeightTransmitterSim, make_bus: MakeBus
) -> None:
    eagle = shipped_map("eagle-ei4000-kg")  # registers the Flintec simulator does not serve
    driver = ModbusWeightDriver(make_bus(flintec_sim.url), eagle, "scale-2")  # type: ignore[arg-type]
    with pytest.raises(DriverError) as caught:
        driver.poll()
    assert caught.value.kind == "exception"
    assert "scale-2 (unit 1 on tcp://127.0.0.1:" in str(caught.value)
    assert (
        "holding registers 8192-8193: device answered Modbus exception 2 (illegal data address)"
        in str(caught.value)
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts and reads but never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.05)
        clients = []
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                clients.append(conn)
            except TimeoutError:
                continue
        for conn in clients:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    listener.close()


def test_no_answer_is_a_timeout(silent_server: int, make_bus: MakeBus) -> None:
    bus = make_bus(f"tcp://127.0.0.1:{silent_server}", timeout=0.2)
    started = time.monotonic()
    with pytest.raises(BusError) as caught:
        bus.read_registers("holding", 0, 2, 1)
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 2


def test_requests_keep_the_inter_message_delay(
    flintec_sim: WeightTransmitterSim, make_bus: MakeBus
) -> None:
    bus = make_bus(flintec_sim.url, inter_message_delay=0.05)
    bus.read_registers("holding", 0, 2, 1)
    started = time.monotonic()
    for _ in range(3):
        bus.read_registers("holding", 0, 2, 1)
    assert time.monotonic() - started >= 0.15


def test_concurrent_users_are_serialised(
    flintec_sim: WeightTransmitterSim, make_bus: MakeBus
) -> None:
    bus = make_bus(flintec_sim.url)
    driver = ModbusWeightDriver(bus, shipped_map("flintec-ft112"), "scale-1")  # type: ignore[arg-type]
    errors: list[Exception] = []

    def hammer() -> None:
        try:
            for _ in range(50):
                assert driver.poll().weight_kg == 30_000
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors


def test_trace_sees_the_frames(flintec_sim: WeightTransmitterSim, make_bus: MakeBus) -> None:
    frames: list[tuple[bool, bytes]] = []
    bus = make_bus(flintec_sim.url, trace=lambda sending, data: frames.append((sending, data)))
    bus.read_registers("holding", 6, 2, 1)
    sent = frames[0][1]
    assert frames[0][0] is True and sent[6:] == bytes.fromhex("01 03 00 06 00 02")


def test_a_closed_bus_refuses_requests(make_bus: MakeBus) -> None:
    bus = make_bus("tcp://127.0.0.1:1")
    bus.close()
    with pytest.raises(BusError, match="is closed"):
        bus.read_registers("holding", 0, 1, 1)
