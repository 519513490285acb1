"""A real desktop on a real SQLite station, for pytest-qt.

`desk` runs the whole desktop (runtime, bridge, window) on the lane configuration of the
lane tests. Device events enter where the drivers would put them (the runtime's event
sink), so a test drives a vehicle deterministically; the drivers themselves are tested in
tests/drivers, and test_desk_devices.py runs this desktop on real drivers.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from station.config import StationConfig, parse_config
from station.domain.readings import (
    DeviceState,
    DeviceStatus,
    PlateColour,
    PlatePicture,
    PlateRead,
    WimAxle,
    WimVehicle,
)
from station.lanes.notices import WeighingCompleted
from station.lanes.ports import NoOutputs
from station.security import LoginPolicy, Role
from station.storage.accounts import SignedIn, create_operator, ensure_admin
from station.storage.database import Database, open_database
from station.storage.scales import Certificate, record_certificate, register_scale
from station.timeutil import beijing_now
from tests.lanes.conftest import CONFIG
from ui.app import Desktop, build_desktop

POLICY = LoginPolicy()
PASSWORDS = {
    "op": "Weigher-pass-17",
    "sup": "Chief-pass-29",
    "tech": "Maint-pass-41",
}
ROLES = {"op": Role.OPERATOR, "sup": Role.SUPERVISOR, "tech": Role.TECHNICIAN}


@dataclass
class FeedDevices:
    """The runtime's device port, fed by the test instead of by driver threads."""

    sink: object = None
    clock: object = None
    connected_ids: set[str] = field(default_factory=set)
    hang_s: float = 0.0
    reconnects: list[str] = field(default_factory=list)

    def open(self, lanes, sink, clock, converters) -> FeedDevices:
        del lanes, converters
        self.sink, self.clock = sink, clock
        return self

    def outputs(self, lane: int) -> NoOutputs:
        del lane
        return NoOutputs()

    def connected(self, device_id: str) -> bool:
        return device_id in self.connected_ids

    def close(self) -> None:
        pass

    def diagnostics(self) -> list:
        time.sleep(self.hang_s)  # a driver that does not answer
        return []

    def reconnect(self, device_id: str) -> None:
        self.reconnects.append(device_id)

    # ---- what a vehicle on lane 1 (an axle scale with a camera) looks like ------------

    def status(self, lane: int, device_id: str, state: DeviceState) -> None:
        self.sink(lane, DeviceStatus(device_id, state, self.clock()))

    def truck(self, plate: str, weights: list[int], spacings: list[int]) -> None:
        """An axle-scale vehicle record and its plate read, as the drivers report them."""
        now = self.clock()
        picture = PlatePicture("plate", "image/jpeg", b"\xff\xd8" + plate.encode() + b"\xff\xd9")
        self.sink(1, PlateRead("cam1", plate, PlateColour.YELLOW, 96, now, pictures=(picture,)))
        axles = tuple(WimAxle(w, s) for w, s in zip(weights, [*spacings, 0], strict=True))
        trace = tuple(range(0, 6000, 200)) + tuple(range(6000, 0, -200))
        self.sink(1, WimVehicle("axle", 1, axles, 48, now + 0.01, (), trace, 50))


OVERLOADED_6_AXLE = ([7000, 12000, 12000, 12500, 12500, 12500], [3200, 1350, 6500, 1310, 1310])
LEGAL_2_AXLE = ([5000, 9000], [4000])


def station_config(tmp_path: Path) -> StationConfig:
    data = tmp_path / "data"
    storage = f'[storage]\ndata_dir = "{data.as_posix()}"\n'
    path = tmp_path / "station.toml"
    path.write_text(CONFIG.format(workflow="", storage=storage), encoding="utf-8")
    return parse_config(path.read_text(encoding="utf-8"), path)


def prepare_database(config: StationConfig) -> Database:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    database, _ = open_database(config.database.url, config.database.backup_dir)
    until = beijing_now().date() + timedelta(days=200)
    for scale in ("axle", "platform"):
        register_scale(database, "tester", scale, max_kg=100000, division_kg=10)
        record_certificate(database, "tester", scale, Certificate(f"JD-{scale}", "计量所", until))
    ensure_admin(database)
    for login, role in ROLES.items():
        create_operator(database, "admin", login=login, display_name=login, role=role,
                        password=PASSWORDS[login], policy=POLICY)  # fmt: skip
    return database


def signed_in(login: str) -> SignedIn:
    return SignedIn(login, login, ROLES[login], False)


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread():
    """As the application does (ui/gc_guard.py): a cyclic collection started by a worker
    thread can free Qt objects of an earlier test off the GUI thread and deadlock with it
    (seen: a task thread collecting while the GUI thread waited on a Qt lock)."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    gc.collect()
    if was_enabled:
        gc.enable()


@pytest.fixture
def feed() -> FeedDevices:
    return FeedDevices()


@pytest.fixture
def desk(qtbot, tmp_path: Path, feed: FeedDevices):
    config = station_config(tmp_path)
    database = prepare_database(config)
    desktop: Desktop = build_desktop(config, database, language="en", opener=feed.open)
    qtbot.addWidget(desktop.window)
    desktop.window.show()
    desktop.window.start_shift(signed_in("sup"))
    yield desktop
    desktop.shutdown()


def wait_completed(qtbot, desktop: Desktop, lane: int = 1, timeout: int = 15000):
    panel = desktop.window.panels[lane]
    before = panel.last
    qtbot.waitUntil(lambda: panel.last is not None and panel.last is not before, timeout=timeout)
    notice: WeighingCompleted = panel.last
    return notice
