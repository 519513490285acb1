"""The desktop's composition root: configuration, database, drivers, runtime, window.

`main.py` (no command) and `main.py gui` run `run_gui`; `main.py --demo` runs the whole
station on simulators with a throwaway database, traffic flowing, signed in as a demo
supervisor. Wiring real drivers to the lanes happens here (DESIGN.md): `station` never
imports `drivers`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from drivers.lanes import open_devices
from drivers.sim.ports import with_free_ports
from station.config import ConfigError, LaneConfig, StationConfig, demo_config_text, load_config
from station.lanes.headless import certify_simulated_scales
from station.lanes.ports import Clock, Converters, EventSink, OpenDevices, StationDevices
from station.lanes.runtime import StationRuntime
from station.paths import default_config_path
from station.security import LoginPolicy, Role
from station.storage import desk
from station.storage.accounts import (
    SignedIn,
    authenticate,
    create_operator,
    ensure_admin,
)
from station.storage.database import Database, StorageError, open_database
from station.tables import load_limit_book
from ui.bridge import Bridge
from ui.context import AppContext, Session
from ui.first_run import run_first_run
from ui.fonts import install_font
from ui.gc_guard import GuiThreadCollector
from ui.i18n import install_language
from ui.login import LoginDialog, PasswordChangeDialog
from ui.main_window import MainWindow, _policy
from ui.tasks import Tasks

log = logging.getLogger(__name__)
STARTUP_PROBE = "STATION_STARTUP_PROBE"


@dataclass
class Desktop:
    """Everything a running desktop holds, so it can be shut down in order (and tested)."""

    ctx: AppContext
    bridge: Bridge
    window: MainWindow
    traffic: object | None = None
    traffic_thread: threading.Thread | None = None
    stop_traffic: threading.Event = field(default_factory=threading.Event)
    throwaway: Path | None = None
    translators: list = field(default_factory=list)
    demo_accounts: dict[str, str] = field(default_factory=dict)

    def shutdown(self) -> None:
        """Stop traffic, record what is waiting, close devices, end the shift; idempotent."""
        self.stop_traffic.set()
        self.window.upload_runner.stop()
        self.window.drift_watch.stop()
        if self.traffic_thread is not None:
            self.traffic_thread.join(10)
        self.bridge.stop()
        self.ctx.runtime.stop()
        if self.traffic is not None:
            self.traffic.stop()
            self.traffic = None
        self.ctx.tasks.wait(10000)
        self.ctx.ordered.wait(10000)
        if self.ctx.session.user is not None:
            try:
                desk.end_shift(self.ctx.database, self.ctx.session.login, socket.gethostname())
            except StorageError:
                log.exception("could not record the end of the shift")
        self.ctx.database.dispose()
        if self.throwaway is not None:
            shutil.rmtree(self.throwaway, ignore_errors=True)
            self.throwaway = None


def application(language: str) -> tuple[QtWidgets.QApplication, list]:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("overload-station")
    app.setOrganizationName("overload-station")
    if not hasattr(app, "collector"):
        app.collector = GuiThreadCollector(app)
    install_font(app)
    return app, install_language(app, language)


def _devices_opener(holder: dict, opener: OpenDevices) -> OpenDevices:
    """open_devices for the runtime, keeping the drivers for the device view."""

    def keep(
        lanes: Sequence[LaneConfig], sink: EventSink, clock: Clock, converters: Converters
    ) -> StationDevices:
        holder["devices"] = opener(lanes, sink, clock, converters)
        return holder["devices"]

    return keep


def build_desktop(
    config: StationConfig,
    database: Database,
    *,
    language: str,
    demo: bool = False,
    opener: OpenDevices = open_devices,
) -> Desktop:
    """Start the runtime on the configured devices and build the window (not shown)."""
    holder: dict = {}
    runtime = StationRuntime(
        config,
        database=database,
        limits=load_limit_book(config.extra_limit_tables),
        open_devices=_devices_opener(holder, opener),
        clock=time.monotonic,
        operator_id="desk",
    )
    tasks = Tasks()
    ctx = AppContext(config, database, runtime, tasks, Session(), language=language, demo=demo)
    ctx.documents_dir = config.data_dir / "documents"
    bridge = Bridge([lane.number for lane in config.lanes], rate_hz=_fastest_rate(config))
    runtime.subscribe(bridge.notice)
    runtime.tap(bridge.tap)
    runtime.start()
    ctx.devices = holder.get("devices")
    window = MainWindow(ctx, bridge)
    window.resize(1280, 860)
    return Desktop(ctx, bridge, window)


def _fastest_rate(config: StationConfig) -> int:
    rates = [
        int(device.options.get("rate_hz", 10))
        for lane in config.lanes
        for device in lane.devices
        if isinstance(device.options.get("rate_hz", 10), int)
    ]
    return max(rates, default=10)


# ---- the real station ---------------------------------------------------------------


def _fail(text: str) -> int:
    print(f"gui: {text}", file=sys.stderr)
    # An operator at a real screen sees the error too; nobody could close it offscreen.
    if QtGui.QGuiApplication.platformName() not in ("offscreen", "minimal", ""):
        QtWidgets.QMessageBox.critical(None, "Overload station", text)
    return 2


def sign_in(desktop: Desktop, first_password: str | None, login: str = "") -> None:
    """Ask who is at the desk (not modal for the event loop: lanes keep running)."""
    ctx = desktop.ctx
    dialog = LoginDialog(
        ctx.database, ctx.tasks, _policy(ctx), ctx.config.station.name, desktop.window
    )
    if first_password:
        dialog.banner.setText(
            dialog.tr("First start: sign in as admin with the one-time password {password}").format(
                password=first_password
            )
        )
        dialog.login_edit.setText("admin")
    elif login:
        dialog.login_edit.setText(login)

    def accepted() -> None:
        user = dialog.signed_in
        assert user is not None
        desktop.window.start_shift(user)
        if user.must_change_password:
            PasswordChangeDialog(
                ctx.database, ctx.tasks, _policy(ctx), user.login, desktop.window
            ).open()

    dialog.accepted.connect(accepted)
    dialog.rejected.connect(desktop.window.close)
    dialog.open()


def run_gui(args: argparse.Namespace) -> int:
    if getattr(args, "demo", False):
        return run_demo(args)
    language = args.lang or "zh_CN"
    app, translators = application(language)
    path = Path(args.config) if args.config else default_config_path()
    set_up = not path.exists()
    # A new station: the first-run wizard writes the configuration (docs/first-run.md).
    if set_up and run_first_run(path, language, translators) is None:
        print("gui: setup cancelled; nothing was written", file=sys.stderr)
        return 1
    try:
        config = load_config(path)
        database, _ = open_database(config.database.url, config.database.backup_dir)
        first_password = ensure_admin(database)
    except (ConfigError, StorageError, OSError) as exc:
        return _fail(str(exc))
    # The wizard's language choice is in the new file (and its translators are installed).
    language = config.station.language if set_up else args.lang or config.station.language
    desktop = build_desktop(config, database, language=language)
    desktop.translators = translators
    desktop.window.show()
    sign_in(desktop, first_password, login="admin" if set_up else "")
    return _exec(app, desktop, args)


def run_setup(args: argparse.Namespace) -> int:
    """`main.py setup`: the first-run wizard, then the desktop; never over an existing file."""
    path = Path(args.config) if args.config else default_config_path()
    if path.exists():
        print(
            f"setup: {path} already exists; change it in Station > Settings, or move it "
            "away to set up the station again",
            file=sys.stderr,
        )
        return 2
    return run_gui(args)


def _startup_probe(window: MainWindow) -> None:
    """For bench/gui_bench.py: note when the first window is on screen, then close it."""
    target = os.environ.get(STARTUP_PROBE)
    if not target:
        return

    def shown() -> None:
        Path(target).write_text(json.dumps({"shown": time.time()}), encoding="utf-8")
        window.close()

    QtCore.QTimer.singleShot(0, shown)


def _exec(app: QtWidgets.QApplication, desktop: Desktop, args: argparse.Namespace) -> int:
    quit_after = getattr(args, "quit_after", None)
    if quit_after:
        QtCore.QTimer.singleShot(int(quit_after * 1000), desktop.window.close)
    _startup_probe(desktop.window)
    desktop.window.upload_runner.start_schedule()
    desktop.window.drift_watch.start()
    try:
        return app.exec()
    finally:
        desktop.shutdown()


# ---- the demo -----------------------------------------------------------------------


DEMO_ROLES = (("operator", "值班员", Role.OPERATOR), ("supervisor", "站长", Role.SUPERVISOR),
              ("technician", "技术员", Role.TECHNICIAN))  # fmt: skip


def demo_station(folder: Path) -> StationConfig:
    """A two-lane demo configuration on free loopback ports, with its data in `folder`."""
    text = with_free_ports(demo_config_text())
    text = text.replace('data_dir = ""', f'data_dir = "{(folder / "data").as_posix()}"', 1)
    path = folder / "station.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def demo_accounts(database: Database, policy: LoginPolicy) -> dict[str, str]:
    """Demo logins with fresh random passwords (shown in the window; throwaway station)."""
    admin_password = ensure_admin(database) or ""
    accounts = {"admin": admin_password}
    for login, name, role in DEMO_ROLES:
        password = f"Demo-{secrets.token_hex(4)}"
        create_operator(database, "admin", login=login, display_name=name, role=role,
                        password=password, policy=policy)  # fmt: skip
        accounts[login] = password
    return accounts


def open_demo(
    *, language: str, vehicles: int = 300, seed: int = 10, speedup: float = 1.0,
    folder: Path | None = None,
) -> Desktop:  # fmt: skip
    """Build the demo desktop, signed in as the demo supervisor, traffic starting."""
    throwaway = None
    if folder is None:
        throwaway = folder = Path(tempfile.mkdtemp(prefix="overload-demo-"))
    config = demo_station(folder)
    database, _ = open_database(config.database.url, config.database.backup_dir)
    policy = LoginPolicy(config.security.password_min_length, config.security.max_failed_logins,
                         config.security.lockout_minutes)  # fmt: skip
    accounts = demo_accounts(database, policy)
    # The simulators must listen before the drivers connect, so traffic starts first.
    desktop = _demo_desktop(config, database, language, DemoTraffic(vehicles, seed, speedup))
    desktop.throwaway, desktop.demo_accounts = throwaway, accounts
    user: SignedIn = authenticate(database, "supervisor", accounts["supervisor"], policy)
    desktop.window.start_shift(user)
    desktop.window.show_demo_accounts(accounts)
    return desktop


@dataclass(frozen=True)
class DemoTraffic:
    vehicles: int = 300
    seed: int = 10
    speedup: float = 1.0


def _demo_desktop(config, database, language: str, plan: DemoTraffic) -> Desktop:
    # The traffic simulation is only for the demo; a station's start-up does not load it.
    from drivers.sim.scenario import SimulatedTraffic  # noqa: PLC0415

    certify_simulated_scales(config, database)
    traffic = SimulatedTraffic(
        config.lanes, vehicles=plan.vehicles, seed=plan.seed, speedup=plan.speedup,
        workflow=config.workflow, journal=config.data_dir / "demo-journal.jsonl",
    )  # fmt: skip
    traffic.start()
    desktop = build_desktop(config, database, language=language, demo=True)
    desktop.traffic = traffic
    thread = threading.Thread(
        target=traffic.run, args=(desktop.ctx.runtime, desktop.stop_traffic),
        name="demo-traffic", daemon=True,
    )  # fmt: skip
    desktop.traffic_thread = thread
    thread.start()
    return desktop


def run_demo(args: argparse.Namespace) -> int:
    language = args.lang or "zh_CN"
    app, translators = application(language)
    try:
        desktop = open_demo(
            language=language, vehicles=args.vehicles, seed=args.seed, speedup=args.speedup,
            folder=args.dir,
        )  # fmt: skip
    except (ConfigError, StorageError, OSError, ValueError) as exc:
        return _fail(str(exc))
    desktop.translators = translators
    desktop.window.show()
    return _exec(app, desktop, args)
