"""The documents the operator prints, one pure function each: read-model in, PDF bytes out.

Each function registers the shipped CJK font on first use, reads nothing but the read-model
(and the picture files it names), and may run on any thread: the GUI hands it to a worker.
"""

from __future__ import annotations

from reports.notice import LEGAL_BASIS, LegalBasis, render_unload_notice
from reports.ticket import render_ticket

__all__ = ["LEGAL_BASIS", "LegalBasis", "render_ticket", "render_unload_notice"]
