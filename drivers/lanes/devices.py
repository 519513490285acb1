"""`open_devices`: start the drivers of every lane's devices; `LaneDevices` runs and stops them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from drivers.lanes.cameras import CameraService
from drivers.lanes.emit import Emitter
from drivers.lanes.loops import (
    BARRIER,
    LIGHT,
    Adapter,
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
from drivers.signs.onbon import OnbonSign, TextArea
from station.config import LaneConfig
from station.lanes.ports import Clock, EventSink, LaneOutputs, NoOutputs

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


def _modbus_adapter(item: Planned, bus: ModbusBus, clock: Clock) -> Adapter:
    spec = item.spec
    assert isinstance(spec, ModbusSpec)
    register_map, device_id = spec.register_map, item.device_id
    if isinstance(register_map, WeightMap):
        weight = ModbusWeightDriver(bus, register_map, device_id, spec.unit, clock=clock)
        return WeightAdapter(weight, spec.poll_s)
    if isinstance(register_map, WimMap):
        wim = ModbusWimDriver(bus, register_map, device_id, spec.unit, clock=clock)
        return WimAdapter(wim, spec.poll_s)
    assert spec.io is not None
    named = ((spec.io.loop_input, "loop"), (spec.io.curtain_input, "curtain"))
    names = {channel: name for channel, name in named if channel is not None}
    io = ModbusIoDriver(bus, register_map, device_id, spec.unit, names=names, clock=clock)
    return IoAdapter(io, spec.io, spec.poll_s, clock)


def _sign_adapter(item: Planned) -> SignAdapter:
    spec = item.spec
    assert isinstance(spec, SignSpec)
    sign = OnbonSign(spec.host, spec.port, spec.timeout_s, address=spec.address)
    area = TextArea(width=spec.width, height=spec.height)
    return SignAdapter(item.device_id, sign, area, spec.ping_s)


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

    def _add_loop(self, item: Planned, adapter: Adapter) -> DeviceLoop:
        loop = DeviceLoop(adapter, item.lane, self._emitter)
        self._loops.append(loop)
        self._connected[item.device_id] = lambda: loop.connected
        return loop

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

    def _build(self, planned: Sequence[Planned]) -> None:
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
                adapter = _modbus_adapter(item, bus, self._emitter.clock)
                loop = self._add_loop(item, adapter)
                if isinstance(adapter, IoAdapter):
                    drives = adapter.drives
                    for name, table in ((LIGHT, lights), (BARRIER, barriers)):
                        if name in drives:
                            table.setdefault(item.lane, []).append(loop)
            elif isinstance(spec, SignSpec):
                loop = self._add_loop(item, _sign_adapter(item))
                signs.setdefault(item.lane, []).append(loop)
        self._add_cameras([item for item in planned if isinstance(item.spec, CameraSpec)])
        self._connect_separators()
        for lane in self._lanes:
            parts = (lights.get(lane, []), barriers.get(lane, []), signs.get(lane, []))
            self._outputs[lane] = QueuedOutputs(*parts) if any(parts) else NoOutputs()

    def _connect_separators(self) -> None:
        for stream in self._streams:
            feed = stream.feed
            if feed is None or feed.spec.separator is None:
                continue
            for loop in self._loops:
                adapter = loop.adapter
                if loop.lane == stream.lane and isinstance(adapter, IoAdapter):
                    adapter.watch(feed.spec.separator, feed.separator)

    def _start(self) -> None:
        for stream in self._streams:
            stream.start()
        for loop in self._loops:
            loop.start()
        for service in self._cameras:
            service.start()


def open_devices(lanes: Sequence[LaneConfig], sink: EventSink, clock: Clock) -> LaneDevices:
    """Start the drivers of every device of `lanes`; events go to `sink(lane, event)`.

    Every device is checked first: a ValueError names the first bad key
    (``lanes[i].devices[j].driver``) before anything starts. Then every driver starts on
    its own thread and this returns at once, even when no device is reachable: drivers
    reconnect on their own and report DeviceStatus OFFLINE meanwhile. `sink` is called
    from driver threads and must return at once; `clock()` stamps every event's t_mono.
    """
    planned = plan_devices(lanes)
    devices = LaneDevices([lane.number for lane in lanes], Emitter(sink, clock))
    try:
        devices._build(planned)
        devices._start()
    except BaseException:
        devices.close()
        raise
    return devices
