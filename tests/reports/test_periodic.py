"""The periodic reports read back with poppler: titles, key figures, fonts, pagination."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from reports.periodic import render_period_report
from station.periods import period_of
from station.readmodel_periods import (
    CaseSummary,
    DayTally,
    HeavyVehicle,
    OverdueCase,
    PeriodReport,
    Tally,
)
from tests.reports.conftest import Pdf

SITE = "410102210001"
TITLES = {"daily": "超限检测日报", "weekly": "超限检测周报", "dekad": "超限检测旬报",
          "monthly": "超限检测月报"}  # fmt: skip


def sample_report(kind: str = "monthly", heavy: int = 3) -> PeriodReport:
    """A report of the period containing 25 November 2026 with fixed, checkable figures."""
    period = period_of(kind, date(2026, 11, 25))
    hours = tuple(Tally(h, 100 + 7 * h if 6 <= h <= 20 else 12, 9) for h in range(24))
    days = tuple(DayTally(d, 3000 + d.day, 200 + 5 * d.day) for d in period.days)
    start = period.start + timedelta(hours=9)
    vehicles = tuple(
        HeavyVehicle(f"{SITE}20261125{n:05d}", start + timedelta(minutes=n), f"豫A{n:05d}",
                     (80_000, 93_500, 101_200)[n % 3], 1 + n % 4, 6)
        for n in range(heavy)
    )  # fmt: skip
    cases = CaseSummary(
        by_result=(
            ("NOT_OVER", 2500),
            ("UNLOADED", 410),
            ("POLICE", 7),
            ("PERMIT", 3),
            ("ABSCONDED", 2),
        ),
        open=5,
        voided=1,
        unloaded_count=410,
        unloaded_total_kg=2_901_155,  # 7075.99 kg on average: printed 7076
        overdue=(
            OverdueCase(
                f"{SITE}2026112300017",
                "豫B77777",
                datetime(2026, 11, 23, 10, 0),
                datetime(2026, 11, 24, 10, 0),
                12_340,
            ),
        ),
    )
    return PeriodReport(
        period=period,
        site_code=SITE,
        station_name="郑州东超限检测站",
        generated_at=datetime(2026, 12, 1, 8, 30, 0),
        deadline_hours=24,
        weighed=98_765,
        over=4_321,
        reweighs=412,
        voided=6,
        by_axles=(Tally(2, 40_000, 1_000), Tally(3, 8_765, 321), Tally(6, 50_000, 3_000)),
        by_lane=(Tally(1, 30_000, 1_500), Tally(2, 68_765, 2_821)),
        by_hour=hours,
        by_day=days,
        heavy_counts=((80_000, 57), (90_000, 21), (100_000, 4)),
        heavy=vehicles,
        cases=cases,
    )


@pytest.mark.parametrize("kind", sorted(TITLES))
def test_each_kind_has_its_title_and_period(kind: str, pdf: Callable[[bytes], Pdf]) -> None:
    doc = pdf(render_period_report(sample_report(kind)))
    text = doc.flat_text()
    assert TITLES[kind] in text
    expected = {
        "daily": "2026年11月25日",
        "weekly": "2026年第48周（2026-11-23至2026-11-29）",
        "dekad": "2026年11月下旬（2026-11-21至2026-11-30）",
        "monthly": "2026年11月（2026-11-01至2026-11-30）",
    }[kind]
    assert expected in text
    assert doc.page_size() == pytest.approx((595.3, 841.9), abs=0.5)  # A4


def test_key_figures_exactly(pdf: Callable[[bytes], Pdf]) -> None:
    text = pdf(render_period_report(sample_report())).flat_text()
    assert "检测车辆（初检）98765" in text
    assert "超限车辆4321" in text
    assert "超限率4.38%" in text  # 4321 / 98765 = 4.37503...: rounded, not cut
    assert "复检车次412" in text
    assert "80吨及以上57" in text and "90吨及以上21" in text and "100吨及以上4" in text
    assert "设备故障未记录" in text and "数据上传0次，完整0次" in text
    assert "3轴87653213.66" in text  # axle count, weighed, over, rate
    assert "2号车道6876528214.10" in text
    assert "合计9876543214.38" in text
    assert "卸载复检合格410" in text and "移交公安7" in text
    assert "7076kg（410件）" in text
    assert "豫B77777" in text and "12340" in text
    assert "101200（百吨王）" in text


def test_cjk_font_is_embedded_and_alone(pdf: Callable[[bytes], Pdf]) -> None:
    fonts = pdf(render_period_report(sample_report())).fonts()
    assert fonts, "no fonts at all"
    assert all("WenQuanYi" in row["name"] and row["emb"] == "yes" for row in fonts), fonts


def test_chart_labels_are_text_in_the_embedded_font(pdf: Callable[[bytes], Pdf]) -> None:
    text = pdf(render_period_report(sample_report("weekly"))).flat_text()
    assert "各时段检测车辆数（按小时）" in text and "每日超限率（%）" in text
    daily = pdf(render_period_report(sample_report("daily"))).flat_text()
    assert "每日超限率" not in daily  # a single day has no day-by-day chart


def test_long_heavy_list_paginates_with_its_header(pdf: Callable[[bytes], Pdf]) -> None:
    doc = pdf(render_period_report(sample_report(heavy=150)))
    assert doc.pages() >= 4
    text = doc.flat_text()
    assert all(f"豫A{n:05d}" in text for n in range(150))
    last_page = "".join(doc.text(doc.pages() - 1).split())
    assert "检测单号" in last_page  # the header row repeated


def test_english_translation(pdf: Callable[[bytes], Pdf]) -> None:
    text = pdf(render_period_report(sample_report("dekad"), language="en")).text()
    assert "Ten-day overload report" in text
    assert "Overload rate" in text and "4.38%" in text
    flat = "".join(text.split())  # the words may wrap in their cell
    assert "notrecorded" in flat and "0passes,0complete" in flat  # -layout interleaves cells


def test_rendering_is_repeatable() -> None:
    report = sample_report()
    assert render_period_report(report) == render_period_report(report)
