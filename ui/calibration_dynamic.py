"""The reference-vehicle check of a dynamic axle scale (JJG 907 / OIML R 134).

The reference vehicle is weighed statically on a control instrument (per axle and gross);
then it passes over the axle scale N times at the set speeds. Each pass is typed, or read
from the running lane (the next vehicle the axle scale reports). Every pass's gross mass is
judged against the vehicle-mass MPE of the chosen class (`vehicle_mpe_g`), every single axle
and axle group against the axle-load MPD of the chosen class (`axle_mpd_g`), from the
corrected mean of the passes or from the static loads. The percentages are [unverified]
(docs/metrology.md).

What is evaluated is kept with its inputs (`DynamicCheck`); changing any input afterwards
drops the verdicts until Evaluate is pressed again, so the record the wizard's last step
saves (`station.storage.calibration_dynamic`) and prints (`reports.calibration_dynamic`) is
exactly what was judged on screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from station.domain.metrology import MetrologyInputError
from station.domain.readings import WimVehicle
from station.readmodel_calibration import (
    AXLE_CLASSES,
    CORRECTED_MEAN,
    STATIC_REFERENCE,
    VEHICLE_CLASSES,
    DynamicItem,
)
from ui.calibration_model import DynamicCheck, ReferenceVehicle, check_dynamic, parse_groups
from ui.calibration_points import (
    FAIL_COLOUR,
    PASS_COLOUR,
    kg_text,
    paint_verdict,
    read_only_item,
    verdict_text,
)
from ui.calibration_steps import Step
from ui.tasks import Tasks

MAX_AXLES = 10
MAX_GROSS_KG = 1_000_000  # what the store accepts
MAX_VEHICLE_TEXT = 64


def _int(item: QtWidgets.QTableWidgetItem | None) -> int | None:
    try:
        return int((item.text() if item else "").strip())
    except ValueError:
        return None


class DynamicPage(Step):
    """Reference vehicle, passes, and the verdict per pass and item."""

    def __init__(
        self,
        tasks: Tasks,
        d_kg: int,
        in_service: bool,
        next_vehicle: Callable[[], WimVehicle] | None = None,
    ) -> None:
        super().__init__()
        self.tasks, self.in_service, self.next_vehicle = tasks, in_service, next_vehicle
        self.items: list[DynamicItem] = []
        self.check: DynamicCheck | None = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(self._build_vehicle(d_kg))
        layout.addWidget(QtWidgets.QLabel(self.tr("Passes")))
        self.passes = QtWidgets.QTableWidget(0, 3)
        self.passes.verticalHeader().setVisible(False)
        layout.addWidget(self.passes, 1)
        layout.addLayout(self._build_buttons())
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self._build_results(layout)
        self._axles_changed(2)
        self._watch_inputs()

    def _build_vehicle(self, d_kg: int) -> QtWidgets.QFormLayout:
        """Classes, the reference (corrected mean or static), the axles and their loads."""
        self.vehicle_class = QtWidgets.QComboBox()
        self.vehicle_class.addItems(VEHICLE_CLASSES)
        self.vehicle_class.setCurrentText("5")
        self.axle_class = QtWidgets.QComboBox()
        self.axle_class.addItems(AXLE_CLASSES)
        self.axle_class.setCurrentText("D")
        self.d_spin = QtWidgets.QSpinBox()
        self.d_spin.setRange(1, 1000)
        self.d_spin.setValue(d_kg)
        self.d_spin.setSuffix(" kg")
        self.rigid = QtWidgets.QCheckBox(self.tr("2-axle rigid reference vehicle"))
        self.reference = QtWidgets.QComboBox()
        self.reference.addItem(self.tr("corrected mean of the passes (R 134)"), CORRECTED_MEAN)
        self.reference.addItem(self.tr("static axle loads"), STATIC_REFERENCE)
        self.axles_spin = QtWidgets.QSpinBox()
        self.axles_spin.setRange(2, MAX_AXLES)
        self.axles_spin.setValue(2)
        self.axles_spin.valueChanged.connect(self._axles_changed)
        self.groups_edit = QtWidgets.QLineEdit()
        self.groups_edit.setPlaceholderText(self.tr("e.g. 2+3, 4+5+6 (empty: single axles)"))
        self.static_table = self._static_table()
        self.gross_spin = QtWidgets.QSpinBox()
        self.gross_spin.setRange(0, MAX_GROSS_KG)
        self.gross_spin.setSuffix(" kg")
        self.vehicle_edit = QtWidgets.QLineEdit()
        self.vehicle_edit.setMaxLength(MAX_VEHICLE_TEXT)
        self.vehicle_edit.setPlaceholderText(self.tr("plate or description"))
        sum_button = QtWidgets.QPushButton(self.tr("= sum of the axles"))
        sum_button.clicked.connect(self._gross_from_axles)
        form = QtWidgets.QFormLayout()
        classes = QtWidgets.QHBoxLayout()
        for label, widget in ((self.tr("Vehicle mass class"), self.vehicle_class),
                              (self.tr("Axle load class"), self.axle_class),
                              ("d", self.d_spin)):  # fmt: skip
            classes.addWidget(QtWidgets.QLabel(label))
            classes.addWidget(widget)
        classes.addWidget(self.rigid)
        classes.addStretch(1)
        form.addRow(self.tr("Classes"), classes)
        form.addRow(self.tr("Reference vehicle"), self.vehicle_edit)
        form.addRow(self.tr("Axles compared with"), self.reference)
        axles = QtWidgets.QHBoxLayout()
        axles.addWidget(self.axles_spin)
        axles.addWidget(QtWidgets.QLabel(self.tr("Axle groups")))
        axles.addWidget(self.groups_edit, 1)
        form.addRow(self.tr("Axles"), axles)
        form.addRow(self.tr("Static reference"), self.static_table)
        gross = QtWidgets.QHBoxLayout()
        gross.addWidget(self.gross_spin)
        gross.addWidget(sum_button)
        gross.addStretch(1)
        form.addRow(self.tr("Gross (static)"), gross)
        return form

    def _static_table(self) -> QtWidgets.QTableWidget:
        """One row of axle loads, exactly as high as that row."""
        table = QtWidgets.QTableWidget(1, 2)
        table.setVerticalHeaderLabels([self.tr("Static (kg)")])
        table.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setFixedHeight(
            table.horizontalHeader().sizeHint().height()
            + table.rowHeight(0)
            + 2 * table.frameWidth()
            + 2
        )
        return table

    def _build_buttons(self) -> QtWidgets.QHBoxLayout:
        add = QtWidgets.QPushButton(self.tr("Add pass"))
        add.clicked.connect(lambda _=False: self.add_pass())
        self.read_button = QtWidgets.QPushButton(self.tr("Read next vehicle"))
        self.read_button.clicked.connect(self.read_pass)
        self.read_button.setEnabled(self.next_vehicle is not None)
        remove = QtWidgets.QPushButton(self.tr("Remove pass"))
        remove.clicked.connect(self._remove_pass)
        evaluate = QtWidgets.QPushButton(self.tr("Evaluate"))
        evaluate.clicked.connect(self.evaluate)
        buttons = QtWidgets.QHBoxLayout()
        for button in (add, self.read_button, remove, evaluate):
            buttons.addWidget(button)
        buttons.addStretch(1)
        return buttons

    def _build_results(self, layout: QtWidgets.QVBoxLayout) -> None:
        self.results = QtWidgets.QTableWidget(0, 8)
        self.results.setHorizontalHeaderLabels([
            self.tr("Pass"), self.tr("Speed (km/h)"), self.tr("Item"), self.tr("Reading (kg)"),
            self.tr("Reference (kg)"), self.tr("Deviation (kg)"), self.tr("Limit (kg)"),
            self.tr("Result"),
        ])  # fmt: skip
        self.results.verticalHeader().setVisible(False)
        self.results.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.ResizeToContents
        )
        self.verdict = QtWidgets.QLabel()
        font = self.verdict.font()
        font.setBold(True)
        font.setPointSize(font.pointSize() + 3)
        self.verdict.setFont(font)
        layout.addWidget(self.verdict)
        layout.addWidget(self.results, 2)

    # ---- the vehicle and its passes ------------------------------------------------------

    def _axles_changed(self, count: int) -> None:
        names = [self.tr("Axle {n}").format(n=n) for n in range(1, count + 1)]
        self.static_table.setColumnCount(count)
        self.static_table.setHorizontalHeaderLabels(names)
        self.passes.setColumnCount(count + 1)
        self.passes.setHorizontalHeaderLabels([self.tr("Speed (km/h)"), *names])

    def _gross_from_axles(self) -> None:
        loads = [_int(self.static_table.item(0, c)) or 0 for c in range(self.axles)]
        self.gross_spin.setValue(sum(loads))

    @property
    def axles(self) -> int:
        return self.axles_spin.value()

    def set_static(self, axles_kg: list[int], gross_kg: int | None = None) -> None:
        self.axles_spin.setValue(len(axles_kg))
        for column, load in enumerate(axles_kg):
            self.static_table.setItem(0, column, QtWidgets.QTableWidgetItem(str(load)))
        self.gross_spin.setValue(sum(axles_kg) if gross_kg is None else gross_kg)

    def add_pass(self, speed_kmh: int | None = None, axles_kg: list[int] | None = None) -> None:
        row = self.passes.rowCount()
        self.passes.insertRow(row)
        values = ["" if speed_kmh is None else str(speed_kmh)]
        values += [str(v) for v in axles_kg or []]
        for column, value in enumerate(values):
            self.passes.setItem(row, column, QtWidgets.QTableWidgetItem(value))

    def _remove_pass(self) -> None:
        row = self.passes.currentRow()
        if row >= 0:
            self.passes.removeRow(row)

    def read_pass(self) -> None:
        """Wait (on a worker) for the next vehicle the axle scale reports; add it as a pass."""
        if self.next_vehicle is None:
            return
        self.read_button.setEnabled(False)
        self.message.setText(self.tr("Waiting for the reference vehicle..."))

        def done(vehicle: WimVehicle) -> None:
            self.read_button.setEnabled(True)
            loads = [axle.weight_kg for axle in vehicle.axles]
            if len(loads) != self.axles:
                self.message.setText(self.tr(
                    "The scale reported {n} axles; the reference vehicle has {m}."
                ).format(n=len(loads), m=self.axles))  # fmt: skip
                return
            self.message.setText("")
            self.add_pass(round(vehicle.speed_kmh_x10 / 10), loads)

        def failed(error: BaseException) -> None:
            self.read_button.setEnabled(True)
            self.message.setText(self.tr("Reading failed: {error}").format(error=error))

        self.tasks.run(self.next_vehicle, done, failed)

    def _watch_inputs(self) -> None:
        """Any change of what was evaluated drops the verdicts shown (see the module)."""
        for table in (self.passes, self.static_table):
            table.itemChanged.connect(self._inputs_changed)
            table.model().rowsInserted.connect(self._inputs_changed)
            table.model().rowsRemoved.connect(self._inputs_changed)
        for box in (self.vehicle_class, self.axle_class, self.reference):
            box.currentIndexChanged.connect(self._inputs_changed)
        for spin in (self.d_spin, self.axles_spin, self.gross_spin):
            spin.valueChanged.connect(self._inputs_changed)
        self.rigid.toggled.connect(self._inputs_changed)
        self.groups_edit.textChanged.connect(self._inputs_changed)
        self.vehicle_edit.textChanged.connect(self._inputs_changed)

    def _inputs_changed(self, *_args: object) -> None:
        if self.check is None:
            return
        self.check, self.items = None, []
        self._show()
        self.message.setStyleSheet("")
        self.message.setText(self.tr("The inputs changed: evaluate again."))

    # ---- evaluation -------------------------------------------------------------------------

    def _inputs(self) -> tuple[ReferenceVehicle, list[tuple[int, list[int]]]]:
        static = [_int(self.static_table.item(0, c)) for c in range(self.axles)]
        if any(v is None or v <= 0 for v in static):
            raise ValueError(self.tr("Enter the static load of every axle."))
        if self.gross_spin.value() <= 0:
            raise ValueError(self.tr("Enter the static gross mass."))
        try:
            groups = parse_groups(self.groups_edit.text(), self.axles)
        except ValueError:
            raise ValueError(self.tr("Axle groups are written like 2+3, 4+5+6.")) from None
        passes = []
        for row in range(self.passes.rowCount()):
            values = [_int(self.passes.item(row, c)) for c in range(self.axles + 1)]
            if any(v is None or v < 0 for v in values):
                raise ValueError(self.tr("Pass {n} is not complete.").format(n=row + 1))
            passes.append((values[0], values[1:]))
        if not passes:
            raise ValueError(self.tr("Add at least one pass."))
        vehicle = ReferenceVehicle(
            tuple(v for v in static if v is not None), self.gross_spin.value(), groups,
            self.rigid.isChecked(),
        )  # fmt: skip
        return vehicle, passes

    def evaluate(self) -> bool:
        try:
            vehicle, passes = self._inputs()
            self.check = check_dynamic(
                vehicle, passes, vehicle_class=self.vehicle_class.currentText(),
                axle_class=self.axle_class.currentText(), d_kg=self.d_spin.value(),
                in_service=self.in_service, reference=self.reference.currentData(),
                reference_vehicle=self.vehicle_edit.text(),
            )  # fmt: skip
        except (ValueError, MetrologyInputError) as exc:
            self.check, self.items = None, []
            self.message.setText(str(exc))
            self.message.setStyleSheet(f"color: {FAIL_COLOUR}")
            self._show()
            return False
        self.items = list(self.check.items)
        self.message.setText("")
        self._show()
        return True

    def item_name(self, item: str) -> str:
        if item == "gross":
            return self.tr("Gross")
        kind, numbers = item.split(" ", 1)
        if kind == "axle":
            return self.tr("Axle {n}").format(n=numbers)
        return self.tr("Group {axles}").format(axles=numbers)

    def _show(self) -> None:
        self.results.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            values = (
                str(item.pass_no), str(item.speed_kmh), self.item_name(item.item),
                str(item.reading_kg), kg_text(item.reference_g, signed=False),
                kg_text(item.deviation_g), "±" + kg_text(item.limit_g, signed=False),
                verdict_text(item.passed),
            )  # fmt: skip
            for column, value in enumerate(values):
                cell = read_only_item(value, right=column in (3, 4, 5, 6))
                self.results.setItem(row, column, cell)
            paint_verdict(self.results.item(row, 7), item.passed)
        if not self.items:
            self.verdict.setText("")
        else:
            failed, total = sum(not i.passed for i in self.items), len(self.items)
            self.verdict.setText(
                self.tr("{failed} of {total} items fail").format(failed=failed, total=total)
                if failed
                else self.tr("All {total} items pass").format(total=total)
            )
            self.verdict.setStyleSheet(f"color: {FAIL_COLOUR if failed else PASS_COLOUR}")
        self.completeness_changed.emit()

    def complete(self) -> bool:
        return self.check is not None

    def passed(self) -> bool:
        return self.check is not None and self.check.passed
