"""Handing device events to the lane sink, from any driver thread."""

from __future__ import annotations

import logging
import threading

from station.domain.readings import DeviceState, DeviceStatus
from station.lanes.ports import Clock, DeviceEvent, EventSink

log = logging.getLogger(__name__)


class Emitter:
    """Calls the sink; a failing sink is logged, never allowed to stop a driver thread.

    After `close()` events are dropped: the station has stopped listening, and a driver
    winding down (a port worker reporting "stopped") must not call into it any more.
    """

    def __init__(self, sink: EventSink, clock: Clock) -> None:
        self.clock = clock
        self._sink = sink
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._last_error = ""

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        self._closed.set()

    def emit(self, lane: int, event: DeviceEvent) -> None:
        if self._closed.is_set():
            return
        try:
            self._sink(lane, event)
        except Exception as exc:  # the consumer's bug; the device keeps being read
            message = f"event sink failed: {exc!r}"
            with self._lock:
                repeated, self._last_error = message == self._last_error, message
            if not repeated:  # a sink failing on every event would flood the log
                log.exception("lane %d: %s", lane, message)

    def status(self, lane: int, device_id: str, state: DeviceState, detail: str = "") -> None:
        self.emit(lane, DeviceStatus(device_id, state, self.clock(), detail))
