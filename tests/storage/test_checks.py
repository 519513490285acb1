"""Watchlist and daily scale checks on SQLite and PostgreSQL; scale checks are guarded evidence."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from station.storage.chainstore import EvidenceImmutable
from station.storage.checks import (
    add_watch,
    record_scale_check,
    remove_watch,
    scale_checked_on,
    watch_reason,
)
from station.storage.database import Database
from station.storage.models import AuditEvent, ScaleCheck, Watchlist
from station.storage.scales import register_scale
from station.storage.verify import verify_database
from tests.support.factory import Station

MOMENT = datetime(2026, 11, 25, 7, 30, 0)
PLATE = "豫A12345"
SCALE = "lane1-axle-scale"


def audit(database: Database, action: str) -> list[tuple[str, dict[str, Any]]]:
    with database.read() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        ).all()
    return [(row.actor, json.loads(row.body)["detail"]) for row in rows]


def reason_of(database: Database, plate: str) -> str | None:
    with database.read() as session:
        return watch_reason(session, plate)


def with_scale(station: Station) -> Database:
    register_scale(station.database, "tech", SCALE, max_kg=100000, division_kg=20)
    return station.database


def check(database: Database, reading_kg: int, moment: datetime = MOMENT) -> bool:
    return record_scale_check(
        database, scale_id=SCALE, reference_kg=20000, reading_kg=reading_kg, actor="tech",
        moment=moment, tolerance_kg=40,
    )  # fmt: skip


def checked_on(database: Database, day: date) -> bool:
    with database.read() as session:
        return scale_checked_on(session, SCALE, day)


# ---- watchlist ---------------------------------------------------------------------------------


def test_a_watched_plate_has_its_reason_until_removed(station: Station) -> None:
    database = station.database
    assert reason_of(database, PLATE) is None
    add_watch(
        database, plate_num=PLATE, reason="LOCKED", source="PROVINCE", actor="sync", moment=MOMENT
    )
    assert reason_of(database, PLATE) == "LOCKED"
    assert reason_of(database, "豫A1234") is None, "plates are compared exactly"
    assert reason_of(database, "未识别") is None
    assert remove_watch(database, plate_num=PLATE, actor="sup", moment=MOMENT) is True
    assert reason_of(database, PLATE) is None
    assert remove_watch(database, plate_num=PLATE, actor="sup", moment=MOMENT) is False
    assert audit(database, "WATCHLIST_ADDED") == [
        ("sync", {"plateNum": PLATE, "reason": "LOCKED", "source": "PROVINCE"})
    ]
    assert audit(database, "WATCHLIST_REMOVED") == [
        ("sup", {"plateNum": PLATE, "source": None, "reasons": ["LOCKED"]})
    ]
    with database.read() as session:
        rows = session.scalars(select(Watchlist)).all()
    assert [(r.plate_num, r.active, r.added_at) for r in rows] == [(PLATE, False, MOMENT)]


def test_the_same_entry_twice_changes_nothing_and_a_new_reason_replaces(
    station: Station,
) -> None:
    database = station.database
    for _ in range(3):
        add_watch(
            database,
            plate_num=PLATE,
            reason="BLACKLIST",
            source="PROVINCE",
            actor="sync",
            moment=MOMENT,
        )
    assert len(audit(database, "WATCHLIST_ADDED")) == 1
    later = MOMENT + timedelta(days=1)
    add_watch(
        database, plate_num=PLATE, reason="LOCKED", source="PROVINCE", actor="sync", moment=later
    )
    assert reason_of(database, PLATE) == "LOCKED"
    add_watch(
        database, plate_num=PLATE, reason="多次超限", actor="sup", moment=later + timedelta(hours=1)
    )
    assert reason_of(database, PLATE) == "多次超限", "the most recent entry speaks"
    # The province withdrawing its entry leaves the station's own.
    assert remove_watch(database, plate_num=PLATE, source="PROVINCE", actor="sync", moment=later)
    assert reason_of(database, PLATE) == "多次超限"
    with database.read() as session:
        active = session.scalars(select(Watchlist).where(Watchlist.active.is_(True))).all()
    assert [(r.source, r.reason) for r in active] == [("LOCAL", "多次超限")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"plate_num": ""}, "plate_num"),
        ({"plate_num": "未识别"}, "plate_num"),
        ({"plate_num": "豫A" * 9}, "plate_num"),
        ({"reason": " "}, "reason"),
        ({"source": "CITY"}, "source"),
    ],
)
def test_watchlist_entries_are_checked(
    station: Station, changes: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {
        "plate_num": PLATE, "reason": "LOCKED", "source": "LOCAL", "actor": "sup",
        "moment": MOMENT,
    }  # fmt: skip
    arguments.update(changes)
    with pytest.raises(ValueError, match=f"^{field}: "):
        add_watch(station.database, **arguments)
    with pytest.raises(ValueError, match=r"^source: "):
        remove_watch(station.database, plate_num=PLATE, source="CITY", actor="sup", moment=MOMENT)
    assert audit(station.database, "WATCHLIST_ADDED") == []


# ---- daily scale check -------------------------------------------------------------------------


def test_a_scale_check_within_tolerance_passes_and_is_audited(station: Station) -> None:
    database = with_scale(station)
    assert check(database, 20040) is True
    assert check(database, 19959, MOMENT + timedelta(minutes=5)) is False
    with database.read() as session:
        rows = session.scalars(select(ScaleCheck).order_by(ScaleCheck.id)).all()
    assert [(r.scale_id, r.checked_at, r.checked_by, r.reference_kg, r.reading_kg, r.passed)
            for r in rows] == [
        (SCALE, MOMENT, "tech", 20000, 20040, True),
        (SCALE, MOMENT + timedelta(minutes=5), "tech", 20000, 19959, False),
    ]  # fmt: skip
    assert audit(database, "SCALE_CHECKED") == [
        ("tech", {"scaleId": SCALE, "referenceKg": 20000, "readingKg": 20040,
                  "toleranceKg": 40, "passed": True}),
        ("tech", {"scaleId": SCALE, "referenceKg": 20000, "readingKg": 19959,
                  "toleranceKg": 40, "passed": False}),
    ]  # fmt: skip


def test_a_day_counts_as_checked_only_with_a_passed_check_that_day(station: Station) -> None:
    database = with_scale(station)
    day = date(2026, 11, 25)
    check(database, 21000, datetime(2026, 11, 25, 0, 0, 0))
    assert not checked_on(database, day), "a failed check does not count"
    check(database, 20000, datetime(2026, 11, 25, 23, 59, 59))
    assert checked_on(database, day)
    assert not checked_on(database, day + timedelta(days=1))
    assert not checked_on(database, day - timedelta(days=1))
    check(database, 20000, datetime(2026, 11, 27, 0, 0, 0))
    assert checked_on(database, date(2026, 11, 27))
    assert not checked_on(database, date(2026, 11, 26))
    with database.read() as session:
        assert not scale_checked_on(session, "other-scale", day)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scale_id": "no-such-scale"}, "scale_id"),
        ({"reference_kg": -20000}, "reference_kg"),
        ({"tolerance_kg": -1}, "tolerance_kg"),
    ],
)
def test_scale_checks_are_refused_for_an_unknown_scale_or_a_bad_reference(
    station: Station, changes: dict[str, Any], field: str
) -> None:
    database = with_scale(station)
    arguments: dict[str, Any] = {
        "scale_id": SCALE, "reference_kg": 20000, "reading_kg": 20000, "actor": "tech",
        "moment": MOMENT, "tolerance_kg": 40,
    }  # fmt: skip
    arguments.update(changes)
    with pytest.raises(ValueError, match=f"^{field}: "):
        record_scale_check(database, **arguments)
    assert audit(database, "SCALE_CHECKED") == []


# ---- scale checks are evidence -----------------------------------------------------------------


@pytest.mark.parametrize(
    "statement", ["UPDATE scale_check SET passed = true", "DELETE FROM scale_check"]
)
def test_the_database_refuses_to_change_a_scale_check(station: Station, statement: str) -> None:
    database = with_scale(station)
    check(database, 25000)
    with pytest.raises(DBAPIError, match="append-only"), database.transaction() as session:
        session.execute(text(statement))
    with pytest.raises(EvidenceImmutable), database.transaction() as session:
        row = session.scalars(select(ScaleCheck)).one()
        row.passed = True
        session.flush()
    assert not checked_on(database, MOMENT.date())


def test_verify_reports_a_dropped_scale_check_guard(station: Station) -> None:
    database = with_scale(station)
    check(database, 20000)
    assert verify_database(database, None).ok
    drop = (
        "DROP TRIGGER scale_check_no_update"
        if database.is_sqlite
        else "DROP TRIGGER scale_check_append_only ON scale_check"
    )
    with database.transaction() as session:
        session.execute(text(drop))
    report = verify_database(database, None)
    assert not report.ok
    assert [p for p in report.problems if "scale_check" in p] == [
        "the evidence guard trigger "
        + ("scale_check_no_update" if database.is_sqlite else "scale_check_append_only")
        + " is missing (dropped: evidence may have been edited)"
    ]
