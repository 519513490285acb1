"""One lane's workflow: a vehicle is detected, weighed, identified, judged and recorded.

The workflow is a plain object driven by one thread (the station's core thread): device
events and operator commands go in, notices come out, and the lane's light, barrier and
sign follow the configured signals. It never blocks on a device; the only waiting it does
is the short transaction of the recorder.

Modes (docs/lane-workflow.md):
- AXLE / WIM: the axle scale's segmenter or the WIM controller reports the whole vehicle;
  a loop (InputChange "loop") or the first weight marks its arrival;
- STATIC: the platform holds the vehicle; its weight is taken once stable for
  `stable_ms`; the axle layout comes from an axle-type recogniser on the lane, from the
  first weighing of an open case (a re-weighing), or from the operator.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from station.domain.classify import vehicle_from_axles
from station.domain.readings import (
    DeviceStatus,
    InputChange,
    PlateColour,
    PlateRead,
    WeightReading,
    WimVehicle,
)
from station.domain.vehicle import Vehicle
from station.lanes.capture import (
    GATE_FLAGS,
    MERGED_FLAGS,
    QUEUED,
    SUSPECT_FLAGS,
    Capture,
    Outcome,
    Recorder,
)
from station.lanes.notices import (
    AxlesNeeded,
    DeviceChanged,
    Notice,
    PlateNeeded,
    Released,
    VehicleAbandoned,
    VehicleEntered,
    WeighingCompleted,
)
from station.lanes.plates import PlateReads, distinct_plates, plate_of, typed_plate, unread_plate
from station.lanes.ports import Clock, LaneEvent, LaneOutputs, Tick
from station.lanes.settings import LaneSettings
from station.lanes.static import StableWeight, layout_from_code
from station.services.recording import Plate
from station.storage.evidence import TraceData

log = logging.getLogger(__name__)

# Without an operator answer, a vehicle waiting for its plate is recorded unread after this.
OPERATOR_WAIT_S = 120.0
LOOP = "loop"
ASSUMED_LAYOUT = "157"  # 6-axle articulated: the highest limit of the common layouts


class LaneCommandError(ValueError):
    """An operator command that the lane refuses; the message says why."""


@dataclass
class _Vehicle:
    attempt_id: int
    t_detected: float
    flags: set[str] = field(default_factory=set)
    wim: WimVehicle | None = None
    layout: tuple[tuple[int | None, ...], tuple[int | None, ...]] | None = None
    gross_kg: int | None = None
    trace: list[int] = field(default_factory=list)
    trace_t: list[float] = field(default_factory=list)
    t_complete: float | None = None
    typed: Plate | None = None
    asked_plate: bool = False
    asked_axles: bool = False


@dataclass(frozen=True, slots=True)
class _Last:
    check_no: str
    step: str
    released: bool


class LaneWorkflow:
    def __init__(
        self,
        settings: LaneSettings,
        *,
        recorder: Recorder,
        outputs: LaneOutputs,
        clock: Clock,
        connected: Callable[[str], bool],
    ) -> None:
        self.settings = settings
        self._recorder = recorder
        self._outputs = outputs
        self._clock = clock
        self._connected = connected
        self._reads = PlateReads()
        self._vehicle: _Vehicle | None = None
        self._last: _Last | None = None
        self._zero_seen = True
        self._on_lane = False  # a recorded vehicle has not left yet
        self._last_gross: int | None = None
        self._stable = StableWeight(settings.stable_s)
        self._notices: list[Notice] = []
        self.step = ""
        self._signal("idle")

    @property
    def state(self) -> str:
        """What the lane screen shows: waiting, weighing, stable (weighed, waiting for the
        plate or axles) or done (recorded, the vehicle has not left yet)."""
        vehicle = self._vehicle
        if vehicle is None:
            return "done" if self._on_lane else "waiting"
        return "weighing" if vehicle.t_complete is None else "stable"

    # ---- events -------------------------------------------------------------------------

    def handle(self, event: LaneEvent) -> list[Notice]:
        if isinstance(event, WimVehicle):
            self._wim(event)
        elif isinstance(event, WeightReading):
            self._weight(event)
        elif isinstance(event, PlateRead):
            self._plate(event)
        elif isinstance(event, InputChange):
            self._input(event)
        elif isinstance(event, DeviceStatus):
            self._notices.append(DeviceChanged(self.settings.number, event))
        elif isinstance(event, Tick):
            self._tick(event.t_mono)
        return self._drain()

    def _drain(self) -> list[Notice]:
        notices, self._notices = self._notices, []
        return notices

    def _plate(self, read: PlateRead) -> None:
        if read.device_id in self.settings.camera_ids:
            self._reads.add(read)
            if self._vehicle is not None and self._vehicle.t_complete is not None:
                self._try_finish(read.t_mono)

    def _input(self, change: InputChange) -> None:
        if change.name != LOOP:
            return
        if change.state:
            self._detect(change.t_mono)
        elif self._vehicle is None and self._on_lane:
            self._left()

    def _weight(self, reading: WeightReading) -> None:
        if reading.device_id not in self.settings.scale_ids:
            return
        # Only a platform delivers every reading; an axle scale's live readings are thinned
        # for display, and its segmenter checks the return to zero on every sample instead.
        if self.settings.mode.value != "STATIC":
            return
        zero = abs(reading.weight_kg) <= self.settings.workflow.zero_band_kg
        if zero:
            self._zero_seen = True
        self._static_weight(reading, zero)

    def _static_weight(self, reading: WeightReading, zero: bool) -> None:
        vehicle = self._vehicle
        if vehicle is None:
            if zero and self._on_lane:
                self._left()
            elif self._new_load(reading.weight_kg):
                self._detect(reading.t_mono)
                self._static_weight(reading, zero)
            return
        vehicle.trace.append(reading.weight_kg)
        vehicle.trace_t.append(reading.t_mono)
        if vehicle.gross_kg is None:
            if zero:
                self._abandon("车辆未稳定即下磅 (left the platform before a stable weight)")
                return
            gross = self._stable.feed(reading)
            if gross is not None:
                vehicle.gross_kg = gross
                vehicle.t_complete = reading.t_mono
                self._try_finish(reading.t_mono)

    def _new_load(self, weight_kg: int) -> bool:
        """A vehicle arrives: the empty platform is loaded, or the weight left by the last
        vehicle changes by more than the detection threshold (the next one drove on before
        the scale returned to zero)."""
        detect = self.settings.workflow.detect_kg
        if not self._on_lane:
            return weight_kg >= detect
        return self._last_gross is not None and abs(weight_kg - self._last_gross) >= detect

    def _wim(self, event: WimVehicle) -> None:
        if event.device_id in self.settings.recogniser_ids:
            if self._vehicle is not None:
                weights = tuple(axle.weight_kg for axle in event.axles)
                self._vehicle.layout = (weights, tuple(a.spacing_mm for a in event.axles[:-1]))
                self._try_finish(event.t_mono)
            return
        if event.device_id not in self.settings.scale_ids:
            return
        if len(event.axles) < 2:
            self._single_axle(event)
            return
        if self._vehicle is not None and self._vehicle.wim is not None:
            self._finish_now(event.t_mono)  # a new vehicle while the last waits for a plate
        if self._vehicle is None:
            self._detect(event.t_mono)
        vehicle = self._vehicle
        assert vehicle is not None
        vehicle.wim = event
        vehicle.flags.update(event.flags)
        vehicle.t_complete = event.t_mono
        self._try_finish(event.t_mono)

    def _single_axle(self, event: WimVehicle) -> None:
        """A passage of fewer than 2 axles is no vehicle (a hand cart, a wheel, a fault);
        it is kept in the journal, not made a legal record."""
        if self._vehicle is None:
            self._detect(event.t_mono)
        elif self._vehicle.wim is not None:
            return  # the weighed vehicle is still waiting for its plate
        weights = ",".join(str(axle.weight_kg) for axle in event.axles)
        self._abandon(
            f"不足两轴的通过，不作称重记录 (passage of {len(event.axles)} axle: {weights} kg)"
        )

    def _tick(self, now: float) -> None:
        vehicle = self._vehicle
        if vehicle is not None and vehicle.t_complete is not None:
            self._try_finish(now)

    # ---- a vehicle ----------------------------------------------------------------------

    def _detect(self, t_mono: float) -> None:
        if self._vehicle is not None:
            return
        self._on_lane = False
        self._last = None
        attempt = self._recorder.begin(self.settings.number)
        vehicle = _Vehicle(attempt, t_mono)
        if not self._zero_seen:
            vehicle.flags.add("NO_RETURN_TO_ZERO")
        self._stable.reset()
        self._vehicle = vehicle
        self._notices.append(VehicleEntered(self.settings.number, t_mono))
        self._signal("weighing")

    def _abandon(self, reason: str) -> None:
        vehicle = self._vehicle
        if vehicle is None:
            return
        self._recorder.abandon(vehicle.attempt_id, reason)
        self._vehicle = None
        self._zero_seen = True
        self._notices.append(VehicleAbandoned(self.settings.number, reason))
        self._signal("idle")

    def _plate_for(self, vehicle: _Vehicle, now: float) -> Plate | None:
        if vehicle.typed is not None:
            return vehicle.typed
        start = vehicle.t_detected - self.settings.plate_before_s
        read = self._reads.best(start, now)
        return None if read is None else plate_of(read)

    def _try_finish(self, now: float) -> None:
        vehicle = self._vehicle
        if vehicle is None or vehicle.t_complete is None:
            return
        plate = self._plate_for(vehicle, now)
        if plate is None:
            self._wait_for_plate(vehicle, now)
            return
        if not self._layout_known(vehicle, plate):
            return
        self._record(vehicle, plate, now)

    def _wait_for_plate(self, vehicle: _Vehicle, now: float) -> None:
        assert vehicle.t_complete is not None
        waited = now - vehicle.t_complete
        if waited >= self.settings.plate_wait_s + OPERATOR_WAIT_S:
            self._finish_now(now)
        elif waited >= self.settings.plate_wait_s and not vehicle.asked_plate:
            vehicle.asked_plate = True
            self._notices.append(PlateNeeded(self.settings.number))
            self._signal("hold", reason="请输入车牌")

    def _finish_now(self, now: float) -> None:
        """Record what there is: the plate unread unless one came in."""
        vehicle = self._vehicle
        if vehicle is None or vehicle.t_complete is None:
            return
        plate = self._plate_for(vehicle, now)
        if plate is None:
            vehicle.flags.add("NO_PLATE")
            plate = unread_plate()
        if vehicle.wim is None and vehicle.layout is None:
            # The most generous common layout; a guess never supports enforcement.
            vehicle.layout = layout_from_code(ASSUMED_LAYOUT)
            vehicle.flags.add("AXLES_ASSUMED")
        self._record(vehicle, plate, now)

    def _layout_known(self, vehicle: _Vehicle, plate: Plate) -> bool:
        if vehicle.wim is not None or vehicle.layout is not None:
            return True
        vehicle.layout = self._recorder.reweigh_layout(plate.number)
        if vehicle.layout is not None:
            return True
        if not vehicle.asked_axles:
            vehicle.asked_axles = True
            self._notices.append(AxlesNeeded(self.settings.number, vehicle.gross_kg or 0))
            self._signal("hold", plate=plate.number, reason="请输入轴型")
        return False

    def _capture(self, vehicle: _Vehicle, plate: Plate, now: float) -> Capture:
        flags = set(vehicle.flags)
        if plate.source.value == "OPERATOR":
            flags.add("MANUAL_PLATE")
        if len(distinct_plates(self._reads.between(vehicle.t_detected, now))) > 1:
            flags.add("TWO_VEHICLES")
        if self._recorder.watch_reason(plate.number) is not None:
            flags.add("WATCHLIST")
        picture_read = self._reads.best(vehicle.t_detected - self.settings.plate_before_s, now)
        pictures = picture_read.pictures if picture_read and plate.source.value == "ANPR" else ()
        return Capture(
            attempt_id=vehicle.attempt_id,
            vehicle=self._vehicle_of(vehicle),
            plate=plate,
            speed_kmh=self._speed(vehicle),
            trace=self._trace(vehicle),
            pictures=pictures,
            flags=tuple(sorted(flags)),
            t_event=vehicle.t_complete or now,
        )

    def _vehicle_of(self, vehicle: _Vehicle) -> Vehicle:
        if vehicle.wim is not None:
            weights = [axle.weight_kg for axle in vehicle.wim.axles]
            spacings = [axle.spacing_mm for axle in vehicle.wim.axles[:-1]]
            return vehicle_from_axles(weights, spacings)
        assert vehicle.layout is not None
        _, spacings = vehicle.layout
        count = len(spacings) + 1
        return vehicle_from_axles([None] * count, spacings, gross_kg=vehicle.gross_kg)

    @staticmethod
    def _speed(vehicle: _Vehicle) -> str | None:
        if vehicle.wim is None:
            return None
        tenths = vehicle.wim.speed_kmh_x10
        return f"{tenths // 10}.{tenths % 10}"

    @staticmethod
    def _trace(vehicle: _Vehicle) -> TraceData | None:
        if vehicle.wim is not None and vehicle.wim.trace_kg:
            return TraceData(vehicle.wim.trace_hz or 1, vehicle.wim.trace_kg)
        if len(vehicle.trace) < 2:
            return None
        span = vehicle.trace_t[-1] - vehicle.trace_t[0]
        rate = round((len(vehicle.trace) - 1) / span) if span > 0 else 1
        return TraceData(max(1, rate), tuple(vehicle.trace))

    def _record(self, vehicle: _Vehicle, plate: Plate, now: float) -> None:
        capture = self._capture(vehicle, plate, now)
        outcome = self._recorder.commit(self.settings, capture)
        self._last_gross = vehicle.gross_kg
        self._vehicle = None
        self._on_lane = True
        # The next vehicle on a platform needs the scale back at zero first.
        self._zero_seen = self.settings.mode.value != "STATIC"
        self._reads.forget_until(now)
        step, reason = decide(outcome)
        self._last = _Last(outcome.check_no, step, step == "pass")
        self._notices.append(self._completed(outcome, plate, step, reason, capture.t_event))
        self._signal(
            step,
            plate=plate.number,
            sum_kg=outcome.sum_kg,
            limit_kg=outcome.limit_kg,
            over_kg=outcome.over_kg if outcome.is_over else 0,
            notice=outcome.notice_no or "",
            reason=reason,
        )
        if step == "pass":
            self._notices.append(Released(self.settings.number, outcome.check_no, False))

    def _completed(
        self, outcome: Outcome, plate: Plate, step: str, reason: str, t_event: float
    ) -> WeighingCompleted:
        return WeighingCompleted(
            lane=self.settings.number,
            check_no=outcome.check_no,
            check_type=outcome.check_type,
            first_check_no=outcome.first_check_no,
            plate=plate.number,
            sum_kg=outcome.sum_kg,
            limit_kg=outcome.limit_kg,
            over_kg=outcome.over_kg,
            is_over=outcome.is_over,
            flags=outcome.flags,
            step=step,
            reason=reason,
            case_id=outcome.case_id,
            case_status=outcome.case_status,
            case_result=outcome.case_result,
            notice_no=outcome.notice_no,
            unload_kg=outcome.unload_kg,
            t_event=t_event,
            t_committed=self._clock(),
        )

    def _left(self) -> None:
        self._on_lane = False
        self._signal("idle")

    # ---- operator commands --------------------------------------------------------------

    def enter_plate(self, text: str, colour: PlateColour = PlateColour.YELLOW) -> list[Notice]:
        vehicle = self._vehicle
        if vehicle is None or vehicle.t_complete is None:
            raise LaneCommandError("no weighed vehicle is waiting for a plate on this lane")
        vehicle.typed = typed_plate(text, colour)
        self._recorder.note_plate(vehicle.attempt_id, vehicle.typed.number)
        self._try_finish(self._clock())
        return self._drain()

    def enter_axles(self, axle_type: str) -> list[Notice]:
        vehicle = self._vehicle
        if vehicle is None or vehicle.gross_kg is None:
            raise LaneCommandError("no static weight is waiting for its axles on this lane")
        try:
            vehicle.layout = layout_from_code(axle_type)
        except ValueError as exc:
            raise LaneCommandError(str(exc)) from None
        self._try_finish(self._clock())
        return self._drain()

    def enter_weight(self, gross_kg: int) -> list[Notice]:
        """Manual weight entry, only when the lane's scale is not connected."""
        connected = [d for d in sorted(self.settings.scale_ids) if self._connected(d)]
        if connected:
            raise LaneCommandError(
                f"manual weight refused: scale {connected[0]} is connected; weigh on the scale"
            )
        if self.settings.mode.value != "STATIC":
            raise LaneCommandError("manual weight is only for a static platform lane")
        if not 0 < gross_kg <= 200_000:
            raise LaneCommandError(f"gross_kg: {gross_kg} is outside 1..200000 kg")
        now = self._clock()
        if self._vehicle is None:
            self._detect(now)
        vehicle = self._vehicle
        assert vehicle is not None
        vehicle.gross_kg, vehicle.t_complete = gross_kg, now
        vehicle.flags.add("MANUAL_WEIGHT")
        self._try_finish(now)
        return self._drain()

    def override(self, reason: str, actor: str) -> list[Notice]:
        """A supervisor opens the barrier against the verdict; the reason is recorded."""
        if not reason.strip():
            raise LaneCommandError("reason: an override needs a reason")
        last = self._last
        if last is not None and last.released:
            raise LaneCommandError("the barrier is already open for this vehicle")
        check_no = last.check_no if last else None
        self._recorder.override(self.settings.number, check_no, reason, actor)
        self._last = _Last(check_no or "", "pass", True)
        self._signal("pass", reason=reason)
        self._notices.append(Released(self.settings.number, check_no, True, reason))
        return self._drain()

    def flush(self) -> list[Notice]:
        """Record a weighed vehicle still waiting (at shutdown): nothing measured is lost."""
        self._finish_now(self._clock())
        return self._drain()

    @property
    def attempt_id(self) -> int | None:
        return None if self._vehicle is None else self._vehicle.attempt_id

    # ---- signals ------------------------------------------------------------------------

    def _signal(self, step: str, **fields: object) -> None:
        self.step = step
        signal = self.settings.signals[step]
        values: defaultdict[str, object] = defaultdict(str, fields)
        values["lane"] = self.settings.number
        try:
            self._outputs.set_light(signal.light == "green")
            self._outputs.set_barrier(signal.barrier == "open")
            self._outputs.show(" ".join(signal.sign.format_map(values).split()))
        except Exception:  # an output device failing must not stop the lane
            log.exception("lane %s: setting signals for %s failed", self.settings.number, step)


def _listed(flags: tuple[str, ...], wanted: frozenset[str] | tuple[str, ...]) -> str:
    return ",".join(sorted(set(flags).intersection(wanted)))


# In order: the first rule that applies decides. Each is (applies, step, reason prefix, flags
# named in the reason).
_RULES: tuple[tuple[Callable[[Outcome], bool], str, str, frozenset[str]], ...] = (
    (lambda o: QUEUED in o.flags and o.is_over, "hold",
     "无法连接数据库服务器，称重已暂存在本机；恢复后立案并开具通知书", frozenset()),
    (lambda o: bool(set(o.flags) & set(GATE_FLAGS)), "hold", "不能执法，需人工处理",
     frozenset(GATE_FLAGS)),
    (lambda o: o.is_over and bool(MERGED_FLAGS & set(o.flags)), "hold",
     "疑似多车同时上磅，请重新称重", MERGED_FLAGS),
    (lambda o: o.is_over, "over", "", frozenset()),
    (lambda o: "NO_PLATE" in o.flags, "hold", "车牌未识别", frozenset()),
    (lambda o: "WATCHLIST" in o.flags, "hold", "布控车辆", frozenset()),
    (lambda o: bool(SUSPECT_FLAGS & set(o.flags)), "hold", "称重异常，需复核", SUSPECT_FLAGS),
)  # fmt: skip


def decide(outcome: Outcome) -> tuple[str, str]:
    """Which step a recorded weighing leaves the lane in, and why when it holds."""
    for applies, step, reason, named in _RULES:
        if applies(outcome):
            listed = _listed(outcome.flags, named)
            return step, f"{reason} ({listed})" if listed else reason
    return "pass", ""
