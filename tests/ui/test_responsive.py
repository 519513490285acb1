"""The GUI thread never waits on a device or the database (DESIGN.md).

A 10 ms heartbeat timer on the GUI thread records the longest gap between its ticks while
a device hangs or the database is slow; the window must keep answering (gap < 100 ms).
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from pathlib import Path

from PySide6 import QtCore

from station.config import parse_config
from tests.ui.conftest import LEGAL_2_AXLE, prepare_database, signed_in, wait_completed
from ui.app import build_desktop

HEARTBEAT_MS = 10
LIMIT_S = 0.100


class Heartbeat:
    def __init__(self) -> None:
        self.longest = 0.0
        self._last = time.monotonic()
        self.timer = QtCore.QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = time.monotonic()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def __enter__(self) -> Heartbeat:
        self._last = time.monotonic()
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()


def test_a_hung_driver_does_not_stall_the_window(qtbot, desk, feed) -> None:
    feed.hang_s = 3.0  # every diagnostics() call blocks for 3 s
    desk.ctx.session.sign_in(signed_in("tech"))
    window = desk.window
    window.tabs.setCurrentWidget(window.views["devices"])
    qtbot.wait(200)  # let the first layout pass settle
    with Heartbeat() as beat:
        qtbot.wait(2000)
        window.views["devices"].repaint()
    assert beat.longest < LIMIT_S, f"GUI thread stalled {beat.longest * 1000:.0f} ms"


def test_a_slow_database_does_not_stall_the_window(qtbot, desk, feed) -> None:
    """Another writer holds the database for 2 s while a vehicle is recorded and the
    operator confirms, searches and prints."""
    holding = threading.Event()
    released = threading.Thread(target=_hold_write_lock, args=(desk.ctx.database.sqlite_path,
                                holding, 2.0))  # fmt: skip
    window = desk.window
    # Show each tab once first: the first layout of a view is GUI work, not waiting.
    window.tabs.setCurrentWidget(window.views["records"])
    qtbot.wait(200)
    window.tabs.setCurrentIndex(0)
    qtbot.wait(200)
    with Heartbeat() as beat:
        released.start()
        assert holding.wait(5)
        feed.truck("豫C11111", *LEGAL_2_AXLE)
        window.actions["confirm"].trigger()
        records = window.views["records"]
        window.tabs.setCurrentWidget(records)
        records.search()
        window.tabs.setCurrentIndex(0)
        notice = wait_completed(qtbot, desk, timeout=15000)
    released.join()
    assert notice.plate == "豫C11111", "the weighing was recorded once the database was free"
    assert beat.longest < LIMIT_S, f"GUI thread stalled {beat.longest * 1000:.0f} ms"


def _hold_write_lock(path: Path, holding: threading.Event, seconds: float) -> None:
    """Another writer (a report, a backup) holding SQLite's write lock."""
    blocker = sqlite3.connect(path, timeout=1, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        holding.set()
        time.sleep(seconds)
        blocker.execute("COMMIT")
    finally:
        blocker.close()


def _silent_server() -> tuple[socket.socket, int]:
    """Accepts connections and never sends a byte: an indicator that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    return server, server.getsockname()[1]


HUNG_STATION = """
[station]
site_code = "410102210001"
name = "测试站"
[storage]
data_dir = "{data}"
[[lanes]]
number = 1
mode = "STATIC"
[[lanes.devices]]
id = "platform"
kind = "scale"
driver = "toledo"
port = "socket://127.0.0.1:{port}"
"""


def test_real_drivers_on_a_hung_indicator_do_not_stall_the_window(qtbot, tmp_path: Path) -> None:
    server, port = _silent_server()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True).start()
    path = tmp_path / "station.toml"
    path.write_text(HUNG_STATION.format(data=(tmp_path / "data").as_posix(), port=port), "utf-8")
    config = parse_config(path.read_text("utf-8"), path)
    desktop = build_desktop(config, prepare_database(config), language="en")
    try:
        qtbot.addWidget(desktop.window)
        desktop.window.show()
        desktop.ctx.session.sign_in(signed_in("tech"))
        window = desktop.window
        window.tabs.setCurrentWidget(window.views["devices"])
        qtbot.wait(200)
        with Heartbeat() as beat:
            qtbot.wait(2500)
        panel = window.panels[1]
        qtbot.waitUntil(lambda: panel.lights["scale"].level in ("stale", "fault"), timeout=5000)
        assert beat.longest < LIMIT_S, f"GUI thread stalled {beat.longest * 1000:.0f} ms"
    finally:
        desktop.shutdown()
        server.close()
        for connection in accepted:
            connection.close()
