"""The controllable simulators of one lane's devices, each on its configured address.

Each one starts listening (or posting) where the station will look, as `drivers.simulate`
does, but instead of inventing trucks of its own it plays what the rig tells it: a passage
of weights, a loop detector's state, one plate event, one WIM record.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from drivers.base import IndicatorValue
from drivers.cameras.listener import DAHUA, HIKVISION
from drivers.modbus import load_map, shipped_map
from drivers.modbus.sim import IoModuleSim, WeightTransmitterSim, WimControllerSim
from drivers.protocols import ENCODERS, encoder
from drivers.sim.camera import CameraSimulator, PlateEvent, PostResult
from drivers.sim.indicator import CONTINUOUS, OUTPUT_RATE_HZ, POLLED, PolledReplies
from drivers.sim.pictures import plate_picture, scene_picture
from drivers.sim.sign import SignSimulator
from drivers.sim.stream import StreamSimulator
from drivers.sim.transmitter import AxleTransmitterSim, CountModel, count_model
from drivers.transport import PortSettings
from station.config import DeviceConfig

log = logging.getLogger(__name__)

IDLE = IndicatorValue(weight_kg=0, stable=True, centre_of_zero=True)
PLATFORM_RATE_HZ = float(OUTPUT_RATE_HZ)  # a common continuous-output rate of indicators
MAX_BEHIND_S = 0.5  # after a stall the timeline skips ahead rather than bursting


class TrafficRigError(RuntimeError):
    """A device cannot be simulated as configured; the message names the device."""


@dataclass(frozen=True, slots=True)
class Passage:
    """What a weighing device plays for one vehicle, in simulated seconds.

    `values` are at `rate_hz` from the moment the play starts; the loop detector sees the
    vehicle at `loop_on_s` and it reaches the scale (the camera fires) at `lead_s`. A WIM
    controller has no values: its record is queued after `lead_s + pass_s`.
    """

    values: tuple[IndicatorValue, ...]
    rate_hz: float
    lead_s: float
    loop_on_s: float
    pass_s: float = 0.0
    tail_s: float = 0.0

    @property
    def duration_s(self) -> float:
        if self.values:
            return len(self.values) / self.rate_hz
        return self.lead_s + self.pass_s + self.tail_s


def listen_address(device_id: str, url: str) -> tuple[str, int]:
    """host and port of `tcp://host:port` or `socket://host:port`."""
    parts = urlsplit(url)
    if parts.scheme not in ("tcp", "socket") or parts.port is None:
        raise TrafficRigError(
            f"{device_id}: port {url!r}: the simulator listens on tcp://host:port"
        )
    return parts.hostname or "127.0.0.1", parts.port


def _busy(device: DeviceConfig, where: str, error: Exception) -> TrafficRigError:
    return TrafficRigError(f"{device.id}: cannot listen on {where} ({error}); is it in use?")


def register_map(device: DeviceConfig) -> Any:
    name = str(device.options.get("map") or "")
    if not name:
        raise TrafficRigError(f"{device.id}: options.map names the register map")
    try:
        return load_map(name) if name.endswith((".toml", ".json")) else shipped_map(name)
    except (OSError, ValueError) as error:
        raise TrafficRigError(f"{device.id}: options.map {name!r}: {error}") from None


class _Timeline(threading.Thread):
    """Applies one value every 1/rate_hz s: what a polled device shows at each moment."""

    def __init__(self, apply: Callable[[IndicatorValue], None], rate_hz: float) -> None:
        super().__init__(name="traffic-timeline", daemon=True)
        self._apply, self._period = apply, 1.0 / rate_hz
        self._lock = threading.Lock()
        self._queue: deque[IndicatorValue] = deque()
        self._done: threading.Event | None = None
        self._halt = threading.Event()

    def play(self, values: Sequence[IndicatorValue]) -> threading.Event:
        done = threading.Event()
        with self._lock:
            if self._done is not None:
                self._done.set()
            self._queue, self._done = deque(values), (done if values else None)
        if not values:
            done.set()
        return done

    def run(self) -> None:
        due = time.monotonic()
        while not self._halt.is_set():
            with self._lock:
                value = self._queue.popleft() if self._queue else IDLE
                finished, self._done = (self._done, None) if not self._queue else (None, self._done)
            try:
                self._apply(value)
            except Exception:  # a simulator keeps running whatever one value hit
                log.exception("traffic timeline: applying %r failed", value)
            if finished is not None:
                finished.set()
            due = max(due + self._period, time.monotonic() - MAX_BEHIND_S)
            self._halt.wait(max(due - time.monotonic(), 0.0))

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(2.0)
        with self._lock:
            if self._done is not None:
                self._done.set()


class _LiveReplies(PolledReplies):
    """MT-SICS / SMA answers with whatever the timeline put on the scale last."""

    def __init__(self, protocol: str) -> None:
        super().__init__(protocol, [IDLE])
        self.value = IDLE

    def current(self) -> IndicatorValue:
        return self.value


def _encoder_options(driver: str, options: dict) -> dict:
    """The device options the protocol's encoder understands (decimals, unit, layout...)."""
    accepted = inspect.signature(ENCODERS[driver]).parameters
    return {key: value for key, value in options.items() if key in accepted and key != "value"}


class IndicatorSim:
    """An axle-scale or platform indicator: continuous frames, or answers to polls.

    It never stops sending (a real indicator does not): the zero between vehicles, the
    passage while one crosses. Rates are simulated Hz times the rig's speedup.
    """

    def __init__(self, device: DeviceConfig, *, speedup: float, default_rate_hz: float) -> None:
        self.device = device
        self.rate_hz = float(device.options.get("rate_hz", default_rate_hz))
        self._speedup = speedup
        self.sim: StreamSimulator | None = None  # once started
        self._timeline: _Timeline | None = None
        try:
            self._encode = encoder(device.driver, **_encoder_options(device.driver, device.options))
        except ValueError as error:  # a misspelt option value must name the device
            raise TrafficRigError(f"{device.id}: {error}") from None
        self._replies = _LiveReplies(device.driver) if device.driver in POLLED else None

    def start(self) -> None:
        rate = self.rate_hz * self._speedup
        frames = [] if self._replies else [self._encode(IDLE)]
        target = str(self.device.options.get("sim_port") or self.device.port)
        if "://" in target and not target.startswith(("socket://", "tcp://")):
            raise TrafficRigError(f"{self.device.id}: set options.sim_port to the simulator's end")
        stream_rate = 0.0 if self._replies else rate
        if "://" in target:
            host, port = listen_address(self.device.id, target)
            try:
                self.sim = StreamSimulator.on_tcp(
                    frames, host=host, port=port, rate_hz=stream_rate, respond=self._replies
                )
            except OSError as error:
                raise _busy(self.device, f"{host}:{port}", error) from None
        else:
            self.sim = StreamSimulator.on_port(
                PortSettings(target), frames, rate_hz=stream_rate, respond=self._replies
            )
        self.sim.start()
        if self._replies is not None:
            replies = self._replies
            self._timeline = _Timeline(lambda value: setattr(replies, "value", value), rate)
            self._timeline.start()

    def play(self, passage: Passage) -> threading.Event:
        if self._timeline is not None:
            return self._timeline.play(passage.values)
        assert self.sim is not None, "start() first"
        frames = [self._encode(value) for value in passage.values]
        return self.sim.play(frames, then=[self._encode(IDLE)])

    def stop(self) -> None:
        if self._timeline is not None:
            self._timeline.stop()
        if self.sim is not None:
            self.sim.stop(2.0)


def counts_of(device: DeviceConfig) -> CountModel | None:
    """How a `raw_counts = true` transmitter's load cells count (drivers.sim.transmitter)."""
    if device.options.get("raw_counts") is not True:
        return None
    try:
        return count_model(device.options, device.id)
    except ValueError as error:
        raise TrafficRigError(str(error)) from None


class WeightTransmitterDevice:
    """A Modbus weight transmitter under a platform: the gross follows the passage."""

    def __init__(self, device: DeviceConfig, *, speedup: float) -> None:
        self.device = device
        self.rate_hz = float(device.options.get("rate_hz", PLATFORM_RATE_HZ))
        self.sim = WeightTransmitterSim(register_map(device), unit=device.options.get("unit"))
        self.counts = counts_of(device)
        self._timeline = _Timeline(self._apply, self.rate_hz * speedup)

    def _apply(self, value: IndicatorValue) -> None:
        kg = value.weight_kg
        gross = kg if self.counts is None else self.counts.counts(kg)
        self.sim.set(gross_kg=gross, stable=value.stable)

    def start(self) -> None:
        _start_modbus(self.sim, self.device)
        self._timeline.start()

    def play(self, passage: Passage) -> threading.Event:
        return self._timeline.play(passage.values)

    def stop(self) -> None:
        self._timeline.stop()
        self.sim.stop()


class AxleTransmitterDevice:
    """A Modbus weight transmitter under an axle scale: the station polls it once per sample,
    so each poll takes the passage's next sample (drivers.sim.transmitter), in counts with
    options.raw_counts. A passage lasts as many polls as it has samples: it is not sped up."""

    def __init__(self, device: DeviceConfig) -> None:
        self.device = device
        self.rate_hz = float(device.options.get("rate_hz", PLATFORM_RATE_HZ))
        self.sim = AxleTransmitterSim(
            register_map(device), unit=device.options.get("unit"), counts=counts_of(device)
        )

    def start(self) -> None:
        _start_modbus(self.sim, self.device)

    def play(self, passage: Passage) -> threading.Event:
        return self.sim.play([value.weight_kg for value in passage.values])

    def stop(self) -> None:
        self.sim.stop()


def _start_modbus(sim: Any, device: DeviceConfig) -> None:
    host, port = listen_address(device.id, device.port)
    try:
        sim.start_tcp(host, port)
    except Exception as error:  # pymodbus reports a busy port in several ways
        raise _busy(device, f"{host}:{port}", error) from None


class IoDevice:
    """The lane's I/O module: the loop detector is an input, light and barrier are coils."""

    def __init__(self, device: DeviceConfig) -> None:
        self.device = device
        self.sim = IoModuleSim(register_map(device), unit=device.options.get("unit"))
        self.loop_input = int(device.options.get("loop_input", 0))
        self.light_output = int(device.options.get("light_output", 0))
        self.barrier_output = int(device.options.get("barrier_output", 1))

    def start(self) -> None:
        _start_modbus(self.sim, self.device)

    def stop(self) -> None:
        self.sim.stop()

    def set_loop(self, present: bool) -> None:
        if self.loop_input < len(self.sim.inputs):
            self.sim.set_input(self.loop_input, present)

    def output(self, channel: int) -> bool | None:
        with self.sim.lock:
            outputs = self.sim.outputs
            return outputs[channel] if 0 <= channel < len(outputs) else None


class WimDevice:
    """A WIM controller: the vehicle's record is queued as the vehicle leaves the sensors."""

    def __init__(self, device: DeviceConfig, *, speedup: float, stopping: threading.Event) -> None:
        self.device = device
        self.sim = WimControllerSim(register_map(device), unit=device.options.get("unit"))
        self._speedup, self._stopping = speedup, stopping
        self.record: tuple[list[int], list[int], int] | None = None

    def start(self) -> None:
        _start_modbus(self.sim, self.device)

    def stop(self) -> None:
        self.sim.stop()

    def play(self, passage: Passage, record: tuple[list[int], list[int], int]) -> threading.Event:
        done = threading.Event()

        def run() -> None:
            try:
                if not self._stopping.wait((passage.lead_s + passage.pass_s) / self._speedup):
                    weights, spacings, speed = record
                    self.sim.queue_vehicle(weights, spacings, speed_kmh_x10=speed)
                    self._stopping.wait(passage.tail_s / self._speedup)
            finally:
                done.set()

        threading.Thread(target=run, name="traffic-wim", daemon=True).start()
        return done


class CameraDevice:
    """A plate camera posting to the station's listener at the device's URL."""

    def __init__(self, device: DeviceConfig, *, timeout_s: float) -> None:
        self.device = device
        parts = urlsplit(device.port)
        # A listener on 0.0.0.0 is reached on loopback; the path stays as configured.
        url = device.port
        if parts.hostname in (None, "", "0.0.0.0"):
            url = parts._replace(netloc=f"127.0.0.1:{parts.port or 80}").geturl()
        self.sim = CameraSimulator(
            url,
            device.driver,
            attempts=1,
            timeout_s=timeout_s,
            username=str(device.options.get("username", "")),
            password=str(device.options.get("password", "")),
        )

    def colour_word(self, colour: str) -> str:
        """Hikvision writes `yellow`, Dahua `Yellow`."""
        return colour.capitalize() if self.device.driver == DAHUA else colour.lower()

    def post(self, plate: str, colour: str, axles: int = 6) -> PostResult:
        event = PlateEvent(
            plate=plate,
            colour=self.colour_word(colour),
            plate_jpeg=plate_picture(plate, colour),
            scene_jpeg=scene_picture(plate, self.device.id, axles),
        )
        return self.sim.post_plate(event)


class SignDevice:
    """The lane's LED sign controller; it remembers what the station wrote."""

    def __init__(self, device: DeviceConfig) -> None:
        self.device = device
        host, port = listen_address(device.id, device.port)
        address = device.options.get("address")
        self.sim = (
            SignSimulator(host, port)
            if address is None
            else SignSimulator(host, port, address=int(address))
        )

    def start(self) -> None:
        try:
            self.sim.start()
        except OSError as error:
            raise _busy(self.device, f"{self.sim.host}:{self.sim.port}", error) from None

    def stop(self) -> None:
        self.sim.stop()

    def text(self) -> str:
        """The areas' texts in area order, one a line, colour escapes removed."""
        current = self.sim.current
        return "\n".join(re.sub(r"\\C\d", "", current[area]) for area in sorted(current))


SUPPORTED = (
    *CONTINUOUS,
    *POLLED,
    "modbus-weight",
    "modbus-io",
    "modbus-wim",
    HIKVISION,
    DAHUA,
    "onbon",
)


def check_supported(device: DeviceConfig) -> None:
    if device.driver not in SUPPORTED:
        known = ", ".join(sorted(SUPPORTED))
        raise TrafficRigError(
            f"{device.id}: no traffic simulator for driver {device.driver!r}; simulated: {known}"
        )


def stop_quietly(devices: Sequence[Any]) -> None:
    for device in reversed(devices):
        with contextlib.suppress(Exception):
            device.stop()
