"""The calibration / verification record read back with poppler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

import pytest

from reports.calibration import grams_as_kg, render_calibration_record
from station.readmodel_calibration import CalibrationPoint, CalibrationRecord, TestWeightSet
from tests.reports.conftest import Pdf

P = CalibrationPoint


def sample_record() -> CalibrationRecord:
    """Max 100 t, e = 20 kg, in service: MPE ±20 kg to 10 t, ±40 kg to 40 t, ±60 kg above
    (domain.md §5.2). As found, the 60 t point is 70 kg off and fails; as left all pass."""
    as_found = (
        P("zero", 0, 0, 0, 5_000, True),
        P("linearity-up", 10_000, 10_000, 1_250, 20_000, True),
        P("linearity-up", 60_000, 60_070, 70_000, 60_000, False),
        P("eccentric-1", 20_000, 19_980, -20_000, 40_000, True),
    )
    as_left = (
        P("zero", 0, 0, 0, 5_000, True),
        P("linearity-up", 10_000, 10_000, 1_250, 20_000, True),
        P("linearity-up", 60_000, 60_020, 20_000, 60_000, True),
        P("linearity-down", 30_000, 29_980, -15_500, 40_000, True),
        P("eccentric-1", 20_000, 20_000, 0, 40_000, True),
        P("eccentric-2", 20_000, 20_020, 10_000, 40_000, True),
        P("repeatability", 50_000, 50_020, 8_000, 60_000, True),
        P("discrimination", 20_000, 20_020, 14_000, 40_000, True),
    )
    return CalibrationRecord(
        site_code="410102210001",
        station_name="郑州东超限检测站",
        scale_id="SCALE-L2-07",
        scale_model="SCS-100",
        max_kg=100_000,
        e_kg=20,
        accuracy_class="III",
        verification="in_service",
        started_at=datetime(2026, 11, 25, 9, 0, 0),
        finished_at=datetime(2026, 11, 25, 11, 45, 30),
        technician="王建国",
        weights=(TestWeightSet("WS-2024-01", "M1", "ZJ-M1-20240117", date(2027, 1, 16)),),
        as_found=as_found,
        as_left=as_left,
        counter_before=118,
        counter_after=119,
        certificate_no="豫计检字2026-08812",
        result_passed=True,
        notes="调整后复测合格",
    )


@pytest.mark.parametrize(
    ("grams", "text"),
    [(1250, "+1.250"), (-20, "-0.020"), (0, "0.000"), (70_000, "+70.000"), (-1, "-0.001")],
)
def test_grams_are_printed_as_kilograms_with_three_decimals(grams: int, text: str) -> None:
    assert grams_as_kg(grams) == text


def test_key_fields_are_printed_exactly(pdf: Callable[[bytes], Pdf]) -> None:
    doc = pdf(render_calibration_record(sample_record()))
    text, flat = doc.text(), doc.flat_text()
    assert "秤台检定/校准记录" in flat
    assert "SCALE-L2-07" in text
    assert "118 → 119" in text
    assert "100000 kg" in text and "20 kg" in text
    assert "使用中检验" in flat
    assert "ZJ-M1-20240117" in text and "2027-01-16" in text
    for load, indication in [("60000", "60070"), ("60000", "60020"), ("30000", "29980")]:
        assert any(load in line and indication in line for line in text.splitlines())
    assert "+1.250" in text and "-15.500" in text and "±60.000" in text
    assert "2026-11-25 11:45:30" in text
    assert "豫计检字2026-08812" in flat
    assert "检定/校准人员" in flat and "核验人员" in flat


def test_a_failing_point_says_so_on_its_row(pdf: Callable[[bytes], Pdf]) -> None:
    lines = pdf(render_calibration_record(sample_record())).text().splitlines()
    failing = [line for line in lines if "60070" in line]
    assert len(failing) == 1 and "+70.000" in failing[0] and "不合格" in failing[0]
    assert sum("不合格" in line for line in lines) == 1  # the conclusion is 合格


def test_only_the_embedded_cjk_font_is_used(pdf: Callable[[bytes], Pdf]) -> None:
    fonts = pdf(render_calibration_record(sample_record())).fonts()
    assert fonts and all(font["emb"] == "yes" for font in fonts)
    assert len({font["name"].split("+")[-1] for font in fonts}) == 1


def test_a_copy_is_stamped(pdf: Callable[[bytes], Pdf]) -> None:
    assert "副本" not in pdf(render_calibration_record(sample_record())).text()
    assert "副本" in pdf(render_calibration_record(sample_record(), copy=True)).text()


def test_english_labels(pdf: Callable[[bytes], Pdf]) -> None:
    record = replace(sample_record(), result_passed=False, certificate_no=None, notes="")
    text = pdf(render_calibration_record(record, language="en")).text()
    assert "Scale verification / calibration record" in text
    assert "Calibration counter" in text and "118 → 119" in text
    assert "As found" in text and "As left" in text and "eccentric 2" in text
    assert "FAIL" in text and "in service" in text
    assert "检定" not in text


def test_empty_lists_print_a_placeholder(pdf: Callable[[bytes], Pdf]) -> None:
    record = replace(sample_record(), weights=(), as_found=())
    assert "无记录" in pdf(render_calibration_record(record)).flat_text()
