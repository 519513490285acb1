"""The shipped CJK font and the label tables: present, registered once, no missing glyphs."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from reportlab.pdfbase import pdfmetrics

from reports import fonts
from reports.labels import CODES, LABELS, Texts, normalise_language, texts_for
from reports.notice import LEGAL_BASIS


def test_font_file_is_shipped_with_the_app() -> None:
    path = fonts.font_path()
    assert path.is_absolute() and path.name == "wqy-microhei.ttc"
    assert path.stat().st_size > 1_000_000


def test_missing_font_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "FONT_FILE", "fonts/missing.ttc")
    with pytest.raises(FileNotFoundError, match=r"missing\.ttc.*paperang-p2-fonts-cjk"):
        fonts.font_path()


def test_missing_font_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "FONT_PACKAGE", "no_such_font_package")
    with pytest.raises(FileNotFoundError, match="pip install paperang-p2-fonts-cjk"):
        fonts.font_path()


def test_font_registers_once_from_many_threads() -> None:
    names: list[str] = []
    threads = [
        threading.Thread(target=lambda: names.append(fonts.register_fonts())) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert names == [fonts.FONT_NAME] * 8
    assert fonts.FONT_NAME in pdfmetrics.getRegisteredFontNames()


def test_every_language_has_every_label_and_code() -> None:
    assert set(LABELS["en"]) == set(LABELS["zh_CN"])
    for table, languages in CODES.items():
        assert set(languages["en"]) == set(languages["zh_CN"]), table


def _printed_texts() -> list[str]:
    texts = [text for table in LABELS.values() for text in table.values()]
    texts += [
        name for table in CODES.values() for names in table.values() for name in names.values()
    ]
    texts += [part for legal in LEGAL_BASIS.values() for part in (legal.violation, legal.order)]
    return texts


def test_the_font_has_a_glyph_for_every_printed_character() -> None:
    """No tofu boxes: every character a document prints from its tables is in the font."""
    face = pdfmetrics.getFont(fonts.register_fonts()).face
    missing = {ch for text in _printed_texts() for ch in text if ord(ch) not in face.charToGlyph}
    assert not missing, sorted(missing)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("zh_CN", "zh_CN"), ("zh", "zh_CN"), ("zh-CN", "zh_CN"), ("en", "en"), ("en_GB", "en")],
)
def test_language_names_are_normalised(given: str, expected: str) -> None:
    assert normalise_language(given) == expected


def test_a_missing_english_label_falls_back_to_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LABELS, "en", {k: v for k, v in LABELS["en"].items() if k != "gross"})
    assert Texts("en")["gross"] == "车货总质量"
    assert texts_for("en").code("plate_colour", 42) == "42"


def test_font_path_does_not_load_reportlab() -> None:
    """The Qt side asks for the font at start-up; ReportLab loads on the first print only."""
    code = (
        "import sys; from reports.fonts import font_path; font_path(); "
        "assert 'reportlab' not in sys.modules, 'reportlab loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_package_exports_resolve() -> None:
    import reports

    assert sorted(reports.__all__) == sorted(reports._EXPORTS)
    for name in reports.__all__:
        assert getattr(reports, name) is not None
