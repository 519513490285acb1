"""The daily scale check (每日秤台检查) in under a minute: a scale, a reference, the reading.

The reference is a known vehicle or test weights, or 0 kg for the zero check of the empty
platform. The verdict uses the in-service MPE at that load (station/services/scale_check.py)
and is stored at once; a failed check is stored too, and the lanes then hold vehicles
until a check passes (NO_SCALE_CHECK).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from station.lanes.settings import WEIGHING_KINDS
from station.services.scale_check import CheckResult, daily_check
from station.timeutil import beijing_now
from ui.context import AppContext

OK_COLOUR, FAIL_COLOUR = "#2e7d32", "#c62828"
MAX_KG = 200_000


def scale_ids(ctx: AppContext) -> list[str]:
    """The weighing devices of the configured lanes, in lane order."""
    return [
        device.id
        for lane in ctx.config.lanes
        for device in lane.devices
        if device.kind in WEIGHING_KINDS
    ]


class ScaleCheckDialog(QtWidgets.QDialog):
    checked = QtCore.Signal(object)  # CheckResult

    def __init__(self, ctx: AppContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: CheckResult | None = None
        self.setWindowTitle(self.tr("Daily scale check"))
        self.scale_box = QtWidgets.QComboBox()
        self.scale_box.addItems(scale_ids(ctx))
        self.reference_box = self._kg_box()
        self.reading_box = self._kg_box()
        note = QtWidgets.QLabel(
            self.tr(
                "Weigh a known vehicle or test weights (0 kg: the empty platform, the zero "
                "check) and type what the scale shows. The tolerance is the in-service "
                "maximum permissible error at that load."
            )
        )
        note.setWordWrap(True)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("Scale"), self.scale_box)
        form.addRow(self.tr("Reference (kg)"), self.reference_box)
        form.addRow(self.tr("Reading (kg)"), self.reading_box)
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Save
            | QtWidgets.QDialogButtonBox.StandardButton.Close
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    @staticmethod
    def _kg_box() -> QtWidgets.QSpinBox:
        box = QtWidgets.QSpinBox()
        box.setRange(0, MAX_KG)
        box.setSingleStep(10)
        box.setSuffix(" kg")
        return box

    def submit(self) -> None:
        scale, actor = self.scale_box.currentText(), self.ctx.session.login
        reference, reading = self.reference_box.value(), self.reading_box.value()
        if not scale:
            self._show_error(self.tr("No scale is configured."))
            return
        database = self.ctx.database
        self.buttons.setEnabled(False)

        def work() -> CheckResult:
            return daily_check(
                database, scale_id=scale, reference_kg=reference, reading_kg=reading,
                actor=actor, moment=beijing_now(),
            )  # fmt: skip

        self.ctx.tasks.run(work, self._done, self._failed)

    def _done(self, result: CheckResult) -> None:
        self.buttons.setEnabled(True)
        self.result = result
        verdict = self.tr("passed") if result.passed else self.tr("FAILED")
        text = self.tr(
            "{scale}: error {error:+d} kg, tolerance ±{tolerance} kg: {verdict}. Saved."
        ).format(
            scale=result.scale_id, error=result.error_kg, tolerance=result.tolerance_kg,
            verdict=verdict,
        )  # fmt: skip
        colour = OK_COLOUR if result.passed else FAIL_COLOUR
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold")
        self.message.setText(text)
        self.checked.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self._show_error(str(error))

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet(f"color: {FAIL_COLOUR}")
        self.message.setText(text)
