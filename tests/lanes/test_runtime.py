"""The station core thread with no devices: operator commands, voids, recovery, summary."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from station.config import parse_config
from station.domain.readings import InputChange, PlateColour, PlateRead, WimAxle, WimVehicle
from station.domain.records import CaseResult
from station.lanes.notices import WeighingCompleted
from station.lanes.runtime import StationRuntime
from station.lanes.workflow import LaneCommandError
from station.storage import journal
from station.storage.database import open_database
from station.storage.models import AuditEvent, Record
from station.storage.scales import Certificate, record_certificate, register_scale
from station.tables import default_limit_book
from station.timeutil import beijing_now
from tests.lanes.conftest import CONFIG


class Devices:
    """Devices the test plays by hand: events go straight to the runtime's sink."""

    def __init__(self) -> None:
        self.sink = None

    def __call__(self, lanes, sink, clock, converters):
        del lanes, clock, converters
        self.sink = sink
        return self

    def outputs(self, lane):
        from station.lanes.ports import NoOutputs

        del lane
        return NoOutputs()

    def connected(self, device_id: str) -> bool:
        del device_id
        return True

    def close(self) -> None:
        pass


@pytest.fixture
def runtime(tmp_path: Path):
    storage = f'[storage]\ndata_dir = "{tmp_path.as_posix()}"\n'
    text = CONFIG.format(workflow="", storage=storage)
    config = parse_config(text, tmp_path / "station.toml")
    database, _ = open_database(f"sqlite:///{tmp_path / 'station.sqlite3'}")
    until = beijing_now().date().replace(year=beijing_now().year + 1)
    register_scale(database, "t", "axle", max_kg=60000, division_kg=10)
    record_certificate(database, "t", "axle", Certificate("JD-1", "所", until))
    devices = Devices()
    made = StationRuntime(
        config,
        database=database,
        limits=default_limit_book(),
        open_devices=devices,
        clock=time.monotonic,
    )
    made.devices = devices
    yield made
    made.stop()
    database.dispose()


def drive(runtime, plate: str, weights: list[int]) -> WeighingCompleted:
    done = threading.Event()
    found: list[WeighingCompleted] = []

    def seen(notice) -> None:
        if isinstance(notice, WeighingCompleted) and notice.plate == plate:
            found.append(notice)
            done.set()

    runtime.subscribe(seen)
    sink, now = runtime.devices.sink, time.monotonic()
    sink(1, InputChange("io", 0, True, now, name="loop"))
    sink(1, PlateRead("cam1", plate, PlateColour.YELLOW, 90, now))
    axles = (WimAxle(weights[0], 4200), WimAxle(weights[1], 0))
    sink(1, WimVehicle("axle", 1, axles, 50, now))
    sink(1, InputChange("io", 0, False, now, name="loop"))
    assert done.wait(10)
    return found[0]


def test_commands_run_on_the_core_thread_and_the_summary_counts_them(runtime):
    runtime.start()
    legal = drive(runtime, "豫A11111", [5000, 9000])
    over = drive(runtime, "豫A22222", [7000, 15000])
    assert legal.case_result == "NOT_OVER" and over.case_status == "OPEN"
    with pytest.raises(LaneCommandError, match="no lane 9"):
        runtime.override(9, "x", "sup")
    runtime.close_case(over.case_id, CaseResult.ABSCONDED, "驶离", actor="sup")
    runtime.void(legal.check_no, "误称：车辆重复上磅", approver="sup")
    summary = runtime.summary()
    assert summary["weighings"] == 2 and summary["over"] == 1
    assert summary["cases"] == {"ABSCONDED": 1, "VOIDED": 1}
    with runtime.database.read() as session:
        kinds = list(session.execute(select(Record.record_type).order_by(Record.seq)).scalars())
    assert kinds == ["CHECK", "CLOSE", "CHECK", "CLOSE", "VOID", "VOID"]
    json.dumps(summary)


def test_a_weighing_in_progress_at_a_crash_is_recorded_as_interrupted(runtime):
    attempt = journal.open_attempt(runtime.database, lane=1, moment=beijing_now(), plate="豫A3")
    runtime.start()
    assert runtime.summary()["interrupted"] == 1
    with runtime.database.read() as session:
        actions = list(session.execute(select(AuditEvent.action)).scalars())
    assert "WEIGHING_INTERRUPTED" in actions
    assert [a.id for a in journal.interrupted_attempts(runtime.database)] == [attempt]


def test_stop_records_a_weighed_vehicle_still_waiting_for_its_plate(runtime):
    runtime.start()
    sink, now = runtime.devices.sink, time.monotonic()
    sink(1, InputChange("io", 0, True, now, name="loop"))
    axles = (WimAxle(5000, 4200), WimAxle(9000, 0))
    sink(1, WimVehicle("axle", 1, axles, 50, now))
    time.sleep(0.3)
    runtime.stop()
    assert runtime.tally.weighings == 1 and runtime.tally.flags["NO_PLATE"] == 1


def test_the_tally_keeps_only_open_cases():
    from station.lanes.runtime import Tally

    tally = Tally()
    for case_id in range(1000):
        tally.case_changed(case_id, "NOT_OVER")
    tally.case_changed(5000, "OPEN")
    tally.case_changed(5001, "OPEN")
    tally.case_changed(5000, "UNLOADED")
    tally.case_changed(7, "VOIDED", previous="NOT_OVER")
    assert tally.open_cases == {5001}
    assert tally.cases() == {"NOT_OVER": 999, "OPEN": 1, "UNLOADED": 1, "VOIDED": 1}
