"""Lanes on a real SQLite station, fed device values directly (the drivers have their own
tests; end-to-end tests in test_headless.py run the real drivers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from station.config import parse_config
from station.domain.readings import (
    InputChange,
    PlateColour,
    PlatePicture,
    PlateRead,
    WeightReading,
    WimAxle,
    WimVehicle,
)
from station.lanes.notices import Notice
from station.lanes.ports import Tick
from station.lanes.recorder import LaneRecorder, RecorderSetup
from station.lanes.settings import lane_settings
from station.lanes.workflow import LaneWorkflow
from station.storage.database import Database, open_database
from station.storage.files import PictureStore
from station.storage.scales import Certificate, record_certificate, register_scale
from station.tables import default_limit_book
from station.timeutil import beijing_now

SITE = "410102210001"
CONFIG = """
[station]
site_code = "410102210001"
name = "测试站"
{storage}
[workflow]
plate_wait_ms = 2000
stable_ms = 1000
{workflow}

[[lanes]]
number = 1
mode = "AXLE"
[[lanes.devices]]
id = "axle"
kind = "axle_scale"
driver = "yaohua-tf0"
simulate = true
[[lanes.devices]]
id = "cam1"
kind = "camera"
driver = "hikvision"
simulate = true

[[lanes]]
number = 2
mode = "STATIC"
direction = 1
[[lanes.devices]]
id = "platform"
kind = "scale"
driver = "toledo"
simulate = true
[[lanes.devices]]
id = "cam2"
kind = "camera"
driver = "dahua"
simulate = true
"""


@dataclass
class Outputs:
    """The lane's light, barrier and sign as last set (the device edge)."""

    green: bool | None = None
    open: bool | None = None
    text: str = ""
    history: list[tuple[bool, bool, str]] = field(default_factory=list)

    def set_light(self, green: bool) -> None:
        self.green = green

    def set_barrier(self, open_: bool) -> None:
        self.open = open_

    def show(self, text: str) -> None:
        self.text = text
        self.history.append((bool(self.green), bool(self.open), text))


@dataclass
class Rig:
    database: Database
    store: PictureStore
    lanes: dict[int, LaneWorkflow]
    outputs: dict[int, Outputs]
    connected: set[str]
    t: float = 100.0
    notices: list[Notice] = field(default_factory=list)

    def feed(self, lane: int, event: object) -> list[Notice]:
        got = self.lanes[lane].handle(event)
        self.notices += got
        return got

    def advance(self, lane: int, seconds: float) -> list[Notice]:
        got: list[Notice] = []
        end = self.t + seconds
        while self.t < end:
            self.t += 0.25
            got += self.feed(lane, Tick(self.t))
        return got

    def loop(self, lane: int, on: bool) -> list[Notice]:
        self.t += 0.1
        return self.feed(lane, InputChange("io", 0, on, self.t, name="loop"))

    def plate(self, lane: int, plate: str, camera: str = "cam1") -> list[Notice]:
        self.t += 0.1
        picture = PlatePicture("plate", "image/jpeg", b"\xff\xd8" + plate.encode() + b"\xff\xd9")
        read = PlateRead(camera, plate, PlateColour.YELLOW, 95, self.t, pictures=(picture,))
        return self.feed(lane, read)

    def crossing(
        self, lane: int, weights: list[int], spacings: list[int], flags: tuple[str, ...] = ()
    ) -> list[Notice]:
        self.t += 0.5
        axles = tuple(WimAxle(w, s) for w, s in zip(weights, [*spacings, 0], strict=True))
        trace = tuple(range(0, 5000, 100)) + tuple(range(5000, 0, -100))
        event = WimVehicle("axle", 1, axles, 52, self.t, flags, trace, 25)
        return self.feed(lane, event)

    def weight(self, lane: int, kg: int, stable: bool = True, device: str = "platform"):
        self.t += 0.1
        return self.feed(lane, WeightReading(device, kg, stable, self.t))

    def stand(self, lane: int, kg: int, seconds: float = 1.5) -> list[Notice]:
        got = self.weight(lane, kg // 2, stable=False)
        for _ in range(int(seconds / 0.1) + 2):
            got += self.weight(lane, kg)
        return got


def make_rig(tmp_path: Path, workflow: str = "", cert_days: int = 200) -> Rig:
    config = parse_config(CONFIG.format(workflow=workflow, storage=""), tmp_path / "station.toml")
    database, _ = open_database(f"sqlite:///{tmp_path / 'station.sqlite3'}")
    store = PictureStore(tmp_path / "pictures")
    for scale in ("axle", "platform"):
        register_scale(database, "tester", scale, max_kg=60000, division_kg=10)
        until = beijing_now().date() + timedelta(days=cert_days)
        record_certificate(database, "tester", scale, Certificate(f"JD-{scale}", "所", until))
    setup = RecorderSetup(
        site_code=SITE,
        operator_id="tester",
        reweigh_window=timedelta(hours=config.workflow.reweigh_window_hours),
        require_daily_check=config.workflow.require_daily_scale_check,
    )
    recorder = LaneRecorder(database, store, default_limit_book(), setup)
    outputs = {lane.number: Outputs() for lane in config.lanes}
    connected: set[str] = set()
    rig = Rig(database, store, {}, outputs, connected)
    for lane in config.lanes:
        rig.lanes[lane.number] = LaneWorkflow(
            lane_settings(lane, config.workflow),
            recorder=recorder,
            outputs=outputs[lane.number],
            clock=lambda: rig.t,
            connected=lambda device: device in connected,
        )
    return rig


@pytest.fixture
def rig(tmp_path: Path):
    made = make_rig(tmp_path)
    yield made
    made.database.dispose()
