"""One scale's drift evidence over a period, for the technician's Drift view (docs/drift.md).

`drift_report` reads what the three detectors of `station.domain.drift` need from the
database (`station.storage.drift_data`) and runs them; the desktop calls it on a worker
thread and only draws the result. The period [start, end) is split at `baseline_end`: the
first weighings are the baseline whose typical weights the traffic CUSUM learns, the rest
is monitored. The zero readings and the in-motion/static pairs of the whole period are
judged as their detectors do (the zero trend over its last 30 days, the pairs in rolling
windows).

`drift_scales` lists the scales whose weighings the station records: each lane's weighing
device (the kind its mode weighs with; a WIM or axle scale on a STATIC lane only lays out
the vehicle and records nothing). A static scale is the reference of the in-motion/static
comparison, so for one the pairs are those it weighed statically (a positive deviation then
means the in-motion scales read higher than it); for an axle scale or WIM, those it weighed
in motion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from station.config import StationConfig
from station.domain.drift import (
    StaticComparison,
    StaticComparisonParams,
    TrafficDrift,
    TrafficParams,
    WeeklyTypical,
    ZeroDrift,
    ZeroDriftParams,
    ZeroReading,
    detect_traffic_drift,
    static_comparison,
    weekly_typical,
    zero_drift,
)
from station.domain.records import WeighMode
from station.storage import calibration
from station.storage.database import Database
from station.storage.drift_data import (
    scale_division_kg,
    traffic_weighings,
    weigh_pairs,
    zero_readings,
)

DEFAULT_WEEKS = 8
# The baseline: the first two weeks of the period. docs/drift.md wants about 10 000 vehicles
# from right after a verification or calibration; two weeks hold that at 700 trucks a day.
DEFAULT_BASELINE_DAYS = 14
ZERO_PARAMS = ZeroDriftParams()
PAIR_PARAMS = StaticComparisonParams()
TRAFFIC_PARAMS = TrafficParams()
_MODE_KINDS = {WeighMode.STATIC: "scale", WeighMode.AXLE: "axle_scale", WeighMode.WIM: "wim"}


@dataclass(frozen=True, slots=True)
class DriftScale:
    """A scale whose weighings the station records, and the lane it weighs on."""

    scale_id: str
    lane: int
    mode: WeighMode

    @property
    def static(self) -> bool:
        return self.mode is WeighMode.STATIC


def drift_scales(config: StationConfig) -> tuple[DriftScale, ...]:
    """Each lane's weighing device, in lane order; a device on two lanes is listed once."""
    found: dict[str, DriftScale] = {}
    for lane in config.lanes:
        mode = WeighMode(lane.mode)
        for device in lane.devices:
            if device.kind == _MODE_KINDS[mode] and device.id not in found:
                found[device.id] = DriftScale(device.id, lane.number, mode)
                break
    return tuple(found.values())


@dataclass(frozen=True, slots=True)
class DriftPeriod:
    """[start, end) with the baseline [start, baseline_end); whole Beijing days."""

    start: datetime
    baseline_end: datetime
    end: datetime

    @classmethod
    def of_days(cls, first: date, last: date, baseline_days: int) -> DriftPeriod:
        """From the first day's midnight to the midnight after the last day; the baseline is
        the first `baseline_days` days (at most the whole period)."""
        start = datetime.combine(first, time())
        end = datetime.combine(last + timedelta(days=1), time())
        if end <= start:
            raise ValueError("the period must end after it starts")
        baseline_end = min(end, start + timedelta(days=max(0, baseline_days)))
        return cls(start, baseline_end, end)


def default_days(today: date, weeks: int = DEFAULT_WEEKS) -> tuple[date, date]:
    """The last `weeks` weeks up to and including today."""
    return today - timedelta(days=7 * weeks - 1), today


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Everything the Drift view shows; the detectors' results carry their own evidence."""

    scale: DriftScale
    period: DriftPeriod
    division_kg: int | None  # None: the scale is not registered (no zero judgement)
    zero_readings: tuple[ZeroReading, ...]  # every zero check of the period
    zero: ZeroDrift | None
    zero_params: ZeroDriftParams
    comparison: StaticComparison
    baseline_count: int
    monitored_count: int
    traffic: TrafficDrift
    traffic_params: TrafficParams
    change_at: datetime | None  # when the excursion that alarmed began
    weekly: tuple[WeeklyTypical, ...]  # baseline and monitored weeks, against the baseline
    adjusted_at: datetime | None  # the latest coefficient change inside the period

    @property
    def zero_warning(self) -> bool:
        return self.zero is not None and self.zero.warning

    @property
    def warning(self) -> bool:
        """Any of the three detectors warns."""
        return self.zero_warning or self.comparison.warning or self.traffic.alarm

    @property
    def zero_enough(self) -> bool:
        """The zero trend was judged (enough readings spread over time)."""
        zero = self.zero
        return (
            zero is not None
            and zero.first_at is not None
            and zero.last_at is not None
            and zero.last_at > zero.first_at
            and zero.readings >= max(3, self.zero_params.min_readings)
        )

    @property
    def comparison_enough(self) -> bool:
        return self.comparison.latest is not None

    @property
    def traffic_enough(self) -> bool:
        """The CUSUM had a counted group and monitored vehicles in it."""
        return self.traffic.counted > 0

    @property
    def counted_groups(self) -> int:
        return sum(1 for cluster in self.traffic.clusters if cluster.counted)


def drift_report(
    database: Database,
    scale: DriftScale,
    period: DriftPeriod,
    *,
    zero_params: ZeroDriftParams = ZERO_PARAMS,
    pair_params: StaticComparisonParams = PAIR_PARAMS,
    traffic_params: TrafficParams = TRAFFIC_PARAMS,
) -> DriftReport:
    """Read the scale's data of the period and run the three detectors (on a worker)."""
    scale_id = scale.scale_id
    division = scale_division_kg(database, scale_id)
    readings = tuple(zero_readings(database, scale_id, period.start, period.end))
    zero = zero_drift(readings, division, zero_params) if division else None
    if scale.static:
        pairs = weigh_pairs(database, period.start, period.end, static_scale_id=scale_id)
    else:
        pairs = weigh_pairs(database, period.start, period.end, dynamic_scale_id=scale_id)
    comparison = static_comparison(pairs, pair_params)
    weighings = traffic_weighings(database, scale_id, period.start, period.end)
    split = next(
        (i for i, weighing in enumerate(weighings) if weighing.at >= period.baseline_end),
        len(weighings),
    )
    baseline, monitored = weighings[:split], weighings[split:]
    traffic = detect_traffic_drift(baseline, monitored, traffic_params)
    change_at = monitored[traffic.change_index].at if traffic.change_index is not None else None
    adjusted = [
        entry.at
        for entry in calibration.history(database, scale_id)
        if entry.kind == calibration.COEFFICIENTS_CHANGED and period.start <= entry.at < period.end
    ]
    return DriftReport(
        scale=scale,
        period=period,
        division_kg=division,
        zero_readings=readings,
        zero=zero,
        zero_params=zero_params,
        comparison=comparison,
        baseline_count=len(baseline),
        monitored_count=len(monitored),
        traffic=traffic,
        traffic_params=traffic_params,
        change_at=change_at,
        weekly=weekly_typical(weighings, traffic.clusters),
        adjusted_at=max(adjusted, default=None),
    )


__all__ = [
    "DEFAULT_BASELINE_DAYS",
    "DEFAULT_WEEKS",
    "DriftPeriod",
    "DriftReport",
    "DriftScale",
    "default_days",
    "drift_report",
    "drift_scales",
]


def scales_drifting(
    database: Database, config: StationConfig, today: date
) -> list[tuple[str, DriftReport]]:
    """Every lane scale whose default analysis (the last weeks, the default baseline) warns.

    What the desktop checks by itself a few times a day, so a drift is raised without
    anybody opening the Drift tab.
    """
    first, last = default_days(today)
    period = DriftPeriod.of_days(first, last, DEFAULT_BASELINE_DAYS)
    found = []
    for scale in drift_scales(config):
        report = drift_report(database, scale, period)
        if report.warning:
            found.append((scale.scale_id, report))
    return found
