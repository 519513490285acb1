"""Chinese by default, English complete; the translation files are current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from tests.ui.conftest import LEGAL_2_AXLE, prepare_database, signed_in, station_config
from ui.app import build_desktop
from ui.fonts import FAMILY, font_file, install_font
from ui.i18n import install_language

ROOT = Path(__file__).resolve().parents[2]


def test_translations_are_complete_and_built() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/translations.py", "--check"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_shipped_cjk_font_renders_chinese(qapp) -> None:
    assert font_file().is_file()
    assert install_font(qapp) == FAMILY
    metrics = QtGui.QFontMetrics(QtGui.QFont(FAMILY, 12))
    assert all(metrics.inFontUcs4(ord(char)) for char in "超限检测站卸载通知书豫")


@pytest.fixture
def chinese(qapp):
    translators = install_language(qapp, "zh_CN")
    yield
    for translator in translators:
        qapp.removeTranslator(translator)
    QtCore.QLocale.setDefault(QtCore.QLocale("en"))


def test_the_desktop_speaks_chinese_by_default(qtbot, tmp_path: Path, feed, chinese) -> None:
    config = station_config(tmp_path)
    desktop = build_desktop(config, prepare_database(config), language="zh_CN", opener=feed.open)
    try:
        qtbot.addWidget(desktop.window)
        desktop.window.show()
        desktop.window.start_shift(signed_in("sup"))
        tabs = desktop.window.tabs
        assert [tabs.tabText(i) for i in range(4)] == ["车道", "检测记录", "未结案件", "设备"]
        assert desktop.window.actions["print_unload"].text() == "打印卸载通知书"
        feed.truck("豫B54321", *LEGAL_2_AXLE)
        panel = desktop.window.panels[1]
        qtbot.waitUntil(lambda: panel.last is not None, timeout=15000)
        assert " ".join(panel.verdict_lines).startswith("未超限")
        menus = [a.text() for a in desktop.window.menuBar().actions()]
        assert menus[0] == "站点(&S)"
    finally:
        desktop.shutdown()


def test_an_unknown_language_is_refused(qapp) -> None:
    with pytest.raises(ValueError, match="language"):
        install_language(qapp, "fr")


def test_english_needs_no_translator(qapp) -> None:
    assert install_language(qapp, "en") == []
    assert QtWidgets.QApplication.translate("MainWindow", "Lanes") == "Lanes"
