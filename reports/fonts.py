"""The CJK font every document is set in, shipped as a Python package rather than assumed.

WenQuanYi Micro Hei comes from the PyPI package paperang-p2-fonts-cjk (a byte-identical copy of
Debian's fonts-wqy-microhei). It has TrueType outlines, so ReportLab can embed a subset and any
viewer shows the same glyphs; CFF fonts such as Noto CJK are refused by ReportLab's TTFont
(reference/toolchain.md §4). The Qt side registers the same file via `font_path()`, so the
screen and the paper agree.
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

FONT_NAME = "WenQuanYiMicroHei"
FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_FILE = "fonts/wqy-microhei.ttc"
# The .ttc holds two faces: 0 is the proportional Micro Hei, 1 the monospaced variant.
SUBFONT_INDEX = 0

_lock = threading.Lock()
_registered = False


def font_path() -> Path:
    """Absolute path of the shipped wqy-microhei.ttc; FileNotFoundError says how to get it."""
    hint = "install it with: pip install paperang-p2-fonts-cjk==0.1.0 (a dependency of this app)"
    try:
        root = resources.files(FONT_PACKAGE)
    except ModuleNotFoundError as error:
        raise FileNotFoundError(f"CJK font package {FONT_PACKAGE!r} is missing; {hint}") from error
    path = Path(str(root.joinpath(FONT_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"CJK font file {path} is missing; {hint}")
    return path


def register_fonts() -> str:
    """Register the CJK font with ReportLab once (thread-safe) and return its name.

    Bold and italic map to the same face: the font has no bold, and without the mapping a
    `<b>` in a paragraph would fall back to an unembedded standard font.
    """
    global _registered  # noqa: PLW0603 - a process-wide registry is what ReportLab has
    # ReportLab is imported here, not at the top: the Qt side calls font_path() at start-up
    # and should not pay for loading ReportLab (ui/printing.py loads it on the first print).
    from reportlab.lib.fonts import addMapping  # noqa: PLC0415
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415
    from reportlab.pdfbase.ttfonts import TTFont  # noqa: PLC0415

    with _lock:
        if not _registered:
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=SUBFONT_INDEX))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
            _registered = True
    return FONT_NAME
