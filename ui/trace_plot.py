"""The raw weight trace a weighing was computed from, with a replay.

A record keeps the samples the scale sent (DESIGN.md: a record is evidence). Replaying them
lets an operator or a supervisor show a driver how the load came onto the scale. The replay
is driven by a QTimer and the elapsed wall time, never by sleeping, so the dialog stays live
and a slow frame only skips samples instead of stretching the replay.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

FRAME_MS = 30
# A long static weighing can hold minutes of samples; the replay is sped up to fit this.
MAX_REPLAY_S = 8.0


class TracePlot(QtWidgets.QWidget):
    """A plot of samples (kg) against seconds with a Replay button and a cursor readout."""

    replay_finished = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._xs = np.zeros(0)
        self._ys = np.zeros(0)
        self._speed = 1.0
        self._summary = ""
        self._clock = QtCore.QElapsedTimer()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._frame)
        self._build()
        self.set_trace((), None)

    def _build(self) -> None:
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(160)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("left", self.tr("Weight (kg)"))
        self.plot.setMouseEnabled(x=True, y=False)
        self.curve = self.plot.plot(pen=pg.mkPen("#1f5fbf", width=2))
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d03030", width=1))
        self.cursor.hide()
        self.plot.addItem(self.cursor)
        self.replay_button = QtWidgets.QPushButton(self.tr("Replay"))
        self.replay_button.clicked.connect(self.replay)
        self.readout = QtWidgets.QLabel()
        self.readout.setObjectName("trace_readout")
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.replay_button)
        bar.addWidget(self.readout, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(bar)

    # ---- data ----------------------------------------------------------------------------

    def set_trace(self, samples: tuple[int, ...] | list[int], rate_hz: int | None) -> None:
        """Show the whole trace; without a rate the x axis counts samples instead of seconds."""
        self.stop()
        self._ys = np.asarray(samples, dtype=float)
        step = 1.0 / rate_hz if rate_hz else 1.0
        self._xs = np.arange(len(self._ys), dtype=float) * step
        unit = self.tr("Time (s)") if rate_hz else self.tr("Sample")
        self.plot.setLabel("bottom", unit)
        self.curve.setData(self._xs, self._ys)
        duration = float(self._xs[-1]) if len(self._xs) else 0.0
        self._speed = max(1.0, duration / MAX_REPLAY_S)
        self.replay_button.setEnabled(len(self._ys) > 1)
        if len(self._ys):
            peak = int(self._ys.max())
            self._summary = self.tr("{n} samples, peak {peak} kg").format(
                n=len(self._ys), peak=peak
            )
        else:
            self._summary = self.tr("No raw trace stored for this weighing")
        self.readout.setText(self._summary)

    @property
    def sample_count(self) -> int:
        return len(self._ys)

    @property
    def replaying(self) -> bool:
        return self._timer.isActive()

    # ---- replay --------------------------------------------------------------------------

    def replay(self) -> None:
        """Grow the curve from the first sample at real speed (faster for long traces)."""
        if len(self._ys) < 2:
            return
        self.curve.setData(self._xs[:1], self._ys[:1])
        # Keep the axes of the whole trace so the picture does not jump while it grows.
        self.plot.setXRange(float(self._xs[0]), float(self._xs[-1]), padding=0.02)
        self.plot.setYRange(min(0.0, float(self._ys.min())), float(self._ys.max()), padding=0.05)
        self.cursor.show()
        self._clock.start()
        self._timer.start()
        self.replay_button.setText(self.tr("Stop"))
        self.replay_button.clicked.disconnect()
        self.replay_button.clicked.connect(self.stop)

    def stop(self) -> None:
        """End a replay (if any) and show the whole trace again."""
        if not self._timer.isActive():
            return
        self._timer.stop()
        self.cursor.hide()
        self.curve.setData(self._xs, self._ys)
        self.plot.enableAutoRange()
        self.readout.setText(self._summary)
        self.replay_button.setText(self.tr("Replay"))
        self.replay_button.clicked.disconnect()
        self.replay_button.clicked.connect(self.replay)
        self.replay_finished.emit()

    def _frame(self) -> None:
        elapsed = self._clock.elapsed() / 1000.0 * self._speed
        end = int(np.searchsorted(self._xs, elapsed, side="right"))
        if end >= len(self._xs):
            self.stop()
            return
        end = max(end, 1)
        self.curve.setData(self._xs[:end], self._ys[:end])
        x, y = float(self._xs[end - 1]), int(self._ys[end - 1])
        self.cursor.setValue(x)
        self.readout.setText(self.tr("t = {t:.2f} s   {kg} kg").format(t=x, kg=y))
