"""The device view shows a scale's calibration event counter and seal, read on a worker:
after a technician's coefficient change the view shows the new counter."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.diagnostics import DeviceDiagnostics
from station.config import parse_config
from station.domain.readings import DeviceState
from station.lanes.runtime import StationRuntime
from station.security import Role
from station.storage.accounts import SignedIn
from station.storage.calibration import change_coefficients, close_seal, open_seal
from station.storage.database import open_database
from station.storage.scales import register_scale
from station.tables import default_limit_book
from ui.context import AppContext, Session
from ui.devices import DevicesView
from ui.tasks import Tasks

CONFIG = """
[station]
site_code = "410102210001"
name = "测试站"
"""


class Devices:
    """Diagnostics of a platform transmitter, an unregistered axle scale and a camera."""

    def diagnostics(self) -> list[DeviceDiagnostics]:
        def item(device_id: str, kind: str, driver: str) -> DeviceDiagnostics:
            return DeviceDiagnostics(
                device_id, 1, kind, driver, "tcp://10.0.0.5:502", DeviceState.OK,
                {"polls": 12}, (), t_mono=time.monotonic(),
            )  # fmt: skip

        return [
            item("platform", "scale", "modbus-weight"),
            item("spare", "axle_scale", "toledo"),
            item("cam1", "camera", "hikvision"),
        ]

    def reconnect(self, device_id: str) -> None:
        del device_id


@pytest.fixture
def ctx(qtbot, tmp_path: Path) -> Iterator[AppContext]:
    config = parse_config(CONFIG, tmp_path / "station.toml")
    database, _ = open_database(f"sqlite:///{tmp_path / 'station.sqlite3'}")
    register_scale(database, "t", "platform", max_kg=60000, division_kg=10)
    runtime = StationRuntime(
        config, database=database, limits=default_limit_book(), open_devices=None,
        clock=time.monotonic,
    )  # fmt: skip
    session = Session()
    session.sign_in(SignedIn("tech", "技术员", Role.TECHNICIAN, False))
    made = AppContext(config, database, runtime, Tasks(), session, devices=Devices())
    yield made
    made.tasks.wait()
    database.dispose()


def counters(view: DevicesView) -> dict[str, str]:
    table = view.counters
    return {table.item(row, 0).text(): table.item(row, 1).text() for row in range(table.rowCount())}


def select(view: DevicesView, device_id: str) -> None:
    ids = [view.table.item(row, 1).text() for row in range(view.table.rowCount())]
    view.table.selectRow(ids.index(device_id))


def test_the_view_shows_the_new_counter_after_a_coefficient_change(qtbot, ctx) -> None:
    view = DevicesView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: "Calibration counter" in counters(view), timeout=3000)
    assert view.selected_device() == "platform"
    assert counters(view) == {
        "Calibration counter": "—",  # registered, never calibrated here
        "Calibration seal": "closed",
        "polls": "12",
    }

    database = ctx.database
    open_seal(database, "platform", "tech1", "span adjustment")
    qtbot.waitUntil(lambda: counters(view)["Calibration seal"] == "open", timeout=3000)
    assert counters(view)["Calibration counter"] == "0"
    values = {"zero_counts": 1200, "span_kg_per_count": "0.25"}
    change_coefficients(
        database, "platform", values, actor="tech1", actor_role=Role.TECHNICIAN, reason="span"
    )
    qtbot.waitUntil(lambda: counters(view)["Calibration counter"] == "1", timeout=3000)
    close_seal(database, "platform", "tech1")
    qtbot.waitUntil(lambda: counters(view)["Calibration seal"] == "closed", timeout=3000)
    assert counters(view)["Calibration counter"] == "1"

    # An unregistered weighing device and a camera have no calibration rows.
    select(view, "spare")
    assert counters(view) == {"polls": "12"}
    select(view, "cam1")
    assert counters(view) == {"polls": "12"}
