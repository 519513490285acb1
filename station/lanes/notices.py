"""What a lane tells the screen, the headless runner and tests, as frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from station.domain.readings import DeviceStatus


@dataclass(frozen=True, slots=True)
class VehicleEntered:
    lane: int
    t_mono: float


@dataclass(frozen=True, slots=True)
class PlateNeeded:
    """The camera gave no plate in time: the operator is asked to type it."""

    lane: int


@dataclass(frozen=True, slots=True)
class AxlesNeeded:
    """A static weight is in but the axle layout is unknown: the operator is asked for it."""

    lane: int
    gross_kg: int


@dataclass(frozen=True, slots=True)
class VehicleAbandoned:
    lane: int
    reason: str


@dataclass(frozen=True, slots=True)
class WeighingCompleted:
    """A weighing is committed with its evidence, and the lane shows `step`."""

    lane: int
    check_no: str
    check_type: int
    first_check_no: str | None
    plate: str
    sum_kg: int
    limit_kg: int
    over_kg: int
    is_over: bool
    flags: tuple[str, ...]
    step: str  # "pass", "over" or "hold"
    reason: str  # why "hold"; "" otherwise
    case_id: int | None
    case_status: str | None  # OPEN, CLOSED or None when no case was touched
    case_result: str | None
    notice_no: str | None
    unload_kg: int
    t_event: float  # clock time of the reading that completed the vehicle
    t_committed: float  # clock time when the record was durable


@dataclass(frozen=True, slots=True)
class Released:
    """The barrier opened; `override` when a supervisor released against the verdict."""

    lane: int
    check_no: str | None
    override: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DeviceChanged:
    lane: int
    status: DeviceStatus


@dataclass(frozen=True, slots=True)
class LaneStateChanged:
    """The lane moved to `state`: waiting, weighing, stable or done."""

    lane: int
    state: str


@dataclass(frozen=True, slots=True)
class StorageQueueChanged:
    """The database server stopped or started answering, or the local queue changed size
    (station.lanes.spooling): `pending` weighings wait on this workstation."""

    online: bool
    pending: int
    set_aside: int


@dataclass(frozen=True, slots=True)
class QueuedRecorded:
    """A weighing queued while the server was unreachable is now a record, `check_no`."""

    lane: int
    check_no: str
    queued_at: datetime


Notice = (
    VehicleEntered
    | PlateNeeded
    | AxlesNeeded
    | VehicleAbandoned
    | WeighingCompleted
    | Released
    | DeviceChanged
    | LaneStateChanged
    | StorageQueueChanged
    | QueuedRecorded
)
