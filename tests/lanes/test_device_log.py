"""The runtime writes device state changes to the device event log, and weighs on when the
log cannot be written."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from station.config import parse_config
from station.domain.readings import (
    DeviceState,
    DeviceStatus,
    InputChange,
    PlateColour,
    PlateRead,
    WimAxle,
    WimVehicle,
)
from station.lanes.notices import DeviceChanged, WeighingCompleted
from station.lanes.ports import NoOutputs
from station.lanes.runtime import StationRuntime
from station.storage import device_events
from station.storage.database import open_database
from station.storage.models import DeviceEvent
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
    config = parse_config(CONFIG.format(workflow="", storage=storage), tmp_path / "station.toml")
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


def status(runtime, lane: int, device_id: str, state: DeviceState, detail: str = "") -> None:
    runtime.devices.sink(lane, DeviceStatus(device_id, state, time.monotonic(), detail))


def logged(runtime) -> list[tuple[str, int | None, str, str]]:
    with runtime.database.read() as session:
        rows = session.execute(
            select(
                DeviceEvent.device_id, DeviceEvent.lane, DeviceEvent.kind, DeviceEvent.state
            ).order_by(DeviceEvent.id)
        )
        return [tuple(row) for row in rows]


def test_a_device_going_offline_and_back_is_logged(runtime) -> None:
    seen: list[DeviceChanged] = []
    runtime.subscribe(lambda n: seen.append(n) if isinstance(n, DeviceChanged) else None)
    runtime.start()
    for state in ("CONNECTING", "OK", "OK", "OFFLINE", "CONNECTING", "OK"):
        status(runtime, 1, "axle", DeviceState(state), "COM3")
    status(runtime, 2, "cam2", DeviceState.OK)
    runtime.summary()  # a call on the core thread: every event before it has been handled
    assert len(seen) == 7  # the screen hears of every status, repeated ones too
    axle = [(1, "axle_scale", s) for s in ("CONNECTING", "OK", "OFFLINE", "CONNECTING", "OK")]
    assert logged(runtime) == [("axle", *row) for row in axle] + [("cam2", 2, "camera", "OK")]
    runtime.stop()
    assert logged(runtime)[-2:] == [
        ("axle", 1, "axle_scale", "STOPPED"),
        ("cam2", 2, "camera", "STOPPED"),
    ]


def test_the_log_resumes_where_it_stopped_across_runs(runtime) -> None:
    device_events.record_state(
        runtime.database, device_id="axle", state="OFFLINE", moment=beijing_now(), lane=1
    )
    runtime.start()
    status(runtime, 1, "axle", DeviceState.OFFLINE, "still unplugged")
    status(runtime, 1, "axle", DeviceState.OK)
    runtime.summary()
    assert [row[3] for row in logged(runtime)] == ["OFFLINE", "OK"]


def drive(runtime, plate: str) -> WeighingCompleted:
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
    sink(1, WimVehicle("axle", 1, (WimAxle(5000, 4200), WimAxle(9000, 0)), 50, now))
    sink(1, InputChange("io", 0, False, now, name="loop"))
    assert done.wait(10)
    return found[0]


def test_a_failing_device_log_never_stops_weighing(
    runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args, **_kwargs):
        raise OperationalError("INSERT INTO device_event", {}, Exception("disk I/O error"))

    monkeypatch.setattr(device_events, "record_state", broken)
    runtime.start()
    with caplog.at_level(logging.ERROR, logger="station.lanes.runtime"):
        status(runtime, 1, "axle", DeviceState.OFFLINE, "COM3 lost")
        status(runtime, 1, "axle", DeviceState.OK)
        status(runtime, 1, "axle", DeviceState.OFFLINE, "COM3 lost")
        done = drive(runtime, "豫A12345")
    assert done.case_result == "NOT_OVER"
    errors = [r for r in caplog.records if "not recorded in the device log" in r.getMessage()]
    assert len(errors) == 1  # once per device and kind of failure, not per status
    assert logged(runtime) == []
