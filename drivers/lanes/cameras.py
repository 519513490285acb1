"""Plate cameras: one shared HTTP listener per listening address, a route per camera.

Cameras push, so the station listens; every camera device's `port` is the URL its camera
posts to. Cameras of one station normally share one host:port and differ by path (or, when
several post to the same path, by source address). A listener that cannot bind (the port
is still held by a process shutting down) is retried in the background: the other devices
must not wait for it.

For diagnostics each camera keeps a FrameLog of the plates it delivered (a summary: plate,
colour, confidence, camera time, pictures and their bytes; the data is the plate in UTF-8)
and counts them; `restart()` reopens the shared listener in the background.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace

from drivers.cameras.listener import CameraListener, CameraRoute
from drivers.diagnostics import RX, FrameLog
from drivers.lanes.emit import Emitter
from drivers.lanes.specs import CameraSpec, Planned
from station.domain.readings import DeviceState, PlateRead

log = logging.getLogger(__name__)

BIND_RETRY_S = 2.0


def _route(planned: Planned) -> CameraRoute:
    spec = planned.spec
    assert isinstance(spec, CameraSpec)
    if spec.source_ip:  # only that address may post as this camera
        return CameraRoute(
            spec.vendor, spec.path, by_ip={spec.source_ip: planned.device_id}, digest=spec.digest
        )
    return CameraRoute(spec.vendor, spec.path, planned.device_id, digest=spec.digest)


class CameraService:
    """The listener on one host:port and the camera devices routed through it."""

    def __init__(self, host: str, port: int, cameras: Sequence[Planned], emitter: Emitter):
        self.host, self.port = host, port
        self._cameras = tuple(cameras)
        self._lanes = {item.device_id: item.lane for item in cameras}
        self._emitter = emitter
        self.listener = CameraListener(
            host, port, self._on_plate, [_route(item) for item in cameras], clock=emitter.clock
        )
        self._lock = threading.Lock()  # start and stop of the listener never overlap
        self._stopping = threading.Event()
        self._running = False
        self._failure = ""
        self._retry: threading.Thread | None = None
        self._restarter: threading.Thread | None = None
        self._state = DeviceState.CONNECTING
        self._started_once = False
        self._listening = f"{host}:{port}"  # the bound address once listening
        self.logs = {item.device_id: FrameLog() for item in cameras}
        self._counts_lock = threading.Lock()
        self._events = dict.fromkeys(self._lanes, 0)
        self._last_event_t: dict[str, float] = {}
        self._reconnects = 0
        self._reconnect_requests = 0

    @property
    def device_ids(self) -> tuple[str, ...]:
        return tuple(self._lanes)

    @property
    def connected(self) -> bool:
        """Listening: a camera can reach the station (whether it does is its own affair)."""
        return self._running

    def start(self) -> None:
        for item in self._cameras:
            self._emitter.status(item.lane, item.device_id, DeviceState.CONNECTING, "starting")
        if self._try_start():
            return
        self._retry = threading.Thread(
            target=self._keep_trying, name=f"camera-listener-bind-{self.port}", daemon=True
        )
        self._retry.start()

    @property
    def state(self) -> DeviceState:
        return self._state

    def counters(self, device_id: str) -> dict[str, object]:
        """One camera's counters, with those of the listener it shares; never waits on I/O."""
        stats = self.listener.stats()
        with self._counts_lock:
            values: dict[str, object] = {
                "events": self._events[device_id],
                "last_event_t": self._last_event_t.get(device_id),
                "reconnects": self._reconnects,
                "reconnect_requests": self._reconnect_requests,
            }
        refused = stats.too_large + stats.bad_requests + stats.unauthorized + stats.forbidden
        values.update(
            listener_up=self._running,
            listener=self._listening,
            requests=stats.received,
            heartbeats=stats.heartbeats,
            malformed=stats.malformed,
            refused=refused + stats.not_found + stats.busy,
            last_error=stats.last_error or self._failure,
        )
        return values

    def restart(self) -> None:
        """Close the listener and listen again, in the background; returns at once.

        Every camera on this host:port is affected; a restart already under way (or the
        background retry of a port that could not be bound) serves the request.
        """
        with self._counts_lock:
            self._reconnect_requests += 1
            busy = any(t is not None and t.is_alive() for t in (self._retry, self._restarter))
            if busy or self._stopping.is_set():
                return
            self._restarter = threading.Thread(
                target=self._restart, name=f"camera-listener-restart-{self.port}", daemon=True
            )
            self._restarter.start()  # under the lock: stop() never joins an unstarted thread

    def stop(self, timeout_s: float) -> None:
        self._stopping.set()
        if self._retry is not None:
            self._retry.join(timeout_s)
        with self._counts_lock:
            restarter = self._restarter
        if restarter is not None:
            restarter.join(timeout_s)
        with self._lock:
            self._running = False
            self.listener.stop(timeout_s=max(timeout_s, 0.1))

    def threads(self) -> list[threading.Thread]:
        return [t for t in (self._retry, self._restarter) if t is not None]

    def _restart(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            self._running = False
            self.listener.stop(timeout_s=1.0)
        self._report(DeviceState.CONNECTING, "reconnect asked")
        if not self._try_start():
            self._keep_trying()

    def _keep_trying(self) -> None:
        while not self._stopping.wait(BIND_RETRY_S):
            if self._try_start():
                return

    def _try_start(self) -> bool:
        with self._lock:
            if self._stopping.is_set():
                return False
            try:
                self.listener.start()
            except OSError as exc:
                message = f"cannot listen on {self.host}:{self.port}: {exc}"
                if message != self._failure:
                    self._failure = message
                    log.warning("cameras: %s; retrying every %g s", message, BIND_RETRY_S)
                    self._report(DeviceState.OFFLINE, message)
                return False
            self._running = True
            self._listening = f"{self.host}:{self.listener.port}"
            self._reconnects += self._started_once
            self._started_once = True
        self._report(DeviceState.OK, f"listening on {self.host}:{self.listener.port}")
        return True

    def _report(self, state: DeviceState, detail: str) -> None:
        self._state = state
        for item in self._cameras:
            self._emitter.status(item.lane, item.device_id, state, detail)

    def _on_plate(self, plate: PlateRead) -> None:
        lane = self._lanes.get(plate.device_id)
        if lane is None:  # routes only name configured devices; kept for safety
            log.error("cameras: plate from unknown device %s", plate.device_id)
            return
        self._logged(plate)
        # The lane is the configured one: a camera's own lane number counts its own lanes.
        self._emitter.emit(lane, replace(plate, lane=lane))

    def _logged(self, plate: PlateRead) -> None:
        # The summary keeps no picture: 50 of them per camera would be tens of MB.
        summary = _PlateSummary(plate)
        with self._counts_lock:
            self._events[plate.device_id] += 1
            self._last_event_t[plate.device_id] = time.monotonic()
        self.logs[plate.device_id].add(RX, summary)


class _PlateSummary:
    """What the diagnostics screen shows of one plate; formatted when shown."""

    __slots__ = ("camera_time", "colour", "confidence", "picture_bytes", "pictures", "plate")

    def __init__(self, plate: PlateRead) -> None:
        self.plate = plate.plate
        self.colour = plate.colour
        self.confidence = plate.confidence
        self.camera_time = plate.camera_time
        self.pictures = len(plate.pictures)
        self.picture_bytes = sum(len(picture.data) for picture in plate.pictures)

    def render(self) -> Sequence[tuple[bytes, str]]:
        when = self.camera_time.isoformat(timespec="seconds") if self.camera_time else "none"
        note = (
            f"plate {self.plate} {self.colour.value} {self.confidence}%, camera time {when}, "
            f"{self.pictures} pictures, {self.picture_bytes} bytes"
        )
        return ((self.plate.encode("utf-8"), note),)
