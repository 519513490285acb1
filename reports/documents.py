"""The documents the operator prints, one pure function each: read-model in, PDF bytes out.

Each function registers the shipped CJK font on first use, reads nothing but the read-model
(and the picture files it names), and may run on any thread: the GUI hands it to a worker.
`render_document` picks one by kind, so the command line and the desktop print alike.
"""

from __future__ import annotations

from reports.notice import LEGAL_BASIS, LegalBasis, render_unload_notice
from reports.sheet import render_sheet
from reports.ticket import render_ticket
from station.readmodel import WeighingDetail

KINDS = ("ticket", "unload", "sheet")

__all__ = [
    "KINDS",
    "LEGAL_BASIS",
    "LegalBasis",
    "render_document",
    "render_sheet",
    "render_ticket",
    "render_unload_notice",
]


def render_document(
    kind: str,
    detail: WeighingDetail,
    reweigh: WeighingDetail | None = None,
    *,
    copy: bool = False,
    language: str = "zh_CN",
    offset_mm: tuple[float, float] = (0.0, 0.0),
) -> bytes:
    """One document by kind: ticket, unload (notice) or sheet (`reweigh` is used by the
    sheet only). Raises ValueError for an unknown kind or a document that does not apply."""
    options = {"copy": copy, "language": language, "offset_mm": offset_mm}
    if kind == "ticket":
        return render_ticket(detail, **options)
    if kind == "unload":
        return render_unload_notice(detail, **options)
    if kind == "sheet":
        return render_sheet(detail, reweigh, **options)
    raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
