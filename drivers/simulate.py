"""`main.py simulate`: run the simulators of the configured devices, alone.

A technician points the station's configuration at the simulators (devices marked
`simulate = true`) and checks the app's wiring without a truck. Each simulator speaks
its device's real wire protocol on the port the app will open:

| driver                                  | simulator                                          |
| toledo, yaohua-tf0, yaohua-eq, yaohua-w | indicator frames: trucks crossing (axle_scale) or  |
| mtsics, sma (answering polls)           |                                                    |
|                                         | standing on the platform (scale), on TCP or serial |
| modbus-weight / modbus-io / modbus-wim  | a Modbus TCP server with the device's register map |
|                                         | (axle_scale: trucks crossing, one sample per poll; |
|                                         | raw_counts: counts, drivers.sim.transmitter)       |
| hikvision, dahua                        | a camera posting plate events to the app's listener |
| onbon                                   | an LED sign controller listening on TCP            |

Where the app opens `socket://host:port` or `tcp://host:port` the simulator listens
there; for a serial device the simulator needs the other end of the line in
`options.sim_port` (a socat pty pair or a null-modem cable).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from drivers.modbus import load_map, shipped_map
from drivers.modbus.maps import IoMap, WeightMap, WimMap
from drivers.modbus.sim import IoModuleSim, WeightTransmitterSim, WimControllerSim
from drivers.sim.camera import CameraSimulator, PlateEvent
from drivers.sim.indicator import (
    CONTINUOUS,
    OUTPUT_RATE_HZ,
    POLLED,
    SimulatorConfigError,
    axle_scale_values,
    indicator_simulator,
    platform_values,
)
from drivers.sim.sign import SignSimulator
from drivers.sim.transmitter import AxleTransmitterSim, CountModel, count_model

log = logging.getLogger(__name__)

PLATE_EVERY_S = 15.0
WEIGHT_STEP_S = 0.04


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """What the simulator needs to know of one configured device."""

    id: str
    kind: str
    driver: str
    port: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class RunningSimulator:
    device_id: str
    description: str
    stop: Callable[[], object]


def _host_port(url: str, device: DeviceSpec) -> tuple[str, int]:
    parts = urlsplit(url if "://" in url else f"tcp://{url}")
    if parts.port is None:
        raise SimulatorConfigError(
            f"{device.id}: port {device.port!r} needs host:port to listen on"
        )
    return parts.hostname or "127.0.0.1", parts.port


def _indicator(device: DeviceSpec, seed: int) -> RunningSimulator:
    target = str(device.options.get("sim_port") or device.port)
    if "://" in target and not target.startswith(("socket://", "tcp://")):
        raise SimulatorConfigError(f"{device.id}: set options.sim_port to the simulator's end")
    if target.startswith("socket://"):
        target = "tcp://" + target.removeprefix("socket://")
    rate = _rate(device)
    sim = indicator_simulator(device.driver, target, kind=device.kind, seed=seed, rate_hz=rate)
    sim.start()
    return RunningSimulator(device.id, f"{device.driver} indicator on {target}", sim.stop)


def _rate(device: DeviceSpec) -> int:
    rate = device.options.get("rate_hz", OUTPUT_RATE_HZ)
    if isinstance(rate, bool) or not isinstance(rate, int) or not 1 <= rate <= 2000:
        raise SimulatorConfigError(f"{device.id}: options.rate_hz must be 1 to 2000, not {rate!r}")
    return rate


def _count_model(device: DeviceSpec) -> CountModel | None:
    """A `raw_counts = true` transmitter sends counts (options sim_zero_counts and
    sim_kg_per_count; the coefficients to store for it are `CountModel.coefficients()`)."""
    if device.options.get("raw_counts") is not True:
        return None
    try:
        return count_model(device.options, device.id)
    except ValueError as exc:
        raise SimulatorConfigError(str(exc)) from None


def _register_map(device: DeviceSpec) -> Any:
    name = device.options.get("map")
    if not name:
        raise SimulatorConfigError(f"{device.id}: options.map names the register map")
    text = str(name)
    return load_map(text) if text.endswith((".toml", ".json")) else shipped_map(text)


class _Ticker(threading.Thread):
    """Calls `step` every `period` seconds until stopped (feeds the Modbus models)."""

    def __init__(self, period: float, step: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self._period, self._step, self._halt = period, step, threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self._period):
            try:
                self._step()
            except Exception:  # a simulator keeps running whatever one step hit
                log.exception("simulator step failed")

    def stop(self) -> None:
        self._halt.set()
        self.join(2.0)


def _weight_feed(
    sim: WeightTransmitterSim, seed: int, counts: CountModel | None
) -> Callable[[], None]:
    values = iter(())

    def step() -> None:
        nonlocal values
        value = next(values, None)
        if value is None:
            values = iter(platform_values(seed, 5))
            return
        gross = value.weight_kg if counts is None else counts.counts(value.weight_kg)
        sim.set(gross_kg=gross, stable=value.stable)

    return step


def _wim_feed(sim: WimControllerSim, seed: int) -> Callable[[], None]:
    rng = random.Random(seed)

    def step() -> None:
        axles = [rng.randrange(6000, 12000, 10) for _ in range(rng.choice((2, 3, 5, 6)))]
        spacings = [rng.choice((1310, 1350, 3200, 4200)) for _ in axles[:-1]] + [0]
        sim.queue_vehicle(axles, spacings, speed_kmh_x10=rng.randrange(20, 100))

    return step


def _io_feed(sim: IoModuleSim) -> Callable[[], None]:
    state = {"on": False}

    def step() -> None:
        state["on"] = not state["on"]
        sim.set_input(0, state["on"])  # a loop detector seeing a vehicle come and go

    return step


def _axle_transmitter(device: DeviceSpec, register_map: WeightMap, seed: int) -> RunningSimulator:
    """Trucks crossing an axle scale, one sample per poll of the station (at its rate_hz)."""
    host, port = _host_port(device.port, device)
    counts = _count_model(device)
    sim = AxleTransmitterSim(register_map, unit=device.options.get("unit"), counts=counts)
    values = axle_scale_values(seed, vehicles=20, rate_hz=_rate(device))
    sim.play([value.weight_kg for value in values], repeat=True)
    sim.start_tcp(host, port)
    what = "kg"
    if counts is not None:  # what the technician stores for the station to give kg back
        what = ", ".join(f"{name} = {value}" for name, value in counts.coefficients().items())
        what = f"raw counts; coefficients {what}"
    return RunningSimulator(
        device.id, f"axle-scale transmitter ({what}) on {host}:{port}", sim.stop
    )


def _modbus(device: DeviceSpec, seed: int) -> RunningSimulator:
    register_map = _register_map(device)
    if isinstance(register_map, WeightMap) and device.kind == "axle_scale":
        return _axle_transmitter(device, register_map, seed)
    host, port = _host_port(device.port, device)
    counts = _count_model(device) if isinstance(register_map, WeightMap) else None
    builders: dict[type, tuple[Any, Callable[[Any], Callable[[], None]], float]] = {
        WeightMap: (WeightTransmitterSim, lambda s: _weight_feed(s, seed, counts), WEIGHT_STEP_S),
        IoMap: (IoModuleSim, _io_feed, 5.0),
        WimMap: (WimControllerSim, lambda s: _wim_feed(s, seed), 20.0),
    }
    sim_class, feed, period = builders[type(register_map)]
    sim = sim_class(register_map, unit=device.options.get("unit"))
    sim.start_tcp(host, port)
    ticker = _Ticker(period, feed(sim))
    ticker.start()

    def stop() -> None:
        ticker.stop()
        sim.stop()

    return RunningSimulator(device.id, f"{device.driver} server on {host}:{port}", stop)


def _camera(device: DeviceSpec, seed: int) -> RunningSimulator:
    camera = CameraSimulator(device.port, device.driver)
    rng = random.Random(seed)
    plates = ["豫A12345", "冀B6M789", "鲁C3K520", "晋E88P21", "皖K7D306"]

    def step() -> None:
        camera.post_plate(PlateEvent(plate=rng.choice(plates), colour="yellow"))

    ticker = _Ticker(float(device.options.get("sim_every_s", PLATE_EVERY_S)), step)
    ticker.start()
    return RunningSimulator(
        device.id, f"{device.driver} camera posting to {device.port}", ticker.stop
    )


def _sign(device: DeviceSpec, _seed: int) -> RunningSimulator:
    host, port = _host_port(device.port, device)
    sign = SignSimulator(host, port)
    sign.start()
    return RunningSimulator(device.id, f"onbon sign on {host}:{port}", sign.stop)


BUILDERS: dict[str, Callable[[DeviceSpec, int], RunningSimulator]] = {
    **dict.fromkeys(CONTINUOUS + POLLED, _indicator),
    "modbus-weight": _modbus,
    "modbus-io": _modbus,
    "modbus-wim": _modbus,
    "hikvision": _camera,
    "dahua": _camera,
    "onbon": _sign,
}


def start_simulators(devices: list[DeviceSpec], seed: int = 1) -> list[RunningSimulator]:
    """Start one simulator per device; on any error stop those already started and raise."""
    running: list[RunningSimulator] = []
    try:
        for index, device in enumerate(devices):
            build = BUILDERS.get(device.driver)
            if build is None:
                known = ", ".join(sorted(BUILDERS))
                problem = f"no simulator for driver {device.driver!r}; simulated drivers: {known}"
                raise SimulatorConfigError(f"{device.id}: {problem}")
            running.append(build(device, seed + index))
    except BaseException:
        stop_all(running)
        raise
    return running


def stop_all(running: list[RunningSimulator]) -> None:
    for simulator in reversed(running):
        simulator.stop()
