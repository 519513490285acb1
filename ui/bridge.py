"""From the station's core thread to the GUI thread, in batches.

The core thread calls `tap` for every device event and `notice` for every lane notice.
Both only copy into thread-safe buffers and return; nothing Qt happens there. A GUI timer
drains the buffers about 20 times a second: notices go out as one Qt signal each, and
weights wait in a ring buffer per lane that the lane's plot reads when it redraws.
(DESIGN.md: batched signals ~20/s -> ring buffer -> plot redrawn by a timer.)
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore

from station.domain.readings import WeightReading, WimVehicle
from station.lanes.notices import Notice

DRAIN_MS = 50
HISTORY_S = 60.0


@dataclass(frozen=True, slots=True)
class TraceWindow:
    """A copy of one lane's recent weights: times on the station clock, kg, arrival times."""

    t: np.ndarray
    kg: np.ndarray
    arrived: np.ndarray  # time.monotonic() when each sample reached the bridge


class WeightRing:
    """The last `capacity` weights of one lane; written by the core thread, read by the GUI."""

    def __init__(self, capacity: int) -> None:
        self._t = np.zeros(capacity)
        self._kg = np.zeros(capacity)
        self._arrived = np.zeros(capacity)
        self._count = 0
        self._lock = threading.Lock()
        self.version = 0

    def append(self, t: float, kg: int, arrived: float) -> None:
        with self._lock:
            i = self._count % len(self._t)
            self._t[i], self._kg[i], self._arrived[i] = t, kg, arrived
            self._count += 1
            self.version += 1

    def window(self) -> TraceWindow:
        with self._lock:
            size = len(self._t)
            if self._count <= size:
                part = slice(0, self._count)
                return TraceWindow(
                    self._t[part].copy(), self._kg[part].copy(), self._arrived[part].copy()
                )
            start = self._count % size
            order = np.r_[start:size, 0:start]
            return TraceWindow(self._t[order], self._kg[order], self._arrived[order])


class Bridge(QtCore.QObject):
    """Owns the buffers; `notice_arrived` and `vehicle_arrived` fire on the GUI thread."""

    notice_arrived = QtCore.Signal(object)
    vehicle_arrived = QtCore.Signal(int, object)  # lane, WimVehicle (axles for the plot)

    def __init__(
        self, lanes: Iterable[int], rate_hz: int = 100, parent: QtCore.QObject | None = None
    ) -> None:
        super().__init__(parent)
        capacity = int(HISTORY_S * max(rate_hz, 10) * 1.5)
        self.rings = {lane: WeightRing(capacity) for lane in lanes}
        self._notices: queue.SimpleQueue[Notice] = queue.SimpleQueue()
        self._vehicles: queue.SimpleQueue[tuple[int, WimVehicle]] = queue.SimpleQueue()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self.drain)
        self._timer.start()

    # ---- core thread ----------------------------------------------------------------

    def tap(self, lane: int, event: object) -> None:
        if isinstance(event, WeightReading):
            ring = self.rings.get(lane)
            if ring is not None:
                ring.append(event.t_mono, event.weight_kg, time.monotonic())
        elif isinstance(event, WimVehicle):
            self._vehicles.put((lane, event))

    def notice(self, notice: Notice) -> None:
        self._notices.put(notice)

    # ---- GUI thread ----------------------------------------------------------------

    @QtCore.Slot()
    def drain(self) -> None:
        for lane, vehicle in _empty(self._vehicles):
            self.vehicle_arrived.emit(lane, vehicle)
        for notice in _empty(self._notices):
            self.notice_arrived.emit(notice)

    def stop(self) -> None:
        self._timer.stop()


def _empty(source: queue.SimpleQueue) -> list:
    items = []
    while True:
        try:
            items.append(source.get_nowait())
        except queue.Empty:
            return items
