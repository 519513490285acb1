"""What a lane measured of one vehicle, and the recorder port that makes it a record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from station.domain.readings import PlatePicture
from station.domain.vehicle import Vehicle
from station.lanes.settings import LaneSettings
from station.services.recording import Plate
from station.storage.evidence import TraceData

# Flags after which a weight within the limit is not trusted to release the vehicle alone:
# each is a way the measured load can come out lower than the truth.
SUSPECT_FLAGS = frozenset(
    {
        "SPEED_CHANGE",
        "STOPPED",
        "REVERSED",
        "FOLLOWING_VEHICLE",
        "TWO_VEHICLES",
        "PARTIAL_ON_PLATFORM",
        "NO_RETURN_TO_ZERO",
        "UNSTABLE",
    }
)
# The load may include a second vehicle: a weight over the limit cannot be pinned on one
# vehicle (no case; weigh again), while a weight within the limit is within it for each.
MERGED_FLAGS = frozenset({"FOLLOWING_VEHICLE", "TWO_VEHICLES"})
# Flags that stop a lane from issuing enforcement output (cases, unload notices): the scale
# is not legally verified or not checked today, its calibration seal is open (a technician
# may be changing it), the weight was converted from raw counts with coefficients no longer
# in force, or the axle layout was a guess.
GATE_FLAGS = (
    "NO_CERTIFICATE",
    "CERT_EXPIRED",
    "NO_SCALE_CHECK",
    "SEAL_OPEN",
    "CALIBRATION_CHANGED",
    "AXLES_ASSUMED",
)


# On an outcome only (never in a record): the weighing is queued on this workstation because
# the database server is unreachable; it has no ticket number yet (station.lanes.spooling).
QUEUED = "QUEUED"


def enforceable(flags: set[str] | frozenset[str], is_over: bool) -> bool:
    """Whether a weighing may open or close a case and issue a notice."""
    if flags.intersection(GATE_FLAGS):
        return False
    return not (is_over and flags.intersection(MERGED_FLAGS))


@dataclass(frozen=True, slots=True)
class Capture:
    """One vehicle as measured, ready to be judged and recorded."""

    attempt_id: int
    vehicle: Vehicle
    plate: Plate
    speed_kmh: str | None
    trace: TraceData | None
    pictures: tuple[PlatePicture, ...]
    flags: tuple[str, ...]
    t_event: float


@dataclass(frozen=True, slots=True)
class Outcome:
    """What recording a capture produced."""

    check_no: str
    check_type: int
    first_check_no: str | None
    sum_kg: int
    limit_kg: int
    over_kg: int
    is_over: bool
    flags: tuple[str, ...]
    case_id: int | None
    case_status: str | None
    case_result: str | None
    notice_no: str | None
    unload_kg: int


class Recorder(Protocol):
    """Durable side of a lane; every call is one short transaction."""

    def begin(self, lane: int, plate: str = "") -> int: ...

    def note_plate(self, attempt_id: int, plate: str) -> None: ...

    def abandon(self, attempt_id: int, reason: str) -> None: ...

    def watch_reason(self, plate: str) -> str | None: ...

    def reweigh_layout(
        self, plate: str
    ) -> tuple[tuple[int | None, ...], tuple[int | None, ...]] | None: ...

    def commit(self, settings: LaneSettings, capture: Capture) -> Outcome: ...

    def override(self, lane: int, check_no: str | None, reason: str, actor: str) -> None: ...
