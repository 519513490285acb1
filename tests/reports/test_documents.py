"""The ticket and the unload notice, read back with poppler: exact figures, embedded fonts,
copy and void marks, and nothing fatal about missing photos."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4, A5

from reports import render_ticket, render_unload_notice
from reports.common import qr_payload
from reports.notice import LegalBasis
from station.readmodel import AxleView, PictureView
from tests.reports import samples
from tests.reports.conftest import Pdf

Render = Callable[[bytes], Pdf]


def has_number(text: str, number: str) -> bool:
    """The exact number, not part of a longer one (16380 must not match 163800)."""
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.]|\d)", text) is not None


@pytest.fixture
def photos(tmp_path: Path) -> tuple[PictureView, ...]:
    return (
        samples.photo(tmp_path / "front.jpg", "front"),
        samples.photo(tmp_path / "plate.jpg", "plate", (200, 60)),
        samples.photo(tmp_path / "rear.jpg", "rear"),
    )


# --- the ticket ---------------------------------------------------------------------------


def test_ticket_text_carries_the_exact_figures(pdf: Render) -> None:
    detail = samples.over_limit()
    text = pdf(render_ticket(detail)).text()
    assert detail.plate_num in text
    assert detail.check_no in text
    for weight in samples.AXLE_WEIGHTS:
        assert has_number(text, str(weight)), weight
    for number in ("65380", "49000", "16380", "33.43"):
        assert has_number(text, number), number
    assert "33.43%" in text
    for spacing in ("3400", "1350", "6100", "1310"):
        assert has_number(text, spacing)
    assert "2026-11-25 10:30:47" in text


def test_ticket_shows_station_lane_kind_colour_and_verdict(pdf: Render) -> None:
    text = pdf(render_ticket(samples.over_limit())).text()
    assert "郑州北治超检测站" in text and "410100210001" in text
    assert "2号车道（下行）" in text
    assert "初检" in text
    assert re.search(r"车牌颜色\s+黄", text)
    assert "1227（6轴）" in text
    assert "7 三联轴双胎" in text
    assert "GB1589-2016:6axle-combination" in text
    assert re.search(r"^\s*超限\s*$", text, re.M), "the verdict stands alone in large type"
    assert "7.5 km/h" in text and "轴重秤" in text
    assert "lane2-axle" in text and "豫计检(2026)第A0815号" in text and "2027-03-31" in text
    assert re.search(r"标定计数\s+17", text)
    assert "op-zhang.wei" in text
    assert samples.RECORD_HASH in text and "1842" in text


def test_ticket_translates_known_flags_and_prints_unknown_ones_raw(pdf: Render) -> None:
    text = pdf(render_ticket(samples.over_limit())).text()
    assert "车速变化" in text and "人工录入车牌" in text
    assert "SPEED_CHANGE" not in text
    assert "SOMETHING_NEW" in text


def test_ticket_names_the_case_and_the_amount_to_unload(pdf: Render) -> None:
    text = pdf(render_ticket(samples.over_limit())).text()
    assert "豫郑超卸〔2026〕第000123号" in text
    assert re.search(r"责令卸载量\s+16380 kg", text)


def test_reweigh_ticket_names_the_first_ticket_and_dashes_the_unknowns(pdf: Render) -> None:
    detail = samples.within_limit()
    text = pdf(render_ticket(detail)).text()
    assert "复检" in text and "410100210001202611250042" in text
    assert has_number(text, "48760") and has_number(text, "0.00")
    assert re.search(r"^\s*未超限\s*$", text, re.M)
    assert re.search(r"标定计数\s+—", text), "no calibration counter prints a dash"
    assert re.search(r"车速\s+—", text), "a static scale has no speed"
    assert re.search(r"^\s*1\s+1 单轴单胎\s+—\s+3400\s*$", text, re.M), "no axle weights"
    assert "静态整车" in text and "无" in text  # weigh mode; no flags


def test_ticket_qr_carries_check_no_and_record_hash() -> None:
    detail = samples.over_limit()
    payload = json.loads(qr_payload(detail))
    assert payload["checkNo"] == detail.check_no
    assert payload["recordHash"] == samples.RECORD_HASH


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) not installed")
def test_ticket_qr_code_scans(pdf: Render, tmp_path: Path) -> None:
    document = pdf(render_ticket(samples.over_limit()))
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-singlefile", str(document.path), str(tmp_path / "p")],
        check=True,
        timeout=60,
    )
    scanned = subprocess.run(
        ["zbarimg", "-q", "--raw", str(tmp_path / "p.png")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert json.loads(scanned)["recordHash"] == samples.RECORD_HASH


def test_ticket_fits_one_a5_page_with_six_axles_and_photos(pdf: Render, photos) -> None:
    for language in ("zh_CN", "en"):
        document = pdf(render_ticket(samples.over_limit(photos), copy=True, language=language))
        assert document.pages() == 1, language
        width, height = document.page_size()
        assert (round(width), round(height)) == (round(A5[0]), round(A5[1]))


def test_ticket_shows_present_photos_and_skips_a_missing_file(
    pdf: Render, photos, tmp_path: Path
) -> None:
    missing = PictureView(14, "ab" * 32, "image/jpeg", 1000, tmp_path / "gone.jpg")
    video = PictureView(21, "cd" * 32, "video/mp4", 10_000, tmp_path / "clip.mp4")
    document = pdf(render_ticket(samples.over_limit((*photos, missing, video))))
    assert document.image_count() == 3
    text = document.text()
    assert "前侧（文件缺失）" in text
    assert "clip" not in text  # videos are not thumbnails, and not a problem either


def test_ticket_with_only_missing_photos_still_renders(pdf: Render, tmp_path: Path) -> None:
    gone = PictureView(12, "ab" * 32, "image/jpeg", 1000, tmp_path / "nowhere" / "front.jpg")
    document = pdf(render_ticket(samples.over_limit((gone,))))
    assert document.image_count() == 0
    assert "车头（文件缺失）" in document.text()


def test_ticket_refuses_to_show_an_altered_or_broken_photo(pdf: Render, tmp_path: Path) -> None:
    altered = samples.photo(tmp_path / "front.jpg", "front")
    (tmp_path / "front.jpg").write_bytes(b"\xff\xd8 not the photo that was recorded")
    broken_bytes = b"this is not an image"
    broken_path = tmp_path / "rear.jpg"
    broken_path.write_bytes(broken_bytes)
    broken = PictureView(
        13, hashlib.sha256(broken_bytes).hexdigest(), "image/jpeg", 20, broken_path
    )
    document = pdf(render_ticket(samples.over_limit((altered, broken))))
    assert document.image_count() == 0
    text = document.text()
    assert "车头（校验不符）" in text and "车尾（无法读取）" in text


def test_big_photos_are_embedded_as_small_thumbnails(pdf: Render, tmp_path: Path) -> None:
    big = samples.photo(tmp_path / "front.jpg", "front", (1920, 1080))
    data = render_ticket(samples.over_limit((big,)))
    assert pdf(data).image_count() == 1
    assert len(data) < big.size + 200_000


def test_voided_weighing_is_marked_on_the_ticket(pdf: Render) -> None:
    detail = samples.within_limit(voided=True, void_reason="车牌识别错误，重新称重")
    text = pdf(render_ticket(detail)).text()
    assert "已作废" in text
    assert "车牌识别错误，重新称重" in text


def test_unknown_plate_colour_code_is_printed_raw(pdf: Render) -> None:
    text = pdf(render_ticket(samples.over_limit(plate_color=7))).text()
    assert re.search(r"车牌颜色\s+7\b", text)


def test_broken_chain_is_flagged_on_the_ticket(pdf: Render) -> None:
    detail = samples.over_limit()
    broken = replace(detail.chain, intact=False, problem="prevHash mismatch")
    text = pdf(render_ticket(replace(detail, chain=broken))).text()
    assert re.search(r"哈希链校验异常\s+prevHash mismatch", text)


def test_markup_characters_in_data_are_printed_as_text(pdf: Render) -> None:
    detail = samples.within_limit(voided=True, void_reason="<b>重复</b> & 误触发")
    assert "<b>重复</b>&误触发" in pdf(render_ticket(detail)).flat_text()


def test_long_ticket_flows_onto_more_pages_with_the_copy_mark_on_each(pdf: Render) -> None:
    axles = tuple(AxleView(no, 5000 + no, 2, 1300) for no in range(1, 41))
    document = pdf(render_ticket(samples.over_limit(axles=axles), copy=True))
    assert document.pages() >= 2
    for page in range(1, document.pages() + 1):
        assert "副本" in document.text(page), page
    assert has_number(document.text(), "5040")


# --- the unload notice --------------------------------------------------------------------


def test_notice_text_carries_the_exact_figures(pdf: Render) -> None:
    detail = samples.over_limit()
    document = pdf(render_unload_notice(detail))
    text = document.text()
    assert "超限运输车辆卸载通知书" in text
    assert "豫郑超卸〔2026〕第000123号" in text
    assert detail.plate_num in text and detail.check_no in text
    for number in ("65380", "49000", "16380", "33.43"):
        assert has_number(text, number), number
    assert re.search(r"责令卸载\s+16380 kg", text)
    assert "2026-11-25 14:31" in text  # the deadline
    assert "（黄牌，6轴）" in text
    assert document.pages() == 1
    width, height = document.page_size()
    assert (round(width), round(height)) == (round(A4[0]), round(A4[1]))


def test_notice_has_party_cargo_signature_and_service_blanks(pdf: Render) -> None:
    text = pdf(render_unload_notice(samples.over_limit())).text()
    assert re.search(r"当事人：_{10,}", text)
    assert re.search(r"^\s*货物名称\s", text, re.M)
    assert len(re.findall(r"执法人员：_+", text)) == 2
    assert len(re.findall(r"执法证号：_+", text)) == 2
    assert "当事人签名" in text
    for label in ("送达时间", "送达方式", "直接送达", "留置送达", "受送达人签名"):
        assert label in text, label
    assert "（盖章）" in text and "2026-11-25" in text
    assert "郑州北治超检测站（410100210001）" in text


def test_notice_cites_the_laws(pdf: Render) -> None:
    flat = pdf(render_unload_notice(samples.over_limit())).flat_text()
    assert "《超限运输车辆行驶公路管理规定》（交通运输部令2016年第62号）第三条" in flat
    assert "第二十七条" in flat
    assert "《中华人民共和国公路法》" in flat
    assert "责令你（单位）" in flat


def test_notice_legal_text_can_be_replaced(pdf: Render) -> None:
    legal = LegalBasis(violation="违反了甲条例第一条。", order="依据乙办法第二条责令卸载。")
    flat = pdf(render_unload_notice(samples.over_limit(), legal_basis=legal)).flat_text()
    assert "违反了甲条例第一条。" in flat and "依据乙办法第二条责令卸载。" in flat
    assert "第二十七条" not in flat


def test_notice_without_a_case_or_notice_number_is_refused() -> None:
    with pytest.raises(ValueError, match="no case"):
        render_unload_notice(samples.over_limit(case=None))
    with pytest.raises(ValueError, match="notice number"):
        render_unload_notice(samples.over_limit(case=samples.case(notice_no=None)))


def test_notice_for_a_weighing_within_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="within the limit"):
        render_unload_notice(samples.within_limit(case=samples.case()))


def test_notice_on_an_expired_scale_certificate_is_refused() -> None:
    with pytest.raises(ValueError, match="expired"):
        render_unload_notice(samples.over_limit(cert_valid_until=date(2026, 11, 24)))


def test_voided_weighing_is_marked_on_the_notice(pdf: Render) -> None:
    text = pdf(render_unload_notice(samples.over_limit(voided=True, void_reason="误判"))).text()
    assert "已作废" in text and "误判" in text


# --- both documents -----------------------------------------------------------------------

DOCUMENTS = [
    pytest.param(render_ticket, id="ticket"),
    pytest.param(render_unload_notice, id="notice"),
]


@pytest.mark.parametrize("render", DOCUMENTS)
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_only_the_embedded_cjk_font_is_used(pdf: Render, render, language: str) -> None:
    for copy in (False, True):
        fonts = pdf(render(samples.over_limit(), copy=copy, language=language)).fonts()
        assert fonts, "no fonts at all"
        assert all(font["emb"] == "yes" for font in fonts), fonts
        assert any("WenQuanYiMicroHei" in font["name"] for font in fonts), fonts


@pytest.mark.parametrize("render", DOCUMENTS)
def test_copy_is_marked_and_the_original_is_not(pdf: Render, render) -> None:
    original = pdf(render(samples.over_limit())).text()
    copy = pdf(render(samples.over_limit(), copy=True)).text()
    assert "副本" not in original
    assert "副本" in copy
    english = pdf(render(samples.over_limit(), copy=True, language="en")).text()
    assert "COPY" in english and "副本" in english


@pytest.mark.parametrize("render", DOCUMENTS)
def test_english_labels(pdf: Render, render) -> None:
    text = pdf(render(samples.over_limit(), language="en_US")).text()
    assert "Gross mass" in text and "Over rate" in text and "Limit" in text
    assert "车货总质量" not in text and "超限率" not in text
    assert has_number(text, "65380") and has_number(text, "16380")


@pytest.mark.parametrize("render", DOCUMENTS)
def test_unknown_language_is_refused(render) -> None:
    with pytest.raises(ValueError, match="language"):
        render(samples.over_limit(), language="fr")


@pytest.mark.parametrize("render", DOCUMENTS)
def test_rendering_is_repeatable_and_thread_safe(render) -> None:
    detail = samples.over_limit()
    first = render(detail)
    assert render(detail) == first, "same record, same bytes (no timestamps in the PDF)"
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render(detail), range(8)))
    assert all(result == first for result in results)
