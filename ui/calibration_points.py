"""The test pages of the calibration wizard: one table of readings per test.

Each row is a load to apply; the indication is read from the scale ("Read", on a worker
thread through `Reader`) or typed (an indicator the station cannot read). Error, MPE and
the verdict follow every change, coloured green or red. The arithmetic is in
`ui.calibration_model`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from station.domain.metrology import MetrologyInputError
from station.readmodel_calibration import CalibrationPoint
from ui.calibration_model import (
    DEFAULT_SUPPORTS,
    LINEARITY_MIN_POINTS,
    REPEAT_MIN,
    Entry,
    ReadingSource,
    ScaleMetrology,
    discrimination_changed,
    eccentric_plan,
    evaluate_page,
    initial_plan,
    linearity_plan,
    parse_loads,
    spread_ok,
)
from ui.tasks import Tasks

PASS_COLOUR, PASS_BACK = "#1b5e20", "#e8f5e9"
FAIL_COLOUR, FAIL_BACK = "#b71c1c", "#ffebee"
INT_LIMIT = 10**9


def test_name(test: str) -> str:
    """A point's test as the technician reads it ("eccentric-2" -> "Eccentric, support 2")."""
    if test.startswith("eccentric-"):
        return QtCore.QCoreApplication.translate(
            "CalibrationTexts", "Eccentric, support {n}"
        ).format(n=test.removeprefix("eccentric-"))
    names = {
        "zero": QtCore.QCoreApplication.translate("CalibrationTexts", "Zero"),
        "span": QtCore.QCoreApplication.translate("CalibrationTexts", "Span"),
        "linearity-up": QtCore.QCoreApplication.translate("CalibrationTexts", "Linearity, loading"),
        "linearity-down": QtCore.QCoreApplication.translate(
            "CalibrationTexts", "Linearity, unloading"
        ),
        "eccentric": QtCore.QCoreApplication.translate("CalibrationTexts", "Eccentric"),
        "repeatability": QtCore.QCoreApplication.translate("CalibrationTexts", "Repeatability"),
        "discrimination": QtCore.QCoreApplication.translate("CalibrationTexts", "Discrimination"),
    }
    return names.get(test, test)


def page_title(page: str) -> str:
    titles = {
        "zero": QtCore.QCoreApplication.translate("CalibrationTexts", "Zero"),
        "span": QtCore.QCoreApplication.translate("CalibrationTexts", "Span"),
        "linearity": QtCore.QCoreApplication.translate("CalibrationTexts", "Linearity"),
        "eccentric": QtCore.QCoreApplication.translate("CalibrationTexts", "Eccentric load"),
        "repeatability": QtCore.QCoreApplication.translate("CalibrationTexts", "Repeatability"),
        "discrimination": QtCore.QCoreApplication.translate("CalibrationTexts", "Discrimination"),
    }
    return titles[page]


def verdict_text(passed: bool) -> str:
    return (
        QtCore.QCoreApplication.translate("CalibrationTexts", "Pass")
        if passed
        else QtCore.QCoreApplication.translate("CalibrationTexts", "Fail")
    )


def kg_text(grams: int, *, signed: bool = True) -> str:
    """Grams as kg, without trailing zeros: 2500 -> "+2.5", 10000 -> "+10"."""
    whole, rest = divmod(abs(grams), 1000)
    number = str(whole) if rest == 0 else f"{whole}.{rest:03d}".rstrip("0")
    sign = "-" if grams < 0 else ("+" if signed and grams > 0 else "")
    return f"{sign}{number}"


def paint_verdict(item: QtWidgets.QTableWidgetItem, passed: bool | None) -> None:
    if passed is None:
        item.setBackground(QtGui.QBrush())
        item.setForeground(QtGui.QBrush())
        return
    item.setBackground(QtGui.QColor(PASS_BACK if passed else FAIL_BACK))
    item.setForeground(QtGui.QColor(PASS_COLOUR if passed else FAIL_COLOUR))


def read_only_item(text: str = "", *, right: bool = False) -> QtWidgets.QTableWidgetItem:
    item = QtWidgets.QTableWidgetItem(text)
    item.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable)
    if right:
        item.setTextAlignment(
            QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
        )
    return item


class Reader(QtCore.QObject):
    """Reads the scale through a `ReadingSource` on a worker; the answer comes back here."""

    def __init__(self, tasks: Tasks, source: ReadingSource | None, parent=None) -> None:
        super().__init__(parent)
        self.tasks, self.source = tasks, source

    @property
    def available(self) -> bool:
        return self.source is not None

    def unavailable_text(self) -> str:
        return self.tr("This scale cannot be read from here; type the reading.")

    def read(self, done: Callable[[int], None], failed: Callable[[BaseException], None]) -> None:
        source = self.source
        if source is None:
            failed(RuntimeError(self.unavailable_text()))
            return
        self.tasks.run(source.read, done, failed)


class PointTable(QtWidgets.QTableWidget):
    """The readings of one test: load, indication (read or typed), ΔL, error, MPE, verdict."""

    edited = QtCore.Signal()
    message = QtCore.Signal(str)

    TEST, LOAD, INDICATION, READ, ADDED, ERROR, MPE, VERDICT = range(8)
    EXTRA_READ, CHANGED = 8, 9

    def __init__(self, reader: Reader, *, discrimination: bool = False, parent=None) -> None:
        self.discrimination = discrimination
        super().__init__(0, 10 if discrimination else 8, parent)
        self.reader = reader
        self.entries: list[Entry] = []
        self.points: list[CalibrationPoint | None] = []
        headers = [
            self.tr("Test"), self.tr("Load (kg)"), self.tr("Indication (kg)"), "",
            self.tr("ΔL (g)"), self.tr("Error (kg)"), self.tr("MPE (kg)"), self.tr("Result"),
        ]  # fmt: skip
        if discrimination:
            headers += [self.tr("With 1.4 d (kg)"), self.tr("Changed?")]
        self.setHorizontalHeaderLabels(headers)
        self.verticalHeader().setVisible(False)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.TEST, QtWidgets.QHeaderView.ResizeMode.Stretch)
        # The change-point weights are for errors; discrimination only asks for a change.
        self.setColumnHidden(self.ADDED, discrimination)
        self.setMinimumHeight(180)

    # ---- rows ---------------------------------------------------------------------------

    def set_entries(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        self.setRowCount(0)
        self.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            self._build_row(row, entry)
        self.edited.emit()

    def _number_edit(self, value: int | None, placeholder: str = "") -> QtWidgets.QLineEdit:
        edit = QtWidgets.QLineEdit("" if value is None else str(value))
        edit.setValidator(QtGui.QIntValidator(-INT_LIMIT, INT_LIMIT, edit))
        edit.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
        edit.setPlaceholderText(placeholder)
        edit.setFixedWidth(100)
        return edit

    def _build_row(self, row: int, entry: Entry) -> None:
        self.setItem(row, self.TEST, read_only_item(test_name(entry.test)))
        self.setItem(row, self.LOAD, read_only_item(str(entry.load_kg), right=True))
        indication = self._number_edit(entry.indication_kg, self.tr("read or type"))
        indication.textEdited.connect(lambda text, r=row: self._typed(r, text))
        self.setCellWidget(row, self.INDICATION, indication)
        button = QtWidgets.QPushButton(self.tr("Read"))
        button.clicked.connect(lambda _=False, r=row: self.read_row(r))
        self.setCellWidget(row, self.READ, button)
        if not self.reader.available:
            button.setEnabled(False)
            button.setToolTip(self.reader.unavailable_text())
        added = self._number_edit(entry.added_g, self.tr("optional"))
        added.setValidator(QtGui.QIntValidator(0, INT_LIMIT, added))
        added.textEdited.connect(lambda text, r=row: self._added(r, text))
        self.setCellWidget(row, self.ADDED, added)
        for column in (self.ERROR, self.MPE):
            self.setItem(row, column, read_only_item(right=True))
        self.setItem(row, self.VERDICT, read_only_item())
        if self.discrimination:
            extra = QtWidgets.QPushButton(self.tr("Read with 1.4 d"))
            extra.clicked.connect(lambda _=False, r=row: self.read_row(r, extra=True))
            extra.setEnabled(self.reader.available)
            self.setCellWidget(row, self.EXTRA_READ, extra)
            changed = QtWidgets.QComboBox()
            changed.addItem("—", None)
            changed.addItem(self.tr("Yes"), True)
            changed.addItem(self.tr("No"), False)
            changed.currentIndexChanged.connect(lambda _i, r=row: self._changed(r))
            self.setCellWidget(row, self.CHANGED, changed)

    def indication_edit(self, row: int) -> QtWidgets.QLineEdit:
        return self.cellWidget(row, self.INDICATION)

    def read_button(self, row: int, *, extra: bool = False) -> QtWidgets.QPushButton:
        return self.cellWidget(row, self.EXTRA_READ if extra else self.READ)

    def added_edit(self, row: int) -> QtWidgets.QLineEdit:
        return self.cellWidget(row, self.ADDED)

    def changed_box(self, row: int) -> QtWidgets.QComboBox:
        return self.cellWidget(row, self.CHANGED)

    # ---- edits --------------------------------------------------------------------------

    @staticmethod
    def _int(text: str) -> int | None:
        try:
            return int(text)
        except ValueError:
            return None

    def _typed(self, row: int, text: str) -> None:
        self.entries[row].indication_kg = self._int(text)
        self._auto_changed(row)
        self.edited.emit()

    def _added(self, row: int, text: str) -> None:
        self.entries[row].added_g = self._int(text)
        self.edited.emit()

    def _changed(self, row: int) -> None:
        self.entries[row].changed = self.changed_box(row).currentData()
        self.edited.emit()

    def _auto_changed(self, row: int) -> None:
        if not self.discrimination:
            return
        changed = discrimination_changed(self.entries[row])
        if changed is not None:
            box = self.changed_box(row)
            box.setCurrentIndex(box.findData(changed))

    def set_indication(self, row: int, kg: int, *, extra: bool = False) -> None:
        entry = self.entries[row]
        if extra:
            entry.with_extra_kg = kg
            self.read_button(row, extra=True).setText(f"{kg} ⟳")  # read again with a click
        else:
            entry.indication_kg = kg
            self.indication_edit(row).setText(str(kg))
        self._auto_changed(row)
        self.edited.emit()

    # ---- reading ------------------------------------------------------------------------

    def read_row(self, row: int, *, extra: bool = False) -> None:
        """Read the scale for this row on a worker; the button waits, the screen does not."""
        button = self.read_button(row, extra=extra)
        label = button.text()
        button.setEnabled(False)
        button.setText(self.tr("Reading..."))
        entries = self.entries

        def done(kg: int) -> None:
            button.setEnabled(True)
            button.setText(label)
            if self.entries is entries:  # the rows were not rebuilt meanwhile
                self.set_indication(row, int(kg), extra=extra)

        def failed(error: BaseException) -> None:
            button.setEnabled(True)
            button.setText(label)
            self.message.emit(self.tr("Reading failed: {error}").format(error=error))

        self.reader.read(done, failed)

    # ---- results ------------------------------------------------------------------------

    def show_points(self, points: Sequence[CalibrationPoint | None], mpes: Sequence[int]) -> None:
        self.points = list(points)
        for row, (point, mpe) in enumerate(zip(points, mpes, strict=True)):
            self.item(row, self.MPE).setText("±" + kg_text(mpe, signed=False))
            error, verdict = self.item(row, self.ERROR), self.item(row, self.VERDICT)
            if point is None:
                error.setText("")
                verdict.setText("")
            else:
                error.setText(kg_text(point.error_g))
                verdict.setText(verdict_text(point.passed))
            paint_verdict(verdict, None if point is None else point.passed)
            paint_verdict(error, None if point is None or point.passed else False)


class TestPage(QtWidgets.QWidget):
    """One test (zero, span, linearity, eccentric, repeatability, discrimination) of a phase."""

    __test__ = False  # not a pytest class
    completeness_changed = QtCore.Signal()

    def __init__(
        self,
        page: str,
        scale: ScaleMetrology,
        in_service: bool,
        reader: Reader,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.page, self.scale, self.in_service = page, scale, in_service
        self.table = PointTable(reader, discrimination=page == "discrimination")
        self.table.edited.connect(self._recompute)
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        self.table.message.connect(self._say)
        self.summary = QtWidgets.QLabel()
        self.summary.setWordWrap(True)
        help_label = QtWidgets.QLabel(self._help())
        help_label.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(help_label)
        self.controls = QtWidgets.QHBoxLayout()
        layout.addLayout(self.controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.status)
        self._build_controls()
        self.table.set_entries(initial_plan(page, scale))

    def _help(self) -> str:
        s = self.scale
        texts = {
            "zero": self.tr(
                "Empty platform. The indication at no load must be within ±{limit} kg (0.25 e)."
            ).format(limit=kg_text(s.zero_limit_g, signed=False)),
            "span": self.tr(
                "Put the span test load on the platform (Max by default; change it if your "
                "weights are fewer) and read the indication."
            ),
            "linearity": self.tr(
                "Load from zero up to Max and back down, at least {n} points (Min, 500 e, "
                "2000 e, 50 % Max, Max). Clear the load between points; do not stack."
            ).format(n=LINEARITY_MIN_POINTS),
            "eccentric": self.tr(
                "Put the eccentric test load over each support in turn, one reading per support."
            ),
            "repeatability": self.tr(
                "Weigh the same load at least {n} times. Every reading within the MPE, and the "
                "spread of the readings at most |MPE|."
            ).format(n=REPEAT_MIN),
            "discrimination": self.tr(
                "At each load read the indication, then gently add {extra} kg (1.4 d) and read "
                "again: the indication must change."
            ).format(extra=kg_text(s.discrimination_g, signed=False)),
        }
        return texts[self.page]

    def _build_controls(self) -> None:
        if self.page in ("linearity", "discrimination", "span"):
            self.loads_edit = QtWidgets.QLineEdit()
            self.loads_edit.setPlaceholderText(self.tr("loads in kg, separated by commas"))
            apply = QtWidgets.QPushButton(self.tr("Use these loads"))
            apply.clicked.connect(self.apply_loads)
            self.loads_edit.returnPressed.connect(self.apply_loads)
            self.controls.addWidget(QtWidgets.QLabel(self.tr("Loads (kg)")))
            self.controls.addWidget(self.loads_edit, 1)
            self.controls.addWidget(apply)
        elif self.page == "eccentric":
            self.supports_spin = QtWidgets.QSpinBox()
            self.supports_spin.setRange(2, 24)
            self.supports_spin.setValue(DEFAULT_SUPPORTS)
            self.supports_spin.valueChanged.connect(self._supports_changed)
            self.load_label = QtWidgets.QLabel()
            self.controls.addWidget(QtWidgets.QLabel(self.tr("Number of supports")))
            self.controls.addWidget(self.supports_spin)
            self.controls.addWidget(self.load_label, 1)
            self._show_eccentric_load()
        elif self.page == "repeatability":
            self.repeat_load = QtWidgets.QSpinBox()
            self.repeat_load.setRange(1, self.scale.max_kg)
            self.repeat_load.setValue(self.scale.max_kg // 2)
            self.repeat_load.setSuffix(" kg")
            self.repeat_count = QtWidgets.QSpinBox()
            self.repeat_count.setRange(REPEAT_MIN, 20)
            apply = QtWidgets.QPushButton(self.tr("Use this load"))
            apply.clicked.connect(self.apply_repeat)
            self.controls.addWidget(QtWidgets.QLabel(self.tr("Load")))
            self.controls.addWidget(self.repeat_load)
            self.controls.addWidget(QtWidgets.QLabel(self.tr("Readings")))
            self.controls.addWidget(self.repeat_count)
            self.controls.addWidget(apply)
            self.controls.addStretch(1)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if hasattr(self, "loads_edit") and not self.loads_edit.text():
            loads = sorted({e.load_kg for e in self.table.entries})
            self.loads_edit.setText(", ".join(map(str, loads)))

    # ---- plans --------------------------------------------------------------------------

    def apply_loads(self) -> None:
        minimum = LINEARITY_MIN_POINTS if self.page == "linearity" else 1
        try:
            loads = parse_loads(self.loads_edit.text(), self.scale, minimum)
        except ValueError:
            self._say(
                self.tr("Give at least {n} different loads in whole kg, each above 0 and at "
                        "most Max ({max} kg).").format(n=minimum, max=self.scale.max_kg)
            )  # fmt: skip
            return
        self._say("")
        if self.page == "linearity":
            entries = linearity_plan(loads)
        else:
            entries = [Entry(self.page, load) for load in loads]
        self.table.set_entries(entries)

    def _supports_changed(self, supports: int) -> None:
        self._show_eccentric_load()
        self.table.set_entries(eccentric_plan(self.scale, supports))

    def _show_eccentric_load(self) -> None:
        load = self.scale.eccentric_load_kg(self.supports_spin.value())
        self.load_label.setText(
            self.tr("Load per support: {load} kg (about Max / (N − 1), at least 1/3 Max)").format(
                load=load
            )
        )

    def apply_repeat(self) -> None:
        load, count = self.repeat_load.value(), self.repeat_count.value()
        self.table.set_entries([Entry("repeatability", load) for _ in range(count)])

    # ---- results ------------------------------------------------------------------------

    def _recompute(self) -> None:
        entries = self.table.entries
        try:
            points = evaluate_page(self.page, entries, self.scale, in_service=self.in_service)
        except MetrologyInputError as exc:
            self._say(str(exc))
            points = [None] * len(entries)
        mpes = [
            self.scale.zero_limit_g
            if e.test == "zero"
            else self.scale.mpe_g(e.load_kg, in_service=self.in_service)
            for e in entries
        ]
        self.table.show_points(points, mpes)
        self._summarise(points)
        self.completeness_changed.emit()

    def _summarise(self, points: Sequence[CalibrationPoint | None]) -> None:
        done = sum(p is not None for p in points)
        failed = sum(p is not None and not p.passed for p in points)
        text = self.tr("{done} of {total} readings; {failed} failed").format(
            done=done, total=len(points), failed=failed
        )
        if self.page == "repeatability":
            ok = spread_ok(self.table.entries, self.scale, in_service=self.in_service)
            readings = [e.indication_kg for e in self.table.entries if e.indication_kg is not None]
            if ok is not None and readings:
                spread = (max(readings) - min(readings)) * 1000
                mpe = self.scale.mpe_g(self.table.entries[0].load_kg, in_service=self.in_service)
                text += " · " + self.tr("spread {spread} kg, |MPE| {mpe} kg: {verdict}").format(
                    spread=kg_text(spread, signed=False), mpe=kg_text(mpe, signed=False),
                    verdict=verdict_text(ok),
                )  # fmt: skip
        self.summary.setText(text)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {FAIL_COLOUR}" if text else "")

    def complete(self) -> bool:
        points = self.table.points
        return bool(points) and all(p is not None for p in points)

    def points(self) -> list[CalibrationPoint]:
        return [p for p in self.table.points if p is not None]
