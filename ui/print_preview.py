"""Printing a document through the Qt print dialog, with a preview.

The documents are PDFs (reports/); Qt's printer takes painted pages. pypdfium2 turns each
page into an image on a worker thread (the GUI thread never renders a PDF), and the
preview dialog paints those images onto the chosen printer, one page each, scaled to the
printable page with its proportions kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pypdfium2
from PySide6 import QtCore, QtGui, QtPrintSupport, QtWidgets

from ui.tasks import Tasks

PRINT_DPI = 200


def rasterise(pdf: bytes, dpi: int = PRINT_DPI) -> list[tuple[int, int, bytes]]:
    """Every page as (width, height, RGB bytes); runs on a worker thread (no Qt objects)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for index in range(len(document)):
            image = document[index].render(scale=dpi / 72).to_pil().convert("RGB")
            pages.append((image.width, image.height, image.tobytes()))
        return pages
    finally:
        document.close()


def to_images(pages: Sequence[tuple[int, int, bytes]]) -> list[QtGui.QImage]:
    """On the GUI thread: the raw pages as QImages (copied, so they own their pixels)."""
    return [
        QtGui.QImage(data, width, height, width * 3, QtGui.QImage.Format.Format_RGB888).copy()
        for width, height, data in pages
    ]


def paint_pages(printer: QtPrintSupport.QPrinter, images: Sequence[QtGui.QImage]) -> None:
    """One image per printed page, as large as the page allows, proportions kept."""
    painter = QtGui.QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be opened")
    try:
        for number, image in enumerate(images):
            if number:
                printer.newPage()
            area = painter.viewport()
            size = image.size().scaled(area.size(), QtCore.Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(area.x(), area.y(), size.width(), size.height())
            painter.setWindow(image.rect())
            painter.drawImage(0, 0, image)
            painter.setViewport(area)
    finally:
        painter.end()


class PrintPreview(QtCore.QObject):
    """Rasterise a PDF in the background, then open the print dialog with its preview."""

    opened = QtCore.Signal(object)  # the QPrintPreviewDialog, for tests

    def __init__(self, tasks: Tasks, parent: QtWidgets.QWidget, printer_name: str = "") -> None:
        super().__init__(parent)
        self.tasks, self.printer_name = tasks, printer_name
        self.images: list[QtGui.QImage] = []

    def show(self, pdf_path: Path) -> None:
        self.tasks.run(lambda: rasterise(pdf_path.read_bytes()), self._ready, self._failed)

    def _ready(self, pages: list[tuple[int, int, bytes]]) -> None:
        self.images = to_images(pages)
        # The dialog does not own the printer: it must live as long as this object does.
        self.printer = printer = QtPrintSupport.QPrinter(
            QtPrintSupport.QPrinter.PrinterMode.HighResolution
        )
        printer.setPageSize(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4))
        if self.printer_name:
            printer.setPrinterName(self.printer_name)
        parent = self.parent()
        dialog = QtPrintSupport.QPrintPreviewDialog(printer, parent)
        dialog.setWindowTitle(self.tr("Print preview"))
        dialog.paintRequested.connect(lambda target: paint_pages(target, self.images))
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        # A page at 200 dpi is about 12 MB: let go of them with the dialog.
        dialog.finished.connect(self._done)
        self.opened.emit(dialog)
        dialog.open()

    def _done(self, result: int) -> None:
        del result
        self.images = []
        self.deleteLater()

    def _failed(self, error: BaseException) -> None:
        QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Warning,
            self.tr("Cannot print"),
            self.tr("The document could not be prepared for printing: {error}").format(error=error),
            parent=self.parent(),
        ).open()
        self.deleteLater()
