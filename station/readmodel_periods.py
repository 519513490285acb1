"""Read-model of a periodic report (日报, 周报, 旬报, 月报), as frozen values.

`station.storage.period_stats` builds it with SQL aggregates; `reports.periodic` renders it.
Weights are integer kilograms, rates are percentages as text with two decimals rounded half
up (as `station.domain.rates`), times are naive Beijing time as stored.

Counting rules, so every figure means one thing:
- "weighed" counts first weighings (checkType 1): a re-weighing is the same vehicle again
  and is counted on its own line (`reweighs`).
- A voided weighing (a VOID record targets its CHECK record) is left out of every count and
  list and is counted in `voided` (first weighings and re-weighings alike).
- Cases are those opened in the period, whatever their state now.
- A device fault is one spell of a device not working: it begins when the device goes
  STALE or OFFLINE and lasts until it is OK again (reconnecting in between is part of
  it). A fault still going at the period's start or end is counted in the period, its
  time clipped to the period (and to the report's moment for a period not over yet).
  Device events are recorded from schema 0005 on: a period that ended before the first
  one has no figure (None, printed "not recorded"), never an invented zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from station.periods import Period

HEAVY_THRESHOLDS_KG = (80_000, 90_000, 100_000)  # 100 t and more: 百吨王


def share(part: int, whole: int) -> str:
    """part / whole x 100 with two decimals, rounded half up; "0.00" when whole is 0."""
    if whole <= 0:
        return "0.00"
    hundredths, remainder = divmod(part * 10000, whole)
    if 2 * remainder >= whole:
        hundredths += 1
    units, fraction = divmod(hundredths, 100)
    return f"{units}.{fraction:02d}"


@dataclass(frozen=True, slots=True)
class Tally:
    """Weighed and overloaded vehicles of one group (a lane, an axle count, an hour)."""

    key: int
    weighed: int
    over: int

    @property
    def over_rate(self) -> str:
        return share(self.over, self.weighed)


@dataclass(frozen=True, slots=True)
class DayTally:
    day: date
    weighed: int
    over: int

    @property
    def over_rate(self) -> str:
        return share(self.over, self.weighed)


@dataclass(frozen=True, slots=True)
class HeavyVehicle:
    """A first weighing at or above the lowest heavy threshold (80 t)."""

    check_no: str
    check_time: datetime
    plate_num: str
    sum_kg: int
    lane: int
    axle_cnt: int


@dataclass(frozen=True, slots=True)
class OverdueCase:
    """An open case whose unload deadline (opened_at + deadline hours) has passed."""

    check_no: str
    plate_num: str
    opened_at: datetime
    deadline: datetime
    unload_kg: int


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """Cases opened in the period: by result (closed), open and voided."""

    by_result: tuple[tuple[str, int], ...]  # every CaseResult value, zeros included
    open: int
    voided: int
    unloaded_count: int  # UNLOADED cases with an amount in their CLOSE record
    unloaded_total_kg: int
    overdue: tuple[OverdueCase, ...]

    @property
    def unloaded_average_kg(self) -> int | None:
        """Average amount unloaded, whole kilograms rounded half up; None without cases."""
        if self.unloaded_count == 0:
            return None
        return (2 * self.unloaded_total_kg + self.unloaded_count) // (2 * self.unloaded_count)


@dataclass(frozen=True, slots=True)
class DeviceFaults:
    """One device's faults in the period (see the counting rules above)."""

    device_id: str
    faults: int
    seconds_not_ok: int

    @property
    def minutes_not_ok(self) -> int:
        """Whole minutes, rounded up, so a fault of a few seconds does not read as 0."""
        return -(-self.seconds_not_ok // 60)


@dataclass(frozen=True, slots=True)
class UploadPassRow:
    """One upload pass to the province (province-api.md §8) started in the period."""

    started_at: datetime
    trigger: str  # SCHEDULE, MANUAL or CLI
    status: str  # COMPLETE, INCOMPLETE, FAILED, CANCELLED, INTERRUPTED, RUNNING
    records_sent: int
    delivered: int  # ACCEPTED + DUPLICATE
    rejected: int
    pictures_sent: int
    pending_after: int | None


@dataclass(frozen=True, slots=True)
class PeriodReport:
    period: Period
    site_code: str
    station_name: str
    generated_at: datetime
    deadline_hours: int
    weighed: int
    over: int
    reweighs: int
    voided: int
    by_axles: tuple[Tally, ...]  # ascending axle count, only counts that occur
    by_lane: tuple[Tally, ...]  # ascending lane number, only lanes that weighed
    by_hour: tuple[Tally, ...]  # always 24, hour 0 to 23
    by_day: tuple[DayTally, ...]  # every day of the period, zeros included
    heavy_counts: tuple[tuple[int, int], ...]  # (threshold kg, vehicles at or above it)
    heavy: tuple[HeavyVehicle, ...]  # every first weighing >= 80 t, in time order
    cases: CaseSummary
    # None says "not recorded", so the report never prints an invented zero: device
    # faults before the device log began.
    device_faults: int | None = None
    faulty_devices: tuple[DeviceFaults, ...] = ()  # by device id, only devices with faults
    uploads: tuple[UploadPassRow, ...] = ()  # passes started in the period, in time order
    pending_now: int = 0  # records not yet delivered when the report was made

    @property
    def upload_passes(self) -> int:
        return len(self.uploads)

    @property
    def uploads_complete(self) -> int:
        return sum(1 for row in self.uploads if row.status == "COMPLETE")

    @property
    def over_rate(self) -> str:
        return share(self.over, self.weighed)
