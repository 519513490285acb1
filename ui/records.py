"""The records list: search weighings by plate, date and state; open one in full.

Searching runs on a worker (the GUI thread never touches the database). Every search gets
a number; a result that comes back after a newer search was started is dropped, so a slow
query can never overwrite the answer to the question the operator asked last.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from station.readmodel import SearchQuery, WeighingSummary
from station.storage import views
from station.timeutil import beijing_today, format_time
from ui.context import AppContext
from ui.record_detail import RecordDetailDialog, RecordTexts, weak_callback
from ui.table_model import RowModel

SUMMARY_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
SORT_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2
DEFAULT_DAYS = 7
OVER_BACKGROUND = QtGui.QColor("#fde2de")
FUZZY_BACKGROUND = QtGui.QColor("#fff1b8")
OVER_TEXT = QtGui.QColor("#b71c1c")
VOIDED_TEXT = QtGui.QColor("#9e9e9e")
RIGHT = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter


class Column(IntEnum):
    TIME = 0
    TICKET = 1
    PLATE = 2
    LANE = 3
    TYPE = 4
    GROSS = 5
    LIMIT = 6
    OVER = 7
    RATE = 8
    FLAGS = 9
    CASE = 10
    VOIDED = 11


NUMERIC = frozenset({Column.LANE, Column.GROSS, Column.LIMIT, Column.OVER, Column.RATE})
OVER_COLUMNS = frozenset({Column.OVER, Column.RATE})


class RecordsModel(RowModel):
    """Weighing summaries as table rows; SUMMARY_ROLE gives the WeighingSummary itself."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(Column, parent)
        self.texts = RecordTexts(self)
        self._titles = (
            self.tr("Time"),
            self.tr("Ticket no."),
            self.tr("Plate"),
            self.tr("Lane"),
            self.tr("Type"),
            self.tr("Gross (kg)"),
            self.tr("Limit (kg)"),
            self.tr("Over (kg)"),
            self.tr("Over (%)"),
            self.tr("Flags"),
            self.tr("Case"),
            self.tr("Voided"),
        )
        self._roles: dict[int, Callable[[WeighingSummary, Column], Any]] = {
            QtCore.Qt.ItemDataRole.DisplayRole: self._display,
            QtCore.Qt.ItemDataRole.ForegroundRole: self._foreground,
            QtCore.Qt.ItemDataRole.BackgroundRole: self._background,
            QtCore.Qt.ItemDataRole.FontRole: self._font,
            QtCore.Qt.ItemDataRole.ToolTipRole: self._tooltip,
            QtCore.Qt.ItemDataRole.TextAlignmentRole: self._alignment,
            SUMMARY_ROLE: lambda row, _column: row,
            SORT_ROLE: self._sort_value,
        }

    def set_rows(self, rows: list[WeighingSummary]) -> None:
        self.replace_rows(rows)

    def summary(self, row: int) -> WeighingSummary:
        return self._rows[row]

    # ---- roles ---------------------------------------------------------------------------

    def _display(self, row: WeighingSummary, column: Column) -> str:
        if column is Column.PLATE:
            return f"{row.plate_num} ≈" if row.plate_distance else row.plate_num
        values = {
            Column.TIME: lambda: format_time(row.check_time),
            Column.TICKET: lambda: row.check_no,
            Column.LANE: lambda: str(row.lane),
            Column.TYPE: lambda: self.texts.check_type(row.check_type, short=True),
            Column.GROSS: lambda: str(row.sum_kg),
            Column.LIMIT: lambda: str(row.limit_kg),
            Column.OVER: lambda: str(row.over_kg) if row.over_kg else "",
            Column.RATE: lambda: row.over_rate if row.over_kg else "",
            Column.FLAGS: lambda: self.texts.flags(row.flags),
            Column.CASE: lambda: self._case(row),
            Column.VOIDED: lambda: self.tr("voided") if row.voided else "",
        }
        return values[column]()

    def _case(self, row: WeighingSummary) -> str:
        # A legal first weighing's case is closed at once as NOT_OVER: nothing to follow up.
        if not row.is_over and row.check_type != 2:
            return ""
        return self.texts.case_status(row.case_status)

    def _sort_value(self, row: WeighingSummary, column: Column) -> Any:
        values = {
            Column.TIME: row.check_time,
            Column.TICKET: row.check_no,
            Column.PLATE: row.plate_num,
            Column.LANE: row.lane,
            Column.TYPE: row.check_type,
            Column.GROSS: row.sum_kg,
            Column.LIMIT: row.limit_kg,
            Column.OVER: row.over_kg,
            # Over rates are text with two decimals; ordering only, never a legal value.
            Column.RATE: float(row.over_rate or 0),
        }
        return values.get(column, self._display(row, column))

    def _foreground(self, row: WeighingSummary, column: Column) -> QtGui.QColor | None:
        if row.voided:
            return VOIDED_TEXT
        if row.is_over and column in OVER_COLUMNS:
            return OVER_TEXT
        return None

    def _background(self, row: WeighingSummary, column: Column) -> QtGui.QColor | None:
        if column is Column.PLATE and row.plate_distance:
            return FUZZY_BACKGROUND
        # A voided weighing no longer counts as over: it keeps only its grey strike-through.
        if row.is_over and not row.voided:
            return OVER_BACKGROUND
        return None

    def _font(self, row: WeighingSummary, column: Column) -> QtGui.QFont | None:
        if not (row.voided or (row.is_over and column in OVER_COLUMNS)):
            return None
        font = QtGui.QFont()
        font.setStrikeOut(row.voided)
        font.setBold(row.is_over and not row.voided and column in OVER_COLUMNS)
        return font

    def _tooltip(self, row: WeighingSummary, column: Column) -> str | None:
        if column is Column.PLATE and row.plate_distance:
            return self.tr("Similar plate: one character differs from the search")
        if row.voided:
            return self.tr("This weighing was voided")
        if column is Column.FLAGS and row.flags:
            return self.texts.flags(row.flags)
        return None

    def _alignment(self, _row: WeighingSummary, column: Column) -> Any:
        return RIGHT if column in NUMERIC else None


class RecordsView(QtWidgets.QWidget):
    """Search bar, results table and a status line; double-click or Enter opens a record."""

    searched = QtCore.Signal(int)  # number of rows shown, after each search that lands
    record_opened = QtCore.Signal(str)  # check_no of a detail dialog just opened

    def __init__(self, ctx: AppContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0
        self.model = RecordsModel(self)
        self._build()
        self.search()

    # ---- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(self._search_bar())
        layout.addWidget(self._table(), 1)
        self.status = QtWidgets.QLabel()
        self.status.setObjectName("records_status")
        layout.addWidget(self.status)

    def _search_bar(self) -> QtWidgets.QHBoxLayout:
        self.plate = QtWidgets.QLineEdit()
        self.plate.setPlaceholderText(self.tr("Plate, e.g. 豫A12345"))
        self.plate.setClearButtonEnabled(True)
        self.plate.returnPressed.connect(self.search)
        self.fuzzy = QtWidgets.QCheckBox(self.tr("Similar plates"))
        self.fuzzy.setToolTip(self.tr("Ignore spaces and case, and allow one misread character"))
        self.fuzzy.setChecked(True)
        today = beijing_today()
        self.date_from = self._date_edit(today - timedelta(days=DEFAULT_DAYS - 1))
        self.date_to = self._date_edit(today)
        self.over_only = QtWidgets.QCheckBox(self.tr("Over the limit only"))
        self.open_only = QtWidgets.QCheckBox(self.tr("Open cases only"))
        self.search_button = QtWidgets.QPushButton(self.tr("Search"))
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(QtWidgets.QLabel(self.tr("Plate")))
        bar.addWidget(self.plate, 1)
        bar.addWidget(self.fuzzy)
        bar.addWidget(QtWidgets.QLabel(self.tr("From")))
        bar.addWidget(self.date_from)
        bar.addWidget(QtWidgets.QLabel(self.tr("To")))
        bar.addWidget(self.date_to)
        bar.addWidget(self.over_only)
        bar.addWidget(self.open_only)
        bar.addWidget(self.search_button)
        return bar

    def _date_edit(self, day: date) -> QtWidgets.QDateEdit:
        edit = QtWidgets.QDateEdit(QtCore.QDate(day.year, day.month, day.day))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _table(self) -> QtWidgets.QTableView:
        self.proxy = QtCore.QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QtWidgets.QTableView()
        self.table.setObjectName("records_table")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(False)  # the over-limit colour must stand out
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(Column.FLAGS, QtWidgets.QHeaderView.ResizeMode.Stretch)
        # No sort column at first: the search's own order (exact plate first, then newest)
        # is what the operator wants; a click on a header sorts by that column.
        header.setSortIndicator(-1, QtCore.Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.doubleClicked.connect(self._open_index)
        self.table.installEventFilter(self)
        return self.table

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        """Enter on the table opens the current record (Qt only 'activates' per platform)."""
        if (
            watched is self.table
            and event.type() == QtCore.QEvent.Type.KeyPress
            and event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter)  # type: ignore[attr-defined]
        ):
            self._open_index(self.table.currentIndex())
            return True
        return super().eventFilter(watched, event)

    # ---- searching -----------------------------------------------------------------------

    def query(self) -> SearchQuery:
        """The search the bar describes; the dates are whole Beijing days, both included."""
        first = self.date_from.date().toPython()
        last = self.date_to.date().toPython()
        first, last = min(first, last), max(first, last)
        return SearchQuery(
            plate=self.plate.text().strip(),
            since=datetime.combine(first, time()),
            until=datetime.combine(last + timedelta(days=1), time()),
            over_only=self.over_only.isChecked(),
            open_cases_only=self.open_only.isChecked(),
            fuzzy=self.fuzzy.isChecked(),
        )

    def search(self) -> None:
        """Start a search; an older one still running is superseded."""
        self._generation += 1
        generation, query, database = self._generation, self.query(), self.ctx.database
        self.status.setText(self.tr("Searching…"))
        self.status.setStyleSheet("")
        self.ctx.tasks.run(
            lambda: views.search_weighings(database, query),
            weak_callback(self._show, generation, query),
            weak_callback(self._failed, generation),
        )

    refresh = search

    def _show(self, generation: int, query: SearchQuery, rows: list[WeighingSummary]) -> None:
        if generation != self._generation:
            return
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        over = sum(1 for row in rows if row.is_over and not row.voided)
        if len(rows) >= query.limit:
            text = self.tr(
                "Only the newest {n} records are shown, {over} over the limit; narrow the search"
            )
        else:
            text = self.tr("{n} records, {over} over the limit")
        self.status.setText(text.format(n=len(rows), over=over))
        self.searched.emit(len(rows))

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self.status.setText(self.tr("Search failed: {error}").format(error=error))
        self.status.setStyleSheet("color: #c62828;")

    # ---- opening -------------------------------------------------------------------------

    def _open_index(self, index: QtCore.QModelIndex) -> None:
        if not index.isValid():
            return
        summary = self.proxy.data(index, SUMMARY_ROLE)
        self.open_record(summary.check_no)

    def open_record(self, check_no: str) -> RecordDetailDialog:
        dialog = RecordDetailDialog(self.ctx, check_no, self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.record_opened.emit(check_no)
        return dialog
