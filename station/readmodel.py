"""Read-models: what the screens and the documents show, as frozen values.

`station.storage.views` builds them from the database; `ui/` and `reports/` only read them,
so neither needs SQLAlchemy and a document can be rendered on any thread.
Weights are integer kilograms; times are naive Beijing time, as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class WeighingSummary:
    """One line of the records list."""

    check_no: str
    check_time: datetime
    plate_num: str
    plate_color: int
    lane: int
    check_type: int
    sum_kg: int
    limit_kg: int
    over_kg: int
    over_rate: str
    is_over: bool
    vehicle_class: str
    flags: tuple[str, ...]
    voided: bool
    case_status: str | None  # OPEN, CLOSED, VOIDED or None
    plate_distance: int = 0  # 0 exact, 1 one character differs (fuzzy search)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Filters of the records list; every field is optional."""

    plate: str = ""
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    over_only: bool = False
    open_cases_only: bool = False
    fuzzy: bool = True
    limit: int = 500


@dataclass(frozen=True, slots=True)
class AxleView:
    no: int  # 1 = front
    weight_kg: int | None  # None on a static scale
    group: int  # axle-group code 1-7 of the group the axle belongs to
    spacing_mm: int | None  # to the next axle; None when unknown or last


@dataclass(frozen=True, slots=True)
class PictureView:
    file_type: int  # 11 plate crop, 12 front, 13 rear, ... (province-api.md §3.1)
    sha256: str
    mime: str
    size: int
    path: Path  # absolute path in the station's picture store


@dataclass(frozen=True, slots=True)
class ChainStatus:
    """Whether this record's hash and its link to the previous record still hold."""

    seq: int
    record_hash: str
    intact: bool
    problem: str = ""  # empty when intact


@dataclass(frozen=True, slots=True)
class CaseView:
    """An enforcement case (one per over-limit first weighing)."""

    id: int
    check_no: str  # the first weighing
    status: str  # OPEN, CLOSED, VOIDED
    result: str | None  # UNLOADED, NOT_OVER, POLICE, PERMIT, ABSCONDED when closed
    plate_num: str
    plate_color: int
    lane: int
    first_sum_kg: int
    limit_kg: int
    unload_kg: int  # still to unload (from the latest weighing)
    notice_no: str | None
    opened_at: datetime
    deadline: datetime  # opened_at + workflow.unload_deadline_hours
    reweigh_check_nos: tuple[str, ...] = ()  # re-weighings matched to this case, oldest first
    closed_at: datetime | None = None
    close_reason: str = ""


@dataclass(frozen=True, slots=True)
class WeighingDetail:
    """Everything about one weighing: the detail view, the ticket, the unload notice."""

    site_code: str
    station_name: str
    check_no: str
    check_type: int
    first_check_no: str | None
    check_time: datetime
    lane: int
    direction: int
    plate_num: str
    plate_color: int
    plate_source: str  # ANPR or OPERATOR
    axle_type: str
    axles: tuple[AxleView, ...]
    sum_kg: int
    limit_kg: int
    over_kg: int
    over_rate: str
    is_over: bool
    vehicle_class: str  # the limit rule applied
    adjustments: tuple[str, ...]
    weigh_mode: str
    speed_kmh: str | None
    scale_id: str
    cert_no: str
    cert_valid_until: date
    operator_id: str
    flags: tuple[str, ...]
    pictures: tuple[PictureView, ...]
    trace_rate_hz: int | None
    trace: tuple[int, ...]  # raw samples (kg) the weighing was computed from; may be empty
    chain: ChainStatus
    voided: bool
    void_reason: str = ""
    case: CaseView | None = None
    calibration_counter: int | None = None  # the scale's calibration event counter (issue 8)
    prints: dict[str, int] = field(default_factory=dict)  # document kind -> times printed


@dataclass(frozen=True, slots=True)
class PassView:
    """One upload pass as the upload screen lists it."""

    started_at: datetime
    finished_at: datetime | None
    trigger: str  # SCHEDULE, MANUAL or CLI
    actor: str
    status: str  # RUNNING, COMPLETE, INCOMPLETE, FAILED, CANCELLED, INTERRUPTED
    records_sent: int
    accepted: int
    duplicate: int
    rejected: int
    pictures_sent: int
    manifest_status: str | None
    pending_after: int | None
    error: str


@dataclass(frozen=True, slots=True)
class RejectedView:
    seq: int
    record_type: str
    check_no: str
    code: str
    message: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class UploadStatus:
    """What the upload screen shows: the outbox, the passes, the clock against the province."""

    pending_records: int
    oldest_pending: datetime | None
    rejected_records: int
    last_pass_at: datetime | None = None
    last_pass_result: str = ""  # e.g. "COMPLETE", "INCOMPLETE", an error; "" before any pass
    configured: bool = False
    passes: tuple[PassView, ...] = ()  # newest first
    rejected: tuple[RejectedView, ...] = ()
    clock_skew_s: int | None = None  # station minus platform at the last pass that knew
