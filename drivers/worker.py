"""One worker thread per physical port: open, read, decode, batch, deliver; reopen when lost.

The worker owns its port for its whole life: it opens it on its own thread, is the only
thread that reads or writes it, and closes it. Other threads talk to it through
`write()` (queued commands), `counters()` (a frozen snapshot), `reconnect()` and `stop()`.
Given a `frame_log`, it logs its traffic there for the diagnostics screen
(drivers.diagnostics). Results leave through two callbacks, called on the worker thread:

- `on_readings(list[WeightReading])`, at most about every `batch_interval_s` (never per byte);
- `on_status(DeviceStatus)`, when the state changes:
  CONNECTING -> OK <-> STALE, OFFLINE when the port cannot be opened or fails, and back
  through CONNECTING when it is open again.

The ui layer wraps the callbacks into Qt signals; nothing here imports Qt.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import serial

from drivers.base import IndicatorValue, StreamProtocol
from drivers.diagnostics import FrameLog, StreamCapture
from drivers.transport import (
    Backoff,
    PortSettings,
    ReconnectPolicy,
    interrupt,
    is_network_port,
    open_port,
    read_some,
)
from station.domain.readings import DeviceState, DeviceStatus, WeightReading

log = logging.getLogger(__name__)

ReadingsCallback = Callable[[list[WeightReading]], object]
StatusCallback = Callable[[DeviceStatus], object]

# A TCP peer that rebooted leaves our side of the connection open and silent forever; a device
# server only serves the new connections it accepts after booting. Reopening after this much
# silence is how "device server rebooted, read again" works without keepalive tuning.
NETWORK_SILENCE_REOPEN_S = 3.0
STOPPED = "stopped"  # the detail of the last status, after stop()


@dataclass(frozen=True, slots=True)
class DeviceCounters:
    """What the diagnostics screen shows for one port, as of one moment."""

    state: DeviceState
    port_open: bool = False
    bytes_in: int = 0
    bytes_out: int = 0
    frames: int = 0
    checksum_errors: int = 0
    format_errors: int = 0
    resyncs: int = 0
    discarded_bytes: int = 0
    reconnects: int = 0  # re-opens after the first, whatever the cause
    reconnect_requests: int = 0  # reconnect() calls
    last_error: str = ""
    last_error_t: float | None = None  # time.monotonic() of last_error
    last_value_t: float | None = None  # time.monotonic() of the last valid value
    cpu_s: float = 0.0  # CPU time the worker thread has used


def _check_positive(name: str, value: float | None, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"{name}: must be above 0, not {value!r}")


class PortWorker(threading.Thread):
    """Reads one port with blocking I/O and short timeouts; the GUI never waits on it.

    If the protocol has a `reset()` method it is called on every (re)connection, so that
    half a frame from the lost connection cannot join the first bytes of the new one; it must
    clear the frame buffer only, not the stats.
    """

    def __init__(
        self,
        device_id: str,
        settings: PortSettings,
        protocol: StreamProtocol,
        *,
        on_readings: ReadingsCallback,
        on_status: StatusCallback,
        stale_after_s: float = 1.0,
        poll_interval_s: float = 0.2,
        batch_interval_s: float = 0.05,
        command_ttl_s: float = 1.0,
        reopen_after_silence_s: float | Literal["auto"] | None = "auto",
        reconnect: ReconnectPolicy | None = None,
        frame_log: FrameLog | None = None,
    ) -> None:
        super().__init__(name=f"port-{device_id}", daemon=True)
        for name, value in (
            ("stale_after_s", stale_after_s),
            ("poll_interval_s", poll_interval_s),
            ("batch_interval_s", batch_interval_s),
            ("command_ttl_s", command_ttl_s),
        ):
            _check_positive(name, value)
        if reopen_after_silence_s == "auto":
            network = is_network_port(settings.port)
            reopen_after_silence_s = NETWORK_SILENCE_REOPEN_S if network else None
        _check_positive("reopen_after_silence_s", reopen_after_silence_s, allow_none=True)

        self.device_id = device_id
        self.settings = settings
        self._protocol = protocol
        self._on_readings = on_readings
        self._on_status = on_status
        self._stale_after_s = stale_after_s
        self._poll_interval_s = poll_interval_s
        self._batch_interval_s = batch_interval_s
        self._command_ttl_s = command_ttl_s
        self._reopen_after_silence_s = reopen_after_silence_s

        self._stopping = threading.Event()
        self._reopen = threading.Event()  # reconnect() asked: close and open again
        # The backoff sleeps on this, so stop() and reconnect() cut a reconnect wait short.
        self._wake = threading.Event()
        self._backoff = Backoff(reconnect or ReconnectPolicy(), sleep=self._pause)
        self._capture = StreamCapture(frame_log) if frame_log is not None else None
        self._commands: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()
        # Guards the port reference: stop() may only cancel a read on a port that is not being
        # closed, or the cancel could hit a reused file descriptor.
        self._port_lock = threading.Lock()
        self._port: serial.SerialBase | None = None
        # Guards the counters, the state and the protocol's stats (read by counters()).
        self._lock = threading.Lock()
        self._state = DeviceState.OFFLINE
        self._port_open = False
        self._bytes_in = 0
        self._bytes_out = 0
        self._reconnects = 0
        self._reconnect_requests = 0
        self._opened_once = False
        self._last_error = ""
        self._last_error_t: float | None = None
        self._last_value_t: float | None = None
        self._protocol_errors_seen = 0
        self._discarded_seen = 0
        self._cpu_s = 0.0
        self._callback_error = ""
        self._last_failure = ""

        # Session state: touched by the worker thread only.
        self._opened_at = 0.0
        self._last_byte_t = 0.0
        self._next_poll_t = 0.0
        self._pending: list[WeightReading] = []
        self._last_flush_t = -math.inf

    # ------------------------------------------------------------------ other threads

    @property
    def state(self) -> DeviceState:
        with self._lock:
            return self._state

    def counters(self) -> DeviceCounters:
        """A consistent snapshot, safe to call from any thread."""
        with self._lock:
            stats = self._protocol.stats
            return DeviceCounters(
                state=self._state,
                port_open=self._port_open,
                bytes_in=self._bytes_in,
                bytes_out=self._bytes_out,
                frames=stats.frames,
                checksum_errors=stats.checksum_errors,
                format_errors=stats.format_errors,
                resyncs=stats.resyncs,
                discarded_bytes=stats.discarded_bytes,
                reconnects=self._reconnects,
                reconnect_requests=self._reconnect_requests,
                last_error=self._last_error,
                last_error_t=self._last_error_t,
                last_value_t=self._last_value_t,
                cpu_s=self._cpu_s,
            )

    def write(self, data: bytes) -> None:
        """Queue bytes (a zero or tare command) for the worker thread to send.

        A command that cannot be sent within `command_ttl_s` (port offline) is dropped and
        recorded as last_error: zeroing a scale seconds after the operator asked is wrong.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data: bytes needed, not {type(data).__name__}")
        if data:
            self._commands.put((time.monotonic(), bytes(data)))

    def reconnect(self) -> None:
        """Close the port and open it again, on the worker thread; returns at once.

        A wait between failed attempts is cut short. Counted in `reconnect_requests` now, and
        in `reconnects` once the port is open again.
        """
        with self._lock:
            self._reconnect_requests += 1
        self._reopen.set()
        self._wake.set()
        self._interrupt()

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop reading and close the port; True when the thread has ended within `timeout`.

        Never hangs: a thread stuck in a slow open (a TCP connect) is a daemon and ends on
        its own once the open returns.
        """
        self._stopping.set()
        self._wake.set()
        self._interrupt()
        if self.ident is None or threading.current_thread() is self:
            return not self.is_alive()
        self.join(timeout)
        return not self.is_alive()

    def _interrupt(self) -> None:
        with self._port_lock:
            if self._port is not None:
                interrupt(self._port)

    # ------------------------------------------------------------------ worker thread

    def run(self) -> None:
        self._set_state(DeviceState.CONNECTING, f"opening {self.settings.describe()}")
        while not self._stopping.is_set():
            try:
                self._cycle()
            except Exception:  # a bug in the worker itself; keep the thread alive regardless
                log.exception("%s: port worker loop failed", self.device_id)
                self._stopping.wait(self._backoff.policy.max_s)
        self._set_state(DeviceState.OFFLINE, STOPPED)

    def _cycle(self) -> None:
        """One connection: open, pump until stop, error or silence, close; back off on error."""
        failed = False
        try:
            self._pump(self._connect())
        except Exception as exc:  # the loop edge: any failure means reconnect, never a dead thread
            failed = True
            self._fail(exc)
        finally:
            self._disconnect()
        if failed and not self._stopping.is_set():
            self._backoff.wait()

    def _pause(self, seconds: float) -> None:
        """The backoff's sleep: ends early on stop() or reconnect()."""
        self._wake.wait(seconds)
        self._wake.clear()

    def _connect(self) -> serial.SerialBase:
        port = open_port(self.settings)
        # A reconnect asked for before this open is served by it.
        self._reopen.clear()
        self._wake.clear()
        with self._port_lock:
            self._port = port
        self._last_failure = ""
        reset = getattr(self._protocol, "reset", None)
        if callable(reset):
            reset()
        now = time.monotonic()
        self._opened_at = now
        self._last_byte_t = now
        self._next_poll_t = now
        with self._lock:
            if self._opened_once:
                self._reconnects += 1
            self._opened_once = True
            self._port_open = True
            quietly = self._state is DeviceState.STALE
        if not quietly:  # a reopen after silence keeps STALE rather than flapping
            self._set_state(DeviceState.CONNECTING, f"{self.settings.describe()} open")
        return port

    def _pump(self, port: serial.SerialBase) -> None:
        while not self._stopping.is_set():
            if self._reopen.is_set():
                self._record_error(f"{self.settings.describe()}: reconnect asked; reopening")
                return
            self._send_due(port, time.monotonic())
            data = read_some(port)
            now = time.monotonic()
            if data:
                self._take(data, now)
            if self._silent_too_long(now):
                return
            self._watch_stale(now)
            if self._pending and now - self._last_flush_t >= self._batch_interval_s:
                self._flush(now)
            self._cpu_s = time.thread_time()

    def _send_due(self, port: serial.SerialBase, now: float) -> None:
        while not self._commands.empty():
            queued_at, data = self._commands.get()
            if now - queued_at > self._command_ttl_s:
                self._record_error(f"command {data!r} dropped: port was not connected in time")
                continue
            self._send(port, data)
        if now >= self._next_poll_t:
            # Keep the poll on its own grid, so the sample rate holds; after a stall (more
            # than one period late) start again from now rather than firing a burst.
            self._next_poll_t += self._poll_interval_s
            if self._next_poll_t <= now:
                self._next_poll_t = now + self._poll_interval_s
            request = self._protocol.poll_request()
            if request:
                self._send(port, request)

    def _send(self, port: serial.SerialBase, data: bytes) -> None:
        written = port.write(data)
        with self._lock:
            self._bytes_out += written if isinstance(written, int) else len(data)
        if self._capture is not None:
            self._capture.sent(data, time.monotonic())

    def _take(self, data: bytes, now: float) -> None:
        rejected = ""
        with self._lock:
            self._bytes_in += len(data)
            values = self._protocol.feed(data)
            stats = self._protocol.stats
            errors = stats.checksum_errors + stats.format_errors
            if errors != self._protocol_errors_seen:
                self._protocol_errors_seen = errors
                self._last_error, self._last_error_t = stats.last_error, now
                rejected = stats.last_error
            discarded = stats.discarded_bytes != self._discarded_seen
            self._discarded_seen = stats.discarded_bytes
            if values:
                self._last_value_t = now
        self._last_byte_t = now
        if self._capture is not None:
            buffered = getattr(self._protocol, "buffered", None)
            self._capture.received(
                data, values, buffered, now, rejected=rejected, discarded=discarded
            )
        if values:
            self._pending.extend(self._reading(value, now) for value in values)
            self._backoff.succeeded()
            self._set_state(DeviceState.OK)

    def _reading(self, value: IndicatorValue, now: float) -> WeightReading:
        return WeightReading(
            device_id=self.device_id,
            weight_kg=value.weight_kg,
            stable=value.stable,
            t_mono=now,
            net=value.net,
            tare_kg=value.tare_kg,
            overload=value.overload,
            underload=value.underload,
            centre_of_zero=value.centre_of_zero,
            raw=value.raw,
        )

    def _watch_stale(self, now: float) -> None:
        if self._state is DeviceState.STALE:
            return
        last_value_t = self._last_value_t
        since = self._opened_at if last_value_t is None else max(self._opened_at, last_value_t)
        if now - since >= self._stale_after_s:
            self._set_state(DeviceState.STALE, f"no valid frame for {self._stale_after_s:g} s")

    def _silent_too_long(self, now: float) -> bool:
        limit = self._reopen_after_silence_s
        if limit is None or now - self._last_byte_t < limit:
            return False
        self._record_error(f"{self.settings.describe()}: no data for {limit:g} s; reopening")
        return True

    def _flush(self, now: float) -> None:
        batch, self._pending = self._pending, []
        self._last_flush_t = now
        self._deliver(self._on_readings, batch)

    def _fail(self, exc: Exception) -> None:
        opened = self._port is not None
        where = self.settings.describe()
        text = f"{type(exc).__name__}: {exc}" if not isinstance(exc, OSError) else str(exc)
        message = f"{where}: {text}" if opened else f"cannot open {where}: {text}"
        if message != self._last_failure:  # retries repeat the same failure every few seconds
            self._last_failure = message
            if not isinstance(exc, OSError):  # not an I/O problem: a bug; show where it came from
                log.error("%s: %s", self.device_id, message, exc_info=exc)
            elif self._state is DeviceState.OFFLINE:  # else the state change below logs it
                log.info("%s: still offline: %s", self.device_id, message)
        self._record_error(message)
        self._backoff.failed()
        self._set_state(DeviceState.OFFLINE, message)

    def _disconnect(self) -> None:
        with self._port_lock:
            port, self._port = self._port, None
        with self._lock:
            self._port_open = False
        if self._capture is not None:
            self._capture.cut_off(time.monotonic())
        if port is not None:
            try:
                port.close()
            except Exception as exc:  # closing a lost port may fail; the port is gone either way
                log.debug("%s: close failed: %s", self.device_id, exc)
        if self._pending:
            self._flush(time.monotonic())
        self._cpu_s = time.thread_time()

    def _record_error(self, message: str) -> None:
        with self._lock:
            self._last_error, self._last_error_t = message, time.monotonic()

    def _set_state(self, state: DeviceState, detail: str = "") -> None:
        with self._lock:
            if state is self._state:
                return
            self._state = state
        trouble = state in (DeviceState.OFFLINE, DeviceState.STALE) and detail != STOPPED
        level = logging.WARNING if trouble else logging.INFO
        log.log(level, "%s: %s %s", self.device_id, state.value, detail)
        status = DeviceStatus(self.device_id, state, time.monotonic(), detail)
        self._deliver(self._on_status, status)

    def _deliver(self, callback: Callable[[object], object], payload: object) -> None:
        # A failing consumer is a bug upstream; it must not cost the port its connection.
        try:
            callback(payload)
        except Exception as exc:
            message = f"{getattr(callback, '__name__', 'callback')} failed: {exc!r}"
            if message != self._callback_error:
                log.exception("%s: %s", self.device_id, message)
                self._callback_error = message
            self._record_error(message)
