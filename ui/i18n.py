"""The desktop's language: Chinese (zh_CN) by default, English available.

Source strings in the code are English; ui/translations/station_zh_CN.ts holds the
Chinese, compiled to .qm by scripts/translations.py. Loading zh_CN installs that
translator and Qt's own Chinese for its standard dialogs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore

LANGUAGES = ("zh_CN", "en")
FOLDER = Path(__file__).parent / "translations"


def qm_file(language: str) -> Path:
    return FOLDER / f"station_{language}.qm"


def install_language(app: QtCore.QCoreApplication, language: str) -> list[QtCore.QTranslator]:
    """Install the translators of `language`; English needs none. Returns them (keep them)."""
    if language not in LANGUAGES:
        raise ValueError(f"language: {language!r} is not one of {', '.join(LANGUAGES)}")
    if language == "en":
        return []
    installed = []
    ours = QtCore.QTranslator(app)
    if not ours.load(str(qm_file(language))):
        raise FileNotFoundError(
            f"translation {qm_file(language)} is missing; run scripts/translations.py"
        )
    app.installTranslator(ours)
    installed.append(ours)
    qt_dir = QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath)
    base = QtCore.QTranslator(app)
    if base.load(f"qtbase_{language}", qt_dir):
        app.installTranslator(base)
        installed.append(base)
    QtCore.QLocale.setDefault(QtCore.QLocale(language))
    return installed
