"""The CJK font shipped with the app, so Chinese renders on a PC without Chinese fonts.

WenQuanYi Micro Hei (TrueType) from the pinned PyPI package paperang-p2-fonts-cjk; the
documents embed the same file (reports/fonts.py). reference/toolchain.md §3.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from PySide6 import QtGui, QtWidgets

log = logging.getLogger(__name__)
FAMILY = "WenQuanYi Micro Hei"


def font_file() -> Path:
    return Path(str(resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"))


def install_font(app: QtWidgets.QApplication, point_size: int = 11) -> str:
    """Register the font and make it the application font; return its family ('' if not)."""
    path = font_file()
    font_id = QtGui.QFontDatabase.addApplicationFont(str(path))
    families = QtGui.QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.error("the CJK font %s could not be loaded; Chinese may show as boxes", path)
        return ""
    font = QtGui.QFont(families[0], point_size)
    app.setFont(font)
    return families[0]
