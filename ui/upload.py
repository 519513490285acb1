"""The upload screen: what waits for the province, the passes, "upload now", rejected records.

Every record stays in the outbox until the province accepts it (docs/province-api.md), so
the supervisor's question "is anything stuck?" is answered from the database: pending and
rejected records, the age of the oldest one, the recent passes and what the platform
rejected (`station.storage.views.upload_status`). The query runs on a worker every ten
seconds while the screen is shown; the GUI thread never waits on the database.

"Upload now" hands a MANUAL pass to the application's `UploadRunner`, which runs it on its
own thread; the screen shows its stage and progress and, when it ends, its outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from station.readmodel import PassView, RejectedView, UploadStatus
from station.security import Permission
from station.storage.views import upload_status
from station.timeutil import beijing_now, format_time
from station.upload.passes import SKEW_WARNING_S, PassOutcome
from ui.context import AppContext
from ui.table_model import RowModel
from ui.upload_runner import UploadRunner

REFRESH_MS = 10_000
WARN_COLOUR = "#b3261e"
AMBER_COLOUR = "#a15c00"
RIGHT = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter


class UploadTexts(QtCore.QObject):
    """The upload's codes as words; shared by the screen and the status bar."""

    def status(self, code: str | None) -> str:
        texts = {
            "COMPLETE": self.tr("complete"),
            "INCOMPLETE": self.tr("incomplete"),
            "FAILED": self.tr("failed"),
            "CANCELLED": self.tr("cancelled"),
            "RUNNING": self.tr("running"),
            "INTERRUPTED": self.tr("interrupted"),
        }
        return texts.get(code or "", code or "—")

    def trigger(self, code: str) -> str:
        texts = {
            "MANUAL": self.tr("upload now"),
            "SCHEDULE": self.tr("nightly"),
            "CLI": self.tr("command line"),
        }
        return texts.get(code, code)

    def stage(self, code: str) -> str:
        texts = {
            "records": self.tr("Sending records"),
            "pictures": self.tr("Sending pictures"),
            "manifest": self.tr("Declaring the daily manifest"),
            "watchlist": self.tr("Fetching the watchlist"),
            "heartbeat": self.tr("Sending the heartbeat"),
        }
        return texts.get(code, code)

    def record_type(self, code: str) -> str:
        texts = {"CHECK": self.tr("weighing"), "CLOSE": self.tr("case closed"),
                 "VOID": self.tr("void")}  # fmt: skip
        return texts.get(code, code)

    def skew(self, skew_s: int) -> str:
        """skew_s is the station's clock minus the platform's."""
        if skew_s > 0:
            text = self.tr(
                "The station clock is {n} s ahead of the provincial platform; set the clock."
            )
        else:
            text = self.tr(
                "The station clock is {n} s behind the provincial platform; set the clock."
            )
        return text.format(n=abs(skew_s))


def skew_off(skew_s: int | None) -> bool:
    return skew_s is not None and abs(skew_s) >= SKEW_WARNING_S


# ---- the tables -----------------------------------------------------------------------------


class PassColumn(IntEnum):
    STARTED = 0
    TRIGGER = 1
    ACTOR = 2
    RESULT = 3
    SENT = 4
    ACCEPTED = 5
    DUPLICATE = 6
    REJECTED = 7
    PICTURES = 8
    MANIFEST = 9
    PENDING = 10
    ERROR = 11


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)


class PassesModel(RowModel):
    def __init__(self, texts: UploadTexts, parent: QtCore.QObject | None = None) -> None:
        super().__init__(PassColumn, parent)
        self.texts = texts
        self._titles = (
            self.tr("Started"),
            self.tr("Trigger"),
            self.tr("By"),
            self.tr("Result"),
            self.tr("Records sent"),
            self.tr("Accepted"),
            self.tr("Duplicate"),
            self.tr("Rejected"),
            self.tr("Pictures"),
            self.tr("Manifest"),
            self.tr("Left pending"),
            self.tr("Error"),
        )
        self._roles: dict[int, Callable[[PassView, PassColumn], Any]] = {
            QtCore.Qt.ItemDataRole.DisplayRole: self._display,
            QtCore.Qt.ItemDataRole.ToolTipRole: self._tooltip,
            QtCore.Qt.ItemDataRole.ForegroundRole: self._foreground,
            QtCore.Qt.ItemDataRole.TextAlignmentRole: self._alignment,
        }

    def row(self, number: int) -> PassView:
        return self._rows[number]

    def _display(self, view: PassView, column: PassColumn) -> str:
        values = {
            PassColumn.STARTED: lambda: format_time(view.started_at),
            PassColumn.TRIGGER: lambda: self.texts.trigger(view.trigger),
            PassColumn.ACTOR: lambda: view.actor,
            PassColumn.RESULT: lambda: self.texts.status(view.status),
            PassColumn.SENT: lambda: str(view.records_sent),
            PassColumn.ACCEPTED: lambda: str(view.accepted),
            PassColumn.DUPLICATE: lambda: str(view.duplicate),
            PassColumn.REJECTED: lambda: str(view.rejected),
            PassColumn.PICTURES: lambda: str(view.pictures_sent),
            PassColumn.MANIFEST: lambda: self.texts.status(view.manifest_status),
            PassColumn.PENDING: lambda: _count(view.pending_after),
            PassColumn.ERROR: lambda: view.error,
        }
        return values[column]()

    def _tooltip(self, view: PassView, column: PassColumn) -> str | None:
        return view.error or None if column == PassColumn.ERROR else None

    def _foreground(self, view: PassView, column: PassColumn) -> QtGui.QColor | None:
        if column == PassColumn.RESULT and view.status == "FAILED":
            return QtGui.QColor(WARN_COLOUR)
        if column == PassColumn.RESULT and view.status in ("INCOMPLETE", "INTERRUPTED"):
            return QtGui.QColor(AMBER_COLOUR)
        if column == PassColumn.REJECTED and view.rejected:
            return QtGui.QColor(WARN_COLOUR)
        return None

    @staticmethod
    def _alignment(_view: PassView, column: PassColumn) -> Any:
        numeric = PassColumn.SENT <= column <= PassColumn.PICTURES or column == PassColumn.PENDING
        return RIGHT if numeric else None


class RejectedColumn(IntEnum):
    SEQ = 0
    TYPE = 1
    CHECK_NO = 2
    CODE = 3
    MESSAGE = 4
    AT = 5


class RejectedModel(RowModel):
    def __init__(self, texts: UploadTexts, parent: QtCore.QObject | None = None) -> None:
        super().__init__(RejectedColumn, parent)
        self.texts = texts
        self._titles = (
            self.tr("Seq"),
            self.tr("Type"),
            self.tr("Check no."),
            self.tr("Code"),
            self.tr("Message"),
            self.tr("When"),
        )
        self._roles: dict[int, Callable[[RejectedView, RejectedColumn], Any]] = {
            QtCore.Qt.ItemDataRole.DisplayRole: self._display,
            QtCore.Qt.ItemDataRole.ToolTipRole: self._tooltip,
            QtCore.Qt.ItemDataRole.TextAlignmentRole: self._alignment,
        }

    def row(self, number: int) -> RejectedView:
        return self._rows[number]

    def _display(self, view: RejectedView, column: RejectedColumn) -> str:
        values = {
            RejectedColumn.SEQ: lambda: str(view.seq),
            RejectedColumn.TYPE: lambda: self.texts.record_type(view.record_type),
            RejectedColumn.CHECK_NO: lambda: view.check_no,
            RejectedColumn.CODE: lambda: view.code,
            RejectedColumn.MESSAGE: lambda: view.message,
            RejectedColumn.AT: lambda: format_time(view.at) if view.at else "—",
        }
        return values[column]()

    @staticmethod
    def _tooltip(view: RejectedView, column: RejectedColumn) -> str | None:
        return view.message or None if column == RejectedColumn.MESSAGE else None

    @staticmethod
    def _alignment(_view: RejectedView, column: RejectedColumn) -> Any:
        return RIGHT if column == RejectedColumn.SEQ else None


def _table(model: RowModel, name: str, stretch: int) -> QtWidgets.QTableView:
    table = QtWidgets.QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QtWidgets.QHeaderView.ResizeMode.Stretch)
    return table


# ---- the screen -----------------------------------------------------------------------------


class UploadView(QtWidgets.QWidget):
    """Outbox counts, the passes, rejected records, "upload now" and its progress."""

    FIELDS = ("configured", "pending", "oldest", "rejected", "last_pass", "last_result")

    def __init__(
        self,
        ctx: AppContext,
        parent: QtWidgets.QWidget | None = None,
        *,
        runner: UploadRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._busy = False
        self._again = False
        self._stage = ""
        self.status: UploadStatus | None = None
        self.outcome: PassOutcome | None = None
        # The application's runner (one per app); a screen built on its own gets its own.
        self.runner = runner if runner is not None else UploadRunner(ctx, self)
        self.texts = UploadTexts(self)
        self._build()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.runner.started.connect(self._pass_started)
        self.runner.progress.connect(self._pass_progress)
        self.runner.finished.connect(self._pass_finished)
        self.runner.running_changed.connect(self._update_button)
        ctx.session.changed.connect(self._update_button)
        self._show_configuration()
        self._update_button()
        if self.runner.running:
            self._pass_started(self.runner.trigger)

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
        self.skew_warning = QtWidgets.QLabel(self)
        self.skew_warning.setObjectName("skew_warning")
        self.skew_warning.setWordWrap(True)
        self.skew_warning.setMargin(8)
        self.skew_warning.setStyleSheet(
            f"color: white; background: {WARN_COLOUR}; font-weight: bold; font-size: 12pt;"
        )
        self.skew_warning.hide()

        form = QtWidgets.QFormLayout()
        self.values: dict[str, QtWidgets.QLabel] = {}
        for key in self.FIELDS:
            value = QtWidgets.QLabel("…", self)
            value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.values[key] = value
            form.addRow(titles[key], value)

        self.outcome_label = QtWidgets.QLabel(self)
        self.outcome_label.setObjectName("outcome")
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.outcome_label.hide()

        self.note = QtWidgets.QLabel(self)
        self.note.setWordWrap(True)
        self.note.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.note.setMargin(8)
        self.note.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.skew_warning)
        layout.addLayout(form)
        layout.addLayout(self._buttons())
        layout.addWidget(self.outcome_label)
        self._tables(layout)
        layout.addWidget(self.note)

    def _buttons(self) -> QtWidgets.QHBoxLayout:
        self.refresh_button = QtWidgets.QPushButton(self.tr("Refresh"), self)
        self.refresh_button.clicked.connect(self.refresh)
        self.upload_button = QtWidgets.QPushButton(self.tr("Upload now"), self)
        self.upload_button.clicked.connect(self.upload_now)
        self.stage_label = QtWidgets.QLabel(self)
        self.progress_bar = QtWidgets.QProgressBar(self)
        self.progress_bar.setFormat("%v / %m")
        self.progress_bar.setMinimumWidth(240)
        self.stage_label.hide()
        self.progress_bar.hide()
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.upload_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.stage_label)
        buttons.addWidget(self.progress_bar)
        buttons.addStretch(1)
        self.updated = QtWidgets.QLabel(self)
        self.updated.setStyleSheet("color: #546e7a")
        buttons.addWidget(self.updated)
        return buttons

    def _tables(self, layout: QtWidgets.QVBoxLayout) -> None:
        self.passes = PassesModel(self.texts, self)
        self.passes_table = _table(self.passes, "passes_table", PassColumn.ERROR)
        self.rejected = RejectedModel(self.texts, self)
        self.rejected_table = _table(self.rejected, "rejected_table", RejectedColumn.MESSAGE)
        passes_box = QtWidgets.QGroupBox(self.tr("Recent upload passes"), self)
        QtWidgets.QVBoxLayout(passes_box).addWidget(self.passes_table)
        self.rejected_box = QtWidgets.QGroupBox(
            self.tr("Records rejected by the province (for the supervisor)"), self
        )
        QtWidgets.QVBoxLayout(self.rejected_box).addWidget(self.rejected_table)
        layout.addWidget(passes_box, 3)
        layout.addWidget(self.rejected_box, 2)

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

    # ---- upload now -----------------------------------------------------------------

    def _update_button(self) -> None:
        if not self.configured:
            why = self.tr("The province upload is not configured")
        elif not self._ctx.session.can(Permission.UPLOAD_NOW):
            why = self.tr("Your role may not start an upload")
        elif self.runner.running:
            why = self.tr("An upload pass is running")
        else:
            why = ""
        self.upload_button.setEnabled(not why)
        self.upload_button.setToolTip(why or self.tr("Send everything waiting to the province now"))

    def upload_now(self) -> None:
        if self.runner.upload_now():
            self.outcome_label.hide()

    def _pass_started(self, trigger: str) -> None:
        del trigger
        self.stage_label.setText(self.tr("Starting the upload…"))
        self.progress_bar.setRange(0, 0)  # busy until the first stage reports
        self.stage_label.show()
        self.progress_bar.show()
        self._stage = ""

    def _pass_progress(self, stage: str, done: int, total: int) -> None:
        self.stage_label.setText(self.texts.stage(stage))
        self.progress_bar.setRange(0, max(total, done, 1))
        self.progress_bar.setValue(done)
        self.stage_label.show()
        self.progress_bar.show()
        if stage != self._stage:
            self._stage = stage
            self.refresh()  # the pending count drops as the records go

    def _pass_finished(self, outcome: PassOutcome) -> None:
        self.stage_label.hide()
        self.progress_bar.hide()
        self.outcome = outcome
        self._show_outcome(outcome)
        self.refresh()

    def _show_outcome(self, outcome: PassOutcome) -> None:
        if outcome.pass_id is None:  # refused before it began: configuration, another pass
            self.outcome_label.setStyleSheet(f"color: {WARN_COLOUR};")
            self.outcome_label.setText(
                self.tr("The upload did not run: {error}").format(error=outcome.error)
            )
            self.outcome_label.show()
            return
        summary = self.tr(
            "Upload finished: {result}. Records sent {sent} (accepted {accepted}, "
            "duplicate {duplicate}, rejected {rejected}); pictures sent {pictures}; "
            "left pending {pending}."
        )
        lines = [
            summary.format(
                result=self.texts.status(outcome.status),
                sent=outcome.records_sent,
                accepted=outcome.accepted,
                duplicate=outcome.duplicate,
                rejected=outcome.rejected,
                pictures=outcome.pictures_sent,
                pending=outcome.pending_after,
            )
        ]
        if outcome.error:
            lines.append(self.tr("Error: {error}").format(error=outcome.error))
        warnings = outcome.warnings
        if skew_off(outcome.clock_skew_s):  # said in the operator's language, not the station's
            lines.append(self.texts.skew(outcome.clock_skew_s or 0))
            warnings = [text for text in warnings if not text.startswith("the station clock is")]
        lines.extend(self.tr("Warning: {warning}").format(warning=text) for text in warnings)
        colour = {"COMPLETE": "#1b5e20", "FAILED": WARN_COLOUR}.get(outcome.status, AMBER_COLOUR)
        self.outcome_label.setStyleSheet(f"color: {colour};")
        self.outcome_label.setText("\n".join(lines))
        self.outcome_label.show()

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
        """Read the outbox on a worker; while a read runs, one more follows it."""
        if self._busy:
            self._again = True
            return
        self._busy, self._again = True, False
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
        if self._again:
            self.refresh()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.note.setStyleSheet(f"color: {WARN_COLOUR};")
        self.note.setText(self.tr("Cannot read the upload status: {error}").format(error=error))
        if self._again:
            self.refresh()

    # ---- showing --------------------------------------------------------------------

    def _show_status(self, status: UploadStatus, now: datetime) -> None:
        self.values["pending"].setText(str(status.pending_records))
        self.values["oldest"].setText(self._oldest_text(status.oldest_pending, now))
        rejected = self.values["rejected"]
        rejected.setText(str(status.rejected_records))
        rejected.setStyleSheet(f"color: {WARN_COLOUR};" if status.rejected_records else "")
        last = status.passes[0] if status.passes else None
        self.values["last_pass"].setText(
            format_time(status.last_pass_at) if status.last_pass_at else self.tr("never")
        )
        self.values["last_result"].setText(self._result_text(last))
        self.values["last_result"].setStyleSheet(
            f"color: {WARN_COLOUR};" if last and last.status == "FAILED" else ""
        )
        self.passes.replace_rows(status.passes)
        self.rejected.replace_rows(status.rejected)
        self.rejected_box.setVisible(bool(status.rejected) or bool(status.rejected_records))
        if skew_off(status.clock_skew_s):
            self.skew_warning.setText(self.texts.skew(status.clock_skew_s or 0))
            self.skew_warning.show()
        else:
            self.skew_warning.hide()
        self.note.setStyleSheet("")
        self.note.setText(self._note_text(status))

    def _result_text(self, last: PassView | None) -> str:
        if last is None:
            return "—"
        parts = [self.texts.status(last.status)]
        if last.manifest_status and last.manifest_status != last.status:
            parts.append(self.tr("manifest {status}").format(
                status=self.texts.status(last.manifest_status)))  # fmt: skip
        if last.error:
            parts.append(last.error)
        return " · ".join(parts)

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
