"""A scale's calibration state on SQLite and PostgreSQL: seal, coefficients and their event
counter (in the audit chain), calibration runs, certificates with scans, and the counter a
weighing's detail and ticket show."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from reports import render_ticket
from station.security import Role
from station.storage import calibration as cal
from station.storage.calibration import CalibrationRefused
from station.storage.chainstore import EvidenceImmutable
from station.storage.database import Database
from station.storage.models import (
    AuditEvent,
    CalibrationEvent,
    CalibrationPoint,
    CalibrationSession,
    Picture,
    ScaleCertificate,
)
from station.storage.scales import (
    Certificate,
    Scan,
    certificates,
    current_certificate,
    expiring,
    record_certificate,
    register_scale,
)
from station.storage.verify import verify_database
from station.storage.views import weighing_detail
from tests.reports.conftest import Pdf
from tests.reports.test_calibration import sample_record
from tests.support.factory import CONTEXT, Station, add_weighings

SCALE = CONTEXT.scale_id  # the scale the factory's weighings name
T0 = datetime(2026, 11, 25, 8, 0, 0)
TECH = Role.TECHNICIAN
PNG = b"\x89PNG\r\n\x1a\n" + b"scanned certificate" * 20


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def registered(station: Station, scale_id: str = SCALE) -> Database:
    register_scale(station.database, "tester", scale_id, max_kg=100_000, division_kg=20)
    return station.database


def change(database: Database, new: dict, at: datetime, **kw) -> int:
    options = {"actor": "tech1", "actor_role": TECH, "reason": "span adjusted", "moment": at}
    return cal.change_coefficients(database, SCALE, new, **(options | kw))


def counts(database: Database) -> tuple[int, int]:
    with database.read() as session:
        events = session.scalar(select(func.count()).select_from(CalibrationEvent))
        audit = session.scalar(select(func.count()).select_from(AuditEvent))
        return events, audit


def audit_details(database: Database, action: str) -> list[dict]:
    with database.read() as session:
        bodies = session.scalars(
            select(AuditEvent.body).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return [json.loads(body)["detail"] for body in bodies]


def verified(station: Station) -> None:
    report = verify_database(station.database, station.store.root)
    assert report.ok, report.problems + [str(f) for f in report.faults + report.audit_faults]


# ---- seal, coefficients, counter ----------------------------------------------------------


def test_every_coefficient_change_raises_the_counter_and_goes_into_the_audit_chain(
    station: Station,
) -> None:
    database = registered(station)
    assert cal.calibration_counter(database, SCALE) is None
    assert cal.current_coefficients(database, SCALE) is None
    assert cal.open_seal(database, SCALE, "tech1", "annual calibration", minutes(0)) == 0
    assert cal.seal_is_open(database, SCALE)

    first = {"zero_counts": 1234, "span_kg_per_count": "0.0123"}
    second = {"zero_counts": 1236, "span_kg_per_count": Decimal("0.01231")}
    assert change(database, first, minutes(5)) == 1
    assert change(database, second, minutes(10)) == 2
    assert cal.close_seal(database, SCALE, "tech1", "sealed, seal no. 0457", minutes(15)) == 2

    assert not cal.seal_is_open(database, SCALE)
    assert cal.calibration_counter(database, SCALE) == 2
    current = {"zero_counts": 1236, "span_kg_per_count": "0.01231"}
    assert cal.current_coefficients(database, SCALE) == current
    changes = audit_details(database, "COEFFICIENTS_CHANGED")
    assert [(d["counterBefore"], d["counter"]) for d in changes] == [(0, 1), (1, 2)]
    assert [(d["before"], d["after"]) for d in changes] == [({}, first), (first, current)]
    assert {d["role"] for d in changes} == {"technician"} and changes[0]["scaleId"] == SCALE
    assert [d["counter"] for d in audit_details(database, "SEAL_OPENED")] == [0]
    assert [d["counter"] for d in audit_details(database, "SEAL_CLOSED")] == [2]
    # Nothing in the evidence is a float: the values are kept as integers and strings.
    with database.read() as session:
        stored = session.scalars(select(CalibrationEvent.after_json)).all()
    assert all("." not in re.sub(r'"[^"]*"', "", row) for row in stored)
    verified(station)


def test_a_change_with_the_seal_closed_is_refused_and_writes_nothing(station: Station) -> None:
    database = registered(station)
    before = counts(database)
    with pytest.raises(CalibrationRefused, match="seal"):
        change(database, {"zero_counts": 1}, minutes(1))
    assert counts(database) == before
    cal.open_seal(database, SCALE, "tech1", "repair", minutes(2))
    cal.close_seal(database, SCALE, "tech1", "", minutes(3))
    before = counts(database)
    with pytest.raises(CalibrationRefused, match="seal"):
        change(database, {"zero_counts": 1}, minutes(4))
    assert counts(database) == before
    assert cal.calibration_counter(database, SCALE) == 0


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN, "nobody"])
def test_only_a_technician_may_change_coefficients(station: Station, role: str) -> None:
    database = registered(station)
    cal.open_seal(database, SCALE, "tech1", "repair", minutes(0))
    before = counts(database)
    with pytest.raises(CalibrationRefused, match="technician"):
        change(database, {"zero_counts": 1}, minutes(1), actor_role=role)
    assert counts(database) == before
    assert cal.calibration_counter(database, SCALE) == 0


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ({"span": 0.0123}, "float"),
        ({"span": True}, "float"),
        ({"span": "abc"}, "not a decimal"),
        ({"span": "NaN"}, "finite"),
        ({}, "at least one"),
        ({"": 1}, "names"),
    ],
)
def test_bad_coefficients_are_refused(station: Station, new: dict, message: str) -> None:
    database = registered(station)
    cal.open_seal(database, SCALE, "tech1", "repair", minutes(0))
    with pytest.raises(ValueError, match=message):
        change(database, new, minutes(1))
    assert cal.calibration_counter(database, SCALE) == 0


def test_the_same_values_again_are_no_change(station: Station) -> None:
    database = registered(station)
    cal.open_seal(database, SCALE, "tech1", "repair", minutes(0))
    change(database, {"span": "0.0123", "zero": 5}, minutes(1))
    with pytest.raises(ValueError, match=r"^new: the same"):
        change(database, {"span": "0.01230", "zero": 5}, minutes(2))
    assert cal.calibration_counter(database, SCALE) == 1


def test_the_seal_cannot_be_opened_twice_nor_closed_when_closed(station: Station) -> None:
    database = registered(station)
    with pytest.raises(ValueError, match="already closed"):
        cal.close_seal(database, SCALE, "tech1", "", minutes(0))
    cal.open_seal(database, SCALE, "tech1", "repair", minutes(1))
    with pytest.raises(ValueError, match="already open"):
        cal.open_seal(database, SCALE, "tech1", "again", minutes(2))
    with pytest.raises(ValueError, match=r"^reason:"):
        cal.open_seal(database, "other", "tech1", " ", minutes(2))
    with pytest.raises(ValueError, match="unknown scale"):
        cal.open_seal(database, "other", "tech1", "repair", minutes(2))


def test_the_counter_as_it_was_at_a_past_moment(station: Station) -> None:
    database = registered(station)
    cal.open_seal(database, SCALE, "tech1", "repair", minutes(0))
    change(database, {"zero": 1}, minutes(10))
    change(database, {"zero": 2}, minutes(20))
    cal.close_seal(database, SCALE, "tech1", "", minutes(30))
    with database.read() as session:  # a session works as well as the database
        assert cal.calibration_counter(session, SCALE, minutes(-1)) is None
        assert cal.calibration_counter(session, SCALE, minutes(5)) == 0
    assert cal.calibration_counter(database, SCALE, minutes(10)) == 1  # inclusive
    assert cal.calibration_counter(database, SCALE, minutes(19)) == 1
    assert cal.calibration_counter(database, SCALE, minutes(25)) == 2
    assert cal.calibration_counter(database, SCALE) == 2
    assert cal.calibration_counter(database, "never-calibrated") is None
    # The log never goes back in time, so what was printed for a weighing stays true.
    cal.open_seal(database, SCALE, "tech1", "repair", minutes(40))
    with pytest.raises(ValueError, match=r"^moment:"):
        change(database, {"zero": 3}, minutes(15))
    assert cal.calibration_counter(database, SCALE, minutes(19)) == 1


@pytest.mark.parametrize("table", ["calibration_event", "calibration_session", "calibration_point"])
@pytest.mark.parametrize("verb", ["UPDATE", "DELETE"])
def test_the_calibration_tables_are_append_only(station: Station, table: str, verb: str) -> None:
    database = registered(station)
    saved_run(station)
    before = counts(database)
    column = {"calibration_event": "kind", "calibration_session": "notes"}.get(table, "test")
    statement = f"UPDATE {table} SET {column} = 'x'" if verb == "UPDATE" else f"DELETE FROM {table}"
    with pytest.raises(DBAPIError, match="append-only"), database.transaction() as session:
        session.execute(text(statement))
    for model in (CalibrationEvent, CalibrationSession, CalibrationPoint):
        with pytest.raises(EvidenceImmutable), database.transaction() as session:
            row = session.scalars(select(model).limit(1)).one()
            session.delete(row)
            session.flush()
    assert counts(database) == before
    verified(station)


# ---- calibration runs ---------------------------------------------------------------------


def run_record(**changes):
    record = replace(
        sample_record(),
        scale_id=SCALE,
        started_at=minutes(0),
        finished_at=minutes(40),
        counter_before=0,
        counter_after=1,
    )
    return replace(record, **changes)


def saved_run(station: Station) -> int:
    database = station.database
    cal.open_seal(database, SCALE, "王建国", "annual calibration", minutes(1))
    change(database, {"span": "0.0123"}, minutes(20), actor="王建国")
    cal.close_seal(database, SCALE, "王建国", "sealed", minutes(39))
    return cal.save_session(database, run_record(), moment=minutes(45))


def test_a_saved_run_loads_back_as_the_same_record(station: Station) -> None:
    database = registered(station)
    session_id = saved_run(station)

    assert cal.load_record(database, session_id) == run_record()
    [detail] = audit_details(database, "CALIBRATION_RECORDED")
    assert (detail["sessionId"], detail["counterBefore"], detail["counterAfter"]) == (
        session_id, 0, 1,
    )  # fmt: skip
    assert detail["recordSha256"] == cal.record_digest(run_record())
    assert cal.calibration_counter(database, SCALE) == 1  # recording a run changes nothing
    verified(station)


def test_the_history_lists_runs_and_events_newest_first(station: Station) -> None:
    database = registered(station)
    session_id = saved_run(station)

    entries = cal.history(database, SCALE)

    assert [(e.kind, e.counter) for e in entries] == [
        ("CALIBRATED", 1), ("SEAL_CLOSED", 1), ("COEFFICIENTS_CHANGED", 1), ("SEAL_OPENED", 0),
    ]  # fmt: skip
    run = entries[0].session
    assert run is not None and (run.id, run.verification, run.result_passed) == (
        session_id, "in_service", True,
    )  # fmt: skip
    assert (run.counter_before, run.counter_after, run.technician) == (0, 1, "王建国")
    assert (entries[2].before, entries[2].after) == ({}, {"span": "0.0123"})
    assert entries[3].reason == "annual calibration" and entries[3].session is None
    assert cal.history(database, "other") == []


def test_a_run_is_recorded_only_with_the_seal_closed_and_the_station_counters(
    station: Station,
) -> None:
    database = registered(station)
    cal.open_seal(database, SCALE, "王建国", "annual calibration", minutes(1))
    change(database, {"span": "0.0123"}, minutes(20))
    with pytest.raises(CalibrationRefused, match="close it"):
        cal.save_session(database, run_record(), moment=minutes(45))
    cal.close_seal(database, SCALE, "王建国", "", minutes(39))
    with pytest.raises(ValueError, match=r"^counter_after:"):
        cal.save_session(database, run_record(counter_after=119), moment=minutes(45))
    with pytest.raises(ValueError, match=r"^counter_before:"):
        cal.save_session(database, run_record(counter_before=1), moment=minutes(45))
    with pytest.raises(ValueError, match=r"^verification:"):
        cal.save_session(database, run_record(verification="yearly"), moment=minutes(45))
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(CalibrationSession)) == 0
    with pytest.raises(ValueError, match=r"^session_id:"):
        cal.load_record(database, 99)


# ---- certificates -------------------------------------------------------------------------


def test_a_certificate_with_its_scan_is_kept_and_the_file_checked(station: Station) -> None:
    database = registered(station)
    first = Certificate("JD-2025-001", "市计量所", date(2026, 6, 30), date(2025, 7, 1))
    record_certificate(database, "tech1", SCALE, first, moment=minutes(0))
    renewal = Certificate("JD-2026-017", "市计量所", date(2027, 6, 30), date(2026, 7, 1))
    stored = record_certificate(
        database, "tech1", SCALE, renewal, scan=Scan(PNG, "image/png"), store=station.store,
        moment=minutes(1),
    )  # fmt: skip

    sha = hashlib.sha256(PNG).hexdigest()
    assert stored == replace(renewal, scan_sha256=sha)
    assert current_certificate(database, SCALE) == stored
    [newest, older] = certificates(database, SCALE)
    assert (newest.certificate, newest.scan_mime) == (stored, "image/png")
    assert (older.certificate, older.scan_path) == (first, None)
    path = station.store.path_of(newest.scan_path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    [detail] = audit_details(database, "CERTIFICATE_RECORDED")[1:]
    assert (detail["issuedOn"], detail["scanSha256"]) == ("2026-07-01", sha)
    verified(station)

    path.write_bytes(PNG + b"altered")
    report = verify_database(database, station.store.root)
    assert any("does not match its SHA-256" in problem for problem in report.problems)


def test_a_bad_certificate_or_scan_records_nothing(station: Station) -> None:
    database = registered(station)
    cert = Certificate("JD-1", "所", date(2027, 1, 1), date(2026, 1, 1))
    with pytest.raises(ValueError, match=r"^valid_until:"):
        record_certificate(database, "t", SCALE, replace(cert, issued_on=date(2027, 2, 1)))
    with pytest.raises(ValueError, match=r"^number:"):
        record_certificate(database, "t", SCALE, replace(cert, number=" "))
    for scan in (Scan(b"GIF89a", "image/gif"), Scan(b"%PDF-1.7", "image/png")):
        with pytest.raises(ValueError, match=r"^scan:"):
            record_certificate(database, "t", SCALE, cert, scan=scan, store=station.store)
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(ScaleCertificate)) == 0
        assert session.scalar(select(func.count()).select_from(Picture)) == 0


def test_expiring_lists_missing_expired_and_soon_expiring_certificates(station: Station) -> None:
    database = station.database
    today = date(2026, 11, 25)
    for scale_id, days in (("a-soon", 10), ("b-expired", -3), ("c-later", 31), ("d-none", None)):
        register_scale(database, "t", scale_id, max_kg=60_000, division_kg=10)
        if days is not None:
            until = today + timedelta(days=days)
            record_certificate(database, "t", scale_id, Certificate(f"JD-{scale_id}", "所", until))
    record_certificate(database, "t", "c-later", Certificate("JD-edge", "所", date(2026, 12, 25)))

    due = expiring(database, today)

    assert [(s.scale_id, s.days_left, s.expired, s.missing) for s in due] == [
        ("d-none", None, False, True),
        ("b-expired", -3, True, False),
        ("a-soon", 10, False, False),
        ("c-later", 30, False, False),  # its latest certificate: 30 days is still reminded
    ]
    assert [s.scale_id for s in expiring(database, today, within_days=0)] == ["d-none", "b-expired"]


# ---- the counter on a weighing ------------------------------------------------------------


def detail_of(station: Station, check_no: str):
    found = weighing_detail(
        station.database, check_no, station.store.root, site_name="测试站", deadline_hours=24
    )
    assert found is not None
    return found


def pdf_text(data: bytes, path: Path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("STATION_REQUIRE_POPPLER"):
            pytest.fail("poppler-utils not installed, and STATION_REQUIRE_POPPLER is set")
        pytest.skip("poppler-utils not installed")
    return Pdf(data, path).text()


def test_a_weighing_after_a_coefficient_change_shows_counter_1(
    station: Station, tmp_path: Path
) -> None:
    database = registered(station)
    [before] = add_weighings(station, 1, start=minutes(-30))
    cal.open_seal(database, SCALE, "tech1", "repair", minutes(0))
    change(database, {"span": "0.0123"}, minutes(5))
    cal.close_seal(database, SCALE, "tech1", "", minutes(10))
    [after] = add_weighings(station, 1, seed=2, start=minutes(20))

    assert detail_of(station, before.check_no).calibration_counter is None
    shown = detail_of(station, after.check_no)
    assert shown.calibration_counter == 1

    text_after = pdf_text(render_ticket(shown), tmp_path / "after.pdf")
    assert re.search(r"标定计数\s+1\b", text_after), text_after
    text_before = pdf_text(render_ticket(detail_of(station, before.check_no)), tmp_path / "b.pdf")
    assert re.search(r"标定计数\s+—", text_before)
    verified(station)


def test_a_change_in_the_weighings_own_second_does_not_show_on_it(station: Station) -> None:
    database = registered(station)
    cal.open_seal(database, SCALE, "tech1", "repair", minutes(0))
    change(database, {"span": "0.0123"}, minutes(1))
    [weighed] = add_weighings(station, 1, start=minutes(2))
    # The next change carries the very same whole-second time as the weighing.
    assert change(database, {"span": "0.0124"}, minutes(2)) == 2

    assert detail_of(station, weighed.check_no).calibration_counter == 1
    assert cal.calibration_counter(database, SCALE, minutes(2)) == 2  # what a lookup would say
    verified(station)


def test_the_stored_counter_is_covered_by_the_evidence_digest(station: Station) -> None:
    database = registered(station)
    cal.open_seal(database, SCALE, "tech1", "repair", minutes(0))
    change(database, {"span": "0.0123"}, minutes(1))
    [weighed] = add_weighings(station, 1, start=minutes(2))
    with database.writer.begin() as conn:
        if database.is_sqlite:
            conn.execute(text("DROP TRIGGER weighing_no_update"))
        else:
            conn.execute(text("ALTER TABLE weighing DISABLE TRIGGER weighing_append_only"))
        conn.execute(text("UPDATE weighing SET calibration_counter = 7"))

    report = verify_database(database, station.store.root)

    assert not report.ok
    assert f"seq {weighed.seq}: its local evidence" in " ".join(str(f) for f in report.faults)
