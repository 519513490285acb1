"""Drift monitoring of a scale from the data it produces (docs/drift.md).

Three detectors, pure functions from integer kilograms to frozen results:

- `zero_drift`: the trend of a scale's zero readings (empty platform) in kg per day, and a
  warning when the fitted zero moved more than `threshold_e` divisions within the window.
- `static_comparison`: the relative deviation of in-motion (axle scale / WIM) weighings from
  static weighings of the same vehicles, and a warning when the mean deviation of the latest
  window is beyond a threshold by more than `z` standard errors.
- `detect_traffic_drift`: a two-sided tabular CUSUM on the relative deviation of everyday
  trucks from the typical gross weight of their class and laden state, learnt from a
  baseline period (`baseline_clusters`); `weekly_typical` gives the same statistic week by
  week for display.

Nothing here reads a database or a clock: the caller passes the readings in the order to be
judged (station/storage/drift_data.py queries them) and gets everything the decision used
back as evidence. The same input always gives the same result.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from statistics import median

DAY_SECONDS = 86_400.0


# ---- zero drift -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZeroReading:
    """What the scale showed with nothing on it (kg; signed), and when."""

    at: datetime
    kg: int


@dataclass(frozen=True, slots=True)
class ZeroDriftParams:
    """When a zero drift is worth a technician's visit.

    threshold_e = 2: the zero offset adds to every weighing. 2 e is twice the in-service MPE
    for loads up to 500 e (±1 e, domain.md §5.2) and two thirds of the largest (±3 e), while
    it is eight times the zero-setting accuracy (±0.25 e), so the ±1 e scatter of readings
    rounded to e does not reach it. window_days = 30: about a month of daily checks, short
    enough to see a load cell creeping, long enough for a slope from a dozen or more readings.
    z = 2 and min_readings = 5: a line through a few noisy readings is no evidence; the change
    must also be twice its standard error.
    """

    window_days: float = 30.0
    threshold_e: float = 2.0
    min_readings: int = 5
    z: float = 2.0


@dataclass(frozen=True, slots=True)
class ZeroDrift:
    """Least-squares line through the zero readings of the window (the last `window_days`
    before the latest reading). `change_kg` is the line's rise from the first to the last
    reading of the window; `warning` when |change| > threshold and > z standard errors."""

    division_kg: int
    readings: int  # used: those within the window
    first_at: datetime | None
    last_at: datetime | None
    slope_kg_per_day: float
    slope_se_kg_per_day: float
    change_kg: float
    change_se_kg: float
    latest_kg: float  # the fitted zero at last_at
    threshold_kg: float
    warning: bool
    reason: str


def zero_drift(
    readings: Iterable[ZeroReading], division_kg: int, params: ZeroDriftParams = ZeroDriftParams()
) -> ZeroDrift:
    """The zero trend of one scale from its zero readings (any order)."""
    if division_kg <= 0:
        raise ValueError("division_kg must be positive")
    ordered = sorted(readings, key=lambda reading: reading.at)
    threshold = params.threshold_e * division_kg
    if ordered:
        since = ordered[-1].at - timedelta(days=params.window_days)
        ordered = [reading for reading in ordered if reading.at >= since]
    if len(ordered) < max(3, params.min_readings):
        return ZeroDrift(
            division_kg=division_kg,
            readings=len(ordered),
            first_at=ordered[0].at if ordered else None,
            last_at=ordered[-1].at if ordered else None,
            slope_kg_per_day=0.0,
            slope_se_kg_per_day=0.0,
            change_kg=0.0,
            change_se_kg=0.0,
            latest_kg=float(ordered[-1].kg) if ordered else 0.0,
            threshold_kg=threshold,
            warning=False,
            reason=f"too few zero readings in {params.window_days:g} days ({len(ordered)})",
        )
    first, last = ordered[0].at, ordered[-1].at
    days = [(reading.at - first).total_seconds() / DAY_SECONDS for reading in ordered]
    values = [float(reading.kg) for reading in ordered]
    slope, intercept, slope_se = _line(days, values)
    span = days[-1]
    change, change_se = slope * span, slope_se * span
    latest = intercept + slope * span
    warning = span > 0 and abs(change) > threshold and abs(change) > params.z * change_se
    if span <= 0:
        reason = "all zero readings at the same time"
    elif warning:
        reason = (
            f"zero moved {change:+.0f} kg ({change / division_kg:+.1f} e) in {span:.0f} days, "
            f"more than {params.threshold_e:g} e"
        )
    else:
        reason = f"zero moved {change:+.0f} kg ({change / division_kg:+.1f} e) in {span:.0f} days"
    return ZeroDrift(
        division_kg=division_kg,
        readings=len(ordered),
        first_at=first,
        last_at=last,
        slope_kg_per_day=slope,
        slope_se_kg_per_day=slope_se,
        change_kg=change,
        change_se_kg=change_se,
        latest_kg=latest,
        threshold_kg=threshold,
        warning=warning,
        reason=reason,
    )


def _line(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """Ordinary least squares: slope, intercept and the slope's standard error."""
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return 0.0, mean_y, 0.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_x
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    slope_se = math.sqrt(residual / (n - 2) / sxx) if n > 2 else math.inf
    return slope, intercept, slope_se


# ---- in motion against static -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeighPair:
    """The same vehicle weighed in motion and statically, close enough in time that its load
    did not change (station/storage/drift_data.py `weigh_pairs` says which pairs qualify)."""

    at: datetime  # the static weighing's time
    plate: str
    dynamic_kg: int
    static_kg: int
    dynamic_check_no: str = ""
    static_check_no: str = ""

    @property
    def deviation(self) -> float:
        """(in motion - static) / static: positive when the dynamic scale reads high."""
        return (self.dynamic_kg - self.static_kg) / self.static_kg


@dataclass(frozen=True, slots=True)
class StaticComparisonParams:
    """When the in-motion scale reads systematically off the static one.

    A window warns when its whole interval mean +- z SE lies beyond +-threshold: the data
    show, not merely suggest, a bias larger than the threshold. threshold = 1 %: half the
    initial-verification MPE of a class 2 vehicle scale, well inside class 5 (±2.5 %) and
    10 (±5 %): a bias that size eats the room the scale's scatter needs. z = 2: about 98 %
    one-sided; every new pair makes a new window, and with z = 2 a scale without bias
    (class 10, SD ~3 %: SE ~0.45 % over 50 pairs) would need a mean 4 SE out to warn.
    window = 50: the latest 50 pairs, a few days at a station with a static lane;
    min_pairs = 30: fewer give too rough an SD. max_abs_deviation = 15 %: beyond the
    class-10 in-service MPE (10 %), the load changed (unloaded, wrong plate match), so the
    pair is set aside and listed, not averaged.
    """

    window: int = 50
    min_pairs: int = 30
    threshold: float = 0.01
    z: float = 2.0
    max_abs_deviation: float = 0.15


@dataclass(frozen=True, slots=True)
class DeviationWindow:
    """Mean relative deviation of the `count` pairs ending at pair `end` (index in
    `StaticComparison.pairs`), with its SD and standard error; `warning` when
    |mean| - z se > threshold."""

    end: int
    at: datetime
    count: int
    mean: float
    sd: float
    se: float
    warning: bool


@dataclass(frozen=True, slots=True)
class StaticComparison:
    pairs: tuple[WeighPair, ...]  # accepted, in time order
    rejected: tuple[WeighPair, ...]  # |deviation| > max_abs_deviation, or no static weight
    windows: tuple[DeviationWindow, ...]  # one per pair from the min_pairs-th on
    latest: DeviationWindow | None
    warning: bool  # the latest window warns
    direction: int  # +1 the in-motion scale reads high, -1 low, 0 no warning
    first_warning: DeviationWindow | None  # the first window that warned
    params: StaticComparisonParams


def static_comparison(
    pairs: Iterable[WeighPair], params: StaticComparisonParams = StaticComparisonParams()
) -> StaticComparison:
    """Rolling windows of the in-motion/static deviation; the warning is the latest window's."""
    ordered = sorted(pairs, key=lambda pair: (pair.at, pair.static_check_no))
    kept: list[WeighPair] = []
    set_aside: list[WeighPair] = []
    for pair in ordered:
        fits = pair.static_kg > 0 and abs(pair.deviation) <= params.max_abs_deviation
        (kept if fits else set_aside).append(pair)
    accepted, rejected = tuple(kept), tuple(set_aside)
    deviations = [pair.deviation for pair in accepted]
    windows = []
    for end in range(params.min_pairs - 1, len(accepted)):
        chunk = deviations[max(0, end + 1 - params.window) : end + 1]
        mean, sd = _mean_sd(chunk)
        se = sd / math.sqrt(len(chunk))
        warns = abs(mean) - params.z * se > params.threshold
        windows.append(DeviationWindow(end, accepted[end].at, len(chunk), mean, sd, se, warns))
    latest = windows[-1] if windows else None
    warning = latest is not None and latest.warning
    direction = (1 if latest.mean > 0 else -1) if warning and latest else 0
    first = next((window for window in windows if window.warning), None)
    return StaticComparison(
        accepted, rejected, tuple(windows), latest, warning, direction, first, params
    )


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


# ---- the typical trucks of the traffic -----------------------------------------------------------


class LadenState(StrEnum):
    EMPTY = "EMPTY"
    FULL = "FULL"


ClassKey = tuple[int, str, int]  # axle count, axle type code (e.g. "157"), legal limit kg


@dataclass(frozen=True, slots=True)
class TrafficWeighing:
    """A first weighing on the scale: gross and what class of vehicle it was."""

    at: datetime
    gross_kg: int
    axle_count: int
    axle_type: str
    limit_kg: int
    check_no: str = ""

    @property
    def key(self) -> ClassKey:
        return (self.axle_count, self.axle_type, self.limit_kg)


@dataclass(frozen=True, slots=True)
class TrafficParams:
    """Which trucks are counted and how the CUSUM decides (docs/drift.md).

    Laden states are first bands of the gross as a share of the vehicle's legal limit:
    EMPTY (20-55 %) holds the tare peak of every common class (a 6-axle tractor and trailer
    is about a third of its 49 t); FULL (85-105 %) holds the peak of trucks loaded up to
    the limit, which enforcement made the commonest load. Within a state band the baseline
    median c and robust SD q = 1.4826 MAD locate the peak; the cluster is the band
    c +- `band_sds` q, in kg, fixed from then on. Its mean (a trimmed mean around the peak:
    part loads and the overloaded tail are left out) is the typical weight, and the relative
    deviation from it has a mean of exactly zero over the baseline, as the CUSUM needs (the
    median would not give that on a skewed peak).

    A cluster is counted when the baseline has `min_cluster` vehicles in it and its spread
    is small enough to carry the design shift: SD of the relative deviation <=
    design_shift / k (a cluster more spread moves less than k per vehicle under the design
    shift and only adds noise).

    k = 0.1 and h = 70, in baseline SDs. k is half the shift to be found fastest: 1 % on
    clusters of 3-7 % SD is 0.15-0.3 SD per counted vehicle. h: with known baseline values
    Siegmund's approximation gives 38 million counted vehicles between false alarms
    (two-sided), but the baseline's means are estimates (a cluster of 300 vehicles is off
    by 0.06 SD), which makes the real figure far smaller: h = 50 gave false alarms in about
    one run in five over 100 000 clean vehicles, h = 70 none (docs/drift.md). The delay
    Siegmund predicts for a 0.2 SD shift is 660 counted vehicles (`expected_delay` gives it
    for the clusters found); the measured delays are in docs/drift.md.
    """

    empty_band: tuple[float, float] = (0.20, 0.55)
    full_band: tuple[float, float] = (0.85, 1.05)
    band_sds: float = 2.5
    min_cluster: int = 200
    design_shift: float = 0.01
    k: float = 0.1
    h: float = 70.0

    def state(self, weighing: TrafficWeighing) -> LadenState | None:
        """The coarse laden state (share of the legal limit), or None between the bands."""
        if weighing.limit_kg <= 0:
            return None
        share = weighing.gross_kg / weighing.limit_kg
        for state, (low, high) in (
            (LadenState.EMPTY, self.empty_band),
            (LadenState.FULL, self.full_band),
        ):
            if low <= share < high:
                return state
        return None


@dataclass(frozen=True, slots=True)
class ClusterBaseline:
    """The typical gross of one class in one laden state over the baseline.

    Vehicles of the class with low_kg <= gross <= high_kg belong to it (baseline and
    monitored alike); mean_kg and sd_rel are of the baseline's members.
    """

    key: ClassKey
    state: LadenState
    low_kg: float
    high_kg: float
    count: int
    mean_kg: float  # the typical gross: mean within the band
    median_kg: float
    sd_rel: float  # SD of (gross / mean_kg - 1)
    counted: bool  # used by the CUSUM (enough vehicles and spread small enough)


def baseline_clusters(
    baseline: Iterable[TrafficWeighing], params: TrafficParams = TrafficParams()
) -> tuple[ClusterBaseline, ...]:
    """Every class and laden state seen in the baseline, in key order (EMPTY before FULL).

    Where the bands of a class overlap, a vehicle belongs to the first.
    """
    by_key: dict[ClassKey, list[int]] = defaultdict(list)
    states: dict[tuple[ClassKey, LadenState], list[int]] = defaultdict(list)
    for weighing in baseline:
        by_key[weighing.key].append(weighing.gross_kg)
        state = params.state(weighing)
        if state is not None:
            states[(weighing.key, state)].append(weighing.gross_kg)
    bands: dict[ClassKey, list[tuple[LadenState, float, float]]] = defaultdict(list)
    for (key, state), in_state in sorted(states.items()):
        centre = median(in_state)
        spread = 1.4826 * median(abs(gross - centre) for gross in in_state)
        bands[key].append(
            (state, centre - params.band_sds * spread, centre + params.band_sds * spread)
        )
    clusters = []
    for key, key_bands in sorted(bands.items()):
        members: dict[LadenState, list[int]] = defaultdict(list)
        for gross in by_key[key]:
            state = next((s for s, low, high in key_bands if low <= gross <= high), None)
            if state is not None:
                members[state].append(gross)
        for state, low, high in key_bands:
            grosses = members[state]
            mean = sum(grosses) / len(grosses) if grosses else 0.0
            _, sd = _mean_sd([gross / mean - 1 for gross in grosses]) if grosses else (0, 0.0)
            counted = (
                len(grosses) >= params.min_cluster and 0 < sd <= params.design_shift / params.k
            )
            clusters.append(
                ClusterBaseline(
                    key=key,
                    state=state,
                    low_kg=low,
                    high_kg=high,
                    count=len(grosses),
                    mean_kg=mean,
                    median_kg=median(grosses) if grosses else 0.0,
                    sd_rel=sd,
                    counted=counted,
                )
            )
    return tuple(clusters)


Finder = dict[ClassKey, list[ClusterBaseline]]


def _finder(clusters: Sequence[ClusterBaseline]) -> Finder:
    found: Finder = defaultdict(list)
    for cluster in clusters:
        found[cluster.key].append(cluster)
    return found


def _counted_cluster(finder: Finder, weighing: TrafficWeighing) -> ClusterBaseline | None:
    """The counted cluster the vehicle belongs to: the first of its class whose band holds it."""
    for cluster in finder.get(weighing.key, ()):
        if cluster.low_kg <= weighing.gross_kg <= cluster.high_kg:
            return cluster if cluster.counted else None
    return None


@dataclass(frozen=True, slots=True)
class TrafficDrift:
    """Result of the CUSUM over `monitored` (indexes are positions in that sequence).

    The CUSUM runs over the whole sequence and is never reset, so `upper` and `lower` can be
    plotted; the alarm is the first time either passes h. `change_index` is the first vehicle
    of the excursion that raised it (after the sum was last zero): the estimated start of the
    shift. `estimated_shift` is the mean relative deviation of the counted vehicles from
    there to the alarm (biased away from zero, as every CUSUM estimate).
    """

    alarm: bool
    alarm_index: int | None
    alarm_at: datetime | None
    direction: int  # +1 the scale reads high, -1 low, 0 no alarm
    change_index: int | None
    estimated_shift: float | None
    k: float
    h: float
    clusters: tuple[ClusterBaseline, ...]
    counted_index: tuple[int, ...]  # position in `monitored` of each counted vehicle
    upper: tuple[float, ...]  # C+ after each counted vehicle
    lower: tuple[float, ...]  # C- (as a positive number)
    counted: int
    skipped: int  # not in a counted cluster
    counted_share: float  # of the baseline vehicles, those in counted clusters
    expected_delay: float  # counted vehicles, for the design shift (Siegmund)
    in_control_arl: float  # counted vehicles between false alarms, two-sided (Siegmund)


def detect_traffic_drift(
    baseline: Sequence[TrafficWeighing],
    monitored: Sequence[TrafficWeighing],
    params: TrafficParams = TrafficParams(),
) -> TrafficDrift:
    """Two-sided tabular CUSUM of the monitored trucks against the baseline's typical weights.

    Per counted vehicle: r = gross / cluster mean - 1, z = r / cluster SD,
    C+ = max(0, C+ + z - k), C- = max(0, C- - z - k); alarm when C+ or C- > h.
    """
    clusters = baseline_clusters(baseline, params)
    finder = _finder(clusters)
    upper: list[float] = []
    lower: list[float] = []
    index: list[int] = []
    plus = minus = 0.0
    runs = {1: _Run(), -1: _Run()}
    alarm: tuple[int, int, _Run] | None = None
    for position, weighing in enumerate(monitored):
        cluster = _counted_cluster(finder, weighing)
        if cluster is None:
            continue
        relative = weighing.gross_kg / cluster.mean_kg - 1
        z = relative / cluster.sd_rel
        plus = max(0.0, plus + z - params.k)
        minus = max(0.0, minus - z - params.k)
        runs[1].step(plus, position, relative)
        runs[-1].step(minus, position, relative)
        index.append(position)
        upper.append(plus)
        lower.append(minus)
        if alarm is None and max(plus, minus) > params.h:
            sign = 1 if plus > params.h else -1
            alarm = (position, sign, runs[sign].copy())
    counted_share, delay, arl = _design(clusters, len(baseline), params)
    common = {
        "k": params.k, "h": params.h, "clusters": clusters, "counted_index": tuple(index),
        "upper": tuple(upper), "lower": tuple(lower), "counted": len(index),
        "skipped": len(monitored) - len(index), "counted_share": counted_share,
        "expected_delay": delay, "in_control_arl": arl,
    }  # fmt: skip
    if alarm is None:
        return TrafficDrift(False, None, None, 0, None, None, **common)
    position, sign, run = alarm
    return TrafficDrift(
        True, position, monitored[position].at, sign, run.start, run.total / run.count, **common
    )


class _Run:
    """The current excursion of one side of the CUSUM: where it began, sum of r, count."""

    __slots__ = ("count", "start", "total")

    def __init__(self) -> None:
        self.start: int | None = None
        self.total = 0.0
        self.count = 0

    def step(self, value: float, position: int, relative: float) -> None:
        if value <= 0:
            self.start, self.total, self.count = None, 0.0, 0
            return
        if self.start is None:
            self.start = position
        self.total += relative
        self.count += 1

    def copy(self) -> _Run:
        twin = _Run()
        twin.start, twin.total, twin.count = self.start, self.total, self.count
        return twin


def siegmund_arl(drift: float, k: float, h: float) -> float:
    """Average run length of a one-sided CUSUM (unit variance) whose increments have mean
    `drift` (in SDs), with reference k and interval h (Siegmund's approximation)."""
    delta, b = drift - k, h + 1.166
    if abs(delta) < 1e-12:
        return b * b
    return (math.exp(-2 * delta * b) + 2 * delta * b - 1) / (2 * delta * delta)


def _design(
    clusters: Sequence[ClusterBaseline], baseline: int, params: TrafficParams
) -> tuple[float, float, float]:
    """Share of the baseline counted; expected delay (design shift) and in-control ARL."""
    used = [c for c in clusters if c.counted]
    counted = sum(c.count for c in used)
    if not used:
        return 0.0, math.inf, math.inf
    shift = sum(c.count * params.design_shift / c.sd_rel for c in used) / counted
    delay = siegmund_arl(shift, params.k, params.h)
    arl = siegmund_arl(0.0, params.k, params.h) / 2  # both sides
    return counted / baseline if baseline else 0.0, delay, arl


# ---- week by week --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeeklyTypical:
    """One cluster's typical gross in one week (Monday to Sunday), against the baseline.

    `key` and `state` None: all counted clusters together, the relative deviations weighted
    by the inverse of their cluster's variance (the most precise clusters weigh most).
    """

    week_start: date
    key: ClassKey | None
    state: LadenState | None
    count: int
    mean_kg: float | None  # band mean (None for the combined row)
    median_kg: float | None
    relative: float  # mean relative deviation from the baseline mean
    se: float  # its standard error from the baseline SD


def weekly_typical(
    weighings: Iterable[TrafficWeighing], clusters: Sequence[ClusterBaseline]
) -> tuple[WeeklyTypical, ...]:
    """Per week, the typical gross of each counted cluster and of all of them together."""
    finder = _finder(clusters)
    weeks: dict[date, dict[ClusterBaseline, list[int]]] = defaultdict(lambda: defaultdict(list))
    for weighing in weighings:
        cluster = _counted_cluster(finder, weighing)
        if cluster is not None:
            day = weighing.at.date()
            weeks[day - timedelta(days=day.weekday())][cluster].append(weighing.gross_kg)
    rows = []
    for week in sorted(weeks):
        weight_sum = weighted = 0.0
        count = 0
        for cluster, grosses in sorted(weeks[week].items(), key=lambda item: _order(item[0])):
            mean = sum(grosses) / len(grosses)
            relative = mean / cluster.mean_kg - 1
            se = cluster.sd_rel / math.sqrt(len(grosses))
            rows.append(
                WeeklyTypical(
                    week_start=week,
                    key=cluster.key,
                    state=cluster.state,
                    count=len(grosses),
                    mean_kg=mean,
                    median_kg=median(grosses),
                    relative=relative,
                    se=se,
                )
            )
            weight = len(grosses) / cluster.sd_rel**2
            weight_sum += weight
            weighted += weight * relative
            count += len(grosses)
        rows.append(
            WeeklyTypical(
                week, None, None, count, None, None, weighted / weight_sum, weight_sum**-0.5
            )
        )
    return tuple(rows)


def _order(cluster: ClusterBaseline) -> tuple[ClassKey, str]:
    return cluster.key, cluster.state.value
