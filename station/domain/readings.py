"""Immutable values that devices produce, as the station core consumes them.

Drivers build these; the lane workflow reads them. Weights are integer kg; times are
`time.monotonic()` seconds (for ordering and intervals) plus, where a device stamps
its own, the device's wall time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class WeightReading:
    """One weight from an indicator or transmitter, already converted to integer kg."""

    device_id: str
    weight_kg: int
    stable: bool
    t_mono: float
    net: bool = False
    tare_kg: int = 0
    overload: bool = False
    underload: bool = False
    centre_of_zero: bool = False
    raw: bytes = b""
    # The calibration event counter of the coefficients the station turned this reading's
    # raw counts into kg with (station.lanes.rawcounts); None: the device sent kg itself.
    calibration_counter: int | None = None


@dataclass(frozen=True, slots=True)
class WimAxle:
    weight_kg: int
    spacing_mm: int | None = None


@dataclass(frozen=True, slots=True)
class WimVehicle:
    """A vehicle record reported whole by an axle/WIM controller."""

    device_id: str
    vehicle_counter: int
    axles: tuple[WimAxle, ...]
    speed_kmh_x10: int
    t_mono: float
    flags: tuple[str, ...] = ()
    # The raw weight signal the axles were computed from (axle scales), kept as evidence.
    trace_kg: tuple[int, ...] = ()
    trace_hz: int = 0
    # A raw-count axle scale: the calibration event counter of the coefficients its samples
    # were converted with (the oldest, if a change fell inside the passage); None: kg sent.
    calibration_counter: int | None = None

    @property
    def sum_weight_kg(self) -> int:
        return sum(axle.weight_kg for axle in self.axles)


@dataclass(frozen=True, slots=True)
class InputChange:
    """A digital input changed (loop detector, light curtain, barrier limit switch)."""

    device_id: str
    channel: int
    state: bool
    t_mono: float
    name: str = ""


class PlateColour(StrEnum):
    """The one internal plate colour; every source and sink maps to and from it explicitly."""

    BLUE = "blue"
    YELLOW = "yellow"
    BLACK = "black"
    WHITE = "white"
    GREEN = "green"  # small new-energy vehicles, gradient green
    YELLOW_GREEN = "yellow_green"  # large new-energy vehicles
    BLUE_WHITE = "blue_white"
    RED = "red"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PlatePicture:
    kind: str  # "plate" (close-up) or "scene"
    mime: str
    data: bytes


@dataclass(frozen=True, slots=True)
class PlateRead:
    """A plate recognised by a camera."""

    device_id: str
    plate: str
    colour: PlateColour
    confidence: int  # 0..100
    t_mono: float
    camera_time: datetime | None = None
    lane: int | None = None
    pictures: tuple[PlatePicture, ...] = field(default=())


class DeviceState(StrEnum):
    CONNECTING = "CONNECTING"
    OK = "OK"
    STALE = "STALE"  # connected, but no valid frame for the stale time
    OFFLINE = "OFFLINE"  # port cannot be opened or was lost


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    device_id: str
    state: DeviceState
    t_mono: float
    detail: str = ""
