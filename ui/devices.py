"""Device diagnostics for the maintenance technician: state, counters and raw frames.

The drivers keep a snapshot per device (`drivers.diagnostics.DeviceDiagnostics`: device_id,
lane, kind, driver, port, state, counters, frames of `RawFrame`). This view asks
`ctx.devices.diagnostics()` for them every half second on a worker thread, because a driver
stuck in a blocking call must never freeze the screen, and it skips a poll while the
previous one is still out so that a hung driver does not pile up waiting workers.

A weighing device registered as a scale also shows its calibration event counter and seal
(station/storage/calibration.py), read from the database on a worker after each snapshot,
one read at a time, so a coefficient change shows within a poll or two.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from station.security import Permission
from station.storage.calibration import calibration_counter, seal_is_open
from station.storage.database import Database
from station.storage.scales import scale_info
from ui.context import AppContext

log = logging.getLogger(__name__)

REFRESH_MS = 500
SLOW_POLL_S = 2.0  # after this long without an answer the view says the drivers are slow

# Colours of the state dot: green works, amber is connected but silent, red is down.
STATE_COLOURS = {
    "OK": "#2e9d3a",
    "STALE": "#e0a100",
    "CONNECTING": "#8c8c8c",
    "OFFLINE": "#d12f2f",
    "FAULT": "#d12f2f",
}
UNKNOWN_COLOUR = "#8c8c8c"
# Device kinds that weigh: their device id is the scale id of the calibration log.
SCALE_KINDS = ("scale", "axle_scale", "wim")

Calibration = tuple[int | None, bool]  # the event counter (None: no event yet), seal open


def read_calibration(database: Database, device_ids: Sequence[str]) -> dict[str, Calibration]:
    """Counter and seal of each device registered as a scale (runs on a worker)."""
    found: dict[str, Calibration] = {}
    for device_id in device_ids:
        if scale_info(database, device_id) is not None:
            found[device_id] = (
                calibration_counter(database, device_id),
                seal_is_open(database, device_id),
            )
    return found


def state_name(state: Any) -> str:
    """`DeviceState.OK` and a plain "ok" both read as "OK" (enums and fakes alike)."""
    return str(getattr(state, "value", state)).upper()


def state_colour(state: Any) -> str:
    return STATE_COLOURS.get(state_name(state), UNKNOWN_COLOUR)


def dot_icon(colour: str, size: int = 12) -> QtGui.QIcon:
    """A filled circle: the state is seen at a glance, the text next to it says it in words."""
    pixmap = QtGui.QPixmap(size, size)
    pixmap.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    painter.setBrush(QtGui.QColor(colour))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QtGui.QIcon(pixmap)


def format_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def wall_offset() -> float:
    """Seconds to add to a time.monotonic() value to get a Unix time."""
    return time.time() - time.monotonic()


def frame_time(t_mono: float, offset: float) -> str:
    """A frame's time.monotonic() stamp as local clock time with milliseconds."""
    moment = QtCore.QDateTime.fromMSecsSinceEpoch(round((t_mono + offset) * 1000))
    return moment.toString("HH:mm:ss.zzz")


def frame_line(frame: Any, offset: float) -> str:
    """One frame as copied text: time, direction, hex, ASCII and the driver's note."""
    stamp = frame_time(frame.t_mono, offset)
    line = f"{stamp}  {frame.direction}  {frame.hex()}  |{frame.ascii()}|"
    return f"{line}  {frame.note}" if frame.note else line


def monospace_font() -> QtGui.QFont:
    return QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)


class FrameModel(QtCore.QAbstractTableModel):
    """The raw frames of one device; texts are made only for the rows on screen."""

    COLUMNS = 5

    def __init__(self, offset: float, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.frames: tuple[Any, ...] = ()
        self.offset = offset
        self._headers = (
            self.tr("Time"),
            self.tr("Dir"),
            self.tr("Hex"),
            self.tr("ASCII"),
            self.tr("Note"),
        )

    def set_frames(self, frames: Sequence[Any]) -> None:
        frames = tuple(frames)
        if frames == self.frames:
            return
        self.beginResetModel()
        self.frames = frames
        self.endResetModel()

    def rowCount(self, parent: Any = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.frames)

    def columnCount(self, parent: Any = None) -> int:
        return 0 if parent is not None and parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Any, role: int = 0) -> Any:
        horizontal = orientation == QtCore.Qt.Orientation.Horizontal
        if role == QtCore.Qt.ItemDataRole.DisplayRole and horizontal:
            return self._headers[section]
        return None

    def data(self, index: QtCore.QModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        frame = self.frames[index.row()]
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            return self.text(frame, index.column(), self.offset)
        if role == QtCore.Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            # What the station sent stands apart from what the device said.
            return QtGui.QColor("#1f5fbf" if frame.direction == "tx" else "#000000")
        return None

    @staticmethod
    def text(frame: Any, column: int, offset: float) -> str:
        if column == 0:
            return frame_time(frame.t_mono, offset)
        if column == 1:
            return str(frame.direction)
        if column == 2:
            return frame.hex()
        if column == 3:
            return frame.ascii()
        return str(frame.note or "")


class DevicesView(QtWidgets.QWidget):
    """Every running device with its state; counters and raw frames of the selected one."""

    COLUMNS = 6  # lane, device, kind, driver, port, state

    def __init__(self, ctx: AppContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._snapshot: dict[str, Any] = {}
        self._busy_since: float | None = None
        self._calibration: dict[str, Calibration] = {}
        self._reading_calibration = False
        self._frames_device = ""
        self._build()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        ctx.session.changed.connect(self._update_actions)
        self._show_availability()
        self._update_actions()

    # ---- building -------------------------------------------------------------------

    def _build(self) -> None:
        self.message = QtWidgets.QLabel(self)
        self.message.setWordWrap(True)
        self.reconnect_button = QtWidgets.QPushButton(self.tr("Reconnect"), self)
        self.reconnect_button.clicked.connect(self.reconnect_selected)
        self.pause_button = QtWidgets.QPushButton(self.tr("Pause frames"), self)
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip(self.tr("Freeze the frame list to read it"))
        self.pause_button.toggled.connect(self._paused_changed)
        self.copy_button = QtWidgets.QPushButton(self.tr("Copy frames"), self)
        self.copy_button.setToolTip(self.tr("Copy the shown frames as hex and ASCII text"))
        self.copy_button.clicked.connect(self.copy_frames)
        self.copy_button.setEnabled(False)  # until there are frames to copy
        self.result = QtWidgets.QLabel(self)
        self.result.setWordWrap(True)

        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.message, 1)
        for button in (self.reconnect_button, self.pause_button, self.copy_button):
            bar.addWidget(button)

        self._content = self._build_content()
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self._content, 1)
        layout.addWidget(self.result)

    def _build_content(self) -> QtWidgets.QSplitter:
        self.table = QtWidgets.QTableWidget(0, self.COLUMNS, self)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Lane"),
                self.tr("Device"),
                self.tr("Kind"),
                self.tr("Driver"),
                self.tr("Port"),
                self.tr("State"),
            ]
        )
        _read_only_rows(self.table)
        _fit_columns(self.table, self.COLUMNS - 1)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.counters = QtWidgets.QTableWidget(0, 2, self)
        self.counters.setHorizontalHeaderLabels([self.tr("Counter"), self.tr("Value")])
        _read_only_rows(self.counters)
        _fit_columns(self.counters, 1)

        # One offset for the view's life, so a frame's shown time never jitters between polls.
        self.frames = FrameModel(wall_offset(), self)
        self.frame_view = QtWidgets.QTableView(self)
        self.frame_view.setModel(self.frames)
        self.frame_view.setFont(monospace_font())
        _read_only_rows(self.frame_view)
        _fit_columns(self.frame_view, FrameModel.COLUMNS - 1)

        lower = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal, self)
        lower.addWidget(self.counters)
        lower.addWidget(self.frame_view)
        lower.setSizes([340, 760])
        outer = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical, self)
        outer.addWidget(self.table)
        outer.addWidget(lower)
        outer.setSizes([170, 430])  # a station has a handful of devices; frames need room
        return outer

    def _show_availability(self) -> None:
        running = self._ctx.devices is not None
        self._content.setVisible(running)
        self.pause_button.setVisible(running)
        self.copy_button.setVisible(running)
        self.reconnect_button.setVisible(running)
        if not running:
            self.layout().addStretch(1)  # the message stays on top, not in the middle
            self.message.setText(
                self.tr(
                    "No devices are running: the station was started without its devices, "
                    "so there is nothing to diagnose here."
                )
            )

    # ---- polling --------------------------------------------------------------------

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        # Poll only while someone looks: a hidden tab costs the drivers nothing.
        if self._ctx.devices is not None:
            self._timer.start()
            self.refresh()

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    @property
    def polling(self) -> bool:
        """Whether a diagnostics() call is out on a worker."""
        return self._busy_since is not None

    def refresh(self) -> None:
        """Ask the drivers for a new snapshot, unless the last request has not returned."""
        devices = self._ctx.devices
        if devices is None:
            return
        if self._busy_since is not None:
            self._note_slow_drivers()
            return
        self._busy_since = time.monotonic()
        self._ctx.tasks.run(devices.diagnostics, self._diagnostics_arrived, self._poll_failed)

    def _note_slow_drivers(self) -> None:
        assert self._busy_since is not None
        waited = time.monotonic() - self._busy_since
        if waited >= SLOW_POLL_S:
            self.message.setText(
                self.tr("The drivers have not answered for {seconds:.0f} s.").format(seconds=waited)
            )

    def _diagnostics_arrived(self, items: list[Any]) -> None:
        self._busy_since = None
        self._snapshot = {item.device_id: item for item in items}
        self._fill_devices(items)
        # The time shows the technician that the view is live (or that it stopped).
        self.message.setText(
            self.tr("{count} devices, updated {time}").format(
                count=len(items), time=QtCore.QTime.currentTime().toString("HH:mm:ss")
            )
        )
        self._show_selected()
        self._read_calibration(items)

    def _poll_failed(self, error: BaseException) -> None:
        self._busy_since = None
        self.message.setText(self.tr("Diagnostics failed: {error}").format(error=error))

    def _read_calibration(self, items: Sequence[Any]) -> None:
        """Counters and seals of the scales, on a worker; skipped while one read is out."""
        ids = [item.device_id for item in items if item.kind in SCALE_KINDS]
        if self._reading_calibration or not ids:
            return
        self._reading_calibration = True
        database = self._ctx.database
        self._ctx.tasks.run(
            lambda: read_calibration(database, ids),
            self._calibration_arrived,
            self._calibration_failed,
        )

    def _calibration_arrived(self, found: dict[str, Calibration]) -> None:
        self._reading_calibration = False
        if found != self._calibration:
            self._calibration = found
            self._show_selected()

    def _calibration_failed(self, error: BaseException) -> None:
        self._reading_calibration = False
        log.warning("reading the scales' calibration counters failed: %s", error)

    # ---- the device list ------------------------------------------------------------

    def _fill_devices(self, items: Sequence[Any]) -> None:
        # Cells are rewritten in place, so the selection and scroll position survive a poll.
        selected = self.selected_device()
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            texts = (str(item.lane), item.device_id, item.kind, item.driver, item.port)
            for column, text in enumerate(texts):
                self._cell(row, column).setText(text)
            self._cell(row, 0).setData(QtCore.Qt.ItemDataRole.UserRole, item.device_id)
            state = self._cell(row, 5)
            state.setText(self._state_text(item.state))
            state.setIcon(dot_icon(state_colour(item.state)))
        self._reselect(selected, [item.device_id for item in items])

    def _reselect(self, device_id: str, order: list[str]) -> None:
        """Keep the technician's device selected even if the list changed order."""
        if device_id in order:
            if self.selected_device() != device_id:
                self.table.selectRow(order.index(device_id))
        elif order:
            self.table.selectRow(0)

    def _cell(self, row: int, column: int) -> QtWidgets.QTableWidgetItem:
        cell = self.table.item(row, column)
        if cell is None:
            cell = QtWidgets.QTableWidgetItem()
            self.table.setItem(row, column, cell)
        return cell

    def _state_text(self, state: Any) -> str:
        names = {
            "OK": self.tr("OK"),
            "STALE": self.tr("stale"),
            "CONNECTING": self.tr("connecting"),
            "OFFLINE": self.tr("offline"),
            "FAULT": self.tr("fault"),
        }
        name = state_name(state)
        return names.get(name, name)

    def selected_device(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return ""
        cell = self.table.item(rows[0].row(), 0)
        return str(cell.data(QtCore.Qt.ItemDataRole.UserRole) or "") if cell else ""

    def _selection_changed(self) -> None:
        self._show_selected(new_device=True)
        self._update_actions()

    # ---- the selected device --------------------------------------------------------

    def _show_selected(self, new_device: bool = False) -> None:
        item = self._snapshot.get(self.selected_device())
        now = getattr(item, "t_mono", None) or time.monotonic()
        rows = self._calibration_rows(item.device_id) if item is not None else []
        counters = item.counters if item is not None else {}
        rows += [(name, self._counter_text(name, counters[name], now)) for name in sorted(counters)]
        self._fill_counters(rows)
        # A paused list stays as it is, unless the technician picked another device.
        if self.pause_button.isChecked() and not new_device:
            return
        self._frames_device = item.device_id if item is not None else ""
        self._show_frames(item.frames if item is not None else ())

    def _counter_text(self, name: str, value: Any, now: float) -> str:
        # Times (`*_t`) are time.monotonic() values: an age reads better than a raw clock.
        if name.endswith("_t"):
            if value in ("", None):
                return self.tr("never")
            if isinstance(value, int | float):
                return self.tr("{seconds} s ago").format(seconds=f"{max(0.0, now - value):.1f}")
        return format_number(value)

    def _calibration_rows(self, device_id: str) -> list[tuple[str, str]]:
        """A registered scale's calibration event counter and seal, above the driver's."""
        if device_id not in self._calibration:
            return []
        counter, seal_open = self._calibration[device_id]
        return [
            (self.tr("Calibration counter"), "—" if counter is None else str(counter)),
            (self.tr("Calibration seal"), self.tr("open") if seal_open else self.tr("closed")),
        ]

    def _fill_counters(self, rows: list[tuple[str, str]]) -> None:
        self.counters.setRowCount(len(rows))
        for row, texts in enumerate(rows):
            for column, text in enumerate(texts):
                cell = self.counters.item(row, column)
                if cell is None:
                    cell = QtWidgets.QTableWidgetItem()
                    self.counters.setItem(row, column, cell)
                cell.setText(text)
                cell.setToolTip(text)  # a long last_error does not fit the narrow column

    def _show_frames(self, frames: Sequence[Any]) -> None:
        bar = self.frame_view.verticalScrollBar()
        following = bar.value() >= bar.maximum()
        self.frames.set_frames(frames)
        if following:  # keep the newest frame in sight, unless the reader scrolled up
            self.frame_view.scrollToBottom()
        self.copy_button.setEnabled(bool(self.frames.frames))

    def _paused_changed(self, paused: bool) -> None:
        self.pause_button.setText(self.tr("Resume frames") if paused else self.tr("Pause frames"))
        if not paused:
            self._show_selected()

    def copy_frames(self) -> None:
        """Put the shown frames on the clipboard, for a bug report or the vendor."""
        frames = self.frames.frames
        item = self._snapshot.get(self._frames_device)
        header = ""
        if item is not None:
            header = f"# {item.device_id}  {item.driver}  {item.port}\n"
        offset = self.frames.offset
        text = header + "".join(frame_line(frame, offset) + "\n" for frame in frames)
        QtGui.QGuiApplication.clipboard().setText(text)
        self.result.setText(self.tr("Copied {count} frames.").format(count=len(frames)))

    # ---- reconnect ------------------------------------------------------------------

    def _update_actions(self) -> None:
        allowed = self._ctx.session.can(Permission.CALIBRATE)
        self.reconnect_button.setEnabled(
            allowed and self._ctx.devices is not None and bool(self.selected_device())
        )
        self.reconnect_button.setToolTip(
            self.tr("Close and reopen the selected device's port")
            if allowed
            else self.tr("Reconnecting a device needs the technician role")
        )

    def reconnect_selected(self) -> None:
        devices, device_id = self._ctx.devices, self.selected_device()
        if devices is None or not device_id or not self._ctx.session.can(Permission.CALIBRATE):
            return
        self.result.setText(self.tr("Reconnecting {device}…").format(device=device_id))
        self._ctx.tasks.run(
            lambda: devices.reconnect(device_id),
            lambda _: self._reconnected(device_id),
            lambda error: self._reconnect_failed(device_id, error),
        )

    def _reconnected(self, device_id: str) -> None:
        self.result.setText(
            self.tr("{device}: reconnect started; its state shows when the port is back.").format(
                device=device_id
            )
        )

    def _reconnect_failed(self, device_id: str, error: BaseException) -> None:
        self.result.setText(
            self.tr("{device}: reconnect failed: {error}").format(device=device_id, error=error)
        )


def _fit_columns(view: QtWidgets.QTableView, stretch: int) -> None:
    """Columns as wide as their text (ports and hex must not be cut); `stretch` fills the rest."""
    header = view.horizontalHeader()
    header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QtWidgets.QHeaderView.ResizeMode.Stretch)
    view.setWordWrap(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)


def _read_only_rows(view: QtWidgets.QAbstractItemView) -> None:
    view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    if isinstance(view, QtWidgets.QTableView):
        view.verticalHeader().setVisible(False)
        view.setAlternatingRowColors(True)
