"""Dynamic axle scales' reference-vehicle checks on SQLite and PostgreSQL: stored and read
back, refused when they may not or must not be recorded, append-only, named in the audit
chain by their digest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from station.chain import canonical_json
from station.readmodel_calibration import DynamicItem, DynamicPass, DynamicRecord
from station.security import Role
from station.storage import calibration as cal
from station.storage import calibration_dynamic as dyn
from station.storage.calibration import CalibrationRefused
from station.storage.chainstore import EvidenceImmutable
from station.storage.database import Database
from station.storage.models import AuditEvent, CalibrationEvent, DynamicRun, DynamicRunItem
from station.storage.scales import register_scale
from station.storage.verify import verify_database
from tests.reports.test_calibration_dynamic import judged, sample_dynamic_record
from tests.support.factory import Station

SCALE = "lane1-axle"
T0 = datetime(2026, 11, 26, 8, 0, 0)
TECH = Role.TECHNICIAN


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def record(**changes) -> DynamicRecord:
    """The sample check, on this station's scale: started 20 min, finished 80 min after T0."""
    base = replace(
        sample_dynamic_record(), scale_id=SCALE, started_at=minutes(20), finished_at=minutes(80),
        counter=1,
    )  # fmt: skip
    return replace(base, **changes)


def calibrated(station: Station) -> Database:
    """The scale registered, its coefficients set once (counter 1), the seal closed."""
    database = station.database
    register_scale(database, "tester", SCALE, max_kg=60_000, division_kg=10)
    cal.open_seal(database, SCALE, "王建国", "installation", minutes(0))
    cal.change_coefficients(database, SCALE, {"span": "0.0123"}, actor="王建国",
                            actor_role=TECH, reason="installation", moment=minutes(5))  # fmt: skip
    cal.close_seal(database, SCALE, "王建国", "sealed", minutes(10))
    return database


def save(database: Database, check: DynamicRecord | None = None, **kw) -> int:
    options = {"actor": "wang", "actor_role": TECH, "moment": minutes(85)} | kw
    return dyn.save_dynamic_run(database, check or record(), **options)


def counts(database: Database) -> tuple[int, ...]:
    """Rows of the runs, their items, the calibration events and the audit events."""
    with database.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (DynamicRun, DynamicRunItem, CalibrationEvent, AuditEvent)
        )


def recorded_details(database: Database) -> list[dict]:
    with database.read() as session:
        bodies = session.scalars(
            select(AuditEvent.body)
            .where(AuditEvent.action == "DYNAMIC_CHECK_RECORDED")
            .order_by(AuditEvent.seq)
        )
        return [json.loads(body)["detail"] for body in bodies]


def verified(station: Station) -> None:
    report = verify_database(station.database, station.store.root)
    assert report.ok, report.problems + [str(f) for f in report.faults + report.audit_faults]


# ---- round trip ----------------------------------------------------------------------------


def test_a_saved_check_loads_back_as_the_same_record(station: Station) -> None:
    database = calibrated(station)
    run_id = save(database)

    loaded = dyn.load_dynamic_run(database, run_id)

    assert loaded == record()
    assert [(i.pass_no, i.item) for i in loaded.items if not i.passed] == [
        (3, "gross"), (3, "group 2+3"),
    ]  # fmt: skip
    assert not loaded.result_passed and loaded.groups == ((2, 3), (4, 5, 6))
    assert all(type(v) is int for p in loaded.passes for v in (p.speed_kmh, *p.axles_kg))
    assert counts(database)[:2] == (1, 12)
    assert cal.calibration_counter(database, SCALE) == 1  # recording a check changes nothing
    verified(station)


def test_the_audit_event_names_the_records_digest(station: Station) -> None:
    database = calibrated(station)
    run_id = save(database)

    [detail] = recorded_details(database)

    digest = dyn.dynamic_record_digest(record())
    assert detail == {
        "scaleId": SCALE, "runId": run_id, "verification": "initial", "vehicleClass": "2",
        "axleClass": "C", "resultPassed": False, "counter": 1, "recordSha256": digest,
    }  # fmt: skip
    # The digest is of the record as stored: what is loaded back hashes to it, and it is
    # the SHA-256 of canonical JSON holding the record's values.
    assert dyn.dynamic_record_digest(dyn.load_dynamic_run(database, run_id)) == digest
    body = canonical_json(dyn._record_json(record()))
    assert hashlib.sha256(body).hexdigest() == digest
    values = json.loads(body)
    assert values["passes"][2] == [15, [6560, 9950, 9900, 8300, 8200, 8100]]
    assert values["staticGrossKg"] == 50300 and values["counter"] == 1
    # Any change of the evidence changes the digest.
    for changed in (record(notes="x"), record(counter=2), record(technician="李四"),
                    record(reference_vehicle="豫A·D1235")):  # fmt: skip
        assert dyn.dynamic_record_digest(changed) != digest


def test_runs_are_listed_newest_first_with_their_counts(station: Station) -> None:
    database = calibrated(station)
    first = save(database, moment=minutes(85))
    passing = tuple(i for i in judged()[:8])  # passes 1 and 2 only, all within
    second = save(
        database,
        record(passes=record().passes[:2], items=passing, result_passed=True,
               verification="in_service", started_at=minutes(90), finished_at=minutes(100)),
        moment=minutes(101),
    )  # fmt: skip

    runs = dyn.dynamic_runs(database, SCALE)

    assert [r.id for r in runs] == [second, first]
    assert [(r.passes, r.items, r.failed_items, r.result_passed) for r in runs] == [
        (2, 8, 0, True), (3, 12, 2, False),
    ]  # fmt: skip
    assert (runs[1].recorded_at, runs[1].recorded_by, runs[1].counter) == (minutes(85), "wang", 1)
    assert (runs[0].verification, runs[0].vehicle_class, runs[0].axle_class) == (
        "in_service", "2", "C",
    )  # fmt: skip
    assert dyn.dynamic_runs(database, "other") == []
    with pytest.raises(ValueError, match=r"^run_id: no dynamic run 99"):
        dyn.load_dynamic_run(database, 99)


def test_the_scales_history_lists_each_check_in_order_with_its_events(station: Station) -> None:
    database = calibrated(station)
    first = save(database, moment=minutes(85))
    cal.open_seal(database, SCALE, "王建国", "repair", minutes(86))
    cal.close_seal(database, SCALE, "王建国", "", minutes(87))
    second = save(database, record(started_at=minutes(88), finished_at=minutes(89),
                                   notes="复检"), moment=minutes(89))  # fmt: skip

    rows = dyn.scale_history(database, SCALE)

    assert [(r.entry.kind, r.entry.counter, r.run and r.run.id) for r in rows] == [
        ("DYNAMIC_CHECKED", 1, second), ("SEAL_CLOSED", 1, None), ("SEAL_OPENED", 1, None),
        ("DYNAMIC_CHECKED", 1, first), ("SEAL_CLOSED", 1, None),
        ("COEFFICIENTS_CHANGED", 1, None), ("SEAL_OPENED", 0, None),
    ]  # fmt: skip
    newest = rows[0].entry
    assert (newest.at, newest.actor, newest.reason) == (minutes(89), "wang", "复检")
    assert newest.after == {"dynamicRunId": second, "verification": "initial",
                            "resultPassed": False}  # fmt: skip
    # Recording a check leaves the seal, the coefficients and the counter as they were.
    assert not cal.seal_is_open(database, SCALE)
    assert cal.current_coefficients(database, SCALE) == {"span": "0.0123"}
    assert cal.calibration_counter(database, SCALE) == 1
    # Like every calibration event, a check is never recorded back in time.
    before = counts(database)
    with pytest.raises(ValueError, match=r"^moment:"):
        save(database, record(started_at=minutes(20)), moment=minutes(88))
    assert counts(database) == before


# ---- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN, "nobody"])
def test_only_a_technician_records_a_check(station: Station, role: str) -> None:
    database = calibrated(station)
    before = counts(database)
    with pytest.raises(CalibrationRefused, match="technician"):
        save(database, actor_role=role)
    assert counts(database) == before


def test_a_check_is_refused_while_the_seal_is_open(station: Station) -> None:
    database = calibrated(station)
    cal.open_seal(database, SCALE, "王建国", "repair", minutes(82))
    before = counts(database)
    with pytest.raises(CalibrationRefused, match=r"seal .* is open"):
        save(database)
    assert counts(database) == before


def test_the_counter_must_be_the_scales_now_and_at_the_start(station: Station) -> None:
    database = calibrated(station)
    before = counts(database)
    with pytest.raises(ValueError, match=r"^counter: 0, but the scale's counter is 1"):
        save(database, record(counter=0))
    # Started before the coefficient change of minute 5: the passes mix two scales.
    with pytest.raises(ValueError, match=r"^counter: the coefficients changed during the check"):
        save(database, record(started_at=minutes(2)))
    with pytest.raises(ValueError, match="unknown scale"):
        save(database, record(scale_id="nope"))
    assert counts(database) == before


def with_item(index: int, **changes) -> tuple[DynamicItem, ...]:
    items = list(record().items)
    items[index] = replace(items[index], **changes)
    return tuple(items)


BAD = [
    ({"verification": "yearly"}, "verification:"),
    ({"vehicle_class": "3"}, "vehicle_class: '3' is not one of 0.2, 0.5, 1, 2, 5, 10"),
    ({"axle_class": "G"}, "axle_class:"),
    ({"reference": "guess"}, "reference:"),
    ({"d_kg": 0}, "d_kg: must be 1 to 1000"),
    ({"finished_at": datetime(2026, 11, 26, 8, 0)}, "finished_at:"),
    ({"technician": " "}, "actor:"),
    ({"reference_vehicle": "x" * 65}, "reference_vehicle: at most 64 characters"),
    ({"static_axles_kg": (6500.0, 9800, 9700, 8200, 8100, 8000)},
     "static_axles_kg[1]: must be an integer, not float"),
    ({"static_gross_kg": True}, "static_gross_kg: must be an integer, not bool"),
    ({"static_axles_kg": (6500,)}, "static_axles_kg: 2 to 10 axles"),
    ({"two_axle_rigid": True}, "two_axle_rigid: a 2-axle rigid vehicle has 2 axles, not 6"),
    ({"groups": ((2, 3), (3, 4))}, "groups[1]:"),
    ({"groups": ((2, 7),)}, "groups[0]: must be 1 to 6"),
    ({"passes": ()}, "passes: at least one pass"),
    ({"passes": (DynamicPass(5, (1, 2, 3)),)}, "passes[1].axles_kg: 6 axle loads, not 3"),
    ({"passes": (DynamicPass(-5, (6540, 9790, 9760, 8230, 8080, 8010)),)},
     "passes[1].speed_kmh: must be 0 to 300"),
    ({"items": with_item(1, deviation_g=1)}, "items[1].deviation_g:"),
    ({"items": with_item(8, passed=True)}, "items[8].passed:"),
    ({"items": with_item(2, reading_kg=19551, deviation_g=51_000)}, "items[2].reading_kg:"),
    ({"items": with_item(3, speed_kmh=6)}, "items[3].speed_kmh: 6, but pass 1 was at 5 km/h"),
    ({"items": with_item(3, item="axle 2")}, "items[3].item: 'axle 2' is not one of"),
    ({"items": with_item(3, pass_no=4)}, "items[3].pass_no: must be 1 to 3"),
    ({"items": with_item(5, limit_g=-1)}, "items[5].limit_g:"),
    ({"items": record().items[:-1]}, "items: every pass judged once"),
    ({"result_passed": True}, "result_passed:"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_values_are_refused_naming_the_field(
    station: Station, changes: dict, message: str
) -> None:
    database = calibrated(station)
    before = counts(database)
    with pytest.raises(ValueError) as refused:
        save(database, record(**changes))
    assert str(refused.value).startswith(message), str(refused.value)
    assert counts(database) == before


# ---- evidence ------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["dynamic_run", "dynamic_run_item"])
@pytest.mark.parametrize("verb", ["UPDATE", "DELETE"])
def test_the_dynamic_tables_are_append_only(station: Station, table: str, verb: str) -> None:
    database = calibrated(station)
    save(database)
    before = counts(database)
    column = {"dynamic_run": "notes", "dynamic_run_item": "item"}[table]
    statement = f"UPDATE {table} SET {column} = 'x'" if verb == "UPDATE" else f"DELETE FROM {table}"
    with pytest.raises(DBAPIError, match="append-only"), database.transaction() as session:
        session.execute(text(statement))
    for model in (DynamicRun, DynamicRunItem):
        with pytest.raises(EvidenceImmutable), database.transaction() as session:
            session.delete(session.scalars(select(model).limit(1)).one())
            session.flush()
    assert counts(database) == before
    assert dyn.load_dynamic_run(database, 1) == record()
    verified(station)


def test_verify_misses_a_dropped_guard(station: Station) -> None:
    """The guards have the names the integrity check looks for."""
    database = calibrated(station)
    with database.writer.begin() as conn:
        if database.is_sqlite:
            conn.execute(text("DROP TRIGGER dynamic_run_item_no_delete"))
            missing = "dynamic_run_item_no_delete"
        else:
            conn.execute(text("DROP TRIGGER dynamic_run_item_append_only ON dynamic_run_item"))
            missing = "dynamic_run_item_append_only"

    report = verify_database(database, station.store.root)

    assert any(missing in problem for problem in report.problems), report.problems
