"""Devices the station asks rather than listens to: Modbus transmitters, WIM controllers and
I/O modules, and LED signs. One thread per device polls it and applies the lane's wishes
(light, barrier, sign text) to it, so a caller never waits on a device.

`reconnect()` makes the device's thread drop the connection and poll again at once; the
loop counts polls, failures and timeouts for the diagnostics screen (`counters()`).

A wish is kept per output, latest wins: if the barrier is asked open and then closed while
the module is unreachable, only "closed" is ever written. A wish that fails on a device
problem stays pending and is retried with backoff; one the device can never take (text
the sign's font lacks) is logged and dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from drivers.lanes.axles import AxleScaleFeed
from drivers.lanes.emit import Emitter
from drivers.lanes.specs import IoSpec
from drivers.modbus import DriverError, ModbusIoDriver, ModbusWeightDriver, ModbusWimDriver
from drivers.modbus.tap import AnyBus, TappedBus
from drivers.signs.onbon import (
    OnbonSign,
    SignConnectionError,
    SignNack,
    SignTimeout,
    TextArea,
)
from drivers.transport import Backoff, ReconnectPolicy
from station.domain.readings import DeviceState, InputChange
from station.lanes.ports import Clock, DeviceEvent

log = logging.getLogger(__name__)

RETRY_POLICY = ReconnectPolicy(initial_s=0.2, factor=2.0, max_s=5.0)
LIGHT, BARRIER, TEXT = "light", "barrier", "text"


class Adapter(Protocol):
    """What a DeviceLoop drives; all calls on the loop's thread."""

    device_id: str
    period_s: float

    def poll(self) -> Sequence[DeviceEvent]: ...

    def apply(self, output: str, value: object) -> None: ...

    def problem(self, exc: Exception) -> DeviceState | None:
        """OFFLINE or STALE for a failure of the device; None for anything else."""
        ...

    def reconnect(self) -> None:
        """Drop the connection; the next request opens it again at once."""
        ...

    def counters(self) -> dict[str, object]:
        """The adapter's own counters for diagnostics; cheap, callable from any thread."""
        ...

    def close(self) -> None: ...


@dataclass
class LoopCounters:
    """What a DeviceLoop counts; written on its thread under its lock."""

    polls: int = 0
    errors: int = 0  # failed polls and writes
    timeouts: int = 0  # of which the device did not answer in time
    writes: int = 0  # outputs written
    reconnect_requests: int = 0
    last_error: str = ""
    last_error_t: float | None = None  # time.monotonic()
    last_ok_t: float | None = None  # time.monotonic() of the last request that succeeded


def is_timeout(exc: Exception) -> bool:
    return getattr(exc, "kind", "") == "timeout" or isinstance(exc, SignTimeout | TimeoutError)


class Wishes:
    """The latest wish per output; put from any thread, taken by the device's thread."""

    def __init__(self, wake: threading.Event) -> None:
        self._wake = wake
        self._lock = threading.Lock()
        self._pending: dict[str, object] = {}

    def put(self, output: str, value: object) -> None:
        with self._lock:
            self._pending[output] = value
        self._wake.set()

    def take(self) -> dict[str, object]:
        with self._lock:
            taken, self._pending = self._pending, {}
        return taken

    def restore(self, failed: dict[str, object]) -> None:
        """Put back wishes that failed, unless a newer one came meanwhile."""
        with self._lock:
            for output, value in failed.items():
                self._pending.setdefault(output, value)

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._pending)


class DeviceLoop(threading.Thread):
    """Polls one device every `period_s`, applies wishes as they come, reports its state."""

    def __init__(self, adapter: Adapter, lane: int, emitter: Emitter) -> None:
        super().__init__(name=f"device-{adapter.device_id}", daemon=True)
        self.adapter = adapter
        self.device_id = adapter.device_id
        self.lane = lane
        self._emitter = emitter
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.wishes = Wishes(self._wake)
        self._backoff = Backoff(RETRY_POLICY)
        self._retry_at = 0.0
        self._state: DeviceState | None = None
        self._logged = ""
        self._reopen = threading.Event()
        self._counts = LoopCounters()
        self._counts_lock = threading.Lock()

    @property
    def state(self) -> DeviceState | None:
        return self._state

    @property
    def connected(self) -> bool:
        return self._state in (DeviceState.OK, DeviceState.STALE)

    def wish(self, output: str, value: object) -> None:
        self.wishes.put(output, value)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def reconnect(self) -> None:
        """Ask the loop's thread to drop the connection and poll again; returns at once."""
        with self._counts_lock:
            self._counts.reconnect_requests += 1
        self._reopen.set()
        self._wake.set()

    def counters(self) -> dict[str, object]:
        """The loop's counters and the adapter's; safe from any thread, never waits on I/O."""
        with self._counts_lock:
            values: dict[str, object] = dict(vars(self._counts))
        values.update(self.adapter.counters())
        return values

    def run(self) -> None:
        self._report(DeviceState.CONNECTING, "starting")
        next_poll = time.monotonic()
        try:
            while not self._stopping.is_set():
                self._wake.clear()  # before taking: a wish put after this wakes the wait
                now = time.monotonic()
                if self._reopen.is_set():
                    self._reconnect_now()
                    next_poll = now
                if self.wishes and now >= self._retry_at:
                    self._apply_wishes()
                if now >= next_poll:
                    self._poll()
                    next_poll = now + self.adapter.period_s
                self._wake.wait(self._wait_s(next_poll))
        finally:
            try:
                self.adapter.close()
            except Exception:  # closing a lost connection may fail; it is gone either way
                log.debug("%s: close failed", self.device_id, exc_info=True)

    def _reconnect_now(self) -> None:
        self._reopen.clear()
        try:
            self.adapter.reconnect()
        except Exception:  # closing a lost connection may fail; it is gone either way
            log.debug("%s: dropping the connection failed", self.device_id, exc_info=True)
        self._retry_at = 0.0  # pending wishes are tried again at once, too
        self._report(DeviceState.CONNECTING, "reconnect asked")

    def _wait_s(self, next_poll: float) -> float:
        until = min(next_poll, self._retry_at) if self.wishes else next_poll
        return max(0.0, until - time.monotonic())

    def _poll(self) -> None:
        with self._counts_lock:
            self._counts.polls += 1
        try:
            events = self.adapter.poll()
        except Exception as exc:  # the loop edge: any failure is reported, the loop goes on
            self._failed(exc, "poll")
            return
        self._succeeded()
        self._report(DeviceState.OK)
        for event in events:
            self._emitter.emit(self.lane, event)

    def _apply_wishes(self) -> None:
        failed: dict[str, object] = {}
        error = ""
        for output, value in self.wishes.take().items():
            try:
                self.adapter.apply(output, value)
            except Exception as exc:
                if self._failed(exc, f"{output} = {value!r}"):
                    failed[output], error = value, str(exc)
                continue
            self._succeeded(wrote=True)
            self._report(DeviceState.OK)
        if not failed:
            if self._backoff.failures:
                log.info(
                    "%s: outputs set after %d failed attempts",
                    self.device_id,
                    self._backoff.failures,
                )
            self._backoff.succeeded()
            return
        self.wishes.restore(failed)
        delay = self._backoff.failed()
        self._retry_at = time.monotonic() + delay
        if self._backoff.failures == 1:  # once per run of failures: a dead module retries often
            log.warning(
                "%s: could not set %s (%s); retrying, at most every %g s",
                self.device_id,
                ", ".join(failed),
                error,
                RETRY_POLICY.max_s,
            )

    def _succeeded(self, *, wrote: bool = False) -> None:
        with self._counts_lock:
            self._counts.last_ok_t = time.monotonic()
            self._counts.writes += wrote

    def _count_failure(self, exc: Exception, message: str) -> None:
        with self._counts_lock:
            counts = self._counts
            counts.errors += 1
            counts.timeouts += is_timeout(exc)
            counts.last_error, counts.last_error_t = message, time.monotonic()

    def _failed(self, exc: Exception, what: str) -> bool:
        """Report a failure; True when it was the device's (worth retrying)."""
        state = self.adapter.problem(exc)
        message = f"{what}: {exc}"
        self._count_failure(exc, message)
        if state is None:
            # Not the device: a wish it can never take, or a bug. Retrying cannot help.
            if message != self._logged:
                self._logged = message
                log.error("%s: %s", self.device_id, message, exc_info=exc)
            return False
        self._report(state, message)
        return True

    def _report(self, state: DeviceState, detail: str = "") -> None:
        if state is self._state:
            return
        self._state = state
        trouble = state in (DeviceState.OFFLINE, DeviceState.STALE)
        level = logging.WARNING if trouble else logging.INFO
        log.log(level, "%s: %s %s", self.device_id, state.value, detail)
        self._emitter.status(self.lane, self.device_id, state, detail)


# --------------------------------------------------------------------------- Modbus


def modbus_problem(exc: Exception) -> DeviceState | None:
    if not isinstance(exc, DriverError):
        return None
    # No answer at all is a lost device; an answer that makes no sense is a live device
    # that is misconfigured (wrong map, unit or registers): connected, but no valid data.
    return DeviceState.OFFLINE if exc.kind in ("connection", "timeout") else DeviceState.STALE


class _ModbusAdapter:
    def __init__(self, device_id: str, period_s: float, bus: AnyBus) -> None:
        self.device_id = device_id
        self.period_s = period_s
        self.bus = bus

    def problem(self, exc: Exception) -> DeviceState | None:
        return modbus_problem(exc)

    def reconnect(self) -> None:
        """Drop the bus's connection (every device on the port reconnects with it)."""
        self.bus.drop_connection()

    def counters(self) -> dict[str, object]:
        bus = self.bus
        values: dict[str, object] = {"reconnects": bus.reconnects}
        if isinstance(bus, TappedBus):
            values.update(requests=bus.requests, request_failures=bus.failures)
        return values

    def apply(self, output: str, value: object) -> None:
        raise ValueError(f"{self.device_id} has no output {output!r}")

    def close(self) -> None:
        """The bus is shared with other devices; its owner closes it."""


ZERO = "zero"  # a wish of a weighing device: zero the scale once


class WeightAdapter(_ModbusAdapter):
    def __init__(self, driver: ModbusWeightDriver, period_s: float) -> None:
        super().__init__(driver.device_id, period_s, driver.bus)
        self.driver = driver

    def poll(self) -> Sequence[DeviceEvent]:
        return [self.driver.poll()]

    @property
    def can_zero(self) -> bool:
        return "zero" in self.driver.map.commands

    def apply(self, output: str, value: object) -> None:
        if output != ZERO:
            super().apply(output, value)
        elif value:
            self.driver.zero()


class AxleWeightAdapter(WeightAdapter):
    """A weight transmitter under an axle scale: each poll is one sample of the stream,
    segmented into axles as an indicator's (the feed emits live readings and vehicles).

    A failed poll breaks the stream: the samples it misses would otherwise shift the
    sample clock under an open passage, which is closed and flagged partial instead.
    """

    def __init__(self, driver: ModbusWeightDriver, period_s: float, feed: AxleScaleFeed):
        super().__init__(driver, period_s)
        self.feed = feed

    def poll(self) -> Sequence[DeviceEvent]:
        try:
            reading = self.driver.poll()
        except Exception as exc:
            state = self.problem(exc)
            if state is not None:
                self.feed.stream_state(state)
            raise
        self.feed.readings([reading])
        return []


class WimAdapter(_ModbusAdapter):
    def __init__(self, driver: ModbusWimDriver, period_s: float) -> None:
        super().__init__(driver.device_id, period_s, driver.bus)
        self.driver = driver

    def poll(self) -> Sequence[DeviceEvent]:
        vehicle = self.driver.poll()
        return [] if vehicle is None else [vehicle]


class IoAdapter(_ModbusAdapter):
    """Inputs as InputChange (named loop / curtain), light and barrier as coils."""

    def __init__(self, driver: ModbusIoDriver, spec: IoSpec, period_s: float, clock: Clock):
        super().__init__(driver.device_id, period_s, driver.bus)
        self.driver = driver
        self._clock = clock
        self._outputs = {LIGHT: spec.light_output, BARRIER: spec.barrier_output}
        self._baseline_sent = False
        self._watchers: list[tuple[str, Callable[[bool], None]]] = []

    def watch(self, name: str, callback: Callable[[bool], None]) -> None:
        """Call `callback(state)` on this thread whenever the input `name` is read anew
        (its first state, then every change); it must return at once."""
        self._watchers.append((name, callback))

    @property
    def drives(self) -> set[str]:
        return {name for name, channel in self._outputs.items() if channel is not None}

    def poll(self) -> Sequence[DeviceEvent]:
        if self.driver.input_count == 0:
            self.driver.read_outputs()  # nothing to read but whether the module answers
            return []
        changes = self.driver.changes()
        if not self._baseline_sent:
            # The first read only sets the driver's baseline; the lane still needs to know a
            # vehicle is on the loop at start-up, so the named inputs are reported as they are.
            self._baseline_sent = True
            states = self.driver.last_inputs or []
            now = self._clock()
            changes = [
                InputChange(self.device_id, channel, states[channel], now, name)
                for channel, name in sorted(self.driver.names.items())
            ]
        for change in changes:
            for name, callback in self._watchers:
                if change.name == name:
                    callback(change.state)
        return changes

    def apply(self, output: str, value: object) -> None:
        channel = self._outputs.get(output)
        if channel is None:
            return
        self.driver.set_output(channel, bool(value))


# --------------------------------------------------------------------------- LED sign


class SignAdapter:
    """Shows texts; a ping every `period_s` keeps the sign's state known between texts."""

    def __init__(self, device_id: str, sign: OnbonSign, area: TextArea, period_s: float):
        self.device_id = device_id
        self.period_s = period_s
        self.sign = sign
        self.area = area

    def poll(self) -> Sequence[DeviceEvent]:
        self.sign.ping()
        return []

    def apply(self, output: str, value: object) -> None:
        if output == TEXT:
            self.sign.show_text(str(value), self.area)

    def reconnect(self) -> None:
        self.sign.close()

    def counters(self) -> dict[str, object]:
        return {"reconnects": self.sign.reconnects}

    def problem(self, exc: Exception) -> DeviceState | None:
        if isinstance(exc, SignConnectionError | SignTimeout | OSError):
            return DeviceState.OFFLINE
        if isinstance(exc, SignNack):
            return DeviceState.STALE  # it answers, but refuses: connected, not working
        return None

    def close(self) -> None:
        self.sign.close()


# --------------------------------------------------------------------------- lane outputs


class QueuedOutputs:
    """A lane's light, barrier and sign: each call queues a wish and returns at once."""

    def __init__(
        self,
        lights: Sequence[DeviceLoop],
        barriers: Sequence[DeviceLoop],
        signs: Sequence[DeviceLoop],
    ) -> None:
        self._lights = tuple(lights)
        self._barriers = tuple(barriers)
        self._signs = tuple(signs)

    def set_light(self, green: bool) -> None:
        for loop in self._lights:
            loop.wish(LIGHT, bool(green))

    def set_barrier(self, open_: bool) -> None:
        for loop in self._barriers:
            loop.wish(BARRIER, bool(open_))

    def show(self, text: str) -> None:
        for loop in self._signs:
            loop.wish(TEXT, str(text))
