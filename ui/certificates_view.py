"""Verification certificates (检定证书) of the scales, for the technician and the supervisor.

Every scale with its current certificate and the days left; a red banner for scales
without one, expired, or expiring within 30 days (the reminder), because the lanes hold
every vehicle weighed on such a scale (NO_CERTIFICATE, CERT_EXPIRED). A renewal is
recorded here with its scanned copy (JPEG, PNG or PDF, told by its content), which can be
opened again after its hash is checked; certificates are never edited, a correction is a
new one. Database work runs on a worker.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from station.security import Permission
from station.storage.files import PictureStore
from station.storage.scales import (
    REMIND_DAYS,
    Certificate,
    CertificateStatus,
    certificate_statuses,
    certificates,
    record_certificate,
    scan_from_bytes,
)
from station.timeutil import beijing_today
from ui.context import AppContext

WARN, OK = "#c62828", "#2e7d32"
SCAN_SUFFIXES = (".jpg", ".jpeg", ".png", ".pdf")


def _open_with_system(path: Path) -> None:
    QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(path)))


class CertificatesView(QtWidgets.QWidget):
    loaded = QtCore.Signal()
    recorded = QtCore.Signal(str)  # scale id
    scan_problem = QtCore.Signal(str)

    def __init__(self, ctx: AppContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.statuses: list[CertificateStatus] = []
        self.banner = QtWidgets.QLabel()
        self.banner.setWordWrap(True)
        self.table = QtWidgets.QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Scale"), self.tr("Certificate"), self.tr("Institute"), self.tr("Issued"),
             self.tr("Valid until"), self.tr("Days left")]
        )  # fmt: skip
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.open_scan_button = QtWidgets.QPushButton(self.tr("Open scanned copy"))
        self.open_scan_button.setEnabled(False)
        self.open_scan_button.clicked.connect(self.open_scan)
        self.open_file = _open_with_system  # the desktop's viewer for JPEG, PNG and PDF
        self.form = RenewalForm(self)
        self.form.submitted.connect(self._record)
        self.scan_problem.connect(lambda text: self.form.show_error(ValueError(text)))
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.open_scan_button, 0, QtCore.Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.form)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.form.setEnabled(self.ctx.session.can(Permission.MANAGE_CERTIFICATES))
        self.refresh()

    def refresh(self) -> None:
        database, today = self.ctx.database, beijing_today()
        self.ctx.tasks.run(lambda: certificate_statuses(database, today), self._show)

    def _show(self, statuses: list[CertificateStatus]) -> None:
        self.statuses = statuses
        self.table.setRowCount(len(statuses))
        for row, status in enumerate(statuses):
            for column, text in enumerate(self._cells(status)):
                self.table.setItem(row, column, QtWidgets.QTableWidgetItem(text))
            if self._due(status):
                self.table.item(row, 5).setForeground(QtGui.QColor(WARN))
        self.form.set_scales([status.scale_id for status in statuses])
        self._banner(statuses)
        self._selection_changed()
        self.loaded.emit()

    def _selected(self) -> CertificateStatus | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return self.statuses[min(rows)] if rows and min(rows) < len(self.statuses) else None

    def _selection_changed(self) -> None:
        status = self._selected()
        cert = status.certificate if status else None
        self.open_scan_button.setEnabled(cert is not None and cert.scan_sha256 is not None)

    def open_scan(self) -> None:
        """Show the selected scale's current certificate scan, after checking its hash."""
        status = self._selected()
        if status is None or status.certificate is None or not status.certificate.scan_sha256:
            return
        database, scale_id = self.ctx.database, status.scale_id
        sha256 = status.certificate.scan_sha256
        store = PictureStore(self.ctx.config.data_dir / "pictures")
        altered = self.tr("The stored scan of {scale} is missing or altered: {problem}")

        def work() -> Path:
            entry = next(e for e in certificates(database, scale_id)
                         if e.certificate.scan_sha256 == sha256 and e.scan_path)  # fmt: skip
            problem = store.check(entry.scan_path, sha256)
            if problem:
                raise ValueError(altered.format(scale=scale_id, problem=problem))
            return store.path_of(entry.scan_path)

        self.ctx.tasks.run(work, self.open_file, lambda exc: self.scan_problem.emit(str(exc)))

    def _cells(self, status: CertificateStatus) -> list[str]:
        cert = status.certificate
        if cert is None:
            return [status.scale_id, self.tr("none"), "", "", "", self.tr("no certificate")]
        issued = cert.issued_on.isoformat() if cert.issued_on else ""
        days = self.tr("expired") if status.expired else str(status.days_left)
        return [status.scale_id, cert.number, cert.institute, issued,
                cert.valid_until.isoformat(), days]  # fmt: skip

    @staticmethod
    def _due(status: CertificateStatus) -> bool:
        return status.days_left is None or status.days_left <= REMIND_DAYS

    def _banner(self, statuses: list[CertificateStatus]) -> None:
        due = [status for status in statuses if self._due(status)]
        if not due:
            self.banner.setStyleSheet(f"color: {OK}")
            self.banner.setText(self.tr("Every scale has a valid certificate."))
            return
        parts = [self._reminder(status) for status in due]
        self.banner.setStyleSheet(f"color: white; background: {WARN}; padding: 6px")
        self.banner.setText(
            self.tr("Certificates to renew (vehicles on these scales are held): {list}").format(
                list="; ".join(parts)
            )
        )

    def _reminder(self, status: CertificateStatus) -> str:
        if status.certificate is None:
            return self.tr("{scale}: no certificate").format(scale=status.scale_id)
        if status.expired:
            return self.tr("{scale}: expired on {day}").format(
                scale=status.scale_id, day=status.certificate.valid_until.isoformat()
            )
        return self.tr("{scale}: {days} days left").format(
            scale=status.scale_id, days=status.days_left
        )

    def _record(self, scale_id: str, cert: Certificate, scan_path: Path | None) -> None:
        ctx, actor = self.ctx, self.ctx.session.login
        store = PictureStore(ctx.config.data_dir / "pictures")
        not_a_scan = self.tr("The scan must be a JPEG, PNG or PDF file.")

        def work() -> str:
            # The scan is read here, on the worker: a file on a network share can be slow.
            scan = None
            if scan_path is not None:
                try:
                    scan = scan_from_bytes(scan_path.read_bytes())
                except ValueError:
                    raise ValueError(not_a_scan) from None
            record_certificate(ctx.database, actor, scale_id, cert, scan=scan, store=store)
            return scale_id

        self.ctx.tasks.run(work, self._recorded, self.form.show_error)

    def _recorded(self, scale_id: str) -> None:
        self.form.done(scale_id)
        self.recorded.emit(scale_id)
        self.refresh()


class RenewalForm(QtWidgets.QGroupBox):
    """A new certificate for a scale: number, institute, issued, valid until, the scan."""

    submitted = QtCore.Signal(str, object, object)  # scale id, Certificate, scan Path | None

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Record a certificate (a renewal or a correction)"))
        self.scale_box = QtWidgets.QComboBox()
        self.number_edit = QtWidgets.QLineEdit()
        self.institute_edit = QtWidgets.QLineEdit()
        now = beijing_today()  # the records' calendar, not the PC's time zone
        today = QtCore.QDate(now.year, now.month, now.day)
        self.issued_edit = self._date(today)
        self.until_edit = self._date(today.addYears(1).addDays(-1))
        self.scan_path: Path | None = None
        self.scan_button = QtWidgets.QPushButton(self.tr("Scanned copy…"))
        self.scan_button.clicked.connect(self._choose_scan)
        self.save_button = QtWidgets.QPushButton(self.tr("Save certificate"))
        self.save_button.clicked.connect(self.submit)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.tr("Scale"), self.scale_box)
        form.addRow(self.tr("Certificate number"), self.number_edit)
        form.addRow(self.tr("Issuing institute"), self.institute_edit)
        form.addRow(self.tr("Issued on"), self.issued_edit)
        form.addRow(self.tr("Valid until"), self.until_edit)
        form.addRow(self.scan_button, self.save_button)
        form.addRow(self.message)

    @staticmethod
    def _date(day: QtCore.QDate) -> QtWidgets.QDateEdit:
        edit = QtWidgets.QDateEdit(day)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def set_scales(self, scale_ids: list[str]) -> None:
        current = self.scale_box.currentText()
        self.scale_box.clear()
        self.scale_box.addItems(scale_ids)
        if current in scale_ids:
            self.scale_box.setCurrentText(current)

    def _choose_scan(self) -> None:
        name, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, self.tr("Scanned certificate"), "", self.tr("Scans (*.jpg *.jpeg *.png *.pdf)")
        )
        if name:
            self.set_scan(Path(name))

    def set_scan(self, path: Path) -> None:
        self.scan_path = path
        self.scan_button.setText(path.name)

    def submit(self) -> None:
        if self.scan_path is not None and self.scan_path.suffix.lower() not in SCAN_SUFFIXES:
            self.show_error(ValueError(self.tr("The scan must be a JPEG, PNG or PDF file.")))
            return
        cert = Certificate(
            number=self.number_edit.text().strip(),
            institute=self.institute_edit.text().strip(),
            valid_until=_day(self.until_edit),
            issued_on=_day(self.issued_edit),
        )
        self.save_button.setEnabled(False)
        self.submitted.emit(self.scale_box.currentText(), cert, self.scan_path)

    def show_error(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.message.setStyleSheet(f"color: {WARN}")
        self.message.setText(str(error))

    def done(self, scale_id: str) -> None:
        self.save_button.setEnabled(True)
        self.message.setStyleSheet(f"color: {OK}")
        self.message.setText(self.tr("Certificate of {scale} saved.").format(scale=scale_id))
        self.number_edit.clear()
        self.scan_path = None
        self.scan_button.setText(self.tr("Scanned copy…"))


def _day(edit: QtWidgets.QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())
