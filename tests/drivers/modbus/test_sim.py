"""The simulators' life cycle: start, stop, restart on the same port, clean threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.modbus import BusError, ModbusBus
from drivers.modbus.maps import shipped_map
from drivers.modbus.sim import IoModuleSim, WeightTransmitterSim

MakeBus = Callable[..., ModbusBus]


def sim_threads() -> list[threading.Thread]:
    names = {"WeightTransmitterSim", "IoModuleSim", "WimControllerSim"}
    return [thread for thread in threading.enumerate() if thread.name in names]


def test_start_stop_and_restart_on_the_same_port(make_bus: MakeBus) -> None:
    sim = WeightTransmitterSim(shipped_map("pt-global-pt113"))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="not been started"):
        _ = sim.url
    sim.start_tcp()
    port = sim.port
    assert sim.running and sim.url == f"tcp://127.0.0.1:{port}"
    with pytest.raises(RuntimeError, match="already running"):
        sim.start_tcp()
    sim.stop()
    sim.stop()  # twice is harmless
    assert not sim.running and not sim_threads()
    sim.start_tcp()
    assert sim.port == port
    bus = make_bus(sim.url)
    assert bus.read_registers("holding", 8, 1, 1) == [0]
    sim.stop()
    assert not sim_threads()


def test_two_simulators_get_different_free_ports() -> None:
    io_map = shipped_map("adam-6050")
    with IoModuleSim(io_map).start_tcp() as first, IoModuleSim(io_map).start_tcp() as second:  # type: ignore[arg-type]
        assert first.port != second.port


def test_a_serial_port_that_does_not_exist_fails_cleanly(tmp_path: Path) -> None:
    sim = IoModuleSim(shipped_map("lctech-relay-8ch"))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        sim.start_rtu(str(tmp_path / "no-such-tty"))
    assert not sim.running and not sim_threads()


def test_a_simulator_only_serves_its_own_unit(make_bus: MakeBus) -> None:
    with IoModuleSim(shipped_map("lctech-relay-8ch")).start_tcp() as sim:  # type: ignore[arg-type]
        bus = make_bus(sim.url)
        assert len(bus.read_bits("discrete", 0, 8, 255)) == 8
        with pytest.raises(BusError) as caught:  # the server answers for unknown units
            bus.read_bits("discrete", 0, 8, 1)
        assert caught.value.kind == "exception"
