"""The simulators of configured devices speak the devices' real protocols on real ports."""

from __future__ import annotations

import queue
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.cameras.listener import CameraListener, hikvision_route
from drivers.modbus import ModbusBus, ModbusWeightDriver, shipped_map
from drivers.protocols import make
from drivers.signs.onbon import OnbonSign
from drivers.sim.indicator import SimulatorConfigError
from drivers.simulate import DeviceSpec, RunningSimulator, start_simulators, stop_all
from drivers.transport import PortSettings
from drivers.worker import PortWorker
from station.domain.readings import PlateRead, WeightReading
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def simulators() -> Iterator[list[RunningSimulator]]:
    running: list[RunningSimulator] = []
    yield running
    stop_all(running)


def first_readings(port: str, protocol: str, count: int) -> list[WeightReading]:
    inbox: queue.SimpleQueue[WeightReading] = queue.SimpleQueue()
    worker = PortWorker("test", PortSettings(port), make(protocol),
                        on_readings=lambda batch: [inbox.put(r) for r in batch],
                        on_status=lambda _s: None)  # fmt: skip
    worker.start()
    try:
        return [inbox.get(timeout=5) for _ in range(count)]
    finally:
        worker.stop()


@pytest.mark.parametrize(
    ("driver", "kind"),
    [("toledo", "scale"), ("yaohua-tf0", "axle_scale"), ("mtsics", "scale"), ("sma", "scale")],
)
def test_indicator_simulator_on_a_device_server(
    simulators: list[RunningSimulator], driver: str, kind: str
) -> None:
    port = f"socket://127.0.0.1:{free_port()}"
    simulators += start_simulators([DeviceSpec("scale", kind, driver, port)])
    readings = first_readings(port, driver, 30)
    assert all(isinstance(r.weight_kg, int) and r.weight_kg >= 0 for r in readings)
    assert len({r.weight_kg for r in readings}) > 1, "the simulated truck moves the weight"


def test_modbus_weight_simulator_serves_its_map(simulators: list[RunningSimulator]) -> None:
    port = f"tcp://127.0.0.1:{free_port()}"
    spec = DeviceSpec("tx", "scale", "modbus-weight", port, {"map": "flintec-ft112"})
    simulators += start_simulators([spec])
    bus = ModbusBus(port)
    try:
        driver = ModbusWeightDriver(bus, shipped_map("flintec-ft112"), "tx")
        weights = set()
        deadline = time.monotonic() + 5
        while len(weights) < 3 and time.monotonic() < deadline:
            weights.add(driver.poll().weight_kg)
            time.sleep(0.05)
    finally:
        bus.close()
    assert len(weights) >= 3


def test_camera_simulator_posts_plates_to_the_listener(simulators: list[RunningSimulator]) -> None:
    plates: queue.SimpleQueue[PlateRead] = queue.SimpleQueue()
    listener = CameraListener("127.0.0.1", 0, plates.put, routes=[hikvision_route("/anpr", "cam")])
    listener.start()
    try:
        spec = DeviceSpec("cam", "camera", "hikvision", listener.url("/anpr"), {"sim_every_s": 0.2})
        simulators += start_simulators([spec])
        plate = plates.get(timeout=5)
    finally:
        stop_all(simulators)
        simulators.clear()
        listener.stop()
    assert plate.device_id == "cam" and plate.plate[0] in "豫冀鲁晋皖"


def test_sign_simulator_answers_like_a_controller(simulators: list[RunningSimulator]) -> None:
    port = free_port()
    simulators += start_simulators([DeviceSpec("sign", "sign", "onbon", f"tcp://127.0.0.1:{port}")])
    sign = OnbonSign("127.0.0.1", port)
    try:
        assert sign.ping() is not None
    finally:
        sign.close()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (DeviceSpec("x", "scale", "simulator", "sim://x"), "no simulator for driver"),
        (DeviceSpec("x", "scale", "yaohua-tf1", "socket://127.0.0.1:1"), "driver .yaohua-tf1."),
        (DeviceSpec("x", "scale", "toledo", "rfc2217://h:1"), "sim_port"),
        (DeviceSpec("x", "scale", "modbus-weight", "tcp://127.0.0.1:1"), "options.map"),
    ],
)
def test_unsupported_devices_are_refused_clearly(spec: DeviceSpec, message: str) -> None:
    with pytest.raises(SimulatorConfigError, match=message):
        start_simulators([spec])


def test_simulate_command_runs_the_configured_simulators(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "station.toml"
    config.write_text(
        '[station]\nsite_code = "410102210001"\nname = "测试站"\n'
        '[[lanes]]\nnumber = 1\nmode = "STATIC"\n'
        '[[lanes.devices]]\nid = "p"\nkind = "scale"\ndriver = "toledo"\n'
        f'port = "socket://127.0.0.1:{port}"\nsimulate = true\n',
        encoding="utf-8",
    )
    command = [sys.executable, "main.py", "simulate", "--config", str(config), "--duration", "4"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert "toledo indicator" in process.stdout.readline()
        readings = first_readings(f"socket://127.0.0.1:{port}", "toledo", 5)
        assert len(readings) == 5
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()


def test_simulate_command_without_simulated_devices_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[station]\nsite_code = "410102210001"\nname = "测试站"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "main.py", "simulate", "--config", str(config), "--duration", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "simulate = true" in result.stderr
