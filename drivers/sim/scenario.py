"""Simulated traffic for `main.py headless --simulate`: trucks, a driver and an operator.

The trucks cross the simulated devices (drivers.sim.traffic) one visit at a time; the
simulated operator answers what the station asks (a plate the camera missed, axles on a
static platform), a simulated supervisor releases vehicles held for review with a
recorded reason, and closes the cases of trucks handed to the police, holding a permit or
driving off. Nothing here touches the database: it only uses the desk the station
offers an operator.

A journal (JSON lines, each synced to disk) records which visits were started and which
the simulator saw completed, so a run killed with -9 resumes with the next visit, and a
test can compare what the station committed with what the simulator saw.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from drivers.sim.traffic import TrafficRig, Visit, plan_traffic, watchlist_plates
from station.config import LaneConfig, WorkflowSection
from station.domain.axles import axle_group_codes
from station.domain.classify import vehicle_from_axles
from station.domain.records import CaseResult
from station.lanes.notices import AxlesNeeded, Notice, PlateNeeded, WeighingCompleted

log = logging.getLogger(__name__)

SUPERVISOR = "sim-supervisor"
OPERATOR = "sim-operator"
REVIEW_REASON = "现场复核：称重异常已核验，放行"
HAND_CLOSES = {
    "police": (CaseResult.POLICE, "移交公安交警部门处理"),
    "permit": (CaseResult.PERMIT, "持有效超限运输许可"),
    "abscond": (CaseResult.ABSCONDED, "拒不卸载，驶离检测站"),
}
SLACK_S = 30.0  # simulated seconds the station may take beyond the passage itself


class Desk(Protocol):
    """What the simulated staff use: the station's operator commands."""

    def subscribe(self, subscriber: Callable[[Notice], None]) -> None: ...

    def enter_plate(self, lane: int, text: str) -> list[Notice]: ...

    def enter_axles(self, lane: int, axle_type: str) -> list[Notice]: ...

    def override(self, lane: int, reason: str, actor: str) -> list[Notice]: ...

    def close_case(
        self, case_id: int, result: CaseResult, reason: str, *, actor: str, permit_no: Any = None
    ) -> Any: ...

    def add_watch(self, plate: str, reason: str, *, actor: str) -> None: ...


class Journal:
    """Append-only JSON lines, synced per line: what the simulator started and saw done."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def entries(self) -> list[dict[str, Any]]:
        if self.path is None or not self.path.exists():
            return []
        found = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a line torn by the kill; nothing after it was written
        return found

    def write(self, **entry: Any) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def axle_type_of(visit: Visit) -> str:
    """The axle-group codes of a simulated truck, as an operator reads them off the truck."""
    spacings = [round(metres * 1000) for metres in visit.truck.spacings_m]
    vehicle = vehicle_from_axles(list(visit.truck.loads_kg), spacings)
    return axle_group_codes(vehicle.axles)[1]


class SimulatedTraffic:
    def __init__(
        self,
        lanes: Sequence[LaneConfig],
        *,
        vehicles: int,
        seed: int,
        speedup: float,
        workflow: WorkflowSection,
        journal: Path | None = None,
    ) -> None:
        self.visits = plan_traffic(seed=seed, vehicles=vehicles, lanes=lanes)
        self.rig = TrafficRig(lanes, speedup=speedup)
        self.speedup = speedup
        self.journal = Journal(journal)
        self._plate_wait_s = workflow.plate_wait_ms / 1000
        self._notices: queue.SimpleQueue[Notice] = queue.SimpleQueue()
        self.completed: list[tuple[Visit, WeighingCompleted]] = []

    def start(self) -> None:
        self.rig.start()

    def stop(self) -> None:
        self.rig.stop()

    def run(self, desk: Desk, stop: threading.Event) -> int:
        started = {entry["visit"] for entry in self.journal.entries()}
        desk.subscribe(self._notices.put)
        if not started:
            for plate in watchlist_plates(self.visits):
                desk.add_watch(plate, "模拟布控车辆", actor=SUPERVISOR)
        trucks: set[int] = set()
        for visit in self.visits:
            if stop.is_set():
                break
            if visit.index in started:
                continue
            trucks.add(visit.truck_no)
            self.journal.write(visit=visit.index, event="start", plate=visit.plate)
            done = self._visit(desk, visit, stop)
            if done is not None:
                self._after(desk, visit, done)
                self.completed.append((visit, done))
                self.journal.write(visit=visit.index, event="complete", checkNo=done.check_no)
        return len(trucks)

    # ---- one visit ------------------------------------------------------------------------

    def _drain(self) -> None:
        while True:
            try:
                self._notices.get_nowait()
            except queue.Empty:
                return

    def _visit(self, desk: Desk, visit: Visit, stop: threading.Event) -> WeighingCompleted | None:
        self._drain()
        driving = threading.Thread(target=self.rig.drive, args=(visit,), daemon=True)
        started = time.monotonic()
        driving.start()
        done: WeighingCompleted | None = None
        while not stop.is_set():
            if done is not None and not driving.is_alive():
                return done
            if time.monotonic() - started > self._timeout_s():
                log.error("visit %s (%s): the station gave no result", visit.index, visit.plate)
                driving.join()
                return done
            try:
                notice = self._notices.get(timeout=0.05)
            except queue.Empty:
                continue
            done = done or self._answer(desk, visit, notice)
        driving.join()
        return done

    def _timeout_s(self) -> float:
        passage_s = 60.0 + self._plate_wait_s + SLACK_S
        return passage_s / self.speedup + 10.0

    def _answer(self, desk: Desk, visit: Visit, notice: Notice) -> WeighingCompleted | None:
        if getattr(notice, "lane", None) != visit.lane:
            return None
        if isinstance(notice, PlateNeeded):
            desk.enter_plate(visit.lane, visit.plate)
        elif isinstance(notice, AxlesNeeded):
            desk.enter_axles(visit.lane, axle_type_of(visit))
        elif isinstance(notice, WeighingCompleted):
            return notice
        return None

    def _after(self, desk: Desk, visit: Visit, done: WeighingCompleted) -> None:
        """What the staff do once the lane has decided."""
        if done.step == "hold" and not done.is_over:
            desk.override(visit.lane, REVIEW_REASON, SUPERVISOR)
        closing = HAND_CLOSES.get(visit.fate)
        if closing and done.is_over and done.case_status == "OPEN" and done.case_id:
            result, reason = closing
            permit = f"SIM-PERMIT-{visit.truck_no:05d}" if result is CaseResult.PERMIT else None
            desk.close_case(done.case_id, result, reason, actor=SUPERVISOR, permit_no=permit)
