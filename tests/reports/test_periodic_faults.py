"""Device faults in the periodic reports, read back with poppler: the count, the per-device
table, "none" once the log exists, "not recorded" before it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from reports.periodic import render_period_report
from station.periods import period_of
from station.readmodel_periods import DeviceFaults
from station.storage import device_events
from station.storage.period_stats import period_report
from tests.reports.conftest import Pdf
from tests.reports.test_periodic import SITE, sample_report
from tests.support.factory import sqlite_station

FAULTY = (
    DeviceFaults("axle-lane1", 3, 4 * 3600 + 20),  # 240 min and 20 s: printed 241
    DeviceFaults("cam-lane2", 1, 90),
)


def test_the_count_and_each_faulty_device_are_printed(pdf: Callable[[bytes], Pdf]) -> None:
    report = replace(sample_report(), device_faults=4, faulty_devices=FAULTY)
    text = pdf(render_period_report(report)).flat_text()
    assert "设备故障4" in text
    assert "七、设备故障" in text and "设备编号故障次数故障时长（分钟）" in text
    assert "axle-lane13241" in text and "cam-lane212" in text
    assert "合计4" in text


def test_english_labels(pdf: Callable[[bytes], Pdf]) -> None:
    report = replace(sample_report("weekly"), device_faults=4, faulty_devices=FAULTY)
    flat = "".join(pdf(render_period_report(report, language="en")).text().split())
    assert "7.Devicefaults" in flat and "MinutesnotOK" in flat
    assert "axle-lane13241" in flat


def test_no_faults_prints_zero_and_none(pdf: Callable[[bytes], Pdf]) -> None:
    text = pdf(render_period_report(replace(sample_report(), device_faults=0))).flat_text()
    assert "设备故障0" in text and "本期无设备故障记录" in text


def test_before_the_log_began_nothing_is_invented(pdf: Callable[[bytes], Pdf]) -> None:
    text = pdf(render_period_report(sample_report())).flat_text()
    assert "设备故障未记录" in text and "未记录：本期结束前设备状态日志尚未启用" in text


def test_from_the_database_to_the_page(pdf: Callable[[bytes], Pdf], tmp_path: Path) -> None:
    station = sqlite_station(tmp_path)
    for state, moment in [
        ("OK", datetime(2026, 11, 25, 7, 0)),
        ("OFFLINE", datetime(2026, 11, 25, 8, 0)),
        ("CONNECTING", datetime(2026, 11, 25, 8, 10)),
        ("OK", datetime(2026, 11, 25, 8, 30)),
    ]:
        device_events.record_state(
            station.database, device_id="platform", state=state, moment=moment, lane=2
        )
    report = period_report(
        station.database,
        period_of("daily", date(2026, 11, 25)),
        site_code=SITE,
        station_name="测试站",
        deadline_hours=24,
        now=datetime(2026, 11, 26, 8, 0),
    )
    station.database.dispose()
    text = pdf(render_period_report(report)).flat_text()
    assert "设备故障1" in text and "platform130" in text
