"""A scale's calibration history: seal events, coefficient changes and recorded runs.

Newest first (`station.storage.calibration.history`). A recorded run's PDF can be rendered
again (marked 副本, a copy) and saved, on a worker.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6 import QtWidgets

from station.storage import calibration
from ui.calibration_points import FAIL_COLOUR, paint_verdict, read_only_item, verdict_text
from ui.calibration_steps import render_pdf
from ui.context import AppContext


class CalibrationHistoryDialog(QtWidgets.QDialog):
    """Every calibration event of one scale; "PDF..." for a recorded run."""

    def __init__(self, ctx: AppContext, scale_id: str, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.scale_id = ctx, scale_id
        self.entries: list[calibration.HistoryEntry] = []
        self.pdf_path: Path | None = None
        self.setWindowTitle(self.tr("Calibration history of scale {scale}").format(scale=scale_id))
        self.resize(900, 480)
        self.table = QtWidgets.QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([
            self.tr("Time"), self.tr("Event"), self.tr("By"), self.tr("Counter"),
            self.tr("Details"),
        ])  # fmt: skip
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        self.pdf_button = QtWidgets.QPushButton(self.tr("PDF of the selected run..."))
        self.pdf_button.setEnabled(False)
        self.pdf_button.clicked.connect(lambda _=False: self.save_pdf())
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.pdf_button)
        row.addWidget(self.message, 1)
        layout.addLayout(row)
        layout.addWidget(close)
        self.refresh()

    def refresh(self) -> None:
        database, scale_id = self.ctx.database, self.scale_id
        self.ctx.tasks.run(
            lambda: calibration.history(database, scale_id), self._loaded, self._failed
        )

    def _kind(self, kind: str) -> str:
        names = {
            calibration.SEAL_OPENED: self.tr("Seal opened"),
            calibration.SEAL_CLOSED: self.tr("Seal closed"),
            calibration.COEFFICIENTS_CHANGED: self.tr("Coefficients changed"),
            calibration.CALIBRATED: self.tr("Run recorded"),
        }
        return names.get(kind, kind)

    def _details(self, entry: calibration.HistoryEntry) -> str:
        parts = []
        if entry.kind == calibration.COEFFICIENTS_CHANGED:
            before = json.dumps(entry.before, ensure_ascii=False, sort_keys=True)
            after = json.dumps(entry.after, ensure_ascii=False, sort_keys=True)
            parts.append(f"{before} → {after}")
        if entry.session is not None:
            s = entry.session
            kind = self.tr("in service") if s.verification == "in_service" else self.tr("initial")
            parts.append(self.tr("run {n}, {kind}, {verdict}, counter {a} → {b}").format(
                n=s.id, kind=kind, verdict=verdict_text(s.result_passed),
                a=s.counter_before, b=s.counter_after))  # fmt: skip
        if entry.reason:
            parts.append(self.tr("reason: {reason}").format(reason=entry.reason))
        return "; ".join(parts)

    def _loaded(self, entries: list[calibration.HistoryEntry]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            values = (
                entry.at.strftime("%Y-%m-%d %H:%M:%S"), self._kind(entry.kind), entry.actor,
                str(entry.counter), self._details(entry),
            )  # fmt: skip
            for column, value in enumerate(values):
                self.table.setItem(row, column, read_only_item(value))
            if entry.session is not None:
                paint_verdict(self.table.item(row, 1), entry.session.result_passed)
        if not entries:
            self.message.setText(self.tr("No calibration event is recorded for this scale."))

    def _failed(self, error: BaseException) -> None:
        self.message.setText(str(error))
        self.message.setStyleSheet(f"color: {FAIL_COLOUR}")

    def selected_session(self) -> int | None:
        row = self.table.currentRow()
        if 0 <= row < len(self.entries) and self.entries[row].session is not None:
            return self.entries[row].session.id
        return None

    def _selected(self) -> None:
        self.pdf_button.setEnabled(self.selected_session() is not None)

    def choose_pdf_path(self, session_id: int) -> Path | None:
        default = self.ctx.documents_dir / f"calibration-{self.scale_id}-{session_id}-copy.pdf"
        name, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, self.tr("Save the calibration record"), str(default),
            self.tr("PDF documents (*.pdf)"),
        )  # fmt: skip
        return Path(name) if name else None

    def save_pdf(self, path: Path | None = None) -> None:
        """Render the selected run again (a copy) on a worker and save it."""
        session_id = self.selected_session()
        if session_id is None:
            return
        path = path or self.choose_pdf_path(session_id)
        if path is None:
            return
        database, language = self.ctx.database, self.ctx.language
        self.pdf_button.setEnabled(False)

        def work() -> Path:
            record = calibration.load_record(database, session_id)
            return render_pdf(record, path, copy=True, language=language)

        def done(saved: Path) -> None:
            self.pdf_path = saved
            self.pdf_button.setEnabled(True)
            self.message.setStyleSheet("")
            self.message.setText(self.tr("PDF saved: {path}").format(path=saved))

        def failed(error: BaseException) -> None:
            self.pdf_button.setEnabled(True)
            self._failed(error)

        self.ctx.tasks.run(work, done, failed)


__all__ = ["CalibrationHistoryDialog"]
