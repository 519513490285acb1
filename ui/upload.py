"""The upload screen: what waits in the outbox for the province, and how the last pass went.

Every record stays in the outbox until the province accepts it (docs/province-api.md), so
the supervisor's question "is anything stuck?" is answered from the database: pending and
rejected records and the age of the oldest one (`station.storage.views.upload_status`).
The query runs on a worker every ten seconds; the GUI thread never waits on the database.
The upload itself comes with the province upload; until then "Upload now" is shown, disabled.
"""

from __future__ import annotations

from datetime import datetime

from PySide6 import QtCore, QtWidgets

from station.readmodel import UploadStatus
from station.storage.views import upload_status
from station.timeutil import beijing_now, format_time
from ui.context import AppContext

REFRESH_MS = 10_000
WARN_COLOUR = "#b3261e"


class UploadView(QtWidgets.QWidget):
    """Outbox counts, the last upload pass and whether the province upload is configured."""

    FIELDS = ("configured", "pending", "oldest", "rejected", "last_pass", "last_result")

    def __init__(self, ctx: AppContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._busy = False
        self.status: UploadStatus | None = None
        self._build()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._show_configuration()

    # ---- building -------------------------------------------------------------------

    def _build(self) -> None:
        titles = {
            "configured": self.tr("Province upload"),
            "pending": self.tr("Records waiting"),
            "oldest": self.tr("Oldest waiting since"),
            "rejected": self.tr("Rejected records"),
            "last_pass": self.tr("Last upload"),
            "last_result": self.tr("Result of the last upload"),
        }
        form = QtWidgets.QFormLayout()
        self.values: dict[str, QtWidgets.QLabel] = {}
        for key in self.FIELDS:
            value = QtWidgets.QLabel("…", self)
            value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.values[key] = value
            form.addRow(titles[key], value)

        self.refresh_button = QtWidgets.QPushButton(self.tr("Refresh"), self)
        self.refresh_button.clicked.connect(self.refresh)
        self.upload_button = QtWidgets.QPushButton(self.tr("Upload now"), self)
        # Present so the screen does not change shape later; the upload issue wires it.
        self.upload_button.setEnabled(False)
        self.upload_button.setToolTip(self.tr("Available when the province upload is installed"))
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.upload_button)
        buttons.addStretch(1)

        self.updated = QtWidgets.QLabel(self)
        self.note = QtWidgets.QLabel(self)
        self.note.setWordWrap(True)
        self.note.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.note.setMargin(8)
        self.note.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.updated)
        layout.addWidget(self.note)
        layout.addStretch(1)

    @property
    def configured(self) -> bool:
        """An empty `[province] url` means the upload is switched off."""
        return bool(self._ctx.config.province.url)

    def _show_configuration(self) -> None:
        province = self._ctx.config.province
        if self.configured:
            text = self.tr("Configured: {url}, daily at {time}").format(
                url=province.url, time=province.upload_time
            )
        else:
            text = self.tr("Not configured ([province] url is empty in the settings)")
        self.values["configured"].setText(text)

    # ---- polling --------------------------------------------------------------------

    def showEvent(self, event: QtCore.QEvent) -> None:
        super().showEvent(event)
        # Query only while the screen is shown; on showing, at once rather than in 10 s.
        self._timer.start()
        self.refresh()

    def hideEvent(self, event: QtCore.QEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    @property
    def refreshing(self) -> bool:
        return self._busy

    def refresh(self) -> None:
        """Read the outbox on a worker; skipped while the previous read is still running."""
        if self._busy:
            return
        self._busy = True
        database, configured = self._ctx.database, self.configured
        self._ctx.tasks.run(
            lambda: upload_status(database, configured=configured), self._arrived, self._failed
        )

    def _arrived(self, status: UploadStatus) -> None:
        self._busy = False
        self.status = status
        now = beijing_now()  # the records' clock, so "updated" and "waiting since" agree
        self._show_status(status, now)
        self.updated.setText(self.tr("Updated {time}").format(time=now.strftime("%H:%M:%S")))

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.note.setStyleSheet(f"color: {WARN_COLOUR};")
        self.note.setText(self.tr("Cannot read the upload status: {error}").format(error=error))

    # ---- showing --------------------------------------------------------------------

    def _show_status(self, status: UploadStatus, now: datetime) -> None:
        self.values["pending"].setText(str(status.pending_records))
        self.values["oldest"].setText(self._oldest_text(status.oldest_pending, now))
        rejected = self.values["rejected"]
        rejected.setText(str(status.rejected_records))
        rejected.setStyleSheet(f"color: {WARN_COLOUR};" if status.rejected_records else "")
        last = status.last_pass_at
        self.values["last_pass"].setText(format_time(last) if last else self.tr("never"))
        self.values["last_result"].setText(status.last_pass_result or "—")
        self.note.setStyleSheet("")
        self.note.setText(self._note_text(status))

    def _oldest_text(self, oldest: datetime | None, now: datetime) -> str:
        if oldest is None:
            return self.tr("nothing is waiting")
        return self.tr("{time} ({age} ago)").format(
            time=format_time(oldest), age=self.age_text((now - oldest).total_seconds())
        )

    def age_text(self, seconds: float) -> str:
        minutes = max(0, int(seconds // 60))
        hours, minutes = divmod(minutes, 60)
        days, hours = divmod(hours, 24)
        if days:
            return self.tr("{days} d {hours} h").format(days=days, hours=hours)
        if hours:
            return self.tr("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
        if minutes:
            return self.tr("{minutes} min").format(minutes=minutes)
        return self.tr("less than a minute")

    def _note_text(self, status: UploadStatus) -> str:
        notes = [
            self.tr(
                "Every record stays in the outbox until the province accepts it; the station "
                "keeps weighing without the network."
            )
        ]
        if not status.configured:
            notes.append(
                self.tr(
                    "The province upload is not configured, so records wait here. An "
                    "administrator sets [province] url in the settings."
                )
            )
        if status.rejected_records:
            notes.append(
                self.tr(
                    "Rejected by the province: {count}. A rejected record is not sent again "
                    "unchanged: the supervisor has to look at it."
                ).format(count=status.rejected_records)
            )
        return "\n\n".join(notes)
