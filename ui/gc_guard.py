"""Python's cyclic garbage collection runs on the GUI thread only.

The collector runs in whatever thread happens to allocate when a threshold is passed:
the station's core thread, a port worker, a task. If it then frees a Qt object caught in
a reference cycle (a closed dialog, an old action), the C++ destructor runs off the GUI
thread, where it can deadlock against the GUI thread or crash (seen in bench/gui_bench.py:
a feeder thread's collection destroying a closed window's actions). So automatic
collection is switched off and a GUI timer applies the same thresholds.
"""

from __future__ import annotations

import gc

from PySide6 import QtCore

INTERVAL_MS = 500


class GuiThreadCollector(QtCore.QObject):
    def __init__(self, parent: QtCore.QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self.collections = 0
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int | None:
        """Collect the generation the automatic collector would have; None if none is due."""
        counts, limits = gc.get_count(), gc.get_threshold()
        if counts[0] <= limits[0]:
            return None
        generation = 0
        if counts[1] > limits[1]:
            generation = 2 if counts[2] > limits[2] else 1
        gc.collect(generation)
        self.collections += 1
        return generation

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
