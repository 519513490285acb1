"""Plate cameras: one shared HTTP listener per listening address, a route per camera.

Cameras push, so the station listens; every camera device's `port` is the URL its camera
posts to. Cameras of one station normally share one host:port and differ by path (or, when
several post to the same path, by source address). A listener that cannot bind (the port
is still held by a process shutting down) is retried in the background: the other devices
must not wait for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace

from drivers.cameras.listener import CameraListener, CameraRoute
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

    def stop(self, timeout_s: float) -> None:
        self._stopping.set()
        if self._retry is not None:
            self._retry.join(timeout_s)
        with self._lock:
            self._running = False
            self.listener.stop(timeout_s=max(timeout_s, 0.1))

    def threads(self) -> list[threading.Thread]:
        return [self._retry] if self._retry is not None else []

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
        self._report(DeviceState.OK, f"listening on {self.host}:{self.listener.port}")
        return True

    def _report(self, state: DeviceState, detail: str) -> None:
        for item in self._cameras:
            self._emitter.status(item.lane, item.device_id, state, detail)

    def _on_plate(self, plate: PlateRead) -> None:
        lane = self._lanes.get(plate.device_id)
        if lane is None:  # routes only name configured devices; kept for safety
            log.error("cameras: plate from unknown device %s", plate.device_id)
            return
        # The lane is the configured one: a camera's own lane number counts its own lanes.
        self._emitter.emit(lane, replace(plate, lane=lane))
