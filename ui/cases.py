"""Open enforcement cases: who still has to unload, by when, and closing a case by hand.

The list is read on a worker every 30 s and whenever the main window calls `refresh()`
(after a weighing completes), so a re-weighing that closes a case shows up at once.
Closing by hand (police, permit, absconded) needs the CLOSE_CASE permission, a reason and,
for a permit, its number; the runtime writes the CLOSE record on a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtGui, QtWidgets

from station.domain.records import CaseResult
from station.readmodel import CaseView
from station.security import Permission
from station.storage import views
from station.timeutil import beijing_now, format_time
from ui.context import AppContext
from ui.record_detail import RecordDetailDialog, RecordTexts, weak_callback
from ui.table_model import RowModel

if TYPE_CHECKING:
    from station.storage.cases import CaseInfo

CASE_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
SORT_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2
AUTO_REFRESH_MS = 30_000
RECENTLY_CLOSED = timedelta(hours=24)
OVERDUE_TEXT = QtGui.QColor("#c62828")
ENDED_TEXT = QtGui.QColor("#9e9e9e")
RIGHT = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter


class Column(IntEnum):
    NOTICE = 0
    PLATE = 1
    LANE = 2
    OPENED = 3
    DEADLINE = 4
    LEFT = 5
    FIRST_GROSS = 6
    LIMIT = 7
    UNLOAD = 8
    REWEIGHS = 9
    STATUS = 10


NUMERIC = frozenset({Column.LANE, Column.FIRST_GROSS, Column.LIMIT, Column.UNLOAD, Column.REWEIGHS})
DEADLINE_COLUMNS = frozenset({Column.DEADLINE, Column.LEFT})


def _overdue(case: CaseView, now: datetime) -> bool:
    return case.status == "OPEN" and case.deadline < now


class CasesModel(RowModel):
    """Cases as rows; time left is counted from the moment the rows were loaded."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(Column, parent)
        self.texts = RecordTexts(self)
        self.now = beijing_now()
        self._titles = (
            self.tr("Notice no."),
            self.tr("Plate"),
            self.tr("Lane"),
            self.tr("Opened"),
            self.tr("Unload by"),
            self.tr("Time left"),
            self.tr("First gross (kg)"),
            self.tr("Limit (kg)"),
            self.tr("To unload (kg)"),
            self.tr("Re-weighings"),
            self.tr("Status"),
        )
        self._roles: dict[int, Callable[[CaseView, Column], Any]] = {
            QtCore.Qt.ItemDataRole.DisplayRole: self._display,
            QtCore.Qt.ItemDataRole.ForegroundRole: self._foreground,
            QtCore.Qt.ItemDataRole.FontRole: self._font,
            QtCore.Qt.ItemDataRole.TextAlignmentRole: self._alignment,
            CASE_ROLE: lambda case, _column: case,
            SORT_ROLE: self._sort_value,
        }

    def set_rows(self, rows: list[CaseView], now: datetime) -> None:
        self.now = now
        self.replace_rows(rows)

    def case(self, row: int) -> CaseView:
        return self._rows[row]

    @property
    def cases(self) -> list[CaseView]:
        return list(self._rows)

    def _left(self, case: CaseView) -> str:
        if case.status != "OPEN":
            return ""
        return self.texts.remaining(case.deadline, self.now)

    def _display(self, case: CaseView, column: Column) -> str:
        values = {
            Column.NOTICE: lambda: case.notice_no or "—",
            Column.PLATE: lambda: case.plate_num,
            Column.LANE: lambda: str(case.lane),
            Column.OPENED: lambda: format_time(case.opened_at),
            Column.DEADLINE: lambda: format_time(case.deadline),
            Column.LEFT: lambda: self._left(case),
            Column.FIRST_GROSS: lambda: str(case.first_sum_kg),
            Column.LIMIT: lambda: str(case.limit_kg),
            Column.UNLOAD: lambda: str(case.unload_kg),
            Column.REWEIGHS: lambda: str(len(case.reweigh_check_nos)),
            Column.STATUS: lambda: self.texts.case_status(case.status, case.result),
        }
        return values[column]()

    def _sort_value(self, case: CaseView, column: Column) -> Any:
        values = {
            Column.LANE: case.lane,
            Column.OPENED: case.opened_at,
            Column.DEADLINE: case.deadline,
            Column.LEFT: case.deadline,
            Column.FIRST_GROSS: case.first_sum_kg,
            Column.LIMIT: case.limit_kg,
            Column.UNLOAD: case.unload_kg,
            Column.REWEIGHS: len(case.reweigh_check_nos),
        }
        return values.get(column, self._display(case, column))

    def _foreground(self, case: CaseView, column: Column) -> QtGui.QColor | None:
        if case.status != "OPEN":
            return ENDED_TEXT
        if column in DEADLINE_COLUMNS and _overdue(case, self.now):
            return OVERDUE_TEXT
        return None

    def _font(self, case: CaseView, column: Column) -> QtGui.QFont | None:
        if column in DEADLINE_COLUMNS and _overdue(case, self.now):
            font = QtGui.QFont()
            font.setBold(True)
            return font
        return None

    def _alignment(self, _case: CaseView, column: Column) -> Any:
        return RIGHT if column in NUMERIC else None


class CloseCaseDialog(QtWidgets.QDialog):
    """Result, reason and (for a permit) the permit number of a case closed by hand."""

    def __init__(self, case: CaseView, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.setWindowTitle(self.tr("Close case"))
        texts = RecordTexts(self)
        self.result_box = QtWidgets.QComboBox()
        for result in (CaseResult.POLICE, CaseResult.PERMIT, CaseResult.ABSCONDED):
            self.result_box.addItem(texts.case_result(result.value), result)
        self.reason = QtWidgets.QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("Why the case is closed without unloading"))
        self.reason.setMaximumHeight(90)
        self.permit_no = QtWidgets.QLineEdit()
        self.permit_no.setPlaceholderText(self.tr("Number of the oversize transport permit"))
        self.hint = QtWidgets.QLabel()
        self.hint.setStyleSheet("color: #c62828;")
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Close case")
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()
        self.result_box.currentIndexChanged.connect(self._validate)
        self.reason.textChanged.connect(self._validate)
        self.permit_no.textChanged.connect(self._validate)
        self._validate()

    def _lay_out(self) -> None:
        case = self.case
        heading = QtWidgets.QLabel(
            self.tr("Case {notice}: {plate}, {kg} kg to unload").format(
                notice=case.notice_no or case.check_no, plate=case.plate_num, kg=case.unload_kg
            )
        )
        heading.setStyleSheet("font-weight: bold;")
        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("Result"), self.result_box)
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.tr("Permit no."), self.permit_no)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)

    def _is_permit(self) -> bool:
        return self.result_box.currentData() == CaseResult.PERMIT

    def _validate(self) -> None:
        permit = self._is_permit()
        self.permit_no.setEnabled(permit)
        if not self.reason.toPlainText().strip():
            hint = self.tr("A reason is required.")
        elif permit and not self.permit_no.text().strip():
            hint = self.tr("A permit close needs the permit number.")
        else:
            hint = ""
        self.hint.setText(hint)
        ok = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not hint)

    def choice(self) -> tuple[CaseResult, str, str | None]:
        """The result, the reason and the permit number (only for PERMIT)."""
        result = CaseResult(self.result_box.currentData())
        permit = self.permit_no.text().strip() if result is CaseResult.PERMIT else None
        return result, self.reason.toPlainText().strip(), permit


class CasesView(QtWidgets.QWidget):
    """The open cases table with refresh, auto refresh, "recently closed" and closing."""

    refreshed = QtCore.Signal(int)  # rows shown, after each refresh that lands
    case_closed = QtCore.Signal(int)  # id of a case this view closed

    def __init__(self, ctx: AppContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0
        self.error_box: QtWidgets.QMessageBox | None = None
        self.model = CasesModel(self)
        self._build()
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(AUTO_REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        ctx.session.changed.connect(self._update_buttons)
        self.refresh()

    # ---- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.show_closed = QtWidgets.QCheckBox(self.tr("Show recently closed"))
        self.show_closed.setToolTip(self.tr("Also list cases closed in the last 24 hours"))
        self.show_closed.toggled.connect(self.refresh)
        self.refresh_button = QtWidgets.QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        self.close_button = QtWidgets.QPushButton(self.tr("Close case…"))
        self.close_button.clicked.connect(self.close_selected)
        self.status = QtWidgets.QLabel()
        self.status.setObjectName("cases_status")
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.show_closed)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.close_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self._table(), 1)
        layout.addWidget(self.status)

    def _table(self) -> QtWidgets.QTableView:
        self.proxy = QtCore.QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QtWidgets.QTableView()
        self.table.setObjectName("cases_table")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSortingEnabled(True)
        # The most urgent first: the earliest deadline.
        self.table.sortByColumn(Column.DEADLINE, QtCore.Qt.SortOrder.AscendingOrder)
        self.table.doubleClicked.connect(self._open_index)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        return self.table

    # ---- loading -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the cases again on a worker; an older refresh still running is superseded."""
        self._generation += 1
        generation, database, hours = self._generation, self.ctx.database, self.ctx.deadline_hours
        now = beijing_now()
        since = now - RECENTLY_CLOSED if self.show_closed.isChecked() else None
        self.ctx.tasks.run(
            lambda: views.open_cases(database, deadline_hours=hours, include_closed_since=since),
            weak_callback(self._show, generation, now),
            weak_callback(self._failed, generation),
        )

    def _show(self, generation: int, now: datetime, rows: list[CaseView]) -> None:
        if generation != self._generation:
            return
        # Every legal first weighing has a case closed at once as NOT_OVER (the province wants
        # its CLOSE record); those were never enforcement work, so they are not listed.
        rows = [case for case in rows if case.result != "NOT_OVER"]
        selected = self.selected_case()
        self.model.set_rows(rows, now)
        self._reselect(selected.id if selected else None)
        self.table.resizeColumnsToContents()
        open_cases = [case for case in rows if case.status == "OPEN"]
        overdue = sum(1 for case in open_cases if _overdue(case, now))
        self.status.setText(
            self.tr("{n} open cases, {overdue} overdue").format(n=len(open_cases), overdue=overdue)
        )
        self.status.setStyleSheet("color: #c62828;" if overdue else "")
        self._update_buttons()
        self.refreshed.emit(len(rows))

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self.status.setText(self.tr("Could not read the cases: {error}").format(error=error))
        self.status.setStyleSheet("color: #c62828;")

    def _reselect(self, case_id: int | None) -> None:
        """Keep the operator's selection across a refresh (it happens every 30 s)."""
        if case_id is None:
            return
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.proxy.data(index, CASE_ROLE).id == case_id:
                self.table.selectRow(row)
                return

    # ---- selection and actions -----------------------------------------------------------

    def selected_case(self) -> CaseView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.data(rows[0], CASE_ROLE) if rows else None

    def select_case(self, case_id: int) -> None:
        self._reselect(case_id)

    def _update_buttons(self) -> None:
        allowed = self.ctx.session.can(Permission.CLOSE_CASE)
        case = self.selected_case()
        self.close_button.setEnabled(allowed and case is not None and case.status == "OPEN")
        if not allowed:
            self.close_button.setToolTip(self.tr("Your role may not close cases"))
        else:
            self.close_button.setToolTip("")

    def _open_index(self, index: QtCore.QModelIndex) -> None:
        if index.isValid():
            self.open_record(self.proxy.data(index, CASE_ROLE).check_no)

    def open_record(self, check_no: str) -> RecordDetailDialog:
        dialog = RecordDetailDialog(self.ctx, check_no, self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def close_selected(self) -> CloseCaseDialog | None:
        """Ask how the selected case ends (non-modal: the lanes keep updating meanwhile)."""
        case = self.selected_case()
        if not self.ctx.session.can(Permission.CLOSE_CASE):
            return None
        if case is None or case.status != "OPEN":
            # The main window's shortcut lands here too: say why nothing opens.
            self.status.setText(self.tr("Select an open case to close it."))
            return None
        dialog = CloseCaseDialog(case, self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._close(case, *dialog.choice()))
        dialog.open()
        return dialog

    def _close(
        self, case: CaseView, result: CaseResult, reason: str, permit_no: str | None
    ) -> None:
        # The permission is checked again: the session may have changed while the dialog was up.
        if not self.ctx.session.can(Permission.CLOSE_CASE):
            return
        runtime, actor = self.ctx.runtime, self.ctx.session.login
        self.status.setText(self.tr("Closing case {notice}…").format(notice=case.notice_no))
        self.ctx.tasks.run(
            lambda: runtime.close_case(case.id, result, reason, actor=actor, permit_no=permit_no),
            weak_callback(self._closed),
            weak_callback(self._close_failed),
        )

    def _closed(self, info: CaseInfo) -> None:
        self.case_closed.emit(info.id)
        self.refresh()

    def _close_failed(self, error: BaseException) -> None:
        self.refresh()
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Warning,
            self.tr("Case not closed"),
            self.tr("The case could not be closed: {error}").format(error=error),
            QtWidgets.QMessageBox.StandardButton.Ok,
            self,
        )
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self.error_box = box
        box.open()
