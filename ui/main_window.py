"""The operator's main window: the lanes, records, cases, devices and upload, by role.

Every action works on the selected lane (click a lane, or Ctrl+1..4). Actions that touch
the database or a device run through `Tasks`; the lane workflow's own commands run on
the station's core thread (StationRuntime), which the task waits for, not the GUI.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6 import QtCore, QtGui, QtWidgets

from station.lanes.notices import (
    AxlesNeeded,
    DeviceChanged,
    LaneStateChanged,
    PlateNeeded,
    QueuedRecorded,
    Released,
    StorageQueueChanged,
    VehicleAbandoned,
    WeighingCompleted,
)
from station.lanes.settings import WEIGHING_KINDS
from station.readmodel import WeighingDetail
from station.security import LoginPolicy, Permission
from station.storage import desk, views
from station.storage.accounts import SignedIn, authenticate
from station.timeutil import beijing_now
from ui.bridge import Bridge
from ui.calibration_wizard import CalibrationWizard, may_calibrate
from ui.cases import CasesView
from ui.certificates_view import CertificatesView
from ui.context import AppContext
from ui.devices import DevicesView
from ui.drift_view import DriftView
from ui.drift_watch import DriftWatch
from ui.lane_panel import LanePanel
from ui.login import ApprovalDialog, LockScreen
from ui.plate_dialog import PlateCorrectionDialog
from ui.printing import print_document
from ui.records import RecordsView
from ui.scale_check_dialog import ScaleCheckDialog
from ui.settings_dialog import SettingsDialog
from ui.upload import UploadTexts, UploadView, skew_off
from ui.upload_runner import UploadRunner

IDLE_LOCK_MS = 10 * 60 * 1000


def _policy(ctx: AppContext) -> LoginPolicy:
    security = ctx.config.security
    return LoginPolicy(
        security.password_min_length, security.max_failed_logins, security.lockout_minutes
    )


class MainWindow(QtWidgets.QMainWindow):
    """Owns the lane panels and the tabs; dispatches the lanes' notices to them."""

    def __init__(self, ctx: AppContext, bridge: Bridge) -> None:
        super().__init__()
        self.ctx, self.bridge = ctx, bridge
        self.panels: dict[int, LanePanel] = {}
        self.active_lane = ctx.config.lanes[0].number if ctx.config.lanes else 0
        self.actions: dict[str, QtGui.QAction] = {}
        # One per application: "upload now" on the Upload tab and the nightly pass.
        self.upload_runner = UploadRunner(ctx, self)
        self.drift_watch = DriftWatch(ctx, self)
        self.setWindowTitle(
            self.tr("Overload station: {name} ({code})").format(
                name=ctx.config.station.name, code=ctx.config.station.site_code
            )
        )
        self._build_tabs()
        self._build_actions()
        self._build_status()
        self.lock_screen = LockScreen(self._check_password, self)
        self.lock_screen.unlocked.connect(self._unlocked)
        self._idle = QtCore.QTimer(self)
        self._idle.setInterval(IDLE_LOCK_MS)
        self._idle.timeout.connect(self.lock)
        bridge.notice_arrived.connect(self.on_notice)
        bridge.vehicle_arrived.connect(self._mark_vehicle)
        ctx.session.changed.connect(self.apply_role)
        self.apply_role()
        self.select_lane(self.active_lane)

    # ---- tabs ---------------------------------------------------------------------------

    def _build_tabs(self) -> None:
        self.tabs = QtWidgets.QTabWidget()
        lanes = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(lanes)
        for index, lane in enumerate(self.ctx.config.lanes):
            panel = LanePanel(lane, self.bridge.rings[lane.number])
            panel.activated.connect(self.select_lane)
            panel.plate_edit.returnPressed.connect(lambda n=lane.number: self._plate_entered(n))
            self.panels[lane.number] = panel
            columns = 1 if len(self.ctx.config.lanes) == 1 else 2
            grid.addWidget(panel, index // columns, index % columns)
        if not self.ctx.config.lanes:
            text = self.tr(
                "No lanes are configured. An administrator adds them in "
                "Station > Settings (see docs/configuration.md)."
            )
            empty = QtWidgets.QLabel(text)
            empty.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            empty.setStyleSheet("font-size: 16pt; color: #546e7a")
            grid.addWidget(empty, 0, 0)
        self.tabs.addTab(lanes, self.tr("Lanes"))
        self.views: dict[str, QtWidgets.QWidget] = {}
        for key, title, factory in self._view_factories():
            view = factory(self.ctx)
            self.views[key] = view
            self.tabs.addTab(view, title)
        self.setCentralWidget(self.tabs)

    def _view_factories(self) -> list[tuple[str, str, Callable[[AppContext], Any]]]:
        return [
            ("records", self.tr("Records"), RecordsView),
            ("cases", self.tr("Open cases"), CasesView),
            ("devices", self.tr("Devices"), DevicesView),
            ("upload", self.tr("Upload"), lambda c: UploadView(c, runner=self.upload_runner)),
            ("certificates", self.tr("Certificates"), CertificatesView),
            ("drift", self.tr("Drift"), DriftView),
        ]

    # ---- actions ------------------------------------------------------------------------

    def _action(self, key: str, text: str, shortcut: str, slot: Callable[[], None]) -> None:
        action = QtGui.QAction(text, self)
        action.setShortcut(QtGui.QKeySequence(shortcut))
        action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        # Operators learn the keys from the toolbar, where the key is written on the button.
        action.setIconText(f"{text.rstrip('.')} [{shortcut}]")
        self.addAction(action)
        self.actions[key] = action

    def _build_actions(self) -> None:
        self._action("confirm", self.tr("Confirm"), "F5", self.confirm)
        self._action("correct_plate", self.tr("Correct plate..."), "F2", self.correct_plate)
        self._action("print_ticket", self.tr("Print ticket"), "F3", self.print_ticket)
        self._action("print_unload", self.tr("Print unload notice"), "F4", self.print_unload)
        self._action("close_case", self.tr("Close case..."), "F6", self.close_case)
        self._action("axles", self.tr("Enter axle type..."), "F7", self.enter_axles)
        self._action("override", self.tr("Supervisor override..."), "F8", self.override)
        self._action("zero", self.tr("Zero the scale"), "F9", self.zero_scale)
        self._action("lock", self.tr("Lock screen"), "Ctrl+L", self.lock)
        self._action("end_shift", self.tr("End shift"), "Ctrl+Shift+Q", self.end_shift)
        self._action("settings", self.tr("Settings..."), "Ctrl+,", self.open_settings)
        self._action("calibration", self.tr("Calibration..."), "Ctrl+Shift+K",
                     self.open_calibration)  # fmt: skip
        self._action("daily_check", self.tr("Daily scale check..."), "Ctrl+Shift+D",
                     self.open_daily_check)  # fmt: skip
        for number in self.panels:
            self._action(f"lane{number}", self.tr("Lane {n}").format(n=number),
                         f"Ctrl+{number}", lambda n=number: self.select_lane(n))  # fmt: skip
        self._build_menus()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        station = bar.addMenu(self.tr("&Station"))
        for key in ("lock", "end_shift", "settings"):
            station.addAction(self.actions[key])
        lane = bar.addMenu(self.tr("&Lane"))
        for key in ("confirm", "correct_plate", "axles", "print_ticket", "print_unload",
                    "close_case", "override"):  # fmt: skip
            lane.addAction(self.actions[key])
        lane.addSeparator()
        for number in self.panels:
            lane.addAction(self.actions[f"lane{number}"])
        tools = bar.addMenu(self.tr("&Maintenance"))
        tools.addAction(self.actions["zero"])
        tools.addAction(self.actions["calibration"])
        tools.addAction(self.actions["daily_check"])
        toolbar = self.addToolBar(self.tr("Lane actions"))
        toolbar.setObjectName("lane-actions")
        for key in ("confirm", "correct_plate", "print_ticket", "print_unload", "close_case",
                    "override", "zero", "lock"):  # fmt: skip
            toolbar.addAction(self.actions[key])

    PERMISSIONS: ClassVar[dict[str, Permission]] = {
        "confirm": Permission.WEIGH,
        "correct_plate": Permission.WEIGH,
        "axles": Permission.WEIGH,
        "print_ticket": Permission.WEIGH,
        "print_unload": Permission.PRINT_ENFORCEMENT,
        "close_case": Permission.CLOSE_CASE,
        "override": Permission.WEIGH,  # the approval itself needs OVERRIDE_RELEASE
        "zero": Permission.CALIBRATE,
        "settings": Permission.CONFIGURE,
    }

    def apply_role(self) -> None:
        """Enable what the signed-in role may do; hide the technician's tab from others."""
        session = self.ctx.session
        for key, permission in self.PERMISSIONS.items():
            self.actions[key].setEnabled(session.can(permission))
        signed_in = session.user is not None and not session.locked
        for key in ("lock", "end_shift"):
            self.actions[key].setEnabled(signed_in)
        self.actions["calibration"].setEnabled(may_calibrate(session))
        checker = session.can(Permission.CALIBRATE) or session.can(Permission.WEIGH)
        self.actions["daily_check"].setEnabled(checker)
        devices = self.tabs.indexOf(self.views["devices"])
        self.tabs.setTabVisible(devices, session.can(Permission.CALIBRATE))
        certificates = self.tabs.indexOf(self.views["certificates"])
        watch = session.can(Permission.MANAGE_CERTIFICATES) or session.can(Permission.VIEW_AUDIT)
        self.tabs.setTabVisible(certificates, watch)
        drift = self.tabs.indexOf(self.views["drift"])
        self.tabs.setTabVisible(drift, session.can(Permission.CALIBRATE))
        self._show_user()

    # ---- lanes --------------------------------------------------------------------------

    def select_lane(self, number: int) -> None:
        if number not in self.panels:
            return
        self.active_lane = number
        for lane, panel in self.panels.items():
            panel.set_active(lane == number)

    @property
    def panel(self) -> LanePanel | None:
        return self.panels.get(self.active_lane)

    def on_notice(self, notice: object) -> None:
        if isinstance(notice, StorageQueueChanged | QueuedRecorded):
            self._on_queue_notice(notice)
            return
        panel = self.panels.get(getattr(notice, "lane", -1))
        if panel is None:
            return
        if isinstance(notice, LaneStateChanged):
            panel.set_state(notice.state)
        elif isinstance(notice, DeviceChanged):
            status = notice.status
            panel.set_device(status.device_id, status.state, status.detail)
        elif isinstance(notice, PlateNeeded):
            self.select_lane(notice.lane)
            panel.ask_plate()
            panel.plate_edit.setFocus()
        elif isinstance(notice, AxlesNeeded):
            self._say(self.tr("Lane {n}: enter the axle type (F7)").format(n=notice.lane))
        elif isinstance(notice, WeighingCompleted):
            self._completed(panel, notice)
        elif isinstance(notice, VehicleAbandoned):
            self._say(self.tr("Lane {n}: vehicle left: {reason}").format(
                n=notice.lane, reason=notice.reason))  # fmt: skip
        elif isinstance(notice, Released) and notice.override:
            self._say(self.tr("Lane {n}: released by supervisor override").format(n=notice.lane))

    def _completed(self, panel: LanePanel, notice: WeighingCompleted) -> None:
        panel.show_completed(notice)
        if not notice.check_no:  # queued on this workstation: no record to show yet
            return
        ctx = self.ctx
        self.ctx.tasks.run(
            lambda: views.weighing_detail(
                ctx.database, notice.check_no, ctx.pictures_root,
                site_name=ctx.config.station.name, deadline_hours=ctx.deadline_hours,
            ),
            lambda detail: self._show_detail(panel, detail),
        )  # fmt: skip
        if notice.case_id is not None:
            refresh = getattr(self.views["cases"], "refresh", None)
            if refresh is not None:
                refresh()

    @staticmethod
    def _show_detail(panel: LanePanel, detail: WeighingDetail | None) -> None:
        if detail is not None:
            panel.show_detail(detail)

    def _mark_vehicle(self, lane: int, vehicle: object) -> None:
        panel = self.panels.get(lane)
        if panel is not None:
            panel.mark_vehicle(vehicle)

    # ---- operator commands ------------------------------------------------------------

    def _run_lane(self, what: str, command: Callable[[], Any]) -> None:
        def failed(error: BaseException) -> None:
            self._warn(what, str(error))

        self.ctx.tasks.run(command, None, failed)

    def _plate_entered(self, number: int) -> None:
        self.select_lane(number)
        self.confirm()

    def confirm(self) -> None:
        """Send the typed plate to a lane that waits for one; else confirm the verdict."""
        panel = self.panel
        if panel is None or not self.ctx.session.can(Permission.WEIGH):
            return
        runtime, login = self.ctx.runtime, self.ctx.session.login
        if panel.waiting_for_plate:
            text = panel.plate_edit.text().strip()
            number = panel.lane.number
            self._run_lane(self.tr("Plate"), lambda: runtime.enter_plate(number, text))
            return
        if panel.last is not None:
            detail = {"checkNo": panel.last.check_no, "lane": panel.lane.number}
            database = self.ctx.database
            self.ctx.ordered.run(
                lambda: desk.audit(database, login, "WEIGHING_CONFIRMED", detail),
                lambda _: self._say(self.tr("Confirmed {check}").format(check=detail["checkNo"])),
            )

    def correct_plate(self) -> None:
        panel = self.panel
        if panel is None:
            return
        if panel.waiting_for_plate or panel.last is None:
            panel.plate_edit.setFocus()
            panel.plate_edit.selectAll()
            return
        dialog = PlateCorrectionDialog(self.ctx, panel.last.check_no, panel.last.plate, self)
        dialog.corrected.connect(lambda new_check: self._say(
            self.tr("Plate corrected; new record {check}").format(check=new_check)))  # fmt: skip
        dialog.open()

    def enter_axles(self) -> None:
        panel = self.panel
        if panel is None:
            return
        code, ok = QtWidgets.QInputDialog.getText(
            self, self.tr("Axle type"), self.tr("Axle-group codes front to rear, e.g. 1157")
        )
        if ok and code.strip():
            runtime, number = self.ctx.runtime, panel.lane.number
            self._run_lane(self.tr("Axle type"), lambda: runtime.enter_axles(number, code.strip()))

    def _last_check(self) -> str | None:
        panel = self.panel
        if panel is None or panel.last is None:
            self._say(self.tr("No weighing on this lane yet"))
            return None
        return panel.last.check_no

    def print_ticket(self) -> None:
        check_no = self._last_check()
        if check_no:
            print_document(self.ctx, self, check_no, "ticket", self._printed)

    def print_unload(self) -> None:
        panel = self.panel
        check_no = self._last_check()
        if check_no and panel is not None and panel.last and panel.last.notice_no:
            print_document(self.ctx, self, check_no, "unload", self._printed)
        elif check_no:
            self._say(self.tr("This weighing has no unload notice"))

    def _printed(self, path: object) -> None:
        self.last_document = path
        self._say(self.tr("Document saved: {path}").format(path=path))

    def close_case(self) -> None:
        self.tabs.setCurrentWidget(self.views["cases"])
        opener = getattr(self.views["cases"], "close_selected", None)
        if opener is not None:
            opener()

    def override(self) -> None:
        panel = self.panel
        if panel is None:
            return
        ctx = self.ctx
        dialog = ApprovalDialog(
            ctx.database, ctx.tasks, _policy(ctx), Permission.OVERRIDE_RELEASE,
            self.tr("Release lane {n} against the verdict").format(n=panel.lane.number),
            parent=self,
        )  # fmt: skip
        number = panel.lane.number

        def approved() -> None:
            user, reason = dialog.signed_in, dialog.reason
            assert user is not None
            self._run_lane(
                self.tr("Override"), lambda: ctx.runtime.override(number, reason, user.login)
            )

        dialog.accepted.connect(approved)
        dialog.open()

    def zero_scale(self) -> None:
        panel, devices = self.panel, self.ctx.devices
        zero = getattr(devices, "zero", None)
        if panel is None or zero is None:
            self._warn(self.tr("Zero"), self.tr("No running scale can be zeroed from here."))
            return
        scales = [d.id for d in panel.lane.devices if d.kind in ("scale", "axle_scale", "wim")]
        login, database = self.ctx.session.login, self.ctx.database

        def work() -> None:
            for device_id in scales:
                zero(device_id)
                desk.audit(database, login, "SCALE_ZEROED", {"device": device_id})

        self._run_lane(self.tr("Zero"), work)

    def open_calibration(self) -> None:
        """The calibration wizard (technicians), on the selected lane's scale to begin with."""
        if not may_calibrate(self.ctx.session):
            self._warn(self.tr("Calibration"), self.tr("Only a technician may calibrate a scale."))
            return
        panel = self.panel
        scales = [d.id for d in panel.lane.devices if d.kind in WEIGHING_KINDS] if panel else []
        self.calibration_wizard = CalibrationWizard(
            self.ctx, scales[0] if scales else None, parent=self
        )
        self.calibration_wizard.show()

    def open_daily_check(self) -> None:
        """The daily check of a scale with a known load (operators and technicians)."""
        self.daily_check_dialog = ScaleCheckDialog(self.ctx, parent=self)
        self.daily_check_dialog.show()

    # ---- session ------------------------------------------------------------------------

    def _check_password(self, login, password, passed, failed) -> None:
        database, policy = self.ctx.database, _policy(self.ctx)
        self.ctx.ordered.run(
            lambda: authenticate(database, login, password, policy), passed, failed
        )

    def lock(self) -> None:
        session = self.ctx.session
        if session.user is None or session.locked:
            return
        session.set_locked(True)
        database, login = self.ctx.database, session.login
        self.ctx.ordered.run(lambda: desk.audit(database, login, "SCREEN_LOCKED", {}))
        self.lock_screen.lock(login)

    def _unlocked(self, user: SignedIn) -> None:
        """The same person resumes; another person takes over the desk (a hand-over)."""
        session = self.ctx.session
        if session.user is not None and user.login != session.login:
            self._end_shift_of(session.login)
        if session.user is None or user.login != session.login:
            self._start_shift_of(user)
        session.sign_in(user)
        database = self.ctx.database
        self.ctx.ordered.run(lambda: desk.audit(database, user.login, "SCREEN_UNLOCKED", {}))

    def _start_shift_of(self, user: SignedIn) -> None:
        database, host = self.ctx.database, socket.gethostname()
        self.ctx.ordered.run(lambda: desk.start_shift(database, user.login, host))

    def _end_shift_of(self, login: str) -> None:
        database, host = self.ctx.database, socket.gethostname()
        self.ctx.ordered.run(lambda: desk.end_shift(database, login, host), self._shift_ended)

    def start_shift(self, user: SignedIn) -> None:
        self.ctx.session.sign_in(user)
        self._start_shift_of(user)
        self._idle.start()

    def end_shift(self) -> None:
        """Hand the desk over: the shift ends and the lock screen waits for the next person."""
        session = self.ctx.session
        if session.user is None:
            return
        self._end_shift_of(session.login)
        session.sign_out()
        self.lock_screen.lock("")

    def _shift_ended(self, summary: desk.ShiftSummary) -> None:
        self._say(
            self.tr("Shift of {login} ended: {n} weighings, {over} over the limit").format(
                login=summary.login, n=summary.weighings, over=summary.over
            )
        )

    def open_settings(self) -> None:
        path = self.ctx.config.path
        if path is None:
            self._warn(
                self.tr("Settings"), self.tr("This station runs without a configuration file.")
            )
            return
        SettingsDialog(self.ctx, path, self).open()

    # ---- status -------------------------------------------------------------------------

    def _build_status(self) -> None:
        self.user_label = QtWidgets.QLabel()
        self.clock_label = QtWidgets.QLabel()
        self.upload_warning = QtWidgets.QLabel()
        self.upload_texts, self._upload_skew = UploadTexts(self), None
        self.upload_warning.setStyleSheet("color: white; background: #b3261e; padding: 0 6px;")
        self.upload_warning.hide()
        self.statusBar().addPermanentWidget(self.upload_warning)
        self.queue_warning = QtWidgets.QLabel()
        self.queue_warning.setStyleSheet("color: white; background: #b3261e; padding: 0 6px;")
        self.queue_warning.hide()
        self.statusBar().addPermanentWidget(self.queue_warning)
        self.drift_warning = QtWidgets.QLabel()
        self.drift_warning.setStyleSheet("color: white; background: #b3261e; padding: 0 6px;")
        self.drift_warning.hide()
        self.statusBar().addPermanentWidget(self.drift_warning)
        self.drift_watch.changed.connect(self._show_drift)
        self.statusBar().addPermanentWidget(self.user_label)
        self.upload_runner.finished.connect(self._upload_finished)
        self.upload_runner.status_arrived.connect(self._upload_status)
        self.statusBar().addPermanentWidget(self.clock_label)
        clock = QtCore.QTimer(self)
        clock.timeout.connect(self._tick_clock)
        clock.start(1000)
        self._tick_clock()

    def _upload_finished(self, outcome: Any) -> None:
        if outcome.pass_id is None:  # refused before it began
            self._say(self.tr("Upload did not run: {error}").format(error=outcome.error))
        else:
            self._say(self.tr("Upload: {result}; {sent} records sent, {pending} left").format(
                result=self.upload_texts.status(outcome.status), sent=outcome.records_sent,
                pending=outcome.pending_after))  # fmt: skip
        skew = self._upload_skew if outcome.clock_skew_s is None else outcome.clock_skew_s
        self._show_upload_warning(outcome.status == "FAILED", skew, outcome.error)

    def _upload_status(self, status: Any) -> None:
        last = status.passes[0] if status.passes else None
        failed = last is not None and last.status == "FAILED"
        self._show_upload_warning(failed, status.clock_skew_s, last.error if last else "")

    def _on_queue_notice(self, notice: StorageQueueChanged | QueuedRecorded) -> None:
        if isinstance(notice, StorageQueueChanged):
            self._show_queue(notice)
            return
        text = self.tr("Lane {n}: the weighing queued at {time} is recorded as {check}")
        at = f"{notice.queued_at:%H:%M:%S}"
        self._say(text.format(n=notice.lane, time=at, check=notice.check_no))

    def _show_queue(self, state: StorageQueueChanged) -> None:
        """While the shared database server is gone, weighings wait on this workstation."""
        parts = []
        if not state.online:
            parts.append(self.tr("Database server unreachable: {n} weighings queued here").format(
                n=state.pending))  # fmt: skip
        elif state.pending:
            parts.append(self.tr("Database server back: {n} queued weighings to record").format(
                n=state.pending))  # fmt: skip
        if state.set_aside:
            parts.append(self.tr("{n} queued entries could not be recorded (see the log)").format(
                n=state.set_aside))  # fmt: skip
        self.queue_warning.setText(" · ".join(parts))
        self.queue_warning.setVisible(bool(parts))

    def _show_drift(self, scales: list[str]) -> None:
        """Scales whose drift analysis warns; the Drift tab has the evidence."""
        self.drift_warning.setVisible(bool(scales))
        self.drift_warning.setText(
            self.tr("Drift: {scales} (see the Drift tab)").format(scales=", ".join(scales))
        )

    def _show_upload_warning(self, failed: bool, skew: int | None, error: str) -> None:
        """A lasting mark while the last pass FAILED or the clock is off the platform's."""
        self._upload_skew, parts, tips = skew, [], []
        if failed:
            parts.append(self.tr("Upload failed"))
            tips.append(error)
        if skew is not None and skew_off(skew):
            parts.append(self.tr("Clock off by {n} s").format(n=abs(skew)))
            tips.append(self.upload_texts.skew(skew))
        self.upload_warning.setText(" · ".join(parts))
        self.upload_warning.setToolTip("\n".join(tip for tip in tips if tip))
        self.upload_warning.setVisible(bool(parts))

    def _tick_clock(self) -> None:
        # Records carry Beijing time whatever the PC's zone; the desk shows the same clock.
        self.clock_label.setText(beijing_now().strftime("%Y-%m-%d %H:%M:%S"))

    def _show_user(self) -> None:
        user = self.ctx.session.user
        text = self.tr("Not signed in") if user is None else f"{user.display_name} ({user.login})"
        if self.ctx.demo:
            text = self.tr("DEMO") + " · " + text
        self.user_label.setText(text)

    def _say(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    def _warn(self, title: str, text: str) -> None:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, title, text,
                                    parent=self)  # fmt: skip
        box.setModal(False)
        box.open()
        self.last_warning = text

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.MouseButtonPress):
            self._idle.start()
        return super().event(event)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.lock_screen.isVisible():
            self.lock_screen.setGeometry(self.rect())

    def show_demo_accounts(self, accounts: dict[str, str]) -> None:
        """The demo's throwaway logins, for trying roles and the lock screen."""
        text = "  ".join(f"{login} / {password}" for login, password in accounts.items())
        label = QtWidgets.QLabel(self.tr("Demo accounts: {accounts}").format(accounts=text))
        label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setToolTip(label.text())
        # Long passwords must not widen the window past a station PC's screen.
        label.setMinimumWidth(1)
        label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                            QtWidgets.QSizePolicy.Policy.Preferred)  # fmt: skip
        self.statusBar().addWidget(label, 1)
