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
