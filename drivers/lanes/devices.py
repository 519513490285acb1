"""`open_devices`: start the drivers of every lane's devices; `LaneDevices` runs and stops them.

`LaneDevices` also serves the technician's device screen: `diagnostics()` (state, counters and
the last raw frames of every device) and `reconnect(device_id)`; neither waits on a device.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from drivers.diagnostics import DeviceDiagnostics, FrameLog, plain_counters
from drivers.lanes.axles import AxleScaleFeed
from drivers.lanes.cameras import CameraService
from drivers.lanes.emit import Emitter
from drivers.lanes.loops import (
    BARRIER,
    LIGHT,
    ZERO,
    Adapter,
    AxleWeightAdapter,
    DeviceLoop,
    IoAdapter,
    QueuedOutputs,
    SignAdapter,
    WeightAdapter,
    WimAdapter,
)
from drivers.lanes.plan import plan_devices
from drivers.lanes.specs import CameraSpec, ModbusSpec, Planned, SignSpec, StreamSpec
from drivers.lanes.streams import StreamDevice
from drivers.modbus import ModbusBus, ModbusIoDriver, ModbusWeightDriver, ModbusWimDriver
from drivers.modbus.maps import WeightMap, WimMap
from drivers.modbus.tap import TappedBus
from drivers.signs.onbon import OnbonSign, TextArea
from station.config import LaneConfig
from station.domain.readings import DeviceState
from station.lanes.ports import (
    Clock,
    Converters,
    CountConverter,
    DeviceEvent,
    EventSink,
    LaneOutputs,
    NoOutputs,
)

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 1.8  # close() returns within about this, whatever the devices do


def _bus(spec: ModbusSpec) -> ModbusBus:
    line = spec.line
    return ModbusBus(
        line.port,
        baudrate=line.baudrate,
        bytesize=line.bytesize,
        parity=line.parity,
        stopbits=line.stopbits,
        timeout=line.timeout_s,
        retries=1,
    )


def _axle_feed(item: Planned, emitter: Emitter, converter: CountConverter | None) -> AxleScaleFeed:
    spec = item.spec
    assert isinstance(spec, ModbusSpec) and spec.axles is not None

    def emit(event: DeviceEvent) -> None:
        emitter.emit(item.lane, event)

    return AxleScaleFeed(
        item.device_id,
        spec.axles,
        clock=emitter.clock,
        on_reading=emit,
        on_vehicle=emit,
        converter=converter,
    )


def _modbus_adapter(
    item: Planned,
    shared: ModbusBus,
    frame_log: FrameLog,
    emitter: Emitter,
    converter: CountConverter | None,
) -> Adapter:
    spec = item.spec
    assert isinstance(spec, ModbusSpec)
    register_map, device_id, clock = spec.register_map, item.device_id, emitter.clock
    bus = TappedBus(shared, frame_log)  # this device's requests, apart from its neighbours'
    if isinstance(register_map, WeightMap):
        weight = ModbusWeightDriver(bus, register_map, device_id, spec.unit, clock=clock)
        if spec.axles is not None:
            return AxleWeightAdapter(weight, spec.poll_s, _axle_feed(item, emitter, converter))
        return WeightAdapter(weight, spec.poll_s)
    if isinstance(register_map, WimMap):
        wim = ModbusWimDriver(bus, register_map, device_id, spec.unit, clock=clock)
        return WimAdapter(wim, spec.poll_s)
    assert spec.io is not None
    named = ((spec.io.loop_input, "loop"), (spec.io.curtain_input, "curtain"))
    names = {channel: name for channel, name in named if channel is not None}
    io = ModbusIoDriver(bus, register_map, device_id, spec.unit, names=names, clock=clock)
    return IoAdapter(io, spec.io, spec.poll_s, clock)


def _sign_adapter(item: Planned, frame_log: FrameLog) -> SignAdapter:
    spec = item.spec
    assert isinstance(spec, SignSpec)
    sign = OnbonSign(
        spec.host, spec.port, spec.timeout_s, address=spec.address, frame_log=frame_log
    )
    area = TextArea(width=spec.width, height=spec.height)
    return SignAdapter(item.device_id, sign, area, spec.ping_s)


Snapshot = Callable[[], tuple[DeviceState, Mapping[str, object]]]


@dataclass(frozen=True, slots=True)
class _Watched:
    """How to look at one running device and reconnect it, whatever its kind."""

    planned: Planned
    log: FrameLog
    snapshot: Snapshot  # state and counters; never waits on I/O
    reconnect: Callable[[], None]  # returns at once
    zero: Callable[[], None] | None = None  # queues a zero command; None: the device has none


class LaneDevices:
    """The running drivers of all lanes (station.lanes.ports.StationDevices)."""

    def __init__(self, lanes: Sequence[int], emitter: Emitter) -> None:
        self._lanes = tuple(lanes)
        self._emitter = emitter
        self._streams: list[StreamDevice] = []
        self._loops: list[DeviceLoop] = []
        self._cameras: list[CameraService] = []
        self._buses: dict[str, ModbusBus] = {}
        self._connected: dict[str, Callable[[], bool]] = {}
        self._watched: dict[str, _Watched] = {}
        self._outputs: dict[int, LaneOutputs] = {}
        self._close_lock = threading.Lock()
        self._closed = False

    # ------------------------------------------------------------------ StationDevices

    def outputs(self, lane: int) -> LaneOutputs:
        """The lane's outputs; NoOutputs for a lane without I/O module or sign."""
        if lane not in self._outputs:
            raise KeyError(f"lane {lane} is not configured; lanes: {list(self._outputs)}")
        return self._outputs[lane]

    def connected(self, device_id: str) -> bool:
        """Whether the device's port or connection is up now."""
        if device_id not in self._connected:
            raise KeyError(f"device {device_id!r} is not configured")
        return self._connected[device_id]()

    # ------------------------------------------------------------------ diagnostics

    def diagnostics(self) -> list[DeviceDiagnostics]:
        """Every device's state, counters and last raw frames, in configuration order.

        Safe from any thread and cheap (a few ms): it reads snapshots and never waits on a
        device, even one stuck in a request. After close() every device reads OFFLINE.
        """
        now = time.monotonic()
        return [self._diagnose(watched, now) for watched in self._watched.values()]

    def reconnect(self, device_id: str) -> None:
        """Close the device's port or connection and open it again, in the background.

        Returns at once. A Modbus device shares its port with the others on the same line,
        and a camera its listener with the others on the same host:port: they reconnect
        with it. Counted in the device's `reconnect_requests` now and `reconnects` once
        the port is open again. Does nothing after close().
        """
        watched = self._watched.get(device_id)
        if watched is None:
            known = ", ".join(self._watched) or "none"
            raise KeyError(f"device {device_id!r} is not configured; devices: {known}")
        if self._closed:
            log.info("%s: reconnect ignored, the devices are closed", device_id)
            return
        log.info("%s: reconnect asked", device_id)
        watched.reconnect()

    def zero(self, device_id: str) -> None:
        """Send the scale's zero command (queued; returns at once).

        Only indicators that take commands (MT-SICS, SMA) and Modbus transmitters whose
        map has a zero command can be zeroed from the PC; others raise ValueError saying
        to zero on the indicator. The indicator itself decides whether it obeys (most
        only zero when stable and near zero).
        """
        watched = self._watched.get(device_id)
        if watched is None:
            raise KeyError(f"device {device_id!r} is not configured")
        if watched.zero is None:
            raise ValueError(
                f"{device_id}: this device takes no zero command from the PC; "
                "zero the scale on the indicator"
            )
        log.info("%s: zero asked", device_id)
        watched.zero()

    def _diagnose(self, watched: _Watched, now: float) -> DeviceDiagnostics:
        state, counters = watched.snapshot()
        device = watched.planned.device
        return DeviceDiagnostics(
            device_id=device.id,
            lane=watched.planned.lane,
            kind=device.kind,
            driver=device.driver,
            port=device.port,
            state=DeviceState.OFFLINE if self._closed else state,
            counters=plain_counters(counters),
            frames=watched.log.frames(),
            t_mono=now,
        )

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Stop every driver thread and close every port; idempotent, within ~2 s."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._emitter.close()
        deadline = time.monotonic() + CLOSE_TIMEOUT_S

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        # Every thread is told first, so they wind down together rather than in turn.
        for stream in self._streams:
            stream.stop()
        for loop in self._loops:
            loop.stop()
        for service in self._cameras:
            service.stop(left())
        for stream in self._streams:
            stream.join(left())
        for loop in self._loops:
            if loop.ident is not None:  # a start-up that failed half-way left some unstarted
                loop.join(left())
        self._close_buses(left)
        alive = [s.device_id for s in self._streams if s.is_alive()]
        alive += [loop.device_id for loop in self._loops if loop.is_alive()]
        if alive:  # daemon threads: they end when their blocking call returns
            log.warning("devices still stopping after close(): %s", ", ".join(alive))

    # ------------------------------------------------------------------ building

    def _close_buses(self, left: Callable[[], float]) -> None:
        for key, bus in self._buses.items():
            lock = bus.exclusive()
            # A request still running holds the bus; closing under it would block close().
            if lock.acquire(timeout=left()):
                try:
                    bus.close()
                finally:
                    lock.release()
            else:
                log.warning("Modbus port %s still busy; left to close itself", key)

    def _add_stream(self, item: Planned) -> None:
        stream = StreamDevice(item, self._emitter)
        self._streams.append(stream)
        self._connected[item.device_id] = lambda: stream.connected
        zero = stream.zero if stream.zero_command() is not None else None
        self._watch(item, stream.frame_log, stream.diagnose, stream.reconnect, zero)

    def _add_loop(self, item: Planned, adapter: Adapter, frame_log: FrameLog) -> DeviceLoop:
        loop = DeviceLoop(adapter, item.lane, self._emitter)
        self._loops.append(loop)
        self._connected[item.device_id] = lambda: loop.connected

        def snapshot() -> tuple[DeviceState, Mapping[str, object]]:
            return loop.state or DeviceState.CONNECTING, loop.counters()

        zero = None
        if isinstance(adapter, WeightAdapter) and adapter.can_zero:
            zero = partial(loop.wish, ZERO, True)
        self._watch(item, frame_log, snapshot, loop.reconnect, zero)
        return loop

    def _watch(
        self,
        item: Planned,
        frame_log: FrameLog,
        snapshot: Snapshot,
        reconnect: Callable[[], None],
        zero: Callable[[], None] | None = None,
    ) -> None:
        self._watched[item.device_id] = _Watched(item, frame_log, snapshot, reconnect, zero)

    def _add_cameras(self, cameras: Sequence[Planned]) -> None:
        by_address: dict[tuple[str, int], list[Planned]] = {}
        for item in cameras:
            assert isinstance(item.spec, CameraSpec)
            by_address.setdefault((item.spec.host, item.spec.port), []).append(item)
        for (host, port), items in by_address.items():
            service = CameraService(host, port, items, self._emitter)
            self._cameras.append(service)
            for item in items:
                self._connected[item.device_id] = lambda service=service: service.connected
                self._watch_camera(service, item)

    def _watch_camera(self, service: CameraService, item: Planned) -> None:
        device_id = item.device_id

        def snapshot() -> tuple[DeviceState, Mapping[str, object]]:
            return service.state, service.counters(device_id)

        self._watch(item, service.logs[device_id], snapshot, service.restart)

    def _build(self, planned: Sequence[Planned], converters: Converters) -> None:
        lights: dict[int, list[DeviceLoop]] = {}
        barriers: dict[int, list[DeviceLoop]] = {}
        signs: dict[int, list[DeviceLoop]] = {}
        for item in planned:
            spec = item.spec
            if isinstance(spec, StreamSpec):
                self._add_stream(item)
            elif isinstance(spec, ModbusSpec):
                key = spec.line.key
                bus = self._buses.get(key) or self._buses.setdefault(key, _bus(spec))
                frame_log = FrameLog()
                converter = converters.get(item.device_id) if spec.raw_counts else None
                adapter = _modbus_adapter(item, bus, frame_log, self._emitter, converter)
                loop = self._add_loop(item, adapter, frame_log)
                if isinstance(adapter, IoAdapter):
                    drives = adapter.drives
                    for name, table in ((LIGHT, lights), (BARRIER, barriers)):
                        if name in drives:
                            table.setdefault(item.lane, []).append(loop)
            elif isinstance(spec, SignSpec):
                frame_log = FrameLog()
                loop = self._add_loop(item, _sign_adapter(item, frame_log), frame_log)
                signs.setdefault(item.lane, []).append(loop)
        self._add_cameras([item for item in planned if isinstance(item.spec, CameraSpec)])
        self._connect_separators()
        for lane in self._lanes:
            parts = (lights.get(lane, []), barriers.get(lane, []), signs.get(lane, []))
            self._outputs[lane] = QueuedOutputs(*parts) if any(parts) else NoOutputs()

    def _connect_separators(self) -> None:
        feeds = [(stream.lane, stream.feed) for stream in self._streams]
        feeds += [
            (loop.lane, loop.adapter.feed)
            for loop in self._loops
            if isinstance(loop.adapter, AxleWeightAdapter)
        ]
        for lane, feed in feeds:
            if feed is None or feed.spec.separator is None:
                continue
            for loop in self._loops:
                adapter = loop.adapter
                if loop.lane == lane and isinstance(adapter, IoAdapter):
                    adapter.watch(feed.spec.separator, feed.separator)

    def _start(self) -> None:
        for stream in self._streams:
            stream.start()
        for loop in self._loops:
            loop.start()
        for service in self._cameras:
            service.start()


def _check_converters(planned: Sequence[Planned], converters: Converters) -> None:
    """A raw-count axle scale's counts are kg before segmentation, with the station's
    coefficients: the station must hand over its converter."""
    for item in planned:
        spec = item.spec
        raw_axles = isinstance(spec, ModbusSpec) and spec.axles is not None and spec.raw_counts
        if raw_axles and item.device_id not in converters:
            raise ValueError(
                f"{item.where}.options.raw_counts: no converter for the raw-count axle "
                f"scale {item.device_id!r}; the station's runtime gives one per such "
                "scale (station.lanes.rawcounts.RawCountConverter)"
            )


def open_devices(
    lanes: Sequence[LaneConfig],
    sink: EventSink,
    clock: Clock,
    converters: Converters | None = None,
) -> LaneDevices:
    """Start the drivers of every device of `lanes`; events go to `sink(lane, event)`.

    Every device is checked first: a ValueError names the first bad key
    (``lanes[i].devices[j].driver``) before anything starts. Then every driver starts on
    its own thread and this returns at once, even when no device is reachable: drivers
    reconnect on their own and report DeviceStatus OFFLINE meanwhile. `sink` is called
    from driver threads and must return at once; `clock()` stamps every event's t_mono.
    `converters` (device id -> the station's CountConverter) turn the counts of raw-count
    axle scales into kg before their samples are segmented; each such scale needs one.
    """
    planned = plan_devices(lanes)
    converters = converters or {}
    _check_converters(planned, converters)
    devices = LaneDevices([lane.number for lane in lanes], Emitter(sink, clock))
    try:
        devices._build(planned, converters)
        devices._start()
    except BaseException:
        devices.close()
        raise
    return devices
