"""Guard against the PySide6 6.12.0 + CPython 3.11 refcount crash (reference/toolchain.md §1a).

PySide6 6.12.0 drops a reference to None on every void-returning call such as
QPainter.setPen, so a pyqtgraph plot that repaints for about a second aborts the
interpreter. The pinned 6.11.3 is sound; this test repaints long enough to abort
on a broken build and checks the refcount of None directly.
"""

from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui


def test_live_plot_survives_many_repaints(qtbot) -> None:
    widget = pg.PlotWidget(title="轴重 Axle load (kg)")
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    curve = widget.plot()
    rng = np.random.default_rng(1)
    for _ in range(300):
        curve.setData(rng.normal(size=200))
        widget.repaint()
    assert widget.grab().toImage().width() == 400


def test_void_qt_calls_keep_none_refcount(qtbot) -> None:
    image = QtGui.QImage(16, 16, QtGui.QImage.Format.Format_RGB32)
    painter = QtGui.QPainter(image)
    pen = QtGui.QPen()
    before = sys.getrefcount(None)
    for _ in range(1000):
        painter.setPen(pen)
    after = sys.getrefcount(None)
    painter.end()
    # A sound binding leaves the count unchanged (+-a few for unrelated activity).
    assert abs(after - before) < 50


def test_the_lane_panel_repaints_its_plots_for_a_long_shift(qtbot) -> None:
    """The desk's own widgets (live trace, axle bars, pictogram), repainted as in hours of
    traffic: the pinned PySide6 and pyqtgraph must neither abort nor leak None refs."""
    from station.config import DeviceConfig, LaneConfig
    from station.domain.axle_groups import GroupLoad
    from ui.bridge import WeightRing
    from ui.lane_panel import LanePanel
    from ui.pictogram import VehicleShape

    lane = LaneConfig(
        1, 0, "AXLE", "1号车道", (DeviceConfig("s", "axle_scale", "x", "", True, {}),)
    )
    ring = WeightRing(6000)
    panel = LanePanel(lane, ring)
    qtbot.addWidget(panel)
    panel.resize(700, 600)
    panel.show()
    rng = np.random.default_rng(2)
    groups = [GroupLoad(1, 0, 1, 6500, 7000), GroupLoad(5, 1, 2, 19000, 18000)]
    t = 0.0
    panel.bars.show_groups([6500, 9000, 10000], groups)  # first use makes the items
    before = sys.getrefcount(None)
    for frame in range(300):
        for _ in range(5):
            t += 0.01
            ring.append(t, int(rng.integers(0, 30000)), t)
        panel.plot.redraw(ring, t)
        if frame % 30 == 0:
            panel.bars.show_groups([6500, 9000, 10000], groups)
            panel.pictogram.show_vehicle(VehicleShape((3200, 1350), tuple(groups), True))
        panel.repaint()
    # Fewer: the binding steals references (the 6.12.0 crash); more: items pile up.
    assert abs(sys.getrefcount(None) - before) < 50
    assert panel.grab().toImage().width() == 700
