"""Documents: pure functions from station read-models to PDF bytes (ReportLab).

The names below load lazily, so `from reports.fonts import font_path` (the Qt side, at
start-up) does not import ReportLab and the document modules.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "LEGAL_BASIS": "reports.notice",
    "LegalBasis": "reports.notice",
    "render_ticket": "reports.ticket",
    "render_unload_notice": "reports.notice",
    "render_sheet": "reports.sheet",
    "render_document": "reports.documents",
    "font_path": "reports.fonts",
    "register_fonts": "reports.fonts",
}

__all__ = [
    "LEGAL_BASIS",
    "LegalBasis",
    "font_path",
    "register_fonts",
    "render_document",
    "render_sheet",
    "render_ticket",
    "render_unload_notice",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'reports' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
