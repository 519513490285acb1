"""Glue for `main.py report daily|weekly|dekad|monthly`: configuration + database -> read-model.

The station side stops at the read-model: `station` never imports `reports`, so the command
renders it with `reports.periodic.render_period_report` itself.
"""

from __future__ import annotations

from datetime import date, datetime

from station.config import StationConfig
from station.periods import PeriodKind, period_of
from station.readmodel_periods import PeriodReport
from station.storage.database import Database
from station.storage.period_stats import period_report


def build_period_report(
    config: StationConfig,
    database: Database,
    kind: PeriodKind | str,
    day: date,
    now: datetime,
) -> PeriodReport:
    """The report of the `kind` period containing `day`, as of `now` (naive Beijing time)."""
    return period_report(
        database,
        period_of(kind, day),
        site_code=config.station.site_code,
        station_name=config.station.name,
        deadline_hours=config.workflow.unload_deadline_hours,
        now=now,
    )
