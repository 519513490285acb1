"""What the calibration wizard computes, without Qt: test plans, errors, MPEs, the record.

Static truck scales (class III, domain.md §5.3 and §5.4): every reading becomes a
`CalibrationPoint` with its error and MPE in grams, from `station.domain.metrology`:

- zero: the indication at no load against the zero-setting accuracy (0.25 e);
- span, linearity (up, then down), eccentric (one reading per support, the load from
  `eccentric_load_kg`), repeatability and discrimination: the error against `static_mpe` at
  that load, initial or in service (twice the initial MPE).

The error is the indication minus the load. When the technician also gives the small
weights ΔL added until the indication stepped up by one e (the change-point method, §5.3
item 4), it is the error before rounding, E = I + 0.5 e − ΔL − L.

Two tests judge more than one reading: repeatability passes only when every reading is
within its MPE and the spread of the readings is within |MPE| (`repeatability_ok`), and a
discrimination point passes only when adding 1.4 d changed the indication and the error at
that load is within the MPE.

The wizard reads the scale through a `ReadingSource` (`read() -> int` kg, blocking, called
on a worker thread). `LiveScale` is the running lane's indicator: it waits for the next
stable weight the device reports to the station runtime.

Dynamic axle scales (reference-vehicle procedure, domain.md §5.1 and §5.4): the vehicle's
gross mass in each pass against `vehicle_mpe_g` (class 0.2 … 10), and every single axle and
axle group against `axle_mpd_g` (class A … F), measured from the corrected mean of the
passes (OIML R 134: the mean axle load × conventional true vehicle mass / mean vehicle
mass) or, if chosen, from the static reference load of the axle or group. `check_dynamic`
keeps the verdicts with what they were computed from (`DynamicCheck`), and
`build_dynamic_record` makes the `DynamicRecord` the store keeps and the report prints.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from station.domain import metrology
from station.domain.readings import WeightReading, WimVehicle
from station.readmodel_calibration import (
    CORRECTED_MEAN,
    STATIC_REFERENCE,
    CalibrationPoint,
    CalibrationRecord,
    DynamicItem,
    DynamicPass,
    DynamicRecord,
    TestWeightSet,
)

# The pages of a static run, in the order they are done (as found, then as left).
STATIC_PAGES = ("zero", "span", "linearity", "eccentric", "repeatability", "discrimination")
MIN_E = 20  # the suggested Min of a class III scale, 20 e (OIML R 76) [unverified]
LINEARITY_MIN_POINTS = 5  # domain.md §5.3 item 3
REPEAT_MIN = 3
DEFAULT_SUPPORTS = 4
LIVE_TIMEOUT_S = 5.0
VEHICLE_TIMEOUT_S = 120.0


class ReadingSource(Protocol):
    """An indicator the wizard can read: the current stable weight in kg (blocking)."""

    def read(self) -> int: ...


class ReadingUnavailable(RuntimeError):
    """The scale gave no stable weight in time."""


# ---- the scale --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScaleMetrology:
    """Max and e of a static scale, checked at once (n = Max / e within the class)."""

    max_kg: int
    e_kg: int

    def __post_init__(self) -> None:
        metrology.static_mpe(self.max_kg, self.e_kg, 0)

    @property
    def min_kg(self) -> int:
        return MIN_E * self.e_kg

    def mpe_g(self, load_kg: int, *, in_service: bool) -> int:
        return metrology.static_mpe(self.max_kg, self.e_kg, load_kg, in_service=in_service).mpe_g

    @property
    def zero_limit_g(self) -> int:
        return metrology.zero_setting_limit_g(self.e_kg)

    @property
    def discrimination_g(self) -> int:
        return metrology.discrimination_load_g(self.e_kg)

    def eccentric_load_kg(self, supports: int) -> int:
        return metrology.eccentric_load_kg(self.max_kg, supports)


# ---- plans ------------------------------------------------------------------------------


@dataclass(slots=True)
class Entry:
    """One reading on screen; the indication is read from the scale or typed."""

    test: str
    load_kg: int
    indication_kg: int | None = None
    added_g: int | None = None  # the change-point weights ΔL, when used
    changed: bool | None = None  # discrimination: did adding 1.4 d change the indication?
    with_extra_kg: int | None = None  # discrimination: the indication with 1.4 d added


def suggested_loads(scale: ScaleMetrology) -> list[int]:
    """Min, 500 e, 2000 e, 50 % Max and Max (§5.3 item 3); quarters fill in up to 5 points."""
    candidates = [scale.min_kg, 500 * scale.e_kg, 2000 * scale.e_kg, scale.max_kg // 2]
    loads = sorted({load for load in candidates if 0 < load < scale.max_kg} | {scale.max_kg})
    for extra in (scale.max_kg // 4, scale.max_kg * 3 // 4):
        if len(loads) >= LINEARITY_MIN_POINTS:
            break
        loads = sorted({*loads, extra})
    return loads


def parse_loads(text: str, scale: ScaleMetrology, minimum: int = 1) -> list[int]:
    """A list of loads typed as "200, 5000, 20000": whole kg, 0 < load <= Max, distinct."""
    parts = [part.strip() for part in text.replace("，", ",").replace(";", ",").split(",")]
    try:
        loads = [int(part) for part in parts if part]
    except ValueError:
        raise ValueError("loads: whole kg separated by commas") from None
    if any(load <= 0 or load > scale.max_kg for load in loads):
        raise ValueError(f"loads: each above 0 and at most Max ({scale.max_kg} kg)")
    loads = sorted(set(loads))
    if len(loads) < minimum:
        raise ValueError(f"loads: at least {minimum} different loads")
    return loads


def linearity_plan(loads: Sequence[int]) -> list[Entry]:
    """Up through every load, then down again (Max is read once, at the top)."""
    up = sorted(loads)
    return [Entry("linearity-up", load) for load in up] + [
        Entry("linearity-down", load) for load in reversed(up[:-1])
    ]


def eccentric_plan(scale: ScaleMetrology, supports: int) -> list[Entry]:
    load = scale.eccentric_load_kg(supports)
    return [Entry(f"eccentric-{n}", load) for n in range(1, supports + 1)]


def initial_plan(page: str, scale: ScaleMetrology) -> list[Entry]:
    if page == "zero":
        return [Entry("zero", 0)]
    if page == "span":
        return [Entry("span", scale.max_kg)]
    if page == "linearity":
        return linearity_plan(suggested_loads(scale))
    if page == "eccentric":
        return eccentric_plan(scale, DEFAULT_SUPPORTS)
    if page == "repeatability":
        return [Entry("repeatability", scale.max_kg // 2) for _ in range(REPEAT_MIN)]
    if page == "discrimination":
        loads = sorted({scale.min_kg, scale.max_kg // 2, scale.max_kg})
        return [Entry("discrimination", load) for load in loads]
    raise ValueError(f"page: {page!r} is not one of {', '.join(STATIC_PAGES)}")


# ---- evaluation -------------------------------------------------------------------------


def error_g(entry: Entry, e_kg: int) -> int:
    """Indication minus load in grams; with ΔL, the error before rounding (§5.3 item 4)."""
    assert entry.indication_kg is not None
    if entry.added_g is None:
        return (entry.indication_kg - entry.load_kg) * 1000
    if entry.indication_kg < 0:  # below zero the change-point formula does not apply
        return (entry.indication_kg - entry.load_kg) * 1000 + e_kg * 500 - entry.added_g
    return metrology.error_before_rounding_g(
        entry.indication_kg, entry.added_g, entry.load_kg, e_kg
    )


def mpe_of(entry: Entry, scale: ScaleMetrology, *, in_service: bool) -> int:
    if entry.test == "zero":
        return scale.zero_limit_g
    return scale.mpe_g(entry.load_kg, in_service=in_service)


def evaluate(entry: Entry, scale: ScaleMetrology, *, in_service: bool) -> CalibrationPoint | None:
    """The entry as a judged point; None while its reading (or yes/no) is missing."""
    if entry.indication_kg is None:
        return None
    if entry.test == "discrimination" and entry.changed is None:
        return None
    error = error_g(entry, scale.e_kg)
    mpe = mpe_of(entry, scale, in_service=in_service)
    passed = abs(error) <= mpe
    if entry.test == "discrimination":
        passed = passed and bool(entry.changed)
    return CalibrationPoint(entry.test, entry.load_kg, entry.indication_kg, error, mpe, passed)


def spread_ok(entries: Sequence[Entry], scale: ScaleMetrology, *, in_service: bool) -> bool | None:
    """Repeatability: the spread of the readings within |MPE|; None until all are read."""
    readings = [e.indication_kg for e in entries]
    if len(readings) < 2 or any(r is None for r in readings):
        return None
    mpe = scale.mpe_g(entries[0].load_kg, in_service=in_service)
    return metrology.repeatability_ok([r for r in readings if r is not None], mpe)


def evaluate_page(
    page: str, entries: Sequence[Entry], scale: ScaleMetrology, *, in_service: bool
) -> list[CalibrationPoint | None]:
    points = [evaluate(entry, scale, in_service=in_service) for entry in entries]
    if page == "repeatability" and spread_ok(entries, scale, in_service=in_service) is False:
        points = [None if p is None else _failed(p) for p in points]
    return points


def _failed(point: CalibrationPoint) -> CalibrationPoint:
    return CalibrationPoint(
        point.test, point.load_kg, point.indication_kg, point.error_g, point.mpe_g, False
    )


def discrimination_changed(entry: Entry) -> bool | None:
    """Whether the two readings of a discrimination point differ (None until both are in)."""
    if entry.indication_kg is None or entry.with_extra_kg is None:
        return None
    return entry.with_extra_kg != entry.indication_kg


# ---- the record -------------------------------------------------------------------------


def weight_set_expired(valid_until: date, today: date) -> bool:
    """A weight set may be used up to and including the last day of its certificate."""
    return valid_until < today


@dataclass(frozen=True, slots=True)
class RunHeader:
    """What the record needs besides the readings; fixed when the run starts."""

    site_code: str
    station_name: str
    scale_id: str
    scale_model: str
    max_kg: int
    e_kg: int
    accuracy_class: str
    verification: str  # "initial" or "in_service"
    started_at: datetime
    technician: str
    counter_before: int


def phase_passed(points: Sequence[CalibrationPoint]) -> bool:
    return bool(points) and all(point.passed for point in points)


def build_record(
    header: RunHeader,
    *,
    finished_at: datetime,
    weights: Sequence[TestWeightSet],
    as_found: Sequence[CalibrationPoint],
    as_left: Sequence[CalibrationPoint],
    counter_after: int,
    certificate_no: str | None,
    notes: str,
) -> CalibrationRecord:
    """The run as stored and printed; the result is the scale as left (as found if untouched)."""
    return CalibrationRecord(
        site_code=header.site_code,
        station_name=header.station_name,
        scale_id=header.scale_id,
        scale_model=header.scale_model,
        max_kg=header.max_kg,
        e_kg=header.e_kg,
        accuracy_class=header.accuracy_class,
        verification=header.verification,
        started_at=header.started_at,
        finished_at=finished_at,
        technician=header.technician,
        weights=tuple(weights),
        as_found=tuple(as_found),
        as_left=tuple(as_left),
        counter_before=header.counter_before,
        counter_after=counter_after,
        certificate_no=certificate_no or None,
        result_passed=phase_passed(as_left if as_left else as_found),
        notes=notes,
    )


# ---- reading the running lanes ------------------------------------------------------------


class LiveFeed:
    """The latest weight and vehicle of every device, copied from the runtime's event tap.

    `tap` runs on the station's core thread and only stores; `stable_weight` and
    `next_vehicle` wait on a worker thread, never on the GUI thread.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._weights: dict[str, tuple[WeightReading, float]] = {}
        self._vehicles: dict[str, tuple[WimVehicle, float]] = {}

    def tap(self, lane: int, event: object) -> None:
        del lane
        if isinstance(event, WeightReading):
            with self._changed:
                self._weights[event.device_id] = (event, time.monotonic())
                self._changed.notify_all()
        elif isinstance(event, WimVehicle):
            with self._changed:
                self._vehicles[event.device_id] = (event, time.monotonic())
                self._changed.notify_all()

    def _wait(self, found: Callable[[], Any], timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while (value := found()) is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)
            return value

    def stable_weight(self, device_id: str, timeout_s: float = LIVE_TIMEOUT_S) -> int:
        """The next stable weight the device reports (one that arrives after the call)."""
        asked = time.monotonic()

        def found() -> int | None:
            reading, arrived = self._weights.get(device_id, (None, 0.0))
            fresh = reading is not None and arrived >= asked and reading.stable
            return reading.weight_kg if fresh and reading is not None else None

        value = self._wait(found, timeout_s)
        if value is None:
            raise ReadingUnavailable(f"{device_id}: no stable weight within {timeout_s:g} s")
        return int(value)

    def next_vehicle(self, device_id: str, timeout_s: float = VEHICLE_TIMEOUT_S) -> WimVehicle:
        """The next vehicle the axle scale reports (one that arrives after the call)."""
        asked = time.monotonic()

        def found() -> WimVehicle | None:
            vehicle, arrived = self._vehicles.get(device_id, (None, 0.0))
            return vehicle if vehicle is not None and arrived >= asked else None

        vehicle = self._wait(found, timeout_s)
        if vehicle is None:
            raise ReadingUnavailable(f"{device_id}: no vehicle within {timeout_s:g} s")
        return vehicle


_FEEDS: weakref.WeakKeyDictionary[Any, LiveFeed] = weakref.WeakKeyDictionary()
_FEEDS_LOCK = threading.Lock()


def live_feed(runtime: Any) -> LiveFeed:
    """One feed per runtime, tapped once (a runtime keeps its taps for its whole life)."""
    with _FEEDS_LOCK:
        feed = _FEEDS.get(runtime)
        if feed is None:
            feed = _FEEDS[runtime] = LiveFeed()
            runtime.tap(feed.tap)
        return feed


@dataclass(frozen=True, slots=True)
class LiveScale:
    """A `ReadingSource` on a running lane's indicator (device id = scale id)."""

    feed: LiveFeed
    device_id: str
    timeout_s: float = LIVE_TIMEOUT_S

    def read(self) -> int:
        return self.feed.stable_weight(self.device_id, self.timeout_s)


# ---- dynamic axle scales (reference vehicles) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferenceVehicle:
    """A reference vehicle weighed statically: per-axle loads and the gross mass (kg)."""

    axles_kg: tuple[int, ...]
    gross_kg: int
    groups: tuple[tuple[int, ...], ...] = ()  # axle numbers (from 1) of each axle group
    two_axle_rigid: bool = False


def parse_groups(text: str, axles: int) -> tuple[tuple[int, ...], ...]:
    """Axle groups typed as "2+3, 4+5+6" (axle numbers from 1); the rest are single axles."""
    groups: list[tuple[int, ...]] = []
    seen: set[int] = set()
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        try:
            numbers = tuple(int(n) for n in part.split("+"))
        except ValueError:
            raise ValueError(f"groups: {part.strip()!r} is not like 2+3") from None
        if len(numbers) < 2 or any(not 1 <= n <= axles for n in numbers) or seen & set(numbers):
            raise ValueError(f"groups: {part.strip()!r} needs 2 or more axles of 1..{axles}, once")
        seen |= set(numbers)
        groups.append(numbers)
    return tuple(groups)


def _items(vehicle: ReferenceVehicle) -> list[tuple[str, tuple[int, ...]]]:
    grouped = {n for group in vehicle.groups for n in group}
    singles = [(f"axle {n}", (n,)) for n in range(1, len(vehicle.axles_kg) + 1) if n not in grouped]
    groups = [("group " + "+".join(map(str, g)), g) for g in vehicle.groups]
    return singles + groups


def _sum(axles: Sequence[int], numbers: Iterable[int]) -> int:
    return sum(axles[n - 1] for n in numbers)


def evaluate_dynamic(
    vehicle: ReferenceVehicle,
    passes: Sequence[tuple[int, Sequence[int]]],
    *,
    vehicle_class: str,
    axle_class: str,
    d_kg: int,
    in_service: bool,
    reference: str = CORRECTED_MEAN,
) -> list[DynamicItem]:
    """Every pass (speed km/h, axle loads kg): gross against the vehicle MPE, each single
    axle and axle group against the axle MPD, from the corrected mean or the static load."""
    count = len(vehicle.axles_kg)
    if not passes:
        raise ValueError("passes: at least one pass")
    if any(len(axles) != count for _, axles in passes):
        raise ValueError(f"passes: each pass needs {count} axle loads")
    gross_limit = metrology.vehicle_mpe_g(
        vehicle_class, vehicle.gross_kg, d_kg, in_service=in_service
    )
    mean_gross = Decimal(sum(sum(axles) for _, axles in passes)) / len(passes)
    references: dict[str, int] = {}
    for name, numbers in _items(vehicle):
        if reference == STATIC_REFERENCE:
            references[name] = _sum(vehicle.axles_kg, numbers) * 1000
        else:
            mean = Decimal(sum(_sum(axles, numbers) for _, axles in passes)) / len(passes)
            corrected = mean * vehicle.gross_kg / mean_gross if mean_gross else mean
            references[name] = int((corrected * 1000).quantize(Decimal(1), ROUND_HALF_UP))
    items: list[DynamicItem] = []
    for no, (speed, axles) in enumerate(passes, start=1):
        gross = sum(axles)
        deviation = (gross - vehicle.gross_kg) * 1000
        items.append(DynamicItem(no, "gross", speed, gross, vehicle.gross_kg * 1000, deviation,
                                 gross_limit, abs(deviation) <= gross_limit))  # fmt: skip
        for name, numbers in _items(vehicle):
            ref_g = references[name]
            limit = metrology.axle_mpd_g(
                axle_class, Decimal(max(ref_g, 1)) / 1000,
                two_axle_rigid=vehicle.two_axle_rigid, in_service=in_service,
            )  # fmt: skip
            value = _sum(axles, numbers)
            deviation = value * 1000 - ref_g
            items.append(DynamicItem(no, name, speed, value, ref_g, deviation, limit,
                                     abs(deviation) <= limit))  # fmt: skip
    return items


def dynamic_passed(items: Sequence[DynamicItem]) -> bool:
    return bool(items) and all(item.passed for item in items)


@dataclass(frozen=True, slots=True)
class DynamicCheck:
    """What the dynamic page evaluated, frozen together with its verdicts: what is saved is
    exactly what was judged, even if the tables are edited afterwards."""

    vehicle: ReferenceVehicle
    passes: tuple[DynamicPass, ...]
    vehicle_class: str
    axle_class: str
    d_kg: int
    reference: str
    reference_vehicle: str
    items: tuple[DynamicItem, ...]

    @property
    def passed(self) -> bool:
        return dynamic_passed(self.items)


def check_dynamic(
    vehicle: ReferenceVehicle,
    passes: Sequence[tuple[int, Sequence[int]]],
    *,
    vehicle_class: str,
    axle_class: str,
    d_kg: int,
    in_service: bool,
    reference: str = CORRECTED_MEAN,
    reference_vehicle: str = "",
) -> DynamicCheck:
    """`evaluate_dynamic`, kept with its inputs."""
    items = evaluate_dynamic(
        vehicle, passes, vehicle_class=vehicle_class, axle_class=axle_class, d_kg=d_kg,
        in_service=in_service, reference=reference,
    )  # fmt: skip
    frozen = tuple(DynamicPass(speed, tuple(axles)) for speed, axles in passes)
    return DynamicCheck(vehicle, frozen, vehicle_class, axle_class, d_kg, reference,
                        reference_vehicle.strip(), tuple(items))  # fmt: skip


def build_dynamic_record(
    header: RunHeader,
    check: DynamicCheck,
    *,
    finished_at: datetime,
    counter: int,
    certificate_no: str | None,
    notes: str,
) -> DynamicRecord:
    """The reference-vehicle check as stored and printed."""
    vehicle = check.vehicle
    return DynamicRecord(
        site_code=header.site_code,
        station_name=header.station_name,
        scale_id=header.scale_id,
        scale_model=header.scale_model,
        d_kg=check.d_kg,
        vehicle_class=check.vehicle_class,
        axle_class=check.axle_class,
        reference=check.reference,
        verification=header.verification,
        started_at=header.started_at,
        finished_at=finished_at,
        technician=header.technician,
        reference_vehicle=check.reference_vehicle,
        static_axles_kg=tuple(vehicle.axles_kg),
        static_gross_kg=vehicle.gross_kg,
        groups=tuple(tuple(group) for group in vehicle.groups),
        two_axle_rigid=vehicle.two_axle_rigid,
        passes=check.passes,
        items=check.items,
        counter=counter,
        certificate_no=certificate_no or None,
        result_passed=check.passed,
        notes=notes,
    )
