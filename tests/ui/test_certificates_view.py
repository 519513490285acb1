"""Certificates from the desktop: the 30-day reminder, and a renewal with its scan."""

from __future__ import annotations

import random
from datetime import timedelta

from PySide6 import QtCore

from station.simulation import placeholder_photo
from station.storage.scales import certificates
from station.timeutil import beijing_today
from ui.certificates_view import CertificatesView


def _view(qtbot, desk) -> CertificatesView:
    view = CertificatesView(desk.ctx)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=5000):
        view.refresh()
    return view


def _renew(qtbot, view: CertificatesView, scale: str, number: str, days: int, scan=None):
    until = beijing_today() + timedelta(days=days)
    form = view.form
    form.scale_box.setCurrentText(scale)
    form.number_edit.setText(number)
    form.institute_edit.setText("河南省计量科学研究院")
    form.until_edit.setDate(QtCore.QDate(until.year, until.month, until.day))
    issued = until - timedelta(days=365)
    form.issued_edit.setDate(QtCore.QDate(issued.year, issued.month, issued.day))
    if scan is not None:
        form.set_scan(scan)
    with qtbot.waitSignal(view.loaded, timeout=5000):
        form.submit()


def test_all_valid_then_a_certificate_due_in_ten_days_is_reminded(qtbot, desk, tmp_path):
    view = _view(qtbot, desk)
    assert view.banner.text() == "Every scale has a valid certificate."
    assert view.table.rowCount() == 2
    scan = tmp_path / "scan.png"
    scan.write_bytes(placeholder_photo(random.Random(4)))
    _renew(qtbot, view, "axle", "JD-2026-0042", 10, scan)
    assert "axle: 10 days left" in view.banner.text()
    assert "platform" not in view.banner.text()
    [latest, *_] = certificates(desk.ctx.database, "axle")
    assert latest.certificate.number == "JD-2026-0042" and latest.scan_mime == "image/png"
    stored = desk.ctx.config.data_dir / "pictures" / latest.scan_path
    assert stored.read_bytes() == scan.read_bytes()


def test_an_expired_certificate_is_named_in_the_banner(qtbot, desk):
    view = _view(qtbot, desk)
    _renew(qtbot, view, "platform", "JD-OLD", -1)
    assert "platform: expired on" in view.banner.text()
    row = [view.table.item(r, 0).text() for r in range(2)].index("platform")
    assert view.table.item(row, 5).text() == "expired"


def test_a_certificate_without_a_number_is_refused_with_the_reason(qtbot, desk):
    view = _view(qtbot, desk)
    view.form.number_edit.setText("")
    view.form.institute_edit.setText("计量所")
    view.form.submit()
    qtbot.waitUntil(lambda: view.form.message.text() != "", timeout=5000)
    assert "number" in view.form.message.text()
    assert len(certificates(desk.ctx.database, "axle")) == 1


def _pdf(path):
    from reportlab.pdfgen.canvas import Canvas

    page = Canvas(str(path))
    page.drawString(72, 720, "JD-2026-0099")
    page.save()
    return path


def _select(view: CertificatesView, scale: str) -> None:
    row = [view.table.item(r, 0).text() for r in range(view.table.rowCount())].index(scale)
    view.table.selectRow(row)


def test_a_pdf_scan_is_recorded_and_opened_again_after_its_hash_is_checked(qtbot, desk, tmp_path):
    view = _view(qtbot, desk)
    scan = _pdf(tmp_path / "certificate.pdf")
    _renew(qtbot, view, "axle", "JD-2026-0099", 200, scan)
    [latest, *_] = certificates(desk.ctx.database, "axle")
    assert latest.scan_mime == "application/pdf" and latest.scan_path.endswith(".pdf")

    opened = []
    view.open_file = opened.append  # the desktop's viewer is outside what runs here
    _select(view, "platform")  # recorded without a scan
    assert not view.open_scan_button.isEnabled()
    _select(view, "axle")
    assert view.open_scan_button.isEnabled()
    view.open_scan_button.click()
    qtbot.waitUntil(lambda: opened != [], timeout=5000)
    assert opened[0].read_bytes() == scan.read_bytes()


def test_an_altered_scan_is_not_opened_and_the_reason_is_shown(qtbot, desk, tmp_path):
    view = _view(qtbot, desk)
    scan = _pdf(tmp_path / "certificate.pdf")
    _renew(qtbot, view, "axle", "JD-2026-0099", 200, scan)
    [latest, *_] = certificates(desk.ctx.database, "axle")
    stored = desk.ctx.config.data_dir / "pictures" / latest.scan_path
    stored.write_bytes(stored.read_bytes() + b"% appended afterwards\n")

    opened = []
    view.open_file = opened.append
    _select(view, "axle")
    with qtbot.waitSignal(view.scan_problem, timeout=5000) as problem:
        view.open_scan_button.click()
    assert "altered" in problem.args[0] and opened == []
    assert "axle" in view.form.message.text()


def test_a_file_that_is_no_scan_is_refused_by_its_content(qtbot, desk, tmp_path):
    view = _view(qtbot, desk)
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"GIF89a renamed to .pdf")
    view.form.number_edit.setText("JD-FAKE")
    view.form.institute_edit.setText("计量所")
    view.form.set_scan(fake)
    view.form.submit()
    qtbot.waitUntil(lambda: view.form.message.text() != "", timeout=5000)
    assert view.form.message.text() == "The scan must be a JPEG, PNG or PDF file."
    assert len(certificates(desk.ctx.database, "axle")) == 1
