"""Printing a record's documents from the desktop, never on the GUI thread.

The document is rendered from the recorded weighing (reports/), saved as a PDF in the
station's documents folder, and the print is written to the audit chain. A document that
was printed before comes out marked 副本 (COPY), and its audit event says which copy.
Sending the PDF to a printer through the Qt print dialog comes with the documents issue;
until then the PDF opens in the system viewer, which prints it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from station.storage import views
from ui.context import AppContext

KINDS = ("ticket", "unload")


# One document at a time: the first print imports ReportLab and registers the font, and two
# workers doing that at once can deadlock on the import and font locks.
_RENDERING = threading.Lock()


def _render(kind: str, detail, copy: bool, language: str) -> bytes:
    with _RENDERING:
        # ReportLab loads on the first print, not at start-up (first window under 2 s).
        from reports.documents import render_ticket, render_unload_notice  # noqa: PLC0415

        render = render_ticket if kind == "ticket" else render_unload_notice
        return render(detail, copy=copy, language=language)


def produce_document(ctx: AppContext, check_no: str, kind: str, actor: str) -> Path:
    """Render, save and audit one document (runs on a worker thread); return the PDF path."""
    if kind not in KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    detail = views.weighing_detail(
        ctx.database,
        check_no,
        ctx.pictures_root,
        site_name=ctx.config.station.name,
        deadline_hours=ctx.deadline_hours,
    )
    if detail is None:
        raise ValueError(f"check_no: there is no weighing {check_no}")
    before = views.prints_of(ctx.database, check_no).get(kind, 0)
    pdf = _render(kind, detail, before > 0, ctx.language)
    folder = ctx.documents_dir
    folder.mkdir(parents=True, exist_ok=True)
    suffix = f"-copy{before}" if before else ""
    path = folder / f"{check_no}-{kind}{suffix}.pdf"
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(pdf)
    temporary.replace(path)
    views.record_print(ctx.database, check_no, kind, actor=actor, printer=str(path))
    return path


def print_document(
    ctx: AppContext,
    parent: QtWidgets.QWidget,
    check_no: str,
    kind: str,
    done: Callable[[Path], None] | None = None,
) -> None:
    """Produce the document in the background, open it in the system viewer (which prints
    it), then tell `done` the PDF's path."""
    actor = ctx.session.login
    owner = weakref.ref(parent)  # a closing dialog must not be kept alive by its print

    def finished(path: Path) -> None:
        if QtGui.QGuiApplication.platformName() != "offscreen":
            QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(path)))
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
