"""Modbus RTU over a socat pty pair: the same drivers, real serial framing and CRCs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drivers.modbus import (
    DriverError,
    ModbusBus,
    ModbusIoDriver,
    ModbusWeightDriver,
    ModbusWimDriver,
)
from drivers.modbus.maps import IoMap, WeightMap, WimMap, shipped_map
from drivers.modbus.sim import IoModuleSim, WeightTransmitterSim, WimControllerSim

MakeBus = Callable[..., ModbusBus]
pytestmark = pytest.mark.timeout(60)


def traced(make_bus: MakeBus, port: str) -> tuple[ModbusBus, list[str]]:
    sent: list[str] = []

    def trace(sending: bool, data: bytes) -> None:
        if sending:
            sent.append(data.hex(" ").upper())

    return make_bus(port, baudrate=9600, trace=trace), sent


def test_a_weight_transmitter_over_rtu(socat_pair: tuple[str, str], make_bus: MakeBus) -> None:
    device, station = socat_pair
    wmap = shipped_map("flintec-ft112")
    assert isinstance(wmap, WeightMap)
    with WeightTransmitterSim(wmap).start_rtu(device, baudrate=9600) as sim:
        sim.set(gross_kg=-4_560, stable=False)
        bus, sent = traced(make_bus, station)
        driver = ModbusWeightDriver(bus, wmap, "scale-1")
        reading = driver.poll()
        assert (reading.weight_kg, reading.stable) == (-4_560, False)
        assert sent == ["01 03 00 00 00 08 44 0C"]  # one read of 40001-40008, CRC by pymodbus
        sim.set(gross_kg=12_000)
        driver.tare()
        assert sim.commands == ["tare"]
        reading = driver.poll()
        assert (reading.weight_kg, reading.tare_kg, reading.net) == (0, 12_000, True)


def test_relay_board_golden_frames(socat_pair: tuple[str, str], make_bus: MakeBus) -> None:
    device, station = socat_pair
    lctech = shipped_map("lctech-relay-8ch")
    assert isinstance(lctech, IoMap)
    with IoModuleSim(lctech).start_rtu(device, baudrate=9600) as sim:
        bus, sent = traced(make_bus, station)
        driver = ModbusIoDriver(bus, lctech, "relays")
        sim.set_inputs([True, False, True] + [False] * 5)
        driver.set_output(0, True)
        driver.set_output(0, False)
        assert driver.read_inputs() == [True, False, True] + [False] * 5
        # protocols.md §3.2 [source, verified]: LCTech relay 1 on/off and the input read.
        assert sent == [
            "FF 05 00 00 FF 00 99 E4",
            "FF 05 00 00 00 00 D8 14",
            "FF 02 00 00 00 08 6C 12",
        ]
        assert sim.output_log == [(0, True), (0, False)]


def test_waveshare_golden_frames(socat_pair: tuple[str, str], make_bus: MakeBus) -> None:
    device, station = socat_pair
    waveshare = shipped_map("waveshare-relay-8ch")
    assert isinstance(waveshare, IoMap)
    with IoModuleSim(waveshare).start_rtu(device, baudrate=9600) as sim:
        bus, sent = traced(make_bus, station)
        driver = ModbusIoDriver(bus, waveshare, "relays")
        driver.set_output(0, True)
        assert driver.read_outputs() == [True] + [False] * 7
        # protocols.md §3.2 [verified]: write coil 0 ON, read 8 coils.
        assert sent == ["01 05 00 00 FF 00 8C 3A", "01 01 00 00 00 08 3D CC"]
        assert sim.outputs[0] is True


def test_wim_handshake_over_rtu(socat_pair: tuple[str, str], make_bus: MakeBus) -> None:
    device, station = socat_pair
    wmap = shipped_map("station-wim-v1")
    assert isinstance(wmap, WimMap)
    with WimControllerSim(wmap).start_rtu(device, baudrate=19200) as sim:
        for index in range(3):
            sim.queue_vehicle([7_000 + index, 11_000], [4_200], speed_kmh_x10=300)
        driver = ModbusWimDriver(make_bus(station, baudrate=19200), wmap, "wim-1")
        vehicles = [driver.poll() for _ in range(4)]
        assert [v.vehicle_counter if v else None for v in vehicles] == [1, 2, 3, None]
        assert sim.acked == [1, 2, 3]


def test_a_silent_rtu_device_times_out_then_recovers(
    socat_pair: tuple[str, str], make_bus: MakeBus
) -> None:
    device, station = socat_pair
    wmap = shipped_map("pt-global-pt113")
    assert isinstance(wmap, WeightMap)
    sim = WeightTransmitterSim(wmap)
    sim.set(gross_kg=8_000)
    bus = make_bus(station, baudrate=9600, timeout=0.3)
    driver = ModbusWeightDriver(bus, wmap, "scale-2")
    with pytest.raises(DriverError) as caught:
        driver.poll()
    assert caught.value.kind == "timeout"
    assert str(caught.value).startswith(f"scale-2 (unit 1 on {station}): holding registers 0-4: ")
    with sim.start_rtu(device, baudrate=9600):
        assert driver.poll().weight_kg == 8_000
