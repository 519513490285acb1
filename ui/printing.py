"""Printing a record's documents from the desktop, never on the GUI thread.

The document is produced by the same service as `main.py print-record`
(station/services/documents.py): rendered from the recorded weighing (reports/), saved as a
PDF in the station's documents folder, sent to the kind's printer when [printing] names one
(drivers/printers.py, CUPS), and written to the audit chain. A document that was printed
before comes out marked 副本 (COPY), and its audit event says which copy. Without a
configured printer the Qt print dialog opens with a preview (ui/print_preview.py).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from station.cli import document_settings
from station.services import documents
from station.storage import views
from ui.context import AppContext
from ui.print_preview import PrintPreview

KINDS = documents.KINDS


# One document at a time: the first print imports ReportLab and registers the font, and two
# workers doing that at once can deadlock on the import and font locks.
_RENDERING = threading.Lock()


def _render(kind, detail, reweigh=None, **options) -> bytes:
    with _RENDERING:
        # ReportLab loads on the first print, not at start-up (first window under 2 s).
        from reports.documents import render_document  # noqa: PLC0415

        return render_document(kind, detail, reweigh, **options)


def printer_of(ctx: AppContext, kind: str) -> str:
    """The kind's configured printer; "" when the PDF is only saved (and opened)."""
    printing = getattr(ctx.config, "printing", None)
    return printing.printer_for(kind) if printing is not None else ""


def produce_document(ctx: AppContext, check_no: str, kind: str, actor: str) -> Path:
    """Render, save, print when configured and audit one document (on a worker thread);
    return the PDF path."""
    if kind not in KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    from drivers.printers import CupsPrinters  # noqa: PLC0415

    before = views.prints_of(ctx.database, check_no).get(kind, 0)
    suffix = f"-copy{before}" if before else ""
    out = ctx.documents_dir / f"{check_no}-{kind}{suffix}.pdf"
    settings = document_settings(ctx.config)
    # The desktop's language may differ from the station's default.
    settings = documents.DocumentSettings(
        settings.pictures_root, settings.site_name, ctx.deadline_hours, ctx.language,
        settings.offsets,
    )  # fmt: skip
    request = documents.DocumentRequest(check_no, kind, actor, out, printer_of(ctx, kind))
    done = documents.produce_document(
        ctx.database, settings, request, render=_render, printers=CupsPrinters()
    )
    return done.path


def print_document(
    ctx: AppContext,
    parent: QtWidgets.QWidget,
    check_no: str,
    kind: str,
    done: Callable[[Path], None] | None = None,
) -> None:
    """Produce the document in the background, print it on the kind's printer or else open
    the print dialog with its preview, then tell `done` the PDF's path."""
    actor = ctx.session.login
    owner = weakref.ref(parent)  # a closing dialog must not be kept alive by its print

    def finished(path: Path) -> None:
        window = owner()
        if not printer_of(ctx, kind) and window is not None:
            PrintPreview(ctx.tasks, window).show(path)
        if done is not None:
            done(path)

    def failed(error: BaseException) -> None:
        text = QtCore.QCoreApplication.translate(
            "Printing", "The document was not produced: {error}"
        ).format(error=error)
        title = QtCore.QCoreApplication.translate("Printing", "Cannot print")
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, title, text)
        box.setParent(owner(), QtCore.Qt.WindowType.Dialog)
        box.setModal(False)
        box.open()

    ctx.tasks.run(lambda: produce_document(ctx, check_no, kind, actor), finished, failed)
