"""The device event log on SQLite and PostgreSQL: written on change only, append-only, and
the faults of a period with their time clipped to it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from station.periods import period_of
from station.readmodel_periods import DeviceFaults
from station.storage import device_events
from station.storage.chainstore import EvidenceImmutable
from station.storage.database import Database
from station.storage.models import DeviceEvent
from station.storage.period_stats import period_report
from station.storage.verify import verify_database
from tests.support.factory import SITE, Station

DAY = datetime(2026, 11, 25)
NOW = datetime(2026, 12, 1, 12, 0)


def at(hours: float) -> datetime:
    """A moment on 25 November 2026, `hours` after midnight (negative: the day before)."""
    return DAY + timedelta(hours=hours)


def write(database: Database, device_id: str, state: str, moment: datetime) -> bool:
    return device_events.record_state(
        database, device_id=device_id, state=state, moment=moment, lane=1, kind="axle_scale"
    )


def states(database: Database) -> list[tuple[str, str]]:
    with database.read() as session:
        rows = session.execute(
            select(DeviceEvent.device_id, DeviceEvent.state).order_by(DeviceEvent.id)
        )
        return [tuple(row) for row in rows]


def faults(database: Database, start: datetime, end: datetime, now: datetime = NOW):
    with database.reader.connect() as conn:
        return device_events.period_faults(conn, start, end, now)


def test_a_state_is_written_only_when_it_changes(station: Station) -> None:
    database = station.database
    written = [
        write(database, "axle", state, at(n))
        for n, state in enumerate(["CONNECTING", "OK", "OK", "OFFLINE", "OFFLINE", "OK"])
    ]
    assert written == [True, True, False, True, False, True]
    assert write(database, "cam1", "OK", at(7))  # each device has its own last state
    assert states(database) == [
        ("axle", "CONNECTING"), ("axle", "OK"), ("axle", "OFFLINE"), ("axle", "OK"),
        ("cam1", "OK"),
    ]  # fmt: skip
    with database.read() as session:
        row = session.scalars(select(DeviceEvent).order_by(DeviceEvent.id)).first()
        assert (row.at, row.lane, row.kind) == (at(0), 1, "axle_scale")


@pytest.mark.parametrize(
    ("field", "arguments"),
    [
        ("device_id", {"device_id": ""}),
        ("device_id", {"device_id": "x" * 65}),
        ("state", {"state": "NOT_A_SHORT_STATE"}),
        ("kind", {"kind": "k" * 17}),
    ],
)
def test_bad_values_are_refused_by_name(station: Station, field: str, arguments: dict) -> None:
    values = {"device_id": "axle", "state": "OK", "moment": DAY, "kind": "scale", **arguments}
    with pytest.raises(ValueError, match=f"^{field}: "):
        device_events.record_state(station.database, **values)
    assert states(station.database) == []


@pytest.mark.parametrize(
    "statement", ["UPDATE device_event SET state = 'OK'", "DELETE FROM device_event"]
)
def test_the_log_is_append_only(station: Station, statement: str) -> None:
    database = station.database
    write(database, "axle", "OFFLINE", at(1))
    with pytest.raises(DBAPIError, match="append-only"), database.transaction() as session:
        session.execute(text(statement))
    with pytest.raises(EvidenceImmutable), database.transaction() as session:
        session.scalars(select(DeviceEvent)).one().state = "OK"
        session.flush()
    assert states(database) == [("axle", "OFFLINE")]


def test_verify_reports_a_dropped_device_event_guard(station: Station) -> None:
    database = station.database
    assert verify_database(database, None).ok
    drop = (
        "DROP TRIGGER device_event_no_delete"
        if database.is_sqlite
        else "DROP TRIGGER device_event_append_only ON device_event"
    )
    with database.transaction() as session:
        session.execute(text(drop))
    problems = [p for p in verify_database(database, None).problems if "device_event" in p]
    assert len(problems) == 1 and "is missing" in problems[0]


def test_faults_are_spells_until_ok_clipped_to_the_period(station: Station) -> None:
    database = station.database
    # axle: offline from 22:00 the day before, reconnecting at 01:00, OK at 01:30;
    # stale 10:00-10:00:40; offline at 23:00 and still offline.
    for state, moment in [
        ("OK", at(-3)), ("OFFLINE", at(-2)), ("CONNECTING", at(1)), ("OK", at(1.5)),
        ("STALE", at(10)), ("OK", at(10) + timedelta(seconds=40)), ("OFFLINE", at(23)),
    ]:  # fmt: skip
        write(database, "axle", state, moment)
    # cam1: starts and runs normally; CONNECTING at a start is no fault.
    write(database, "cam1", "CONNECTING", at(2))
    write(database, "cam1", "OK", at(2) + timedelta(seconds=3))
    found = faults(database, DAY, DAY + timedelta(days=1))
    assert found == (DeviceFaults("axle", 3, int(1.5 * 3600) + 40 + 3600),)
    assert [d.minutes_not_ok for d in found] == [90 + 1 + 60]  # 40 s rounds up to a minute


def test_an_open_fault_counts_until_now_and_stopped_ends_it(station: Station) -> None:
    database = station.database
    write(database, "axle", "OK", at(0))
    write(database, "axle", "OFFLINE", at(6))
    end = DAY + timedelta(days=1)
    assert faults(database, DAY, end, now=at(8)) == (DeviceFaults("axle", 1, 2 * 3600),)
    write(database, "axle", "STOPPED", at(9))  # the station stopped watching at 09:00
    assert faults(database, DAY, end) == (DeviceFaults("axle", 1, 3 * 3600),)
    assert faults(database, at(12), end) == ()  # nobody watched: no fault after the stop
    assert faults(database, DAY, end, now=at(-1)) == ()  # a period not begun has none


def test_the_period_report_counts_faults_once_the_log_began(station: Station) -> None:
    database = station.database

    def report(day: date):
        return period_report(
            database,
            period_of("daily", day),
            site_code=SITE,
            station_name="测试站",
            deadline_hours=24,
            now=NOW,
        )

    assert report(date(2026, 11, 25)).device_faults is None  # no log at all
    write(database, "axle", "OK", at(8))
    write(database, "axle", "STALE", at(9))
    write(database, "axle", "OK", at(9.25))
    before = report(date(2026, 11, 24))
    assert (before.device_faults, before.faulty_devices) == (None, ())
    found = report(date(2026, 11, 25))
    assert found.device_faults == 1
    assert found.faulty_devices == (DeviceFaults("axle", 1, 15 * 60),)
    after = report(date(2026, 11, 26))
    assert (after.device_faults, after.faulty_devices) == (0, ())
