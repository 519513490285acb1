"""The device view: states, counters, raw frames, reconnect by role, and no GUI stall."""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui

import ui.devices
from drivers.base import IndicatorValue
from drivers.diagnostics import DeviceDiagnostics, RawFrame
from drivers.lanes import open_devices
from drivers.protocols import encoder
from drivers.sim.stream import StreamSimulator
from station.config import DeviceConfig, LaneConfig, parse_config
from station.domain.readings import DeviceState
from station.lanes.runtime import StationRuntime
from station.security import Role
from station.storage.accounts import SignedIn
from station.storage.database import open_database
from station.tables import default_limit_book
from ui.context import AppContext, Diagnosable, Session
from ui.devices import STATE_COLOURS, DevicesView, frame_time
from ui.tasks import Tasks

CONFIG = """
[station]
site_code = "410102210001"
name = "测试站"
"""


def diagnosis(
    device_id: str,
    lane: int,
    kind: str,
    driver: str,
    port: str,
    state: DeviceState,
    counters: dict | None = None,
    frames: tuple[RawFrame, ...] = (),
) -> DeviceDiagnostics:
    return DeviceDiagnostics(
        device_id, lane, kind, driver, port, state, counters or {}, frames, t_mono=110.0
    )


class FakeDevices:
    """A Diagnosable whose diagnostics() can hang like a driver stuck in a blocking call."""

    def __init__(self, items: list[DeviceDiagnostics], hang_s: float = 0.0) -> None:
        self.items = items
        self.hang_s = hang_s
        self.release = threading.Event()
        self.calls = 0
        self.reconnected: list[str] = []

    def diagnostics(self) -> list[DeviceDiagnostics]:
        self.calls += 1
        if self.hang_s:
            self.release.wait(self.hang_s)
        return list(self.items)

    def reconnect(self, device_id: str) -> None:
        self.reconnected.append(device_id)


SCALE_FRAMES = (
    RawFrame(100.0, "rx", b"\x02+012340\x03", "weight 12340 kg"),
    RawFrame(100.04, "rx", b"\x02+012360\x03"),
    RawFrame(100.08, "tx", b"R\r\n", "poll"),
)


def devices_fixture() -> FakeDevices:
    return FakeDevices(
        [
            diagnosis(
                "lane1-scale",
                1,
                "axle_scale",
                "yaohua-tf0",
                "COM3",
                DeviceState.OK,
                {"frames_ok": 1200, "crc_errors": 3, "rate_hz": 25.0, "last_value_t": 107.5},
                SCALE_FRAMES,
            ),
            diagnosis("lane1-io", 1, "io", "modbus-io", "tcp://10.0.0.5:502", DeviceState.STALE),
            diagnosis("lane2-sign", 2, "sign", "onbon", "tcp://10.0.0.9:5005", DeviceState.OFFLINE),
        ]
    )


@pytest.fixture
def make_ctx(qtbot, tmp_path: Path) -> Iterator:
    made: list[AppContext] = []
    releases: list[threading.Event] = []

    def make(devices: Diagnosable | None, role: Role | None = Role.TECHNICIAN) -> AppContext:
        config = parse_config(CONFIG, tmp_path / "station.toml")
        database, _ = open_database(f"sqlite:///{tmp_path / 'station.sqlite3'}")
        runtime = StationRuntime(
            config,
            database=database,
            limits=default_limit_book(),
            open_devices=None,
            clock=time.monotonic,
        )
        session = Session()
        if role is not None:
            session.sign_in(SignedIn("tech", "技术员", role, False))
        ctx = AppContext(config, database, runtime, Tasks(), session, devices=devices)
        made.append(ctx)
        if isinstance(devices, FakeDevices):
            releases.append(devices.release)
        return ctx

    yield make
    for release in releases:
        release.set()  # a hung fake driver lets go, so teardown does not wait for it
    for ctx in made:
        ctx.tasks.wait()
        ctx.database.dispose()


def open_view(qtbot, ctx: AppContext) -> DevicesView:
    view = DevicesView(ctx)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    return view


def column(view: DevicesView, index: int) -> list[str]:
    return [view.table.item(row, index).text() for row in range(view.table.rowCount())]


def test_rows_show_every_device_with_a_coloured_state(qtbot, make_ctx) -> None:
    view = open_view(qtbot, make_ctx(devices_fixture()))
    qtbot.waitUntil(lambda: view.table.rowCount() == 3, timeout=2000)
    assert column(view, 1) == ["lane1-scale", "lane1-io", "lane2-sign"]
    assert column(view, 0) == ["1", "1", "2"]
    assert column(view, 4) == ["COM3", "tcp://10.0.0.5:502", "tcp://10.0.0.9:5005"]
    assert column(view, 5) == ["OK", "stale", "offline"]
    for row, state in enumerate(("OK", "STALE", "OFFLINE")):
        image = view.table.item(row, 5).icon().pixmap(12, 12).toImage()
        assert image.pixelColor(6, 6).name() == STATE_COLOURS[state]


def test_selected_device_shows_counters_and_frames_in_hex_and_ascii(qtbot, make_ctx) -> None:
    view = open_view(qtbot, make_ctx(devices_fixture()))
    qtbot.waitUntil(lambda: view.frames.rowCount() == 3, timeout=2000)
    assert view.selected_device() == "lane1-scale"
    counters = {
        view.counters.item(row, 0).text(): view.counters.item(row, 1).text()
        for row in range(view.counters.rowCount())
    }
    assert counters == {
        "crc_errors": "3",
        "frames_ok": "1200",
        "last_value_t": "2.5 s ago",  # monotonic times read as an age
        "rate_hz": "25",
    }
    model = view.frames
    first = [model.data(model.index(0, c)) for c in range(5)]
    stamp = frame_time(100.0, model.offset)
    assert first == [stamp, "rx", "02 2b 30 31 32 33 34 30 03", ".+012340.", "weight 12340 kg"]
    assert frame_time(100.04, model.offset) == model.data(model.index(1, 0))
    assert len(stamp) == len("12:34:56.789")
    assert model.data(model.index(2, 1)) == "tx"
    assert QtGui.QFontInfo(view.frame_view.font()).fixedPitch()

    view.table.selectRow(2)
    assert view.selected_device() == "lane2-sign"
    assert view.frames.rowCount() == 0 and view.counters.rowCount() == 0


def test_pause_freezes_frames_and_copy_puts_hex_and_ascii_on_the_clipboard(qtbot, make_ctx) -> None:
    devices = devices_fixture()
    view = open_view(qtbot, make_ctx(devices))
    qtbot.waitUntil(lambda: view.frames.rowCount() == 3, timeout=2000)
    view.pause_button.setChecked(True)
    scale = devices.items[0]
    more = (*scale.frames, RawFrame(100.12, "rx", b"\x02+012380\x03"))
    devices.items[0] = dataclasses.replace(scale, frames=more)
    view.refresh()
    qtbot.waitUntil(lambda: not view.polling, timeout=2000)
    assert view.frames.rowCount() == 3  # frozen while paused

    view.copy_button.click()
    text = QtGui.QGuiApplication.clipboard().text()
    t = [frame_time(moment, view.frames.offset) for moment in (100.0, 100.04, 100.08)]
    assert text.splitlines() == [
        "# lane1-scale  yaohua-tf0  COM3",
        f"{t[0]}  rx  02 2b 30 31 32 33 34 30 03  |.+012340.|  weight 12340 kg",
        f"{t[1]}  rx  02 2b 30 31 32 33 36 30 03  |.+012360.|",
        f"{t[2]}  tx  52 0d 0a  |R..|  poll",
    ]
    view.pause_button.setChecked(False)
    qtbot.waitUntil(lambda: view.frames.rowCount() == 4, timeout=2000)


@pytest.mark.parametrize(("role", "enabled"), [(Role.OPERATOR, False), (Role.TECHNICIAN, True)])
def test_reconnect_needs_the_technician_role(qtbot, make_ctx, role, enabled) -> None:
    view = open_view(qtbot, make_ctx(devices_fixture(), role=role))
    qtbot.waitUntil(lambda: view.table.rowCount() == 3, timeout=2000)
    assert view.reconnect_button.isEnabled() is enabled


def test_reconnect_calls_the_driver_and_shows_the_result(qtbot, make_ctx) -> None:
    devices = devices_fixture()
    ctx = make_ctx(devices)
    view = open_view(qtbot, ctx)
    qtbot.waitUntil(lambda: view.table.rowCount() == 3, timeout=2000)
    view.table.selectRow(1)
    view.reconnect_button.click()
    qtbot.waitUntil(lambda: devices.reconnected == ["lane1-io"], timeout=2000)
    qtbot.waitUntil(lambda: "reconnect started" in view.result.text(), timeout=2000)
    assert "lane1-io" in view.result.text()

    ctx.session.sign_out()  # the technician leaves: the button follows the session
    assert not view.reconnect_button.isEnabled()


def test_without_devices_the_view_says_so(qtbot, make_ctx) -> None:
    view = open_view(qtbot, make_ctx(None))
    assert "No devices are running" in view.message.text()
    assert not view.reconnect_button.isVisible()
    view.refresh()  # harmless
    assert not view.polling


def test_a_hung_driver_never_stalls_the_gui(qtbot, make_ctx, monkeypatch) -> None:
    monkeypatch.setattr(ui.devices, "SLOW_POLL_S", 0.8)  # say so within the test's time
    devices = devices_fixture()
    devices.hang_s = 2.0
    view = open_view(qtbot, make_ctx(devices))
    ticks: list[float] = []
    heartbeat = QtCore.QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    heartbeat.start()
    qtbot.wait(1500)
    heartbeat.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 50
    assert max(gaps) < 0.1, f"longest GUI gap {max(gaps) * 1000:.0f} ms"
    assert devices.calls == 1  # polls were skipped while the first one hung
    assert view.polling
    assert re.fullmatch(r"The drivers have not answered for \d s\.", view.message.text())


def test_real_drivers_show_a_simulated_indicator_and_reconnect(qtbot, make_ctx) -> None:
    encode = encoder("toledo")
    frames = [encode(IndicatorValue(12340, stable=True))]
    simulator = StreamSimulator.on_tcp(frames, rate_hz=25)
    simulator.start()
    lanes = [
        LaneConfig(
            1,
            0,
            "STATIC",
            "1号车道",
            (DeviceConfig("platform", "scale", "toledo", simulator.url, False, {}),),
        )
    ]
    devices = open_devices(lanes, lambda lane, event: None, time.monotonic)
    try:
        view = open_view(qtbot, make_ctx(devices))
        qtbot.waitUntil(lambda: column(view, 5) == ["OK"], timeout=2500)
        qtbot.waitUntil(lambda: view.frames.rowCount() > 0, timeout=2000)
        model = view.frames
        assert model.data(model.index(0, 1)) == "rx"
        assert model.data(model.index(0, 2)) == frames[0].hex(" ")
        assert "12340" in model.data(model.index(0, 3))
        view.reconnect_button.click()
        qtbot.waitUntil(lambda: "reconnect started" in view.result.text(), timeout=2000)
    finally:
        devices.close()
        simulator.stop()
