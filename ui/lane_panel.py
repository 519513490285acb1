"""One lane on the operator's screen: live weight, axle loads, vehicle, plate, verdict, devices.

The panel only shows; what the operator does (confirm, correct the plate, print, ...) is
in ui.main_window, which acts on the selected lane. Live weights come from the bridge's
ring buffer and are redrawn by a timer; the completed weighing is read back from the
database (off the GUI thread) so the screen shows exactly what was recorded.
"""

from __future__ import annotations

import html
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from station.config import LaneConfig
from station.domain.axle_groups import GroupLoad, group_loads
from station.domain.rates import over_rate
from station.domain.readings import DeviceState, WimVehicle
from station.lanes.notices import WeighingCompleted
from station.readmodel import WeighingDetail
from station.tables import default_axle_group_table
from ui.bridge import TraceWindow, WeightRing
from ui.pictogram import VehiclePictogram, VehicleShape
from ui.record_detail import RecordTexts

REDRAW_MS = 50
Y_STEP_KG = 10_000
WINDOW_S = 40.0
DEVICE_GROUPS = {
    "scale": ("axle_scale", "scale", "wim"),
    "camera": ("camera",),
    "io": ("io",),
    "sign": ("sign",),
}
LIGHT_COLOURS = {"ok": "#2e7d32", "stale": "#f9a825", "fault": "#c62828", "none": "#b0bec5"}
STATE_COLOURS = {
    "waiting": "#eceff1",
    "weighing": "#fff59d",
    "stable": "#ffe082",
    "done": "#c8e6c9",
}
BADGE_STYLE = "font-size: 12pt; padding: 2px 8px; border-radius: 4px;"
VERDICT_STYLE = "font-weight: bold; color: white; border-radius: 6px; padding: 4px;"
STATE_OF = {
    DeviceState.OK: "ok",
    DeviceState.STALE: "stale",
    DeviceState.CONNECTING: "stale",
    DeviceState.OFFLINE: "fault",
}


class StatusLight(QtWidgets.QLabel):
    def __init__(self, name: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.level = "none"
        self.set_level("none", "")

    def set_level(self, level: str, detail: str) -> None:
        self.level = level
        colour = LIGHT_COLOURS[level]
        self.setText(f"<span style='color:{colour}; font-size:16pt'>●</span> {self.name}")
        self.setToolTip(detail)


class LivePlot(pg.PlotWidget):
    """The last WINDOW_S seconds of weight, with the axles of the last vehicle marked."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        # No grid: pyqtgraph draws it with the axes, which then repaint on every frame.
        self.showGrid(x=False, y=False)
        self.setXRange(-WINDOW_S, 0, padding=0)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        # A 1 px pen and a Y range that moves in steps keep four lanes at 100 Hz under a
        # quarter of a core (bench/gui_bench.py: 2 px and a range set every redraw: 36 %).
        self.curve = self.plot(pen=pg.mkPen("#1565c0", width=1))
        self.y_bottom, self.y_top = 0, Y_STEP_KG
        self.setYRange(0, self.y_top, padding=0.04)
        self.markers = pg.ScatterPlotItem(size=9, brush=pg.mkBrush("#ef6c00"))
        self.addItem(self.markers)
        self._axles: list[tuple[float, int]] = []  # station-clock time, kg
        self.drawn_version = -1
        self.drawn_t = float("-inf")  # station-clock stamp of the newest sample drawn
        # Seconds from each sample's own stamp (t_mono, the station clock, time.monotonic in
        # the desktop) to the redraw whose setData first included it; the last 2000.
        self.latencies: list[float] = []

    def mark_axles(self, vehicle: WimVehicle, window: TraceWindow) -> None:
        """Mark the vehicle's axles on the bumps of the live trace it was computed from."""
        self._axles = _axle_marks(vehicle, window)

    def _fit_y(self, low: float, peak: float) -> None:
        """Change the range only in whole steps, when the shown data needs another step."""
        top = Y_STEP_KG * (int(peak * 1.05 // Y_STEP_KG) + 1)
        bottom = 0 if low > -Y_STEP_KG / 20 else -Y_STEP_KG * (int(-low // Y_STEP_KG) + 1)
        if (bottom, top) != (self.y_bottom, self.y_top):
            self.y_bottom, self.y_top = bottom, top
            self.setYRange(bottom, top, padding=0.04)  # room for the top tick label

    def redraw(self, ring: WeightRing, now: float | None = None) -> None:
        """Draw the ring if it changed; the time axis ends at `now` (default: the newest
        sample)."""
        if ring.version == self.drawn_version:
            return
        self.drawn_version = ring.version
        window = ring.window()
        if not len(window.t):
            return
        now = float(window.t[-1]) if now is None else now
        t = window.t - now
        keep = t >= -WINDOW_S
        shown = window.kg[keep]
        self.curve.setData(t[keep], shown)
        if len(shown):
            self._fit_y(float(shown.min()), float(shown.max()))
        self.markers.setData([at - now for at, _ in self._axles], [kg for _, kg in self._axles])
        fresh = window.t[window.t > self.drawn_t]
        self.latencies += (time.monotonic() - fresh).tolist()
        self.drawn_t = float(window.t[-1])
        del self.latencies[:-2000]


def _axle_marks(vehicle: WimVehicle, window: TraceWindow) -> list[tuple[float, int]]:
    """(time, kg) of each axle: the peaks of the last bumps before the vehicle's report."""
    before = window.t <= vehicle.t_mono + 0.5
    t, kg = window.t[before], window.kg[before]
    if not len(kg) or not vehicle.axles:
        return []
    threshold = max(float(kg.max()) * 0.2, 200.0)
    steps = np.diff(np.r_[False, kg > threshold, False].astype(int))
    starts, ends = np.flatnonzero(steps == 1), np.flatnonzero(steps == -1)
    pairs = list(zip(starts, ends, strict=True))[-len(vehicle.axles) :]
    offset = len(vehicle.axles) - len(pairs)
    marks = []
    for i, (start, end) in enumerate(pairs):
        peak = start + int(np.argmax(kg[start:end]))
        marks.append((float(t[peak]), vehicle.axles[offset + i].weight_kg))
    return marks


class AxleBars(pg.PlotWidget):
    """Axle loads as bars, coloured by their group against the axle-group limit.

    The bar item and the limit lines are made once and updated per vehicle: removing and
    adding pyqtgraph items for every vehicle leaves a little behind each time.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.getAxis("bottom").setLabel("")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6)
        self.addItem(self.bars)
        self.limit_lines: list[pg.PlotDataItem] = []
        self.setXRange(0.5, 6.5, padding=0)
        self.setYRange(0, 12000, padding=0)

    def show_groups(self, weights: list[int | None], groups: list[GroupLoad]) -> None:
        heights = [w or 0 for w in weights]
        colours = ["#90a4ae"] * len(heights)
        for group in groups:
            for i in range(group.first_axle, group.first_axle + group.axle_count):
                colours[i] = "#d32f2f" if group.over else "#1976d2"
        xs = list(range(1, len(heights) + 1))
        self.bars.setOpts(x=xs, height=heights, width=0.6, brushes=colours)
        limited = [group for group in groups if group.limit_kg is not None]
        while len(self.limit_lines) < len(limited):
            pen = pg.mkPen("#c62828", width=2, style=QtCore.Qt.PenStyle.DashLine)
            self.limit_lines.append(self.plot([], [], pen=pen))
        for line, group in zip(self.limit_lines, limited, strict=False):
            per_axle = (group.limit_kg or 0) / group.axle_count
            left = group.first_axle + 1 - 0.4
            right = group.first_axle + group.axle_count + 0.4
            line.setData([left, right], [per_axle, per_axle])
        for line in self.limit_lines[len(limited) :]:
            line.setData([], [])
        self.setXRange(0.5, max(len(xs), 6) + 0.5, padding=0)
        top = max([*heights, *(g.limit_kg / g.axle_count for g in limited), 10000])
        self.setYRange(0, top * 1.1, padding=0)
        self.getAxis("bottom").setTicks([[(x, str(x)) for x in xs]])


class LanePanel(QtWidgets.QFrame):
    """Everything the operator sees of one lane."""

    activated = QtCore.Signal(int)

    def __init__(self, lane: LaneConfig, ring: WeightRing, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.lane = lane
        self.ring = ring
        self.state = "waiting"
        self.last: WeighingCompleted | None = None
        self.detail: WeighingDetail | None = None
        self.waiting_for_plate = False
        self.verdict_lines = ("", "")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setObjectName(f"lane{lane.number}")
        self._build()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()
        self.set_active(False)

    # ---- layout ---------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QtWidgets.QLabel()
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold")
        self.state_label = QtWidgets.QLabel()
        self.state_label.setStyleSheet("font-size: 12pt; padding: 2px 8px; border-radius: 4px")
        self.lights = {key: StatusLight(key) for key in DEVICE_GROUPS}
        self.plot = LivePlot()
        self.plot.setMinimumHeight(150)
        self.bars = AxleBars()
        self.bars.setMinimumHeight(110)
        self.pictogram = VehiclePictogram()
        self.plate_edit = QtWidgets.QLineEdit()
        self.plate_edit.setPlaceholderText("—")
        self.plate_edit.setStyleSheet("font-size: 18pt; font-weight: bold")
        self.plate_edit.setMaxLength(12)
        self.verdict = QtWidgets.QLabel()
        self.verdict.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.verdict.setMinimumHeight(64)
        self.verdict.setWordWrap(True)
        self.texts = RecordTexts(self)
        self.check_label = QtWidgets.QLabel()
        self.check_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.flags_label = QtWidgets.QLabel()
        self.flags_label.setWordWrap(True)
        self._arrange()
        self.retranslate()

    def _arrange(self) -> None:
        header = QtWidgets.QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        kinds = {device.kind for device in self.lane.devices}
        for key, light in self.lights.items():
            header.addWidget(light)
            # A lane without an I/O module or a sign shows no light for it.
            light.setVisible(bool(kinds & set(DEVICE_GROUPS[key])))
        header.addWidget(self.state_label)
        plate_row = QtWidgets.QHBoxLayout()
        self.plate_caption = QtWidgets.QLabel()
        plate_row.addWidget(self.plate_caption)
        plate_row.addWidget(self.plate_edit, 1)
        plate_row.addWidget(self.check_label)
        lower = QtWidgets.QHBoxLayout()
        lower.addWidget(self.bars, 3)
        lower.addWidget(self.pictogram, 4)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.plot, 3)
        layout.addLayout(lower, 2)
        layout.addLayout(plate_row)
        layout.addWidget(self.verdict)
        layout.addWidget(self.flags_label)

    def retranslate(self) -> None:
        self.title.setText(
            self.tr("Lane {n}: {name}").format(n=self.lane.number, name=self.lane.name)
        )
        names = {
            "scale": self.tr("Scale"),
            "camera": self.tr("Camera"),
            "io": self.tr("I/O"),
            "sign": self.tr("Sign"),
        }
        for key, light in self.lights.items():
            light.name = names[key]
            light.set_level(light.level, light.toolTip())
        self.plate_caption.setText(self.tr("Plate"))
        self.plot.setLabel("left", self.tr("Weight (kg)"))
        self.plot.setLabel("bottom", self.tr("Seconds"))
        self.bars.setLabel("left", self.tr("Axle load (kg)"))
        self.set_state(self.state)
        self._show_verdict()

    # ---- what the lane says ---------------------------------------------------------

    def state_text(self, state: str) -> str:
        return {
            "waiting": self.tr("Waiting"),
            "weighing": self.tr("Weighing"),
            "stable": self.tr("Stable"),
            "done": self.tr("Done"),
        }.get(state, state)

    def set_state(self, state: str) -> None:
        self.state = state
        background = STATE_COLOURS.get(state, "#eceff1")
        self.state_label.setText(self.state_text(state))
        self.state_label.setStyleSheet(f"{BADGE_STYLE} background: {background}")
        if state == "weighing":
            self.waiting_for_plate = False

    def set_device(self, device_id: str, state: DeviceState, detail: str) -> None:
        kinds = {d.id: d.kind for d in self.lane.devices}
        for key, members in DEVICE_GROUPS.items():
            if kinds.get(device_id) in members:
                text = f"{device_id}: {state.value} {detail}".strip()
                self.lights[key].set_level(STATE_OF.get(state, "fault"), text)

    def ask_plate(self) -> None:
        self.waiting_for_plate = True
        self.plate_edit.clear()
        self.plate_edit.setStyleSheet("font-size: 18pt; font-weight: bold; background: #fff9c4")
        self.verdict.setText(self.tr("Type the plate and press Enter"))
        self.verdict.setStyleSheet("font-size: 20pt; color: #e65100")

    def show_completed(self, notice: WeighingCompleted) -> None:
        self.last, self.detail = notice, None
        self.waiting_for_plate = False
        self.plate_edit.setStyleSheet("font-size: 18pt; font-weight: bold")
        self.plate_edit.setText(notice.plate)
        self.check_label.setText(notice.check_no)
        self.flags_label.setText(self.texts.flags(notice.flags))
        self._show_verdict()

    def show_detail(self, detail: WeighingDetail) -> None:
        """The recorded weighing, read back: axle bars and the vehicle pictogram."""
        if self.last is None or detail.check_no != self.last.check_no:
            return
        self.detail = detail
        table = default_axle_group_table()
        axles = [(a.weight_kg, a.group) for a in detail.axles]
        groups = group_loads(axles, table)
        self.bars.show_groups([a.weight_kg for a in detail.axles], groups)
        spacings = tuple(a.spacing_mm for a in detail.axles[:-1])
        self.pictogram.show_vehicle(
            VehicleShape(spacings, tuple(groups), detail.is_over, detail.axle_type)
        )

    def _show_verdict(self) -> None:
        notice = self.last
        if notice is None:
            self.verdict.setText("")
            self.verdict_lines = ("", "")
            return
        line, gross, colour = self.verdict_text(notice)
        self.verdict_lines = (line, gross)
        # A hold carries a sentence; a verdict stays one large line, the gross below it.
        size = 17 if notice.step == "hold" else 26
        self.verdict.setText(
            f"<div style='font-size:{size}pt'>{html.escape(line)}</div>"
            f"<div style='font-size:14pt'>{html.escape(gross)}</div>"
        )
        self.verdict.setStyleSheet(f"{VERDICT_STYLE} background: {colour}")

    def verdict_text(self, notice: WeighingCompleted) -> tuple[str, str, str]:
        """(verdict line, gross line, colour); the rate is the record's, rounded half up."""
        gross = self.tr("Gross {kg} kg").format(kg=f"{notice.sum_kg:,}")
        if notice.step == "hold":
            reason = self.tr("HOLD for review: {reason}").format(reason=notice.reason)
            return reason, gross, "#ef6c00"
        if notice.is_over:
            over = self.tr("OVERLOADED {kg} kg ({rate}%)").format(
                kg=f"{notice.over_kg:,}", rate=over_rate(notice.over_kg, notice.limit_kg)
            )
            return over, gross, "#c62828"
        return self.tr("WITHIN LIMIT"), gross, "#2e7d32"

    # ---- selection, redraw ------------------------------------------------------------

    def set_active(self, active: bool) -> None:
        self.active = active
        border = "#1565c0" if active else "#cfd8dc"
        self.setStyleSheet(f"LanePanel {{ border: 3px solid {border}; border-radius: 6px }}")

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        self.activated.emit(self.lane.number)
        super().mousePressEvent(event)

    def mark_vehicle(self, vehicle: WimVehicle) -> None:
        self.plot.mark_axles(vehicle, self.ring.window())

    def _redraw(self) -> None:
        self.plot.redraw(self.ring)
