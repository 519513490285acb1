"""Correcting the plate of a recorded weighing.

A record is evidence and is never edited: the correction voids the weighing and records
it again with the corrected plate (station.storage.corrections), audited with the reason.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from station.storage import corrections
from ui.context import AppContext

# Province plate-colour codes (province-api.md §3.1) in the order operators pick them.
COLOURS = ((1, "Yellow"), (0, "Blue"), (11, "Green"), (5, "Yellow-green"), (2, "Black"),
           (3, "White"), (9, "Unknown"))  # fmt: skip


class PlateCorrectionDialog(QtWidgets.QDialog):
    corrected = QtCore.Signal(str)  # the new checkNo

    def __init__(
        self, ctx: AppContext, check_no: str, plate: str, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx, self.check_no = ctx, check_no
        self.setWindowTitle(self.tr("Correct the plate of {check}").format(check=check_no))
        self.plate_edit = QtWidgets.QLineEdit(plate)
        self.plate_edit.setMaxLength(12)
        self.colour_box = QtWidgets.QComboBox()
        names = {
            "Yellow": self.tr("Yellow"), "Blue": self.tr("Blue"), "Green": self.tr("Green"),
            "Yellow-green": self.tr("Yellow-green"), "Black": self.tr("Black"),
            "White": self.tr("White"), "Unknown": self.tr("Unknown"),
        }  # fmt: skip
        for code, name in COLOURS:
            self.colour_box.addItem(names[name], code)
        self.reason_edit = QtWidgets.QLineEdit(self.tr("Plate misread by the camera"))
        self.message = QtWidgets.QLabel()
        self.message.setStyleSheet("color: #c62828")
        self.message.setWordWrap(True)
        note = QtWidgets.QLabel(
            self.tr(
                "The record is voided and recorded again with this plate; both stay in the chain."
            )
        )
        note.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("Plate"), self.plate_edit)
        form.addRow(self.tr("Colour"), self.colour_box)
        form.addRow(self.tr("Reason"), self.reason_edit)
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        plate = self.plate_edit.text().strip().upper().replace(" ", "")
        reason = self.reason_edit.text().strip()
        colour = int(self.colour_box.currentData())
        ctx, check_no, actor = self.ctx, self.check_no, self.ctx.session.login
        self.buttons.setEnabled(False)

        def work() -> str:
            return corrections.correct_plate(
                ctx.database, ctx.config.station.site_code, check_no, plate, colour,
                actor=actor, reason=reason,
            )  # fmt: skip

        ctx.tasks.run(work, self._done, self._failed)

    def _done(self, new_check_no: str) -> None:
        self.corrected.emit(new_check_no)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(str(error))
