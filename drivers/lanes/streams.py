"""Indicators on serial ports or device servers: a PortWorker each, its output as lane events.

Each keeps a FrameLog of its traffic (drivers.diagnostics) for the technician's screen.
"""

from __future__ import annotations

from dataclasses import fields, replace

from drivers.diagnostics import FrameLog
from drivers.lanes.axles import AxleScaleFeed
from drivers.lanes.emit import Emitter
from drivers.lanes.specs import Planned, StreamSpec
from drivers.protocols import make, mtsics, sma
from drivers.worker import PortWorker
from station.domain.readings import DeviceState, DeviceStatus, WeightReading, WimVehicle

# Protocols whose indicators take a zero command from the PC (the others only send).
ZERO_COMMANDS = {"mtsics": lambda: mtsics.command("Z"), "sma": lambda: sma.command("Z")}


class StreamDevice:
    """One indicator: static platforms deliver every reading, axle scales vehicles too."""

    def __init__(self, planned: Planned, emitter: Emitter) -> None:
        spec = planned.spec
        assert isinstance(spec, StreamSpec)
        self.device_id = planned.device_id
        self.lane = planned.lane
        self._driver = planned.device.driver
        self._emitter = emitter
        self._rate_hz = spec.rate_hz
        self._last_t = float("-inf")
        self.frame_log = FrameLog()
        self.feed: AxleScaleFeed | None = None
        if spec.axles is not None:
            self.feed = AxleScaleFeed(
                self.device_id,
                spec.axles,
                clock=emitter.clock,
                on_reading=self._emit,
                on_vehicle=self._emit,
            )
        self.worker = PortWorker(
            self.device_id,
            spec.settings,
            make(planned.device.driver, **spec.protocol_options),
            on_readings=self._readings,
            on_status=self._status,
            poll_interval_s=spec.poll_s,
            frame_log=self.frame_log,
        )

    def start(self) -> None:
        self.worker.start()

    def zero_command(self) -> bytes | None:
        """The indicator's zero command, for the protocols that take commands."""
        driver = self._driver
        if driver in ZERO_COMMANDS:
            return ZERO_COMMANDS[driver]()
        return None

    def zero(self) -> None:
        command = self.zero_command()
        if command is None:
            raise ValueError(
                f"{self.device_id}: the {self._driver} protocol has no zero command; "
                "zero the scale on the indicator"
            )
        self.worker.write(command)

    def stop(self) -> None:
        """Ask the worker to stop without waiting; `join` waits."""
        self.worker.stop(timeout=0)

    def join(self, timeout: float) -> None:
        if self.worker.ident is not None:  # never started: a start-up that failed half-way
            self.worker.join(timeout)

    def is_alive(self) -> bool:
        return self.worker.is_alive()

    @property
    def connected(self) -> bool:
        return self.worker.counters().port_open

    def diagnose(self) -> tuple[DeviceState, dict[str, object]]:
        """The state and the worker's counters, from one consistent snapshot."""
        counters = self.worker.counters()
        values = {f.name: getattr(counters, f.name) for f in fields(counters)}
        del values["state"]
        return counters.state, values

    def reconnect(self) -> None:
        self.worker.reconnect()

    # ------------------------------------------------------------------ worker thread

    def _emit(self, event: WeightReading | WimVehicle) -> None:
        self._emitter.emit(self.lane, event)

    def _readings(self, batch: list[WeightReading]) -> None:
        if self.feed is not None:
            self.feed.readings(batch)
            return
        # A batch holds everything read since the last one (about 50 ms of real time, which
        # is seconds of a sped-up simulation); the indicator sent them at its output rate,
        # so they are stamped back from now at that rate, never before the previous one.
        now = self._emitter.clock()
        step = 1.0 / self._rate_hz
        last = len(batch) - 1
        for index, reading in enumerate(batch):
            stamp = max(now - (last - index) * step, self._last_t + 1e-6)
            self._last_t = stamp
            self._emit(replace(reading, t_mono=stamp))

    def _status(self, status: DeviceStatus) -> None:
        self._emitter.emit(self.lane, replace(status, t_mono=self._emitter.clock()))
        if self.feed is not None:
            self.feed.stream_state(status.state)
