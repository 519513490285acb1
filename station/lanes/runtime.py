"""The running station without a screen: devices feed one core thread that owns the lanes.

Driver threads only put events on a queue; the core thread hands them to the lane
workflows in arrival order, lets time pass with ticks, runs operator commands between
events (so a command never races a device event), and tells subscribers what happened.
Device state changes also go to the device event log (station/storage/device_events.py).
The GUI and `main.py headless` both sit on this.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from station.config import StationConfig
from station.domain.limits import LimitBook
from station.domain.readings import DeviceStatus, PlateColour
from station.domain.records import CaseResult
from station.lanes.capture import Recorder
from station.lanes.notices import (
    LaneStateChanged,
    Notice,
    QueuedRecorded,
    Released,
    StorageQueueChanged,
    WeighingCompleted,
)
from station.lanes.ports import Clock, DeviceEvent, NoOutputs, OpenDevices, StationDevices, Tick
from station.lanes.rawcounts import RawCounts
from station.lanes.recorder import LaneRecorder, RecorderSetup
from station.lanes.settings import lane_settings
from station.lanes.spooling import QueueState, SpoolingRecorder
from station.lanes.workflow import LaneCommandError, LaneWorkflow
from station.storage import cases, checks, device_events, journal
from station.storage.database import Database, connection_lost
from station.storage.files import PictureStore
from station.storage.spool import Spool, local_spool_path
from station.timeutil import beijing_now

log = logging.getLogger(__name__)

TICK_S = 0.05
WIND_DOWN_CATCH_UP_S = 10.0  # at a clean stop, commit what the returned server can take
Subscriber = Callable[[Notice], None]
EventTap = Callable[[int, DeviceEvent], None]


@dataclass
class Tally:
    """What this run did, for the headless summary."""

    weighings: int = 0
    over: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    # Only open cases are remembered (a station runs for years); an ended case is counted.
    open_cases: set[int] = field(default_factory=set)
    ended: Counter[str] = field(default_factory=Counter)
    overrides: int = 0
    interrupted: int = 0
    queued_committed: int = 0

    def count(self, notice: Notice) -> None:
        if isinstance(notice, WeighingCompleted):
            self.weighings += 1
            self.over += notice.is_over
            self.flags.update(notice.flags)
            if notice.case_id is not None:
                self.case_changed(notice.case_id, notice.case_result or "OPEN")
        elif isinstance(notice, Released) and notice.override:
            self.overrides += 1
        elif isinstance(notice, QueuedRecorded):
            self.queued_committed += 1

    def case_changed(self, case_id: int, state: str, previous: str | None = None) -> None:
        """A case of this run is open (`OPEN`) or ended with `state` (a result, VOIDED);
        `previous` is the result it had ended with before (a void of a closed case)."""
        if previous and previous != "OPEN" and self.ended[previous] > 0:
            self.ended[previous] -= 1
            self.ended += Counter()  # drop results counted down to zero
        if state == "OPEN":
            self.open_cases.add(case_id)
            return
        self.open_cases.discard(case_id)
        self.ended[state] += 1

    def cases(self) -> dict[str, int]:
        counts = Counter(self.ended)
        if self.open_cases:
            counts["OPEN"] = len(self.open_cases)
        return dict(sorted(counts.items()))


@dataclass(frozen=True)
class _Call:
    action: Callable[[], Any]
    future: Future


class _DeviceLog:
    """Writes each device's state changes to the device event log, on the core thread.

    One short transaction per change, as the lane journal writes: devices report a state
    only when it changes, so this is rare, and a state already written is skipped without
    touching the database. A failed write is logged and dropped: the log is evidence about
    the devices, and weighing must go on without it.
    """

    def __init__(self, database: Database, kinds: dict[str, str]) -> None:
        self._database = database
        self._kinds = kinds
        self._written: dict[str, tuple[int, str]] = {}  # device -> (lane, state written)
        self._failures: set[tuple[str, str]] = set()
        self._stopped = False

    def note(self, lane: int, status: DeviceStatus) -> None:
        if not self._stopped:
            self._write(status.device_id, lane, status.state.value, status.detail)

    def stop(self) -> None:
        """The station stops watching its devices: end each one's record with STOPPED, so
        a fault open now is not counted through the time the station is off."""
        self._stopped = True
        for device_id, (lane, _) in list(self._written.items()):
            self._write(device_id, lane, device_events.STOPPED, "station stopped")

    def _write(self, device_id: str, lane: int, state: str, detail: str) -> None:
        written = self._written.get(device_id)
        if written is not None and written[1] == state:
            return
        try:
            device_events.record_state(
                self._database,
                device_id=device_id,
                state=state,
                moment=beijing_now(),
                lane=lane,
                kind=self._kinds.get(device_id, "")[:16],
                detail=detail,
            )
        except Exception as exc:
            self._failed(device_id, state, exc)
            return
        self._written[device_id] = (lane, state)

    def _failed(self, device_id: str, state: str, exc: Exception) -> None:
        key = (device_id, type(exc).__name__)
        if key in self._failures:  # a database down for an hour would flood the log
            log.debug("device %s: %s not recorded: %s", device_id, state, exc)
            return
        self._failures.add(key)
        log.error("device %s: %s not recorded in the device log", device_id, state, exc_info=exc)


class _NullDevices:
    def outputs(self, lane: int) -> NoOutputs:
        del lane
        return NoOutputs()

    def connected(self, device_id: str) -> bool:
        del device_id
        return False

    def close(self) -> None:
        pass


class StationRuntime:
    def __init__(
        self,
        config: StationConfig,
        *,
        database: Database,
        limits: LimitBook,
        open_devices: OpenDevices | None,
        clock: Clock,
        operator_id: str = "headless",
    ) -> None:
        self.config = config
        self._database = database
        self._clock = clock
        self._open_devices = open_devices
        self._operator_id = operator_id
        setup = RecorderSetup(
            site_code=config.station.site_code,
            operator_id=operator_id,
            reweigh_window=timedelta(hours=config.workflow.reweigh_window_hours),
            require_daily_check=config.workflow.require_daily_scale_check,
        )
        store = PictureStore(config.data_dir / "pictures")
        # Devices that send raw counts: their readings become kg with the scale's
        # calibration coefficients before anything else sees them (station.lanes.rawcounts).
        raw = [
            device
            for lane in config.lanes
            for device in lane.devices
            if device.options.get("raw_counts") is True
        ]
        # An axle scale's counts are kg before its drivers segment them (converters).
        in_drivers = [device.id for device in raw if device.kind == "axle_scale"]
        self._raw = RawCounts(database, [d.id for d in raw], clock, in_drivers=in_drivers)
        self._lane_of = {device.id: lane.number for lane in config.lanes for device in lane.devices}
        recorder = LaneRecorder(
            database, store, limits, setup, converted_with=self._raw.converted_with
        )
        # Workstations sharing a database server queue locally while it is unreachable.
        self._spooling: SpoolingRecorder | None = None
        if not database.is_sqlite:
            spool = Spool(local_spool_path(database))
            self._spooling = SpoolingRecorder(recorder, database, spool, limits, operator_id)
        self._recorder: Recorder = self._spooling or recorder
        self._queue_state: QueueState | None = None
        kinds = {device.id: device.kind for lane in config.lanes for device in lane.devices}
        self._device_log = _DeviceLog(database, kinds)
        self._queue: queue.SimpleQueue[tuple[int, DeviceEvent] | _Call | None] = queue.SimpleQueue()
        self._subscribers: list[Subscriber] = []
        self._taps: list[EventTap] = []
        self._count_taps: list[EventTap] = []
        self._states: dict[int, str] = {}
        self._lanes: dict[int, LaneWorkflow] = {}
        self._devices: StationDevices = _NullDevices()
        self._thread: threading.Thread | None = None
        self._errors: set[str] = set()
        self.tally = Tally()

    # ---- life -------------------------------------------------------------------------

    @property
    def database(self) -> Database:
        return self._database

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def tap(self, tap: EventTap) -> None:
        """Also see every device event (the live trace of the screen); called on the core
        thread before the lane handles it, so it must only copy and return."""
        self._taps.append(tap)

    def tap_counts(self, tap: EventTap) -> None:
        """See device events as the devices sent them, before raw counts become kg (a
        calibration procedure reading counts; an axle scale's are kg already, converted in
        its driver, with the counts in `raw`); as `tap`, it must only copy and return."""
        self._count_taps.append(tap)

    @property
    def raw_count_devices(self) -> frozenset[str]:
        """The devices whose readings are counts the runtime turns into kg."""
        return self._raw.device_ids

    def lane_states(self) -> dict[int, str]:
        return dict(self._states)

    def start(self) -> None:
        """Recover interrupted weighings, open the devices, start the core thread."""
        try:
            found = journal.recover_interrupted(
                self._database, actor=self._operator_id, moment=beijing_now()
            )
        except Exception as exc:
            if not connection_lost(exc):
                raise
            # A workstation may start while the shared server is down; the lanes queue.
            log.error("database server unreachable at start; interrupted weighings not checked")
            found = []
        self.tally.interrupted = len(found)
        for attempt in found:
            log.warning(
                "lane %s: weighing started %s was interrupted", attempt.lane, attempt.started_at
            )
        if self._open_devices is not None:
            self._devices = self._open_devices(
                self.config.lanes, self._put, self._clock, self._raw.converters
            )
        for lane in self.config.lanes:
            self._lanes[lane.number] = LaneWorkflow(
                lane_settings(lane, self.config.workflow),
                recorder=self._recorder,
                outputs=self._devices.outputs(lane.number),
                clock=self._clock,
                connected=self._devices.connected,
            )
            self._states[lane.number] = self._lanes[lane.number].state
        self._thread = threading.Thread(target=self._run, name="station-core", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Record what is weighed and waiting, close the devices, stop the core thread."""
        if self._thread is None:
            return
        try:
            self._call(self._wind_down)
        finally:
            if self._spooling is not None:
                self._spooling.close()
            self._devices.close()
            self._queue.put(None)
            self._thread.join(10.0)
            self._thread = None

    def _put(self, lane: int, event: DeviceEvent) -> None:
        self._queue.put((lane, event))

    # ---- the core thread ---------------------------------------------------------------

    def _run(self) -> None:
        next_tick = self._clock()
        while True:
            try:
                item = self._queue.get(timeout=TICK_S)
            except queue.Empty:
                item = ()
            if item is None:
                return
            if isinstance(item, _Call):
                self._run_call(item)
            elif item:
                lane, event = item
                self._handle(lane, event)
            now = self._clock()
            if now >= next_tick:
                next_tick = now + TICK_S
                for number in self._lanes:
                    self._handle(number, Tick(now))
                self._check_raw_counts()
                self._catch_up()

    def _catch_up(self) -> None:
        """Commit what was queued while the server was unreachable, a little at a time."""
        if self._spooling is None:
            return
        try:
            done = self._spooling.catch_up()
            state = self._spooling.state()
        except Exception as exc:  # the queue file itself failed: say so, keep weighing
            self._log_once(0, exc)
            return
        notices: list[Notice] = [QueuedRecorded(d.lane, d.check_no, d.queued_at) for d in done]
        if state != self._queue_state:
            self._queue_state = state
            notices.append(StorageQueueChanged(state.online, state.pending, state.set_aside))
        self._publish(notices)

    def _handle(self, number: int, event: Any) -> None:
        workflow = self._lanes.get(number)
        if workflow is None:
            return
        if isinstance(event, Tick):
            self._run_lane(number, workflow, event)
            return
        self._tap(number, event, self._count_taps)
        try:
            items = self._raw.handle(event)  # raw counts become kg, or a fault and nothing
        except Exception as exc:  # never pass counts on as kg; the lane goes on
            self._log_once(number, exc)
            return
        self._deliver(number, workflow, items)

    def _deliver(self, number: int, workflow: LaneWorkflow, items: Sequence[DeviceEvent]) -> None:
        for item in items:
            self._tap(number, item, self._taps)
            self._run_lane(number, workflow, item)
            if isinstance(item, DeviceStatus):  # after the screen has been told
                self._device_log.note(number, item)

    def _check_raw_counts(self) -> None:
        """The calibration of raw-count axle scales, checked between their readings."""
        try:
            states = self._raw.tick()
        except Exception as exc:
            self._log_once(0, exc)
            return
        for status in states:
            number = self._lane_of[status.device_id]
            workflow = self._lanes.get(number)
            if workflow is not None:
                self._deliver(number, workflow, [status])

    def _run_lane(self, number: int, workflow: LaneWorkflow, event: Any) -> None:
        try:
            notices = workflow.handle(event)
        except Exception as exc:  # a lane keeps going; the vehicle stays until it can be saved
            self._log_once(number, exc)
            return
        self._publish(notices)
        self._publish_state(workflow)

    def _tap(self, number: int, event: DeviceEvent, taps: list[EventTap]) -> None:
        for tap in taps:
            try:
                tap(number, event)
            except Exception:
                log.exception("an event tap failed")

    def _publish_state(self, workflow: LaneWorkflow) -> None:
        number, state = workflow.settings.number, workflow.state
        if self._states.get(number) != state:
            self._states[number] = state
            self._publish([LaneStateChanged(number, state)])

    def _log_once(self, lane: int, exc: Exception) -> None:
        text = f"lane {lane}: {type(exc).__name__}: {exc}"
        if text not in self._errors:
            self._errors.add(text)
            log.error("%s", text, exc_info=exc)

    def _publish(self, notices: list[Notice]) -> None:
        for notice in notices:
            self.tally.count(notice)
            for subscriber in self._subscribers:
                try:
                    subscriber(notice)
                except Exception:
                    log.exception("a subscriber failed on %s", type(notice).__name__)

    def _run_call(self, call: _Call) -> None:
        try:
            result = call.action()
        except Exception as exc:
            call.future.set_exception(exc)
            return
        if isinstance(result, list):
            self._publish(result)
            for workflow in self._lanes.values():
                self._publish_state(workflow)
        call.future.set_result(result)

    def _call(self, action: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Run `action` on the core thread, between events, and return its result."""
        if self._thread is None or threading.current_thread() is self._thread:
            return action()
        future: Future = Future()
        self._queue.put(_Call(action, future))
        return future.result(timeout)

    def _wind_down(self) -> list[Notice]:
        notices = self._flush_all()
        self._device_log.stop()
        if self._spooling is not None:  # a last try; what stays queued goes at the next start
            try:
                done = self._spooling.catch_up(WIND_DOWN_CATCH_UP_S, retry_now=True)
            except Exception as exc:
                self._log_once(0, exc)
                done = []
            notices += [QueuedRecorded(d.lane, d.check_no, d.queued_at) for d in done]
        return notices

    def _flush_all(self) -> list[Notice]:
        notices: list[Notice] = []
        for workflow in self._lanes.values():
            try:
                notices += workflow.flush()
            except Exception as exc:
                self._log_once(workflow.settings.number, exc)
        return notices

    # ---- operator commands ---------------------------------------------------------------

    def lane(self, number: int) -> LaneWorkflow:
        if number not in self._lanes:
            raise LaneCommandError(f"lane: no lane {number} in this station")
        return self._lanes[number]

    def enter_plate(
        self, lane: int, text: str, colour: PlateColour = PlateColour.YELLOW
    ) -> list[Notice]:
        return self._call(lambda: self.lane(lane).enter_plate(text, colour))

    def enter_axles(self, lane: int, axle_type: str) -> list[Notice]:
        return self._call(lambda: self.lane(lane).enter_axles(axle_type))

    def enter_weight(self, lane: int, gross_kg: int) -> list[Notice]:
        return self._call(lambda: self.lane(lane).enter_weight(gross_kg))

    def override(self, lane: int, reason: str, actor: str) -> list[Notice]:
        return self._call(lambda: self.lane(lane).override(reason, actor))

    def close_case(
        self,
        case_id: int,
        result: CaseResult,
        reason: str,
        *,
        actor: str,
        permit_no: str | None = None,
    ) -> cases.CaseInfo:
        with self._database.transaction() as session:
            info = cases.close_case(
                session,
                case_id,
                site_code=self.config.station.site_code,
                result=result,
                reason=reason,
                actor=actor,
                moment=beijing_now(),
                permit_no=permit_no,
            )
        self._call(lambda: self.tally.case_changed(case_id, info.result or "OPEN"))
        return info

    def void(self, check_no: str, reason: str, *, approver: str) -> None:
        """Withdraw a weighing (and its case's CLOSE): VOID records, never a deletion."""
        with self._database.transaction() as session:
            case = cases.cases_for(session, check_no)
            cases.void_check(
                session,
                site_code=self.config.station.site_code,
                check_no=check_no,
                reason=reason,
                approver=approver,
                moment=beijing_now(),
            )
        if case is not None:
            previous = case.result or case.status
            self._call(lambda: self.tally.case_changed(case.id, "VOIDED", previous))

    def add_watch(self, plate: str, reason: str, *, actor: str) -> None:
        """Put a plate on the station's watchlist (the province's list arrives the same way)."""
        checks.add_watch(
            self._database, plate_num=plate, reason=reason, actor=actor, moment=beijing_now()
        )

    def summary(self, vehicles: int | None = None) -> dict[str, Any]:
        """The headless JSON summary of this run."""

        def collect() -> dict[str, Any]:
            tally = self.tally
            return {
                "vehicles": tally.weighings if vehicles is None else vehicles,
                "weighings": tally.weighings,
                "over": tally.over,
                "cases": tally.cases(),
                "flags": dict(sorted(tally.flags.items())),
                "overrides": tally.overrides,
                "interrupted": tally.interrupted,
                "queuedCommitted": tally.queued_committed,
                "queuedLeft": self._spooling.state().pending if self._spooling else 0,
            }

        return self._call(collect)
