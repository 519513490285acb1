"""What the lane workflow needs from the outside world, as small interfaces.

`station` never imports `drivers`: the drivers implement these ports and the composition
root (`main.py`, `ui/`) hands them in. Device events are the frozen values of
`station.domain.readings`; every time in them is on the clock handed to the drivers, so a
simulated run at K times real speed is seen by the lane as K times real time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from station.config import LaneConfig
from station.domain.readings import DeviceStatus, InputChange, PlateRead, WeightReading, WimVehicle

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passes with no device event; lets waits and timeouts fire."""

    t_mono: float


DeviceEvent = WeightReading | WimVehicle | InputChange | PlateRead | DeviceStatus
LaneEvent = DeviceEvent | Tick

EventSink = Callable[[int, DeviceEvent], None]
"""Called by driver threads with (lane number, event); must return at once."""


class LaneOutputs(Protocol):
    """The lane's traffic light, barrier and LED sign. Calls never block on the device:
    an implementation queues the latest wish and a worker thread applies it."""

    def set_light(self, green: bool) -> None: ...

    def set_barrier(self, open_: bool) -> None: ...

    def show(self, text: str) -> None: ...


class StationDevices(Protocol):
    """The running device drivers of all lanes."""

    def outputs(self, lane: int) -> LaneOutputs: ...

    def connected(self, device_id: str) -> bool: ...

    def close(self) -> None: ...


class CountConverter(Protocol):
    """Turns a raw-count device's readings into kg with the coefficients in force, on the
    driver's thread (station.lanes.rawcounts.RawCountConverter). Used where the counts must
    be kg before the drivers can use them: an axle scale's samples are segmented into axles
    in the driver thread."""

    def convert(self, reading: WeightReading) -> WeightReading | None:
        """The reading in kg, its `calibration_counter` naming the coefficients; None
        while there are no usable coefficients (the reading must then be dropped)."""
        ...


Converters = Mapping[str, CountConverter]
"""device id -> its converter, for every device whose raw counts the drivers convert."""

OpenDevices = Callable[[Sequence[LaneConfig], EventSink, Clock, Converters], StationDevices]


class NoOutputs:
    """A lane without light, barrier or sign (and the default in tests)."""

    def set_light(self, green: bool) -> None:
        del green

    def set_barrier(self, open_: bool) -> None:
        del open_

    def show(self, text: str) -> None:
        del text
