"""Producing a printed document of a weighing: load, render, save, print, audit.

The command line (`main.py print-record`) and the desktop (ui/printing.py) both come here,
so a document is numbered, marked 副本 and audited the same way wherever it is printed.
The station does not import reports/ or drivers/: the renderer and the printers are ports
(`Render`, `Printers`) that the composition roots pass in.

Every produced document is a PDF file first; a printer, when one is named, gets that file.
Each one is audited (views.record_print), and a kind printed before comes out as a copy.
The sheet (称重和卸载单) belongs to the first weighing: asked for a re-weighing's number, it
is produced and counted under the first weighing's number.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from station.readmodel import WeighingDetail
from station.storage import views
from station.storage.database import Database

KINDS = ("ticket", "unload", "sheet")


class DocumentError(ValueError):
    """The document cannot be produced from what was asked (bad number, kind, printer...)."""


class Render(Protocol):
    def __call__(
        self,
        kind: str,
        detail: WeighingDetail,
        reweigh: WeighingDetail | None = None,
        *,
        copy: bool = False,
        language: str = "zh_CN",
        offset_mm: tuple[float, float] = (0.0, 0.0),
    ) -> bytes: ...


class Printers(Protocol):
    def check(self, name: str) -> None: ...

    def send(self, name: str, path: Path, *, title: str = "") -> str: ...


@dataclass(frozen=True, slots=True)
class DocumentSettings:
    """What the station's configuration says about documents."""

    pictures_root: Path
    site_name: str
    deadline_hours: int
    language: str = "zh_CN"
    offsets: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    check_no: str
    kind: str
    actor: str
    out: Path
    printer: str = ""  # "" = save the PDF only


@dataclass(frozen=True, slots=True)
class Produced:
    path: Path
    check_no: str  # the weighing the document was counted under
    copy_no: int  # 0 the original, 1 the first copy, ...
    printer: str = ""
    job: str = ""  # the printer's job id


@dataclass(frozen=True, slots=True)
class Sources:
    detail: WeighingDetail
    reweigh: WeighingDetail | None = None


def load_sources(
    database: Database, check_no: str, kind: str, settings: DocumentSettings
) -> Sources:
    """The read-models a document of `kind` is made of; DocumentError when there is none."""
    if kind not in KINDS:
        raise DocumentError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    detail = _detail(database, check_no, settings)
    if kind != "sheet":
        return Sources(detail)
    if detail.first_check_no:
        detail = _detail(database, detail.first_check_no, settings)
    reweighs = detail.case.reweigh_check_nos if detail.case is not None else ()
    # The latest re-weighing is the one that decides the outcome.
    reweigh = _detail(database, reweighs[-1], settings) if reweighs else None
    return Sources(detail, reweigh)


def _detail(database: Database, check_no: str, settings: DocumentSettings) -> WeighingDetail:
    detail = views.weighing_detail(
        database,
        check_no,
        settings.pictures_root,
        site_name=settings.site_name,
        deadline_hours=settings.deadline_hours,
    )
    if detail is None:
        raise DocumentError(f"check_no: there is no weighing {check_no}")
    return detail


def produce_document(
    database: Database,
    settings: DocumentSettings,
    request: DocumentRequest,
    *,
    render: Render,
    printers: Printers | None = None,
) -> Produced:
    """Render the document to `request.out`, print it when a printer is named, audit it.

    An unknown printer is refused before anything is written. Once the PDF is saved it is
    audited even when the printer then fails (the PDF exists and may be handed out), and
    the printer's error is raised after that.
    """
    sources = load_sources(database, request.check_no, request.kind, settings)
    check_no = sources.detail.check_no
    if request.printer:
        if printers is None:
            raise DocumentError("printer: no printing available here")
        printers.check(request.printer)
    before = views.prints_of(database, check_no).get(request.kind, 0)
    try:
        pdf = render(
            request.kind,
            sources.detail,
            sources.reweigh,
            copy=before > 0,
            language=settings.language,
            offset_mm=settings.offsets.get(request.printer, (0.0, 0.0)),
        )
    except ValueError as exc:  # e.g. an unload notice of a weighing within the limit
        raise DocumentError(str(exc)) from exc
    _write_atomically(request.out, pdf)
    job, printed = "", False
    try:
        if request.printer and printers is not None:
            job = printers.send(request.printer, request.out, title=request.out.stem)
            printed = True
    finally:
        # The audit names the printer (and its job) when printed, else the saved file.
        where = f"{request.printer} {job}".strip() if printed else str(request.out)
        copy_no = views.record_print(
            database, check_no, request.kind, actor=request.actor, printer=where
        )
    return Produced(request.out, check_no, copy_no, request.printer if printed else "", job)


DEFAULT_PRINTER = "default"


def resolve_printer(asked: str | None, configured: str, kind: str) -> str:
    """The printer to use: none unless asked; `default` means the kind's configured one."""
    if not asked:
        return ""
    if asked != DEFAULT_PRINTER:
        return asked
    if not configured:
        raise DocumentError(f"printer: no default printer for {kind} ([printing] {kind}_printer)")
    return configured


def _write_atomically(path: Path, data: bytes) -> None:
    """A half-written PDF must never be left under the final name (a crash, a full disk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
