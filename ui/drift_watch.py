"""Drift raised by itself: the desktop runs the drift analysis of every lane scale a few
times a day on a worker and says in the status bar which scales warn (see the Drift tab).

Started by the running application only (ui/app.py), like the upload schedule, so tests
that build a desktop do not analyse in the background unless they ask.
"""

from __future__ import annotations

from PySide6 import QtCore

from station.services.drift_report import scales_drifting
from station.timeutil import beijing_today
from ui.context import AppContext

EVERY_MS = 6 * 3600 * 1000
FIRST_MS = 60_000  # after start-up, when the lanes have settled


class DriftWatch(QtCore.QObject):
    """Emits `changed` with the scale ids that warn (empty when none does)."""

    changed = QtCore.Signal(list)

    def __init__(self, ctx: AppContext, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._busy = False
        self.drifting: list[str] = []
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(EVERY_MS)
        self._timer.timeout.connect(self.check)

    def start(self, first_ms: int = FIRST_MS) -> None:
        self._timer.start()
        QtCore.QTimer.singleShot(first_ms, self, self.check)

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> None:
        if self._busy:
            return
        self._busy = True
        database, config, today = self._ctx.database, self._ctx.config, beijing_today()
        self._ctx.tasks.run(
            lambda: [scale for scale, _ in scales_drifting(database, config, today)],
            self._arrived,
            self._failed,
        )

    def _arrived(self, scales: list[str]) -> None:
        self._busy = False
        self.drifting = scales
        self.changed.emit(scales)

    def _failed(self, _error: BaseException) -> None:
        self._busy = False  # the Drift tab shows the error when the technician looks
