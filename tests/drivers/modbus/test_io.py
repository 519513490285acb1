"""Digital I/O modules and relay boards against the simulator, for every shipped I/O map."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from drivers.modbus import DriverError, ModbusBus, ModbusIoDriver
from drivers.modbus.maps import IoMap, shipped_map
from drivers.modbus.sim import IoModuleSim
from tests.drivers.modbus.conftest import IO_MAPS

MakeBus = Callable[..., ModbusBus]


class IoRig:
    def __init__(self, name: str, make_bus: MakeBus, **driver_options: object) -> None:
        loaded = shipped_map(name)
        assert isinstance(loaded, IoMap)
        self.map = loaded
        self.sim = IoModuleSim(loaded).start_tcp()
        self.pdus: list[str] = []
        self.bus = make_bus(self.sim.url, trace=self._trace)
        self.driver = ModbusIoDriver(self.bus, loaded, "io-1", **driver_options)  # type: ignore[arg-type]

    def _trace(self, sending: bool, data: bytes) -> None:
        if sending:
            self.pdus.append(data[7:].hex(" "))


@pytest.fixture
def rig(request: pytest.FixtureRequest, make_bus: MakeBus) -> Iterator[IoRig]:
    made = IoRig(request.param, make_bus, names={0: "entry loop", 1: "light curtain"})
    yield made
    made.sim.stop()


every_map = pytest.mark.parametrize("rig", IO_MAPS, indirect=True)


@every_map
def test_inputs_are_read(rig: IoRig) -> None:
    if rig.map.inputs is None:
        with pytest.raises(DriverError, match=r"has no \[inputs\]"):
            rig.driver.read_inputs()
        return
    count = rig.map.inputs.count
    pattern = [channel % 3 == 0 for channel in range(count)]
    rig.sim.set_inputs(pattern)
    assert rig.driver.read_inputs() == pattern
    rig.sim.set_inputs([not state for state in pattern])
    assert rig.driver.read_inputs() == [not state for state in pattern]


@every_map
def test_changes_report_edges_between_polls(rig: IoRig) -> None:
    if rig.map.inputs is None:
        with pytest.raises(DriverError, match=r"has no \[inputs\]"):
            rig.driver.changes()
        return
    assert rig.driver.changes() == []  # the baseline
    assert rig.driver.changes() == []
    last = rig.map.inputs.count - 1
    rig.sim.set_input(0, True)
    rig.sim.set_input(last, True)
    before = time.monotonic()
    edges = rig.driver.changes()
    assert [(e.channel, e.state, e.name) for e in edges] == [
        (0, True, "entry loop"),
        (last, True, ""),
    ]
    assert all(e.device_id == "io-1" and e.t_mono >= before for e in edges)
    assert rig.driver.changes() == []
    rig.sim.set_input(0, False)
    assert [(e.channel, e.state) for e in rig.driver.changes()] == [(0, False)]
    assert rig.driver.last_inputs == rig.sim.inputs


@every_map
def test_outputs_follow_set_output(rig: IoRig) -> None:
    assert rig.map.outputs is not None  # every shipped I/O map drives outputs
    count = rig.map.outputs.count
    for channel in range(count):
        rig.driver.set_output(channel, True)
    assert rig.sim.outputs == [True] * count
    assert rig.driver.read_outputs() == [True] * count
    rig.driver.set_output(count - 1, False)
    assert rig.sim.outputs == [True] * (count - 1) + [False]
    assert rig.driver.read_outputs() == rig.sim.outputs
    with pytest.raises(ValueError, match=f"output {count} does not exist"):
        rig.driver.set_output(count, True)


@every_map
def test_pulse_closes_then_opens_the_contact(rig: IoRig) -> None:
    assert rig.map.outputs is not None  # every shipped I/O map drives outputs
    started = time.monotonic()
    rig.driver.pulse(1, 0.05)
    assert time.monotonic() - started >= 0.05
    assert rig.sim.output_log == [(1, True), (1, False)]
    assert rig.sim.outputs[1] is False


def test_outputs_of_an_adam_4050_are_coils_from_16(make_bus: MakeBus) -> None:
    rig = IoRig("adam-4050", make_bus)
    with rig.sim:
        rig.driver.set_output(0, True)
        rig.driver.read_inputs()
        assert rig.pdus == ["05 00 10 ff 00", "02 00 00 00 07"]


def test_a_pulse_is_released_even_when_the_wait_is_interrupted(make_bus: MakeBus) -> None:
    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    rig = IoRig("waveshare-relay-8ch", make_bus, sleep=interrupted)
    with rig.sim, pytest.raises(KeyboardInterrupt):
        rig.driver.pulse(3, 1.0)
    assert rig.sim.output_log == [(3, True), (3, False)]


def test_a_pulse_needs_a_duration(make_bus: MakeBus) -> None:
    rig = IoRig("waveshare-relay-8ch", make_bus)
    with rig.sim, pytest.raises(ValueError, match="more than 0 s"):
        rig.driver.pulse(0, 0)


def test_an_offline_module_names_device_and_coil(make_bus: MakeBus) -> None:
    rig = IoRig("adam-6050", make_bus)
    rig.sim.stop()
    with pytest.raises(DriverError) as caught:
        rig.driver.set_output(2, True)
    assert "io-1 (unit 1 on tcp://127.0.0.1:" in str(caught.value)
    assert "coil 18 (output 2)" in str(caught.value)
