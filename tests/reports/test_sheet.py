"""The weighing and unloading sheet (称重和卸载单), read back with poppler; and the printer
offset for pre-printed forms, measured on all three documents."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from reportlab.lib.units import mm

from reports import render_document, render_sheet, render_ticket, render_unload_notice
from tests.reports import samples
from tests.reports.conftest import Pdf

Render = Callable[[bytes], Pdf]


def rows(pdf: Pdf) -> list[list[str]]:
    """The text lines, each split into its cells (runs of two or more spaces)."""
    return [re.split(r"\s{2,}", line.strip()) for line in pdf.text().splitlines() if line.strip()]


def row_of(pdf: Pdf, label: str) -> list[str]:
    found = [row for row in rows(pdf) if row[0] == label]
    assert len(found) == 1, (label, rows(pdf))
    return found[0]


def test_sheet_puts_first_weighing_and_reweigh_side_by_side(pdf: Render) -> None:
    sheet = pdf(render_sheet(samples.over_limit(), samples.within_limit()))
    assert row_of(sheet, "检测单号")[1:] == ["410100210001202611250042", "410100210001202611250057"]
    assert row_of(sheet, "检测时间")[1:] == ["2026-11-25 10:30:47", "2026-11-25 13:02:11"]
    assert row_of(sheet, "车货总质量")[1:] == ["65380 kg", "48760 kg"]
    assert row_of(sheet, "限值")[1:] == ["49000 kg", "49000 kg"]
    assert row_of(sheet, "超限量")[1:] == ["16380 kg", "0 kg"]
    assert row_of(sheet, "超限率")[1:] == ["33.43%", "0.00%"]
    # Unloaded = first gross - re-weigh gross.
    assert row_of(sheet, "卸载量")[1:] == ["—", "16620 kg"]
    assert row_of(sheet, "复检是否合格")[1:] == ["—", "是（未超限）"]
    assert sheet.pages() == 1


def test_sheet_has_the_parties_dates_and_blanks(pdf: Render) -> None:
    sheet = pdf(render_sheet(samples.over_limit(), samples.within_limit()))
    text = sheet.text()
    flat = sheet.flat_text()
    assert "车辆称重和卸载单" in flat and "路警联合执法" in flat
    assert "编号" in text and "第________号" in text
    assert "郑州北治超检测站（410100210001）" in text
    assert row_of(sheet, "交警大队") == ["交警大队"]  # blank for the brigade to fill in
    assert "豫A8M326（黄牌，6轴）" in text and "货物名称" in text
    detect = row_of(sheet, "检测日期")
    assert detect[1] == "2026-11-25" and detect[2] == "处理日期" and "年" in detect[3]
    assert "处理结果" in text
    for officer in ("承办人1：", "承办人2：", "驾驶员签名："):
        assert officer in text
    assert text.count("执法证号") == 2
    assert "副本" not in text


def test_sheet_without_reweigh_says_not_reweighed(pdf: Render) -> None:
    sheet = pdf(render_sheet(samples.over_limit(), None))
    assert row_of(sheet, "检测单号")[1:] == ["410100210001202611250042", "未复检"]
    assert row_of(sheet, "车货总质量")[1:] == ["65380 kg", "—"]
    assert row_of(sheet, "卸载量")[1:] == ["—", "—"]


def test_sheet_with_a_reweigh_still_over(pdf: Render) -> None:
    still = samples.within_limit(sum_kg=59000, over_kg=10000, over_rate="20.41", is_over=True)
    sheet = pdf(render_sheet(samples.over_limit(), still))
    assert row_of(sheet, "卸载量")[1:] == ["—", "6380 kg"]
    assert row_of(sheet, "复检是否合格")[1:] == ["—", "否（仍超限）"]


def test_sheet_copy_font_and_english(pdf: Render) -> None:
    copy = pdf(render_sheet(samples.over_limit(), samples.within_limit(), copy=True))
    assert "副本" in copy.text()
    fonts = copy.fonts()
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts
    assert any("WenQuanYiMicroHei" in font["name"] for font in fonts), fonts
    english = pdf(render_sheet(samples.over_limit(), None, language="en"))
    assert row_of(english, "Ticket no.")[1:] == ["410100210001202611250042", "not re-weighed"]
    assert "Officer 1:" in english.text() and "Weighing and unloading sheet" in english.text()


def test_sheet_refuses_what_it_cannot_be_made_of() -> None:
    with pytest.raises(ValueError, match="within the limit"):
        render_sheet(samples.within_limit(check_type=1, first_check_no=None), None)
    with pytest.raises(ValueError, match="not a first weighing"):
        render_sheet(samples.within_limit(), None)
    other = samples.within_limit(first_check_no="410100210001202611259999")
    with pytest.raises(ValueError, match="not a re-weighing of"):
        render_sheet(samples.over_limit(), other)


def test_voided_reweigh_is_marked(pdf: Render) -> None:
    voided = samples.within_limit(voided=True, void_reason="plate misread")
    text = pdf(render_sheet(samples.over_limit(), voided)).text()
    assert "已作废" in text and "plate misread" in text


def test_render_document_picks_the_kind() -> None:
    detail = samples.over_limit()
    assert render_document("ticket", detail) == render_ticket(detail)
    assert render_document("unload", detail) == render_unload_notice(detail)
    assert render_document("sheet", detail, None) == render_sheet(detail, None)
    with pytest.raises(ValueError, match="kind"):
        render_document("receipt", detail)


# --- the printer offset ----------------------------------------------------------------------


def word_boxes(path: Path) -> dict[str, tuple[float, float]]:
    """First position (xMin, yMin; y from the top) of each word, from pdftotext -bbox."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    boxes: dict[str, tuple[float, float]] = {}
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]+)</word>'
    for x, y, word in re.findall(pattern, html):
        boxes.setdefault(word, (float(x), float(y)))
    return boxes


SHIFTED = [
    pytest.param(lambda **o: render_ticket(samples.over_limit(), **o), "410100210001202611250042"),
    pytest.param(lambda **o: render_unload_notice(samples.over_limit(), **o), "16380"),
    pytest.param(lambda **o: render_sheet(samples.over_limit(), None, **o), "未复检"),
]


@pytest.mark.parametrize(("render", "word"), SHIFTED, ids=["ticket", "unload", "sheet"])
def test_offset_moves_the_whole_page_right_and_down(pdf: Render, render, word: str) -> None:
    plain = word_boxes(pdf(render(copy=True)).path)
    moved = word_boxes(pdf(render(copy=True, offset_mm=(10, 5))).path)
    for key in (word, "副本", "第"):
        dx, dy = moved[key][0] - plain[key][0], moved[key][1] - plain[key][1]
        assert dx == pytest.approx(10 * mm, abs=0.05), key
        assert dy == pytest.approx(5 * mm, abs=0.05), key
    back = word_boxes(pdf(render(copy=True, offset_mm=(-3.5, -2))).path)
    assert back[word][0] - plain[word][0] == pytest.approx(-3.5 * mm, abs=0.05)
    assert back[word][1] - plain[word][1] == pytest.approx(-2 * mm, abs=0.05)


def test_zero_offset_changes_nothing_and_a_wild_one_is_refused() -> None:
    detail = samples.over_limit()
    assert render_ticket(detail, offset_mm=(0, 0)) == render_ticket(detail)
    with pytest.raises(ValueError, match="offset_mm"):
        render_ticket(detail, offset_mm=(60, 0))
    with pytest.raises(ValueError, match="offset_mm"):
        render_sheet(replace(detail), None, offset_mm=(0, -50.1))
