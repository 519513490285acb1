"""Upload passes in the periodic report: each pass of the period, and what still waits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from reports.periodic import render_period_report
from station.periods import period_of
from station.readmodel_periods import UploadPassRow
from station.storage import outbox
from station.storage.period_stats import period_report
from tests.reports.conftest import Pdf
from tests.reports.test_periodic import SITE, sample_report
from tests.support.factory import add_weighings, sqlite_station

PASSES = (
    UploadPassRow(datetime(2026, 11, 25, 2, 0, 3), "SCHEDULE", "FAILED", 0, 0, 0, 0, 812),
    UploadPassRow(datetime(2026, 11, 25, 2, 30, 9), "SCHEDULE", "COMPLETE", 812, 811, 1, 640, 0),
)


def test_every_pass_is_listed_with_what_it_delivered(pdf: Callable[[bytes], Pdf]) -> None:
    report = replace(sample_report(), uploads=PASSES, pending_now=3)
    text = pdf(render_period_report(report)).flat_text()
    assert "数据上传2次，完整1次" in text
    assert "八、数据上传" in text
    assert "2026-11-2502:00:03定时失败0000812" in text
    assert "2026-11-2502:30:09定时完整81281116400" in text
    assert "当前待传记录：3条" in text


def test_english_labels_and_no_passes(pdf: Callable[[bytes], Pdf]) -> None:
    flat = "".join(pdf(render_period_report(sample_report(), language="en")).text().split())
    assert "8.Uploadtotheprovince" in flat and "Nouploadpassintheperiod" in flat


def test_from_the_database_to_the_page(pdf: Callable[[bytes], Pdf], tmp_path: Path) -> None:
    station = sqlite_station(tmp_path)
    add_weighings(station, 3, start=datetime(2026, 11, 25, 9, 0))
    moments = (datetime(2026, 11, 24, 23, 0), datetime(2026, 11, 25, 12, 0))
    for moment in moments:  # the first belongs to the day before
        pass_id = outbox.start_pass(station.database, trigger="MANUAL", actor="sup", moment=moment)
        outbox.finish_pass(
            station.database, pass_id, moment, status="INCOMPLETE", records_sent=3,
            accepted=2, rejected=1, pending_after=0,
        )  # fmt: skip
    report = period_report(
        station.database,
        period_of("daily", date(2026, 11, 25)),
        site_code=SITE,
        station_name="测试站",
        deadline_hours=24,
        now=datetime(2026, 11, 26, 8, 0),
    )
    station.database.dispose()
    assert report.upload_passes == 1 and report.pending_now == 3  # nothing really delivered
    text = pdf(render_period_report(report)).flat_text()
    assert "2026-11-2512:00:00手动不完整32100" in text
    assert "数据上传1次，完整0次" in text
