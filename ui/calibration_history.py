"""A scale's calibration history: seal events, coefficient changes, recorded static runs and
dynamic (reference-vehicle) checks.

Newest first (`station.storage.calibration_dynamic.scale_history`: the calibration events,
a recorded dynamic check with its summary). A recorded run's or check's PDF can be rendered
again (marked 副本, a copy) and saved, on a worker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6 import QtWidgets

from station.storage import calibration, calibration_dynamic
from station.storage.calibration_dynamic import DynamicRunSummary, HistoryRow, scale_history
from ui.calibration_points import FAIL_COLOUR, paint_verdict, read_only_item, verdict_text
from ui.calibration_steps import render_pdf
from ui.context import AppContext


class CalibrationHistoryDialog(QtWidgets.QDialog):
    """Every calibration event of one scale; "PDF..." for a recorded run."""

    def __init__(self, ctx: AppContext, scale_id: str, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.scale_id = ctx, scale_id
        self.entries: list[HistoryRow] = []
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
        self.ctx.tasks.run(lambda: scale_history(database, scale_id), self._loaded, self._failed)

    def _kind(self, kind: str) -> str:
        names = {
            calibration.SEAL_OPENED: self.tr("Seal opened"),
            calibration.SEAL_CLOSED: self.tr("Seal closed"),
            calibration.COEFFICIENTS_CHANGED: self.tr("Coefficients changed"),
            calibration.CALIBRATED: self.tr("Run recorded"),
            calibration_dynamic.DYNAMIC_CHECKED: self.tr("Dynamic check recorded"),
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

    def _dynamic_details(self, run: DynamicRunSummary) -> str:
        kind = self.tr("in service") if run.verification == "in_service" else self.tr("initial")
        text = self.tr(
            "dynamic run {n}, {kind}, classes {vehicle}/{axle}, {passes} passes, {verdict} "
            "({failed} of {items} items fail)"
        ).format(
            n=run.id, kind=kind, vehicle=run.vehicle_class, axle=run.axle_class,
            passes=run.passes, verdict=verdict_text(run.result_passed), failed=run.failed_items,
            items=run.items,
        )  # fmt: skip
        if run.certificate_no:
            text += "; " + self.tr("certificate {number}").format(number=run.certificate_no)
        return text

    def _cells(self, row: HistoryRow) -> tuple[str, ...]:
        entry = row.entry
        details = self._details(entry)
        if row.run is not None:
            details = "; ".join(filter(None, (self._dynamic_details(row.run), details)))
        return (
            entry.at.strftime("%Y-%m-%d %H:%M:%S"), self._kind(entry.kind), entry.actor,
            str(entry.counter), details,
        )  # fmt: skip

    def _loaded(self, entries: list[HistoryRow]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            for column, value in enumerate(self._cells(entry)):
                self.table.setItem(row, column, read_only_item(value))
            run = entry.run or entry.entry.session
            if run is not None:
                paint_verdict(self.table.item(row, 1), run.result_passed)
        if not entries:
            self.message.setText(self.tr("No calibration event is recorded for this scale."))

    def _failed(self, error: BaseException) -> None:
        self.message.setText(str(error))
        self.message.setStyleSheet(f"color: {FAIL_COLOUR}")

    def _selected_row(self) -> HistoryRow | None:
        row = self.table.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def selected_session(self) -> int | None:
        row = self._selected_row()
        session = row.entry.session if row is not None else None
        return session.id if session is not None else None

    def selected_dynamic_run(self) -> int | None:
        row = self._selected_row()
        return row.run.id if row is not None and row.run is not None else None

    def _selected(self) -> None:
        chosen = self.selected_session() is not None or self.selected_dynamic_run() is not None
        self.pdf_button.setEnabled(chosen)

    def choose_pdf_path(self, stem: str) -> Path | None:
        default = self.ctx.documents_dir / f"{stem}-copy.pdf"
        name, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, self.tr("Save the calibration record"), str(default),
            self.tr("PDF documents (*.pdf)"),
        )  # fmt: skip
        return Path(name) if name else None

    def _loader(self) -> tuple[str, Any] | None:
        """The selected run's file name and what loads it (on a worker); None if no run."""
        database = self.ctx.database
        session_id, run_id = self.selected_session(), self.selected_dynamic_run()
        if session_id is not None:
            return (f"calibration-{self.scale_id}-{session_id}",
                    lambda: calibration.load_record(database, session_id))  # fmt: skip
        if run_id is not None:
            return (f"dynamic-{self.scale_id}-{run_id}",
                    lambda: calibration_dynamic.load_dynamic_run(database, run_id))  # fmt: skip
        return None

    def save_pdf(self, path: Path | None = None) -> None:
        """Render the selected run or check again (a copy) on a worker and save it."""
        loader = self._loader()
        if loader is None:
            return
        name, load = loader
        path = path or self.choose_pdf_path(name)
        if path is None:
            return
        language = self.ctx.language
        self.pdf_button.setEnabled(False)

        def work() -> Path:
            return render_pdf(load(), path, copy=True, language=language)

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
