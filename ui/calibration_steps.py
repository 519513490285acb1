"""The calibration wizard's pages other than the tests: scale, preparation, weights,
results, adjustment (seal and coefficients) and the end (close the seal, save, PDF), for a
static run (`FinishPage`) and for a dynamic check (`DynamicFinishPage`).

Every database call and every render runs through `ctx.tasks`; the pages only show what
comes back. A page says whether the wizard may go on with `complete()` and tells it when
that changes with `completeness_changed`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from station.domain.metrology import MetrologyInputError
from station.readmodel_calibration import (
    CalibrationPoint,
    CalibrationRecord,
    DynamicRecord,
    TestWeightSet,
)
from station.storage import calibration, calibration_dynamic
from station.storage.scales import ScaleInfo, certificate_statuses, current_certificate, scale_info
from station.timeutil import beijing_now, beijing_today
from ui.calibration_model import ScaleMetrology, phase_passed, weight_set_expired
from ui.calibration_points import (
    FAIL_COLOUR,
    PASS_COLOUR,
    kg_text,
    paint_verdict,
    read_only_item,
    test_name,
    verdict_text,
)
from ui.context import AppContext

WEIGHT_CLASSES = ("M1", "M1-2", "M2", "F2", "F1", "E2")
STATIC, DYNAMIC = "static", "dynamic"


def not_before(moment: datetime) -> None:
    """On a worker: wait until Beijing time is past `moment` (records are whole seconds),
    so an event of the run is never counted as before the run started."""
    while beijing_now() <= moment:
        time.sleep(0.05)


class Step(QtWidgets.QWidget):
    """A page of the wizard."""

    completeness_changed = QtCore.Signal()

    def complete(self) -> bool:
        return True

    def entered(self) -> None:
        """Called each time the wizard shows the page."""


def _message_label() -> QtWidgets.QLabel:
    label = QtWidgets.QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _say(label: QtWidgets.QLabel, text: str, *, error: bool = False) -> None:
    label.setText(text)
    label.setStyleSheet(f"color: {FAIL_COLOUR}" if error else "")


# ---- the scale ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScaleState:
    """What the first page shows about a scale, read on a worker."""

    info: ScaleInfo
    certificate: Any
    counter: int | None
    seal_open: bool
    coefficients: dict[str, int | str] | None


def read_scale_state(database: Any, scale_id: str) -> ScaleState:
    info = scale_info(database, scale_id)
    if info is None:
        raise ValueError(f"unknown scale {scale_id!r}")
    return ScaleState(
        info,
        current_certificate(database, scale_id),
        calibration.calibration_counter(database, scale_id),
        calibration.seal_is_open(database, scale_id),
        calibration.current_coefficients(database, scale_id),
    )


def coefficients_text(values: dict[str, int | str] | None) -> str:
    if not values:
        return "—"
    return ", ".join(f"{name} = {value}" for name, value in values.items())


class ScalePage(Step):
    """Which scale, which procedure (static or dynamic) and which verification kind."""

    history_requested = QtCore.Signal(str)

    def __init__(self, ctx: AppContext, preferred: str | None, kinds: dict[str, str]) -> None:
        super().__init__()
        self.ctx, self.preferred, self.device_kinds = ctx, preferred, kinds
        self.state: ScaleState | None = None
        self.scale_box = QtWidgets.QComboBox()
        self.scale_box.currentIndexChanged.connect(self._scale_changed)
        self.static_radio = QtWidgets.QRadioButton(
            self.tr("Static scale (class III, test weights)")
        )
        self.dynamic_radio = QtWidgets.QRadioButton(
            self.tr("Dynamic axle scale (reference vehicle)")
        )
        self.static_radio.setChecked(True)
        self.static_radio.toggled.connect(lambda _c: self._show())
        self.kind_box = QtWidgets.QComboBox()
        self.kind_box.addItem(self.tr("Initial or subsequent verification"), "initial")
        self.kind_box.addItem(self.tr("In service (2 × MPE)"), "in_service")
        self.kind_box.setCurrentIndex(1)
        self.details = QtWidgets.QLabel()
        self.details.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.message = _message_label()
        history = QtWidgets.QPushButton(self.tr("Calibration history..."))
        history.clicked.connect(lambda: self.history_requested.emit(self.scale_id or ""))
        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("Scale"), self.scale_box)
        modes = QtWidgets.QVBoxLayout()
        modes.addWidget(self.static_radio)
        modes.addWidget(self.dynamic_radio)
        form.addRow(self.tr("Procedure"), modes)
        form.addRow(self.tr("Verification"), self.kind_box)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.details)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(history, 0, QtCore.Qt.AlignmentFlag.AlignLeft)
        self._load_scales()

    @property
    def scale_id(self) -> str | None:
        return self.scale_box.currentData()

    @property
    def mode(self) -> str:
        return DYNAMIC if self.dynamic_radio.isChecked() else STATIC

    @property
    def verification(self) -> str:
        return self.kind_box.currentData()

    def _load_scales(self) -> None:
        database, today = self.ctx.database, beijing_today()
        self.ctx.tasks.run(
            lambda: [s.scale_id for s in certificate_statuses(database, today)],
            self._scales_loaded,
            lambda error: _say(self.message, str(error), error=True),
        )

    def _scales_loaded(self, ids: list[str]) -> None:
        self.scale_box.blockSignals(True)
        self.scale_box.clear()
        for scale_id in ids:
            self.scale_box.addItem(scale_id, scale_id)
        self.scale_box.blockSignals(False)
        if not ids:
            _say(self.message, self.tr("No scale is registered at this station."), error=True)
            return
        index = self.scale_box.findData(self.preferred) if self.preferred else -1
        self.scale_box.setCurrentIndex(max(index, 0))
        self._scale_changed()

    def select(self, scale_id: str) -> None:
        index = self.scale_box.findData(scale_id)
        if index >= 0:
            self.scale_box.setCurrentIndex(index)

    def _scale_changed(self, *_args: object) -> None:
        scale_id = self.scale_id
        self.state = None
        self._show()
        if scale_id is None:
            return
        if self.device_kinds.get(scale_id) in ("axle_scale", "wim"):
            self.dynamic_radio.setChecked(True)
        elif self.device_kinds.get(scale_id) == "scale":
            self.static_radio.setChecked(True)
        database = self.ctx.database
        self.ctx.tasks.run(
            lambda: read_scale_state(database, scale_id),
            lambda state: self._state_loaded(scale_id, state),
            lambda error: _say(self.message, str(error), error=True),
        )

    def _state_loaded(self, scale_id: str, state: ScaleState) -> None:
        if scale_id == self.scale_id:
            self.state = state
            self._show()

    def refresh(self) -> None:
        self._scale_changed()

    def metrology(self) -> ScaleMetrology | None:
        if self.state is None:
            return None
        try:
            return ScaleMetrology(self.state.info.max_kg, self.state.info.division_kg)
        except MetrologyInputError:
            return None

    def _show(self) -> None:
        state = self.state
        if state is None:
            self.details.setText(self.tr("Reading the scale..."))
            _say(self.message, "")
            self.completeness_changed.emit()
            return
        info, cert = state.info, state.certificate
        if cert is None:
            cert_text = self.tr("none recorded")
        else:
            cert_text = self.tr("{number}, valid until {until}").format(
                number=cert.number, until=cert.valid_until.isoformat()
            )
        rows = [
            (self.tr("Model"), info.model or "—"),
            (self.tr("Serial no."), info.serial_no or "—"),
            (self.tr("Max"), f"{info.max_kg} kg"),
            (self.tr("e"), f"{info.division_kg} kg"),
            (self.tr("n = Max / e"), str(info.max_kg // max(info.division_kg, 1))),
            (self.tr("Accuracy class"), info.accuracy_class),
            (self.tr("Certificate"), cert_text),
            (self.tr("Calibration counter"), "—" if state.counter is None else str(state.counter)),
            (self.tr("Seal"), self.tr("OPEN") if state.seal_open else self.tr("closed")),
            (self.tr("Coefficients"), coefficients_text(state.coefficients)),
        ]
        cells = "".join(
            f"<tr><td style='padding-right:16px'><b>{name}</b></td><td>{value}</td></tr>"
            for name, value in rows
        )
        self.details.setText(f"<table>{cells}</table>")
        problem = ""
        if self.mode == STATIC:
            try:
                ScaleMetrology(info.max_kg, info.division_kg)
            except MetrologyInputError as exc:
                problem = self.tr("This scale cannot be verified as class III: {error}").format(
                    error=exc
                )
        _say(self.message, problem, error=bool(problem))
        self.completeness_changed.emit()

    def complete(self) -> bool:
        if self.state is None:
            return False
        return self.mode == DYNAMIC or self.metrology() is not None


# ---- preparation -------------------------------------------------------------------------


class PreparationPage(Step):
    """The pre-checks of domain.md §5.4: every box ticked, the ambient temperature noted."""

    def __init__(self) -> None:
        super().__init__()
        texts = (
            self.tr("Platform and pit clean"),
            self.tr("No binding at the stops or limit bolts"),
            self.tr("Approach ramps level and long enough"),
            self.tr("Junction box dry, cables intact"),
            self.tr("Indicator warmed up (at least 15 to 30 minutes)"),
        )
        self.boxes = [QtWidgets.QCheckBox(text) for text in texts]
        self.temperature = QtWidgets.QDoubleSpinBox()
        self.temperature.setRange(-41.0, 60.0)
        self.temperature.setDecimals(1)
        self.temperature.setSuffix(" °C")
        self.temperature.setSpecialValueText(self.tr("not entered"))
        self.temperature.setValue(-41.0)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(QtWidgets.QLabel(self.tr("Before the first reading:")))
        for box in self.boxes:
            box.toggled.connect(lambda _c: self.completeness_changed.emit())
            layout.addWidget(box)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel(self.tr("Ambient temperature")))
        row.addWidget(self.temperature)
        row.addStretch(1)
        self.temperature.valueChanged.connect(lambda _v: self.completeness_changed.emit())
        layout.addLayout(row)
        layout.addStretch(1)

    def temperature_c(self) -> float | None:
        value = self.temperature.value()
        return None if value <= self.temperature.minimum() else value

    def complete(self) -> bool:
        return all(box.isChecked() for box in self.boxes) and self.temperature_c() is not None


# ---- test weights ------------------------------------------------------------------------


class WeightsPage(Step):
    """The standard weight sets used, each with a certificate still valid today."""

    def __init__(self) -> None:
        super().__init__()
        self.sets: list[TestWeightSet] = []
        self.set_edit = QtWidgets.QLineEdit()
        self.class_box = QtWidgets.QComboBox()
        self.class_box.setEditable(True)
        self.class_box.addItems(WEIGHT_CLASSES)
        self.cert_edit = QtWidgets.QLineEdit()
        self.until_edit = QtWidgets.QDateEdit()
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setDisplayFormat("yyyy-MM-dd")
        self.until_edit.setDate(QtCore.QDate.currentDate().addYears(1))
        add = QtWidgets.QPushButton(self.tr("Add weight set"))
        add.clicked.connect(self.add_set)
        self.add_button = add
        self.remove_button = QtWidgets.QPushButton(self.tr("Remove selected"))
        self.remove_button.clicked.connect(self._remove)
        self.table = QtWidgets.QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Set"), self.tr("Class"), self.tr("Certificate no."), self.tr("Valid until")]
        )
        self.table.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.message = _message_label()
        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("Weight set id"), self.set_edit)
        form.addRow(self.tr("Class"), self.class_box)
        form.addRow(self.tr("Certificate no."), self.cert_edit)
        form.addRow(self.tr("Valid until"), self.until_edit)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

    def add_set(self) -> bool:
        set_id, cert = self.set_edit.text().strip(), self.cert_edit.text().strip()
        weight_class = self.class_box.currentText().strip()
        until = self.until_edit.date().toPython()
        if not (set_id and cert and weight_class):
            _say(self.message, self.tr("Give the set id, its class and its certificate no."),
                 error=True)  # fmt: skip
            return False
        if weight_set_expired(until, beijing_today()):
            _say(
                self.message,
                self.tr("Refused: the certificate of set {set} expired on {day}.").format(
                    set=set_id, day=until.isoformat()
                ),
                error=True,
            )
            return False
        if any(s.set_id == set_id for s in self.sets):
            _say(self.message, self.tr("Set {set} is already listed.").format(set=set_id),
                 error=True)  # fmt: skip
            return False
        self.sets.append(TestWeightSet(set_id, weight_class, cert, until))
        _say(self.message, "")
        self.set_edit.clear()
        self.cert_edit.clear()
        self._show()
        return True

    def _remove(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.sets):
            del self.sets[row]
            self._show()

    def _show(self) -> None:
        self.table.setRowCount(len(self.sets))
        for row, s in enumerate(self.sets):
            values = (s.set_id, s.weight_class, s.certificate_no, s.valid_until.isoformat())
            for column, value in enumerate(values):
                self.table.setItem(row, column, read_only_item(value))
        self.completeness_changed.emit()

    def complete(self) -> bool:
        return bool(self.sets)


# ---- results of a phase ------------------------------------------------------------------


class ResultsPage(Step):
    """Every point of a phase with its verdict; as found, the choice to adjust."""

    def __init__(self, phase: str, points: Callable[[], list[CalibrationPoint]]) -> None:
        super().__init__()
        self.phase, self._points = phase, points
        self.verdict = QtWidgets.QLabel()
        font = self.verdict.font()
        font.setPointSize(font.pointSize() + 5)
        font.setBold(True)
        self.verdict.setFont(font)
        self.table = QtWidgets.QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([
            self.tr("Test"), self.tr("Load (kg)"), self.tr("Indication (kg)"),
            self.tr("Error (kg)"), self.tr("MPE (kg)"), self.tr("Result"),
        ])  # fmt: skip
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)
        self.adjust_radio = QtWidgets.QRadioButton(
            self.tr("Adjust the scale: open the seal, change the coefficients, test again as left")
        )
        self.keep_radio = QtWidgets.QRadioButton(self.tr("Finish without adjusting"))
        if phase == "found":
            layout.addWidget(self.adjust_radio)
            layout.addWidget(self.keep_radio)
        self.keep_radio.setChecked(True)
        self.points: list[CalibrationPoint] = []
        self._chosen = False

    @property
    def adjusting(self) -> bool:
        return self.phase == "found" and self.adjust_radio.isChecked()

    def passed(self) -> bool:
        return phase_passed(self.points)

    def entered(self) -> None:
        self.points = self._points()
        self.table.setRowCount(len(self.points))
        for row, p in enumerate(self.points):
            values = (
                test_name(p.test), str(p.load_kg), str(p.indication_kg), kg_text(p.error_g),
                "±" + kg_text(p.mpe_g, signed=False), verdict_text(p.passed),
            )  # fmt: skip
            for column, value in enumerate(values):
                self.table.setItem(row, column, read_only_item(value, right=0 < column < 5))
            paint_verdict(self.table.item(row, 5), p.passed)
            if not p.passed:
                paint_verdict(self.table.item(row, 3), False)
        failed = sum(not p.passed for p in self.points)
        phase = self.tr("As found") if self.phase == "found" else self.tr("As left")
        if failed:
            text = self.tr("{phase}: {failed} of {total} points fail").format(
                phase=phase, failed=failed, total=len(self.points)
            )
        else:
            text = self.tr("{phase}: all {total} points pass").format(
                phase=phase, total=len(self.points)
            )
        self.verdict.setText(text)
        self.verdict.setStyleSheet(f"color: {FAIL_COLOUR if failed else PASS_COLOUR}")
        if self.phase == "found" and not self._chosen:
            (self.adjust_radio if failed else self.keep_radio).setChecked(True)
            self._chosen = True


# ---- adjustment --------------------------------------------------------------------------


class AdjustPage(Step):
    """The seal (opened with a reason) and the coefficients (a technician, seal open)."""

    def __init__(self, ctx: AppContext, scale_id: str, started_at: datetime) -> None:
        super().__init__()
        self.ctx, self.scale_id, self.started_at = ctx, scale_id, started_at
        self.seal_open: bool | None = None
        self.counter: int | None = None
        self.counter_at_adjust: int | None = None
        self.seal_label = QtWidgets.QLabel()
        self.reason_edit = QtWidgets.QLineEdit()
        self.reason_edit.setPlaceholderText(self.tr("why the seal is opened"))
        self.open_button = QtWidgets.QPushButton(self.tr("Open seal"))
        self.open_button.clicked.connect(self.open_seal)
        self.table = QtWidgets.QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("Coefficient"), self.tr("Value")])
        self.table.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        add = QtWidgets.QPushButton(self.tr("Add coefficient"))
        add.clicked.connect(lambda: self._add_row("", ""))
        self.change_reason = QtWidgets.QLineEdit(self.tr("Adjusted after the as-found test"))
        self.save_button = QtWidgets.QPushButton(self.tr("Save coefficients"))
        self.save_button.clicked.connect(self.save_coefficients)
        self.counter_label = QtWidgets.QLabel()
        self.message = _message_label()
        seal = QtWidgets.QHBoxLayout()
        seal.addWidget(self.seal_label)
        seal.addWidget(self.reason_edit, 1)
        seal.addWidget(self.open_button)
        change = QtWidgets.QHBoxLayout()
        change.addWidget(add)
        change.addWidget(QtWidgets.QLabel(self.tr("Reason")))
        change.addWidget(self.change_reason, 1)
        change.addWidget(self.save_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(seal)
        layout.addWidget(QtWidgets.QLabel(
            self.tr("The coefficients in force. Each saved change raises the calibration "
                    "counter by one and is written to the audit chain.")
        ))  # fmt: skip
        layout.addWidget(self.table, 1)
        layout.addLayout(change)
        layout.addWidget(self.counter_label)
        layout.addWidget(self.message)

    def entered(self) -> None:
        self.refresh()

    def refresh(self, then: Callable[[], None] | None = None) -> None:
        database, scale_id = self.ctx.database, self.scale_id

        def loaded(state: ScaleState) -> None:
            self.seal_open, self.counter = state.seal_open, state.counter
            if self.counter_at_adjust is None:
                self.counter_at_adjust = state.counter or 0
            self._show(state.coefficients)
            if then is not None:
                then()

        self.ctx.tasks.run(lambda: read_scale_state(database, scale_id), loaded, self._failed)

    def _show(self, coefficients: dict[str, int | str] | None) -> None:
        self.seal_label.setText(
            self.tr("Seal: OPEN") if self.seal_open else self.tr("Seal: closed")
        )
        self.seal_label.setStyleSheet(f"color: {FAIL_COLOUR}; font-weight: bold" if self.seal_open
                                      else "font-weight: bold")  # fmt: skip
        self.open_button.setEnabled(not self.seal_open)
        self.table.setRowCount(0)
        for name, value in (coefficients or {}).items():
            self._add_row(name, str(value))
        self.counter_label.setText(
            self.tr("Calibration counter: {before} before adjusting, {now} now").format(
                before=self.counter_at_adjust, now="—" if self.counter is None else self.counter
            )
        )

    def _add_row(self, name: str, value: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QtWidgets.QTableWidgetItem(name))
        self.table.setItem(row, 1, QtWidgets.QTableWidgetItem(value))

    def coefficients(self) -> dict[str, str]:
        values = {}
        for row in range(self.table.rowCount()):
            name = (self.table.item(row, 0) or QtWidgets.QTableWidgetItem()).text().strip()
            value = (self.table.item(row, 1) or QtWidgets.QTableWidgetItem()).text().strip()
            if name:
                values[name] = value
        return values

    def set_coefficient(self, name: str, value: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == name:
                self.table.item(row, 1).setText(value)
                return
        self._add_row(name, value)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, calibration.CalibrationRefused):
            _say(self.message, self.tr("Refused: {error}").format(error=error), error=True)
        else:
            _say(self.message, str(error), error=True)
        self.open_button.setEnabled(not self.seal_open)
        self.save_button.setEnabled(True)

    def open_seal(self) -> None:
        reason = self.reason_edit.text().strip()
        if not reason:
            _say(self.message, self.tr("Say why the seal is opened."), error=True)
            return
        database, scale_id, login = self.ctx.database, self.scale_id, self.ctx.session.login
        started = self.started_at
        self.open_button.setEnabled(False)

        def work() -> int:
            not_before(started)
            return calibration.open_seal(database, scale_id, login, reason)

        def done(_counter: int) -> None:
            _say(self.message, self.tr("Seal opened."))
            self.refresh()

        self.ctx.tasks.run(work, done, self._failed)

    def save_coefficients(self) -> None:
        """Always asks the store, which refuses a closed seal or another role."""
        user = self.ctx.session.user
        new, reason = self.coefficients(), self.change_reason.text().strip()
        database, scale_id = self.ctx.database, self.scale_id
        login, role = (user.login, user.role) if user else ("", "")
        started, before = self.started_at, self.counter
        self.save_button.setEnabled(False)

        def work() -> int:
            not_before(started)
            return calibration.change_coefficients(
                database, scale_id, new, actor=login, actor_role=role, reason=reason
            )

        def done(counter: int) -> None:
            self.save_button.setEnabled(True)
            self.refresh(lambda: _say(self.message, self.tr(
                "Coefficients saved. Calibration counter {before} → {after}."
            ).format(before="—" if before is None else before, after=counter)))  # fmt: skip

        self.ctx.tasks.run(work, done, self._failed)


# ---- the end: seal closed, record saved, PDF ---------------------------------------------


AnyRecord = CalibrationRecord | DynamicRecord


def render_pdf(record: AnyRecord, path: Path, *, copy: bool, language: str) -> Path:
    """On a worker: render the record (reports/), a static run's or a dynamic check's, and
    write it atomically."""
    from ui.printing import _RENDERING  # noqa: PLC0415  one document render at a time

    with _RENDERING:
        if isinstance(record, DynamicRecord):
            from reports.calibration_dynamic import render_dynamic_record  # noqa: PLC0415

            pdf = render_dynamic_record(record, copy=copy, language=language)
        else:
            from reports.calibration import render_calibration_record  # noqa: PLC0415

            pdf = render_calibration_record(record, copy=copy, language=language)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(pdf)
    temporary.replace(path)
    return path


class FinishPage(Step):
    """Close the seal, save the record (refused while the seal is open), then the PDF."""

    saved = QtCore.Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        scale_id: str,
        build: Callable[[str, str], Callable[[int], Any]],
        verdict: Callable[[], bool],
    ) -> None:
        super().__init__()
        self.ctx, self.scale_id, self._build, self._verdict = ctx, scale_id, build, verdict
        self.seal_open: bool | None = None
        self.session_id: int | None = None  # the stored record's id
        self.record: Any = None
        self.pdf_path: Path | None = None
        self.seal_label = QtWidgets.QLabel()
        self.close_button = QtWidgets.QPushButton(self.tr("Close seal"))
        self.close_button.clicked.connect(self.close_seal)
        self.verdict_label = QtWidgets.QLabel()
        font = self.verdict_label.font()
        font.setPointSize(font.pointSize() + 5)
        font.setBold(True)
        self.verdict_label.setFont(font)
        self.counter_label = QtWidgets.QLabel()
        self.certificate_edit = QtWidgets.QLineEdit()
        self.certificate_edit.setPlaceholderText(self.tr("if a certificate is issued"))
        self.notes_edit = QtWidgets.QPlainTextEdit()
        self.notes_edit.setMaximumHeight(90)
        self.save_button = QtWidgets.QPushButton(self.tr("Save record"))
        self.save_button.clicked.connect(self.save)
        self.pdf_button = QtWidgets.QPushButton(self.tr("Save PDF..."))
        self.pdf_button.clicked.connect(lambda _=False: self.save_pdf())
        self.print_button = QtWidgets.QPushButton(self.tr("Print..."))
        self.print_button.clicked.connect(self.print_pdf)
        for button in (self.pdf_button, self.print_button):
            button.setEnabled(False)
        self.message = _message_label()
        seal = QtWidgets.QHBoxLayout()
        seal.addWidget(self.seal_label)
        seal.addWidget(self.close_button)
        seal.addStretch(1)
        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("Certificate no."), self.certificate_edit)
        form.addRow(self.tr("Notes"), self.notes_edit)
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.save_button, self.pdf_button, self.print_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.verdict_label)
        layout.addLayout(seal)
        layout.addWidget(self.counter_label)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def entered(self) -> None:
        passed = self._verdict()
        self.verdict_label.setText(
            self.tr("Result: {verdict}").format(verdict=verdict_text(passed))
        )
        self.verdict_label.setStyleSheet(f"color: {PASS_COLOUR if passed else FAIL_COLOUR}")
        self.refresh()

    def refresh(self) -> None:
        database, scale_id = self.ctx.database, self.scale_id

        def loaded(state: ScaleState) -> None:
            self.seal_open = state.seal_open
            self.seal_label.setText(
                self.tr("Seal: OPEN. Close it before saving.")
                if state.seal_open
                else self.tr("Seal: closed")
            )
            self.close_button.setEnabled(state.seal_open)
            self.save_button.setEnabled(not state.seal_open and self.session_id is None)
            self.counter_label.setText(self.tr("Calibration counter now: {n}").format(
                n="—" if state.counter is None else state.counter))  # fmt: skip

        self.ctx.tasks.run(lambda: read_scale_state(database, scale_id), loaded, self._failed)

    def _failed(self, error: BaseException) -> None:
        _say(self.message, str(error), error=True)
        self.refresh()

    def close_seal(self) -> None:
        database, scale_id, login = self.ctx.database, self.scale_id, self.ctx.session.login
        self.close_button.setEnabled(False)
        self.ctx.tasks.run(
            lambda: calibration.close_seal(database, scale_id, login),
            lambda counter: (_say(self.message, self.tr(
                "Seal closed; write counter {n} on the seal.").format(n=counter)),
                self.refresh()),
            self._failed,
        )  # fmt: skip

    def save(self) -> None:
        database, login = self.ctx.database, self.ctx.session.login
        certificate, notes = self.certificate_edit.text().strip(), self.notes_edit.toPlainText()
        # The readings are gathered here, on the GUI thread; the worker adds the counter.
        make, scale_id = self._build(certificate, notes), self.scale_id
        store = self._storer(database, login)
        self.save_button.setEnabled(False)

        def work() -> tuple[int, Any]:
            counter = calibration.calibration_counter(database, scale_id) or 0
            record = make(counter)
            return store(record), record

        self.ctx.tasks.run(work, self._saved, self._failed)

    def _storer(self, database: Any, login: str) -> Callable[[Any], int]:
        """On the GUI thread: what stores the record on the worker (the store decides)."""
        return lambda record: calibration.save_session(database, record, actor=login)

    def saved_text(self, record_id: int) -> str:
        return self.tr("Record saved as calibration session {n}.").format(n=record_id)

    def _saved(self, result: tuple[int, Any]) -> None:
        self.session_id, self.record = result
        _say(self.message, self.saved_text(self.session_id))
        self.pdf_button.setEnabled(True)
        self.save_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.saved.emit(self.session_id)
        self.completeness_changed.emit()

    def complete(self) -> bool:
        return self.session_id is not None

    def default_pdf_path(self) -> Path:
        return self.ctx.documents_dir / f"calibration-{self.scale_id}-{self.session_id}.pdf"

    def choose_pdf_path(self) -> Path | None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, self.tr("Save the calibration record"), str(self.default_pdf_path()),
            self.tr("PDF documents (*.pdf)"),
        )  # fmt: skip
        return Path(name) if name else None

    def save_pdf(self, path: Path | None = None) -> None:
        record = self.record
        path = path or self.choose_pdf_path()
        if record is None or path is None:
            return
        language = self.ctx.language
        self.pdf_button.setEnabled(False)
        self.ctx.tasks.run(
            lambda: render_pdf(record, path, copy=False, language=language),
            self._pdf_saved,
            self._pdf_failed,
        )

    def _pdf_saved(self, path: Path) -> None:
        self.pdf_path = path
        self.pdf_button.setEnabled(True)
        self.print_button.setEnabled(True)
        _say(self.message, self.tr("PDF saved: {path}").format(path=path))

    def _pdf_failed(self, error: BaseException) -> None:
        self.pdf_button.setEnabled(True)
        _say(self.message, self.tr("The PDF was not produced: {error}").format(error=error),
             error=True)  # fmt: skip

    def print_pdf(self) -> None:
        if self.pdf_path is not None:
            from ui.print_preview import PrintPreview  # noqa: PLC0415

            PrintPreview(self.ctx.tasks, self).show(self.pdf_path)


class DynamicFinishPage(FinishPage):
    """The end of a dynamic axle scale's reference-vehicle check: as for a static run (the
    seal closed, the record saved on a worker, then its PDF), stored as a dynamic run by
    `save_dynamic_run`, which records only a technician's check."""

    def _storer(self, database: Any, login: str) -> Callable[[Any], int]:
        user = self.ctx.session.user
        role = user.role if user is not None else ""
        return lambda record: calibration_dynamic.save_dynamic_run(
            database, record, actor=login, actor_role=role
        )

    def saved_text(self, record_id: int) -> str:
        return self.tr("Record saved as dynamic run {n}.").format(n=record_id)

    @property
    def run_id(self) -> int | None:
        return self.session_id

    def default_pdf_path(self) -> Path:
        return self.ctx.documents_dir / f"dynamic-{self.scale_id}-{self.session_id}.pdf"


def collect(pages: Sequence[Any]) -> list[CalibrationPoint]:
    return [point for page in pages for point in page.points()]


__all__ = [
    "DYNAMIC",
    "STATIC",
    "AdjustPage",
    "DynamicFinishPage",
    "FinishPage",
    "PreparationPage",
    "ResultsPage",
    "ScalePage",
    "ScaleState",
    "Step",
    "WeightsPage",
    "collect",
    "read_scale_state",
    "render_pdf",
]
