"""The dynamic axle scale's reference-vehicle check record, read back with poppler."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from reports.calibration_dynamic import render_dynamic_record
from reports.calibration_labels import CALIBRATION_LABELS, calibration_texts
from station.readmodel_calibration import DynamicItem, DynamicPass, DynamicRecord
from tests.reports.conftest import Pdf

STATIC_AXLES = (6500, 9800, 9700, 8200, 8100, 8000)
GROUPS = ((2, 3), (4, 5, 6))
# Class 2 (vehicle) and C (axles, not a 2-axle rigid vehicle), initial verification, the
# static loads as reference: 1 % of 50300 kg to the nearest d = 10 kg is 500 kg; 1.5 % of
# 6500, 19500 and 24300 kg (station/data/metrology/oiml-r134-2006.toml, [unverified]).
LIMITS_G = {"gross": 500_000, "axle 1": 97_500, "group 2+3": 292_500, "group 4+5+6": 364_500}
PASSES = (
    DynamicPass(5, (6540, 9790, 9760, 8230, 8080, 8010)),  # all within
    DynamicPass(10, (6420, 9900, 9850, 8150, 8120, 8090)),  # all within
    DynamicPass(15, (6560, 9950, 9900, 8300, 8200, 8100)),  # gross +710 and 2+3 +350 fail
)
AXLES_OF = {"gross": (1, 2, 3, 4, 5, 6), "axle 1": (1,), "group 2+3": (2, 3),
            "group 4+5+6": (4, 5, 6)}  # fmt: skip


def judged(passes: tuple[DynamicPass, ...] = PASSES) -> tuple[DynamicItem, ...]:
    """Every pass against the static loads, item by item (what the wizard computes)."""
    items = []
    for no, one in enumerate(passes, start=1):
        for name, axles in AXLES_OF.items():
            reading = sum(one.axles_kg[n - 1] for n in axles)
            reference = sum(STATIC_AXLES[n - 1] for n in axles) * 1000
            deviation = reading * 1000 - reference
            limit = LIMITS_G[name]
            items.append(DynamicItem(no, name, one.speed_kmh, reading, reference, deviation,
                                     limit, abs(deviation) <= limit))  # fmt: skip
    return tuple(items)


def sample_dynamic_record() -> DynamicRecord:
    items = judged()
    return DynamicRecord(
        site_code="410102210001",
        station_name="郑州东超限检测站",
        scale_id="AXLE-L1",
        scale_model="DWS-30",
        d_kg=10,
        vehicle_class="2",
        axle_class="C",
        reference="static",
        verification="initial",
        started_at=datetime(2026, 11, 26, 9, 0, 0),
        finished_at=datetime(2026, 11, 26, 10, 20, 15),
        technician="王建国",
        reference_vehicle="豫A·D1234",
        static_axles_kg=STATIC_AXLES,
        static_gross_kg=sum(STATIC_AXLES),
        groups=GROUPS,
        two_axle_rigid=False,
        passes=PASSES,
        items=items,
        counter=3,
        certificate_no=None,
        result_passed=all(item.passed for item in items),
        notes="第3次通过车速偏高",
    )


def row_of(text: str, *cells: str) -> str:
    """The one line of the PDF's text holding every cell, in order."""
    pattern = r"\s+".join(re.escape(cell) for cell in cells)
    found = [line for line in text.splitlines() if re.search(pattern, line)]
    assert len(found) == 1, (cells, found)
    return found[0]


def test_the_sample_is_judged_as_described() -> None:
    failing = [(i.pass_no, i.item, i.deviation_g) for i in judged() if not i.passed]
    assert failing == [(3, "gross", 710_000), (3, "group 2+3", 350_000)]
    assert sum(STATIC_AXLES) == 50_300


def test_header_static_reference_and_passes_in_chinese(pdf: Callable[[bytes], Pdf]) -> None:
    doc = pdf(render_dynamic_record(sample_dynamic_record()))
    text, flat = doc.text(), doc.flat_text()
    assert "动态轴重秤检定/校准记录（参考车辆法）" in flat
    assert "郑州东超限检测站（站点编号410102210001）" in flat
    assert "AXLE-L1" in text and "DWS-30" in text and "首次检定" in flat
    assert "整车准确度等级2" in flat and "轴荷准确度等级C" in flat
    assert "分度值d10kg" in flat and "轴荷比较基准静态轴荷" in flat and "标定计数3" in flat
    assert "2026-11-26 09:00:00" in text and "2026-11-26 10:20:15" in text
    assert "豫A·D1234" in flat and "两轴刚性车辆否" in flat
    # Static: the axle loads and the gross on one line, the groups with their loads.
    row_of(text, "静态载荷 (kg)", *map(str, STATIC_AXLES), "50300")
    assert "2+3(19500kg)、4+5+6(24300kg)" in flat
    # Passes: speed, axle loads, gross.
    row_of(text, "1", "5", "6540", "9790", "9760", "8230", "8080", "8010", "50410")
    row_of(text, "3", "15", "6560", "9950", "9900", "8300", "8200", "8100", "51010")


def test_items_with_failures_marked(pdf: Callable[[bytes], Pdf]) -> None:
    text = pdf(render_dynamic_record(sample_dynamic_record())).text()
    gross = row_of(text, "3", "15", "整车", "51010", "50300.000", "+710.000", "±500.000")
    assert gross.rstrip().endswith("不合格")
    group = row_of(text, "3", "15", "轴组 2+3", "19850", "19500.000")
    assert "+350.000" in group and "±292.500" in group and group.rstrip().endswith("不合格")
    axle = row_of(text, "2", "10", "第1轴", "6420", "6500.000", "-80.000", "±97.500")
    assert axle.rstrip().endswith("合格") and "不合格" not in axle
    assert "12 项中 2 项不合格" in text
    # The two failing rows, the summary line and the conclusion; nowhere else.
    assert text.count("不合格") == 4
    assert "第3次通过车速偏高" in text and "核验人员" in text


def test_english_labels(pdf: Callable[[bytes], Pdf]) -> None:
    record = replace(sample_dynamic_record(), reference="corrected_mean", reference_vehicle="")
    doc = pdf(render_dynamic_record(record, language="en"))
    text = doc.text()
    assert "Dynamic axle scale verification record (reference vehicle)" in " ".join(text.split())
    assert "Vehicle mass class" in text and "Axle load class" in text
    assert "corrected mean of the passes (R 134)" in text
    assert "2+3 (19500 kg), 4+5+6 (24300 kg)" in text
    row_of(text, "3", "15", "group 2+3", "19850", "19500.000", "+350.000", "±292.500", "FAIL")
    row_of(text, "1", "5", "axle 1", "6540", "6500.000", "+40.000", "±97.500", "pass")
    assert "2 of 12 items fail" in text and "initial" in text
    assert not re.search(r"[\u4e00-\u9fff]", text.replace("郑州东超限检测站", "")
                         .replace("王建国", "").replace("第3次通过车速偏高", ""))  # fmt: skip


def test_a_copy_is_stamped_and_fonts_are_embedded(pdf: Callable[[bytes], Pdf]) -> None:
    assert "副本" not in pdf(render_dynamic_record(sample_dynamic_record())).text()
    copy = pdf(render_dynamic_record(sample_dynamic_record(), copy=True))
    assert "副本" in copy.text()
    fonts = copy.fonts()
    assert fonts and all(font["emb"] == "yes" for font in fonts)


def test_a_passing_check_and_ten_axles_fit_on_the_page(pdf: Callable[[bytes], Pdf]) -> None:
    """Ten axles, eight passes: the tables stay within the page and the header repeats."""
    axles = tuple(range(17000, 17100, 10))
    passes = tuple(DynamicPass(5 + n, axles) for n in range(8))
    items = tuple(
        DynamicItem(no, f"axle {n}", one.speed_kmh, load, load * 1000, 0, 255_000, True)
        for no, one in enumerate(passes, start=1)
        for n, load in enumerate(axles, start=1)
    )
    record = replace(sample_dynamic_record(), static_axles_kg=axles, static_gross_kg=sum(axles),
                     groups=(), passes=passes, items=items, result_passed=True)  # fmt: skip
    doc = pdf(render_dynamic_record(record))
    text = doc.text()
    assert "第10轴" in text and "无（均为单轴）" in text
    row_of(text, "静态载荷 (kg)", *map(str, axles), "170450")
    row_of(text, "8", "12", *map(str, axles), "170450")
    assert "全部 80 项合格" in text and "不合格" not in text
    row_of(text, "8", "12", "第10轴", "17090", "17090.000", "0.000", "±255.000", "合格")
    # The items table goes on over the next page, its head repeated there.
    assert doc.pages() >= 2
    assert "参考值" in doc.text(page=2) and "允许误差" in doc.text(page=2)


def test_both_languages_have_the_same_labels() -> None:
    assert set(CALIBRATION_LABELS["zh_CN"]) == set(CALIBRATION_LABELS["en"])
    texts = calibration_texts("en")
    assert texts.item_name("group 4+5+6") == "group 4+5+6"
    assert calibration_texts("zh_CN").item_name("axle 3") == "第3轴"
    assert texts.item_name("odd thing") == "odd thing"
