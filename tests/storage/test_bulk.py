"""Bulk generation of test databases: valid chains, daily check numbers, same rows as live."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Table, func, select

from station.chain import GENESIS_HASH, canonical_json, seal
from station.domain.records import PlateSource
from station.services.recording import Plate, check_record_for
from station.storage import bulk
from station.storage.evidence import TraceData, WeighingEvidence, new_check_no, stage_weighing
from station.storage.models import (
    AuditEvent,
    ChainHead,
    NumberSequence,
    Outbox,
    RawTrace,
    Record,
    Weighing,
    WeighingAxle,
)
from station.storage.verify import verify_database
from station.tables import default_limit_book
from tests.support.factory import SITE, Station, add_weighings, sqlite_station

START = datetime(2026, 11, 25, 0, 0, 0)
TABLES = (Record, Outbox, Weighing, WeighingAxle, RawTrace, AuditEvent, NumberSequence, ChainHead)


def assert_verifies(station: Station, weighings: int) -> None:
    report = verify_database(station.database, None)
    assert report.ok, (report.problems, report.faults[:5], report.audit_faults[:5])
    assert (report.records, report.audit_events, report.weighings) == (weighings,) * 3


def weighings(station: Station) -> list:
    with station.database.read() as session:
        return session.execute(
            select(Weighing.record_seq, Weighing.check_no, Weighing.check_time).order_by(
                Weighing.record_seq
            )
        ).all()


def counters(station: Station) -> dict[str, int]:
    with station.database.read() as session:
        return dict(session.execute(select(NumberSequence.name, NumberSequence.last_value)).all())


def table_rows(station: Station, table: Table) -> list[tuple]:
    with station.database.read() as session:
        return [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key))]


def test_generated_database_verifies_with_daily_check_numbers(station: Station) -> None:
    seen: list[tuple[int, int]] = []
    made = bulk.generate(
        station.database,
        SITE,
        300,
        7,
        START,
        per_day=120,
        batch=70,
        progress=lambda *p: seen.append(p),
        workers=0,
    )

    assert made == 300
    assert seen[-1] == (300, 300) and len(seen) == 5
    assert_verifies(station, 300)
    rows = weighings(station)
    assert [row.record_seq for row in rows] == list(range(1, 301))
    assert len({row.check_no for row in rows}) == 300
    for day in range(3):
        date_text = f"{START + timedelta(days=day):%Y%m%d}"
        of_day = [row for row in rows if row.check_time.strftime("%Y%m%d") == date_text]
        assert [row.check_no for row in of_day] == [
            f"{SITE}{date_text}{serial:05d}" for serial in range(1, 121)
        ][: len(of_day)]
        assert [row.check_time for row in of_day] == sorted(row.check_time for row in of_day)
    assert counters(station) == {"check:20261125": 120, "check:20261126": 120, "check:20261127": 60}
    with station.database.read() as session:
        heads = {head.chain: head.last_seq for head in session.scalars(select(ChainHead))}
        traces = session.scalar(select(func.count()).select_from(RawTrace))
        outbox = session.scalars(select(Outbox.status).distinct()).all()
    assert heads == {"province": 300, "audit": 300}
    assert traces == 300 and outbox == ["PENDING"]


def test_a_weighing_recorded_live_after_bulk_continues_both_chains(station: Station) -> None:
    bulk.generate(station.database, SITE, 150, 1, START, per_day=100, batch=60, workers=0)

    committed = add_weighings(station, 1, seed=3, start=datetime(2026, 11, 26, 23, 0, 0))

    assert committed[0].seq == 151
    assert committed[0].check_no == f"{SITE}2026112600051"
    assert_verifies(station, 151)


def test_bulk_continues_a_database_that_already_has_weighings(station: Station) -> None:
    add_weighings(station, 3)  # 2026-11-25 08:00 to 08:02, serials 1 to 3
    bulk.generate(station.database, SITE, 40, 2, datetime(2026, 11, 25, 12, 0, 0), per_day=30)
    bulk.generate(station.database, SITE, 20, 3, datetime(2026, 11, 27, 0, 0, 0), per_day=30)

    assert_verifies(station, 63)
    rows = weighings(station)
    assert [row.record_seq for row in rows] == list(range(1, 64))
    assert rows[3].check_no == f"{SITE}2026112500004"
    assert counters(station) == {"check:20261125": 33, "check:20261126": 10, "check:20261127": 20}


def test_bulk_rows_are_those_stage_weighing_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same weighings recorded live, one transaction each, give identical tables."""
    generated = sqlite_station(tmp_path / "bulk")
    bulk.generate(generated.database, SITE, 60, 11, START, per_day=25, batch=16, workers=0)

    live = sqlite_station(tmp_path / "live")
    clock = [START]
    monkeypatch.setattr("station.storage.chainstore.beijing_now", lambda: clock[0])
    for first in range(0, 60, 16):
        job = bulk.Job(SITE, 11, START, 25, first, min(16, 60 - first), (), True)
        for planned in bulk.plan(job):
            clock[0] = planned.moment
            commit_live(live, planned)

    for model in TABLES:
        assert table_rows(generated, model.__table__) == table_rows(live, model.__table__), model


def commit_live(station: Station, planned: bulk.PlannedWeighing) -> None:
    """Record a planned weighing as the station does (see tests.support.factory)."""
    sample, moment = planned.sample, planned.moment
    verdict = default_limit_book().judge(sample.vehicle, moment.date())
    assert planned.trace is not None
    trace = TraceData(bulk.TRACE_RATE_HZ, [int(x) for x in planned.trace])
    with station.database.transaction() as session:
        record = check_record_for(
            sample.vehicle,
            verdict,
            planned.context,
            check_no=new_check_no(session, SITE, moment),
            check_time=moment,
            plate=Plate(sample.plate, sample.plate_color, PlateSource.ANPR),
            speed_kmh=sample.speed_kmh,
        )
        stage_weighing(session, SITE, WeighingEvidence(record, sample.vehicle, trace))


def test_without_traces_the_audit_names_no_trace(station: Station) -> None:
    bulk.generate(station.database, SITE, 30, 5, START, per_day=30, traces=False)

    assert_verifies(station, 30)
    with station.database.read() as session:
        assert session.scalar(select(func.count()).select_from(RawTrace)) == 0
        body = session.scalars(select(AuditEvent.body).limit(1)).one()
    assert '"traceSha256":null' in body


def test_worker_processes_give_the_same_database(tmp_path: Path) -> None:
    heads = []
    for workers in (0, 1):
        station = sqlite_station(tmp_path / f"w{workers}")
        bulk.generate(station.database, SITE, 250, 9, START, per_day=100, batch=50, workers=workers)
        assert_verifies(station, 250)
        heads.append(table_rows(station, ChainHead.__table__))
        station.database.dispose()
    assert heads[0] == heads[1]


def test_a_weighing_numbered_by_someone_else_stops_the_generation(tmp_path: Path) -> None:
    station = sqlite_station(tmp_path)

    def record_live(done: int, _total: int) -> None:
        if done == 20:
            add_weighings(station, 1, start=START + timedelta(hours=23))

    with pytest.raises(bulk.BulkConflict, match="check:20261125"):
        bulk.generate(
            station.database,
            SITE,
            60,
            1,
            START,
            per_day=60,
            batch=20,
            progress=record_live,
            workers=0,
        )

    assert_verifies(station, 21)


def test_per_day_must_fit_the_day_and_the_serial() -> None:
    with pytest.raises(ValueError, match="per_day"):
        bulk.slot_seconds(datetime(2026, 1, 1, 23, 59, 0), 61)
    with pytest.raises(ValueError, match="per_day"):
        bulk.slot_seconds(START, 100_000)


def test_template_sealing_is_chain_seal_byte_for_byte() -> None:
    body = {"recordType": "CHECK", "plateNum": "豫A12345", "axles": [{"no": 1}], "flags": []}
    sealed = seal(body, 42, "ab" * 32)

    record_hash, text = bulk.seal_template(bulk.template(body), 42, "ab" * 32)

    assert record_hash == sealed["recordHash"]
    assert text == canonical_json(sealed).decode("utf-8")


def test_a_value_looking_like_a_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match="seq"):
        bulk.template({"recordType": "CHECK", "plateNum": "\x01seq"})


def test_a_template_that_drifts_from_chain_seal_stops_the_batch() -> None:
    body = {"recordType": "CHECK", "checkNo": "x"}
    event = {"action": "WEIGHING_RECORDED", "detail": {"seq": 0, "recordHash": ""}}
    record_hash, text = bulk.seal_template(bulk.template(body), 1, GENESIS_HASH)
    audit = bulk.template(event, auditSeq="detail.seq", auditHash="detail.recordHash")
    audit_hash, audit_text = bulk.seal_template(
        audit, 1, GENESIS_HASH, auditSeq="1", auditHash=f'"{record_hash}"'
    )
    good = ((1, GENESIS_HASH, record_hash, text), (1, GENESIS_HASH, audit_hash, audit_text))

    bulk._cross_check((body, event), *good)  # agrees
    with pytest.raises(bulk.SealingMismatch):
        bulk._cross_check((body, event), (*good[0][:3], text.replace("x", "y")), good[1])


def test_every_column_of_the_written_tables_is_filled() -> None:
    assert bulk.unknown_columns() == []
