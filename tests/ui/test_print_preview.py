"""The Qt print dialog's preview and printout of a document, from its PDF."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PySide6 import QtPrintSupport, QtWidgets

from reports.documents import render_document
from tests.reports.samples import over_limit
from ui.print_preview import PrintPreview, paint_pages, rasterise, to_images
from ui.tasks import Tasks


def _pdf(tmp_path: Path) -> Path:
    path = tmp_path / "notice.pdf"
    path.write_bytes(render_document("unload", over_limit(), copy=False, language="zh_CN"))
    return path


def test_pages_become_images_at_print_resolution(qapp, tmp_path: Path) -> None:
    pages = rasterise(_pdf(tmp_path).read_bytes(), dpi=100)
    assert len(pages) == 1
    width, height, _ = pages[0]
    assert (width, height) == (827, 1170)  # A4 at 100 dpi
    image = to_images(pages)[0]
    assert image.width() == width
    # Ink on the page: the document is not blank.
    dark = sum(1 for x in range(0, width, 7) for y in range(0, height, 7)
               if image.pixelColor(x, y).lightness() < 128)  # fmt: skip
    assert dark > 100


def test_printing_paints_one_page_per_document_page(qapp, tmp_path: Path) -> None:
    images = to_images(rasterise(_pdf(tmp_path).read_bytes(), dpi=100) * 2)
    printer = QtPrintSupport.QPrinter(QtPrintSupport.QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QtPrintSupport.QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    paint_pages(printer, images)
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
        assert "Pages:           2" in info.stdout


def test_the_preview_dialog_opens_without_blocking(qtbot, tmp_path: Path) -> None:
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    preview = PrintPreview(Tasks(parent), parent)
    with qtbot.waitSignal(preview.opened, timeout=10000) as opened:
        preview.show(_pdf(tmp_path))
    dialog = opened.args[0]
    assert isinstance(dialog, QtPrintSupport.QPrintPreviewDialog)
    assert len(preview.images) == 1
    dialog.reject()
    assert preview.images == [], "the page images go with the dialog"


def test_a_missing_file_says_so(qtbot, tmp_path: Path) -> None:
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    preview = PrintPreview(Tasks(parent), parent)
    preview.show(tmp_path / "gone.pdf")
    qtbot.waitUntil(lambda: bool(parent.findChildren(QtWidgets.QMessageBox)), timeout=5000)
    box = parent.findChildren(QtWidgets.QMessageBox)[0]
    assert "gone.pdf" in box.text()
    box.close()
